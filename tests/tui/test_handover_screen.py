"""交接记录 on screen: the guided form filled with keys and completed with Ctrl+S (after the
revocation is confirmed in a dialog), a refusal with its article beside its field, the
report date recorded later, the auditor kept out, leaving a half-filled form asks first, and snapshots at 80×24."""

from __future__ import annotations

import json

from demo_kit import DEMO_PASSPHRASE
from textual.widgets import DataTable, Input
from tui_testkit import screen_text

from models import db as dbmod
from models.keyslots import KeyFile
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.forms import ConfirmDialog
from tui.screens.handover import HandoverFormScreen, HandoverScreen

SIZE = (80, 24)
ITEMS = 6  # the rule set's checklist (rules/data/rulesets.toml handover_items)


def sql(path, query: str, *params):
    dbmod.unlock(path, "demo", DEMO_PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def wait(pilot, seconds: float = 0.5) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_list(pilot) -> HandoverScreen:
    await wait(pilot, 0)
    await pilot.press("6")
    await wait(pilot)
    assert isinstance(pilot.app.screen, HandoverScreen)
    return pilot.app.screen


async def fill_form(pilot, *, supervisor: str = "陈建国", revoke: bool = True) -> None:
    """Type a handover as a clerk does: names, date, every checklist item ticked with what
    it is, both confirmations, the incoming username, and (optionally) the user to revoke."""
    await pilot.press("n")
    await wait(pilot)
    assert isinstance(pilot.app.screen, HandoverFormScreen)
    await pilot.press(*"李静", "tab", *"周新", "tab", *supervisor, "tab")
    await pilot.press("tab", "tab")  # 交接日期 stays today; 上报日期 stays empty
    for description in ("公章", "空白支票", "登记证", "会员档案", "台账", "bj004lijing"):
        await pilot.press("space", "tab", "tab", *description, "tab")
    await pilot.press("space", "tab", "space", "tab")  # 接交人核对未办结事项, 移交人确认
    await pilot.press("tab", *"bj004zhouxin", "tab")  # 移交账号 was picked from the name 李静
    if revoke:
        await pilot.press("enter", "down", "down", "enter")  # 撤销用户: wang (经办人)
    await wait(pilot)


async def test_complete_handover_with_keys_revokes_the_clerk(writable_demo):
    before = sql(writable_demo, "SELECT count(*) FROM handover")[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot)
        await fill_form(pilot)
        checks = shown(app, "#checks-text")
        assert "交接完整" in checks and "2026-03-12" in checks
        assert "未办结事项（程序列出" in shown(app, "#open-work-text")
        await pilot.press("ctrl+s")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ConfirmDialog) and "wang" in screen_text(app)
        await pilot.press("y")
        await wait(pilot)
        assert isinstance(app.screen, HandoverScreen)
        status = shown(app, "StatusLine")
        assert "已保存" in status and "huzhu rekey" in status
        assert "待上报" in screen_text(app)
        await pilot.press("r")  # the new handover is highlighted: record that it was reported today
        await wait(pilot, 0.1)
        await pilot.press("enter")
        await wait(pilot)
        assert "已于 2026-03-02 上报办事处" in shown(app, "#handover-detail")
    rows = sql(
        writable_demo,
        "SELECT id, outgoing, incoming, supervisor, on_date, outgoing_confirmed, "
        "incoming_confirmed, open_work, created_by FROM handover ORDER BY id",
    )
    assert len(rows) == before + 1
    handover_id, *values, work, created_by = rows[-1]
    assert values == ["李静", "周新", "陈建国", TODAY.isoformat(), 1, 1] and created_by == "demo"
    assert sql(writable_demo, "SELECT reported_on FROM handover WHERE id = ?", handover_id) == [(TODAY.isoformat(),)]
    assert {w["kind"] for w in json.loads(work)} >= {"claim", "renewal"}
    items = sql(
        writable_demo, "SELECT kind, description FROM handover_item WHERE handover_id = ? ORDER BY id", handover_id
    )
    assert len(items) == ITEMS and items[1] == ("cheques", "空白支票")
    assert sql(writable_demo, "SELECT active FROM staff_account WHERE username = 'bj004lijing'") == [(0,)]
    assert sql(writable_demo, "SELECT name, active FROM staff_account WHERE username = 'bj004zhouxin'") == [("周新", 1)]
    assert sql(writable_demo, "SELECT kind FROM account_form ORDER BY id DESC LIMIT 2") == [("filing",), ("change",)]
    assert KeyFile.load(writable_demo).slot("wang") is None
    assert sql(writable_demo, "SELECT action FROM audit_event ORDER BY seq DESC LIMIT 3") == [
        ("handover.reported",),
        ("user.revoke",),
        ("handover.complete",),
    ]


async def test_supervisor_as_outgoing_is_refused_beside_its_field(writable_demo):
    before = sql(writable_demo, "SELECT count(*) FROM handover, account_form")
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot)
        await fill_form(pilot, supervisor="李静", revoke=False)
        form = app.screen
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is form
        assert "监交人不能由移交人" in shown(app, "#supervisor-field .form-error")
        assert "000 第十六条8" in shown(app, "#supervisor-field .form-error")
        assert "未保存" in shown(app, "StatusLine")
    assert sql(writable_demo, "SELECT count(*) FROM handover, account_form") == before
    assert KeyFile.load(writable_demo).slot("wang") is not None


async def test_leaving_a_half_filled_form_asks_first(writable_demo):
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_list(pilot)
        await pilot.press("n")
        await wait(pilot)
        await pilot.press(*"李静")
        await pilot.press("escape")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, HandoverFormScreen)
        await pilot.press("escape", "y")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, HandoverScreen)


async def test_auditor_views_past_handovers_but_cannot_start_one(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="audit", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_list(pilot)
        assert screen.query_one("#handover-table", DataTable).row_count == 1
        detail = shown(app, "#handover-detail")
        assert "刘洋 移交 王芳" in detail and "已于" in detail
        assert "新建交接" not in screen_text(app).splitlines()[-1]  # no write is offered to an auditor
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert app.screen is screen


async def steady(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_snapshot_handover_list(snap_compare, small_demo):
    async def run_before(pilot) -> None:
        await open_list(pilot)
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_handover_form_filled(snap_compare, small_demo):
    async def run_before(pilot) -> None:
        await open_list(pilot)
        await fill_form(pilot, revoke=False)
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
