"""The reports, work-log and self-check screens, driven as a clerk does, on a small demo
database (fixed seed, clock frozen by conftest at 2026-03-02), and a snapshot at 80×24."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from reports_kit import PASSPHRASE, small_demo
from textual.widgets import DataTable, Input, OptionList
from tui_testkit import screen_text, settle

from models import reports
from tui.app import make_app
from tui.screens.reports import ReportsScreen
from tui.screens.selfcheck import SelfcheckScreen
from tui.screens.worklog import WorklogScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("tui-reports") / "demo.hzdb", members=80)


async def open_screen(pilot, key: str) -> None:
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def preview_statistics(pilot) -> None:
    await open_screen(pilot, "8")
    screen = pilot.app.screen
    screen.query_one("#report-period", Input).value = "2026-02"
    menu = screen.query_one("#report-list", OptionList)
    menu.highlighted = list(reports.REPORTS).index("statistics")
    menu.focus()
    await pilot.press("enter")
    await settle(pilot)
    for field in screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def test_preview_and_export_a_report(demo_file, tmp_path):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await preview_statistics(pilot)
        assert isinstance(app.screen, ReportsScreen)
        table = app.screen.query_one("#report-table", DataTable)
        assert table.row_count >= 2
        assert "合计" in str(table.get_row_at(table.row_count - 1)[0])
        out = tmp_path / "统计.xlsx"
        app.screen.query_one("#report-out", Input).value = str(out)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert out.exists() and "已写入" in screen_text(app)
        ws = load_workbook(out).worksheets[0]
        assert ws["A1"].value == "会费收入、理赔给付业务统计报表"
        app.screen.query_one("#report-period", Input).value = "2026-13"
        await pilot.press("f5")
        await settle(pilot)
        assert "期间应写成" in screen_text(app)


def test_reports_screen_snapshot(snap_compare, demo_file):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=preview_statistics)


async def test_worklog_screen_adds_an_entry(demo_file):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "9")
        assert isinstance(app.screen, WorklogScreen)
        app.screen.query_one("#worklog-date", Input).value = "2026-02-10"
        app.screen.query_one("#worklog-title", Input).value = "一季度管委会会议"
        app.screen.query_one("#worklog-title", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "已登记" in screen_text(app)
        assert app.screen.query_one("#worklog-table", DataTable).row_count == 1
        app.screen.query_one("#worklog-date", Input).value = "2026-12-31"
        app.screen.query_one("#worklog-title", Input).value = "未来的会议"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "晚于今天" in screen_text(app)


async def test_selfcheck_screen_ticks_a_checklist_item(demo_file):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "0")
        assert isinstance(app.screen, SelfcheckScreen)
        assert app.screen.query_one("#selfcheck-year", Input).value == "2026"
        table = app.screen.query_one("#selfcheck-table", DataTable)
        assert table.row_count == 30
        table.focus()
        await pilot.press("t")  # org.1 is the first row, a checklist item
        await settle(pilot)
        assert "org.1 已勾选" in screen_text(app)
        assert app.screen.check.items[0].status == "ticked"
        await pilot.press("down")
        await pilot.press("t")  # org.2 is measured
        await settle(pilot)
        assert "不能手工勾选" in screen_text(app)
