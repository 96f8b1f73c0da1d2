"""采购与资产 on screen, from a new branch database with only its budget approved and one staff
account: reached from the home menu with ``a``; a purchase entered, quoted and decided in
dialogs; a bulk purchase's refusal shown on the dialog with its article; then the asset
register: an asset acquired from the purchase and the year's count."""

from __future__ import annotations

from tui_testkit import PASSPHRASE, USER, screen_text

from models import clock
from models import db as dbmod
from tui.app import make_app
from tui.screens.forms import StepDialog
from tui.screens.purchases import PurchasesScreen

SIZE = (80, 24)


def sql(path, query: str, *params):
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def prepare(path) -> None:
    """This year's budget approved and a staff member to keep assets: what a branch enters first."""
    from models.budget import add_line, approve
    from models.staff import add_account

    today = clock.today()
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        add_line(today.year, "purchases_assets", 5_000_000)
        approve(today.year, today, "纪要1")
        add_account("王芳", "wangfang")
    finally:
        dbmod.close()


async def wait(pilot, seconds: float = 0.3) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def test_purchase_and_asset_with_keys(branch_db):
    prepare(branch_db)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, user=USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("a")
        await wait(pilot)
        assert isinstance(app.screen, PurchasesScreen)
        assert "还没有采购" in screen_text(app)
        # a small purchase: one quote is enough
        await pilot.press("n")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        # kind and budget line offered by name (#14: they were the codes goods and purchases_assets)
        text = screen_text(app)
        assert "大宗商品" in text and "采购及固定资产" in text, text
        assert "goods" not in text and "purchases_assets" not in text, text
        await pilot.press(*"订书机", "tab", "tab", *"300", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, PurchasesScreen) and "CG0001" in screen_text(app)
        await pilot.press("q")
        await wait(pilot)
        await pilot.press(*"文具店", "tab", *"280", "ctrl+s")
        await wait(pilot)
        await pilot.press("d")
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, PurchasesScreen)
        assert "确定 文具店 280.00" in screen_text(app)
        # a bulk purchase with one quote: refused on the dialog, with the article
        await pilot.press("n")
        await wait(pilot)
        await pilot.press(*"电脑", "tab", "tab", *"9000", "ctrl+s")
        await wait(pilot)
        # newest first: CG0002 is the highlighted row
        await pilot.press("q")
        await wait(pilot)
        await pilot.press(*"甲公司", "tab", *"9000", "ctrl+s")
        await wait(pilot)
        await pilot.press("d")
        await wait(pilot)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        text = screen_text(app)
        assert "至少 3 家" in text and "004" in text
        await pilot.press("escape")
        await wait(pilot)
        # the score sheet names every supplier whole: two sharing their first words are told apart
        # (the labels were the names cut to 10 cells: both read 北京市朝阳)
        for supplier in ("北京市朝阳区办公设备有限公司", "北京市朝阳区办公用品有限公司"):
            await pilot.press("q")
            await wait(pilot)
            await pilot.press(*supplier, "tab", *"8800", "ctrl+s")
            await wait(pilot)
        await pilot.press("s")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        text = screen_text(app)
        assert "报价 2：北京市朝阳区办公设备有限公司" in text and "报价 3：北京市朝阳区办公用品有限公司" in text, text
        assert all(f"报价 {n}" in text for n in (1, 2, 3)), text
        await pilot.press("escape")
        await wait(pilot)
        # the register: an asset from the decided purchase, then the year's count
        await pilot.press("t")
        await wait(pilot)
        assert "还没有固定资产" in screen_text(app)
        await pilot.press("a")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        await pilot.press(*"CG0001", "tab", "tab", "tab", *"办公室", "tab", *"王芳", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, PurchasesScreen)
        assert "ZC0001" in screen_text(app) and "订书机" in screen_text(app)
        await pilot.press("k")
        await wait(pilot)
        await pilot.press("tab", *"王芳", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, PurchasesScreen)
        assert "账实相符" in screen_text(app)
    assert sql(branch_db, "SELECT title, state, amount_fen FROM purchase ORDER BY id") == [
        ("订书机", "decided", 28_000),
        ("电脑", "open", None),
    ]
    assert sql(branch_db, "SELECT name, amount_fen, location, purchase_id FROM fixed_asset") == [
        ("订书机", 28_000, "办公室", 1)
    ]
    assert sql(branch_db, "SELECT result FROM asset_count_line") == [("found",)]
