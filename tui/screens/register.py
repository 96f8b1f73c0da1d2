"""What the register screens share (报案登记, 互助互济, 交接记录): a filter row, the list, the
highlighted record's detail below it, the whole record on Enter, and the actions as keys.

A register screen says what it lists and how; this base reads the filters a moment after each
change, runs the query in a thread worker (``DbWork``: the newest answer wins), fills the list
(a ``FitTable``: columns fitted to the width, again on resize), keeps the cursor on the record
it was on (or the one a caller asked for), says on the status line what was found, and shows
the highlighted record below. Each screen keeps its own bindings (their ids are the keymap's).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from tui.screens.base import OnHuzhuApp, SubScreen
from tui.screens.forms import DbWork
from tui.widgets import StatusLine
from tui.widgets.columns import Cell, Col, FitTable

#: How long the filters wait after a keystroke before the list is read again (seconds).
FILTER_DELAY = 0.3
#: The cells one filter needs (a date with its cursor, a state's name with the Select's arrow).
FILTER_CELLS = 16


class RecordScreen(OnHuzhuApp, ModalScreen[None]):
    """A record whole, scrollable: what the detail panel shortens (every step of a claim's
    history, each with its date). Esc or Enter closes it."""

    CSS_PATH = "register.tcss"
    BINDINGS = [
        Binding("escape,enter", "close", "返回", id="record.close"),
    ]

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        super().__init__()
        self.record_title = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-box") as box:
            box.border_title = self.record_title
            box.border_subtitle = "↑↓ 滚动  Esc 返回"
            box.can_focus = True
            yield Static("\n".join(self.lines), id="record-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#record-box").focus()

    def action_close(self) -> None:
        self.dismiss()


class RegisterScreen(DbWork, SubScreen):
    """A register: filters, list, detail, actions. A screen defines

    * ``TABLE_ID``, ``DETAIL_ID``, ``DETAIL_TITLE`` and ``COLUMNS`` (``Col`` s, most important
      first in their priorities);
    * ``compose_filters`` (the filter row; none by default) and ``register_query`` (the service and its
      arguments for the current filters, or None when a filter is wrong, said on the status line);
    * ``register_rows`` (the loaded page as ``(key, whole values)``) and ``register_summary`` (the status line);
    * ``highlight`` (show the record under the cursor in the detail panel) and ``whole_record``
      (the whole record, for Enter).
    """

    TABLE_ID: ClassVar[str] = "register-table"
    DETAIL_ID: ClassVar[str] = "register-detail"
    DETAIL_TITLE: ClassVar[str] = "详情"
    COLUMNS: ClassVar[Sequence[Col]] = ()
    #: Where the cursor goes when no record is asked for: the first row or the last.
    CURSOR_AT_END: ClassVar[bool] = False

    def __init__(self, select: int | None = None) -> None:
        """``select``: the record to put the cursor on once the list is read (from a 待办 line)."""
        super().__init__()
        self._select_after_load: int | None = select
        self._filter_timer: Timer | None = None

    # --- what a register screen says -----------------------------------------------------

    def compose_filters(self) -> ComposeResult:
        yield from ()

    def register_query(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
        raise NotImplementedError

    def register_rows(self, page: Any) -> list[tuple[Hashable, Sequence[Cell]]]:
        raise NotImplementedError

    def register_summary(self, page: Any) -> tuple[str, bool]:
        """The status line after a load, and whether it is a warning (a cut list)."""
        return "", False

    def highlight(self, key: int | None) -> None:
        """Show the record under the cursor (None: the list is empty)."""

    def whole_record(self) -> tuple[str, list[str]] | None:
        """The highlighted record whole, as a title and lines (None: nothing to show)."""
        return None

    # --- the shared machinery ------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        filters = list(self.compose_filters())
        if filters:
            yield Horizontal(*filters, classes="filters -grid")
        yield FitTable(self.COLUMNS, id=self.TABLE_ID, classes="register", zebra_stripes=True)
        detail = Static("", id=self.DETAIL_ID, classes="register-detail panel")
        detail.border_title = self.DETAIL_TITLE
        detail.border_subtitle = "Enter 查看全部"
        yield detail
        yield StatusLine()
        yield Footer()

    @property
    def table(self) -> FitTable:
        return self.query_one(f"#{self.TABLE_ID}", FitTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._fit_filters()
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_filters()

    def _fit_filters(self) -> None:
        """As many filters to a line as the width takes whole (two lines at 80 columns)."""
        for row in self.query(".filters.-grid"):
            count = len(row.children)
            per_line = max(1, min(count, self.size.width // FILTER_CELLS))
            row.styles.grid_size_columns = per_line

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        asked = self.register_query()
        if asked is None:
            return
        fn, args, kwargs = asked
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("register", fn, *args, **kwargs)

    @on(Select.Changed, ".filters Select")
    @on(Input.Changed, ".filters Input")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self.reload)

    def db_register(self, page: Any) -> None:
        table = self.table
        rows = self.register_rows(page)
        keys = [str(key) for key, _ in rows]
        keep = self._select_after_load
        self._select_after_load = None
        if keep is None or str(keep) not in keys:
            current = table.cursor_key()
            if current in keys:
                keep = current
            elif keys:
                keep = keys[-1] if self.CURSOR_AT_END else keys[0]
        table.set_rows(rows, cursor=keep)
        text, warning = self.register_summary(page)
        status = self.query_one(StatusLine)
        if warning:
            status.show_error(text)
        else:
            status.clear()
            status.update(text)
        if not rows:
            self.highlight(None)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id != self.TABLE_ID:
            return
        if event.row_key is not None and event.row_key.value is not None:
            self.highlight(int(event.row_key.value))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != self.TABLE_ID:
            return
        shown = self.whole_record()
        if shown is not None:
            self.app.push_screen(RecordScreen(*shown))

    def show_detail_lines(self, lines: Sequence[str]) -> None:
        self.query_one(f"#{self.DETAIL_ID}", Static).update("\n".join(lines))
