"""报案登记 on screen: the new-report form filled with keys and its live preliminary check,
Ctrl+S, a report that would not be paid as reported confirmed first and then recorded and
flagged, steps from the list, refusals shown where they happen, unsaved changes, the
auditor, and snapshots at 80×24."""

from __future__ import annotations

import datetime as dt
import json

from demo_kit import DEMO_PASSPHRASE
from textual.widgets import DataTable, Input
from tui_testkit import screen_text, settle

from models import db as dbmod
from models.claims import ClaimDraft, register_claim
from tests.tui.textual_private import notification_messages
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.claim_findings import FindingsDialog
from tui.screens.claims import ClaimFormScreen, ClaimsScreen
from tui.screens.forms import ConfirmDialog, StepDialog

SIZE = (80, 24)


def sql(path, query: str, *params):
    """Read the database file the app has open, with a connection of the test's own."""
    dbmod.unlock(path, "demo", DEMO_PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def covered_member(path) -> tuple[int, str]:
    """A member whose 住院医疗 cover on TODAY is past observation (id, ID number)."""
    return sql(
        path,
        "SELECT m.id, m.id_number FROM member m JOIN coverage c ON c.member_id = m.id "
        "JOIN policy p ON p.id = c.policy_id WHERE p.plan_id = 'ZYYL' AND p.start <= ? AND p.end >= ? "
        "AND (c.observation_end IS NULL OR c.observation_end < ?) AND c.shares >= 1 "
        "ORDER BY m.id LIMIT 1",
        TODAY,
        TODAY,
        "2026-01-01",
    )[0]


def shown(app, selector: str = "#checks-text") -> str:
    """A widget's whole text, unwrapped (the screen wraps Chinese at any character)."""
    return str(app.screen.query_one(selector).render())


async def wait(pilot, seconds: float = 0.5) -> None:
    """Let a debounced live check start, then its worker finish."""
    await pilot.pause(seconds)
    await settle(pilot)


async def open_claims(pilot) -> ClaimsScreen:
    await settle(pilot)
    await pilot.press("3")
    await wait(pilot)
    assert isinstance(pilot.app.screen, ClaimsScreen)
    return pilot.app.screen


async def highlight(pilot, claim_id: int) -> None:
    table = pilot.app.screen.query_one("#claim-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(claim_id)))
    await wait(pilot, 0.1)


async def fill_new_report(pilot, id_number: str) -> None:
    await pilot.press("n")
    await wait(pilot, 0.1)
    assert isinstance(pilot.app.screen, ClaimFormScreen)
    await pilot.press(*id_number)
    await wait(pilot)
    await pilot.press("tab", "enter", "down", "enter")  # 申报险种: the first plan, 住院医疗
    # The reporter field starts with the user's last reporter: cleared (Ctrl+U) before typing.
    await pilot.press("tab", *"肺炎", "tab", "tab", *"20260220", "tab", "1", "tab", "tab", "ctrl+u", *"刘主席")
    await wait(pilot)


async def test_new_report_shows_live_checks_and_saves_with_ctrl_s(writable_demo):
    member_id, id_number = covered_member(writable_demo)
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        text = screen_text(app)
        assert id_number not in text and id_number[-4:] in text  # masked
        assert "申报资料不全" in shown(app)  # no materials ticked yet: a warning, live
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ClaimsScreen)
        assert any("已登记报案" in m for m in notification_messages(app))
    rows = sql(
        writable_demo,
        "SELECT member_id, plan_id, diagnosis, incident_date, shares_claimed, report_date, "
        "reporter, state, created_by FROM claim_report ORDER BY id DESC LIMIT 1",
    )
    assert rows == [(member_id, "ZYYL", "肺炎", "2026-02-20", 1, TODAY.isoformat(), "刘主席", "registered", "wang")]
    assert sql(writable_demo, "SELECT action, user FROM audit_event ORDER BY seq DESC LIMIT 1") == [
        ("claim.register", "wang")
    ]


async def test_an_incomplete_entry_is_refused_beside_its_field(writable_demo):
    _member_id, id_number = covered_member(writable_demo)
    before = sql(writable_demo, "SELECT count(*) FROM claim_report")
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        screen = app.screen
        screen.query_one("#reported-on", Input).value = "20260219"  # the day before the incident
        screen.query_one("#shares", Input).value = "9"  # recordable on its own, but the entry is wrong
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is screen  # no confirmation: nothing can be recorded
        assert "早于出险日期" in shown(app, "#reported-on-field .form-error")
        assert "未保存" in shown(app, "StatusLine")
    assert sql(writable_demo, "SELECT count(*) FROM claim_report") == before


async def test_a_report_that_would_not_be_paid_asks_first_and_esc_writes_nothing(writable_demo):
    _member_id, id_number = covered_member(writable_demo)
    before = sql(writable_demo, "SELECT count(*), (SELECT count(*) FROM audit_event) FROM claim_report")
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        form = app.screen
        form.query_one("#shares", Input).value = "9"
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, FindingsDialog)
        text = screen_text(app)
        assert "初审发现以下问题，仍要登记吗？" in text
        assert "超过出险日所持" in text and "依据：《代办处管理办法》(000) 第十七条5" in text
        assert "y 仍要登记" in text.splitlines()[-1]
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is form and form.dirty
        assert "未登记" in shown(app, "StatusLine")
    assert sql(writable_demo, "SELECT count(*), (SELECT count(*) FROM audit_event) FROM claim_report") == before


async def test_confirming_records_the_report_flagged_with_its_findings(writable_demo):
    member_id, id_number = covered_member(writable_demo)
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        app.screen.query_one("#shares", Input).value = "9"
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, FindingsDialog)
        await pilot.press("y")
        await wait(pilot)
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ClaimsScreen)
        assert any("不予给付" in m for m in notification_messages(app))
        table = app.screen.query_one("#claim-table", DataTable)
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        marks = str(table.get_row(row_key)[-1])
        assert marks.startswith("✗初审") and "可付" in marks  # 9 claimed, fewer held: the payable figure too
        flagged_lines = [line for line in screen_text(app).splitlines() if "✗初审" in line]
        assert len(flagged_lines) == 1 and "肺炎" in flagged_lines[0], screen_text(app)
        detail = shown(app, "#claim-detail")
        assert "初审：✗申报 9 份超过出险日所持" in detail and "000 第十七条5" in detail
        await pilot.press("s")  # the lifecycle goes on as for any report: submit, then decline
        await wait(pilot, 0.1)
        assert isinstance(app.screen, StepDialog) and "超过出险日所持" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait(pilot)
        await pilot.press("d")
        await wait(pilot, 0.1)
        app.screen.query_one("#reason", Input).value = "申报份数超过所持份数"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ClaimsScreen)
    rows = sql(
        writable_demo,
        "SELECT id, member_id, shares_claimed, state, decline_reason, check_findings "
        "FROM claim_report ORDER BY id DESC LIMIT 1",
    )
    claim_id, member, shares, state, reason, findings = rows[0]
    assert (member, shares, state, reason) == (member_id, 9, "declined", "申报份数超过所持份数")
    assert [f["code"] for f in json.loads(findings) if f["severity"] == "error"] == ["R2.2.shares_exceed_held"]
    register = sql(
        writable_demo, "SELECT detail FROM audit_event WHERE action = 'claim.register' AND entity_id = ?", str(claim_id)
    )
    assert json.loads(register[0][0])["errors"] == ["R2.2.shares_exceed_held"]


async def test_submit_from_the_list_and_a_backwards_date_is_refused(writable_demo):
    member_id, _id_number = covered_member(writable_demo)
    dbmod.unlock(writable_demo, "demo", DEMO_PASSPHRASE)  # the supervisor: a report dated 3 days back
    try:
        claim_id = register_claim(
            ClaimDraft(
                member_id,
                "ZYYL",
                "肺炎",
                "illness",
                TODAY - dt.timedelta(days=5),
                1,
                TODAY - dt.timedelta(days=3),
                "刘主席",
                backdate_reason="按纸质登记簿补录",
            )
        ).claim_id
    finally:
        dbmod.close()
    reported = (TODAY - dt.timedelta(days=3)).isoformat()
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await highlight(pilot, claim_id)
        await pilot.press("s")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, StepDialog)
        field = app.screen.query_one("#on", Input)
        field.value = (TODAY - dt.timedelta(days=10)).isoformat()
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        assert "早于上一环节日期" in shown(app, "StatusLine") and reported in shown(app, "StatusLine")
        field.value = "今天"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ClaimsScreen)
    assert sql(writable_demo, "SELECT state, submitted_on FROM claim_report WHERE id = ?", claim_id) == [
        ("submitted", TODAY.isoformat())
    ]


async def test_return_needs_a_reason_and_the_keys_follow_the_state(writable_demo):
    claim_id = sql(writable_demo, "SELECT id FROM claim_report WHERE state = 'submitted' ORDER BY id LIMIT 1")[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claims(pilot)
        await highlight(pilot, claim_id)
        footer = screen_text(app).splitlines()[-1]
        assert "打回" in footer and "上报 " not in footer.replace("重新上报", "")
        await pilot.press("r")
        await wait(pilot, 0.1)
        await pilot.press("ctrl+s")
        await wait(pilot, 0.1)
        assert "请填写打回原因" in shown(app, "#reason-field .form-error")
        app.screen.query_one("#reason", Input).value = "缺少住院费用明细清单"
        await pilot.press("enter")
        await wait(pilot)
        assert app.screen is screen
    assert sql(writable_demo, "SELECT state, return_reason FROM claim_report WHERE id = ?", claim_id) == [
        ("returned", "缺少住院费用明细清单")
    ]


async def test_leaving_an_unsaved_form_asks_first(writable_demo):
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await pilot.press("n")
        await wait(pilot, 0.1)
        await pilot.press("escape")  # nothing typed: leaves at once
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ClaimsScreen)
        await pilot.press("n")
        await wait(pilot, 0.1)
        form = app.screen
        form.query_one("#diagnosis", Input).value = "肺炎"
        await pilot.press("escape")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert app.screen is form
        await pilot.press("escape", "y")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ClaimsScreen)


async def test_auditor_views_but_cannot_write(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="audit", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claims(pilot)
        assert screen.query_one("#claim-table", DataTable).row_count > 0
        assert "新报案" not in screen_text(app).splitlines()[-1]  # no write is offered to an auditor
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert app.screen is screen


async def steady(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_snapshot_claim_register(snap_compare, small_demo):
    async def run_before(pilot) -> None:
        await open_claims(pilot)
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_new_report_form_with_live_checks(snap_compare, small_demo):
    _member_id, id_number = covered_member(small_demo.path)

    async def run_before(pilot) -> None:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        await steady(pilot)

    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# --- issue 14 item 1: the report date does not bypass the rules ----------------------------------------


async def test_an_earlier_report_date_needs_a_supervisor_and_a_reason(writable_demo):
    member_id, id_number = covered_member(writable_demo)
    earlier = (TODAY - dt.timedelta(days=4)).isoformat()
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        app.screen.query_one("#reported-on", Input).value = earlier
        await wait(pilot)
        assert app.screen.query_one("#backdate-reason-field").display
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ClaimFormScreen)
        assert "补录以前的日期须由负责人办理并写明理由" in shown(app)
    before = sql(writable_demo, "SELECT count(*) FROM claim_report")[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_claims(pilot)
        await fill_new_report(pilot, id_number)
        app.screen.query_one("#reported-on", Input).value = earlier
        await wait(pilot)
        app.screen.query_one("#backdate-reason", Input).value = "纸质报案登记簿补录"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ClaimsScreen)
        await wait(pilot)
        assert "补录" in screen_text(app) and "理由：纸质报案登记簿补录" in shown(app, "#claim-detail")
    assert sql(writable_demo, "SELECT count(*) FROM claim_report")[0][0] == before + 1
    assert sql(
        writable_demo,
        "SELECT b.kind, b.entered_date, b.reason, c.report_date FROM backdated_entry b "
        "JOIN claim_report c ON c.id = b.entity_id WHERE b.entity = 'claim_report'",
    ) == [("claim_reported", earlier, "纸质报案登记簿补录", earlier)]


async def test_c_corrects_a_registered_claim_and_keeps_the_old_values(writable_demo):
    member_id, _id_number = covered_member(writable_demo)
    dbmod.unlock(writable_demo, "wang", DEMO_PASSPHRASE)
    try:
        claim_id = register_claim(
            ClaimDraft(member_id, "ZYYL", "肺", "illness", TODAY - dt.timedelta(days=5), 1, TODAY, "刘主席")
        ).claim_id
    finally:
        dbmod.close()
    submitted = sql(writable_demo, "SELECT id FROM claim_report WHERE state = 'submitted' ORDER BY id LIMIT 1")[0][0]
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claims(pilot)
        await highlight(pilot, submitted)
        assert "更正" not in screen_text(app).splitlines()[-1]  # after submission: return and resubmit only
        await pilot.press("c")
        await wait(pilot, 0.1)
        assert app.screen is screen
        await highlight(pilot, claim_id)
        assert "更正" in screen_text(app).splitlines()[-1]
        await pilot.press("c")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, StepDialog) and app.screen.query_one("#diagnosis", Input).value == "肺"
        assert app.screen.query_one("#plan", Input).value == "住院医疗"  # by name (#14), unchanged below
        app.screen.query_one("#diagnosis", Input).value = "肺炎"
        await pilot.press("ctrl+s")
        await wait(pilot, 0.1)
        assert "请填写更正原因" in shown(app, "#reason-field .form-error")
        app.screen.query_one("#reason", Input).value = "录入笔误"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is screen
        assert "更正" in shown(app, "#claim-detail") and "主要诊断 肺 → 肺炎" in shown(app, "#claim-detail")
    assert sql(writable_demo, "SELECT diagnosis, state FROM claim_report WHERE id = ?", claim_id) == [
        ("肺炎", "registered")
    ]
    [(changes, reason, by)] = sql(
        writable_demo, "SELECT changes, reason, by_user FROM claim_correction WHERE claim_id = ?", claim_id
    )
    assert json.loads(changes) == {"diagnosis": ["肺", "肺炎"]} and (reason, by) == ("录入笔误", "wang")
