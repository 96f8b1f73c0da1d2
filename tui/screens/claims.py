"""报案登记: the claim register (docs/rules.md R2) — the list with its filters, the new-report form
with the preliminary check shown live, the lifecycle steps and the failed-direct-pay
follow-up. Everything the screens decide comes from ``models.claims`` (and so the rules);
the screens parse what was typed, run the services in thread workers and show the answers.

A report the preliminary check finds would not be paid as reported (``recorded_errors``) is
still recorded — the register holds every report received — after the clerk confirms in a
``FindingsDialog``; the list marks it ✗初审 and its detail shows what the check found.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, Select, SelectionList, Static

from models.backdating import backdated
from models.claims import (
    ACTIONS,
    ClaimDetail,
    ClaimDraft,
    ClaimFilter,
    Registered,
    RegisterPage,
    RegisterRow,
    check_draft,
    claim_detail,
    claim_register,
    correct_claim,
    last_reporter,
    record_direct_pay_step,
    register_claim,
    transition_claim,
)
from models.errors import RuleRefused, ValidationFailed
from rules import CHANNELS, INCIDENT_KINDS, Decision, Report, Severity, format_fen, ruleset_on
from rules.claims import CLAIM_STATES, DIRECT_PAY_STEPS, REGISTER_FIELDS, recorded_errors, register_blockers
from tui.screens.claim_findings import FindingsDialog
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
from tui.screens.register import RegisterScreen
from tui.widgets import StatusLine
from tui.widgets.columns import Cell, Col
from tui.widgets.ticks import TickList

KIND_NAMES = {"illness": "疾病", "accident": "意外"}
#: The form field beside which a rule decision's message goes, by the decision's ``field``.
RULE_FIELDS = {
    "unit": "member",
    "member": "member",
    "diagnosis": "diagnosis",
    "plan": "plan",
    "shares_claimed": "shares",
    "reported_on": "reported-on",
    "reporter": "reporter",
    "incident_date": "incident-date",
    "incident_kind": "incident-kind",
    "claim_reported": "reported-on",
}
#: The reason each step asks for.
REASON_LABELS = {"return": "打回原因", "decline": "拒付原因"}
#: The register's mark (提示 column) for a report recorded with an error of the preliminary check.
FLAG = "✗初审"
#: The register's columns: at 80 columns the unit's code, the member, the state and the marks
#: stay whole, the diagnosis is cut and the unit name and plan make room; at 120 all are shown.
REGISTER_COLUMNS = (
    Col("编号"),
    Col("报案日期"),
    Col("单位", 1),
    Col("单位名称", 4, "distinct", min_width=10, max_width=24),
    Col("出险人", 0, "end", min_width=8),
    Col("险种", 5, "end", min_width=8, max_width=16),
    Col("诊断", 3, "end", min_width=10, max_width=20),
    Col("份", 2, justify="right"),
    Col("状态"),
    Col("提示"),
)


def plan_names(today: date) -> dict[str, str]:
    return {code: params.name for code, params in ruleset_on(today).plans.items()}


def report_lines(report: Report) -> str:
    """Errors first, then warnings, then what passed: the order a clerk should read them.
    The register fields still empty (R2.1) make one line, not one each."""
    order = {"error": 0, "warning": 1, "info": 2}
    missing = [d for d in report.decisions if d.code == "R2.1.missing_field"]
    decisions = sorted((d for d in report.decisions if d not in missing), key=lambda d: order[d.severity.value])
    lines = [decision_line(d) for d in decisions]
    if missing:
        names = "、".join(REGISTER_FIELDS[d.data["field"]] for d in missing)
        lines.insert(0, f"✗尚未填写：{names}（{missing[0].citation.short}）")
    return "\n".join(lines)


def finding_lines(findings: list[Decision] | None) -> list[str]:
    """What the preliminary check found when the report was registered, errors first, each
    with its article; nothing for a report without findings (or registered before they
    were kept)."""
    if not findings:
        return []
    lines = [decision_line(d) for d in findings]
    lines[0] = f"初审：{lines[0]}"
    return lines


# --- the register -----------------------------------------------------------------------------


def register_marks(row: RegisterRow, backdated: bool) -> list[str]:
    """The 提示 column: ✗初审, overdue, an open direct-pay item, back-dated, and a claim of
    which only some shares would be paid (``rules.claims.claim_payable``: 可付 1/3)."""
    marks = [FLAG] if row.flagged else []
    if row.partly_payable and row.payable is not None:
        marks.append(f"可付{row.payable.data['payable']}/{row.payable.data['claimed']}")
    if row.overdue is not None and row.overdue.outcome == "overdue":
        marks.append("逾期")
    if row.direct_pay_open:
        marks.append("直赔")
    if backdated:
        marks.append("补录")
    return marks


def history_lines(detail: ClaimDetail, names: dict[str, str], backdated_note: str | None = None) -> list[str]:
    """A claim whole, for Enter on the register: who and what, every lifecycle step with its
    date, clerk, reason and benefit, the corrections, the preliminary check's findings, the
    shares payable, and each failed direct payment's steps with their dates."""
    lines = [
        f"出险人：{detail.member_name} {detail.id_masked}",
        f"单位：{detail.unit_code} {detail.unit_name}",
        f"险种：{names.get(detail.plan, detail.plan)}（{detail.plan}）  申报 {detail.shares_claimed} 份",
        f"诊断：{detail.diagnosis}（{KIND_NAMES.get(detail.incident_kind, detail.incident_kind)}）"
        f"  出险日期 {detail.incident_date.isoformat()}",
        f"报案日期 {detail.report_date.isoformat()}  报案人 {detail.reporter}"
        f"  渠道 {CHANNELS.get(detail.channel, detail.channel)}",
        f"已收资料：{'、'.join(detail.materials) or '无'}",
    ]
    if backdated_note:
        lines.append(backdated_note)
    if detail.payable is not None:
        lines.append(f"可给付：{decision_line(detail.payable)}")
    lines += ["", "经过："]
    for e in detail.events:
        step = f"  {e.on.isoformat()} {CLAIM_STATES[e.state]}（{e.clerk}）"
        if e.note:
            step += f" {e.note}"
        if e.amount_fen:
            step += f" 互助金 {format_fen(e.amount_fen)}"
        lines.append(step)
    if detail.overdue is not None and detail.overdue.outcome == "overdue":
        lines.append(f"  {decision_line(detail.overdue)}")
    if detail.corrections:
        lines += ["", "更正："]
        lines += [f"  {c.summary}" for c in detail.corrections]
    if detail.findings:
        lines += ["", "初审发现："]
        lines += [f"  {decision_line(d)}" for d in detail.findings]
    for item in detail.direct_pay:
        lines += ["", f"直赔失败跟进 #{item.id}："]
        lines += [f"  {on.isoformat()} {DIRECT_PAY_STEPS.get(step, step)}" for step, on in item.steps]
        if item.account_masked:
            lines.append(f"  更正账号 {item.account_masked}")
        if item.note:
            lines.append(f"  失败原因：{item.note}")
        lines.append(f"  {decision_line(item.status)}")
    return lines


def register_with_marks(filters: ClaimFilter, today: date) -> tuple[RegisterPage, dict[int, str]]:
    """The register page and, by claim id, the reason of each report entered back-dated
    (rules.check_entry_date): the register shows them as 补录."""
    page = claim_register(filters, today)
    return page, {i: mark.reason for i, mark in backdated("claim_report", [r.id for r in page.rows]).items()}


def detail_with_mark(claim_id: int, today: date) -> tuple[ClaimDetail, str | None]:
    mark = backdated("claim_report", [claim_id]).get(claim_id)
    return claim_detail(claim_id, today), (
        f"报案日期为补录（{mark.recorded_on} 由 {mark.by_user} 录入，理由：{mark.reason}）" if mark else None
    )


class ClaimsScreen(RegisterScreen):
    """The claim register, newest report first; the highlighted claim's history below, its whole
    history on Enter, and the steps its state allows as keys."""

    CSS_PATH = "claims.tcss"
    TABLE_ID = "claim-table"
    DETAIL_ID = "claim-detail"
    DETAIL_TITLE = "报案详情"
    COLUMNS = REGISTER_COLUMNS
    BINDINGS = [
        Binding("n", "new", "新报案", id="claims.new"),
        Binding("c", "correct", "更正", id="claims.correct"),
        Binding("s", "step('submit')", "上报", id="claims.submit"),
        Binding("r", "step('return')", "打回", id="claims.return"),
        Binding("u", "step('resubmit')", "重新上报", id="claims.resubmit"),
        Binding("j", "step('settle')", "结案给付", id="claims.settle"),
        Binding("d", "step('decline')", "拒付", id="claims.decline"),
        Binding("p", "direct_pay", "直赔跟进", id="claims.direct_pay"),
        Binding("f5", "refresh", "刷新", id="claims.refresh"),
    ]

    def __init__(self, select: int | None = None, returned_by_office: str | None = None) -> None:
        """``select``: a claim to highlight once the list is read (from a 待办 line);
        ``returned_by_office``: the text of the office's notice that it returned that claim: once
        the claim is shown, the return is offered with the notice's text as its reason."""
        super().__init__(select)
        self._offer_return: tuple[int, str] | None = (
            (select, returned_by_office) if select is not None and returned_by_office is not None else None
        )
        self.sub_title = "报案登记"
        self.detail: ClaimDetail | None = None
        self._backdated_note: str | None = None

    def compose_filters(self) -> ComposeResult:
        today = self.huzhu_app.today()
        yield Input(placeholder="姓名或证号尾号", id="f-member", compact=True)
        yield Select(
            [(name, code) for code, name in CLAIM_STATES.items()], prompt="全部状态", id="f-state", compact=True
        )
        yield Input(placeholder="单位", id="f-unit", compact=True)
        yield Select(
            [(name, code) for code, name in plan_names(today).items()], prompt="全部险种", id="f-plan", compact=True
        )
        yield Input(placeholder="报案起", id="f-from", compact=True)
        yield Input(placeholder="报案止", id="f-to", compact=True)
        yield Select([("仅逾期", "overdue"), ("直赔待办", "direct_pay")], prompt="全部", id="f-flag", compact=True)

    # --- the list -------------------------------------------------------------------------

    def filters(self) -> ClaimFilter | None:
        today = self.huzhu_app.today()
        try:
            date_from = parse_date_field(self.query_one("#f-from", Input).value, today, required=False)
            date_to = parse_date_field(self.query_one("#f-to", Input).value, today, required=False)
        except ValueError as bad:
            self.query_one(StatusLine).show_error(f"筛选日期有误：{bad}")
            return None
        state = self.query_one("#f-state", Select).value
        plan = self.query_one("#f-plan", Select).value
        flag = self.query_one("#f-flag", Select).value
        return ClaimFilter(
            state=None if state is Select.NULL else str(state),
            unit=self.query_one("#f-unit", Input).value.strip() or None,
            plan=None if plan is Select.NULL else str(plan),
            date_from=date_from,
            date_to=date_to,
            overdue_only=flag == "overdue",
            direct_pay_open=flag == "direct_pay",
            member=self.query_one("#f-member", Input).value.strip() or None,
        )

    def register_query(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
        filters = self.filters()
        if filters is None:
            return None
        return register_with_marks, (filters, self.huzhu_app.today()), {}

    def register_rows(self, loaded: tuple[RegisterPage, dict[int, str]]) -> list[tuple[Hashable, Sequence[Cell]]]:
        page, backdated_ids = loaded
        names = plan_names(self.huzhu_app.today())
        return [
            (
                row.id,
                (
                    str(row.id),
                    row.report_date.isoformat(),
                    row.unit_code,
                    row.unit_name,
                    row.member_name,
                    names.get(row.plan, row.plan),
                    row.diagnosis,
                    str(row.shares_claimed),
                    row.state_name,
                    " ".join(register_marks(row, row.id in backdated_ids)),
                ),
            )
            for row in page.rows
        ]

    def register_summary(self, loaded: tuple[RegisterPage, dict[int, str]]) -> tuple[str, bool]:
        page, _ = loaded
        if page.truncated:
            return f"只显示最近 {len(page.rows)} 条，请用上方条件缩小范围", True
        if not page.rows:
            return "没有符合条件的报案；按 n 登记新报案", False
        return f"共 {len(page.rows)} 条；回车查看所选报案的全部经过", False

    def highlight(self, key: int | None) -> None:
        if key is None:
            self.show_detail(None)
        else:
            self.run_db("detail", detail_with_mark, key, self.huzhu_app.today())

    def db_detail(self, loaded: tuple[ClaimDetail, str | None]) -> None:
        detail, self._backdated_note = loaded
        self.show_detail(detail)
        if self._offer_return is not None and self._offer_return[0] == detail.id:
            _, reason = self._offer_return
            self._offer_return = None
            if "return" in detail.actions:
                self.action_step("return", reason=f"办事处通知：{reason}")
            else:
                self.query_one(StatusLine).update(
                    f"办事处通知此案已打回；本案当前为{CLAIM_STATES[detail.state]}，不能再记录打回"
                )

    def show_detail(self, detail: ClaimDetail | None) -> None:
        self.detail = detail
        self.refresh_bindings()
        box = self.query_one("#claim-detail", Static)
        box.set_class(bool(detail and detail.findings), "with-findings")
        if detail is None:
            box.update("")
            return
        history = " → ".join(
            f"{CLAIM_STATES[e.state]} {e.on.isoformat()}{'（' + e.note + '）' if e.note else ''}"
            f"{' ' + format_fen(e.amount_fen) if e.amount_fen else ''}"
            for e in detail.events
        )
        notes = [detail.payable.message] if detail.payable and detail.payable.outcome != "payable" else []
        notes += [detail.overdue.message] if detail.overdue and detail.overdue.outcome == "overdue" else []
        notes += [item.status.message for item in detail.direct_pay]
        if self._backdated_note:
            notes.append(self._backdated_note)
        box.update(
            "\n".join(
                [
                    f"#{detail.id} {detail.member_name} {detail.id_masked} {detail.unit_code} {detail.unit_name}",
                    f"{plan_names(self.huzhu_app.today()).get(detail.plan, detail.plan)} {detail.shares_claimed}份 "
                    f"{detail.diagnosis}（{KIND_NAMES[detail.incident_kind]}）出险 {detail.incident_date} "
                    f"报案人 {detail.reporter} {CHANNELS.get(detail.channel, detail.channel)}",
                    history,
                    *(c.summary for c in detail.corrections),
                    *finding_lines(detail.findings),
                    *notes,
                ]
            )
        )

    def whole_record(self) -> tuple[str, list[str]] | None:
        # The detail is read after the cursor moves: not the record of a row it has just left.
        if self.detail is None or str(self.detail.id) != self.table.cursor_key():
            return None
        return f"报案 #{self.detail.id} 全部经过", history_lines(
            self.detail, plan_names(self.huzhu_app.today()), self._backdated_note
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            return self.detail is not None and parameters[0] in self.detail.actions
        if action == "direct_pay":
            return self.detail is not None and self.detail.direct_pay_next is not None
        if action == "correct":
            # Only before submission (R2.3); after it, the office's return and the resubmission.
            return self.detail is not None and self.detail.state == "registered"
        return True

    # --- actions --------------------------------------------------------------------------

    def action_new(self) -> None:
        if writable(self):
            self.app.push_screen(ClaimFormScreen(), self._after_form)

    def _after_form(self, claim_id: int | None) -> None:
        if claim_id is not None:
            self._select_after_load = claim_id
        self.reload()

    def action_step(self, action: str, reason: str = "") -> None:
        detail = self.detail
        if detail is None or action not in detail.actions or not writable(self):
            return
        today = self.huzhu_app.today()
        name = ACTIONS[action][1]
        fields = [DialogField("on", f"{name}日期", "date", today.isoformat())]
        if action in REASON_LABELS:
            fields.append(DialogField("reason", REASON_LABELS[action], default=reason))
        if action == "settle":
            fields.append(DialogField("amount", "互助金(元)", "yuan"))
        intro = (
            f"报案 #{detail.id} {detail.member_name} {plan_names(today).get(detail.plan, detail.plan)} {detail.diagnosis}\n"
            f"当前：{CLAIM_STATES[detail.state]}，将记为：{name}"
        )
        if detail.flagged:
            intro += "\n" + "\n".join(finding_lines([d for d in detail.findings if d.severity is Severity.ERROR]))

        def submit(values: dict) -> object:
            return transition_claim(
                detail.id, action, values["on"], reason=values.get("reason"), benefit_fen=values.get("amount")
            )

        self.app.push_screen(StepDialog(name, intro, fields, submit, today), self._after_step)

    def action_correct(self) -> None:
        """Correct a registered claim (R2.3, R9.3): the fields as registered, changed where
        wrong, and the reason; the old values stay in the claim's history."""
        detail = self.detail
        if detail is None or detail.state != "registered" or not writable(self):
            return
        today = self.huzhu_app.today()
        names = plan_names(today)
        current = {
            "plan": detail.plan,
            "diagnosis": detail.diagnosis,
            "incident_date": detail.incident_date,
            "shares_claimed": detail.shares_claimed,
            "reporter": detail.reporter,
        }
        fields = [
            DialogField("diagnosis", "主要诊断", default=detail.diagnosis),
            DialogField("shares_claimed", "申报份数", default=str(detail.shares_claimed)),
            DialogField("incident_date", "出险日期", "date", detail.incident_date.isoformat()),
            DialogField("reporter", "报案人", default=detail.reporter),
            DialogField("plan", "险种", default=names.get(detail.plan, detail.plan)),  # by name; a code works too
            DialogField("reason", "更正原因"),
        ]
        intro = (
            f"报案 #{detail.id} {detail.member_name}（登记，尚未上报）\n"
            "改正有误的项目并写明原因；原值保留在报案记录中。上报后只能经办事处打回、重新上报"
        )

        by_name = {name: code for code, name in names.items()}

        def submit(values: dict) -> object:
            text = (values.get("shares_claimed") or "").strip()
            if not text.isdigit():
                raise ValidationFailed(f"申报份数应为正整数：{text}", "shares must be a positive whole number")
            plan_typed = (values.get("plan") or "").strip()
            typed = {
                "diagnosis": values.get("diagnosis") or "",
                "shares_claimed": int(text),
                "incident_date": values["incident_date"],
                "reporter": values.get("reporter") or "",
                "plan": by_name.get(plan_typed, plan_typed.upper()),
            }
            changes = {k: v for k, v in typed.items() if v != current[k]}
            return correct_claim(detail.id, changes, values.get("reason"), today).decision

        self.app.push_screen(StepDialog("更正报案", intro, fields, submit, today), self._after_step)

    def action_direct_pay(self) -> None:
        detail = self.detail
        if detail is None or detail.direct_pay_next is None or not writable(self):
            return
        today = self.huzhu_app.today()
        step = detail.direct_pay_next
        fields = [DialogField("on", "日期", "date", today.isoformat())]
        if step == "notice":
            fields.append(DialogField("note", "失败原因"))
        if step == "corrected":
            fields.append(DialogField("account", "更正账号"))
        intro = f"报案 #{detail.id} {detail.member_name} 直赔失败跟进\n本步：{DIRECT_PAY_STEPS[step]}"

        def submit(values: dict) -> object:
            return record_direct_pay_step(
                detail.id, step, values["on"], account=values.get("account"), note=values.get("note")
            )

        self.app.push_screen(
            StepDialog(f"直赔失败：{DIRECT_PAY_STEPS[step]}", intro, fields, submit, today), self._after_step
        )

    def _after_step(self, decision: object) -> None:
        if decision is not None:
            self.notify(decision.message, title="已保存")
            self.reload()


# --- the new-report form ----------------------------------------------------------------------


class ClaimFormScreen(FormScreen):
    """A new claim report. The preliminary check (R2.1, R2.2, R2.5) runs in a worker a
    moment after each change and is shown on the right. Ctrl+S checks once more, then: an
    entry that is incomplete or wrong (``register_blockers``) is refused beside its fields;
    one the check finds would not be paid as reported (``recorded_errors``) is recorded
    after the clerk confirms in a ``FindingsDialog``; anything else is recorded at once.
    Dismisses with the new claim's id. The reporter starts as the one of the user's last
    report; Ctrl+T ticks every material (or, when all are ticked, none)."""

    BINDINGS = [Binding("ctrl+t", "tick_all", "全部资料", id="claim_form.tick_all")]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "报案登记 › 新报案"

    def compose(self) -> ComposeResult:
        today = self.huzhu_app.today()
        yield Header()
        with Horizontal(classes="form-body"):
            with VerticalScroll(classes="form-column", id="claim-form", can_focus=False):
                yield MemberPicker("出险人")
                yield Field(
                    "申报险种",
                    Select([(n, c) for c, n in plan_names(today).items()], prompt="请选择", id="plan", compact=True),
                    id="plan-field",
                )
                yield Field("主要诊断", Input(id="diagnosis", compact=True), id="diagnosis-field")
                yield Field(
                    "出险类型",
                    Select(
                        [(KIND_NAMES[k], k) for k in INCIDENT_KINDS],
                        allow_blank=False,
                        id="incident-kind",
                        compact=True,
                    ),
                    id="incident-kind-field",
                )
                yield Field(
                    "出险日期",
                    Input(placeholder="2026-11-23 或 今天", id="incident-date", compact=True),
                    id="incident-date-field",
                )
                yield Field("申报份数", Input(id="shares", restrict=r"\d*", compact=True), id="shares-field")
                yield Field(
                    "报案日期", Input(today.isoformat(), id="reported-on", compact=True), id="reported-on-field"
                )
                yield backdate_field()
                yield Field("报案人", Input(id="reporter", compact=True), id="reporter-field")
                yield Field(
                    "申报渠道",
                    Select(
                        [(n, c) for c, n in CHANNELS.items()],
                        value="paper",
                        allow_blank=False,
                        id="channel",
                        compact=True,
                    ),
                    id="channel-field",
                )
                yield Label("已收申报资料（空格勾选，Ctrl+T 全部）", classes="form-label-wide")
                yield TickList(id="materials", compact=True)
            with VerticalScroll(classes="checks panel", id="claim-checks") as checks:
                checks.border_title = "初步审核"
                yield Static("选择出险人和险种后，这里显示初步审核结果", id="checks-text")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#member-query", Input).focus()
        self.mark_clean()
        session = self.huzhu_app.session
        if session is not None:
            self.run_db("last_reporter", last_reporter, session.user)

    def db_last_reporter(self, reporter: str | None) -> None:
        field = self.query_one("#reporter", Input)
        if reporter and not field.value:
            clean = not self.dirty
            field.value = reporter
            if clean:  # a value the form starts with is not a change to ask about on Esc
                self.mark_clean()

    def action_tick_all(self) -> None:
        materials = self.query_one("#materials", SelectionList)
        if materials.option_count and len(materials.selected) == materials.option_count:
            materials.deselect_all()
        else:
            materials.select_all()

    # --- reading the form -----------------------------------------------------------------

    def snapshot(self) -> tuple:
        values = [self.query_one(MemberPicker).member_id]
        values += [
            self.query_one(f"#{name}", Input).value
            for name in ("diagnosis", "incident-date", "shares", "reported-on", "reporter", BACKDATE_REASON)
        ]
        values += [self.query_one(f"#{name}", Select).value for name in ("plan", "incident-kind", "channel")]
        values.append(tuple(sorted(self.query_one("#materials", SelectionList).selected)))
        return tuple(values)

    def draft(self) -> tuple[ClaimDraft, dict[str, str]]:
        """The draft as typed, and the fields that cannot be read (by field id)."""
        today = self.huzhu_app.today()
        problems: dict[str, str] = {}

        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        def day(name: str) -> date | None:
            try:
                return parse_date_field(text(name), today, required=False)
            except ValueError as bad:
                problems[name] = str(bad)
                return None

        shares = int(text("shares")) if text("shares") else None
        plan = self.query_one("#plan", Select).value
        draft = ClaimDraft(
            member_id=self.query_one(MemberPicker).member_id,
            plan=None if plan is Select.NULL else plan,
            diagnosis=text("diagnosis") or None,
            incident_kind=self.query_one("#incident-kind", Select).value,
            incident_date=day("incident-date"),
            shares_claimed=shares,
            reported_on=day("reported-on"),
            reporter=text("reporter") or None,
            channel=self.query_one("#channel", Select).value,
            materials=frozenset(self.query_one("#materials", SelectionList).selected),
            backdate_reason=backdate_reason(self),
        )
        return draft, problems

    def show_field_errors(self, problems: dict[str, str]) -> None:
        for name in (
            "member",
            "plan",
            "diagnosis",
            "incident-kind",
            "incident-date",
            "shares",
            "reported-on",
            "reporter",
        ):
            self.field(name).set_error(problems.get(name))

    # --- live check -----------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(MemberPicker.Chosen)
    def _changed(self) -> None:
        self.schedule_check()

    @on(Input.Changed, "#reported-on")
    def _reported_on_changed(self, event: Input.Changed) -> None:
        show_backdate(self, event.value, self.huzhu_app.today())

    @on(Select.Changed, "#plan")
    def _plan_changed(self, event: Select.Changed) -> None:
        materials = self.query_one("#materials", SelectionList)
        materials.clear_options()
        params = None if event.value is Select.NULL else ruleset_on(self.huzhu_app.today()).plan(event.value)
        if params is not None:
            materials.add_options([(m, m) for m in params.required_materials])

    def live_check(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        self.run_db("checked", check_draft, draft, self.huzhu_app.today())

    def db_checked(self, report: Report) -> None:
        self.query_one("#checks-text", Static).update(report_lines(report))

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        if problems:
            self.query_one(StatusLine).show_error("请先改正标出的字段")
            return
        self.query_one(StatusLine).show_busy("正在初审…")
        self.run_db("prechecked", self._precheck, draft, self.huzhu_app.today())

    @staticmethod
    def _precheck(draft: ClaimDraft, today: date) -> tuple[ClaimDraft, Report]:
        return draft, check_draft(draft, today)

    def db_prechecked(self, checked: tuple[ClaimDraft, Report]) -> None:
        draft, report = checked
        self.query_one("#checks-text", Static).update(report_lines(report))
        blockers = register_blockers(report)
        if blockers:
            self.show_refusal(blockers)
            return
        errors = recorded_errors(report)
        if not errors:
            self.register(draft)
            return
        self.query_one(StatusLine).show_busy("初审发现问题，请确认是否仍要登记")

        def answered(register: bool | None) -> None:
            if register:
                self.register(draft)
            else:
                self.query_one(StatusLine).show_error("未登记：可修改后按 Ctrl+S 重新保存")

        self.app.push_screen(FindingsDialog(errors), answered)

    def register(self, draft: ClaimDraft) -> None:
        self.query_one(StatusLine).show_busy("正在保存…")
        self.run_db("saved", register_claim, draft, self.huzhu_app.today())

    def db_saved(self, registered: Registered) -> None:
        warnings = len(registered.report.warnings)
        self.mark_clean()
        if registered.flagged:
            self.notify(
                f"已登记报案 #{registered.claim_id}，初审发现问题：按所报内容将不予给付（登记簿标为 {FLAG}）",
                title="已保存",
                severity="warning",
            )
        else:
            self.notify(
                f"已登记报案 #{registered.claim_id}" + (f"，有 {warnings} 条提示请跟进" if warnings else ""),
                title="已保存",
            )
        self.dismiss(registered.claim_id)

    def show_refusal(self, decisions: tuple[Decision, ...]) -> None:
        """An entry the register cannot take: each message beside its field, all on the right."""
        self.show_field_errors(
            {RULE_FIELDS[d.data["field"]]: d.message for d in decisions if d.data.get("field") in RULE_FIELDS}
        )
        self.query_one("#checks-text", Static).update("\n".join(decision_line(d) for d in decisions))
        self.query_one(StatusLine).show_error("未保存：初步审核有错误，见右侧")

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "saved" and isinstance(error, RuleRefused):
            self.show_refusal(error.decisions)
            return
        super().db_failed(tag, error)
