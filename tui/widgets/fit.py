"""Padding text to a number of terminal cells, counting a Chinese character as two.

Lists on an 80-column screen put names of very different lengths side by side; padding by cells
(not characters) keeps their columns lined up. Nothing here cuts a value: a value too long for
its column stays whole (tui/widgets/wrapped.py wraps it, tui/widgets/columns.py chooses columns),
since a cut one reads ambiguously (#14 item 9: seven units as 北京市朝, names as 欧阳娜…)."""

from __future__ import annotations

from rich.cells import cell_len


def pad(text: str, cells: int) -> str:
    """``text`` padded with spaces to ``cells`` cells, never cut (a longer text stays whole)."""
    return text + " " * max(cells - cell_len(text), 0)
