"""会员资料修改 on screen, from an empty database: 会员查询 → the member → e, the account
shown whole only in the form, a bad account refused beside its field, a good one saved with
its history; the member screen then shows it masked."""

from __future__ import annotations

import csv

from textual.widgets import Input
from tui_testkit import PASSPHRASE, USER, screen_text, settle

from models import db as dbmod
from models.enrolments import COLUMNS, import_enrolments
from rules import mask_id
from rules.idcard import id_check_char
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.lookup import LookupScreen, MemberScreen
from tui.screens.member_edit import MemberEditScreen, no_account_hint

SIZE = (80, 24)
ID = "11010519800101001" + id_check_char("11010519800101001")
ACCOUNT = "6222020200112233445"


def enrol(path, tmp_path) -> None:
    staff = tmp_path / "staff.csv"
    with open(staff, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerow(["U0001", "朝阳某公司工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "王芳", ID, "2"])
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        assert import_enrolments(staff, today=TODAY).written
    finally:
        dbmod.close()


def sql(path, query: str, *params):
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def error_beside(form, name: str) -> str:
    return str(form.field(name).query_one(".form-error").render())


async def wait(pilot, seconds: float = 0.4) -> None:
    await pilot.pause(seconds)
    await settle(pilot)


async def open_member(pilot) -> MemberScreen:
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LookupScreen)
    await pilot.press(*ID[-6:])
    await wait(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MemberScreen)
    return pilot.app.screen


async def test_e_edits_the_account_in_one_write_with_history(branch_db, tmp_path):
    enrol(branch_db, tmp_path)
    app = make_app(db_path=branch_db, user=USER, passphrase=PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await open_member(pilot)
        assert "未登记（按 e 登记本人账户）" in screen_text(app)
        await pilot.press("e")
        await wait(pilot, 0.1)
        form = app.screen
        assert isinstance(form, MemberEditScreen) and "会员 王芳" in screen_text(app)
        await pilot.press("tab", *"中国银行北京朝阳支行", "tab", *"62220202001")  # 11 digits
        await wait(pilot)
        assert "现为 11 位" in error_beside(form, "bank-account")  # live, before saving
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, MemberEditScreen)
        assert "现为 11 位" in error_beside(form, "bank-account") and "003 第九条" in error_beside(form, "bank-account")
        assert "未保存" in screen_text(app)
        account = form.query_one("#bank-account", Input)
        account.value = ""
        account.focus()
        await pilot.press(*"6222 0202 0011 2233 445")
        await wait(pilot)
        assert "6222 0202 0011 2233 445" in screen_text(app)  # the one form that shows it whole
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, MemberScreen)
        await wait(pilot)
        text = screen_text(app)
        assert "中国银行北京朝阳支行" in text and "3445" in text and ACCOUNT not in text
        assert ID not in text and mask_id(ID) in text
        await pilot.press("e")
        await wait(pilot, 0.1)
        assert app.screen.query_one("#bank-account", Input).value == ACCOUNT
        app.screen.query_one("#bank-account", Input).value = "6222020200199998888"
        await pilot.press("ctrl+s")  # replacing an account needs a reason
        await wait(pilot)
        assert isinstance(app.screen, MemberEditScreen) and "请填写修改银行账号的原因" in error_beside(
            app.screen, "reason"
        )
        app.screen.query_one("#reason", Input).value = "会员书面申请换卡"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, MemberScreen)
        await wait(pilot)
        app.screen.query_one("#member-history").scroll_visible(animate=False)
        await pilot.pause(0.2)
        text = screen_text(app)
        history = str(app.screen.query_one("#member-history").render())
        assert "资料修改记录" in text and "6222020200199998888" not in text + history
        assert "银行账号 ****3445 → ****8888  会员书面申请换卡（会员资料修改，张三）" in history
    assert sql(branch_db, "SELECT bank_name, bank_account FROM member") == [
        ("中国银行北京朝阳支行", "6222020200199998888")
    ]
    assert sql(
        branch_db,
        "SELECT field, old_value, new_value, reason, by_user FROM member_change "
        "WHERE source = 'member_edit' ORDER BY id",
    ) == [
        ("bank_account", None, ACCOUNT, "首次登记", USER),
        ("bank_name", None, "中国银行北京朝阳支行", "首次登记", USER),
        ("bank_account", ACCOUNT, "6222020200199998888", "会员书面申请换卡", USER),
    ]
    details = " ".join(d for (d,) in sql(branch_db, "SELECT detail FROM audit_event WHERE action = 'member.edit'"))
    assert ACCOUNT not in details and "6222020200199998888" not in details and "8888" in details


def test_no_account_hint_names_the_keys(branch_db):
    app = make_app(db_path=branch_db, user=USER, passphrase=PASSPHRASE, keymap={"member.edit": "ctrl+e"}, today=TODAY)
    app.set_keymap({"member.edit": "ctrl+e"})
    assert "按 CTRL+E" in no_account_hint(app) and "F2" in no_account_hint(app)
