"""A clerk's day as a child process the reliability tests SIGKILL at random moments.

Usage: ``python -m tests.reliability.writer MODE DB [ARG]``. The process prints ``READY``
once unlocked, then one JSON line per *acknowledged* commit (after the service call
returned, so after COMMIT), flushed at once: the parent knows exactly what must survive.

Modes:
  day     cycles of: import a 5-row enrolment file, give a member a bank account, register
          a claim, submit it, enter a disbursement (as li), approve and pay it (as zhang).
  rekey   rekey the database over and over (as zhang); one line per finished rekey.
  backup  write backups ARG/backup-N.hzbak over and over; one line per finished backup.
  units   TAG N: add N units named TAG0000…, then print DONE (for two writers at once).
  export  export bundles of successive periods into ARG (branch set up by the test).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from models import audit, clock
from models import db as dbmod

PASSPHRASE = "correct horse 电池 staple"
LI_PASSPHRASE = "li pass"
TODAY = dt.date(2026, 11, 23)
ACCOUNT = "6222020012345678901"


def ack(**fields) -> None:
    seq, digest = audit.head()
    fields.update(seq=seq, hash=digest)
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def idn(birth: dt.date, n: int) -> str:
    from rules.idcard import id_check_char

    body = f"110105{birth:%Y%m%d}{n:03d}"
    return body + id_check_char(body)


def as_user(path: Path, user: str) -> None:
    dbmod.close()
    dbmod.unlock(path, user, PASSPHRASE if user == "zhang" else LI_PASSPHRASE)
    clock.freeze(TODAY)


def day(path: Path, workdir: Path) -> None:
    from models.claims import ClaimDraft, register_claim, transition_claim
    from models.db import database
    from models.disbursements import DisbursementDraft, approve_disbursement, enter_disbursement, pay_disbursement
    from models.enrolments import COLUMNS, import_enrolments
    from models.members import upsert_member
    from rules import ruleset_on

    as_user(path, "li")
    materials = frozenset(ruleset_on(TODAY).plan("ZYYL").required_materials)
    line = database.execute_sql("SELECT id FROM budget_line WHERE code = 'welfare'").fetchone()[0]
    print("READY", flush=True)
    cycle = database.execute_sql("SELECT count(*) FROM import_batch").fetchone()[0]
    while True:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=cycle)
        numbers = [idn(birth, i) for i in range(1, 6)]
        f = workdir / f"staff-{cycle}-{os.getpid()}.csv"
        with open(f, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(COLUMNS)
            for i, number in enumerate(numbers, 1):
                out.writerow(
                    [
                        f"U{cycle % 50:04d}",
                        f"单位{cycle % 50}工会",
                        "ZYYL",
                        "2026-01-01",
                        "2026-12-31",
                        "2025-12-20",
                        f"会员{cycle}乙{i}",
                        number,
                        "2",
                        "",
                        "",
                    ]
                )
        result = import_enrolments(f)
        assert result.written, result.errors[:3]
        ack(op="import", id=result.batch_id, rows=5, numbers=numbers)
        unit = f"U{cycle % 50:04d}"
        m2 = upsert_member(numbers[1], f"会员{cycle}乙2", unit, bank_account=ACCOUNT)
        ack(op="member", id=m2.id, bank=True)
        m1 = database.execute_sql("SELECT id FROM member WHERE id_number = ?", (numbers[0],)).fetchone()[0]
        claim = register_claim(
            ClaimDraft(
                member_id=m1,
                plan="ZYYL",
                diagnosis="肺炎",
                incident_kind="illness",
                incident_date=dt.date(2026, 11, 2),
                shares_claimed=2,
                reported_on=TODAY,
                reporter="刘主席",
                channel="app",
                materials=materials,
            )
        )
        ack(op="claim", id=claim.claim_id, state="registered")
        transition_claim(claim.claim_id, "submit", TODAY)
        ack(op="claim", id=claim.claim_id, state="submitted")
        entered = enter_disbursement(
            DisbursementDraft(
                member_id=m2.id,
                category="condolence_cash",
                on=TODAY,
                amount_fen=150_000,
                method="transfer",
                note="会员本人患重大疾病住院",
                budget_line_id=line,
            )
        )
        ack(op="disbursement", id=entered.disbursement_id, state="entered")
        as_user(path, "zhang")
        approve_disbursement(entered.disbursement_id, TODAY)
        ack(op="disbursement", id=entered.disbursement_id, state="approved")
        pay_disbursement(entered.disbursement_id, TODAY, transfer_ref=f"ZZ{cycle:012d}")
        ack(op="disbursement", id=entered.disbursement_id, state="paid")
        as_user(path, "li")
        f.unlink(missing_ok=True)
        cycle += 1


def rekey(path: Path) -> None:
    from models import admin

    as_user(path, "zhang")
    print("READY", flush=True)
    n = 0
    while True:
        admin.rekey(dbmod.current())
        n += 1
        ack(op="rekey", n=n, key=dbmod.current().key.hex())


def backup(path: Path, outdir: Path) -> None:
    from models import admin

    as_user(path, "zhang")
    print("READY", flush=True)
    n = 0
    while True:
        out = outdir / f"backup-{n}.hzbak"
        admin.backup(dbmod.current(), out, force=True)  # a killed run may have left backup-N
        ack(op="backup", file=str(out))
        n += 1


def export(path: Path, outdir: Path) -> None:
    from models.db import database
    from sync.export import export_period

    as_user(path, "zhang")
    # Only ended months may be exported, each once (rules.check_export_month): far in the
    # future, and after a restart from the month after the last one sent.
    clock.freeze(dt.date(2099, 1, 5))
    print("READY", flush=True)
    last = database.execute_sql("SELECT max(period) FROM bundle_log WHERE direction = 'out'").fetchone()[0]
    year, month = 2026, 1
    if last is not None:
        year, month0 = divmod(int(last[:4]) * 12 + int(last[5:]), 12)  # the month after `last`
        month = month0 + 1
    while True:
        result = export_period(f"{year}-{month:02d}", outdir)
        ack(op="export", file=str(result.path) if hasattr(result, "path") else repr(result))
        month += 1
        if month > 12:
            year, month = year + 1, 1


def units(path: Path, tag: str, n: int) -> None:
    """Two of these run at once on one database (two clerks on one PC)."""
    from models.members import upsert_unit

    as_user(path, "zhang" if tag.startswith("A") else "li")
    print("READY", flush=True)
    for i in range(n):
        unit = upsert_unit(f"{tag}{i:04d}", f"{tag} 单位 {i}")
        ack(op="unit", id=unit.id, code=unit.code)
    print("DONE", flush=True)


def main(argv: list[str]) -> int:
    if argv[0] == "units":
        units(Path(argv[1]), argv[2], int(argv[3]))
        return 0
    mode, path = argv[0], Path(argv[1])
    arg = Path(argv[2]) if len(argv) > 2 else path.parent
    {
        "day": lambda: day(path, arg),
        "rekey": lambda: rekey(path),
        "backup": lambda: backup(path, arg),
        "export": lambda: export(path, arg),
    }[mode]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
