"""会员资料修改: the member's phone, bank, account and retirement date, with a reason.

Opened with ``e`` from the member's record (会员查询 → a member). This is the one form that
shows the bank account whole (the clerk copies it from the member's bank card or written
request and must be able to check every digit); everywhere else it is masked. The account's
format is checked as it is typed (``rules.members``, pure, no database); saving runs
``models.member_edit.edit_member`` in a thread worker, one transaction with its history rows
and audit event. A refusal stays on the form beside its field, with its article.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Static

from models.errors import RuleRefused
from models.member_edit import CLEAR, edit_member, edit_values
from rules.members import check_account_number, check_phone, normalise_account
from tui.screens.forms import Field, FormScreen, parse_date_field
from tui.widgets import StatusLine

#: The form field beside which a refusal goes, by reason-code prefix.
CODE_FIELDS = (
    ("R3.7.account", "bank-account"),
    ("R3.7.holder", "bank-account"),
    ("R3.7.bank_name", "bank-name"),
    ("member.phone", "phone"),
    ("R1.1.retirement", "retirement"),
    ("R9.3", "reason"),
)
FIELD_IDS = ("phone", "bank-name", "bank-account", "retirement", "reason")


def key_of(app, binding_id: str, default: str) -> str:
    """The key a binding is on now (a keymap file may have moved it), as shown in the footer."""
    keys = (getattr(app, "_keymap", None) or {}).get(binding_id, default)
    return keys.split(",")[0].strip().upper() if len(keys.split(",")[0].strip()) > 1 else keys.split(",")[0].strip()


def no_account_hint(app) -> str:
    """What a form that needs the member's own account says when there is none on file."""
    return (
        f"该会员没有登记本人银行账户（转账须入本人账户，003 第九条）：按 {key_of(app, 'app.lookup', 'f2')} "
        f"会员查询，选中该会员后按 {key_of(app, 'member.edit', 'e')} 登记账户"
    )


def field_for(code: str) -> str | None:
    return next((name for prefix, name in CODE_FIELDS if code.startswith(prefix)), None)


class MemberEditScreen(FormScreen):
    """Dismisses with the number of fields changed (None when left without saving)."""

    CSS_PATH = "members.tcss"

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id
        self.sub_title = "会员信息 › 修改资料"
        self._loaded: dict | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="form-body"):
            with VerticalScroll(classes="form-column", id="member-edit-form", can_focus=False):
                yield Static("读取中…", id="member-edit-who")
                yield Field("手机号", Input(id="phone", compact=True), id="phone-field")
                yield Field("开户行", Input(id="bank-name", compact=True), id="bank-name-field")
                yield Field("银行账号", Input(id="bank-account", compact=True), id="bank-account-field")
                yield Field(
                    "退休日期",
                    Input(placeholder="已办理退休手续之日", id="retirement", compact=True),
                    id="retirement-field",
                )
                yield Field(
                    "修改原因", Input(placeholder="如：会员书面申请换卡", id="reason", compact=True), id="reason-field"
                )
            with VerticalScroll(classes="checks panel", id="member-edit-checks") as checks:
                checks.border_title = "说明"
                yield Static(
                    "账户须为会员本人名下（户名即会员姓名），12–30位数字。修改已有内容须写明原因；"
                    "原值、修改人、日期和原因都会留存。Ctrl+S 保存，Esc 返回。",
                    id="member-edit-help",
                )
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#phone", Input).focus()
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", edit_values, self.member_id)

    def db_loaded(self, values: dict | None) -> None:
        status = self.query_one(StatusLine)
        if values is None:
            status.show_error("该会员已不在数据库中")
            return
        status.clear()
        self._loaded = values
        self.query_one("#member-edit-who", Static).update(f"会员 {values['name']}（户名须为本人）")
        for name, key in (
            ("phone", "phone"),
            ("bank-name", "bank_name"),
            ("bank-account", "bank_account"),
            ("retirement", "retirement_date"),
        ):
            self.query_one(f"#{name}", Input).value = values[key]
        self.mark_clean()

    def snapshot(self) -> tuple:
        return tuple(self.query_one(f"#{name}", Input).value for name in FIELD_IDS)

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    # --- live format checks (pure rules, no database) ---------------------------------------

    @on(Input.Changed)
    def _changed(self) -> None:
        self.schedule_check()

    def live_check(self) -> None:
        account = self._text("bank-account")
        self.field("bank-account").set_error(
            None if not account or check_account_number(account).ok else check_account_number(account).message
        )
        phone = self._text("phone")
        self.field("phone").set_error(None if not phone or check_phone(phone).ok else check_phone(phone).message)

    # --- saving -----------------------------------------------------------------------------

    def changes(self) -> tuple[dict, dict[str, str]]:
        """The edit's keyword arguments (only fields that differ from what was loaded), and
        the fields that cannot be read."""
        loaded = self._loaded or {}
        kwargs: dict = {}
        problems: dict[str, str] = {}
        phone = self._text("phone")
        if phone != (loaded.get("phone") or ""):
            kwargs["phone"] = phone or CLEAR
        bank = " ".join(self._text("bank-name").split())
        if bank != (loaded.get("bank_name") or ""):
            kwargs["bank_name"] = bank
        account = self._text("bank-account")
        if normalise_account(account) != (loaded.get("bank_account") or ""):
            kwargs["bank_account"] = account
        retired = self._text("retirement")
        if retired != (loaded.get("retirement_date") or ""):
            try:
                day = parse_date_field(retired, self.huzhu_app.today(), required=False)
                kwargs["retirement_date"] = day if day is not None else CLEAR
            except ValueError as bad:
                problems["retirement"] = str(bad)
        if self._text("reason"):
            kwargs["reason"] = self._text("reason")
        return kwargs, problems

    def save(self) -> None:
        if self._loaded is None:
            return
        kwargs, problems = self.changes()
        for name in FIELD_IDS:
            self.field(name).set_error(problems.get(name))
        if problems:
            self.query_one(StatusLine).show_error("请先改正标出的字段")
            return
        if not set(kwargs) - {"reason"}:
            self.query_one(StatusLine).show_error("没有修改任何内容")
            return
        self.query_one(StatusLine).show_busy("正在保存…")
        self.run_db("saved", edit_member, self.member_id, today=self.huzhu_app.today(), **kwargs)

    def db_saved(self, result) -> None:
        self.mark_clean()
        names = "、".join(c["field_name"] for c in result.to_json()["changes"])
        self.notify(f"已修改 {result.name} 的{names}" if names else "内容与原来相同，未作更改", title="已保存")
        self.dismiss(len(result.changes))

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "saved" and isinstance(error, RuleRefused):
            problems: dict[str, str] = {}
            for d in error.decisions:
                problems.setdefault(field_for(d.code) or "reason", f"{d.message}（{d.citation.short}）")
            for name in FIELD_IDS:
                self.field(name).set_error(problems.get(name))
            self.query_one(StatusLine).show_error("未保存：见标出的字段")
            return
        super().db_failed(tag, error)
