"""The management-fee accounts through ``huzhu`` in subprocesses, from a database made by
``huzhu init`` (DOMAIN §11, R3.5, R4.4 as revised, R11.4, R11.5, R11.7; docs/mgmt-fee.md).

Users: zhang (负责人, from init), wang (second 负责人), zhao (会计), qian (出纳), li (经办人),
all added by signed supervisor grants (``huzhu user add --role``). The year's budget is
drafted and approved with ``huzhu budget add|approve``. Built once per module, copied per test."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.cli_kit import Branch, copy_database
from tests.conftest import TODAY

PASS = "branch pass"
YEAR = TODAY.year
DAY = TODAY.isoformat()
USERS = {"wang": "supervisor", "zhao": "accountant", "qian": "cashier", "li": "clerk"}


CLI = Branch(PASS)
run, ok, refused, query = CLI.run, CLI.ok, CLI.refused, CLI.query


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    db = CLI.init(tmp_path_factory.mktemp("mgmt") / "b.hzdb", USERS)
    for line, amount in (("running_costs", "20000"), ("publicity_training", "8000"), ("welfare", "50000")):
        ok(db, "budget", "add", "--year", YEAR, "--line", line, "--amount", amount)
    ok(db, "budget", "approve", "--year", YEAR, "--meeting-date", f"{YEAR}-01-01", "--minutes", "管委会纪要1号")
    return db


@pytest.fixture
def db(template, tmp_path):
    return copy_database(template, tmp_path)


def test_roles_are_granted_and_listed(db):
    users = {u["user"]: u for u in ok(db, "user", "list", "--json")}
    assert users["zhao"]["role_zh"] == "会计" and users["qian"]["role_zh"] == "出纳"
    assert users["zhao"]["granted"] and users["qian"]["granted"]


def test_income_spending_separation_and_account(db):
    refused(db, "ledger", "income", "--amount", "30000", "--on", DAY, reason="R11.4.reference_required")  # no reference
    ok(db, "ledger", "income", "--amount", "30000", "--on", DAY, "--reference", "京互办〔2026〕1号", user="zhao")
    ok(db, "ledger", "income", "--kind", "other", "--amount", "100", "--on", DAY, "--note", "利息", user="zhao")
    # A category no line may carry, a line that does not carry it, over the line: refused.
    refused(db, "ledger", "spend", "--category", "asset", "--amount", "10", "--payee", "x", "--note", "y", user="zhao")
    refused(
        db, "ledger", "spend", "--category", "office", "--line", "publicity_training", "--amount", "10",
        "--payee", "x", "--note", "y", user="zhao", reason="R11.7.line_category_mismatch",
    )  # fmt: skip
    refused(
        db, "ledger", "spend", "--category", "office", "--amount", "20000.01", "--payee", "x", "--note", "y",
        user="zhao", reason="R3.4.budget_exceeded",
    )  # fmt: skip
    entered = ok(
        db, "ledger", "spend", "--category", "office", "--amount", "1200.50", "--payee", "文具店",
        "--note", "办公用品", "--on", DAY, "--json", user="zhao",
    )  # fmt: skip
    n = entered["spending_id"]
    assert entered["needs_decision"] is False
    # The recorder neither approves nor pays; a non-supervisor does not approve; an accountant does not pay.
    refused(db, "ledger", "approve", n, user="zhao", reason="R3.5.self_approval")
    refused(db, "ledger", "pay", n, "--ref", "ZZ1", user="qian", reason="R11.state.order")  # not yet approved
    ok(db, "ledger", "approve", n)
    refused(db, "ledger", "pay", n, "--ref", "ZZ1", user="zhao", reason="R4.sep.payer_is_recorder")
    ok(db, "ledger", "pay", n, "--ref", "ZZ1", "--voucher", "记-3", user="qian")
    row = query(db, "SELECT state, entered_by, approved_by, paid_by, payment_ref FROM mgmt_spending WHERE id = ?", n)
    assert row == [("paid", "zhao", "zhang", "qian", "ZZ1")]
    account = ok(db, "ledger", "account", "--year", YEAR, "--json")
    assert (account["income_fen"], account["spent_fen"], account["closing_fen"]) == (3_010_000, 120_050, 2_889_950)
    running = next(line for line in account["lines"] if line["code"] == "running_costs")
    assert (running["other_paid_fen"], running["remaining_fen"]) == (120_050, 2_000_000 - 120_050)
    budget = ok(db, "budget", "list", "--year", YEAR, "--json")
    assert next(x for x in budget["lines"] if x["code"] == "running_costs")["committed_fen"] == 120_050
    listed = ok(db, "ledger", "list", "--year", YEAR, "--json")
    assert [r["paid_by"] for r in listed["spending"]] == ["qian"] and len(listed["income"]) == 2
    # The audit chain names every step (signed).
    actions = [a for (a,) in query(db, "SELECT action FROM audit_event WHERE action LIKE 'mgmt.%' ORDER BY seq")]
    assert actions == ["mgmt.income", "mgmt.income", "mgmt.spend.enter", "mgmt.spend.approve", "mgmt.spend.pay"]
    ok(db, "check")


def test_collective_decision_above_the_threshold(db):
    n = ok(
        db, "ledger", "spend", "--category", "office", "--amount", "12000", "--payee", "物业公司",
        "--note", "办公场所年度物业费", "--on", DAY, "--json", user="li",
    )["spending_id"]  # fmt: skip
    refused(db, "ledger", "approve", n, reason="R11.5.decision_missing")
    refused(
        db, "decision", "add", "--on", DAY, "--attendee", "张", "--attendee", "王", "--decision", "同意",
        reason="R11.5.attendees_too_few",
    )  # fmt: skip
    small = ok(
        db, "decision", "add", "--on", DAY, "--attendee", "张主任", "--attendee", "王委员", "--attendee", "赵会计",
        "--decision", "同意支付物业费", "--amount", "10000", "--minutes", "纪要2号", "--json",
    )["decision_id"]  # fmt: skip
    refused(db, "ledger", "approve", n, "--decision", small, reason="R11.5.decision_amount_short")
    d = ok(
        db, "decision", "add", "--on", DAY, "--attendee", "张主任", "--attendee", "王委员", "--attendee", "赵会计",
        "--decision", "同意支付物业费", "--amount", "12000", "--minutes", "纪要3号", "--json",
    )["decision_id"]  # fmt: skip
    ok(db, "ledger", "approve", n, "--decision", d)
    refused(db, "ledger", "pay", n, "--ref", "ZZ2", user="zhao", reason="R4.sep.accountant_pays")
    ok(db, "ledger", "pay", n, "--ref", "ZZ2", user="qian")
    assert query(db, "SELECT decision_id FROM mgmt_spending WHERE id = ?", n) == [(d,)]
    listed = ok(db, "decision", "list", "--json")
    assert listed[-1]["attendees"] == ["张主任", "王委员", "赵会计"] and listed[-1]["minutes_ref"] == "纪要3号"


def test_custody_register_refuses_the_lone_accountant(db):
    # zhao is the only accountant: never the sole holder of any of the three.
    refused(
        db,
        "custody",
        "assign",
        "--kind",
        "finance_seal",
        "--holder",
        "zhao",
        reason="R4.4.single_accountant_sole_holder",
    )
    ok(db, "custody", "assign", "--kind", "finance_seal", "--holder", "zhao", "--joint", "zhang")
    ok(db, "custody", "assign", "--kind", "personal_seal", "--item", "张主任人名章", "--holder", "zhang")
    # zhang would then be the sole holder of all three kinds.
    ok(db, "custody", "assign", "--kind", "finance_seal", "--holder", "zhang")
    refused(db, "custody", "assign", "--kind", "cheques", "--holder", "zhang", reason="R4.4.one_person_all_three")
    ok(db, "custody", "assign", "--kind", "cheques", "--holder", "qian")
    listed = ok(db, "custody", "list", "--json")
    assert listed["ok"] and {(h["kind"], h["holder"]) for h in listed["holdings"]} == {
        ("finance_seal", "zhang"),
        ("personal_seal", "zhang"),
        ("cheques", "qian"),
    }
    history = ok(db, "custody", "list", "--all", "--json")["holdings"]
    assert any(h["joint_holder"] == "zhang" and h["to"] == DAY for h in history)


def test_reports_reopened_match_the_database(db, tmp_path):
    ok(db, "ledger", "income", "--amount", "30000", "--on", DAY, "--reference", "京互办〔2026〕1号", user="zhao")
    n = ok(
        db, "ledger", "spend", "--category", "training", "--amount", "800", "--payee", "培训中心",
        "--note", "业务培训", "--on", DAY, "--json", user="zhao",
    )["spending_id"]  # fmt: skip
    ok(db, "ledger", "approve", n)
    ok(db, "ledger", "pay", n, "--ref", "ZZ9", user="qian")
    out = tmp_path / "mgmt.xlsx"
    ok(db, "report", "mgmt_fee", "--period", str(YEAR), "--out", out)
    ws = load_workbook(out).active
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and int(ws.page_setup.fitToWidth) == 1
    assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows and ws["A1"].value == "管理费使用统计表"
    cells = {str(r[0].value): [c.value for c in r] for r in ws.iter_rows() if r[0].value is not None}
    income = query(db, "SELECT SUM(amount_fen) FROM mgmt_income WHERE voided_on IS NULL")[0][0]
    paid = query(db, "SELECT SUM(amount_fen) FROM mgmt_spending WHERE state = 'paid'")[0][0]
    training = next(v for k, v in cells.items() if "培训" in k)
    assert float(training[-1]) * 100 == 80_000
    data = ok(db, "report", "mgmt_fee", "--period", str(YEAR), "--json")
    totals = {r["item"]: r["amount_fen"] for r in data["rows"]}
    assert totals["本期收入合计"] == income and totals["本期支出合计"] == paid
    assert totals["期末余额"] == income - paid
    budget = ok(db, "report", "budget", "--period", str(YEAR), "--json")
    line = next(r for r in budget["rows"] if r["code"] == "publicity_training")
    assert line["year_fen"] == 80_000 and line["budget_fen"] == 800_000 and abs(line["rate"] - 0.1) < 1e-9
    csv_out = tmp_path / "budget.csv"
    ok(db, "report", "budget", "--period", str(YEAR), "--out", csv_out)
    assert "publicity_training" in csv_out.read_text(encoding="utf-8-sig")
