"""Every main screen at 80×24 and at 120×40 (#14), over a database made by ``huzhu init`` and the
clerk's commands (entered_kit, not models.demo): seven units that share a long prefix, long
names and diagnoses, a claim of which only some shares are payable, a budget, disbursements and
a handover. The clock is frozen by conftest and no cursor blinks.

Regenerate after a deliberate change with ``python -m pytest tests/tui/test_screen_snapshots.py
--snapshot-update`` and look at what changed in ``__snapshots__/test_screen_snapshots``.
"""

from __future__ import annotations

import pytest
from entered_kit import PASSPHRASE, SUPERVISOR
from textual.widgets import Input
from tui_testkit import fixed_fingerprints, settle

from tui.app import make_app

#: The keys that open each screen from the menu (HUZHU_START=home in conftest).
SCREENS: dict[str, tuple[str, ...]] = {
    "home": (),
    "todo": ("1",),
    "lookup": ("2", *"欧阳"),
    "member": ("2", *"欧阳", "down", "enter"),
    "claims": ("3",),
    "claim_history": ("3", "enter"),
    "renewals": ("4",),
    "welfare": ("5",),
    "handover": ("6",),
    "sync": ("7",),
    "reports": ("8",),
    "worklog": ("9",),
    "selfcheck": ("0",),
    "budget": ("b",),
    "purchases": ("a",),
    "projects": ("p",),
    "fees": ("f",),
    "mgmt": ("m",),
}
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, entered_db, screen, size, monkeypatch):
    fixed_fingerprints(monkeypatch)

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in SCREENS[screen]:
            await pilot.press(key)
            await pilot.pause(0.1)
            await settle(pilot)
        await pilot.pause(0.4)  # the filters' and the lookup's debounce
        await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
            if field.id == "out-dir":  # the sync screen's folder: the test's temporary one
                field.value = "/srv/huzhu"
        await pilot.pause()

    app = make_app(db_path=entered_db, user=SUPERVISOR, passphrase=PASSPHRASE, keymap={})
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
