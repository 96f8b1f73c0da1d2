"""Search keys stored beside a member: pinyin initials of the name and the reversed ID number.

Clerks find members by typing initials ("zs" for 张三) or the last digits of an ID number.
Both keys are computed once when a member is written and kept in indexed columns, so a
search is an index range scan instead of a decrypt-and-compare over every row.
"""

from __future__ import annotations

import importlib.resources
import json
import threading
import unicodedata

from rules.idcard import normalise_id

#: Surnames whose reading as a surname differs from the character's everyday reading
#: (pypinyin picks the everyday one: 单 dan, 曾 ceng …). Double surnames come first so that
#: 尉迟 is read yu chi, not wei + chi.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "乐": ("yue",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "折": ("she",),
    "覃": ("qin",),
    "种": ("chong",),
    "秘": ("bi",),
    "隗": ("wei",),
    "重": ("chong",),
    "员": ("yun",),
    "召": ("shao",),
    "句": ("gou",),
    "祭": ("zhai",),
    "繁": ("po",),
    "薄": ("bo",),
    "卜": ("bu",),
}
_SURNAME_LENGTHS = sorted({len(s) for s in SURNAME_READINGS}, reverse=True)


_readings: dict[int, str] | None = None
_readings_lock = threading.Lock()


def _everyday_readings() -> dict[int, str]:
    """pypinyin's single-character dictionary (code point → its readings, the everyday one
    first), read from the package's JSON on first use without importing ``pypinyin`` itself:
    its ``__init__`` loads the phrase dictionary too (2.5 MB of JSON, 0.5 s and most of the
    program's memory at start), which a name's initials never need: they are read one
    character at a time, as ``lazy_pinyin(char, Style.FIRST_LETTER)`` reads them."""
    global _readings
    with _readings_lock:
        if _readings is None:
            data = importlib.resources.files("pypinyin").joinpath("pinyin_dict.json")
            raw = json.loads(data.read_text(encoding="utf-8"))
            _readings = {int(code): readings for code, readings in raw.items()}
        return _readings


def _first_letter(reading: str) -> str:
    """The first letter of a toned reading without its tone mark ("ǎi" → "a", "ń" → "n")."""
    return unicodedata.normalize("NFD", reading[:1])[:1].lower()


class _FirstLetters(dict):
    """Per-character cache for ``str.translate``: code point → first letter of the everyday
    reading, looked up once per distinct character. ASCII letters and digits stand for
    themselves; anything else (the · in minority names, spaces) maps to nothing.
    ``translate`` does the per-character work in C, which keeps a million names fast."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            letter = char.lower() if char.isalnum() else ""
        else:
            readings = _everyday_readings().get(code)
            letter = _first_letter(readings.split(",")[0]) if readings else ""
        self[code] = letter
        return letter


_FIRST_LETTERS = _FirstLetters()


def initials(name: str) -> str:
    """Lower-case pinyin initials of a Chinese name, reading the surname as a surname.

    >>> initials("张三"), initials("单田芳"), initials("尉迟恭"), initials("曾国藩")
    ('zs', 'stf', 'ycg', 'zgf')
    """
    name = "".join(name.split())
    for size in _SURNAME_LENGTHS:
        readings = SURNAME_READINGS.get(name[:size])
        if readings is not None:
            return "".join(r[0] for r in readings) + name[size:].translate(_FIRST_LETTERS)
    return name.translate(_FIRST_LETTERS)


def id_reversed(id_number: str) -> str:
    """The normalised ID number reversed: "last N digits" becomes an indexed prefix search
    (``id_rev LIKE reversed(tail) || '%'``)."""
    return normalise_id(id_number)[::-1]
