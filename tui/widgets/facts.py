"""A two-column table of label and value, for read-only facts such as the branch overview."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class Facts(Static):
    """Labels in a fixed-width column and their values, right-aligned when they are counts.

    Rich measures CJK characters as two cells, so the label column keeps its width and
    the values line up in 16-colour terminals and with NO_COLOR alike."""

    def __init__(
        self,
        rows: Sequence[tuple[str, str]] = (),
        *,
        label_width: int = 12,
        numeric: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._label_width = label_width
        self._numeric = numeric
        self.set_rows(rows)

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(width=self._label_width, no_wrap=True, style="bold")
        table.add_column(justify="right" if self._numeric else "left", min_width=6 if self._numeric else None)
        for label, value in rows:
            table.add_row(Text(label), Text(value))
        self.update(table)
