"""互助互济 on screen: the entry form's live allowance, method rule and budget remainder,
an over-cap refusal with its article, Ctrl+S, approval refused to the clerk who entered it
and given by another supervisor, and snapshots at 80×24."""

from __future__ import annotations

from demo_kit import DEMO_PASSPHRASE
from textual.widgets import DataTable, Input, Select
from tui_testkit import screen_text

from models import db as dbmod
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.disbursements import DisbursementFormScreen, DisbursementsScreen
from tui.screens.forms import StepDialog

SIZE = (80, 24)


def sql(path, query: str, *params):
    dbmod.unlock(path, "demo", DEMO_PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def banked_member(path) -> tuple[int, str]:
    """A member with a bank account and no hardship aid this year (id, ID number)."""
    return sql(
        path,
        "SELECT id, id_number FROM member WHERE bank_account IS NOT NULL AND id NOT IN "
        "(SELECT member_id FROM disbursement WHERE category = 'hardship_aid') ORDER BY id LIMIT 1",
    )[0]


def shown(app, selector: str = "#checks-text") -> str:
    return str(app.screen.query_one(selector).render())


async def wait(pilot, seconds: float = 0.5) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_register(pilot) -> DisbursementsScreen:
    await wait(pilot, 0)
    await pilot.press("5")
    await wait(pilot)
    assert isinstance(pilot.app.screen, DisbursementsScreen)
    return pilot.app.screen


async def fill_hardship_aid(pilot, id_number: str, amount: str) -> None:
    await pilot.press("n")
    await wait(pilot, 0.1)
    assert isinstance(pilot.app.screen, DisbursementFormScreen)
    await pilot.press(*id_number)
    await wait(pilot)
    await pilot.press("tab", "enter", "down", "enter")  # 支出类别: the first, 生活救助金
    await pilot.press("tab", "tab", *amount)
    await pilot.press("tab", "tab", "tab", "tab", *"家庭困难")  # past 发放方式, 受益人, 关系
    await wait(pilot)


async def test_entry_shows_the_allowance_live_and_saves(writable_demo):
    member_id, id_number = banked_member(writable_demo)
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_register(pilot)
        await fill_hardship_aid(pilot, id_number, "1200.5")
        panel = shown(app)
        assert "年度上限 5000.00元" in panel and "本次最多可发 5000.00元" in panel
        assert "转账至会员个人账户" in panel and "本次后余" in panel
        assert "✓符合标准" in panel
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, DisbursementsScreen)
    assert sql(
        writable_demo,
        "SELECT member_id, category, amount_fen, method, state, entered_by, reason "
        "FROM disbursement ORDER BY id DESC LIMIT 1",
    ) == [(member_id, "hardship_aid", 120050, "transfer", "entered", "wang", "家庭困难")]


async def test_over_cap_is_refused_with_its_article(writable_demo):
    _member_id, id_number = banked_member(writable_demo)
    before = sql(writable_demo, "SELECT count(*) FROM disbursement")
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_register(pilot)
        await fill_hardship_aid(pilot, id_number, "5000.01")
        assert "超过年度上限" in shown(app) and "003 第四条1" in shown(app)
        form = app.screen
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is form
        assert "第四条1" in shown(app, "#amount-field .form-error")
        form.query_one("#amount", Input).value = "1.234"
        await wait(pilot)
        assert "两位小数" in shown(app, "#amount-field .form-error")
    assert sql(writable_demo, "SELECT count(*) FROM disbursement") == before


async def highlight(pilot, disbursement_id: int) -> None:
    table = pilot.app.screen.query_one("#welfare-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(disbursement_id)))
    await wait(pilot, 0.1)


async def test_the_clerk_who_entered_cannot_approve_another_supervisor_can(writable_demo):
    _member_id, id_number = banked_member(writable_demo)
    theirs = sql(
        writable_demo,
        "SELECT id FROM disbursement WHERE state = 'entered' AND entered_by = 'wang' "
        "AND on_date >= '2026-01-01' "
        "ORDER BY id LIMIT 1",
    )[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        register = await open_register(pilot)
        await fill_hardship_aid(pilot, id_number, "300")
        await pilot.press("ctrl+s")
        await wait(pilot)
        own = register.current.id  # the register highlights what was just entered
        assert register.current.entered_by == "demo"
        await pilot.press("a")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, StepDialog)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        assert "不得审批本人录入的支出" in shown(app, "StatusLine") and "002 第三十一条" in shown(app, "StatusLine")
        await pilot.press("escape")
        await wait(pilot, 0.1)
        await highlight(pilot, theirs)
        await pilot.press("a", "enter")
        await wait(pilot)
        assert isinstance(app.screen, DisbursementsScreen)
    assert sql(writable_demo, "SELECT state FROM disbursement WHERE id = ?", own) == [("entered",)]
    assert sql(writable_demo, "SELECT state, approved_by, approved_on FROM disbursement WHERE id = ?", theirs) == [
        ("approved", "demo", TODAY.isoformat())
    ]


async def test_auditor_views_the_register_but_cannot_enter(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="audit", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_register(pilot)
        assert screen.query_one("#welfare-table", DataTable).row_count > 0
        assert "合计" in shown(app, "StatusLine")
        assert "新增支出" not in screen_text(app).splitlines()[-1]  # no write is offered to an auditor
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert app.screen is screen


async def steady(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_snapshot_disbursement_register(snap_compare, small_demo):
    async def run_before(pilot) -> None:
        await open_register(pilot)
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_entry_form_with_allowance(snap_compare, small_demo):
    _member_id, id_number = banked_member(small_demo.path)

    async def run_before(pilot) -> None:
        await open_register(pilot)
        await fill_hardship_aid(pilot, id_number, "800")
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_x_voids_an_entry_by_a_supervisor_with_a_reason(writable_demo):
    entry = sql(
        writable_demo,
        "SELECT id FROM disbursement WHERE state = 'entered' AND on_date >= '2026-01-01' ORDER BY id LIMIT 1",
    )[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:  # a clerk: refused with the role needed
        await open_register(pilot)
        await highlight(pilot, entry)
        await pilot.press("x")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, StepDialog)
        app.screen.query_one("#reason", Input).value = "重复录入"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "负责人" in shown(app, "StatusLine")
    assert sql(writable_demo, "SELECT state FROM disbursement WHERE id = ?", entry) == [("entered",)]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        register = await open_register(pilot)
        await highlight(pilot, entry)
        await pilot.press("x")
        await wait(pilot, 0.1)
        await pilot.press("ctrl+s")
        await wait(pilot, 0.1)
        assert "请填写作废原因" in shown(app, "#reason-field .form-error")
        app.screen.query_one("#reason", Input).value = "重复录入"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is register
        await highlight(pilot, entry)
        assert register.current.state_name == "作废" and "作废" in shown(app, "#welfare-detail")
        assert "重复录入" in shown(app, "#welfare-detail")
        assert "作废" not in screen_text(app).splitlines()[-1]  # no second void
    assert sql(writable_demo, "SELECT state, voided_by, void_reason FROM disbursement WHERE id = ?", entry) == [
        ("cancelled", "demo", "重复录入")
    ]


async def test_an_activity_is_entered_with_its_winners_and_checked_as_a_whole(writable_demo):
    ids = [n for (n,) in sql(writable_demo, "SELECT id_number FROM member ORDER BY id LIMIT 3")]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        register = await open_register(pilot)
        await pilot.press("n")
        await wait(pilot, 0.1)
        form = app.screen
        assert isinstance(form, DisbursementFormScreen)
        form.query_one("#category", Select).value = "activity_prize"
        await wait(pilot, 0.1)
        assert form.query_one("#method", Select).value == "in_kind"
        assert form.field("participants").display and form.field("recipients").display
        form.query_one("#participants", Input).value = "2"
        form.query_one("#recipients", Input).value = f"{ids[0]}:300；{ids[1]}:200"
        form.query_one("#note", Input).value = "健康知识竞赛"
        await wait(pilot)
        assert "获奖 2 人超过参与人数 2 人" in shown(app)  # 2 × 3 > 2 × 2, shown live
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is form and "003 第七条" in shown(app)
        form.query_one("#participants", Input).value = "3"
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is register
        entered = register.current.id
    assert sql(
        writable_demo, "SELECT category, amount_fen, participants, member_id FROM disbursement WHERE id = ?", entered
    ) == [("activity_prize", 50_000, 3, None)]
    assert sql(
        writable_demo,
        "SELECT amount_fen, role FROM disbursement_recipient WHERE disbursement_id = ? ORDER BY id",
        entered,
    ) == [(30_000, "winner"), (20_000, "winner")]
