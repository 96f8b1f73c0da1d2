"""待办: the queries of ``models.dashboard`` against what the demo planted, and the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from tui_testkit import screen_text, settle

from models import audit
from models import db as dbmod
from models.dashboard import RENEWAL_TODO, read_dashboard, renewal_board, renewal_status
from models.schema import BundleLog, DirectPayFailure, Handover, OfficeNotice
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.lookup import MemberScreen
from tui.screens.renewals import RenewalsScreen

SIZE = (80, 24)
D = dt.date


def sql(query: str, *params):
    return dbmod.database.execute_sql(query, params).fetchall()


@pytest.fixture
def unlocked_demo(small_demo):
    dbmod.unlock(small_demo.path, DEMO_USER, DEMO_PASSPHRASE)
    yield small_demo
    dbmod.close()


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 3, 16), "too_early"),  # the window opens on expiry − 15 = 2026-03-17
        (D(2026, 3, 17), "open"),
        (D(2026, 3, 31), "open"),
        (D(2026, 4, 1), "grace"),  # expiry
        (D(2026, 4, 16), "grace"),  # expiry + 15: the last on-time day
        (D(2026, 4, 17), "late"),
        (D(2027, 3, 31), "late"),  # the renewal's own period still runs
        (D(2027, 4, 1), "lapsed"),
    ],
)
def test_renewal_status_follows_the_window_of_classify_renewal(today, status):
    assert renewal_status(D(2025, 4, 1), D(2026, 3, 31), "ZYYL", today)[0] == status


def test_dashboard_matches_what_the_demo_planted(unlocked_demo):
    board = read_dashboard(TODAY)
    renewals = {(row.unit_code, row.plan): row.status for row in board.renewals}
    assert renewals[("U0003", "ZYYL")] == "grace" and renewals[("U0004", "ZYYL")] == "open"
    assert ("U0005", "ZYYL") not in renewals  # renewed early: its new policy is not due
    assert all(status in RENEWAL_TODO for status in renewals.values())
    every = {(row.unit_code, row.plan) for row in renewal_board(TODAY)}
    assert len(every) == sql("SELECT count(DISTINCT unit_id || '/' || plan_id) FROM policy")[0][0]

    # Overdue: last step more than 7 days ago (claim_submit/resubmit_overdue_days), by an independent query.
    overdue = sql(
        "SELECT id FROM claim_report WHERE state IN ('registered', 'returned') "
        "AND COALESCE(CASE state WHEN 'returned' THEN returned_on END, report_date) < ?",
        (TODAY - dt.timedelta(days=7)).isoformat(),
    )
    assert sorted(int(item.ref) for item in board.claims) == sorted(row[0] for row in overdue) and overdue
    assert len(board.direct_pay) == sql("SELECT count(*) FROM direct_pay_failure WHERE signed_on IS NULL")[0][0]
    waiting = dict(
        sql("SELECT state, count(*) FROM disbursement WHERE state IN ('entered', 'approved', 'paid') GROUP BY state")
    )
    assert {s: sum(1 for i in board.disbursements if i.status == s) for s in waiting} == waiting
    assert {item.title: item.status for item in board.logins} == {
        "业务系统账号 bj004sunli（孙丽）": "overdue",
        "业务系统账号 bj004zhaolei（赵磊）": "warn",
    }
    assert board.handovers == [] and board.notices == [] and board.selfassessment is None
    assert (board.bundle.last_period, board.bundle.next_period, board.bundle.ready) == (None, "2026-02", True)
    assert "尚未发送" in board.bundle.message
    welfare = next(use for use in board.budget if use.code == "welfare")
    spent = sql(
        "SELECT sum(d.amount_fen) FROM disbursement d JOIN budget_line b ON b.id = d.budget_line_id "
        "WHERE b.year = 2026 AND b.code = 'welfare' AND d.state IN ('paid', 'signed')"
    )[0][0]
    assert welfare.used_fen == spent and welfare.status == "within_budget"


def test_dashboard_shows_handovers_notices_bundle_and_self_assessment(writable_demo):
    dbmod.unlock(writable_demo, DEMO_USER, DEMO_PASSPHRASE)
    try:
        with dbmod.writing():
            for days, incoming in ((12, "李静"), (3, "赵磊")):
                Handover.create(
                    on_date=TODAY - dt.timedelta(days=days),
                    outgoing="王芳",
                    incoming=incoming,
                    supervisor="陈建国",
                    created_by="demo",
                )
            BundleLog.create(
                direction="out",
                kind="branch_monthly",
                branch_code="004",
                period="2026-02",
                sequence=1,
                file_name="x",
                sha256="0" * 64,
                created_at="2026-03-01T09:00:00+08:00",
                status="sent",
            )
            DirectPayFailure.create(
                claim=sql("SELECT id FROM claim_report WHERE state = 'settled' LIMIT 1")[0][0],
                notice_on=TODAY - dt.timedelta(days=4),
                corrected_on=TODAY - dt.timedelta(days=2),
                created_by="demo",
            )
            OfficeNotice.create(
                uid="n1",
                period="2026-02",
                kind="claim_returned",
                ref="3",
                text="报案 #3 材料不全",
                bundle_sha256="1" * 64,
                received_at="2026-03-01T10:00:00+08:00",
            )
            audit.record("test.setup", "dashboard", None, {})  # seals the rows, as the program's writes are
        board = read_dashboard(TODAY)
        assert [(item.status, item.target) for item in board.handovers] == [
            ("overdue", "handover"),
            ("due", "handover"),
        ]
        assert "仍未上报" in board.handovers[0].message
        assert (board.bundle.last_period, board.bundle.next_period, board.bundle.ready) == ("2026-02", "2026-03", False)
        failure = board.direct_pay[-1]
        assert failure.status == "transferred" and "到办事处办理转账" in failure.message and failure.member_id
        assert [(n.message, n.target) for n in board.notices] == [("报案 #3 材料不全", "claim")]
        reminder = read_dashboard(D(2026, 12, 20)).selfassessment
        assert reminder is not None and "2027-01-15" in reminder.message
        assert read_dashboard(D(2027, 1, 16)).selfassessment is None
    finally:
        dbmod.close()


async def test_dashboard_screen_lists_items_and_opens_them(small_demo):
    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        # The third renewal, lapsed in 2025, is in the folded 往年 section at the end.
        assert "续保 2" in text and "宽限期   U0003" in text and "报案超期" in text and "往年" not in text
        assert "依据 《代办处管理办法》(000) 第十七条2" in text  # the first item's reason and source
        await pilot.press("enter")  # the first line: U0003's renewal
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        assert "U0003 住院医疗：本期 2025-02-25 至 2026-02-24" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        for _ in range(3):  # past the two renewals to the first overdue claim
            await pilot.press("down")
        await pilot.pause()
        assert "未重新上报" in screen_text(app)
        claim = app.screen._current()
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MemberScreen) and app.screen.member_id == claim.member_id
        assert "保障状态" in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"


async def test_palette_lists_the_dashboard_actions(small_demo):
    from test_tui_palette import palette_titles

    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        titles = palette_titles(app)
        assert {"刷新", "返回", "会员查询", "续保跟踪", "待办"} <= set(titles)
        assert len(titles) == len(set(titles))


def test_dashboard_snapshot(snap_compare, small_demo):
    async def open_dashboard(pilot) -> None:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)

    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_dashboard)


async def test_todo_is_the_first_screen_after_unlock_and_esc_opens_the_menu(small_demo, monkeypatch):
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.home import HomeScreen

    monkeypatch.delenv("HUZHU_START")
    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "续保" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and "会员查询" in screen_text(app)


async def test_a_claim_line_opens_that_claim(small_demo):
    from tui.screens.claims import ClaimsScreen

    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        for _ in range(3):  # past the two renewals to the first overdue claim
            await pilot.press("down")
        await pilot.pause()
        line = app.screen._current()
        assert line.kind == "claim" and line.ref.isdigit()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClaimsScreen)
        assert app.screen.detail is not None and app.screen.detail.id == int(line.ref)
