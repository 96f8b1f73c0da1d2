"""Helpers for the database-side sync tests: a branch and an office database with keys
exchanged, a small branch fixture, and forging with the real keys (uniquely named module)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from models import admin, clock, crypto
from models import db as dbmod

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))  # sync_testkit's forging helpers

CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "correct horse 电池 staple"

PERIOD = "2026-10"
NOW = dt.date(2026, 11, 2)
IDS = [f"11010519800101{i:03d}X" for i in range(10)]


@dataclass
class World:
    root: Path
    branch: Path
    office: Path | str  # a file, or a PostgreSQL URL (the office suite runs on both backends)

    @contextlib.contextmanager
    def at_branch(self, path: Path | None = None):
        session = dbmod.unlock(path or self.branch, "zhang", PASSPHRASE)
        try:
            yield session
        finally:
            dbmod.close()

    @contextlib.contextmanager
    def at_office(self):
        session = dbmod.unlock(self.office, "chen", PASSPHRASE)
        try:
            yield session
        finally:
            dbmod.close()


def new_branch(path: Path, code: str = "004", name: str = "朝阳") -> Path:
    admin.create_database(path, branch_code=code, branch_name=name, user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF)
    return path


def new_office(path: Path | str) -> Path | str:
    admin.create_database(
        path, branch_name="北京办事处", user="chen", passphrase=PASSPHRASE, kdf=CHEAP_KDF, kind="office"
    )
    return path


def enroll(world: World, branch_path: Path) -> None:
    from sync.keystore import enroll_branch, own_office_keys, own_registration, trust_office

    with world.at_branch(branch_path):
        registration = own_registration()
    with world.at_office():
        enroll_branch(registration)
        office_keys = own_office_keys()
    with world.at_branch(branch_path):
        trust_office(office_keys)


def fill_branch() -> None:
    """Two units, three policies in force in 2026-10 (plus an expired one), ten members,
    claims, a disbursement and a handover in the period. Expected figures in EXPECTED."""
    sql = dbmod.database.execute_sql
    with dbmod.writing():
        sql("INSERT INTO unit (code, name) VALUES ('U01', '甲公司工会'), ('U02', '乙街道工会')")
        for i, idn in enumerate(IDS):
            sql(
                "INSERT INTO member (name, initials, id_number, id_rev, sex, birth_date, unit_id) VALUES (?,?,?,?,?,?,?)",
                (f"会员{i}", "hy", idn, idn[::-1], "M", "1980-01-01", 1 if i < 6 else 2),
            )
        pol = "INSERT INTO policy (unit_id, plan_id, start, end, filed, outcome, cover_from, created_by) VALUES (?,?,?,?,?,?,?,'t')"
        sql(pol, (1, "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "first_enrolment", "2026-01-01"))  # id 1
        sql(pol, (1, "ZJB", "2026-03-01", "2027-02-28", "2026-02-20", "first_enrolment", "2026-03-01"))  # id 2
        sql(pol, (2, "ZYYL", "2025-10-16", "2026-10-15", "2025-10-10", "first_enrolment", "2025-10-16"))  # id 3
        sql(pol, (2, "ZYYL", "2026-10-16", "2027-10-15", "2026-10-10", "renewal", "2026-10-16"))  # id 4
        cov = "INSERT INTO coverage (member_id, policy_id, shares, cover_start, event, filed, created_by) VALUES (?,?,?,?,?,?,'t')"
        for m in range(1, 7):
            sql(cov, (m, 1, 2, "2026-01-01", "first_enrolment", "2025-12-20"))  # U01 ZYYL: 6 members, 12 shares
        sql(cov, (1, 1, 1, "2026-10-05", "added_shares", "2026-10-05"))  # +1 share in the period
        sql(cov, (2, 1, 1, "2026-11-05", "added_shares", "2026-11-05"))  # after the period: not counted
        for m in (1, 2, 3):
            sql(cov, (m, 2, 1, "2026-03-01", "first_enrolment", "2026-02-20"))  # U01 ZJB: 3 members, 3 shares
        for m in range(7, 11):
            sql(cov, (m, 3, 3, "2025-10-16", "first_enrolment", "2025-10-10"))  # old U02 policy
            sql(cov, (m, 4, 1, "2026-10-16", "renewal", "2026-10-10"))  # U02 ZYYL in force at month end: 4 m, 4 sh
        claim = (
            "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, "
            "shares_claimed, report_date, reporter, channel, materials, state, submitted_on, returned_on, return_reason, "
            "settled_on, benefit_fen, created_by) VALUES (?,?,?,'肺炎','illness',?,1,?,'本人','paper','[]',?,?,?,?,?,?,'t')"
        )
        sql(
            claim, (1, 1, "ZYYL", "2026-09-20", "2026-10-03", "settled", "2026-10-05", None, None, "2026-10-20", 150000)
        )
        sql(
            claim,
            (2, 1, "ZYYL", "2026-10-01", "2026-10-08", "returned", "2026-10-09", "2026-10-15", "缺少病历", None, None),
        )
        sql(claim, (7, 2, "ZYYL", "2026-08-01", "2026-08-03", "settled", "2026-08-05", None, None, "2026-10-02", 88000))
        sql(claim, (8, 2, "ZYYL", "2026-07-01", "2026-07-03", "settled", "2026-07-05", None, None, "2026-07-30", 50000))
        sql(
            "INSERT INTO budget_line (year, code, name, amount_fen) VALUES (2026, 'condolence_cash', '慰问金', 10000000)"
        )
        sql(
            "INSERT INTO disbursement (on_date, member_id, beneficiary_name, relation, unit_id, category, reason, "
            "amount_fen, method, account, budget_line_id, state, entered_by) VALUES ('2026-10-12', 3, '会员2', 'self', 1, "
            "'condolence_cash', '住院慰问', 100000, 'transfer', '6222020000001234', 1, 'paid', 'wang')"
        )
        sql(
            "INSERT INTO handover (on_date, outgoing, incoming, supervisor, reported_on, outgoing_confirmed, "
            "incoming_confirmed, open_work, created_by) VALUES ('2026-10-20', '王经办', '李经办', '张主任', '2026-10-25', "
            "1, 1, '[]', 't')"
        )
        from models import audit

        audit.record("test.fill", "fixture", None, {})


EXPECTED = {
    ("U01", "ZYYL"): dict(
        members=6,
        shares=13,
        fees_due_fen=13 * 5000,
        claims_reported=2,
        claims_submitted=2,
        claims_returned=1,
        claims_settled=1,
        claims_declined=0,
        benefit_fen=150000,
    ),
    ("U01", "ZJB"): dict(
        members=3,
        shares=3,
        fees_due_fen=3 * 10000,
        claims_reported=0,
        claims_submitted=0,
        claims_returned=0,
        claims_settled=0,
        claims_declined=0,
        benefit_fen=0,
    ),
    ("U02", "ZYYL"): dict(
        members=4,
        shares=4,
        fees_due_fen=4 * 5000,
        claims_reported=0,
        claims_submitted=0,
        claims_returned=0,
        claims_settled=1,
        claims_declined=0,
        benefit_fen=88000,
    ),
}


def make_world(tmp_path: Path, office: str | None = None) -> World:
    """A branch and an office with keys exchanged; ``office`` a PostgreSQL URL, or None for a file."""
    clock.freeze(NOW)
    world = World(tmp_path, new_branch(tmp_path / "branch.hzdb"), new_office(office or tmp_path / "office.hzdb"))
    with world.at_branch():
        fill_branch()
    enroll(world, world.branch)
    return world


def export(world: World, period: str = PERIOD, out: Path | None = None, branch: Path | None = None):
    """Export ``period`` as the chain tests need it: in any order and the same month again.
    So the export is dated the day after the month ended (at the earliest NOW), and a month
    already sent goes out as a replacement (rules.check_export_month; tested on its own in
    tests/rules/test_export_month.py and test_sync_office.py)."""
    from sync.export import export_period, parse_period, sent_for

    out = out or world.root
    today = max(clock.today(), parse_period(period)[1] + dt.timedelta(days=1))
    with world.at_branch(branch):
        again = bool(sent_for(period))
        return export_period(period, out, today=today, replace=again, reason="测试：同月重发" if again else None)


def import_path(world: World, path: Path, **kw):
    from sync.office import import_file

    with world.at_office():
        return import_file(path, **kw)


def office_counts(world: World) -> dict[str, int]:
    """What the office holds of imported data (refusal rows in received_bundle excluded)."""
    with world.at_office():
        q = lambda s: dbmod.database.execute_sql(s).fetchone()[0]  # noqa: E731
        return {
            "figures": q("SELECT count(*) FROM office_figure"),
            "records": q("SELECT count(*) FROM office_record"),
            "imported": q("SELECT count(*) FROM received_bundle WHERE status = 'imported'"),
            "held": q("SELECT count(*) FROM received_bundle WHERE status = 'held'"),
        }


def branch_keys(world: World, branch: Path | None = None):
    from sync.keystore import local_keys

    with world.at_branch(branch):
        return local_keys()


def office_keys(world: World):
    from sync.keystore import local_keys

    with world.at_office():
        return local_keys()
