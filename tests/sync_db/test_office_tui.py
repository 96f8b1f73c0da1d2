"""The office's screens driven as an office clerk would: unlock the office database, read the
board, open a branch, open 待办 (a Textual pilot at 80×24)."""

from __future__ import annotations

import datetime as dt
import io
import json

from rich.console import Console
from syncdb_kit import NOW, PASSPHRASE, PERIOD, export

from models import db as dbmod
from tests.tui.textual_private import screen_render
from tui.app import make_app


def screen_text(app) -> str:
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
    )
    console.print(screen_render(app))
    return console.export_text()


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def prepare(world, tmp_path) -> None:
    from sync import branches
    from sync.office import import_file
    from sync.reconcile import import_ledger

    bundle = export(world).path
    ledger = tmp_path / "ledger.csv"
    # the office's ledger agrees with the branch except one unit's shares: one difference
    ledger.write_text(
        "代办处编码,单位编码,险种代码,参保人数,份数,应缴会费（元）,给付件数,给付金额（元）\n"
        "004,U01,ZYYL,6,13,650.00,1,1500.00\n004,U01,ZJB,3,3,300.00,0,0\n004,U02,ZYYL,4,5,200.00,1,880.00\n",
        encoding="utf-8",
    )
    with world.at_office():
        assert import_file(bundle).status == "imported"
        import_ledger(ledger, PERIOD)
        branches.apply("101", "新区", NOW - dt.timedelta(days=15), ["report"])


async def test_office_board_branch_and_todo(world, tmp_path):
    from sync import office_board

    prepare(world, tmp_path)
    with world.at_office():
        board = office_board.board(NOW).to_json()
        items = [i.to_json() for i in office_board.todo(NOW)]
    row = {b["branch_code"]: b for b in board["branches"]}
    assert [m["status"] for m in row["004"]["months"]] == ["late"] * 5 + ["differences"]
    assert row["004"]["months"][-1]["differences"] == 1
    # applied, not started: nothing expected yet; October's bundle is not due before 11-10
    assert {m["status"] for m in row["101"]["months"]} == {"inactive"}
    kinds = sorted({i["kind"] for i in items})
    assert kinds == ["deadline", "differences", "late"], json.dumps(items, ensure_ascii=False)
    with world.at_office():
        from sync.answer import queue_notice

        queue_notice("004", PERIOD, "claim_returned", "材料不全，请补病历", ref="004-claim-1")
    dbmod.close()

    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=NOW, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "代办处看板" in text and "004" in text and "差1" in text and "逾" in text
        assert "会员查询" not in text  # the branch's menu is not the office's
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "代办处 004" in text and "公钥指纹" in text
        # the bundle's status and the branch's records read in Chinese, not as the bundle's codes
        bundles = app.screen.query_one("#bundles")
        cells = [str(c) for i in range(bundles.row_count) for c in bundles.get_row_at(i)]
        assert "已导入" in cells and "imported" not in cells and "ok" not in cells
        records = app.screen.query_one("#records")
        rows = [[str(c) for c in records.get_row_at(i)] for i in range(records.row_count)]
        assert rows and all(not row[0].isascii() for row in rows), rows
        named = [row[3] for row in rows if row[0] in ("理赔", "互助互济", "交接", "单位")]
        assert named and all(not state.isascii() for state in named), rows
        # plans by name, not the bundle's codes (ZYYL); a notice's kind in words
        plans = {"住院医疗", "重大疾病", "意外伤害"}
        figures = app.screen.query_one("#figures")
        figure_rows = [[str(c) for c in figures.get_row_at(i)] for i in range(figures.row_count)]
        assert figure_rows and {row[1] for row in figure_rows} <= plans, figure_rows
        assert not any(code in " ".join(row) for row in rows for code in ("ZYYL", "ZJB", "YWSH")), rows
        notices = app.screen.query_one("#notices")
        notice_rows = [[str(c) for c in notices.get_row_at(i)] for i in range(notices.row_count)]
        assert [row[1] for row in notice_rows] == ["案件打回"], notice_rows
        await pilot.press("escape", "t")
        await settle(pilot)
        text = screen_text(app)
        assert "逾期未报送" in text and "差异未回复" in text and "登记簿期限" in text
        assert "101 新区：核准或驳回设立申请" in text
