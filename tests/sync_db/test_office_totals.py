"""Totals across branches (issue #16): two branches' October bundles imported by the office,
summed per plan and month, through the function, the real ``huzhu office totals`` command (JSON
and XLSX, reopened) and the office board's ``s`` screen."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from openpyxl import load_workbook
from syncdb_kit import EXPECTED, NOW, PASSPHRASE, PERIOD, enroll, export, fill_branch, import_path, new_branch
from test_office_tui import screen_text, settle
from test_sync_cli import as_, ok, run

from models import db as dbmod
from rules import format_fen
from tui.app import make_app
from tui.widgets.columns import FitTable


def two_branches_imported(world) -> None:
    second = new_branch(world.root / "second.hzdb", code="005", name="海淀")
    with world.at_branch(second):
        fill_branch()
    enroll(world, second)
    first_bundle = export(world)
    (world.root / "b2").mkdir()
    second_bundle = export(world, out=world.root / "b2", branch=second)
    assert import_path(world, first_bundle.path).status == "imported"
    assert import_path(world, second_bundle.path).status == "imported"


def expected(plan: str, field: str) -> int:
    return 2 * sum(v[field] for (_unit, p), v in EXPECTED.items() if p == plan)


def test_totals_sum_branches_per_plan_and_month(world):
    from sync import office_totals

    two_branches_imported(world)
    with world.at_office():
        result = office_totals.totals("2026-01", "2026-12").to_json()
    rows = {(r["period"], r["plan_code"]): r for r in result["rows"]}
    assert set(rows) == {(PERIOD, "ZJB"), (PERIOD, "ZYYL"), (PERIOD, "合计")}
    for plan in ("ZYYL", "ZJB"):
        row = rows[(PERIOD, plan)]
        assert row["branches"] == 2
        for field in ("members", "shares", "fees_due_fen", "claims_settled", "benefit_fen"):
            assert row[field] == expected(plan, field), (plan, field)
    month = rows[(PERIOD, "合计")]
    assert month["members"] == expected("ZYYL", "members") + expected("ZJB", "members")
    assert month["disbursed_fen"] == 2 * 100000  # one paid disbursement of 1,000.00 per branch
    assert "disbursed_fen" not in rows[(PERIOD, "ZYYL")]  # not per plan


def test_totals_empty_office_and_bad_months(world, tmp_path):
    from models.errors import UsageError
    from sync import office_totals

    with world.at_office():
        assert office_totals.totals("2026-01", "2026-12").rows == []
    for bad in ("2026-13", "2026/10", ""):
        try:
            office_totals.check_period(bad, "--from")
        except UsageError:
            continue
        raise AssertionError(f"{bad!r} accepted")
    env = as_(world.office, "chen")
    proc = run("office", "totals", "--from", "2026-11", "--to", "2026-10", env=env)
    assert proc.returncode != 0 and "起始月份晚于截止月份" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("office", "totals", "--out", tmp_path / "t.csv", env=env)
    assert proc.returncode != 0 and ".xlsx" in proc.stderr


def test_office_totals_command_json_and_xlsx(world, tmp_path):
    two_branches_imported(world)
    env = as_(world.office, "chen")
    data = json.loads(ok(run("office", "totals", "--from", PERIOD, "--to", PERIOD, "--json", env=env)).stdout)
    zyyl = next(r for r in data["rows"] if r["plan_code"] == "ZYYL")
    assert zyyl["shares"] == expected("ZYYL", "shares") and data["from"] == data["to"] == PERIOD
    out = tmp_path / "totals.xlsx"
    ok(run("office", "totals", "--from", PERIOD, "--to", PERIOD, "--out", out, env=env))
    ws = load_workbook(out)["汇总"]
    header = [c.value for c in ws[1]]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    by_plan = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    assert by_plan["ZYYL"]["份数"] == expected("ZYYL", "shares")
    # money is a number in yuan, not text, so the sheet can sum it
    assert Decimal(str(by_plan["ZYYL"]["应缴会费（元）"])) == Decimal(expected("ZYYL", "fees_due_fen")) / 100
    assert Decimal(str(by_plan["合计"]["互助互济支出（元）"])) == Decimal("2000.00")
    text = ok(run("office", "totals", "--from", PERIOD, "--to", PERIOD, env=env)).stdout
    assert "ZYYL" in text and "合计" in text


async def test_office_board_s_opens_totals_and_x_saves_them(world, tmp_path, monkeypatch):
    two_branches_imported(world)
    dbmod.close()
    monkeypatch.chdir(tmp_path)
    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=NOW, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        text = screen_text(app)
        # #14: plans by name (住院医疗, not ZYYL)
        assert "各代办处汇总" in text and "住院医疗" in text and "重大疾病" in text and "合计" in text
        # #14 item 9: the table chooses its columns for 80 instead of scrolling sideways
        table = app.screen.query_one("#totals", FitTable)
        assert {"月份", "险种", "人数", "份数", "应缴会费", "报案", "已结案", "给付金额"} <= set(table.shown)
        assert "拒付" not in table.shown and table.virtual_size.width <= table.scrollable_content_region.width
        assert "险种代码" not in table.shown and "ZYYL" not in text
        benefit = format_fen(expected("ZYYL", "benefit_fen")).removesuffix("元")
        assert benefit in text, text
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.3)
        assert "拒付" in table.shown and table.virtual_size.width <= table.scrollable_content_region.width
        # with room, the code a clerk types into office commands comes back beside the name
        assert "险种代码" in table.shown and re.search(r"住院医疗\s+ZYYL", screen_text(app))
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        await pilot.press("x")
        await settle(pilot)
        saved = list(tmp_path.glob("各代办处汇总-*.xlsx"))
        assert len(saved) == 1 and "已保存" in screen_text(app)
        assert load_workbook(saved[0])["汇总"].max_row == 4  # header + ZJB, ZYYL, 合计
        await pilot.press("escape")
        await settle(pilot)
        assert "代办处看板" in screen_text(app)
