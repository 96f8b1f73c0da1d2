"""Textual's private API is used by the tests only through tests/tui/textual_private.py."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

# The private attributes of Textual's App/Screen/Pilot the tests have needed so far, and any
# other underscore attribute read from an object named app, screen or pilot.
_PRIVATE = re.compile(r"\b(app|screen|pilot)\._[a-z]\w*|\._(compositor|background_screens|notifications|driver)\b")
# Our own screens' helpers (``_current``) and our app's attributes (``_startup_notices``) are not Textual's.
_OURS = {"app.screen._current", "app._startup_notices"}


def test_textual_private_api_only_in_its_module():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in ("textual_private.py", Path(__file__).name):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in _PRIVATE.finditer(line):
                start = line.rfind(" ", 0, m.start()) + 1
                if not any(line[start:].lstrip("(").startswith(o) for o in _OURS):
                    found.append(f"{path.relative_to(TESTS)}:{n}: {line.strip()}")
    assert not found, found
