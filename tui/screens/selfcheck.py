"""稽核自查: the audit items of a year with their results, the evidence of the highlighted
item, ticking the items checked by hand, and writing the self-check workbook.

Everything is computed by ``models.selfcheck`` in one worker group (a tick or an export
supersedes a load still running, and the newest run's result is the one shown); ticking writes through
``selfcheck.tick`` (refused for measured items and for read-only users, with its message).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from models import reports, selfcheck
from rules import selfassessment_due
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable
from tui.workers import error_text
from tui.workers import write_file as _write_file

#: The items: title and result whole, the summary cut (whole in the detail below). At 80 columns
#: the code goes (the detail starts with it) so that the summary has room to be read.
SELFCHECK_COLUMNS = (Col("编号", 1), Col("项目"), Col("结果"), Col("说明", 0, "end", min_width=40))


class SelfcheckScreen(DbWork, SubScreen):
    CSS_PATH = "selfcheck.tcss"
    BINDINGS = [
        Binding("t", "tick", "勾选/取消", id="selfcheck.tick"),
        Binding("ctrl+o", "export", "导出", id="selfcheck.export"),
        Binding("f5", "refresh", "刷新", id="selfcheck.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "稽核自查"
        self.check: selfcheck.SelfCheck | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="selfcheck-row"):
            yield Input(placeholder="年度", id="selfcheck-year")
            yield Input(placeholder="核对说明（按 t 勾选时一并保存）", id="selfcheck-note")
            yield Input(placeholder="导出到 .xlsx（Ctrl+O）", id="selfcheck-out")
        yield FitTable(SELFCHECK_COLUMNS, id="selfcheck-table", zebra_stripes=True, cursor_type="row")
        yield Static(id="selfcheck-detail")
        yield StatusLine(id="selfcheck-status")
        yield Footer()

    def on_mount(self) -> None:
        today = self.huzhu_app.today()
        # From 12-15 the year under review is the one ending; in January it is the last one.
        due = selfassessment_due(today)
        year = due.data["assessed_year"] if due.outcome == "open" else today.year
        self.query_one("#selfcheck-year", Input).value = str(year)
        self.query_one("#selfcheck-table", DataTable).focus()
        self.action_refresh()

    def _year(self) -> int | None:
        text = self.query_one("#selfcheck-year", Input).value.strip()
        if text.isdigit() and len(text) == 4:
            return int(text)
        self.query_one("#selfcheck-status", StatusLine).show_error(f"年度应为四位数字，收到：“{text}”")
        return None

    @on(Input.Submitted, "#selfcheck-year")
    def action_refresh(self) -> None:
        year = self._year()
        if year is not None:
            self.query_one("#selfcheck-status", StatusLine).show_busy("正在计算…")
            self.run_db("loaded", _compute, year, self.huzhu_app.today(), group="selfcheck")

    def action_tick(self) -> None:
        if self.check is None:
            return
        table = self.query_one("#selfcheck-table", DataTable)
        item = self.check.items[table.cursor_row]
        if item.measured:
            self.query_one("#selfcheck-status", StatusLine).show_error(
                f"{item.code} {item.title} 由程序根据数据计算，不能手工勾选"
            )
            return
        note = self.query_one("#selfcheck-note", Input).value
        ticked = item.status != "ticked"
        self.run_db(
            "loaded",
            _tick,
            self.check.year,
            item.code,
            ticked,
            note or item.note,
            self.huzhu_app.today(),
            group="selfcheck",
        )

    @on(Input.Submitted, "#selfcheck-out")
    def action_export(self) -> None:
        out = self.query_one("#selfcheck-out", Input).value.strip()
        status = self.query_one("#selfcheck-status", StatusLine)
        if self.check is None:
            return
        if not out.lower().endswith(".xlsx"):
            status.show_error("请在导出栏填写以 .xlsx 结尾的文件路径")
            self.query_one("#selfcheck-out", Input).focus()
            return
        status.show_busy("正在写入…")
        self.run_db("loaded", _export, self.check, Path(out).expanduser(), group="selfcheck")

    def db_loaded(self, loaded: tuple[selfcheck.SelfCheck, str]) -> None:
        self.check, text = loaded
        table = self.query_one("#selfcheck-table", FitTable)
        row = table.cursor_row
        table.set_rows(
            (item.code, (item.code, item.title, item.status_name, item.summary)) for item in self.check.items
        )
        if self.check.items:
            table.move_cursor(row=min(row, len(self.check.items) - 1))
        counts = self.check.counts()
        table.border_title = "，".join(f"{selfcheck.STATUS_NAMES[s]} {n}" for s, n in counts.items() if n)
        status = self.query_one("#selfcheck-status", StatusLine)
        status.clear()
        status.update(text or self.check.due.message)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#selfcheck-table")
    def _show_detail(self) -> None:
        if self.check is None or not self.check.items:
            return
        row = self.query_one("#selfcheck-table", DataTable).cursor_row
        item = self.check.items[min(row, len(self.check.items) - 1)]
        lines = [f"{item.code} {item.standard}", *item.evidence, *item.rules]
        if item.note:
            lines.append(f"备注：{item.note}（{item.by_user}）")
        self.query_one("#selfcheck-detail", Static).update("\n".join(lines))

    def db_failed(self, tag: str, error: BaseException) -> None:
        text = error_text(error)
        self.query_one("#selfcheck-status", StatusLine).show_error(text)


def _compute(year: int, today: date, text: str = "") -> tuple[selfcheck.SelfCheck, str]:
    return selfcheck.run(year, today=today), text


def _tick(year: int, code: str, ticked: bool, note: str | None, today: date) -> tuple[selfcheck.SelfCheck, str]:
    selfcheck.tick(year, code, ticked=ticked, note=note)
    return _compute(year, today, f"{code} 已{'勾选' if ticked else '取消勾选'}")


def _export(check: selfcheck.SelfCheck, path: Path) -> tuple[selfcheck.SelfCheck, str]:
    tables = selfcheck.as_reports(check)
    _write_file(lambda: reports.write(tables, path), path)
    return check, f"已写入 {path}"
