"""A long 待办 section lists its most urgent lines and counts the rest in a last line that
opens the screen listing them all (issue 15: ~10,000 open items at a million members kept the
list from painting for seconds)."""

from __future__ import annotations

from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from tui_testkit import screen_text, settle

from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens import dashboard as dashboard_screen
from tui.screens.dashboard import DashboardScreen
from tui.screens.renewals import RenewalsScreen


async def test_a_long_section_ends_with_a_line_to_its_screen(small_demo, monkeypatch):
    monkeypatch.setattr(dashboard_screen, "SECTION_LINES", 1)
    app = make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        assert "续保 2" in text and "… 另有 1 项，回车查看全部" in text  # the heading still counts both
        await pilot.press("down")  # from the first renewal to the line after it
        await pilot.pause()
        assert "此处只列出最紧急的 1 项；其余 1 项请在对应页面查看" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
