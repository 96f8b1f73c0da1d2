"""The 待办 counts its long sections without deciding every item (issue 15): ``read_dashboard`` with
a limit holds the first items of each section and exact totals. Both are compared with the whole
evaluation (every item decided by the rule) on a branch made by ``huzhu init`` and CLI entries,
and on the demo, at several dates and limits; and ``claim_overdue`` is held to what the counting
relies on: it reads a history through its last step alone."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from entered_kit import huzhu as cli
from entered_kit import id_number
from hypothesis import given
from hypothesis import strategies as st

from models import clock, crypto, dashboard
from models import db as dbmod
from rules import ClaimEvent, claim_overdue

#: tests/tui/conftest.py's day, which small_demo is built on (not imported: a bare ``conftest`` is
#: ambiguous under xdist)
TODAY = dt.date(2026, 3, 2)
PASSPHRASE = "一个足够长的口令 branch 2026"  # entered_kit's, for its supervisor 张三
SUPERVISOR = "张三"
SECTIONS = ("renewals", "claims", "direct_pay", "disbursements")

STATES = st.sampled_from(["registered", "submitted", "returned", "resubmitted", "settled", "declined"])
DAYS = st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31))


@given(st.lists(st.tuples(STATES, DAYS), min_size=1, max_size=6), DAYS)
def test_claim_overdue_reads_a_history_through_its_last_step(steps, today):
    history = [ClaimEvent(state, on, f"clerk{i}") for i, (state, on) in enumerate(steps)]
    assert claim_overdue(history, today) == claim_overdue([ClaimEvent(history[-1].state, history[-1].on, "")], today)


def assert_first_items_and_totals(today: dt.date) -> None:
    """For each limit, the windowed board's sections are the whole board's first items (of this year
    and of past years apart, as the screen lists them) and its totals the whole board's counts."""
    whole = dashboard.read_dashboard(today)
    for limit in (0, 1, 2, 3, 100):
        board = dashboard.read_dashboard(today, limit=limit)
        assert board.counts() == whole.counts(), (today, limit)
        for name in SECTIONS:
            items = getattr(whole, name)
            recent = [i for i in items if not dashboard.of_past_year(i.on, today)]
            past = [i for i in items if dashboard.of_past_year(i.on, today)]
            assert board.totals[name] == (len(recent), len(past)), (name, today, limit)
            shown = getattr(board, name)
            assert [i for i in shown if not dashboard.of_past_year(i.on, today)] == recent[:limit], (name, limit)
            assert [i for i in shown if dashboard.of_past_year(i.on, today)] == past[:limit], (name, limit)


def enrolments(path: Path, rows: list[tuple[str, dt.date, dt.date, int]], handled: dt.date) -> Path:
    """An enrolment file: (unit code, start, end, member number) per row, ZYYL, one share, a bank account."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"]
            + ["退休日期", "手机号", "开户行", "银行账号"]
        )
        for code, start, end, i in rows:
            writer.writerow(
                [code, f"{code}工会", "ZYYL", start, end, handled, f"会员{i}", id_number(i), 1]
                + ["", f"138001380{i:02d}", "中国工商银行北京朝阳支行", f"62220202001122{i:05d}"]
            )
    return path


@pytest.fixture(scope="module")
def cli_branch(tmp_path_factory) -> Path:
    """Units whose policies end across two years (every renewal status, lapsed ones of last year),
    overdue claims registered or returned in 2025 and in 2026, a failed direct pay, and payments
    waiting from both years; all entered on their own day through the CLI."""
    folder = tmp_path_factory.mktemp("cli_branch")
    db = folder / "branch.hzdb"
    with pytest.MonkeyPatch.context() as patch:
        # huzhu init's key slot with the cheap Argon2id of the other tests' databases (about 45
        # commands each unlock it); what it stores is read back from the slot, as in production.
        patch.setattr(crypto.KdfParams.__init__, "__defaults__", (8 * 1024, 1, 1))
        build(folder, db)
    clock.freeze(TODAY)
    return db


def build(folder: Path, db: Path) -> None:

    def run(day: dt.date, *args: object) -> None:
        clock.freeze(day)
        cli(db, *args)

    run(dt.date(2023, 12, 1), "init", "--branch-code", "004", "--branch-name", "朝阳", "--user", SUPERVISOR)
    starts = {  # unit → start of its one-year policy; ends spread from 2024-11 to 2027-02
        "U0001": dt.date(2023, 12, 1),
        "U0002": dt.date(2024, 1, 1),
        "U0003": dt.date(2025, 1, 1),
        "U0004": dt.date(2025, 2, 1),
        "U0005": dt.date(2025, 3, 1),
        "U0006": dt.date(2025, 3, 1),
        "U0007": dt.date(2025, 3, 20),
        "U0008": dt.date(2025, 3, 20),
        "U0009": dt.date(2025, 4, 1),
    }
    member = 0
    for code, start in starts.items():
        rows = []
        for _ in range(2):
            member += 1
            rows.append((code, start, dt.date(start.year + 1, start.month, start.day) - dt.timedelta(days=1), member))
        filed = start - dt.timedelta(days=5)
        run(filed, "import", "enrolments", enrolments(folder / f"{code}.csv", rows, filed))
    claims = {  # member → (registered on, returned on or None)
        1: (dt.date(2024, 6, 3), None),
        3: (dt.date(2024, 11, 4), dt.date(2025, 1, 6)),  # returned in 2025: the return is its last step
        5: (dt.date(2025, 5, 6), None),
        7: (dt.date(2025, 6, 2), None),
        9: (dt.date(2025, 12, 29), None),
        11: (dt.date(2025, 12, 29), None),
        13: (dt.date(2025, 12, 29), dt.date(2026, 1, 5)),
        15: (dt.date(2026, 2, 2), None),
        17: (dt.date(2026, 2, 2), None),
        2: (dt.date(2026, 2, 27), None),  # not overdue yet on TODAY
    }
    for i, (registered, returned) in claims.items():
        incident = registered - dt.timedelta(days=3)
        run(registered, "claim", "register", "--id-number", id_number(i), "--plan", "ZYYL",
            "--diagnosis", "肺炎", "--incident-date", incident, "--shares", 1, "--reporter", "工会主席")  # fmt: skip
        claim = dbmod_last_claim(db)
        if returned:
            run(returned - dt.timedelta(days=1), "claim", "submit", claim)
            run(returned, "claim", "return", claim, "--reason", "材料不全")
    settled = dbmod_last_claim(db)
    run(dt.date(2026, 2, 27), "claim", "submit", settled)
    run(dt.date(2026, 2, 27), "claim", "settle", settled, "--amount", "500")
    run(dt.date(2026, 2, 28), "claim", "direct-pay-failed", settled, "--note", "银行退回：账号有误")
    for year in (2025, 2026):
        run(dt.date(year, 1, 10), "budget", "add", "--year", year, "--line", "hardship_aid", "--amount", "100000")
        run(dt.date(year, 1, 10), "budget", "approve", "--year", year, "--meeting-date", dt.date(year, 1, 10),
            "--minutes", "管委会会议纪要")  # fmt: skip
    for day, i in ((dt.date(2025, 6, 10), 1), (dt.date(2025, 11, 3), 3), (dt.date(2026, 1, 12), 5),
                   (dt.date(2026, 2, 20), 7), (dt.date(2026, 2, 20), 9)):  # fmt: skip
        run(day, "disbursement", "enter", "--category", "hardship_aid", "--note", "家庭困难",
            "--id-number", id_number(i), "--amount", "800")  # fmt: skip


def dbmod_last_claim(db: Path) -> int:
    dbmod.unlock(db, SUPERVISOR, PASSPHRASE)
    try:
        return dbmod.database.execute_sql("SELECT max(id) FROM claim_report").fetchone()[0]
    finally:
        dbmod.close()


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 1, 2), dt.date(2026, 12, 31), dt.date(2027, 2, 10)])
def test_counts_and_first_items_on_a_branch_entered_by_the_cli(cli_branch, today):
    dbmod.unlock(cli_branch, SUPERVISOR, PASSPHRASE)
    try:
        whole = dashboard.read_dashboard(today)
        if today == TODAY:  # every section has items of both years, more than the smaller limits
            for name in ("renewals", "claims", "disbursements"):
                items = getattr(whole, name)
                assert sum(dashboard.of_past_year(i.on, today) for i in items) >= 2, name
                assert sum(not dashboard.of_past_year(i.on, today) for i in items) >= 2, name
            assert whole.direct_pay
        assert_first_items_and_totals(today)
    finally:
        dbmod.close()


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 4, 20), dt.date(2027, 1, 5)])
def test_counts_and_first_items_on_the_demo(small_demo, today):
    dbmod.unlock(small_demo.path, DEMO_USER, DEMO_PASSPHRASE)
    try:
        assert_first_items_and_totals(today)
    finally:
        dbmod.close()
