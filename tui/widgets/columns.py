"""Columns that use the width there is and never cut a value into something ambiguous (#14 item 9).

Every list of the TUI is a ``FitTable``: the screen says once which columns it has, how important
each is and how each may be shortened, then hands over whole values; the table decides, from the
width it has now, which columns to show and how wide, and lays itself out again when the terminal
is resized. So no screen cuts a value with ``[:4]`` or fixes an 80-column width.

* ``whole`` values (dates, numbers, codes, states) are never cut: on a narrow screen a less
  important column is left out instead (``priority``: 0 always shown, higher numbers go first);
* ``distinct`` values (unit names) lose the beginning they share with another value of the column
  (``北京市朝阳区``, or ``北京万迅电脑`` for two units of one company) before anything else, so
  seven units do not all read ``北京市朝`` (nor ``…市朝阳区…`` when some units start ``北京`` only);
* ``end`` and ``middle`` values (free text, names) are cut at the end or in the middle, with "…";
* ``wrap`` values (a rule's message in a table drawn by ``FitRichTable``) are never cut either:
  they go on under themselves, in a column at least ``min_width`` wide.

Widths are display cells (``rich.cells.cell_len``): a Chinese character takes two. The whole record
is always one key away (Enter, on each screen), so nothing is lost by a shortened cell.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual import events
from textual.widgets import DataTable

Shrink = Literal["whole", "distinct", "end", "middle", "wrap"]
Cell = str | Text
ELLIPSIS = "…"


@dataclass(frozen=True)
class Col:
    """One column: its heading, how important it is and how its values may be shortened.

    ``priority`` 0 is always shown; on a narrow screen the column with the highest number goes
    first. ``min_width`` is the narrowest a shortenable column is cut to (in cells), ``max_width``
    the width it grows to before the other columns have theirs (then on to its widest value)."""

    label: str
    priority: int = 0
    shrink: Shrink = "whole"
    min_width: int = 6
    max_width: int | None = None
    justify: Literal["left", "right"] = "left"


def _cell_of(value: object) -> Cell:
    return value if isinstance(value, str | Text) else str(value)


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def plan_widths(columns: Sequence[Col], natural: Sequence[int], available: int, padding: int = 2) -> list[int | None]:
    """The width of each column (None: not shown) for ``available`` cells, each column taking
    ``padding`` more. ``natural`` is each column's widest value (or heading).

    Columns are left out, least important first, until what must be shown fits: a ``whole``
    column needs its natural width, a shortenable one its ``min_width``. A column left out is
    taken back if it fits after all (a narrow date after a wide name went). Spare cells then
    widen the shortenable columns towards their natural width, most important first. When
    even the columns that are always shown do not fit, none is cut: the table scrolls."""

    def need(i: int) -> int:
        column = columns[i]
        if column.shrink == "whole":
            return natural[i]
        return min(natural[i], column.min_width)

    def total(shown: list[int]) -> int:
        return sum(need(i) + padding for i in shown)

    shown = list(range(len(columns)))
    dropped: list[int] = []
    while total(shown) > available:
        droppable = [i for i in shown if columns[i].priority > 0]
        if not droppable:
            break
        worst = max(droppable, key=lambda i: (columns[i].priority, i))
        shown.remove(worst)
        dropped.append(worst)
    for i in sorted(dropped, key=lambda i: (columns[i].priority, i)):
        if total(sorted([*shown, i])) <= available:
            shown = sorted([*shown, i])
    widths: dict[int, int] = {i: need(i) for i in shown}
    spare = available - total(shown)
    order = sorted(shown, key=lambda i: (columns[i].priority, i))
    # Up to each column's max_width first, so one long name does not take all the room; what is
    # left then goes on widening them to their whole values.
    for soft in (True, False):
        for i in order:
            if spare <= 0:
                break
            cap = natural[i]
            if soft and columns[i].max_width is not None:
                cap = min(cap, max(columns[i].max_width, need(i)))
            grow = min(spare, cap - widths[i])
            if grow > 0:
                widths[i] += grow
                spare -= grow
    return [widths.get(i) for i in range(len(columns))]


def cut_end(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending with "…" when cut."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


def cut_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: its beginning and its end, "…" between."""
    if cell_len(text) <= width:
        return text
    budget = width - 1
    head_budget = budget // 2
    head, used = [], 0
    for char in text:
        if used + cell_len(char) > head_budget:
            break
        head.append(char)
        used += cell_len(char)
    tail, tail_used = [], 0
    for char in reversed(text):
        if tail_used + cell_len(char) > budget - used:
            break
        tail.append(char)
        tail_used += cell_len(char)
    return "".join(head) + ELLIPSIS + "".join(reversed(tail))


def common_prefix(values: Iterable[str]) -> str:
    """The beginning every distinct non-empty value shares, when there are at least two and
    each keeps something after it (else "")."""
    distinct = sorted({v for v in values if v})
    if len(distinct) < 2:
        return ""
    first, last = distinct[0], distinct[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    if any(len(v) <= n for v in distinct):
        n = min(len(v) for v in distinct) - 1
    return first[:n] if n >= 2 else ""


def shared_prefixes(values: Iterable[str]) -> dict[str, str]:
    """Each distinct non-empty value's longest beginning shared with another value (at least two
    characters, and never the whole value), the part a shortened value leaves out first. Units
    named ``北京市朝阳区…`` and ``北京四通…`` in one column each lose what they share with their
    nearest namesake, not only the ``北京`` all of them share."""
    distinct = sorted({v for v in values if v})

    def shared(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    out: dict[str, str] = {}
    for i, value in enumerate(distinct):
        # In sorted order the value sharing the longest beginning with this one is a neighbour.
        n = (
            max(shared(value, distinct[j]) for j in (i - 1, i + 1) if 0 <= j < len(distinct))
            if len(distinct) > 1
            else 0
        )
        n = min(n, len(value) - 1)
        out[value] = value[:n] if n >= 2 else ""
    return out


def shorten(text: str, width: int, shrink: Shrink, prefix: str = "") -> str:
    """One value shortened as its column allows to ``width`` cells (``whole`` and ``wrap`` values never)."""
    if shrink in ("whole", "wrap") or cell_len(text) <= width:
        return text
    if shrink == "distinct":
        if prefix and text.startswith(prefix):
            text = ELLIPSIS + text[len(prefix) :]
        return cut_end(text, width)
    if shrink == "middle":
        return cut_middle(text, width)
    return cut_end(text, width)


class FitTable(DataTable[Cell]):
    """A row-cursor ``DataTable`` laid out by ``plan_widths`` for the width it has, again on every
    resize. Rows are given whole with ``set_rows``; the table shortens what it shows and keeps
    the cursor on the same row (by key) across layouts."""

    def __init__(self, columns: Sequence[Col], **kwargs: object) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)  # type: ignore[arg-type]  # DataTable's keyword arguments, passed on
        self.spec: tuple[Col, ...] = tuple(columns)
        self._rows: list[tuple[str, tuple[Cell, ...]]] = []
        self._laid_out_for: tuple[int, int] | None = None
        #: The columns shown by the last layout (their headings): what tests and screens may ask.
        self.shown: tuple[str, ...] = ()

    def set_columns(self, columns: Sequence[Col]) -> None:
        """Other columns (a screen showing another kind of list in the same table)."""
        self.spec = tuple(columns)
        self._rows = []
        self._relayout(force=True)

    def set_rows(self, rows: Iterable[tuple[Hashable, Sequence[Cell]]], cursor: Hashable | None = None) -> None:
        """The rows, as ``(key, whole values)``; the cursor goes to ``cursor``'s row (or stays
        on the row it was on, or the first)."""
        keep = self.cursor_key() if cursor is None else str(cursor)
        # A number (the office totals' counts) is shown as its text, like DataTable does.
        self._rows = [(str(key), tuple(_cell_of(c) for c in cells)) for key, cells in rows]
        self._relayout(force=True, keep=keep)

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None when there are no rows)."""
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if value is None else str(value)

    def row_keys(self) -> list[str]:
        return [key for key, _ in self._rows]

    def values(self, key: Hashable) -> tuple[Cell, ...] | None:
        """The whole values of a row, as given (not as shortened on screen)."""
        return next((cells for k, cells in self._rows if k == str(key)), None)

    def _available(self) -> int:
        width = self.content_region.width
        height = self.content_region.height
        if height and len(self._rows) + (1 if self.show_header else 0) > height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def _on_resize(self, event: events.Resize) -> None:
        super()._on_resize(event)
        if self._laid_out_for != (self._available(), len(self._rows)):
            with self.prevent(DataTable.RowHighlighted, DataTable.CellHighlighted):
                self._relayout()

    def _relayout(self, force: bool = False, keep: str | None = None) -> None:
        available = self._available()
        if not force and self._laid_out_for == (available, len(self._rows)):
            return
        if keep is None:
            keep = self.cursor_key()
        self._laid_out_for = (available, len(self._rows))
        natural = [
            max([cell_len(c.label), *(cell_len(_plain(cells[i])) for _, cells in self._rows)])
            for i, c in enumerate(self.spec)
        ]
        # Before the first layout the width is unknown (0): show everything whole until then.
        widths = plan_widths(self.spec, natural, available or sum(natural) * 2, 2 * self.cell_padding)
        prefixes = [
            shared_prefixes(_plain(cells[i]) for _, cells in self._rows) if c.shrink == "distinct" else {}
            for i, c in enumerate(self.spec)
        ]
        shown = [i for i, w in enumerate(widths) if w is not None]
        self.clear(columns=True)
        for i in shown:
            column = self.spec[i]
            label = Text(column.label, justify=column.justify)
            self.add_column(label, width=widths[i], key=f"c{i}")
        self.shown = tuple(self.spec[i].label for i in shown)
        for key, cells in self._rows:
            self.add_row(*(self._cell(cells[i], i, widths[i] or 0, prefixes[i]) for i in shown), key=key)
        keys = self.row_keys()
        if keys:
            self.move_cursor(row=keys.index(keep) if keep in keys else 0, animate=False)

    def _cell(self, value: Cell, i: int, width: int, prefixes: dict[str, str]) -> Text:
        column = self.spec[i]
        plain = _plain(value)
        text = shorten(plain, width, column.shrink, prefixes.get(plain, ""))
        if isinstance(value, Text):
            shown = value.copy() if text == plain else Text(text, style=value.style)
        else:
            shown = Text(text)
        shown.justify = column.justify
        return shown


class FitRichTable:
    """The same layout for a table drawn inside a ``Static`` (a member's records): a Rich
    renderable that plans its columns for the width it is drawn at, so it fits again whenever
    the terminal is resized."""

    def __init__(self, title: str, columns: Sequence[Col], rows: Iterable[Sequence[Cell]]) -> None:
        self.title = title
        self.columns = tuple(columns)
        self.rows = [tuple(_cell_of(c) for c in row) for row in rows]

    def widths(self, available: int) -> list[int | None]:
        natural = [
            max([cell_len(c.label), *(cell_len(_plain(row[i])) for row in self.rows)])
            for i, c in enumerate(self.columns)
        ]
        # No padding before the first column nor after the last (pad_edge off): 2 cells to spare.
        return plan_widths(self.columns, natural, available + 2, 2)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self.widths(options.max_width)
        prefixes = [
            shared_prefixes(_plain(row[i]) for row in self.rows) if c.shrink == "distinct" else {}
            for i, c in enumerate(self.columns)
        ]
        table = Table(
            title=self.title,
            title_justify="left",
            title_style="bold",
            box=None,
            padding=(0, 1),
            pad_edge=False,
            show_edge=False,
            header_style="bold",
        )
        shown = [i for i, w in enumerate(widths) if w is not None]
        for i in shown:
            column = self.columns[i]
            wraps = column.shrink == "wrap"
            table.add_column(
                column.label,
                width=widths[i],
                no_wrap=not wraps,
                overflow="fold" if wraps else "ellipsis",
                justify=column.justify,
            )
        for row in self.rows:
            cells: list[Cell] = []
            for i in shown:
                value = row[i]
                plain = _plain(value)
                text = shorten(plain, widths[i] or 0, self.columns[i].shrink, prefixes[i].get(plain, ""))
                cells.append(value if text == plain else Text(text))
            table.add_row(*cells)
        yield table
