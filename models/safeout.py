"""Writing values the branch did not choose (names, diagnoses, unit names from an import or a
bundle) where another program would act on them instead of showing them.

* Spreadsheets: a cell whose text begins with ``=`` becomes a live formula in openpyxl
  (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``). ``text_cells`` turns every formula cell of a
  workbook back into a plain text cell just before it is saved; no writer of ours makes formulas.
* CSV: Excel evaluates a field that begins with ``= + - @`` (or a tab or CR before one), so
  ``csv_cell`` prefixes such a field with ``'``; a plain number such as ``-12.50`` is left as is.
* Files: every .xlsx and .csv the program writes goes through ``save_workbook`` / ``save_csv``,
  which apply the two protections above and write atomically (models.fsutil): the file appears
  whole under its name or not at all, and a failed write leaves an older file as it was.
* Terminals: ESC, OSC and the other C0/C1 controls in a printed value can move the cursor,
  retitle the window or hide text; ``terminal_text`` removes them (newline and tab stay).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from models.fsutil import atomic_write_bytes

#: Reports, templates and exports are for people to open, copy and print: the usual file mode,
#: not the database's owner-only one.
SHARED_FILE_MODE = 0o644

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


def save_workbook(workbook, path: str | os.PathLike) -> Path:
    """Save an openpyxl workbook: formula cells made text, then written atomically. The workbook is
    rendered in memory first, so an error while rendering leaves no file behind."""
    path = Path(path)
    text_cells(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue(), mode=SHARED_FILE_MODE)
    return path


def csv_bytes(header: Sequence[Any] | None, rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel on a Chinese Windows then reads it as UTF-8), CRLF line ends, every
    field through ``csv_cell``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow(csv_row(header))
    writer.writerows(csv_row(r) for r in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def save_csv(path: str | os.PathLike, header: Sequence[Any] | None, rows: Iterable[Iterable[Any]]) -> Path:
    """Write a CSV file atomically (see ``csv_bytes`` for its form)."""
    path = Path(path)
    atomic_write_bytes(path, csv_bytes(header, rows), mode=SHARED_FILE_MODE)
    return path


def terminal_text(value: Any) -> str:
    """``value`` as text with every terminal control sequence removed (newline and tab kept)."""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = _CONTROL.sub("", _ANSI.sub("", text))
    return text
