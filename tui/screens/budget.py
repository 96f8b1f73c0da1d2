"""年度预算: a year's budget lines with what the approved version allows, what is charged to
each line and what remains, the amount in a draft waiting for approval, and the versions
with their approval (docs/rules.md R3.4, R11.1–R11.3).

``a`` adds a line to the draft, ``m`` amends a line (a reason, and a new approval), ``p``
approves the draft with the committee meeting (a supervisor; anyone else is told by the
service). Every read and write runs in a thread worker through ``models.budget``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from models import budget
from models.errors import ValidationFailed
from rules import format_fen
from rules.budget import line_catalogue
from rules.disbursements import AVAILABLE_LABEL
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, DialogField, StepDialog, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable


def _fen(value: int | None) -> str:
    return "" if value is None else format_fen(value).removesuffix("元")


def line_code(text: str | None) -> str:
    """A line as typed in a dialog: its code or its Chinese name."""
    text = (text or "").strip()
    catalogue = line_catalogue()
    if text in catalogue:
        return text
    by_name = {kind.name: code for code, kind in catalogue.items()}
    if text in by_name:
        return by_name[text]
    raise ValidationFailed(f"没有预算科目“{text}”", f"no budget line {text!r}")


def line_name(code: str) -> str:
    """A line's Chinese name, what a dialog offers as its default (``line_code`` reads it back)."""
    kind = line_catalogue().get(code)
    return kind.name if kind is not None else code


def _codes_hint() -> str:
    return "科目（填名称或代码）：" + "、".join(f"{kind.name}（{code}）" for code, kind in line_catalogue().items())


#: The year's lines: names and amounts whole. On a narrow screen the line's code goes first (its
#: name says the same), then the draft's amount; the longest name of the catalogue (24 cells)
#: and the four amounts fit 80 columns without them.
BUDGET_COLUMNS = (
    Col("科目代码", 2),
    Col("预算科目"),
    Col("批准数", justify="right"),
    Col("已列支(含待付)", justify="right"),
    Col(AVAILABLE_LABEL, justify="right"),
    Col("待批准", 1, justify="right"),
)


class BudgetScreen(DbWork, SubScreen):
    CSS_PATH = "budget.tcss"
    BINDINGS = [
        Binding("a", "add", "新增科目", id="budget.add"),
        Binding("m", "amend", "修订", id="budget.amend"),
        Binding("p", "approve", "批准", id="budget.approve"),
        Binding("f5", "refresh", "刷新", id="budget.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "年度预算"
        self.year: int | None = None
        self.current: budget.YearBudget | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="budget-top"):
            yield Input(str(self.huzhu_app.today().year), placeholder="年度", id="budget-year", compact=True)
            yield Static("", id="budget-state")
        yield FitTable(BUDGET_COLUMNS, id="budget-table", zebra_stripes=True)
        yield Static("", id="budget-versions", classes="muted")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#budget-table", DataTable).focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    @on(Input.Submitted, "#budget-year")
    def reload(self) -> None:
        text = self.query_one("#budget-year", Input).value.strip()
        if not (text.isdigit() and len(text) == 4):
            self.query_one(StatusLine).show_error("年度应为四位数字，如 2026")
            return
        self.year = int(text)
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", budget.read_year, self.year)

    def db_loaded(self, year_budget: budget.YearBudget) -> None:
        self.current = year_budget
        status = year_budget.status
        state = self.query_one("#budget-state", Static)
        state.update(f"{'可支出' if status.ok else '不得支出'}：{status.message}（{status.citation.short}）")
        state.set_class(not status.ok, "-refused")
        table = self.query_one("#budget-table", FitTable)
        rows: list[tuple[str, tuple[str, ...]]] = [
            (
                line.code,
                (
                    line.code,
                    line.name,
                    _fen(line.approved_fen),
                    _fen(line.committed_fen),
                    _fen(line.remaining_fen),
                    _fen(line.draft_fen) if year_budget.pending else "",
                ),
            )
            for line in year_budget.lines
        ]
        totals = year_budget.totals()
        if year_budget.lines:
            rows.append(
                (
                    "",
                    (
                        "",
                        "合计",
                        _fen(totals["approved_fen"]),
                        _fen(totals["committed_fen"]),
                        _fen(totals["remaining_fen"]),
                        _fen(totals["draft_fen"]),
                    ),
                )
            )
        table.set_rows(rows)
        table.border_title = f"{year_budget.year}年度 共 {len(year_budget.lines)} 个科目"
        versions = []
        for v in year_budget.versions[-3:]:
            met = f"，管委会 {v.meeting_date} 审议（{v.minutes}）" if v.meeting_date else ""
            why = f"，理由：{v.reason}" if v.reason else ""
            versions.append(f"第{v.number}版 {v.state_name} 合计 {_fen(v.total_fen)}{met}{why}")
        self.query_one("#budget-versions", Static).update(
            "\n".join(versions) or "尚无预算：按 A 新增科目，经管委会审议后按 P 批准"
        )
        self.query_one(StatusLine).clear()

    def _highlighted_name(self) -> str:
        table = self.query_one("#budget-table", DataTable)
        if table.row_count and self.current and table.cursor_row < len(self.current.lines):
            return line_name(self.current.lines[table.cursor_row].code)  # by name; line_code reads it back
        return ""

    def action_add(self) -> None:
        if self.year is None or not writable(self):
            return
        year = self.year
        fields = [
            DialogField("line", "预算科目"),
            DialogField("amount", "金额(元)", "yuan"),
            DialogField("note", "备注", required=False),
        ]
        self.app.push_screen(
            StepDialog(
                f"{year}年度预算 › 新增科目",
                f"加入{year}年度预算草稿，经管委会审议批准后方可支出。\n{_codes_hint()}",
                fields,
                lambda v: budget.add_line(year, line_code(v["line"]), v["amount"], v.get("note")),
                self.huzhu_app.today(),
            ),
            self._after,
        )

    def action_amend(self) -> None:
        if self.year is None or not writable(self):
            return
        year = self.year
        fields = [
            DialogField("line", "预算科目", default=self._highlighted_name()),
            DialogField("amount", "修订后金额(元)", "yuan"),
            DialogField("reason", "修订理由"),
        ]
        self.app.push_screen(
            StepDialog(
                f"{year}年度预算 › 修订",
                "修订形成新版本，须经管委会审议后重新批准；批准前仍按已批准的版本执行。",
                fields,
                lambda v: budget.amend_line(year, line_code(v["line"]), v["amount"], v["reason"]),
                self.huzhu_app.today(),
            ),
            self._after,
        )

    def action_approve(self) -> None:
        if self.year is None or not writable(self):
            return
        year, today = self.year, self.huzhu_app.today()
        pending = self.current.pending if self.current else None
        intro = (
            f"按管理委员会审议结果批准{year}年度预算第 {pending} 版（仅负责人）。"
            if pending
            else f"{year}年度没有待批准的预算草稿。"
        )
        fields = [
            DialogField("meeting", "管委会会议日期", "date", today.isoformat()),
            DialogField("minutes", "会议纪要编号"),
        ]
        self.app.push_screen(
            StepDialog(
                f"{year}年度预算 › 批准",
                intro,
                fields,
                lambda v: budget.approve(year, v["meeting"], v["minutes"], today=today),
                today,
            ),
            self._after,
        )

    def _after(self, result: object) -> None:
        if result is None:
            return
        decision = getattr(result, "decision", None)
        if decision is not None:
            self.notify(decision.message, title="已保存")
        for warning in getattr(result, "warnings", ()):
            self.notify(warning.message, title="提示", severity="warning")
        self.reload()
