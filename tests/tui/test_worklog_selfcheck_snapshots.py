"""Snapshots of the work-log and self-check screens at 80×24, on their own small demo database
(fixed seed; the clock is frozen by conftest), so no other test's entries change them."""

from __future__ import annotations

import pytest
from reports_kit import PASSPHRASE, small_demo
from tui_testkit import settle

from tui.app import make_app

SIZE = (80, 24)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("tui-snapshots") / "demo.hzdb", members=80)


def _opening(key: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.app.workers.wait_for_complete()
        # A blinking cursor would make the picture depend on timing (seen: the focused field's
        # placeholder drawn with and without its cursor).
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False
        await pilot.pause(0.3)

    return run_before


def test_worklog_screen_snapshot(snap_compare, demo_file):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_opening("9"))


def test_selfcheck_screen_snapshot(snap_compare, demo_file):
    app = make_app(db_path=demo_file, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_opening("0"))
