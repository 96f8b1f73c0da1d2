"""The office's month-end work from its screens (issue #16), driven as an office clerk would
at 80×24: import the bundles of a folder, reconcile (first without, then with the ledger),
queue a notice for a branch and write its answer; what the database holds is checked after."""

from __future__ import annotations

from syncdb_kit import NOW, PASSPHRASE, export
from test_office_tui import screen_text, settle

from models import db as dbmod
from tui.app import make_app

LEDGER = (
    "代办处编码,单位编码,险种代码,参保人数,份数,应缴会费（元）,给付件数,给付金额（元）\n"
    "004,U01,ZYYL,6,13,650.00,1,1500.00\n004,U01,ZJB,3,3,300.00,0,0\n004,U02,ZYYL,4,5,200.00,1,880.00\n"
)


def count(world, sql: str) -> int:
    with world.at_office():
        return dbmod.database.execute_sql(sql).fetchone()[0]


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector)
    field.value = ""
    field.focus()
    await pilot.press(*text)


async def test_import_a_folder_then_reconcile_with_the_ledger(world, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bundle = export(world, out=inbox).path
    (inbox / "not-a-bundle.txt").write_text("x")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    dbmod.close()

    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=NOW, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert "导入与对账" in screen_text(app)
        await type_into(pilot, "#folder", str(inbox))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert bundle.name[:20] in text and "not-a-bundle" not in text and "[x]" in text
        assert "找到 1 个数据包文件" in text
        await pilot.press("ctrl+o")
        await settle(pilot)
        text = screen_text(app)
        assert "导入完成：已导入 1" in text and "004" in text
        # the same file again is a no-op that says so
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "已导入过 1" in screen_text(app)

        await pilot.press("ctrl+r")
        await settle(pilot)
        text = screen_text(app)
        assert "尚无本月台账" in text and "2026-10：已报送 1 个代办处" in text
        await type_into(pilot, "#ledger", str(ledger))
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "已导入台账 3 行" in text and "差异 1 处" in text and "U02" in text
        # the difference's plan by name, not the ledger's code (#14)
        results = app.screen.query_one("#results")
        plan = results.shown.index("险种")
        plans = {str(results.get_row_at(i)[plan]) for i in range(results.row_count)}
        assert plans and plans <= {"住院医疗", "重大疾病", ""}, plans
    dbmod.close()
    assert count(world, "SELECT count(*) FROM received_bundle WHERE status = 'imported'") == 1
    assert count(world, "SELECT count(*) FROM office_ledger WHERE period = '2026-10'") == 3


async def test_a_bad_folder_and_month_are_said_plainly(world, tmp_path):
    dbmod.close()
    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=NOW, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await type_into(pilot, "#folder", str(tmp_path / "nowhere"))
        await pilot.press("enter")
        await settle(pilot)
        assert "Traceback" not in screen_text(app)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "没有勾选任何数据包" in screen_text(app)
        await type_into(pilot, "#period", "2026-13")
        await pilot.press("enter")
        await settle(pilot)
        assert "对账月份应为 YYYY-MM" in screen_text(app)


async def test_branch_screen_queues_a_notice_and_writes_the_answer(world, tmp_path):
    from sync.office import import_file
    from sync.reconcile import import_ledger

    bundle = export(world).path
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    with world.at_office():
        assert import_file(bundle).status == "imported"
        import_ledger(ledger, "2026-10")  # an answer carries the office's own figures
    out = tmp_path / "answers"
    out.mkdir()
    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=NOW, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the board's first branch: 004
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "登记通知" in screen_text(app)
        await type_into(pilot, "#kind", "打回")
        await type_into(pilot, "#ref", "004-claim-2")
        await type_into(pilot, "#text", "缺少病历首页")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已登记通知 N-004-" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "#folder", str(out))
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert "已写出并核验回执" in text and "1 条通知" in text
    dbmod.close()
    assert len(list(out.glob("*.hzb"))) == 1
    with world.at_office():
        kind, sent = dbmod.database.execute_sql("SELECT kind, sent_sha256 FROM outgoing_notice").fetchone()
    assert kind == "claim_returned" and sent  # went out with the answer
