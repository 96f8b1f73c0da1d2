"""Start-up imports (issue 15): the program reaches its unlock screen importing only what that
screen needs. The screens after it, the rules and pypinyin's phrase dictionary (0.5 s and most
of the memory at start) are not imported by then; initials still read every character as
pypinyin's ``lazy_pinyin(char, Style.FIRST_LETTER)`` does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from models import names

ROOT = Path(__file__).resolve().parent.parent


def test_the_unlock_screen_needs_no_later_screen_and_no_pinyin():
    code = "import sys, tui.cli, tui.app, tui.screens.unlock; print(__import__('json').dumps(sorted(sys.modules)))"
    loaded = set(
        json.loads(
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        )
    )
    assert not {m for m in loaded if m.startswith("pypinyin")}
    later = {
        "tui.screens.home",
        "tui.screens.dashboard",
        "tui.screens.lookup",
        "tui.screens.claims",
        "tui.screens.renewals",
        "models.dashboard",
        "models.lookup",
        "models.enrolments",
        "tui.reader",
    }
    assert not loaded & later, loaded & later


def test_initials_match_pypinyin_for_every_character_it_knows():
    from pypinyin import Style, lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    letters = names._FirstLetters()
    differ = []
    for code in sorted(set(pinyin_dict) | set(range(0x4E00, 0x4E00 + 2000))):
        char = chr(code)
        expected = "".join(lazy_pinyin(char, style=Style.FIRST_LETTER, errors=lambda _: "")).lower()
        if letters[code] != expected:
            differ.append((char, expected, letters[code]))
    assert not differ, differ[:10]
    assert names.initials("张三") == "zs" and names.initials("单田芳") == "stf" and names.initials("吕布") == "lb"
    assert names.initials("阿卜杜·热合曼") == "abdrhm"
