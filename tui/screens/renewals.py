"""续保跟踪: every unit × plan's latest policy and where it stands in its renewal window,
recording a renewal, and importing the enrolment file for the new period.

Recording is two steps on purpose: the clerk first sees what the renewal would be (on time,
or late and so a first enrolment with its observation period, who is carried forward and
who is dropped as retired) from ``renew_unit(..., dry_run=True)``, and only then writes it.
The same goes for the enrolment file of the new period's new hires (``import_enrolments``),
since entering people one by one is not what this screen is for. Whether the clerk may
write at all is the service's decision: an auditor gets its PermissionDenied message.
"""

from __future__ import annotations

from datetime import date

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from models.dashboard import RENEWAL_STATUSES, RENEWAL_TODO, RenewalRow, renewal_board
from models.enrolments import KIND_NAMES, ImportResult, RenewalResult, import_enrolments, renew_unit
from models.tabular import parse_user_date
from rules import ENROLMENT_KINDS, observation_end, ruleset_on
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, failure_text
from tui.widgets import Facts, FieldRow, StatusLine
from tui.widgets.columns import Col, FitRichTable, FitTable

#: The status filters, in the order the filter key cycles through them: (key, label, statuses).
FILTERS: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("todo", "待办", RENEWAL_TODO),
    ("all", "全部", None),
    *((status, name, (status,)) for status, name in RENEWAL_STATUSES.items()),
)
#: Rows shown at most; narrowing the filter shows the rest (a branch may hold thousands of units).
MAX_ROWS = 500
#: The board's columns: the unit's code, the dates and the state always whole (the deadline
#: column says when); the unit's name loses its shared prefix, then is cut (whole on Enter).
RENEWAL_COLUMNS = (
    Col("单位"),
    Col("单位名称", 2, "distinct", min_width=10),
    Col("险种", 1, "end", min_width=8),
    Col("保单止期"),
    Col("状态"),
    Col("期限"),
)
#: The members a renewal carries or drops: names and IDs whole (a name cut to 4 characters made
#: 欧阳娜仁… of two members); the outcome goes on under itself. At 80 columns a very long name
#: leaves out the ID column rather than squeezing the outcome; at 120 the outcome uses the width.
OUTCOME_COLUMNS = (Col("姓名"), Col("身份证号", 1), Col("续保", 0, "wrap", min_width=16))
#: Names listed at most in a renewal preview; the counts are always complete.
MAX_LISTED = 200
#: Problems listed at most in an import preview.
MAX_PROBLEMS = 30


def window_text(row: RenewalRow) -> str:
    """The renewal status with the date that matters for it, short enough for a table cell."""
    if row.status == "too_early":
        return f"{row.first_allowed} 起可办"
    if row.status in ("open", "grace"):
        return f"按期至 {row.last_on_time}"
    if row.status == "late":
        return "视为首次参保"
    if row.status == "lapsed":
        return "须重新参保"
    return ""


class RenewalsScreen(DbWork, SubScreen):
    """The renewal board: a filter, the table, and the selected row's rule message."""

    BINDINGS = [
        Binding("r", "record", "办理续保", id="renewal.record"),
        Binding("f", "next_filter", "切换筛选", id="renewal.filter"),
        Binding("slash", "focus_search", "搜索单位", id="renewal.search"),
        Binding("i", "import_file", "导入参保名单", id="renewal.import"),
        Binding("f5", "refresh", "刷新", id="renewal.refresh"),
    ]

    def __init__(self, *, select: str | None = None) -> None:
        """``select``: the row ("unit/plan") to put the cursor on, e.g. from the 待办 list."""
        super().__init__()
        self.sub_title = "续保跟踪"
        self._rows: list[RenewalRow] = []
        self._shown: list[RenewalRow] = []
        self._filter = 0
        self._select = select

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="renewal-filter-row"):
            yield Label("搜索", classes="field-label")
            yield Input(placeholder="单位编码、名称或险种", id="renewal-search")
            yield Label("", id="renewal-filter")
        yield FitTable(RENEWAL_COLUMNS, id="renewal-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="renewal-detail")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._show_filter_label()
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", renewal_board, self.huzhu_app.today())

    def db_loaded(self, rows: list[RenewalRow]) -> None:
        self._rows = rows
        self._show_rows()

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one(StatusLine).show_error(f"读取失败：{failure_text(error)}")

    # --- filtering (over the rows already read: no database work) -----------------------------

    def _show_filter_label(self) -> None:
        self.query_one("#renewal-filter", Label).update(f"筛选：{FILTERS[self._filter][1]}")

    def action_next_filter(self) -> None:
        self._filter = (self._filter + 1) % len(FILTERS)
        self._show_filter_label()
        self._show_rows()

    def action_focus_search(self) -> None:
        self.query_one("#renewal-search", Input).focus()

    @on(Input.Changed, "#renewal-search")
    def _search_changed(self) -> None:
        self._show_rows()

    @on(Input.Submitted, "#renewal-search")
    def _search_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def _matching(self) -> list[RenewalRow]:
        statuses = FILTERS[self._filter][2]
        needle = self.query_one("#renewal-search", Input).value.strip().lower()
        return [
            row
            for row in self._rows
            if (statuses is None or row.status in statuses)
            and (not needle or needle in f"{row.unit_code} {row.unit_name} {row.plan} {row.plan_name}".lower())
        ]

    def _show_rows(self) -> None:
        table = self.query_one(FitTable)
        previous = self._current()
        wanted = self._select or (previous.key if previous else None)
        self._select = None
        matching = self._matching()
        self._shown = matching[:MAX_ROWS]
        keys = [row.key for row in self._shown]
        table.set_rows(
            [
                (
                    row.key,
                    (row.unit_code, row.unit_name, row.plan_name, str(row.end), row.status_name, window_text(row)),
                )
                for row in self._shown
            ],
            cursor=wanted if wanted in keys else (keys[0] if keys else None),
        )
        status = self.query_one(StatusLine)
        if len(matching) > MAX_ROWS:
            status.update(f"共 {len(matching)} 条，仅显示前 {MAX_ROWS} 条：请输入搜索条件")
        else:
            status.update(f"共 {len(matching)} 条；回车或 r 办理续保，f 切换筛选")
        status.set_classes("")
        self._show_detail()

    def _current(self) -> RenewalRow | None:
        table = self.query_one(DataTable)
        if not self._shown or not 0 <= table.cursor_row < len(self._shown):
            return None
        return self._shown[table.cursor_row]

    @on(DataTable.RowHighlighted, "#renewal-table")
    def _show_detail(self) -> None:
        row = self._current()
        detail = self.query_one("#renewal-detail", Static)
        if row is None:
            detail.update("没有符合条件的保单")
            return
        filed = ""
        if row.filed:
            filed = (
                f"本期于 {row.filed} 办理"
                + (f"（补录，理由：{row.backdated_reason}）" if row.backdated_reason else "")
                + "\n"
            )
        detail.update(
            Text.assemble(
                (f"{row.unit_code} {row.plan_name}：", "bold"),
                f"本期 {row.start} 至 {row.end}，续保期限 {row.first_allowed} 至 {row.last_on_time}\n",
                (filed, "bold" if row.backdated_reason else ""),
                (f"若今天办理：{row.message}", "dim"),
            )
        )

    # --- actions -----------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#renewal-table")
    def _row_selected(self) -> None:
        self.action_record()

    def action_record(self) -> None:
        row = self._current()
        if row is None:
            self.query_one(StatusLine).show_error("请先选择一个单位的保单")
            return
        self.app.push_screen(RenewalRecordScreen(row))

    def action_import_file(self) -> None:
        self.app.push_screen(ImportScreen())


class RenewalRecordScreen(DbWork, SubScreen):
    """Record one unit × plan's renewal: the filing date, the preview, then the confirmation."""

    BINDINGS = [
        Binding("ctrl+s", "confirm", "确认办理", id="renew.confirm"),
        Binding("ctrl+o", "import_file", "导入新增人员", id="renew.import"),
    ]

    def __init__(self, row: RenewalRow) -> None:
        super().__init__()
        self.row = row
        self.sub_title = "办理续保"
        self._preview: RenewalResult | None = None
        self._written: RenewalResult | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        row = self.row
        yield Header()
        yield Facts(
            [
                ("单位", f"{row.unit_code} {row.unit_name}"),
                ("险种", f"{row.plan_name}（{row.plan}）"),
                ("本期保单", f"{row.start} 至 {row.end}，失效日 {row.expiry}"),
                ("续保期限", f"{row.first_allowed} 至 {row.last_on_time}（{row.status_name}）"),
            ],
            label_width=8,
            id="renew-facts",
        )
        yield FieldRow(
            "日期",
            Input(self.huzhu_app.today().isoformat(), placeholder="2026-11-23、20261123 或 今天", id="renew-filed"),
        )
        # Only for a supervisor's back-dated filing (rules.check_entry_date): shown when the date
        # typed is before today.
        yield FieldRow(
            "理由",
            Input(placeholder="补录理由（办理日期早于今天时必填，仅负责人）", id="renew-reason"),
            id="renew-reason-row",
        )
        with VerticalScroll(id="renew-outcome"):
            yield Static("输入办理日期后按回车，先查看办理结果，再按 Ctrl+S 确认。", id="renew-outcome-text")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#renew-reason-row").display = False
        self.query_one("#renew-filed", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Confirm only once a preview for the date in the field allows the renewal; the new
        period's file can be imported once the renewal is written."""
        if action == "confirm":
            return self._written is None and self._preview is not None and self._preview.decision.ok
        if action == "import_file":
            return self._written is not None
        return True

    def _filed(self) -> date | None:
        text = self.query_one("#renew-filed", Input).value
        try:
            return parse_user_date(text, self.huzhu_app.today())
        except ValueError:
            self.query_one(StatusLine).show_error(
                f"日期无法识别：“{text.strip()}”（应为 2026-11-23、20261123 或 今天）"
            )
            return None

    @on(Input.Changed, "#renew-filed")
    @on(Input.Changed, "#renew-reason")
    def _date_changed(self, event: Input.Changed) -> None:
        """A preview is only good for the date (and reason) it was made for."""
        if event.input.id == "renew-filed":
            try:
                filed = parse_user_date(event.value, self.huzhu_app.today())
            except ValueError:
                filed = None
            self.query_one("#renew-reason-row").display = filed is not None and filed < self.huzhu_app.today()
        if self._written is None and self._preview is not None:
            self._preview = None
            self.refresh_bindings()

    @on(Input.Submitted, "#renew-reason")
    @on(Input.Submitted, "#renew-filed")
    def _preview_requested(self) -> None:
        if self._busy or self._written is not None:
            return
        filed = self._filed()
        if filed is None:
            return
        self._busy = True
        self.query_one(StatusLine).show_busy("正在核算续保结果…")
        self.run_db(
            "previewed",
            renew_unit,
            self.row.unit_code,
            self.row.plan,
            filed,
            dry_run=True,
            today=self.huzhu_app.today(),
            backdate_reason=self._reason(),
            group="renew",
        )

    def _reason(self) -> str | None:
        if not self.query_one("#renew-reason-row").display:
            return None
        return self.query_one("#renew-reason", Input).value.strip() or None

    def db_failed(self, tag: str, error: BaseException) -> None:
        self._busy = False
        super().db_failed(tag, error)  # an auditor's PermissionDenied arrives here with its message

    def db_previewed(self, result: RenewalResult) -> None:
        self._busy = False
        status = self.query_one(StatusLine)
        self._preview = result
        self._show_result(result)
        if result.decision.ok:
            status.update("请核对以上结果，按 Ctrl+S 确认办理；改日期后请重新回车核算")
            status.set_classes("")
        else:
            status.show_error("不能办理续保，请按上面的说明处理")
        self.refresh_bindings()

    def action_confirm(self) -> None:
        if self._busy or self._preview is None or not self._preview.decision.ok:
            return
        self._busy = True
        self.query_one(StatusLine).show_busy("正在写入…")
        self.run_db(
            "written",
            renew_unit,
            self.row.unit_code,
            self.row.plan,
            self._preview.filed,
            dry_run=False,
            today=self.huzhu_app.today(),
            backdate_reason=self._reason(),
            group="renew",
        )

    def db_written(self, result: RenewalResult) -> None:
        self._busy = False
        status = self.query_one(StatusLine)
        if not result.written:
            status.show_error(f"未写入：{result.decision.message}")
            return
        self._written = result
        self.query_one("#renew-filed", Input).disabled = True
        self.query_one("#renew-reason", Input).disabled = True
        self._show_result(result)
        status.update("已办理续保。有新增人员请按 Ctrl+O 导入参保名单；Esc 返回")
        status.set_classes("")
        self.refresh_bindings()

    def _show_result(self, result: RenewalResult) -> None:
        decision = result.decision
        text = Text()
        heading = {"renewal": "按期续保", "late_renewal_as_first": "逾期续保：视为首次参保"}.get(
            decision.outcome, "不能续保"
        )
        text.append(f"{'已办理' if result.written else '办理结果'}：{heading}\n", style="bold")
        if result.backdated:
            text.append(f"补录：办理日期 {result.filed} 早于今天，理由记入稽核记录\n", style="bold")
        text.append(f"{decision.message}\n")
        text.append(f"依据 {decision.citation}（规则集 {decision.ruleset}）\n", style="dim")
        if decision.ok:
            text.append(
                f"新保单 {result.start} 至 {result.end}；结转 {len(result.carried)} 人，"
                f"不予续保 {len(result.dropped)} 人\n",
                style="bold",
            )
        if decision.outcome == "late_renewal_as_first":
            params = ruleset_on(result.filed).plan(result.plan)
            last_day = observation_end(decision.data["cover_start"], params.observation_days)
            text.append(
                f"观察期：{params.observation_days} 天，"
                + (f"至 {last_day}（含）止，其间疾病出险不予给付\n" if last_day else "本险种不设观察期\n"),
                style="bold",
            )
        outcome = self.query_one("#renew-outcome-text", Static)
        if not decision.ok:
            outcome.update(text)
            return
        rows: list[tuple[str, str, str | Text]] = [
            (name, masked, Text(f"不予续保：{reason}", style="bold"))
            for masked, name, reason in result.dropped[:MAX_LISTED]
        ]
        rows += [(name, masked, f"结转 {shares} 份") for masked, name, shares in result.carried[:MAX_LISTED]]
        table = FitRichTable("", OUTCOME_COLUMNS, rows)
        hidden = max(0, len(result.carried) - MAX_LISTED) + max(0, len(result.dropped) - MAX_LISTED)
        footer = Text(f"……另有 {hidden} 人未列出" if hidden else "")
        outcome.update(Group(text, table, footer))

    def action_import_file(self) -> None:
        if self._written is not None:
            self.app.push_screen(ImportScreen(period=(self._written.start, self._written.end)))


class ImportScreen(DbWork, SubScreen):
    """Import an enrolment file (e.g. the new period's new hires): check it, then write it."""

    BINDINGS = [Binding("ctrl+s", "confirm", "确认导入", id="import.confirm")]

    def __init__(self, *, period: tuple[date, date] | None = None) -> None:
        super().__init__()
        self.period = period
        self.sub_title = "导入参保名单"
        self._preview: tuple[str, ImportResult] | None = None
        self._written = False
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        hint = "参保名单文件：CSV 或 XLSX（模板：huzhu template enrolments）"
        if self.period:
            hint += f"\n新增人员按新保单填写：生效 {self.period[0]}，终止 {self.period[1]}"
        yield Static(hint, id="import-hint")
        yield FieldRow("文件", Input(placeholder="/home/.../新增人员.xlsx", id="import-path"))
        with VerticalScroll(id="import-outcome"):
            yield Static("输入文件路径后按回车，先检查全部行，再按 Ctrl+S 确认导入。", id="import-outcome-text")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return (
                not self._written
                and self._preview is not None
                and self._preview[1].ok
                and self._preview[1].already_imported_at is None
            )
        return True

    @on(Input.Changed, "#import-path")
    def _path_changed(self) -> None:
        if not self._written and self._preview is not None:
            self._preview = None
            self.refresh_bindings()

    @on(Input.Submitted, "#import-path")
    def _preview_requested(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        if self._busy or self._written:
            return
        if not path:
            self.query_one(StatusLine).show_error("请输入文件路径")
            return
        self._busy = True
        self.query_one(StatusLine).show_busy("正在检查文件…")
        self.run_db("previewed", _import_checked, path, self.huzhu_app.today(), group="import")

    def db_failed(self, tag: str, error: BaseException) -> None:
        self._busy = False
        super().db_failed(tag, error)

    def db_previewed(self, checked: tuple[str, ImportResult]) -> None:
        self._busy = False
        status = self.query_one(StatusLine)
        path, result = checked
        self._preview = (path, result)
        self._show_result(result)
        if result.already_imported_at:
            status.show_error(f"该文件已于 {result.already_imported_at} 导入过，不再重复导入")
        elif result.ok:
            status.update("检查通过，按 Ctrl+S 确认导入")
            status.set_classes("")
        else:
            status.show_error(f"有 {len(result.errors)} 处错误，未导入任何数据：请改正文件后重新回车检查")
        self.refresh_bindings()

    def action_confirm(self) -> None:
        if self._busy or self._preview is None or not self._preview[1].ok:
            return
        self._busy = True
        self.query_one(StatusLine).show_busy("正在导入…")
        self.run_db(
            "written", import_enrolments, self._preview[0], dry_run=False, today=self.huzhu_app.today(), group="import"
        )

    def db_written(self, result: ImportResult) -> None:
        self._busy = False
        status = self.query_one(StatusLine)
        if not result.ok:  # the file changed between the check and the import
            self._show_result(result)
            status.show_error("文件有误，未导入任何数据")
            return
        self._written = True
        self.query_one("#import-path", Input).disabled = True
        self._show_result(result)
        status.update(f"已导入：新增会员 {result.new_members} 人，保障记录 {result.new_lines} 条；Esc 返回")
        status.set_classes("")
        self.refresh_bindings()

    def _show_result(self, result: ImportResult) -> None:
        text = Text()
        text.append(f"{result.file}：共 {result.rows} 行\n", style="bold")
        counts = [
            f"{KIND_NAMES.get(kind, kind)} {result.counts[kind]}" for kind in ENROLMENT_KINDS if result.counts.get(kind)
        ]
        if counts:
            text.append("、".join(counts) + "\n")
        for label, problems, style in (("错误", result.errors, "bold"), ("提示", result.warnings, "")):
            for problem in problems[:MAX_PROBLEMS]:
                column = f" {problem.column}" if problem.column else ""
                text.append(f"{label} 第 {problem.line} 行{column}：{problem.reason}\n", style=style)
            if len(problems) > MAX_PROBLEMS:
                text.append(f"……另有 {len(problems) - MAX_PROBLEMS} 处{label}\n", style=style)
        self.query_one("#import-outcome-text", Static).update(text)


def _import_checked(path: str, today: date) -> tuple[str, ImportResult]:
    return path, import_enrolments(path, dry_run=True, today=today)
