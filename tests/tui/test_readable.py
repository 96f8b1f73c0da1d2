"""Issue 14 item 4: with NO_COLOR=1, and with the light theme on a light terminal, no glyph on
the key screens is drawn in the colour of its own background (tests/tui/glyphs.py says how
that is decided)."""

from __future__ import annotations

import pytest
from demo_kit import DEMO_PASSPHRASE
from glyphs import invisible_glyphs
from tui_testkit import DEMO_HINT, create_branch_db, settle

from tui.app import make_app

SIZE = (80, 24)
#: From home: the keys that open each key screen (待办 is the first screen after unlock).
SCREENS = {
    "home": (),
    "todo": ("1",),
    "lookup": ("2", *"zs"),
    "claims": ("3",),
    "renewals": ("4",),
    "welfare": ("5",),
    "sync": ("7",),
    "reports": ("8",),
}
MODES = {"no_color": ({"NO_COLOR": "1"}, "dark"), "light": ({"HUZHU_THEME": "light"}, "light")}


@pytest.fixture(params=list(MODES))
def mode(request, monkeypatch):
    env, terminal = MODES[request.param]
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return terminal


async def test_unlock_screen_is_readable(mode, tmp_path):
    db = create_branch_db(tmp_path / "b.hzdb", user="demo", passphrase="demo", hint=DEMO_HINT)
    app = make_app(db_path=db, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert invisible_glyphs(app, mode) == []


@pytest.mark.parametrize("screen", list(SCREENS))
async def test_key_screens_are_readable(mode, screen, small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={}, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*SCREENS[screen])
        await pilot.pause(0.4)
        await settle(pilot)
        assert invisible_glyphs(app, mode) == [], type(app.screen).__name__
