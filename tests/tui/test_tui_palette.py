"""The command palette (Ctrl+P) lists every action of the screen and every menu screen."""

from __future__ import annotations

from textual.command import CommandList
from tui_testkit import PASSPHRASE, settle

from tui.app import make_app
from tui.screens.claims import ClaimsScreen
from tui.screens.menu import MENU

SIZE = (80, 24)


def palette_titles(app) -> list[str]:
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt).splitlines()[0] for i in range(commands.option_count)]


async def test_palette_lists_every_action_on_the_home_screen(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        titles = palette_titles(app)
        for expected in [entry.title for entry in MENU] + ["刷新", "锁定", "退出", "按键说明"]:
            assert expected in titles
        assert len(titles) == len(set(titles))


async def test_palette_reaches_menu_screens_from_a_sub_screen(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        titles = palette_titles(app)
        assert "返回" in titles and "报案登记" in titles
        await pilot.press(*"报案登记")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await settle(pilot)
        assert isinstance(app.screen, ClaimsScreen)


async def test_palette_before_unlock_offers_quit_and_it_quits(branch_db):
    app = make_app(db_path=branch_db, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert palette_titles(app) == ["退出"]
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_code == 0 and app.session is None


async def test_textuals_own_words_are_chinese(branch_db):
    """Issue #14: the palette's key hint and its "no matches" line, and an open Select list's
    footer hint, were English ("esc Exit the command palette", "No matches found", "esc Dismiss menu")."""
    from tui_testkit import screen_text

    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"qqqzzz")
        await pilot.pause(1.5)  # the palette waits before it says nothing matched
        assert "没有匹配的命令" in screen_text(app) and "No matches" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")  # 报案登记: its filter row has Select lists
        await settle(pilot)
        select = app.screen.query_one("#f-flag")
        select.focus()
        await pilot.press("enter")  # opens the list
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "收起列表" in text and "Dismiss" not in text
