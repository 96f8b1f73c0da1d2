"""年度预算 on screen, from a new branch database: reached from the home menu with ``b``, a line
added and the draft approved in dialogs (a supervisor), the status saying when the year can be
spent from, and a clerk told that only a supervisor approves."""

from __future__ import annotations

from tui_testkit import CHEAP_KDF, PASSPHRASE, USER, screen_text

from models import admin, clock
from models import db as dbmod
from tui.app import make_app
from tui.screens.budget import BudgetScreen
from tui.screens.forms import StepDialog

SIZE = (80, 24)


def sql(path, query: str, *params):
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


async def wait(pilot, seconds: float = 0.3) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_add_a_line_and_approve_the_budget_with_keys(branch_db):
    today = clock.today()  # frozen by the TUI tests' conftest
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, user=USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("b")
        await wait(pilot)
        assert isinstance(app.screen, BudgetScreen)
        assert "不得支出" in shown(app, "#budget-state") and "尚未编制预算" in shown(app, "#budget-state")
        await pilot.press("a")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        # the line asked for and typed by its name (#14: the field was 科目代码); its code works too
        assert "预算科目" in screen_text(app) and "科目代码" not in screen_text(app)
        await pilot.press(*"生活救助金", "tab", *"50000", "tab", *"困难会员救助", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, BudgetScreen)
        assert "尚未经管理委员会审议批准" in shown(app, "#budget-state")
        assert "50,000.00" in screen_text(app) or "50000.00" in screen_text(app)
        await pilot.press("p")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "第 1 版" in screen_text(app)
        await pilot.press("tab", *"管委会纪要2026-1号", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, BudgetScreen)
        state = shown(app, "#budget-state")
        assert "可支出" in state and "第 1 版" in state and today.isoformat() in state
        assert "已批准" in shown(app, "#budget-versions")
    assert sql(branch_db, "SELECT year, number, state, approved_by, meeting_date, minutes FROM budget_version") == [
        (today.year, 1, "approved", USER, today.isoformat(), "管委会纪要2026-1号")
    ]
    assert sql(branch_db, "SELECT year, code, amount_fen FROM budget_line") == [(today.year, "hardship_aid", 5_000_000)]


async def test_a_clerk_cannot_approve(branch_db):
    today = clock.today()
    session = dbmod.unlock(branch_db, USER, PASSPHRASE)
    admin.add_user(session, "li", "clerk", "li pass", kdf=CHEAP_KDF)
    from models.budget import add_line

    add_line(today.year, "running_costs", 2_000_000)
    dbmod.close()
    app = make_app(db_path=branch_db, passphrase="li pass", user="li", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("b")
        await wait(pilot)
        await pilot.press("p")
        await wait(pilot)
        await pilot.press("tab", *"纪要1", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        assert "负责人" in screen_text(app)
    assert sql(branch_db, "SELECT state FROM budget_version") == [("draft",)]
