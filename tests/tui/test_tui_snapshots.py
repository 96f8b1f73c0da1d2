"""Snapshots of the screens at 80×24 (the clerks' terminals), with the clock frozen by conftest.

Regenerate after a deliberate change with ``python -m pytest tests/tui --snapshot-update``
and review the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

from textual.widgets import Input
from tui_testkit import PASSPHRASE, settle

from tui.app import make_app


async def steady_cursor(pilot) -> None:
    """A blinking cursor would make the picture depend on timing."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


async def unlocked(pilot) -> None:
    await settle(pilot)
    await steady_cursor(pilot)


def test_unlock_screen(snap_compare, branch_db):
    assert snap_compare(make_app(db_path=branch_db, keymap={}), terminal_size=(80, 24), run_before=steady_cursor)


def test_unlock_screen_demo_database_after_a_wrong_passphrase(snap_compare, demo_db):
    async def wrong_passphrase(pilot) -> None:
        await steady_cursor(pilot)
        await pilot.press(*"demo1", "enter")
        await settle(pilot)

    assert snap_compare(make_app(db_path=demo_db, keymap={}), terminal_size=(80, 24), run_before=wrong_passphrase)


def test_home_screen(snap_compare, branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=(80, 24), run_before=unlocked)


def test_lock_screen(snap_compare, branch_db):
    async def lock(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        await steady_cursor(pilot)

    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=(80, 24), run_before=lock)
