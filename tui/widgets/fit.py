"""Fitting text into a number of terminal cells, counting a Chinese character as two.

Lists on an 80-column screen put names of very different lengths side by side; cutting and
padding by cells (not characters) keeps their columns lined up."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text


def fit(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` cells (with "…" when cut) and padded with spaces to exactly that."""
    clipped = Text(text)
    clipped.truncate(cells, overflow="ellipsis", pad=True)
    return clipped.plain


def pad(text: str, cells: int) -> str:
    """``text`` padded with spaces to ``cells`` cells, never cut (a longer text stays whole)."""
    return text + " " * max(cells - cell_len(text), 0)
