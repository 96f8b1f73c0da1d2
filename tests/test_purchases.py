"""Purchases and the fixed-asset register (docs/rules.md R13) from an empty ``huzhu init`` database.

Through the real command: a bulk purchase refused with fewer than three quotes, with a score
out of range and without the three signatures; decided for the highest total; both forms
written and reopened against the database; a small purchase decided on one quote; a tie
decided only with a reason; an asset's life (acquired from its purchase, moved, disposed of
with an approval) and the year's count, and the audit materials list reading the register."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import openpyxl
import pytest

from models import admin, clock
from models import db as dbmod
from models.errors import RuleRefused, ValidationFailed
from tests.cli_kit import Branch, as_, huzhu, ok, refused
from tests.conftest import CHEAP_KDF, TODAY

PASS = "采购 pass 12"
YEAR = TODAY.year


def run(*args, db):
    return huzhu(*args, env=as_(db, "zhang", PASS))


sql = Branch(PASS).query


@pytest.fixture
def fresh_db(tmp_path):
    """What ``huzhu init`` makes, with cheap Argon2 parameters; no other data."""
    db = tmp_path / "b.hzdb"
    admin.create_database(db, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASS, kdf=CHEAP_KDF)
    return db


@pytest.fixture
def opened(fresh_db):
    """The fresh database unlocked in this process, with this year's budget approved (the
    only data a purchase needs), entered through the same services the commands call."""
    from models.budget import add_line, approve

    dbmod.unlock(fresh_db, "zhang", PASS)
    add_line(YEAR, "purchases_assets", 10_000_000)
    approve(YEAR, TODAY, "纪要1")
    return fresh_db


def test_a_bulk_purchase_through_the_command_with_its_forms(fresh_db, tmp_path):
    db = fresh_db
    refused(run("purchase", "new", "--title", "电脑", "--quantity", 2, "--estimate", 9000, db=db), 3, "预算")
    ok(run("budget", "add", "--year", YEAR, "--line", "purchases_assets", "--amount", 50000, db=db))
    ok(run("budget", "approve", "--year", YEAR, "--meeting-date", TODAY, "--minutes", "纪要1", db=db))
    made = json.loads(
        ok(
            run(
                "purchase",
                "new",
                "--title",
                "办公电脑",
                "--quantity",
                2,
                "--estimate",
                9000,
                "--spec",
                "i5",
                "--json",
                db=db,
            )
        ).stdout
    )
    assert made["number"] == "CG0001" and made["bulk"] is True and made["threshold_fen"] == 500_000
    quote = ("purchase", "quote", "CG0001")
    ok(run(*quote, "--supplier", "甲公司", "--unit-price", 4800, "--phone", "010-1", "--model", "M1", db=db))
    ok(run(*quote, "--supplier", "乙公司", "--unit-price", "5000", "--payment-terms", "货到付款", db=db))
    refused(run(*quote, "--supplier", "乙公司", "--unit-price", 1, db=db), 3, "已有报价")
    events = sql(db, "SELECT count(*) FROM audit_event")
    # fewer than three quotes above the threshold: refused with the article, nothing written
    proc = refused(run("purchase", "decide", 1, db=db), 3, "至少 3 家不同供应商报价")
    assert "R13.1.quotes_insufficient" in proc.stderr and "004" in proc.stderr
    assert sql(db, "SELECT count(*) FROM audit_event") == events
    assert sql(db, "SELECT state, chosen_quote FROM purchase") == [("open", None)]
    ok(run(*quote, "--supplier", "丙公司", "--unit-price", 5100, db=db))
    score = ("purchase", "score", 1)
    proc = refused(run(*score, "--scorer", "张三", "--row", "甲公司=21,30,40,10", db=db), 3, "不在 0 至 20 分之间")
    assert "R13.1.score_out_of_range" in proc.stderr
    refused(run(*score, "--scorer", "张三", "--row", "甲公司=1.5,3,4,1", db=db), 3, "整数分")
    refused(run(*score, "--scorer", "张三", "--row", "丁公司=1,3,4,1", db=db), 3, "没有报价")
    ok(run(*score, "--scorer", "张三", "--row", "甲公司=18,28,35,9", "--row", "乙公司=17,27,36,9", db=db))
    refused(run("purchase", "decide", 1, db=db), 3, "张三 的评分表缺少对 丙公司 的评分")
    ok(
        run(
            *score,
            "--scorer",
            "张三",
            "--row",
            "甲公司=18,28,35,9",
            "--row",
            "乙公司=17,27,36,9",
            "--row",
            "丙公司=15,25,30,8",
            db=db,
        )
    )
    ok(
        run(
            *score,
            "--scorer",
            "李四",
            "--row",
            "甲公司=18,28,35,9",
            "--row",
            "乙公司=19,27,38,9",
            "--row",
            "丙公司=15,25,30,8",
            db=db,
        )
    )
    refused(run("purchase", "decide", 1, db=db), 3, "缺少签字：管委会主任、代办处主任、经手人")
    ok(run("purchase", "compare", 1, "--chair", "王主任", "--director", "李主任", "--handler", "赵经手", db=db))
    refused(run("purchase", "decide", 1, "--supplier", "甲公司", db=db), 3, "不是总分最高者：须写明理由")
    decided = json.loads(ok(run("purchase", "decide", 1, "--json", db=db)).stdout)
    assert decided["chosen_supplier"] == "乙公司" and decided["amount_fen"] == 1_000_000
    assert decided["totals"] == {"乙公司": 182, "甲公司": 180, "丙公司": 156}
    refused(run(*quote, "--supplier", "丁公司", "--unit-price", 1, db=db), 3, "已确定供应商")

    out = tmp_path / "forms.xlsx"
    ok(run("purchase", "show", "CG0001", "--out", out, db=db))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["附件4 价格对比表", "附件3 评分表1", "附件3 评分表2", "附件3 评分汇总"]
    comparison = wb["附件4 价格对比表"]
    assert comparison.page_setup.orientation == "landscape" and comparison.page_setup.paperSize == 9
    cells = [[c for c in row] for row in comparison.iter_rows(values_only=True)]
    quotes = sql(db, "SELECT supplier, phone, unit_price_fen, total_fen FROM purchase_quote ORDER BY id")
    headers = [v for v in cells[2] if v]
    assert headers[5:] == [f"供应商{i}：{s}" for i, (s, *_) in enumerate(quotes, 1)]
    item = cells[4]
    assert item[:5] == [1, "办公电脑", "i5", None, 2]  # openpyxl reads an empty cell back as None
    for i, (_, phone, unit, total) in enumerate(quotes):
        assert item[5 + 3 * i] == phone
        assert Decimal(str(item[6 + 3 * i])) * 100 == unit and Decimal(str(item[7 + 3 * i])) * 100 == total
    signers = {row[0]: row[1] for row in cells if row[0] in ("管委会主任：", "代办处主任：", "经手人：")}
    assert signers == dict(
        zip(
            ("管委会主任：", "代办处主任：", "经手人："),
            sql(db, "SELECT chair, director, handler FROM purchase")[0],
            strict=True,
        )
    )
    points = sql(
        db,
        "SELECT s.scorer, q.supplier, s.qualification, s.price, s.quality, s.after_sales FROM purchase_score s "
        "JOIN purchase_quote q ON q.id = s.quote_id ORDER BY s.scorer, q.id",
    )
    for sheet in ("附件3 评分表1", "附件3 评分表2"):
        ws = wb[sheet]
        scorer = ws["A2"].value.rsplit("评分人员：", 1)[1]
        rows = [r for r in ws.iter_rows(min_row=5, max_row=7, values_only=True)]
        assert [(scorer, r[0], *r[2:6]) for r in rows] == [p for p in points if p[0] == scorer]
        assert all(r[6] == sum(r[2:6]) for r in rows)
        assert any(row[0] == "3、评分人员签字：" and row[2] == scorer for row in ws.iter_rows(values_only=True))
    summary = [r for r in wb["附件3 评分汇总"].iter_rows(values_only=True)]
    assert {r[0]: r[6] for r in summary[4:7]} == decided["totals"]
    assert any(r[0] == "中选单位：乙公司" for r in summary)
    listed = json.loads(ok(run("purchase", "list", "--json", db=db)).stdout)
    assert [p["number"] for p in listed["purchases"]] == ["CG0001"]


def test_below_the_threshold_one_quote_is_enough(opened):
    from models import purchases

    view = purchases.new("订书机", 10, 30_000)
    assert view.bulk.outcome == "small"
    purchases.add_quote(view.id, "文具店", 3_000)
    done = purchases.decide(view.id)
    assert done.view.chosen_supplier == "文具店" and done.view.amount_fen == 30_000
    assert done.decision.code == "R13.1.chosen"
    # an estimate below the threshold does not take a dearer quote out of comparison
    cheap = purchases.new("打印机", 1, 100_000)
    purchases.add_quote(cheap.id, "甲", 900_000)
    with pytest.raises(RuleRefused) as refusal:
        purchases.decide(cheap.id)
    assert "R13.1.quotes_insufficient" in [d.code for d in refusal.value.decisions]


def test_fewer_quotes_only_with_a_recorded_reason(opened):
    from models import purchases

    view = purchases.new("专用设备", 1, 800_000, kind="asset")
    purchases.add_quote(view.id, "唯一厂家", 800_000)
    purchases.score(view.id, "张三", [("唯一厂家", 18, 25, 35, 9)])
    purchases.sign_comparison(view.id, "王主任", "李主任", "赵经手")
    with pytest.raises(RuleRefused):
        purchases.decide(view.id)
    done = purchases.decide(view.id, few_quotes_reason="独家生产，无其他供应商")
    assert "R13.1.few_quotes_reason" in done.report.codes
    assert dbmod.database.execute_sql("SELECT few_quotes_reason, state FROM purchase").fetchall() == [
        ("独家生产，无其他供应商", "decided")
    ]


def test_a_tie_is_decided_only_with_a_reason(opened):
    from models import purchases

    view = purchases.new("会员慰问品", 100, 1_000_000)
    for supplier in ("甲", "乙", "丙"):
        purchases.add_quote(view.id, supplier, 10_000)
    purchases.score(view.id, "张三", [("甲", 20, 30, 40, 10), ("乙", 20, 30, 40, 10), ("丙", 10, 10, 10, 5)])
    purchases.sign_comparison(view.id, "王主任", "李主任", "赵经手")
    shown = purchases.show(view.id)
    assert shown.ranking.outcome == "tie" and list(shown.ranking.data["tied"]) == ["甲", "乙"]
    for supplier, reason, code in (
        (None, None, "R13.1.tie_needs_choice"),
        ("乙", None, "R13.1.tie_reason_missing"),
        ("乙", " ", "R13.1.tie_reason_missing"),
    ):
        with pytest.raises(RuleRefused) as refusal:
            purchases.decide(view.id, supplier, reason=reason)
        assert refusal.value.decisions[-1].code == code
    done = purchases.decide(view.id, "乙", reason="乙交货期更短")
    assert "R13.1.tie_reason" in done.report.codes
    row = dbmod.database.execute_sql("SELECT decision_reason, amount_fen FROM purchase").fetchone()
    assert row == ("乙交货期更短", 1_000_000)
    detail = json.loads(
        dbmod.database.execute_sql("SELECT detail FROM audit_event WHERE action = 'purchase.decide'").fetchone()[0]
    )
    assert detail["supplier"] == "乙" and detail["reason"] == "乙交货期更短"


def test_an_asset_from_acquisition_to_disposal_and_the_yearly_count(opened, tmp_path):
    from models import assets, purchases, reports, selfcheck
    from models.staff import add_account

    add_account("王芳", "wangfang")
    add_account("刘强", "liuqiang")
    view = purchases.new("办公电脑", 1, 400_000, kind="asset")
    purchases.add_quote(view.id, "甲公司", 400_000, model="M1")
    with pytest.raises(ValidationFailed, match="尚未确定供应商"):
        assets.add(None, "办公室", "王芳", purchase_id=view.id)
    purchases.decide(view.id)
    pc = assets.add(None, "办公室", "王芳", purchase_id=view.id, invoice_no="FP001")
    assert (pc.name, pc.model, pc.amount_fen, pc.purchase_id, pc.keeper) == ("办公电脑", "M1", 400_000, view.id, "王芳")
    with pytest.raises(ValidationFailed, match="没有经办人或用户名"):
        assets.add("打印机", "办公室", "nobody", amount_fen=180_000)
    printer = assets.add("打印机", "办公室", "wangfang", amount_fen=180_000, acquired_on=dt.date(YEAR - 1, 5, 1))
    car = assets.add("汽车", "车库", "刘强", amount_fen=15_000_000, title_doc="行驶证", acquired_on=dt.date(2020, 5, 1))
    moved = assets.move(printer.id, location="二楼", keeper="刘强", reason="调整办公室")
    assert (moved.location, moved.keeper) == ("二楼", "刘强")
    assert dbmod.database.execute_sql(
        "SELECT location_from, location_to, reason FROM asset_move WHERE asset_id = ?", (printer.id,)
    ).fetchall() == [("办公室", "二楼", "调整办公室")]
    with pytest.raises(RuleRefused) as refusal:
        assets.dispose(car.id, "报废", " ")
    assert refusal.value.decisions[0].code == "R13.2.disposal_approval"
    with pytest.raises(RuleRefused):
        assets.dispose(car.id, "", "纪要5号")
    gone = assets.dispose(car.id, "报废", "主任办公会纪要5号")
    assert gone.state == "disposed" and gone.disposed_on == TODAY
    with pytest.raises(ValidationFailed, match="已于"):
        assets.move(car.id, location="x", reason="y")

    counted = assets.count(YEAR, "王芳、刘强", missing=[printer.id], differs={pc.id: "放在会议室"})
    assert counted.counts() == {"found": 0, "differs": 1, "missing": 1}  # the car was gone by the count
    with pytest.raises(RuleRefused) as refusal:
        assets.count(YEAR, "王芳")
    assert refusal.value.decisions[0].code == "R13.2.count_exists"
    with pytest.raises(ValidationFailed, match="不在"):
        assets.count(YEAR - 1, "王芳", on=dt.date(YEAR - 1, 12, 31), missing=[pc.id])
    assert dbmod.database.execute_sql(
        "SELECT a.name, l.result, l.note FROM asset_count_line l JOIN fixed_asset a ON a.id = l.asset_id ORDER BY a.id"
    ).fetchall() == [("办公电脑", "differs", "放在会议室"), ("打印机", "missing", None)]

    # the audit's materials list (001 附件3 6) reads the register
    material = next(m for m in selfcheck.MATERIALS if m.number == 6)
    assert material.reports == ("assets", "purchases")
    register = reports.build("assets", str(YEAR))
    assert [(r["number"], r["count"]) for r in register.rows] == [
        (pc.number, "有差异"),
        (printer.number, "盘亏（未找到）"),
        (car.number, ""),
    ]
    assert register.totals["amount_fen"] == 400_000 + 180_000 + 15_000_000
    files = selfcheck.produce_materials(YEAR, tmp_path / "materials")
    written = next(f for f in files if "财产盘点明细表" in f.name)
    ws = openpyxl.load_workbook(written).active
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and str(r[0]).startswith("ZC")]
    stored = dbmod.database.execute_sql("SELECT id, name, amount_fen, location FROM fixed_asset ORDER BY id").fetchall()
    assert [(r[0], r[1], Decimal(str(r[4])) * 100, r[8]) for r in rows] == [
        (f"ZC{i:04d}", name, amount, location) for i, name, amount, location in stored
    ]
    assert ws.page_setup.paperSize == 9 and ws.oddFooter.center.text


def test_every_write_is_sealed_and_signed(opened):
    from models import assets, audit, purchases, rowseal
    from models.staff import add_account

    add_account("王芳", "wangfang")
    view = purchases.new("椅子", 4, 200_000)
    purchases.add_quote(view.id, "家具店", 50_000)
    purchases.decide(view.id)
    assets.add(None, "会议室", "王芳", purchase_id=view.id)
    actions = [
        r[0] for r in dbmod.database.execute_sql("SELECT action FROM audit_event WHERE sig IS NOT NULL ORDER BY seq")
    ]
    assert actions[-4:] == ["purchase.new", "purchase.quote", "purchase.decide", "asset.add"]
    assert audit.verify().ok
    findings, checked = rowseal.verify()
    assert findings == [] and checked
    dbmod.database.execute_sql("UPDATE fixed_asset SET location = '别处'")
    findings, _ = rowseal.verify()
    assert [(f.table, f.kind) for f in findings] == [("fixed_asset", "changed")]


def test_a_quote_dated_in_the_future_is_refused(opened):
    from models import purchases

    view = purchases.new("纸", 1, 10_000)
    with pytest.raises(ValidationFailed, match="晚于今天"):
        purchases.add_quote(view.id, "店", 10_000, on=clock.today() + dt.timedelta(days=1))
