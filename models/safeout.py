"""Writing values the branch did not choose (names, diagnoses, unit names from an import or a
bundle) where another program would act on them instead of showing them.

* Spreadsheets: a cell whose text begins with ``=`` becomes a live formula in openpyxl
  (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``). ``text_cells`` turns every formula cell of a
  workbook back into a plain text cell just before it is saved; no writer of ours makes formulas.
* CSV: Excel evaluates a field that begins with ``= + - @`` (or a tab or CR before one), so
  ``csv_cell`` prefixes such a field with ``'``; a plain number such as ``-12.50`` is left as is.
* Terminals: ESC, OSC and the other C0/C1 controls in a printed value can move the cursor,
  retitle the window or hide text; ``terminal_text`` removes them (newline and tab stay).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]+)?%?")

# ESC-introduced sequences first (CSI … final byte, OSC … BEL/ST, and two-byte escapes), so
# their printable tails go too; then any remaining C0 (except \t \n), DEL and C1 code point.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST (or not at all)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # other escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def csv_cell(value: Any) -> Any:
    """A CSV field that a spreadsheet will show as text, never evaluate."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in row]


def text_cells(workbook) -> int:
    """Make every formula cell of an openpyxl workbook a text cell; returns how many were changed."""
    changed = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed


def terminal_text(value: Any) -> str:
    """``value`` as text with every terminal control sequence removed (newline and tab kept)."""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = _CONTROL.sub("", _ANSI.sub("", text))
    return text
