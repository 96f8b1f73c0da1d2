"""SQLCipher overhead on the app's own write path: a busy branch's day on the encrypted
database, as a ratio to the same day on unencrypted SQLite.

The day: 1 enrolment import of 2,000 rows, 200 claim events (100 registrations, 100
submissions), 100 payments (each entered, approved by a second supervisor and paid), each
through the real service functions (``import_enrolments``, ``register_claim``,
``transition_claim``, ``enter_disbursement``, ``approve_disbursement``, ``pay_disbursement``),
one transaction per user action with synchronous=FULL, as in the program.

How the baseline runs the same code unencrypted: ``models.db.HuzhuDatabase`` refuses an
empty key, and every service module holds the one ``models.db.database`` object. So the
bench copies the freshly created encrypted database into a plain SQLite file with
``sqlcipher_export`` (same schema, same rows) and, for the baseline only, replaces that one
object's ``_connect`` with a keyless connect of the same driver (sqlcipher3 without a key is
plain SQLite of the same version), with the same pragmas. Everything above the driver is the
identical code path; the difference measured is the encryption (page encrypt/decrypt + HMAC).
Encrypted and plain runs alternate; the median of the repetitions is reported.
Goal (issue 15): ≤ 1.3× unencrypted (an interactive clerk should not feel the encryption).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import sqlcipher3
from common import Figure, median, parser, report

from models import admin, clock, crypto
from models import db as dbmod
from models.claims import ClaimDraft, register_claim, transition_claim
from models.db import PRAGMAS, Session, database
from models.disbursements import DisbursementDraft, approve_disbursement, enter_disbursement, pay_disbursement
from models.enrolments import COLUMNS, import_enrolments
from models.keyslots import KeyFile
from rules import ruleset_on
from rules.idcard import id_check_char

TODAY = dt.date(2026, 11, 23)


def write_file(path: Path, rows: int) -> None:
    rnd = random.Random(5)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(rows):
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=i // 500)
            body = f"110105{birth:%Y%m%d}{i % 500:03d}"
            unit = f"U{i // 100:04d}"
            w.writerow(
                [
                    unit,
                    f"单位{unit}工会",
                    "ZYYL",
                    "2026-01-01",
                    "2026-12-31",
                    "2025-12-20",
                    "王" + rnd.choice("伟芳娜敏静丽强磊") + rnd.choice("军洋勇艳杰娟"),
                    body + id_check_char(body),
                    "2",
                    "",
                    "",
                ]
            )


def day(staff: Path, claims: int, payments: int) -> dict[str, float]:
    """The timed day on the currently open database; returns seconds per part."""
    clock.freeze(TODAY)
    session = dbmod.current()
    took = {}
    t = time.perf_counter()
    result = import_enrolments(staff)
    took["import"] = time.perf_counter() - t
    assert result.written and not result.errors, result.errors[:3]
    members = [r[0] for r in database.execute_sql("SELECT id FROM member ORDER BY id")]
    materials = frozenset(ruleset_on(TODAY).plan("ZYYL").required_materials)
    t = time.perf_counter()
    for i in range(claims // 2):
        reg = register_claim(
            ClaimDraft(
                member_id=members[i],
                plan="ZYYL",
                diagnosis="肺炎",
                incident_kind="illness",
                incident_date=dt.date(2026, 11, 2),
                shares_claimed=2,
                reported_on=dt.date(2026, 11, 5),
                reporter="刘主席",
                channel="app",
                materials=materials,
                backdate_reason="月末集中补录",
            )
        )
        transition_claim(reg.claim_id, "submit", dt.date(2026, 11, 6))
    took["claims"] = time.perf_counter() - t
    # bank accounts on file for the paid members (setup, not timed)
    database.execute_sql(
        "UPDATE member SET bank_account = '6222020012345678901' WHERE id <= ?", (members[payments + claims],)
    )
    line = database.execute_sql("SELECT id FROM budget_line WHERE code = 'welfare'").fetchone()[0]
    t = time.perf_counter()
    for i in range(payments):
        session.user = "zhang"
        entered = enter_disbursement(
            DisbursementDraft(
                member_id=members[claims + i],
                category="condolence_cash",
                on=dt.date(2026, 11, 20),
                amount_fen=150_000,
                method="transfer",
                note="会员本人患重大疾病住院",
                budget_line_id=line,
                backdate_reason="月末集中补录",
            )
        )
        session.user = "li"
        approve_disbursement(entered.disbursement_id, dt.date(2026, 11, 21))
        pay_disbursement(entered.disbursement_id, dt.date(2026, 11, 22), transfer_ref=f"ZZ{i:010d}")
    session.user = "zhang"
    took["payments"] = time.perf_counter() - t
    took["day"] = took["import"] + took["claims"] + took["payments"]
    return took


def make_pair(d: Path, rep: int) -> tuple[Path, Path]:
    """A fresh encrypted branch and a plain SQLite copy of it (same schema and rows)."""
    from models.schema import AppUser, BudgetLine

    enc = d / f"enc{rep}.hzdb"
    admin.create_database(
        enc,
        branch_code="004",
        branch_name="朝阳",
        user="zhang",
        passphrase="bench",
        kdf=crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1),
    )
    dbmod.unlock(enc, "zhang", "bench")
    with dbmod.writing():
        AppUser.create(name="li", role="supervisor", created_at=clock.stamp())
        BudgetLine.create(year=2026, code="welfare", name="互助互济支出", amount_fen=10**12)
    plain = d / f"plain{rep}.sqlite"
    database.execute_sql("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
    database.execute_sql("SELECT sqlcipher_export('plain')")
    database.execute_sql("DETACH DATABASE plain")
    dbmod.close()
    return enc, plain


def open_plain(plain: Path, enc: Path) -> None:
    dbmod.close()

    def _connect():
        conn = sqlcipher3.connect(str(plain), isolation_level=None, check_same_thread=False)
        database._add_conn_hooks(conn)
        return conn

    database.init(str(plain), pragmas=PRAGMAS)
    database.obj._connect = _connect  # instance attribute of the proxied database: the baseline only
    database.connect()
    with open(plain, "rb") as fh:
        assert fh.read(16) == dbmod.SQLITE_HEADER, "the baseline file must be plain SQLite"
    dbmod._session = Session(plain, "zhang", "supervisor", b"\0" * 32, KeyFile.load(enc))


def close_plain() -> None:
    dbmod.close()
    database.obj.__dict__.pop("_connect", None)


def main() -> None:
    args = parser(__doc__).parse_args()
    reps = 1 if args.quick else 3
    rows, claims, payments = 2000, 200, 100
    enc_runs, plain_runs = [], []
    with tempfile.TemporaryDirectory() as td:
        d = Path(td)
        staff = d / "staff.csv"
        write_file(staff, rows)
        for rep in range(reps):
            enc, plain = make_pair(d, rep)
            dbmod.unlock(enc, "zhang", "bench")
            enc_runs.append(day(staff, claims, payments))
            dbmod.close()
            open_plain(plain, enc)
            try:
                plain_runs.append(day(staff, claims, payments))
            finally:
                close_plain()
    figures = []
    for part, label in (
        ("day", "busy day on a new branch (2,000-row import + 200 claim events + 100 payments)"),
        ("import", "  import 2,000 rows"),
        ("claims", "  200 claim events"),
        ("payments", "  100 payments (enter, approve, pay)"),
    ):
        e = median([r[part] for r in enc_runs])
        p = median([r[part] for r in plain_runs])
        goal = "≤ 1.3× unencrypted" if part == "day" else ""
        figures.append(
            Figure(
                label + " encrypted",
                e,
                "s",
                p,
                "same code on unencrypted SQLite",
                goal,
                (e / p <= 1.3) if part == "day" else None,
            )
        )
    report(f"SQLCipher overhead on the write path ({reps} repetition(s), median)", figures, args.json)


if __name__ == "__main__":
    main()
