"""交接记录: past handovers with their reporting status, and the guided form for a new one
(docs/rules.md R4, R4.1–R4.3).

The form walks the clerks through what 000 第十六条8 asks: who hands over to whom before
which supervisor, every checklist item of the rule set, the open work the program lists
from the registers (the incoming clerk confirms it), both clerks' confirmation, the
business-system account forms, and, when the outgoing clerk used this program, the removal
of their key slot (a supervisor's step, confirmed in a dialog first; afterwards the screen
recommends ``huzhu rekey``, because a removed slot does not change the key the clerk could
have copied). The rules' verdict and the reporting deadline show beside the form as it is
filled; ``models.handover`` decides and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Footer, Header, Input, Select, Static

from models import clock
from models.errors import RuleRefused
from models.handover import (
    OPEN_WORK_KINDS,
    Completed,
    FormChoices,
    HandoverDraft,
    HandoverPreview,
    HandoverSummary,
    ItemEntry,
    OpenWorkItem,
    checklist,
    complete_handover,
    counts_text,
    form_choices,
    list_handovers,
    mark_reported,
    open_work,
    preview,
)
from tui.screens.forms import (
    BACKDATE_REASON,
    ConfirmDialog,
    DialogField,
    Field,
    FormScreen,
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
from tui.widgets.ticks import Tick

#: Reporting status of a handover as the list's column shows it, by the rule's outcome.
REPORT_TAGS = {"due": "待上报", "overdue": "已超期", "reported": "已上报", "reported_late": "逾期上报"}
#: The list's columns: names are cut (whole on Enter) before the dates and the reporting status.
LIST_COLUMNS = (
    Col("编号"),
    Col("交接日期"),
    Col("移交人", 0, "end", min_width=6),
    Col("接交人", 0, "end", min_width=6),
    Col("监交人", 1, "end", min_width=6),
    Col("上报办事处"),
)
#: The form field beside which a refusal goes, by reason code (a missing person names its own).
CODE_FIELDS = {
    "R4.1.same_person": "incoming",
    "R4.1.supervisor_is_outgoing": "supervisor",
    "R4.1.items_missing": "items",
    "R4.1.open_work_not_acknowledged": "incoming-confirm",
}
#: Open-work lines listed beside the form per kind; the counts are always complete.
OPEN_WORK_LISTED = 8
REKEY_ADVICE = "已撤销用户 {user} 的密钥槽。建议负责人尽快运行 huzhu rekey 更换数据库密钥（其可能留有旧密钥的副本）"


def detail_lines(row: HandoverSummary) -> list[str]:
    """A handover as the detail panel shows it: who, whether confirmed, reporting, open work, items."""
    items = "、".join(f"{item_text(name, description)}×{quantity}" for name, description, quantity in row.items)
    return [
        f"#{row.id} {row.on} {row.outgoing} 移交 {row.incoming}，{row.supervisor} 监交；"
        f"{'双方已确认' if row.confirmed else '未经双方确认'}（录入 {row.created_by}）",
        decision_line(row.status),
        f"未办结事项：{counts_text(row.open_work)}",
        *([f"备注：{row.note}"] if row.note else []),
        f"清单：{items or '无'}",
    ]


def item_text(name: str, description: str) -> str:
    """A checklist item for the detail panel: its description, named by its item unless the
    description already starts with the item's name."""
    return description if description.startswith(name) else f"{name}：{description}"


class HandoverScreen(RegisterScreen):
    """Past handovers, newest first; the highlighted one's items, open work and reporting
    status below (whole on Enter)."""

    CSS_PATH = "handover.tcss"
    TABLE_ID = "handover-table"
    DETAIL_ID = "handover-detail"
    DETAIL_TITLE = "交接详情"
    COLUMNS = LIST_COLUMNS
    BINDINGS = [
        Binding("n", "new", "新建交接", id="handover.new"),
        Binding("r", "report", "记录上报日期", id="handover.report"),
        Binding("f5", "refresh", "刷新", id="handover.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "交接记录"
        self.rows: dict[int, HandoverSummary] = {}
        self.current: HandoverSummary | None = None
        self._after_load = ""

    def register_query(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None:
        return list_handovers, (self.huzhu_app.today(),), {}

    def register_rows(self, handovers: list[HandoverSummary]) -> list[tuple[Hashable, Sequence[Cell]]]:
        self.rows = {h.id: h for h in handovers}
        return [
            (
                h.id,
                (
                    str(h.id),
                    h.on.isoformat(),
                    h.outgoing,
                    h.incoming,
                    h.supervisor,
                    f"{REPORT_TAGS.get(h.status.outcome, '')} {h.reported_on or ''}".strip(),
                ),
            )
            for h in handovers
        ]

    def register_summary(self, handovers: list[HandoverSummary]) -> tuple[str, bool]:
        text, self._after_load = self._after_load, ""
        if text:
            return text, False
        return (f"共 {len(handovers)} 次交接" if handovers else "还没有交接记录；按 n 新建"), False

    def highlight(self, key: int | None) -> None:
        self.show_row(None if key is None else self.rows.get(key))

    def show_row(self, row: HandoverSummary | None) -> None:
        self.current = row
        self.refresh_bindings()
        self.show_detail_lines(detail_lines(row) if row is not None else [])

    def whole_record(self) -> tuple[str, list[str]] | None:
        row = self.current
        if row is None:
            return None
        lines = detail_lines(row)[:-1]
        lines += ["清单："] + [
            f"  {item_text(name, description)}×{quantity}" for name, description, quantity in row.items
        ]
        return f"交接记录 #{row.id}", lines

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "report":
            return self.current is not None and self.current.reported_on is None
        return True

    def action_new(self) -> None:
        if writable(self):
            self.app.push_screen(HandoverFormScreen(), self._after_form)

    def _after_form(self, done: Completed | None) -> None:
        if done is not None:
            text = f"交接记录 #{done.handover_id} 已保存：{done.deadline.message}"
            if done.revoked:
                text += "\n" + REKEY_ADVICE.format(user=done.revoked)
            self._after_load = text
            self._select_after_load = done.handover_id
        self.reload()

    def action_report(self) -> None:
        row = self.current
        if row is None or row.reported_on is not None or not writable(self):
            return
        today = self.huzhu_app.today()
        intro = f"#{row.id} {row.on} {row.outgoing} 移交 {row.incoming}\n{row.status.message}"
        self.app.push_screen(
            StepDialog(
                "记录上报日期",
                intro,
                [DialogField("on", "上报日期", "date", today.isoformat())],
                lambda values: mark_reported(row.id, values["on"], today),
                today,
            ),
            self._after_report,
        )

    def _after_report(self, decision: object) -> None:
        if decision is not None:
            self.notify(decision.message, title="已保存")
            self.reload()


class ItemRow(Horizontal):
    """One checklist item: ticked when handed over, how many, and what exactly."""

    DEFAULT_CSS = """
    ItemRow { height: 1; }
    ItemRow > Checkbox { width: 19; }
    ItemRow > .qty { width: 4; margin-right: 1; }
    ItemRow > .desc { width: 1fr; }
    """

    def __init__(self, code: str, label: str) -> None:
        super().__init__(id=f"item-{code}-row")
        self.code = code
        self.label = label

    def compose(self) -> ComposeResult:
        yield Tick(self.label, id=f"item-{self.code}", compact=True)
        yield Input("1", id=f"qty-{self.code}", classes="qty", compact=True, type="integer")
        yield Input(placeholder="名称、编号", id=f"desc-{self.code}", classes="desc", compact=True)


class Checklist(Vertical):
    """The rule set's checklist, one ``ItemRow`` per item, with one message line for all."""

    DEFAULT_CSS = """
    Checklist { height: auto; }
    """

    def __init__(self, items: dict[str, str]) -> None:
        super().__init__(id="items-field")
        self.items = items

    def compose(self) -> ComposeResult:
        yield Static("交接清单（逐项勾选，填数量和名称）", classes="form-heading")
        for code, label in self.items.items():
            yield ItemRow(code, label)
        yield Static("", classes="form-error")

    def set_error(self, text: str | None) -> None:
        message = self.query_one(".form-error", Static)
        message.update(text or "")
        message.display = bool(text)


class HandoverFormScreen(FormScreen):
    """A new handover. The right panel shows the rules' verdict and the reporting deadline as
    the form is filled, and the open work the program listed. Ctrl+S completes the handover
    (asking first when it revokes a user); dismisses with ``Completed``."""

    CSS_PATH = "handover.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "交接记录 › 新建交接"
        self.items: dict[str, str] = {}
        self.confirmed_at: dict[str, str | None] = {"outgoing-confirm": None, "incoming-confirm": None}
        self.accounts: FormChoices | None = None

    def compose(self) -> ComposeResult:
        today = self.huzhu_app.today()
        self.items = dict(checklist(today))
        yield Header()
        with Horizontal(classes="form-body"):
            with VerticalScroll(classes="form-column", id="handover-form", can_focus=False):
                yield Field("移交人", Input(id="outgoing", compact=True), id="outgoing-field")
                yield Field("接交人", Input(id="incoming", compact=True), id="incoming-field")
                yield Field("监交人", Input(id="supervisor", compact=True), id="supervisor-field")
                yield Field("交接日期", Input(today.isoformat(), id="on", compact=True), id="on-field")
                yield backdate_field()
                yield Field(
                    "上报日期", Input(placeholder="上报办事处后填写", id="reported", compact=True), id="reported-field"
                )
                yield Checklist(self.items)
                yield Static("双方确认", classes="form-heading")
                yield Field(
                    "", Tick("接交人已核对未办结事项", id="incoming-confirm", compact=True), id="incoming-confirm-field"
                )
                yield Field(
                    "", Tick("移交人确认已全部移交", id="outgoing-confirm", compact=True), id="outgoing-confirm-field"
                )
                yield Static("账号变更", classes="form-heading")
                yield Field(
                    "移交账号", Select([], prompt="无业务系统账号", id="account", compact=True), id="account-field"
                )
                yield Field(
                    "接交账号",
                    Input(placeholder="业务系统用户名（备案或变更）", id="incoming-username", compact=True),
                    id="incoming-username-field",
                )
                yield Field(
                    "撤销用户",
                    Select([], prompt="不撤销（移交人不用本程序）", id="revoke", compact=True),
                    id="revoke-field",
                )
                yield Field("备注", Input(id="note", compact=True), id="note-field")
            with VerticalScroll(classes="checks panel", id="handover-checks") as checks:
                checks.border_title = "检查与未办结事项"
                yield Static("填写三方姓名和日期后，这里显示交接是否完整和上报期限", id="checks-text")
                yield Static("正在列出未办结事项…", id="open-work-text")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#outgoing", Input).focus()
        self.mark_clean()
        self.run_db("choices", form_choices)
        self.run_db("open_work", open_work, self.huzhu_app.today())

    def db_choices(self, choices: FormChoices) -> None:
        self.accounts = choices
        self.query_one("#account", Select).set_options([(f"{a.name}（{a.username}）", a.id) for a in choices.accounts])
        self.query_one("#revoke", Select).set_options([(f"{user}（{role}）", user) for user, role in choices.users])
        self.mark_clean()

    def db_open_work(self, work: list[OpenWorkItem]) -> None:
        lines = [f"未办结事项（程序列出，共 {len(work)} 项）："]
        for kind, name in OPEN_WORK_KINDS.items():
            of_kind = [w for w in work if w.kind == kind]
            lines.append(f"{name} {len(of_kind)}")
            lines += [f"  {w.title}" for w in of_kind[:OPEN_WORK_LISTED]]
            if len(of_kind) > OPEN_WORK_LISTED:
                lines.append(f"  …另 {len(of_kind) - OPEN_WORK_LISTED} 项")
        self.query_one("#open-work-text", Static).update("\n".join(lines))

    # --- reading the form -----------------------------------------------------------------

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _choice(self, name: str):
        value = self.query_one(f"#{name}", Select).value
        return None if value is Select.NULL else value

    def snapshot(self) -> tuple:
        values: list = [
            self.query_one(f"#{n}", Input).value
            for n in (
                "outgoing",
                "incoming",
                "supervisor",
                "on",
                "reported",
                "incoming-username",
                "note",
                BACKDATE_REASON,
            )
        ]
        for code in self.items:
            values += [
                self.query_one(f"#item-{code}", Checkbox).value,
                self._text(f"qty-{code}"),
                self._text(f"desc-{code}"),
            ]
        values += [self.query_one(f"#{n}", Checkbox).value for n in self.confirmed_at]
        values += [self._choice("account"), self._choice("revoke")]
        return tuple(values)

    def draft(self) -> tuple[HandoverDraft, dict[str, str]]:
        """The draft as typed, and the fields that cannot be read (by field id)."""
        today = self.huzhu_app.today()
        problems: dict[str, str] = {}
        dates = {}
        for name in ("on", "reported"):
            try:
                dates[name] = parse_date_field(self._text(name), today, required=False)
            except ValueError as bad:
                problems[name] = str(bad)
                dates[name] = None
        items = {}
        for code, label in self.items.items():
            if not self.query_one(f"#item-{code}", Checkbox).value:
                continue
            qty = self._text(f"qty-{code}") or "1"
            if not qty.isdigit() or int(qty) < 1:
                problems["items"] = f"“{label}”的数量应为正整数"
                continue
            items[code] = ItemEntry(self._text(f"desc-{code}"), int(qty))
        draft = HandoverDraft(
            outgoing=self._text("outgoing"),
            incoming=self._text("incoming"),
            supervisor=self._text("supervisor"),
            on=dates["on"],
            reported_on=dates["reported"],
            items=items,
            outgoing_confirmed_at=self.confirmed_at["outgoing-confirm"],
            incoming_confirmed_at=self.confirmed_at["incoming-confirm"],
            outgoing_account_id=self._choice("account"),
            incoming_username=self._text("incoming-username"),
            revoke_user=self._choice("revoke"),
            note=self._text("note"),
            backdate_reason=backdate_reason(self),
        )
        return draft, problems

    def show_field_errors(self, problems: dict[str, str]) -> None:
        for name in ("outgoing", "incoming", "supervisor", "on", "reported", "outgoing-confirm", "incoming-confirm"):
            self.field(name).set_error(problems.get(name))
        self.query_one(Checklist).set_error(problems.get("items"))

    # --- live checks ----------------------------------------------------------------------

    @on(Checkbox.Changed, "#outgoing-confirm, #incoming-confirm")
    def _confirmed(self, event: Checkbox.Changed) -> None:
        """Each clerk's confirmation is stamped when it is ticked: the record says when."""
        self.confirmed_at[event.checkbox.id] = clock.stamp() if event.value else None

    @on(Input.Changed, "#outgoing")
    def _outgoing_typed(self, event: Input.Changed) -> None:
        """Pre-select the outgoing clerk's business-system account when one has their name."""
        if self.accounts is None or self._choice("account") is not None:
            return
        match = [a.id for a in self.accounts.accounts if a.name == event.value.strip()]
        if len(match) == 1:
            self.query_one("#account", Select).value = match[0]

    @on(Input.Changed, "#on")
    def _on_changed(self, event: Input.Changed) -> None:
        show_backdate(self, event.value, self.huzhu_app.today())

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.schedule_check()

    def live_check(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        self.run_db("previewed", preview, draft, self.huzhu_app.today())

    def db_previewed(self, shown: HandoverPreview) -> None:
        if shown.report is None:
            self.query_one("#checks-text", Static).update("请填写交接日期")
            return
        lines = [decision_line(d) for d in shown.report.decisions]
        if shown.deadline is not None:
            lines.append(decision_line(shown.deadline))
        self.query_one("#checks-text", Static).update("\n".join(lines))

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        draft, problems = self.draft()
        self.show_field_errors(problems)
        if problems:
            self.query_one(StatusLine).show_error("请先改正标出的字段")
            return
        if draft.revoke_user is None:
            self._submit(draft)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._submit(draft)

        self.app.push_screen(
            ConfirmDialog(
                f"完成交接时将撤销用户 {draft.revoke_user} 的密钥槽，此后该用户不能再打开本数据库。确定完成交接吗？"
            ),
            answered,
        )

    def _submit(self, draft: HandoverDraft) -> None:
        self.query_one(StatusLine).show_busy("正在保存…")
        self.run_db("saved", complete_handover, draft, self.huzhu_app.today())

    def db_saved(self, done: Completed) -> None:
        self.mark_clean()
        self.notify(f"交接记录 #{done.handover_id} 已保存", title="已保存")
        if done.revoked:
            self.notify(REKEY_ADVICE.format(user=done.revoked), title="请更换密钥", severity="warning", timeout=30)
        self.dismiss(done)

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "saved" and isinstance(error, RuleRefused):
            problems: dict[str, str] = {}
            for d in error.decisions:
                name = d.data.get("field") or CODE_FIELDS.get(d.code)
                name = "on" if name == "handover" else name  # the back-date rule names the date's kind
                if name:
                    problems.setdefault(name, f"{d.message}（{d.citation.short}）")
            self.show_field_errors(problems)
            self.query_one("#checks-text", Static).update("\n".join(decision_line(d) for d in error.decisions))
            self.query_one(StatusLine).show_error("未保存：交接不完整，见标出的字段")
            return
        super().db_failed(tag, error)
