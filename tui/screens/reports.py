"""报表: choose a register or statistics table and a period, preview it, write it to a file.

The preview and the file come from the same ``models.reports`` builder, so what the clerk
sees is what gets printed. Building and writing run in thread workers; the table is only
filled from the message they post back.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, OptionList
from textual.widgets.option_list import Option

from models import reports
from tui.screens.base import SubScreen
from tui.widgets import FieldRow, StatusLine
from tui.widgets.columns import Col, FitTable
from tui.workers import db_connection, error_text

#: Widest preview column in cells: long unit names are cut so that more columns fit on 80 columns.
PREVIEW_MAX_WIDTH = 24


class ReportsScreen(SubScreen):
    """Report list on the left; period, output file, preview and status on the right."""

    DEFAULT_CSS = """
    #report-list { width: 26; height: 1fr; border: round ansi_blue; }
    #report-body { width: 1fr; height: 1fr; }
    #report-body FieldRow > .field-label { width: 6; }
    #report-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("f5", "preview", "预览", id="reports.preview"),
        Binding("ctrl+o", "export", "导出文件", id="reports.export"),
    ]

    class Built(Message):
        def __init__(self, report: reports.Report) -> None:
            super().__init__()
            self.report = report

    class Written(Message):
        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

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
            self.build_report(self._choice(), period)

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
        self.write_report(self._choice(), period, Path(out).expanduser())

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def build_report(self, name: str, period: reports.Period) -> None:
        try:
            with db_connection():
                report = reports.build(name, period)
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Built(report))

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def write_report(self, name: str, period: reports.Period, path: Path) -> None:
        try:
            with db_connection():
                report = reports.build(name, period)
            reports.write(report, path)
        except OSError as exc:
            self.post_message(self.Failed(f"无法写入 {path}：{exc.strerror or type(exc).__name__}"))
            return
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Built(report))
        self.post_message(self.Written(path, len(report.rows)))

    def on_reports_screen_built(self, message: Built) -> None:
        report = message.report
        table = self.query_one("#report-table", FitTable)
        # Every column of a report is shown (the preview scrolls sideways): long text is cut to
        # PREVIEW_MAX_WIDTH with "…" only when the width is short, never a date or a number.
        table.set_columns([Col(column.title, 0, "end", min_width=PREVIEW_MAX_WIDTH) for column in report.columns])
        table.set_rows(enumerate(report.text_rows()))
        table.border_title = f"{report.title}　{report.period.label}"
        self.query_one("#report-status", StatusLine).update(f"{report.title}：{len(report.rows)} 行")
        self.query_one("#report-status", StatusLine).set_classes("")

    def on_reports_screen_written(self, message: Written) -> None:
        status = self.query_one("#report-status", StatusLine)
        status.set_classes("")
        status.update(f"已写入 {message.path}（{message.rows} 行）")
        self.notify(f"已写入 {message.path}", title="导出")

    def on_reports_screen_failed(self, message: Failed) -> None:
        self.query_one("#report-status", StatusLine).show_error(message.text)
