"""Sync: export of a large branch's month, and the office importing and reconciling many bundles.

* Export: a demo branch of 100,000 members with 5,000 claims in the month (claims added on
  top of the demo's own); time of ``export_period`` (figures, records, digests, signing,
  encryption, atomic write, read-back verify, log). Baseline: ``branch_payload`` alone
  (reading the database), same run. Goal ≤ 10 s.
* Office: 50 bundles of that size, one per branch (the export's payload re-addressed to
  50 enrolled branches, each signed with its own key), imported one by one, then the
  ledger read and the period reconciled. Goal (issue 15) ≤ 60 s. Baseline: verification alone
  (signature, hash, decryption) of the 50 bundles.
* The same office run on both backends side by side (issue 16): the SQLCipher file and a
  PostgreSQL database (``HUZHU_BENCH_PG=postgresql://…``, or else a throwaway local cluster made
  like the tests' with initdb/pg_ctl on a Unix socket).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, parser, report

from models import admin, clock, crypto
from models import db as dbmod

PERIOD = "2026-10"
TODAY = dt.date(2026, 11, 2)
CHEAP = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


def add_claims(n: int) -> None:
    """``n`` claims reported (and partly settled or returned) in the period, on random members."""
    rng = random.Random(7)
    sql = dbmod.database.execute_sql
    members = sql("SELECT m.id, m.unit_id FROM member m").fetchall()
    rows = []
    for _ in range(n):
        member, unit = rng.choice(members)
        day = rng.randint(1, 28)
        state = rng.choice(["registered", "submitted", "returned", "settled"])
        rows.append(
            (
                member,
                unit,
                rng.choice(["ZYYL", "ZJB", "YWSH"]),
                "肺炎",
                "illness",
                f"2026-09-{day:02d}",
                1,
                f"2026-10-{day:02d}",
                "本人",
                "paper",
                "[]",
                state,
                f"2026-10-{min(day + 1, 31):02d}" if state != "registered" else None,
                f"2026-10-{min(day + 2, 31):02d}" if state == "returned" else None,
                "材料不全" if state == "returned" else None,
                f"2026-10-{min(day + 3, 31):02d}" if state == "settled" else None,
                rng.randint(1000, 500000) if state == "settled" else None,
                "bench",
            )
        )
    with dbmod.writing():
        dbmod.database.cursor().executemany(
            "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, shares_claimed, "
            "report_date, reporter, channel, materials, state, submitted_on, returned_on, return_reason, settled_on, "
            "benefit_fen, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )


def readdress(files: dict[str, bytes], code: str) -> dict[str, bytes]:
    from sync.canonical import canonical_dumps

    out = {}
    for path, data in files.items():
        doc = json.loads(data)
        if path == "summary.json":
            doc["branch_code"] = code
        elif path in ("claims.json", "disbursements.json", "handovers.json"):
            for item in doc:
                item["id"] = code + item["id"][3:]
        out[path] = canonical_dumps(doc)
    return out


def office_run(office, folder: Path, payload, bundles: int) -> dict[str, float]:
    """Enroll ``bundles`` branches in ``office`` (a file or a PostgreSQL URL), send each the month's
    payload re-addressed and signed with its own key, import them one by one, then read the ledger
    and reconcile. Seconds of each step."""
    from sync import build_bundle, generate_exchange_keypair, generate_signing_keypair, verify_bundle
    from sync.keys import BranchRegistration
    from sync.keystore import enroll_branch, local_keys, own_office_keys
    from sync.office import import_file
    from sync.reconcile import LEDGER_COLUMNS, import_ledger, reconcile

    folder.mkdir()
    dbmod.unlock(office, "chen", "p")
    office_keys = own_office_keys()
    paths, pinned = [], {}
    for i in range(bundles):
        code = f"{100 + i:03d}"
        signing, exchange = generate_signing_keypair(), generate_exchange_keypair()
        enroll_branch(BranchRegistration(code, f"代办处{code}", signing.public, exchange.public))
        pinned[code] = signing.public
        data = build_bundle(
            kind="branch_monthly",
            branch_code=code,
            period=PERIOD,
            sequence=1,
            prev_sha256=None,
            created="2026-11-02T01:00:00Z",
            program_version="bench",
            audit_head="0" * 64,
            files=readdress(payload.files, code),
            signer_private=signing.private,
            recipient_public=office_keys.x25519_public,
        )
        paths.append(folder / f"{code}-202610-0001.hzb")
        paths[-1].write_bytes(data)
    ledger = folder / "ledger.csv"
    with open(ledger, "w", encoding="utf-8") as fh:
        fh.write(",".join(LEDGER_COLUMNS) + "\n")
        for code in pinned:
            for f in payload.figures:
                fh.write(
                    f"{code},{f['unit_code']},{f['plan_code']},{f['members']},{f['shares']},"
                    f"{f['fees_due_fen'] / 100:.2f},{f['claims_settled']},{f['benefit_fen'] / 100:.2f}\n"
                )
    private = local_keys().exchange.private
    t = time.perf_counter()
    for p in paths:
        assert verify_bundle(p.read_bytes(), pinned_signers=pinned, recipient_private=private).ok
    verify_seconds = time.perf_counter() - t
    t = time.perf_counter()
    for p in paths:
        outcome = import_file(p)
        assert outcome.status == "imported", outcome
    import_seconds = time.perf_counter() - t
    t = time.perf_counter()
    import_ledger(ledger, PERIOD)
    rep = reconcile(PERIOD)
    reconcile_seconds = time.perf_counter() - t
    assert not rep.differences, rep.differences[:3]
    dbmod.close()
    return {"verify": verify_seconds, "import": import_seconds, "reconcile": reconcile_seconds}


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--members", type=int, help="branch size instead of the default (100,000; quick 10,000)")
    p.add_argument("--bundles", type=int, help="bundles the office imports (default 50; quick 10)")
    args = p.parse_args()
    members, claims, bundles = (10_000, 1_000, 10) if args.quick else (100_000, 5_000, 50)
    if args.members:
        members, claims = args.members, max(args.members // 20, 1)
    bundles = args.bundles or bundles
    clock.freeze(TODAY)
    from models.demo import build_demo
    from sync.export import branch_payload, export_period
    from sync.keystore import own_office_keys, trust_office

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        branch, office = root / "branch.hzdb", root / "office.hzdb"
        t = time.perf_counter()
        build_demo(branch, members=members, today=TODAY)
        build_seconds = time.perf_counter() - t
        admin.create_database(office, branch_name="北京办事处", user="chen", passphrase="p", kdf=CHEAP, kind="office")
        dbmod.unlock(office, "chen", "p")
        office_keys = own_office_keys()
        dbmod.close()

        dbmod.unlock(branch, "demo", "demo")
        trust_office(office_keys)
        add_claims(claims)
        t = time.perf_counter()
        payload = branch_payload(PERIOD)
        read_seconds = time.perf_counter() - t
        t = time.perf_counter()
        result = export_period(PERIOD, root)
        export_seconds = time.perf_counter() - t
        dbmod.close()

        dbmod.close()
        runs = {"sqlite": office_run(office, root / "in-sqlite", payload, bundles)}
        server = None
        try:
            url = os.environ.get("HUZHU_BENCH_PG")
            if not url:
                # A throwaway cluster like the tests' (tests/pgserver.py): initdb + pg_ctl, Unix socket.
                sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
                from tests import pgserver

                server = pgserver.start()
                url = server.new_database()
            admin.create_database(url, branch_name="北京办事处", user="chen", passphrase="p", kdf=CHEAP, kind="office")
            runs["postgresql"] = office_run(url, root / "in-pg", payload, bundles)
        finally:
            dbmod.close()
            if server is not None:
                server.stop()
    clock.freeze(None)
    lite, pg = runs["sqlite"], runs["postgresql"]
    figures = [
        Figure(
            f"export, {members:,} members, {claims:,} claims in the month ({result.bytes:,} bytes)",
            export_seconds,
            "s",
            read_seconds,
            "reading the payload only",
            "≤ 10 s",
            export_seconds <= 10,
        ),
    ]
    for name, run in (("SQLCipher file", lite), ("PostgreSQL", pg)):
        total = run["import"] + run["reconcile"]
        figures += [
            Figure(
                f"office ({name}) import of {bundles} bundles of {members:,}-member branches + ledger + reconcile",
                total,
                "s",
                run["verify"],
                "verifying the bundles only",
                "≤ 60 s",
                total <= 60,
            ),
            Figure(
                f"  of which import ({len(payload.figures)} figure rows and "
                f"{payload.summary['counts']['claims']:,} claims per bundle)",
                run["import"],
                "s",
            ),
            Figure("  of which ledger + reconcile", run["reconcile"], "s"),
        ]
    figures += [
        Figure(
            "office import + reconcile: PostgreSQL against the SQLCipher file (same bundles, same run)",
            pg["import"] + pg["reconcile"],
            "s",
            lite["import"] + lite["reconcile"],
            "SQLCipher file",
        ),
        Figure(f"(setup) demo build, {members:,} members", build_seconds, "s"),
    ]
    report("sync: export, import, reconcile", figures, args.json)


if __name__ == "__main__":
    main()
