"""报表: choose a register or statistics table and a period, preview it, write it to a file.

The preview and the file come from the same ``models.reports`` builder, so what the clerk
sees is what gets printed. Building and writing run in thread workers; the table is only
filled from the message they post back.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, OptionList
from textual.widgets.option_list import Option

from models import reports
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork
from tui.widgets import FieldRow, StatusLine
from tui.widgets.columns import Col, FitTable
from tui.workers import error_text
from tui.workers import write_file as _write_file

#: Widest preview column in cells: long unit names are cut so that more columns fit on 80 columns.
PREVIEW_MAX_WIDTH = 24


class ReportsScreen(DbWork, SubScreen):
    """Report list on the left; period, output file, preview and status on the right."""

    CSS_PATH = "reports.tcss"
    BINDINGS = [
        Binding("f5", "preview", "预览", id="reports.preview"),
        Binding("ctrl+o", "export", "导出文件", id="reports.export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "报表"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            menu = OptionList(
                *(Option(kind.title, id=kind.name) for kind in reports.REPORTS.values()), id="report-list"
            )
            menu.border_title = "报表"
            yield menu
            with Vertical(id="report-body"):
                today = self.huzhu_app.today()
                yield FieldRow(
                    "期间", Input(f"{today.year}-{today.month:02d}", placeholder="2026-03 或 2026", id="report-period")
                )
                yield FieldRow("文件", Input(placeholder="如 报表.xlsx 或 报表.csv（Ctrl+O 导出）", id="report-out"))
                yield FitTable((), id="report-table", zebra_stripes=True, cursor_type="row")
                yield StatusLine(id="report-status")
        yield Footer()

    def on_mount(self) -> None:
        menu = self.query_one("#report-list", OptionList)
        menu.highlighted = 0
        menu.focus()

    def _choice(self) -> str:
        menu = self.query_one("#report-list", OptionList)
        return menu.get_option_at_index(menu.highlighted or 0).id

    def _period(self) -> reports.Period | None:
        try:
            return reports.parse_period(self.query_one("#report-period", Input).value)
        except Exception as exc:  # UsageError: said on the status line
            self.query_one("#report-status", StatusLine).show_error(error_text(exc))
            return None

    @on(OptionList.OptionSelected, "#report-list")
    @on(Input.Submitted, "#report-period")
    def action_preview(self) -> None:
        period = self._period()
        if period is not None:
            self.query_one("#report-status", StatusLine).show_busy("正在生成…")
            self.run_db("built", reports.build, self._choice(), period, group="report")

    @on(Input.Submitted, "#report-out")
    def action_export(self) -> None:
        period = self._period()
        out = self.query_one("#report-out", Input).value.strip()
        status = self.query_one("#report-status", StatusLine)
        if period is None:
            return
        if not out:
            status.show_error("请先在“文件”栏填写保存路径（.xlsx 或 .csv）")
            self.query_one("#report-out", Input).focus()
            return
        status.show_busy("正在写入…")
        self.run_db("written", _write, self._choice(), period, Path(out).expanduser(), group="report")

    def db_built(self, report: reports.Report) -> None:
        table = self.query_one("#report-table", FitTable)
        # Every column of a report is shown (the preview scrolls sideways): long text is cut to
        # PREVIEW_MAX_WIDTH with "…" only when the width is short, never a date or a number.
        table.set_columns([Col(column.title, 0, "end", min_width=PREVIEW_MAX_WIDTH) for column in report.columns])
        table.set_rows(enumerate(report.text_rows()))
        table.border_title = f"{report.title}　{report.period.label}"
        self.query_one("#report-status", StatusLine).update(f"{report.title}：{len(report.rows)} 行")
        self.query_one("#report-status", StatusLine).set_classes("")

    def db_written(self, written: tuple[reports.Report, Path]) -> None:
        report, path = written
        self.db_built(report)
        status = self.query_one("#report-status", StatusLine)
        status.set_classes("")
        status.update(f"已写入 {path}（{len(report.rows)} 行）")
        self.notify(f"已写入 {path}", title="导出")

    def db_failed(self, tag: str, error: BaseException) -> None:
        text = error_text(error)
        self.query_one("#report-status", StatusLine).show_error(text)


def _write(name: str, period: reports.Period, path: Path) -> tuple[reports.Report, Path]:
    report = reports.build(name, period)
    _write_file(lambda: reports.write(report, path), path)
    return report, path
