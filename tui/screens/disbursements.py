"""互助互济: welfare disbursements (docs/rules.md R3) — the register of a period, the entry form
with the member's remaining allowance, the caps, the payment-method rule and the budget
line's remainder shown as the clerk types, and the steps entered → approved (by another
user who is a supervisor) → paid → receipt signed. Decisions are ``models.disbursements``'s
(and so the rules'); refusals are shown with their article.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Select, Static

from models.budget import status as budget_status
from models.disbursements import (
    RELATIONS,
    STATE_NAMES,
    BudgetChoice,
    DisbursementDraft,
    Entered,
    Preview,
    RegisterPage,
    RegisterRow,
    approve_disbursement,
    budget_lines,
    disbursement_register,
    enter_disbursement,
    pay_disbursement,
    preview,
    sign_receipt,
    split_list,
    void_disbursement,
)
from models.errors import HuzhuError, RuleRefused, ValidationFailed
from models.money import parse_yuan
from rules import Decision, format_fen, ruleset_on
from rules.disbursements import AVAILABLE_LABEL, CATEGORIES, GOODS_CATEGORIES, METHODS
from rules.mgmt_fee import needs_collective_decision
from tui.screens.forms import (
    BACKDATE_REASON,
    DialogField,
    Field,
    FormScreen,
    MemberPicker,
    StepDialog,
    backdate_field,
    backdate_reason,
    decision_line,
    parse_date_field,
    show_backdate,
    writable,
)
from tui.screens.member_edit import no_account_hint
from tui.screens.register import RegisterScreen
from tui.widgets import StatusLine
from tui.widgets.columns import Cell, Col

#: The step each register state allows next: action, key word and the dialog's title.
NEXT_STEP = {"entered": "approve", "approved": "pay", "paid": "sign"}


def _decision_id(text: str | None) -> int | None:
    """A collective decision's number as typed (huzhu decision list)."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise ValidationFailed(f"集体决策编号应为数字：“{text}”", f"the decision number must be a number: {text!r}")
    return int(text)


STEP_NAMES = {"approve": "审批", "pay": "发放", "sign": "签收"}
#: The form field beside which a refusal goes, by reason-code prefix.
CODE_FIELDS = (
    ("R3.cap", "amount"),
    ("R3.amount", "amount"),
    ("R3.4", "budget"),
    ("R3.2.cash_visit", "visit-place"),
    ("R3.2.cash", "cash-reason"),
    ("R3.2", "method"),
    ("R3.3", "note"),
    ("R3.education.excluded", "student-kind"),
    ("R3.education", "beneficiary"),
    ("R3.fee_subsidy", "scheme-ref"),
    ("R3.8", "recipients"),
    ("R3.9", "recipients"),
    ("R3.activity", "recipients"),
    ("R3.1", "hierarchy-reason"),
    ("R0.date", "on"),
)
#: Categories entered with a list (R3.8, R3.9) and those where the R3.1 hierarchy can arise.
LIST_CATEGORIES = ("weather_goods", "activity_prize")
CASE_CATEGORIES = ("hardship_aid", "education_aid", "condolence_cash")


def field_for(code: str) -> str | None:
    return next((name for prefix, name in CODE_FIELDS if code.startswith(prefix)), None)


# --- the register -----------------------------------------------------------------------------


def detail_lines(row: RegisterRow) -> list[str]:
    """A payment as the detail panel shows it: what, for whom, why, how and when paid and signed."""
    pay = METHODS.get(row.method, row.method)
    if row.account_masked:
        pay += f" {row.account_masked}"
    if row.transfer_ref:
        pay += f" 凭证 {row.transfer_ref}"
    lines = [
        f"#{row.id} {row.on} {CATEGORIES[row.category]} {format_fen(row.amount_fen)} "
        f"会员 {row.member_name}（{row.unit_name}）受益人 {row.beneficiary}（{RELATIONS.get(row.relation, '')}）",
        f"情况说明：{row.reason}",
        f"{pay}；发放 {row.paid_on or '—'}；签收 {row.signed_on or '—'} {row.receipt_no or ''}".rstrip(),
    ]
    if row.state == "cancelled":
        lines.insert(
            0,
            f"作废 {row.voided_on or ''} {row.voided_by or ''}：{row.void_reason or ''}"
            "（原记录保留，不计入上限和预算）",
        )
    return lines


#: The register's columns: at 80 columns the who, what, how much and state stay whole (the
#: method left out); at 120 the method and who entered and approved it are shown as well.
REGISTER_COLUMNS = (
    Col("编号"),
    Col("日期"),
    Col("受益人", 0, "end", min_width=6, max_width=12),
    # The catalogue's longest category (24 cells) whole: at 80 columns 方式 goes instead.
    Col("类别", 1, "end", min_width=24),
    Col("金额", 0, justify="right"),
    Col("方式", 3),
    Col("状态"),
    Col("录入", 4, "end", min_width=6),
    Col("审批", 4, "end", min_width=6),
)


class DisbursementsScreen(RegisterScreen):
    """The disbursement register (附件1) of a period with its total; the highlighted row's
    details below (whole on Enter), and the next step its state allows."""

    TABLE_ID = "welfare-table"
    DETAIL_ID = "welfare-detail"
    DETAIL_TITLE = "支出详情"
    COLUMNS = REGISTER_COLUMNS
    CURSOR_AT_END = True
    BINDINGS = [
        Binding("n", "new", "新增支出", id="welfare.new"),
        Binding("a", "step('approve')", "审批", id="welfare.approve"),
        Binding("p", "step('pay')", "发放", id="welfare.pay"),
        Binding("g", "step('sign')", "签收", id="welfare.sign"),
        Binding("x", "void", "作废", id="welfare.void"),
        Binding("f5", "refresh", "刷新", id="welfare.refresh"),
    ]

    def __init__(self, select: int | None = None, select_on: date | None = None) -> None:
        """``select``: a payment to highlight once the register is read (from a 待办 line);
        ``select_on``: its date, when the register's period must start early enough to list it."""
        super().__init__(select)
        self._select_on = select_on
        self.sub_title = "互助互济"
        self.rows: dict[int, RegisterRow] = {}
        self.current: RegisterRow | None = None

    def compose_filters(self) -> ComposeResult:
        today = self.huzhu_app.today()
        since = date(today.year, 1, 1)
        if self._select_on is not None and self._select_on < since:
            since = date(self._select_on.year, 1, 1)
        yield Input(since.isoformat(), placeholder="起始日期", id="f-from", compact=True)
        yield Input(today.isoformat(), placeholder="截止日期", id="f-to", compact=True)
        yield Select(
            [(name, code) for code, name in STATE_NAMES.items()], prompt="全部状态", id="f-state", compact=True
        )
        yield Select(
            [(name, code) for code, name in CATEGORIES.items()], prompt="全部类别", id="f-category", compact=True
        )

    def register_query(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
        today = self.huzhu_app.today()
        try:
            date_from = parse_date_field(self.query_one("#f-from", Input).value, today)
            date_to = parse_date_field(self.query_one("#f-to", Input).value, today)
        except ValueError as bad:
            self.query_one(StatusLine).show_error(f"期间有误：{bad}")
            return None
        state = self.query_one("#f-state", Select).value
        category = self.query_one("#f-category", Select).value
        return (
            disbursement_register,
            (date_from, date_to),
            {
                "state": None if state is Select.NULL else state,
                "category": None if category is Select.NULL else category,
            },
        )

    def register_rows(self, page: RegisterPage) -> list[tuple[Hashable, Sequence[Cell]]]:
        self.rows = {row.id: row for row in page.rows}
        return [
            (
                row.id,
                (
                    str(row.id),
                    row.on.isoformat(),
                    row.beneficiary,
                    CATEGORIES[row.category],
                    format_fen(row.amount_fen),
                    METHODS.get(row.method, row.method),
                    row.state_name,
                    row.entered_by,
                    row.approved_by or "",
                ),
            )
            for row in page.rows
        ]

    def register_summary(self, page: RegisterPage) -> tuple[str, bool]:
        summary = f"共 {page.count} 笔，合计 {format_fen(page.total_fen)}（不含作废）"
        if page.truncated:
            return f"{summary}；只列出前 {len(page.rows)} 笔，请缩短期间", True
        return summary, False

    def highlight(self, key: int | None) -> None:
        self.show_row(None if key is None else self.rows.get(key))

    def show_row(self, row: RegisterRow | None) -> None:
        self.current = row
        self.refresh_bindings()
        self.show_detail_lines(detail_lines(row) if row is not None else [])

    def whole_record(self) -> tuple[str, list[str]] | None:
        row = self.current
        if row is None:
            return None
        lines = detail_lines(row)
        lines.append(f"录入 {row.entered_by}；审批 {row.approved_by or '—'}；状态 {row.state_name}")
        if row.visit_place:
            lines.append(f"走访地点：{row.visit_place}")
        if row.recipients:
            lines.append(
                f"发放名单 {row.recipients} 人" + (f"，参加 {row.participants} 人" if row.participants else "")
            )
        return f"互助互济支出 #{row.id}", lines

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            return self.current is not None and NEXT_STEP.get(self.current.state) == parameters[0]
        if action == "void":
            return self.current is not None and self.current.state != "cancelled"
        return True

    # --- actions --------------------------------------------------------------------------

    def action_new(self) -> None:
        if writable(self):
            self.app.push_screen(DisbursementFormScreen(), self._after_form)

    def _after_form(self, disbursement_id: int | None) -> None:
        if disbursement_id is not None:
            self._select_after_load = disbursement_id
        self.reload()

    def action_step(self, step: str) -> None:
        row = self.current
        if row is None or NEXT_STEP.get(row.state) != step or not writable(self):
            return
        today = self.huzhu_app.today()
        fields = [DialogField("on", f"{STEP_NAMES[step]}日期", "date", today.isoformat())]
        if step == "pay" and row.method == "transfer":
            fields.append(DialogField("transfer_ref", "转账凭证号"))
        if step == "pay" and row.method == "cash":
            fields.append(DialogField("cash_signed", "受益会员已当场签字", "check", required=False))
        if step in ("pay", "sign"):
            fields.append(DialogField("receipt_no", "签收单号", default=row.receipt_no or "", required=step == "sign"))
        if step == "approve" and needs_collective_decision(row.amount_fen, today):
            # R11.5: above the large-amount threshold, approval rests on a recorded decision.
            fields.append(DialogField("decision", "集体决策编号"))
        intro = (
            f"#{row.id} {row.beneficiary} {CATEGORIES[row.category]} {format_fen(row.amount_fen)} "
            f"{METHODS.get(row.method, row.method)}\n录入人 {row.entered_by}，当前：{row.state_name}"
        )
        submit = {
            "approve": lambda v: approve_disbursement(row.id, v["on"], decision_id=_decision_id(v.get("decision"))),
            "pay": lambda v: pay_disbursement(
                row.id,
                v["on"],
                transfer_ref=v.get("transfer_ref"),
                receipt_no=v.get("receipt_no"),
                cash_receipt_signed=bool(v.get("cash_signed")),
            ),
            "sign": lambda v: sign_receipt(row.id, v["on"], receipt_no=v.get("receipt_no")),
        }[step]
        self.app.push_screen(StepDialog(STEP_NAMES[step], intro, fields, submit, today), self._after_step)

    def action_void(self) -> None:
        """A supervisor voids a wrong entry with a reason (R9.3): it stays, marked 作废."""
        row = self.current
        if row is None or row.state == "cancelled" or not writable(self):
            return
        today = self.huzhu_app.today()
        fields = [DialogField("on", "作废日期", "date", today.isoformat()), DialogField("reason", "作废原因")]
        intro = (
            f"#{row.id} {row.beneficiary} {CATEGORIES[row.category]} {format_fen(row.amount_fen)}，"
            f"当前：{row.state_name}\n作废须由负责人办理并写明原因；记录保留并标为作废，不再计入上限和预算"
        )
        self.app.push_screen(
            StepDialog("作废支出", intro, fields, lambda v: void_disbursement(row.id, v.get("reason"), v["on"]), today),
            self._after_step,
        )

    def _after_step(self, decision: object) -> None:
        if decision is not None:
            self.notify(decision.message, title="已保存")
            self.reload()


# --- the entry form ---------------------------------------------------------------------------


def _budget_choices(year: int) -> tuple[int, list[BudgetChoice], Decision]:
    """The year's approved lines and whether its budget may be spent from (with why not)."""
    return year, budget_lines(year), budget_status(year)


class DisbursementFormScreen(FormScreen):
    """A new disbursement. As the clerk types, the right panel shows what the rules allow:
    the remaining allowance this year and the per-occasion cap, the payment-method rule and
    the budget line's remainder; Ctrl+S enters it unless a rule refuses (with its article).
    Dismisses with the new disbursement's id."""

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "互助互济 › 新增支出"
        self._budget_year: int | None = None
        self._budget_problem: str | None = None  # why the date's year has nothing to charge to

    def compose(self) -> ComposeResult:
        today = self.huzhu_app.today()
        excluded = ruleset_on(today)["education_aid_excluded_student_kinds"]
        yield Header()
        with Horizontal(classes="form-body"):
            with VerticalScroll(classes="form-column", id="welfare-form", can_focus=False):
                yield MemberPicker("会员")
                yield Field(
                    "支出类别",
                    Select([(n, c) for c, n in CATEGORIES.items()], prompt="请选择", id="category", compact=True),
                    id="category-field",
                )
                yield Field("日期", Input(today.isoformat(), id="on", compact=True), id="on-field")
                yield backdate_field()
                yield Field("金额(元)", Input(id="amount", compact=True), id="amount-field")
                yield Field(
                    "发放方式",
                    Select(
                        [(n, c) for c, n in METHODS.items()],
                        value="transfer",
                        allow_blank=False,
                        id="method",
                        compact=True,
                    ),
                    id="method-field",
                )
                yield Field(
                    "受益人",
                    Input(placeholder="默认会员本人；助学金填学生", id="beneficiary", compact=True),
                    id="beneficiary-field",
                )
                yield Field(
                    "关系",
                    Select(
                        [(n, c) for c, n in RELATIONS.items()],
                        value="self",
                        allow_blank=False,
                        id="relation",
                        compact=True,
                    ),
                    id="relation-field",
                )
                yield Field("情况说明", Input(id="note", compact=True), id="note-field")
                yield Field(
                    "现金理由",
                    Input(placeholder="现金发放时填写", id="cash-reason", compact=True),
                    id="cash-reason-field",
                )
                yield Field(
                    "慰问地点",
                    Input(placeholder="现场慰问的地点（现金仅限现场）", id="visit-place", compact=True),
                    id="visit-place-field",
                )
                yield Field(
                    "名单",
                    Input(placeholder="身份证号:金额；身份证号:金额", id="recipients", compact=True),
                    id="recipients-field",
                )
                yield Field(
                    "参与人数",
                    Input(placeholder="文体活动参与人数", id="participants", compact=True),
                    id="participants-field",
                )
                yield Field(
                    "名单身份",
                    Select(
                        [("获奖者（奖品）", "winner"), ("参与奖（不设奖品）", "participant")],
                        value="winner",
                        allow_blank=False,
                        id="award-kind",
                        compact=True,
                    ),
                    id="award-kind-field",
                )
                yield Field(
                    "关联报案", Input(placeholder="报案编号（可空）", id="claim", compact=True), id="claim-field"
                )
                yield Field(
                    "事件日期",
                    Input(placeholder="出险/事件日期（可空）", id="event-date", compact=True),
                    id="event-date-field",
                )
                yield Field(
                    "超标理由",
                    Input(placeholder="高于赔付或救助标准时写明", id="hierarchy-reason", compact=True),
                    id="hierarchy-reason-field",
                )
                yield Field(
                    "学生类别",
                    Select(
                        [("普通在校生", "ordinary"), *((n, c) for c, n in excluded.items())],
                        value="ordinary",
                        allow_blank=False,
                        id="student-kind",
                        compact=True,
                    ),
                    id="student-kind-field",
                )
                yield Field(
                    "方案文号",
                    Input(placeholder="会费补助方案的批准文号", id="scheme-ref", compact=True),
                    id="scheme-ref-field",
                )
                yield Field("预算科目", Select([], prompt="读取中…", id="budget", compact=True), id="budget-field")
            with VerticalScroll(classes="checks panel", id="welfare-checks") as checks:
                checks.border_title = "标准与额度"
                yield Static(
                    f"选择会员和类别后，这里显示本年剩余额度、发放方式和预算{AVAILABLE_LABEL}", id="checks-text"
                )
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#member-query", Input).focus()
        self._show_optional_fields()
        self.mark_clean()
        self._load_budget(self.huzhu_app.today().year)

    def _load_budget(self, year: int) -> None:
        """A payment is charged to the budget of the year it is paid in: the lines offered
        are those of the date's year, read again whenever the date moves to another year."""
        self._budget_year = year
        self.run_db("budgets", _budget_choices, year)

    def db_budgets(self, loaded: tuple[int, list[BudgetChoice], Decision]) -> None:
        year, lines, status = loaded
        budget = self.query_one("#budget", Select)
        keep = self.dirty
        budget.set_options([(f"{b.name} {AVAILABLE_LABEL} {format_fen(b.available_fen)}", b.id) for b in lines])
        welfare = next((b.id for b in lines if b.code == "welfare"), None)
        if welfare is not None:
            budget.value = welfare
        if not status.ok:
            self._budget_problem = f"{status.message}（{status.citation.short}）"
        elif not lines:
            self._budget_problem = f"{year} 年没有预算科目：无预算不得支出"
        else:
            self._budget_problem = None
        self.field("budget").set_error(self._budget_problem)
        if not keep:
            self.mark_clean()

    # --- reading the form -----------------------------------------------------------------

    def snapshot(self) -> tuple:
        values = [self.query_one(MemberPicker).member_id]
        values += [
            self.query_one(f"#{n}", Input).value
            for n in (
                "on",
                "amount",
                "beneficiary",
                "note",
                "cash-reason",
                "scheme-ref",
                "visit-place",
                "recipients",
                "participants",
                "claim",
                "event-date",
                "hierarchy-reason",
                BACKDATE_REASON,
            )
        ]
        values += [
            self.query_one(f"#{n}", Select).value
            for n in ("category", "method", "relation", "student-kind", "award-kind")
        ]
        return tuple(values)

    def draft(self) -> tuple[DisbursementDraft, dict[str, str]]:
        """The draft as typed, and the fields that cannot be read (by field id)."""
        problems: dict[str, str] = {}

        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        def choice(name: str):
            value = self.query_one(f"#{name}", Select).value
            return None if value is Select.NULL else value

        on_day = None
        try:
            on_day = parse_date_field(text("on"), self.huzhu_app.today(), required=False)
        except ValueError as bad:
            problems["on"] = str(bad)
        amount = None
        if text("amount"):
            try:
                amount = parse_yuan(text("amount"))
            except HuzhuError as bad:
                problems["amount"] = bad.message_zh
        kind = choice("student-kind")
        category = choice("category")
        listed = category in LIST_CATEGORIES
        participants = claim_id = event_day = None
        if listed and text("participants"):
            if text("participants").isdigit():
                participants = int(text("participants"))
            else:
                problems["participants"] = "参与人数应为正整数"
        if category in CASE_CATEGORIES and text("claim"):
            if text("claim").isdigit():
                claim_id = int(text("claim"))
            else:
                problems["claim"] = "报案编号应为数字"
        if category in CASE_CATEGORIES:
            try:
                event_day = parse_date_field(text("event-date"), self.huzhu_app.today(), required=False)
            except ValueError as bad:
                problems["event-date"] = str(bad)
        role = "recipient" if category == "weather_goods" else choice("award-kind")
        draft = DisbursementDraft(
            member_id=self.query_one(MemberPicker).member_id,
            category=choice("category"),
            on=on_day,
            amount_fen=amount,
            method=choice("method"),
            note=text("note"),
            beneficiary=text("beneficiary") or None,
            relation=choice("relation"),
            cash_reason=text("cash-reason") or None,
            student_kind=None if kind == "ordinary" else kind,
            scheme_ref=text("scheme-ref") or None,
            budget_line_id=choice("budget"),
            visit_place=text("visit-place") or None,
            recipient_items=tuple(split_list(text("recipients"))) if listed else (),
            recipient_role=role,
            participants=participants if category == "activity_prize" else None,
            claim_id=claim_id,
            event_date=event_day,
            hierarchy_reason=text("hierarchy-reason") or None,
            backdate_reason=backdate_reason(self),
        )
        return draft, problems

    def show_field_errors(self, problems: dict[str, str]) -> None:
        for name in (
            "member",
            "category",
            "on",
            "amount",
            "method",
            "beneficiary",
            "note",
            "cash-reason",
            "student-kind",
            "scheme-ref",
            "budget",
            "visit-place",
            "recipients",
            "participants",
            "claim",
            "event-date",
            "hierarchy-reason",
        ):
            standing = self._budget_problem if name == "budget" else None
            self.field(name).set_error(problems.get(name) or standing)

    def _show_optional_fields(self) -> None:
        """Cash reason and place, student kind, scheme reference, the list of a batch or an
        activity and the facts of a case (R3.1) only where they apply."""
        draft, _ = self.draft()
        self.field("cash-reason").display = draft.method == "cash"
        self.field("visit-place").display = draft.method == "cash"
        self.field("student-kind").display = draft.category == "education_aid"
        self.field("scheme-ref").display = draft.category == "fee_subsidy"
        self.field("recipients").display = draft.category in LIST_CATEGORIES
        self.field("participants").display = draft.category == "activity_prize"
        self.field("award-kind").display = draft.category == "activity_prize"
        for name in ("claim", "event-date", "hierarchy-reason"):
            self.field(name).display = draft.category in CASE_CATEGORIES

    # --- live figures ---------------------------------------------------------------------

    @on(Input.Changed, "#on")
    def _on_changed(self, event: Input.Changed) -> None:
        show_backdate(self, event.value, self.huzhu_app.today())

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        # Goods and prizes are given in kind (R3.2): the usual method follows the category.
        if event.value in GOODS_CATEGORIES:
            self.query_one("#method", Select).value = "in_kind"

    @on(Input.Changed)
    @on(Select.Changed)
    @on(MemberPicker.Chosen)
    def _changed(self) -> None:
        self._show_optional_fields()
        on_day = self.draft()[0].on
        if on_day is not None and self._budget_year is not None and on_day.year != self._budget_year:
            self._load_budget(on_day.year)
        self.schedule_check()

    def live_check(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        self.run_db("previewed", preview, draft)

    def db_previewed(self, shown: Preview) -> None:
        lines = []
        if shown.allowance is not None:
            lines.append(f"额度：{shown.allowance.message}（{shown.allowance.citation.short}）")
        lines.append(f"发放方式：{shown.method_rule}")
        if shown.account_masked:
            lines.append(f"会员账户：{shown.account_masked}")
        elif self.query_one(MemberPicker).member_id is not None:
            lines.append(f"会员账户：未登记。{no_account_hint(self.app)}")
        if shown.budget is not None:
            lines.append(f"预算：{shown.budget.message}")
        if shown.report is not None:
            lines.append("")
            lines += [decision_line(d) for d in shown.report.decisions if d.severity.value != "info"]
            if shown.report.ok:
                lines.append("✓符合标准，可保存")
        self.query_one("#checks-text", Static).update("\n".join(lines))

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        if problems:
            self.query_one(StatusLine).show_error("请先改正标出的字段")
            return
        self.query_one(StatusLine).show_busy("正在保存…")
        self.run_db("saved", enter_disbursement, draft, self.huzhu_app.today())

    def db_saved(self, entered: Entered) -> None:
        self.mark_clean()
        self.notify(f"已录入支出 #{entered.disbursement_id}，待负责人审批", title="已保存")
        self.dismiss(entered.disbursement_id)

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "saved" and isinstance(error, RuleRefused):
            problems: dict[str, str] = {}
            for d in error.decisions:
                name = field_for(d.code)
                if name:
                    problems.setdefault(name, f"{d.message}（{d.citation}）")
            self.show_field_errors(problems)
            self.query_one("#checks-text", Static).update("\n".join(decision_line(d) for d in error.decisions))
            if any(d.code == "R3.2.not_own_account" for d in error.decisions):
                more = "；其他问题见标出的字段" if len(error.decisions) > 1 else ""
                self.query_one(StatusLine).show_error(f"未保存：{no_account_hint(self.app)}{more}")
            else:
                self.query_one(StatusLine).show_error("未保存：不符合支出标准，见标出的字段")
            return
        super().db_failed(tag, error)
