"""Issue 14's smaller things and its one worker helper, tried by pressing keys on a database
made by ``huzhu init`` and CLI entries (tests/tui/cli_branch_kit.py), never the demo data."""

from __future__ import annotations

import threading

import pytest
from cli_branch_kit import PASSES, build_branch, copy_branch
from conftest import TODAY
from textual.widgets import DataTable, Input, OptionList
from tui_testkit import screen_text, settle

from tui.app import make_app
from tui.screens.dashboard import OLDER_TOGGLE, DashboardScreen
from tui.screens.disbursements import DisbursementsScreen
from tui.screens.renewals import RenewalsScreen
from tui.screens.selfcheck import SelfcheckScreen

SIZE = (80, 24)


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory) -> dict:
    return build_branch(tmp_path_factory.mktemp("cli_branch"))


@pytest.fixture
def branch(cli_template, tmp_path) -> dict:
    return {**cli_template, "db": copy_branch(cli_template["db"], tmp_path / "branch")}


def app_for(branch: dict, user: str = "zhang", start: str = "home"):
    return make_app(db_path=branch["db"], user=user, passphrase=PASSES[user], keymap={}, today=TODAY, start=start)


def todo_line_ids(app) -> list[str | None]:
    todo = app.screen.query_one("#todo-list", OptionList)
    return [todo.get_option_at_index(i).id for i in range(todo.option_count)]


# --- 待办: past years folded, and Enter opens the record itself ----------------------------------


async def test_todo_folds_past_years_and_opens_a_prior_year_disbursement(branch):
    app = app_for(branch, start="todo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        # This year's payment is listed with today's work; last year's is folded away.
        assert "互助互济待办 1" in text and "2026-02-20 李四" in text
        assert "2025-06-10 张三" not in text and "往年 1 项（已收起，回车展开）" in text
        await pilot.press("end", "enter")  # the 往年 heading is the last line
        await settle(pilot)
        text = screen_text(app)
        assert "往年 1 项（回车收起）" in text and "2025-06-10 张三 生活救助金 1000.00元" in text
        todo = app.screen.query_one("#todo-list", OptionList)
        for _ in range(todo.option_count):
            if app.screen._current() is not None and app.screen._current().kind == "disbursement":
                break
            await pilot.press("down")
        assert "2025-06-10" in app.screen._current().message
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DisbursementsScreen)
        assert screen.current is not None and screen.current.id == branch["old_disbursement"]
        assert screen.query_one("#f-from", Input).value == "2025-01-01"
        assert f"#{branch['old_disbursement']} 2025-06-10 生活救助金 1000.00元" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("end", "up", "enter")  # the heading, above its one line: folded again
        await settle(pilot)
        assert "2025-06-10 张三" not in screen_text(app) and OLDER_TOGGLE in todo_line_ids(app)


# --- one worker helper: a stale result never overwrites a newer one ------------------------------


class Gate:
    """Wraps a service so that its first call waits until the second has returned: the first
    load finishes last, as a slow read overtaken by a newer one does."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0
        self.first_thread: threading.Thread | None = None
        self.second_done = threading.Event()
        self.first_done = threading.Event()

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.first_thread = threading.current_thread()
            assert self.second_done.wait(30)
            try:
                return self.fn(*args, **kwargs)
            finally:
                self.first_done.set()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.second_done.set()


async def test_selfcheck_shows_the_year_asked_last_when_the_first_load_finishes_last(branch, monkeypatch):
    from models import selfcheck

    gate = Gate(selfcheck.run)
    monkeypatch.setattr(selfcheck, "run", gate)
    app = app_for(branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SelfcheckScreen())  # its first load (2026) waits for the second
        await pilot.pause()
        year = app.screen.query_one("#selfcheck-year", Input)
        year.value = "2025"
        year.focus()
        await pilot.press("enter")
        assert gate.first_done.wait(30)
        await settle(pilot)
        await pilot.pause(0.2)
        screen = app.screen
        assert gate.calls == 2 and screen.check is not None and screen.check.year == 2025
        assert screen.query_one("#selfcheck-table", DataTable).row_count == len(screen.check.items)
        assert "org.1" in screen_text(app) and "组织与管理办法" in screen_text(app)  # titles, not only codes


async def test_renewals_show_the_newest_read_when_the_first_finishes_last(branch, monkeypatch):
    import tui.screens.renewals as renewals

    real = renewals.renewal_board

    def board(today):
        rows = real(today)
        return [] if threading.current_thread() is gate.first_thread else rows  # the stale read: an empty board

    gate = Gate(board)
    monkeypatch.setattr(renewals, "renewal_board", gate)
    app = app_for(branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RenewalsScreen())
        await pilot.pause()
        await pilot.press("f", "f5")  # every row; then read again while the first read runs
        assert gate.first_done.wait(30)
        await settle(pilot)
        await pilot.pause(0.2)
        table = app.screen.query_one("#renewal-table", DataTable)
        assert gate.calls == 2 and table.row_count == 1 and "U0001" in screen_text(app)
