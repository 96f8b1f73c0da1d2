"""导入与对账: the office's month-end work on one screen (docs/rules.md R5).

Choose a folder; its bundle files (``*.hzb``) are listed with ``[x]``/``[ ]`` ticks (all ticked
at first; Space toggles one); Ctrl+O verifies and imports the ticked files one by one with a
progress bar, each file's outcome listed (a file already imported is a no-op that says so).
Then a month (and, once a month, the office's ledger exported from its business system) and
Ctrl+R reconciles: the differences item by item and the branches that have not reported.
The work is the CLI's (``sync.office.import_file``, ``sync.reconcile``), run in thread workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from models.errors import UsageError
from rules.params import active_rulesets
from sync import office_board as ob
from sync.office_totals import check_period
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Cell, Col, FitTable
from tui.widgets.ticks import TickList

if TYPE_CHECKING:
    from sync.reconcile import Report

#: How many bundle files a folder listing shows; more means the folder is not an inbox.
MAX_FILES = 500
STATUS_ZH = {"imported": "已导入", "duplicate": "已导入过", "held": "暂存", "refused": "拒收"}


#: The results table: a file's name keeps its beginning and end, codes, periods and results whole.
IMPORT_COLUMNS = (
    Col("文件", 0, "middle", min_width=14),
    Col("代办处"),
    Col("期间"),
    Col("序号", 1),
    Col("结果"),
    Col("说明", 0, "end", min_width=12),
)
RECONCILE_COLUMNS = (
    Col("代办处"),
    Col("单位"),
    Col("险种", 2),
    Col("险种代码", 4),  # as in the ledger file the office fills in; shown when there is room
    Col("项目", 0, "end", min_width=8),
    Col("代办处数据", justify="right"),
    Col("办事处数据", justify="right"),
    Col("差额", justify="right"),
)


class ImportStep(Message):
    def __init__(self, done: int, total: int, name: str) -> None:
        super().__init__()
        self.done, self.total, self.name = done, total, name


@dataclass
class Reconciled:
    period: str
    ledger: dict | None
    report: Report
    plan_names: dict[str, str]  # code → name, read with the report (off the UI thread)


def bundle_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    return sorted(p for p in folder.glob("*.hzb") if p.is_file())[:MAX_FILES]


class OfficeExchangeScreen(DbWork, SubScreen):
    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("ctrl+o", "import", "导入所选", id="office_exchange.import"),
        Binding("ctrl+r", "reconcile", "对账", id="office_exchange.reconcile"),
        Binding("f5", "rescan", "重新列出文件", id="office_exchange.rescan"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "导入与对账"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="exchange-row"):
            yield Label("文件夹")
            yield Input(str(_folder_of(self.huzhu_app.db_path)), id="folder", compact=True)
        yield TickList(id="files")
        with Horizontal(classes="exchange-row"):
            yield ProgressBar(show_eta=False, id="import-progress")
            yield Static("Ctrl+O 导入所选数据包", id="import-stage")
        with Horizontal(classes="exchange-row"):
            yield Label("对账月份")
            yield Input(ob.ended_periods(self.huzhu_app.today(), 1)[0], id="period", compact=True)
            yield Label("台账文件")
            yield Input(placeholder="办事处台账 .xlsx/.csv（可不填）", id="ledger", compact=True)
        yield FitTable((), id="results", cursor_type="row", zebra_stripes=False)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()
        self.action_rescan()

    # --- files ----------------------------------------------------------------------------

    @on(Input.Submitted, "#folder")
    def action_rescan(self) -> None:
        folder = Path(self.query_one("#folder", Input).value.strip() or ".").expanduser()
        self.run_db("files", bundle_files, folder)

    def db_files(self, files: list[Path]) -> None:
        listing = self.query_one("#files", TickList)
        listing.clear_options()
        for path in files:
            listing.add_option((path.name, str(path), True))
        status = self.query_one(StatusLine)
        status.update(
            f"找到 {len(files)} 个数据包文件；空格勾选或取消，Ctrl+O 导入"
            if files
            else "此文件夹没有数据包文件（*.hzb）"
        )
        status.set_classes("")

    # --- import ---------------------------------------------------------------------------

    def action_import(self) -> None:
        if not writable(self):
            return
        chosen = [Path(p) for p in self.query_one("#files", TickList).selected]
        if not chosen:
            self.query_one(StatusLine).show_error("没有勾选任何数据包")
            return
        self.query_one("#import-progress", ProgressBar).update(total=len(chosen), progress=0)
        self.query_one(StatusLine).show_busy(f"正在导入 {len(chosen)} 个数据包…")
        self.run_db("imported", self._import, chosen)

    def _import(self, files: list[Path]) -> list:
        from sync.keystore import require_office
        from sync.office import import_file

        require_office()
        outcomes = []
        for done, path in enumerate(files, 1):
            self.post_message(ImportStep(done - 1, len(files), path.name))
            outcomes.append(import_file(path))
        self.post_message(ImportStep(len(files), len(files), ""))
        return outcomes

    def on_import_step(self, message: ImportStep) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=message.total, progress=message.done)
        text = f"{message.done}/{message.total} {message.name}" if message.name else f"完成 {message.total} 个"
        self.query_one("#import-stage", Static).update(text)

    def db_imported(self, outcomes: list) -> None:
        flat = [x for o in outcomes for x in (o, *o.also_imported)]
        table = self.query_one("#results", FitTable)
        table.set_columns(IMPORT_COLUMNS)
        table.set_rows(
            (
                i,
                (
                    o.file,
                    o.branch_code or "",
                    o.period or "",
                    "" if o.sequence is None else str(o.sequence),
                    Text(STATUS_ZH.get(o.status, o.status), style="bold reverse" if o.status == "refused" else ""),
                    o.message_zh,
                ),
            )
            for i, o in enumerate(flat)
        )
        counts = {s: sum(1 for o in flat if o.status == s) for s in STATUS_ZH}
        summary = "，".join(f"{STATUS_ZH[s]} {n}" for s, n in counts.items() if n)
        status = self.query_one(StatusLine)
        status.update(f"导入完成：{summary}。Ctrl+R 对账")
        status.set_classes("-error" if counts["refused"] else "")

    # --- reconcile ------------------------------------------------------------------------

    @on(Input.Submitted, "#period, #ledger")
    def action_reconcile(self) -> None:
        period = self.query_one("#period", Input).value.strip()
        ledger = self.query_one("#ledger", Input).value.strip()
        try:
            check_period(period, "对账月份")
        except UsageError as exc:
            self.query_one(StatusLine).show_error(exc.message_zh)
            return
        if ledger and not writable(self):
            return
        self.query_one(StatusLine).show_busy(f"正在对账 {period}…")
        self.run_db("reconciled", self._reconcile, period, Path(ledger).expanduser() if ledger else None)

    def _reconcile(self, period: str, ledger: Path | None) -> Reconciled:
        from sync.keystore import require_office
        from sync.reconcile import import_ledger, reconcile

        require_office()
        imported = import_ledger(ledger, period) if ledger else None
        return Reconciled(period, imported, reconcile(period), active_rulesets().plan_names)

    def db_reconciled(self, result: Reconciled) -> None:
        from sync.reconcile import difference_rows, fee_difference_rows, missing_rows

        report = result.report
        table = self.query_one("#results", FitTable)
        table.set_columns(RECONCILE_COLUMNS)
        names = result.plan_names
        # the plan by name (住院医疗), its code beside it when there is room
        rows: list[Sequence[Cell]] = [
            (branch, unit, names.get(plan, plan), plan, *rest)
            for branch, unit, plan, *rest in (*difference_rows(report), *fee_difference_rows(report))
        ]
        rows += [
            (code, name, "", "", Text(note, style="bold"), "", "", "") for code, name, note in missing_rows(report)
        ]
        table.set_rows(enumerate(rows))
        lines = []
        if result.ledger:
            lines.append(f"已导入台账 {result.ledger['rows']} 行")
            self.query_one("#ledger", Input).value = ""
        elif report.ledger_rows == 0:
            lines.append("尚无本月台账（填写台账文件后回车导入）")
        lines.append(
            f"{result.period}：已报送 {len(report.branches_reported)} 个代办处，"
            f"差异 {len(report.differences)} 处，会费差异 {len(report.fee_differences)} 处，"
            f"未报送 {len(report.not_reported)} 个"
        )
        status = self.query_one(StatusLine)
        status.update("；".join(lines))
        status.set_classes("")


def _folder_of(db_path) -> Path:
    """Where files are looked for and written by default: beside the office's database file, or
    the working folder when the database is on a PostgreSQL server (models.pgdb)."""
    from models import db as dbmod

    return Path.cwd() if dbmod.is_url(db_path) else Path(db_path).resolve().parent
