"""工作记录: the committee meetings, trainings and articles the audit counts, newest first,
with a one-line form to add one and a file field to import the spreadsheet the branch keeps.

Writes go through ``models.worklog`` in thread workers; a refusal (bad date, empty title,
a read-only user) comes back as the service's Chinese message on the status line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, Select

from models import worklog
from models.tabular import parse_user_date
from tui.screens.base import SubScreen
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable
from tui.workers import db_connection, error_text

#: The log: the date and kind whole, the title cut last, the people and the note first.
WORKLOG_COLUMNS = (
    Col("日期"),
    Col("类别"),
    Col("标题", 0, "end", min_width=12),
    Col("参加人员或投稿去向", 1, "end", min_width=10),
    Col("备注", 2, "end", min_width=6),
)


class WorklogScreen(SubScreen):
    DEFAULT_CSS = """
    #worklog-table { height: 1fr; }
    .worklog-row { height: auto; }
    .worklog-row Select { width: 18; }
    #worklog-date { width: 16; }
    .worklog-row Input { width: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "登记", id="worklog.save"),
        Binding("ctrl+o", "import_file", "导入文件", id="worklog.import"),
        Binding("f5", "refresh", "刷新", id="worklog.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, entries: list[worklog.Entry], text: str = "") -> None:
            super().__init__()
            self.entries = entries
            self.text = text

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "工作记录"

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable(WORKLOG_COLUMNS, id="worklog-table", zebra_stripes=True, cursor_type="row")
        with Horizontal(classes="worklog-row"):
            yield Select(
                [(name, code) for code, name in worklog.KINDS.items()],
                value="meeting",
                allow_blank=False,
                id="worklog-kind",
            )
            yield Input(placeholder="日期", id="worklog-date")
            yield Input(placeholder="标题", id="worklog-title")
        with Horizontal(classes="worklog-row"):
            yield Input(placeholder="参加人员或投稿去向", id="worklog-with")
            yield Input(placeholder="备注", id="worklog-note")
        with Horizontal(classes="worklog-row"):
            yield Input(
                placeholder="导入文件路径（.csv 或 .xlsx，Ctrl+O 导入；模板：huzhu worklog template）",
                id="worklog-file",
            )
        yield StatusLine(id="worklog-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#worklog-date", Input).value = self.huzhu_app.today().isoformat()
        self.query_one("#worklog-title", Input).focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @on(Input.Submitted, "#worklog-title, #worklog-with, #worklog-note, #worklog-date")
    def action_save(self) -> None:
        status = self.query_one("#worklog-status", StatusLine)
        text = self.query_one("#worklog-date", Input).value
        try:
            on = parse_user_date(text, self.huzhu_app.today())
        except ValueError:
            status.show_error(f"日期无法识别：“{text}”（可写 2026-03-18、20260318 或 今天）")
            return
        status.show_busy("正在登记…")
        self.save(
            str(self.query_one("#worklog-kind", Select).value),
            on,
            self.query_one("#worklog-title", Input).value,
            self.query_one("#worklog-with", Input).value,
            self.query_one("#worklog-note", Input).value,
        )

    @on(Input.Submitted, "#worklog-file")
    def action_import_file(self) -> None:
        path = self.query_one("#worklog-file", Input).value.strip()
        if not path:
            self.query_one("#worklog-status", StatusLine).show_error("请先填写要导入的文件路径")
            self.query_one("#worklog-file", Input).focus()
            return
        self.query_one("#worklog-status", StatusLine).show_busy("正在检查文件…")
        self.import_file(Path(path).expanduser())

    @work(thread=True, exclusive=True, group="worklog", exit_on_error=False)
    def load(self, text: str = "") -> None:
        try:
            with db_connection():
                entries = worklog.list_entries()
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Loaded(entries, text))

    @work(thread=True, exclusive=True, group="worklog", exit_on_error=False)
    def save(self, kind: str, on: date, title: str, attendees: str, note: str) -> None:
        try:
            with db_connection():
                entry = worklog.add_entry(kind, on, title, attendees, note, today=self.huzhu_app.today())
                entries = worklog.list_entries()
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        self.post_message(self.Loaded(entries, f"已登记：{entry.on_date} {worklog.KINDS[entry.kind]}“{entry.title}”"))

    @work(thread=True, exclusive=True, group="worklog", exit_on_error=False)
    def import_file(self, path: Path) -> None:
        try:
            with db_connection():
                result = worklog.import_worklog(path, today=self.huzhu_app.today())
                entries = worklog.list_entries()
        except Exception as exc:
            self.post_message(self.Failed(error_text(exc)))
            return
        if result.errors:
            first = "；".join(f"第 {p.line} 行 {p.column}：{p.reason}" for p in result.errors[:3])
            more = f"等 {len(result.errors)} 处" if len(result.errors) > 3 else ""
            self.post_message(self.Failed(f"未导入（有错则全部不写入）：{first}{more}"))
            return
        self.post_message(self.Loaded(entries, f"已导入 {len(result.entries)} 条，已登记跳过 {result.skipped} 条"))

    def on_worklog_screen_loaded(self, message: Loaded) -> None:
        table = self.query_one("#worklog-table", FitTable)
        table.set_rows(
            (i, (e.on_date.isoformat(), worklog.KINDS[e.kind], e.title, e.attendees_or_outlet or "", e.note or ""))
            for i, e in enumerate(reversed(message.entries))
        )
        table.border_title = f"共 {len(message.entries)} 条"
        status = self.query_one("#worklog-status", StatusLine)
        status.clear()
        if message.text:
            status.update(message.text)
            for field in ("#worklog-title", "#worklog-with", "#worklog-note"):
                self.query_one(field, Input).value = ""

    def on_worklog_screen_failed(self, message: Failed) -> None:
        self.query_one("#worklog-status", StatusLine).show_error(message.text)
