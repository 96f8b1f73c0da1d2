"""Keys that arrive in one burst are applied in the order they were typed (issue 14 item 5).

The keys are posted to the app all at once, as a terminal hands over a burst (a paste of
keystrokes, a password manager, a laggy SSH link): ``pilot.press`` would wait after each key and
hide the problem. Before ``tui.keyorder``, a bound key (Ctrl+U, Backspace) ran only after the
characters typed after it had been inserted."""

from __future__ import annotations

from textual import events
from textual.widgets import Input
from tui_testkit import PASSPHRASE, settle

from tui.app import make_app
from tui.screens.lookup import LookupScreen

SIZE = (80, 24)


def burst(app, *keys: str) -> None:
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_a_burst_with_editing_keys_reaches_the_search_field_in_order(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, LookupScreen)
        field = app.screen.query_one("#lookup-query", Input)
        burst(app, "x", "ctrl+u", "y")
        await pilot.pause(0.3)
        assert field.value == "y"  # was "" : Ctrl+U ran after the y
        burst(app, "a", "b", "backspace", "c")
        await pilot.pause(0.3)
        assert field.value == "yac"  # was "yab"
        burst(app, "ctrl+u", "z", "h")
        await pilot.pause(0.3)
        await settle(pilot)
        assert field.value == "zh"  # was "": the name typed after Ctrl+U was wiped by it


async def test_keys_typed_right_after_a_menu_key_reach_the_screen_it_opens(branch_db):
    """2 then a name in one burst: the lookup opens as the 2 is read and the name goes into its
    search field (before, the menu below had the letters while the 2 was on its way)."""
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, "2", "z", "h")
        await pilot.pause(0.3)
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#lookup-query", Input).value == "zh"
