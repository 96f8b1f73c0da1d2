"""工作记录: the committee meetings, trainings and articles the audit counts, newest first,
with a one-line form to add one and a file field to import the spreadsheet the branch keeps.

Writes go through ``models.worklog`` in thread workers; a refusal (bad date, empty title,
a read-only user) comes back as the service's Chinese message on the status line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Label, Select

from models import worklog
from models.tabular import parse_user_date
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, failure_text
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable

#: The log: the date and kind whole, the title cut last, the people and the note first.
WORKLOG_COLUMNS = (
    Col("日期"),
    Col("类别"),
    Col("标题", 0, "end", min_width=12),
    Col("参加人员或投稿去向", 1, "end", min_width=10),
    Col("备注", 2, "end", min_width=6),
)


class WorklogScreen(DbWork, SubScreen):
    CSS_PATH = "worklog.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "登记", id="worklog.save"),
        Binding("ctrl+o", "import_file", "导入文件", id="worklog.import"),
        Binding("f5", "refresh", "刷新", id="worklog.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "工作记录"

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable(WORKLOG_COLUMNS, id="worklog-table", zebra_stripes=True, cursor_type="row")
        # Every field has its label beside it: a placeholder disappears as soon as one types.
        with Horizontal(classes="worklog-row"):
            yield Label("类别", classes="worklog-label")
            yield Select(
                [(name, code) for code, name in worklog.KINDS.items()],
                value="meeting",
                allow_blank=False,
                id="worklog-kind",
                compact=True,
            )
            yield Label("日期", classes="worklog-label")
            yield Input(placeholder="2026-03-18 或 今天", id="worklog-date", compact=True)
            yield Label("标题", classes="worklog-label")
            yield Input(id="worklog-title", compact=True)
        with Horizontal(classes="worklog-row"):
            yield Label("参加人员/投稿去向", classes="worklog-label")
            yield Input(id="worklog-with", compact=True)
            yield Label("备注", classes="worklog-label")
            yield Input(id="worklog-note", compact=True)
        with Horizontal(classes="worklog-row"):
            yield Label("导入文件", classes="worklog-label")
            yield Input(
                placeholder=".csv 或 .xlsx，Ctrl+O 导入；模板：huzhu worklog template", id="worklog-file", compact=True
            )
        yield StatusLine(id="worklog-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#worklog-date", Input).value = self.huzhu_app.today().isoformat()
        self.query_one("#worklog-title", Input).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.run_db("loaded", _listed, group="worklog")

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
        self.run_db(
            "loaded",
            _save,
            str(self.query_one("#worklog-kind", Select).value),
            on,
            self.query_one("#worklog-title", Input).value,
            self.query_one("#worklog-with", Input).value,
            self.query_one("#worklog-note", Input).value,
            self.huzhu_app.today(),
            group="worklog",
        )

    @on(Input.Submitted, "#worklog-file")
    def action_import_file(self) -> None:
        path = self.query_one("#worklog-file", Input).value.strip()
        if not path:
            self.query_one("#worklog-status", StatusLine).show_error("请先填写要导入的文件路径")
            self.query_one("#worklog-file", Input).focus()
            return
        self.query_one("#worklog-status", StatusLine).show_busy("正在检查文件…")
        self.run_db("loaded", _import, Path(path).expanduser(), self.huzhu_app.today(), group="worklog")

    def db_loaded(self, loaded: tuple[list[worklog.Entry], str]) -> None:
        entries, text = loaded
        table = self.query_one("#worklog-table", FitTable)
        table.set_rows(
            (i, (e.on_date.isoformat(), worklog.KINDS[e.kind], e.title, e.attendees_or_outlet or "", e.note or ""))
            for i, e in enumerate(reversed(entries))
        )
        table.border_title = f"共 {len(entries)} 条"
        status = self.query_one("#worklog-status", StatusLine)
        status.clear()
        if text:
            status.update(text)
            for field in ("#worklog-title", "#worklog-with", "#worklog-note"):
                self.query_one(field, Input).value = ""

    def db_failed(self, tag: str, error: BaseException) -> None:
        text = str(error) if isinstance(error, _NotImported) else failure_text(error)
        self.query_one("#worklog-status", StatusLine).show_error(text)


class _NotImported(Exception):
    """A file with errors: nothing was written (the text says what is wrong)."""


def _listed(text: str = "") -> tuple[list[worklog.Entry], str]:
    return worklog.list_entries(), text


def _save(kind: str, on: date, title: str, attendees: str, note: str, today: date) -> tuple[list[worklog.Entry], str]:
    entry = worklog.add_entry(kind, on, title, attendees, note, today=today)
    return _listed(f"已登记：{entry.on_date} {worklog.KINDS[entry.kind]}“{entry.title}”")


def _import(path: Path, today: date) -> tuple[list[worklog.Entry], str]:
    result = worklog.import_worklog(path, today=today)
    if result.errors:
        first = "；".join(f"第 {p.line} 行 {p.column}：{p.reason}" for p in result.errors[:3])
        more = f"等 {len(result.errors)} 处" if len(result.errors) > 3 else ""
        raise _NotImported(f"未导入（有错则全部不写入）：{first}{more}")
    return _listed(f"已导入 {len(result.entries)} 条，已登记跳过 {result.skipped} 条")
