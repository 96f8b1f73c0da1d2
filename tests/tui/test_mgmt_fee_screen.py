"""管理费账 on screen, from a new branch database: reached from the home menu with ``m`` at
80×24, income recorded and a payment entered in dialogs, the account and the line's balance
shown from the database, and a payment the line cannot carry refused with its article."""

from __future__ import annotations

from tui_testkit import PASSPHRASE, USER, screen_text

from models import clock
from models import db as dbmod
from tui.app import make_app
from tui.screens.forms import StepDialog
from tui.screens.mgmt_fee import MgmtFeeScreen

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


def _approved_budget(path, year: int) -> None:
    from models.budget import add_line, approve

    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        add_line(year, "running_costs", 2_000_000)
        approve(year, clock.today(), "管委会纪要1号")
    finally:
        dbmod.close()


async def test_income_and_spending_with_keys(branch_db):
    today = clock.today()  # frozen by the TUI tests' conftest
    _approved_budget(branch_db, today.year)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, user=USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("m")
        await wait(pilot)
        assert isinstance(app.screen, MgmtFeeScreen)
        assert "日常运行经费" in screen_text(app)
        await pilot.press("i")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        # kind by name (#14: not the code office_return), amount, date (default), reference
        text = screen_text(app)
        assert "回拨管理费" in text and "office_return" not in text, text
        await pilot.press("tab", *"30000", "tab", "tab", *"京互办1号", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, MgmtFeeScreen), screen_text(app)
        assert "收入 30,000.00" in screen_text(app) or "收入 30000.00" in screen_text(app)
        await pilot.press("s")
        await wait(pilot)
        await pilot.press(*"asset", "tab", *"500", "tab", *"电脑公司", "tab", *"电脑", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "没有可列支" in screen_text(app)  # no line carries assets
        await pilot.press("escape")
        await wait(pilot)
        await pilot.press("s")
        await wait(pilot)
        await pilot.press(*"office", "tab", *"500", "tab", *"文具店", "tab", *"办公用品", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, MgmtFeeScreen), screen_text(app)
        text = screen_text(app)
        assert "办公经费" in text and "已录入" in text and "19,500.00" in text.replace("19500.00", "19,500.00")
    assert sql(branch_db, "SELECT kind, amount_fen, reference FROM mgmt_income") == [
        ("office_return", 3_000_000, "京互办1号")
    ]
    assert sql(branch_db, "SELECT category, amount_fen, state, entered_by FROM mgmt_spending") == [
        ("office", 50_000, "entered", USER)
    ]
