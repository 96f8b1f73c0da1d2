"""Registers and statistics: the written .xlsx and .csv hold the database's figures, print on
A4, and never show a full ID number or a bank account."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from openpyxl import load_workbook
from reports_kit import PASSPHRASE, USER, small_demo

from models import db as dbmod
from models import reports
from models.db import database
from models.errors import UsageError
from models.tabular import read_table
from tests.cli_kit import as_, huzhu


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("reports") / "demo.hzdb")


@pytest.fixture
def demo(demo_file):
    dbmod.unlock(demo_file, USER, PASSPHRASE, read_only=True)
    return demo_file


def scalar(sql, *params):
    return database.execute_sql(sql, params).fetchone()[0]


def sheet_rows(path, title):
    ws = load_workbook(path)[title]
    return ws, [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]


def fen(value) -> int:
    return round(value * 100)


def test_period_is_a_month_or_a_year():
    assert reports.parse_period("2026-02").end == dt.date(2026, 2, 28)
    year = reports.parse_period("2026")
    assert (year.start, year.end, year.label) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年度")
    for bad in ("2026-13", "26-01", "2026/01", ""):
        with pytest.raises(UsageError):
            reports.parse_period(bad)


def test_disbursement_register_xlsx_totals_match_the_database(demo, tmp_path):
    report = reports.build("disbursements", "2025")
    path = reports.write(report, tmp_path / "d.xlsx")
    ws, rows = sheet_rows(path, "慰问金发放登记簿")
    data, total = rows[: len(report.rows)], rows[len(report.rows)]
    amount = [c.key for c in report.columns].index("amount_fen")
    expected = scalar(
        "SELECT sum(amount_fen) FROM disbursement WHERE state IN ('paid', 'signed') "
        "AND paid_on BETWEEN '2025-01-01' AND '2025-12-31'"
    )
    assert expected > 0 and len(data) == scalar(
        "SELECT count(*) FROM disbursement WHERE state IN ('paid', 'signed') "
        "AND paid_on BETWEEN '2025-01-01' AND '2025-12-31'"
    )
    assert fen(total[amount]) == expected == sum(fen(r[amount]) for r in data)
    assert total[0].startswith("合计")
    assert ws["A1"].value == "慰问金发放登记簿" and "004 朝阳" in ws["A2"].value
    assert [c.value for c in ws[3]][-1] == "受益会员签字"


def test_statistics_totals_match_the_database_for_a_year_and_a_month(demo, tmp_path):
    for period in ("2025", "2026-02"):
        report = reports.build("statistics", period)
        path = reports.write(report, tmp_path / f"s{period}.xlsx")
        _, rows = sheet_rows(path, "会费收入、理赔给付业务统计报表")
        keys = [c.key for c in report.columns]
        total = rows[len(report.rows)]
        p = reports.parse_period(period)
        assert total[keys.index("claims_reported")] == scalar(
            "SELECT count(*) FROM claim_report WHERE report_date BETWEEN ? AND ?", *p.bounds
        )
        assert fen(total[keys.index("benefit_fen")]) == scalar(
            "SELECT coalesce(sum(benefit_fen), 0) FROM claim_report WHERE settled_on BETWEEN ? AND ?", *p.bounds
        )
        assert fen(total[keys.index("fees_due_fen")]) == sum(r["fees_due_fen"] for r in report.rows) > 0


def test_monthly_statistics_are_the_figures_the_bundle_sends(demo):
    from sync.export import branch_figures

    figures = {(f["unit_code"], f["plan_code"]): f for f in branch_figures("2026-02")}
    rows = reports.build("statistics", "2026-02").rows
    assert {(r["unit_code"], r["plan_code"]) for r in rows} == set(figures)
    for r in rows:
        f = figures[(r["unit_code"], r["plan_code"])]
        assert all(r[k] == f[k] for k in f if k not in ("unit_code", "plan_code")), r


def test_budget_execution_rate(demo, tmp_path):
    report = reports.build("budget", "2025")
    path = reports.write(report, tmp_path / "b.xlsx")
    _, rows = sheet_rows(path, "预算完成情况表")
    keys = [c.key for c in report.columns]
    total = rows[len(report.rows)]
    budget = scalar("SELECT sum(amount_fen) FROM budget_line WHERE year = 2025")
    spent = scalar(
        "SELECT sum(d.amount_fen) FROM disbursement d JOIN budget_line b ON b.id = d.budget_line_id "
        "WHERE b.year = 2025 AND d.state IN ('paid', 'signed') AND d.paid_on <= '2025-12-31'"
    )
    assert fen(total[keys.index("budget_fen")]) == budget
    assert fen(total[keys.index("year_fen")]) == spent
    assert total[keys.index("rate")] == pytest.approx(spent / budget)
    assert reports.display(report.columns[-1], 0.154875) == "15.5%"


def test_claims_register_has_the_register_columns_and_totals(demo, tmp_path):
    report = reports.build("claims", "2025")
    titles = [c.title for c in report.columns]
    for column in (
        "单位名称",
        "出险人姓名",
        "主要诊断",
        "申报险种",
        "申报份数",
        "报案日期",
        "报案人",
        "上报日期",
        "打回日期",
    ):
        assert column in titles
    path = reports.write(report, tmp_path / "c.xlsx")
    _, rows = sheet_rows(path, "报案登记簿")
    total = rows[len(report.rows)]
    assert total[titles.index("申报份数")] == scalar(
        "SELECT sum(shares_claimed) FROM claim_report WHERE report_date BETWEEN '2025-01-01' AND '2025-12-31'"
    )


def test_xlsx_is_set_up_for_a4(demo, tmp_path):
    path = reports.write(reports.build("claims", "2025"), tmp_path / "c.xlsx")
    ws = load_workbook(path)["报案登记簿"]
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.column_dimensions["E"].width >= reports.text_width("主要诊断") + 2  # CJK counts two cells


def test_receipts_print_one_form_per_page(demo, tmp_path):
    report = reports.build("receipts", "2025")
    wb = load_workbook(reports.write(report, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["慰问金发放签收单", "慰问金发放签收单清单"]
    forms = wb["慰问金发放签收单"]
    assert len(forms.row_breaks.brk) == len(report.rows) > 0
    text = [c for row in forms.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert sum(1 for t in text if t == "受益会员签字：") == len(report.rows)
    assert any("大写：" in t for t in text)


def test_csv_round_trips_with_the_totals_row_last(demo, tmp_path):
    for name in ("disbursements", "statistics", "claims"):
        report = reports.build(name, "2025")
        path = reports.write(report, tmp_path / f"{name}.csv")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        sheet = read_table(path)
        assert sheet.headers == [c.title for c in report.columns]
        got = [[row.get(h, "") for h in sheet.headers] for _, row in sheet.rows]
        expected = report.text_rows()
        # read_table drops the trailing blanks of a row; compare the cells it kept
        assert [r[: len(e)] for r, e in zip(got, expected, strict=True)] == [[c for c in e] for e in expected]
        assert got[-1][0].startswith("合计")


def test_only_masked_ids_and_never_bank_accounts(demo, tmp_path):
    ids = [r[0] for r in database.execute_sql("SELECT id_number FROM member")]
    accounts = [
        r[0]
        for r in database.execute_sql(
            "SELECT bank_account FROM member WHERE bank_account IS NOT NULL UNION SELECT account FROM disbursement "
            "WHERE account IS NOT NULL"
        )
    ]
    assert ids and accounts
    texts = []
    for name in reports.REPORTS:
        report = reports.build(name, "2025")
        texts.append(json.dumps(report.to_json(), ensure_ascii=False))
        reports.write(report, tmp_path / f"{name}.csv")
        texts.append((tmp_path / f"{name}.csv").read_text(encoding="utf-8-sig"))
        with zipfile.ZipFile(reports.write(report, tmp_path / f"{name}.xlsx")) as z:
            texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
    blob = "\n".join(texts)
    assert not [i for i in ids if i in blob]
    assert not [a for a in accounts if a in blob]
    assert "********" in blob  # masked IDs are there


def test_amount_in_words():
    assert reports.amount_in_words(123456) == "壹仟贰佰叁拾肆元伍角陆分"
    assert reports.amount_in_words(200000) == "贰仟元整"
    assert reports.amount_in_words(10010000) == "壹拾万零壹佰元整"
    assert reports.amount_in_words(100005) == "壹仟元零伍分"


def test_unknown_report_and_bad_output_suffix(demo, tmp_path):
    with pytest.raises(UsageError):
        reports.build("nope", "2025")
    with pytest.raises(UsageError):
        reports.write(reports.build("budget", "2025"), tmp_path / "b.pdf")


# --- the command ---------------------------------------------------------------------------------


def run(*args, db):
    return huzhu(*args, env=as_(db, USER, PASSPHRASE))


def test_cli_report_writes_xlsx_and_prints_json(demo_file, tmp_path):
    out = tmp_path / "reg.xlsx"
    proc = run("report", "disbursements", "--period", "2025", "--out", out, "--json", db=demo_file)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["report"] == "disbursements" and data["period"] == "2025" and data["branch"] == "004 朝阳"
    assert data["totals"]["amount_fen"] == sum(r["amount_fen"] for r in data["rows"])
    _, rows = sheet_rows(out, "慰问金发放登记簿")
    assert fen(rows[len(data["rows"])][8]) == data["totals"]["amount_fen"]
    assert "已写入" in proc.stderr

    proc = run("report", "budget", "--period", "2025-13", db=demo_file)
    assert proc.returncode == 2 and "期间应写成" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("report", "statistics", "--period", "2026-02", db=demo_file)
    assert proc.returncode == 0 and "合计" in proc.stdout and "会费收入" in proc.stdout
