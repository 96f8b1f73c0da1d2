"""What the business screens' forms share: database work in thread workers, a field row with
its message beside it, Ctrl+S to save, a confirmation before unsaved changes are dropped,
and a small dialog for one step of a register (a date and a reason, an amount …).

Database work: ``DbWork.run_db(tag, fn, ...)`` (``tui.workers.DbWorkers``) runs ``fn`` in a thread
worker and hands its value to ``db_<tag>(value)`` or its error to ``db_failed(tag, error)``; a
result that a newer run of the same tag has overtaken (a live check while the clerk types on) is
dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from models.errors import HuzhuError, PermissionDenied, RuleRefused, ValidationFailed
from models.lookup import find
from models.money import parse_yuan
from models.tabular import parse_user_date
from rules import Decision, Severity, mask_id
from tui.screens.base import OnHuzhuApp, SubScreen, huzhu_app
from tui.widgets import StatusLine
from tui.widgets.ticks import Tick
from tui.workers import DbWorkers, error_text

DATE_HINT = "日期应写作 2026-11-23、20261123 或 今天"
#: How long typing must pause before a live check runs (seconds).
DEBOUNCE = 0.3
#: Members listed by the picker; more means the clerk should type more of the name or number.
MATCH_LIMIT = 6
#: Enough digits to be (most of) an ID number rather than its last four.
_ID_LIKE = re.compile(r"\d{8}")
_MARKS = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "✓"}


class DbWork(DbWorkers, OnHuzhuApp):
    """Mixin for screens: database calls off the UI thread (``tui.workers.DbWorkers``), newest
    result per group wins; a failure goes to the screen's status line unless it says otherwise."""

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one(StatusLine).show_error(failure_text(error))


def failure_text(error: BaseException) -> str:
    """A refusal's messages with their articles, a permission or input problem as said, and
    for anything else only its kind (``tui.workers.error_text``)."""
    return error.message_zh if isinstance(error, HuzhuError) else error_text(error)


def decision_line(decision: Decision) -> str:
    """One rule decision for a narrow checks panel: a mark that reads without colour, the
    message, and the article (short form) for errors and warnings. No space after the mark:
    Chinese has no spaces to wrap at, so a space there would push the message to a new line."""
    text = f"{_MARKS[decision.severity]}{decision.message}"
    if decision.severity is not Severity.INFO:
        text += f"（{decision.citation.short}）"
    return text


def writable(screen: Widget) -> bool:
    """False (with the reason on the status line) when the user may only view: auditors and
    read-only sessions are told before they fill in a dialog the service would refuse."""
    try:
        huzhu_app(screen).session.require_write()
    except PermissionDenied as denied:
        screen.query_one(StatusLine).show_error(denied.message_zh)
        return False
    return True


class Field(Vertical):
    """A label, its field, and the field's message on the line below (hidden when empty)."""

    def __init__(self, label: str, field: Widget, *, id: str) -> None:
        super().__init__(id=id, classes="form-field")
        self._label = label
        self._field = field

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(self._label, classes="form-label")
            yield self._field
        yield Static("", classes="form-error")

    def set_error(self, text: str | None) -> None:
        message = self.query_one(".form-error", Static)
        message.update(text or "")
        message.display = bool(text)


def code_of(text: str | None, choices: Mapping[str, str], what: str) -> str:
    """A choice as typed in a dialog: its Chinese name (what the dialog shows and offers as the
    default) or its code (what the CLI takes)."""
    text = (text or "").strip()
    if text in choices:
        return text
    by_name = {name: code for code, name in choices.items()}
    if text in by_name:
        return by_name[text]
    listed = "、".join(choices.values())
    raise ValidationFailed(f"没有{what}“{text}”，可选：{listed}", f"no {what} {text!r}")


def parse_date_field(text: str, today: date, *, required: bool = True) -> date | None:
    """A typed date, or None when blank and optional; ValueError with the hint when bad."""
    if not text.strip():
        if required:
            raise ValueError("请填写日期")
        return None
    try:
        return parse_user_date(text, today)
    except ValueError:
        raise ValueError(DATE_HINT) from None


BACKDATE_REASON = "backdate-reason"


def backdate_field() -> Field:
    """The reason a supervisor gives for a date before today (rules.check_entry_date). Hidden
    until the date typed above it is earlier than today; see ``show_backdate``."""
    field = Field(
        "补录理由",
        Input(placeholder="日期早于今天时必填（仅负责人）", id=BACKDATE_REASON, compact=True),
        id=f"{BACKDATE_REASON}-field",
    )
    field.display = False
    return field


def show_backdate(screen: Widget, typed: str, today: date) -> None:
    """Show the back-date reason field when ``typed`` reads as a date before ``today``."""
    try:
        earlier = parse_user_date(typed, today) < today if typed.strip() else False
    except ValueError:
        earlier = False
    screen.query_one(f"#{BACKDATE_REASON}-field").display = earlier


def backdate_reason(screen: Widget) -> str | None:
    """The reason typed, when its field is shown."""
    field = screen.query_one(f"#{BACKDATE_REASON}-field")
    return (screen.query_one(f"#{BACKDATE_REASON}", Input).value.strip() or None) if field.display else None


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; dismisses with True for 确定 (Y), False for 取消 (N or Esc)."""

    BINDINGS = [
        Binding("y", "answer(True)", "确定", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "取消", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog panel") as box:
            box.border_title = "请确认"
            yield Static(self.question)
            yield Static("按 Y 确定，按 N 或 Esc 取消", classes="muted")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True)
class DialogField:
    """One field of a step dialog: ``kind`` is date, text, yuan (→ fen) or check (→ bool)."""

    name: str
    label: str
    kind: str = "text"
    default: str = ""
    required: bool = True


class StepDialog(DbWork, ModalScreen[object]):
    """One step of a register (上报, 打回, 审批, 发放 …): its fields, then ``submit(values)``
    on a worker thread. A refusal stays on the dialog with the rule's message; success
    dismisses with the service's result."""

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="dialog.save"),
        Binding("escape", "cancel", "取消", id="dialog.cancel"),
    ]

    def __init__(
        self, title: str, intro: str, fields: list[DialogField], submit: Callable[[dict], object], today: date
    ) -> None:
        super().__init__()
        self.title_text = title
        self.intro = intro
        self.fields = fields
        self.submit = submit
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog panel") as box:
            box.border_title = self.title_text
            yield Static(self.intro, classes="dialog-intro")
            for f in self.fields:
                widget = (
                    Tick(f.label, value=f.default == "1", id=f.name, compact=True)
                    if f.kind == "check"
                    else Input(f.default, id=f.name, compact=True)
                )
                yield Field("" if f.kind == "check" else f.label, widget, id=f"{f.name}-field")
            yield StatusLine()
        yield Footer()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        values: dict[str, object] = {}
        ok = True
        for f in self.fields:
            box = self.query_one(f"#{f.name}-field", Field)
            try:
                if f.kind == "check":
                    values[f.name] = self.query_one(f"#{f.name}", Checkbox).value
                    continue
                text = self.query_one(f"#{f.name}", Input).value
                if f.kind == "date":
                    values[f.name] = parse_date_field(text, self.today, required=f.required)
                elif f.kind == "yuan":
                    values[f.name] = parse_yuan(text)
                elif f.required and not text.strip():
                    raise ValueError(f"请填写{f.label}")
                else:
                    values[f.name] = text.strip() or None
                box.set_error(None)
            except (ValueError, HuzhuError) as exc:
                box.set_error(exc.message_zh if isinstance(exc, HuzhuError) else str(exc))
                ok = False
        if ok:
            self.query_one(StatusLine).show_busy("正在保存…")
            self.run_db("saved", self.submit, values)

    def db_saved(self, result: object) -> None:
        self.dismiss(result)

    def db_failed(self, tag: str, error: BaseException) -> None:
        lines = [decision_line(d) for d in error.decisions] if isinstance(error, RuleRefused) else [failure_text(error)]
        self.query_one(StatusLine).show_error("\n".join(lines))


class FormScreen(DbWork, SubScreen):
    """A new-record form: Tab/Shift+Tab through the fields, Ctrl+S saves, Esc asks before
    dropping what was typed. Subclasses give ``snapshot()`` (the fields' values) and
    ``save()``; changes schedule ``live_check()`` after a pause in typing."""

    BINDINGS = [Binding("ctrl+s", "save", "保存", id="form.save")]

    _initial: tuple = ()
    _check_timer: Timer | None = None

    def snapshot(self) -> tuple:
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError

    def live_check(self) -> None:
        raise NotImplementedError

    def mark_clean(self) -> None:
        self._initial = self.snapshot()

    @property
    def dirty(self) -> bool:
        return self.snapshot() != self._initial

    def schedule_check(self) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(DEBOUNCE, self.live_check)

    def field(self, name: str) -> Field:
        return self.query_one(f"#{name}-field", Field)

    def action_save(self) -> None:
        if writable(self):
            self.save()

    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(drop: bool | None) -> None:
            if drop:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("表单有未保存的修改，确定放弃并返回吗？"), answered)


class MemberPicker(DbWork, Vertical):
    """Choose a member by ID number, its last digits, name or pinyin initials
    (``models.lookup.find``): matches are listed with masked ID numbers; a single match is
    chosen at once, otherwise ↓ and Enter choose. Posts ``MemberPicker.Chosen``."""

    class Chosen(Message):
        def __init__(self, member_id: int | None) -> None:
            super().__init__()
            self.member_id = member_id

    def __init__(self, label: str, *, id: str = "member-picker") -> None:
        super().__init__(id=id)
        self.label = label
        self.member_id: int | None = None
        self._timer: Timer | None = None
        self._matches: dict[str, str] = {}
        self._masking = False
        self._searched = ""

    def compose(self) -> ComposeResult:
        yield Field(
            self.label,
            Input(placeholder="身份证号/后四位/姓名/拼音首字母", id="member-query", compact=True),
            id="member-field",
        )
        matches = OptionList(id="member-matches", classes="matches", compact=True)
        matches.display = False
        yield matches
        yield Static("未选择", id="member-chosen", classes="chosen muted")

    @on(Input.Changed, "#member-query")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._masking:
            self._masking = False
            return
        # A stray space (Tab then space, say) is not a new search: it must not drop the member
        # already chosen.
        if event.value.strip() == self._searched:
            return
        self._searched = event.value.strip()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self.run_db("found", find_members, event.value))

    def db_found(self, found: list[tuple[int, str]]) -> None:
        matches = self.query_one("#member-matches", OptionList)
        matches.clear_options()
        self._matches = {str(mid): label for mid, label in found}
        matches.add_options([Option(label, id=str(mid)) for mid, label in found])
        matches.display = len(found) > 1
        if len(found) == 1:
            self._choose(str(found[0][0]))
            self._hide_typed_number(found[0][1])
        elif self.member_id is not None and str(self.member_id) not in self._matches:
            self._choose(None)
        elif not found and self.query_one("#member-query", Input).value.strip():
            self.query_one("#member-chosen", Static).update("没有找到该会员")

    def _hide_typed_number(self, label: str) -> None:
        """A full ID number typed to find the member does not stay on screen: once it has
        found them, the field shows their name instead (without searching again)."""
        query = self.query_one("#member-query", Input)
        if _ID_LIKE.search(query.value):
            self._masking = True
            query.value = label.split(" ", 1)[0]
            self._searched = query.value.strip()

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one("#member-chosen", Static).update(f"查找失败：{failure_text(error)}")

    @on(OptionList.OptionSelected, "#member-matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def _choose(self, key: str | None) -> None:
        self.member_id = int(key) if key else None
        self.query_one("#member-chosen", Static).update(self._matches[key] if key else "未选择")
        self.post_message(self.Chosen(self.member_id))


def find_members(query: str) -> list[tuple[int, str]]:
    """Matching members as (id, "name masked-ID unit"), on a worker thread."""
    _kind, _q, rows, _truncated = find(query, limit=MATCH_LIMIT)
    return [(mid, f"{name} {mask_id(idn)} {uname}") for mid, name, idn, _sex, _retired, _ucode, uname in rows]
