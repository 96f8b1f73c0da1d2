"""Fees in the monthly bundle (payload version 2, sync/FORMAT.md) and in the office's
reconciliation: due vs collected vs remitted per unit × plan × period, a withheld fee caught,
the price in force on each policy's start (R12.2), and a version 1 bundle still imported."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from syncdb_kit import PERIOD, export, import_path

from models import db as dbmod

NOTICE = b"""
reference = "\xe4\xba\xac\xe4\xba\x92\xe5\x8f\x91\xe3\x80\x942026\xe3\x80\x957\xe5\x8f\xb7"
title = "price notice"
effective_from = 2026-06-01

[[plans]]
code = "ZYYL"
name = "\xe4\xbd\x8f\xe9\x99\xa2\xe5\x8c\xbb\xe7\x96\x97"
category = "medical"
share_price_fen = 7000
observation_days = 90
term_months = 12
materials = ["a"]
app_eligible = false

[[plans]]
code = "ZJB"
name = "zjb"
category = "critical_illness"
share_price_fen = 10000
observation_days = 180
term_months = 12
materials = ["a"]
app_eligible = false
"""


def collect(world, *, withhold: bool = True) -> None:
    """U01 ZYYL (2026) paid in full and remitted; U02 ZYYL (2026-10-16) paid, and — when
    ``withhold`` — not remitted; U01 ZJB (2026-03) not paid."""
    from models.fees import receive, remit

    with world.at_branch():
        receive(unit_code="U01", plan_code="ZYYL", period="2026", amount_fen=70000, on=dt(10, 10), receipt_no="A0001")
        receive(
            unit_code="U02", plan_code="ZYYL", period="2026-10", amount_fen=20000, on=dt(10, 20), receipt_no="A0002"
        )
        remit(amount_fen=70000, on=dt(10, 25), bank_ref="BK-1", covers=["A0001"])
        if not withhold:
            remit(amount_fen=20000, on=dt(10, 28), bank_ref="BK-2", covers=["A0002"])


def dt(month: int, day: int):
    import datetime

    return datetime.date(2026, month, day)


def test_the_office_reconcile_lists_fees_due_collected_remitted_and_catches_a_withheld_fee(world, tmp_path):
    collect(world)
    result = export(world)
    payload_summary = result.summary
    assert payload_summary["payload_version"] == 2
    assert payload_summary["fees"] == {
        "due_fen": 70000 + 30000 + 20000,
        "collected_fen": 90000,
        "remitted_fen": 70000,
        "collected_in_period_fen": 90000,
        "remitted_in_period_fen": 70000,
    }
    assert import_path(world, result.path).status == "imported"
    from sync.reconcile import reconcile, write_csv, write_xlsx

    with world.at_office():
        report = reconcile(PERIOD)
        write_csv(report, tmp_path / "r.csv")
        write_xlsx(report, tmp_path / "r.xlsx")
        data = report.to_json()
    fees = {(d["unit_code"], d["plan_code"], d["start"]): d for d in data["fee_differences"]}
    assert set(fees) == {("U01", "ZJB", "2026-03-01"), ("U02", "ZYYL", "2026-10-16")}
    assert (
        fees[("U02", "ZYYL", "2026-10-16")]["withheld"]
        and fees[("U02", "ZYYL", "2026-10-16")]["unremitted_fen"] == 20000
    )
    assert (
        fees[("U01", "ZJB", "2026-03-01")]["unpaid_fen"] == 30000 and not fees[("U01", "ZJB", "2026-03-01")]["withheld"]
    )
    assert data["fees_withheld_fen"] == 20000 and not data["ok"]
    from sync.reconcile import fee_difference_rows

    assert ["004", "U02", "ZYYL", "未上交会费 2026-10-16起", "200.00", "0.00", "200.00"] in fee_difference_rows(report)
    text = (tmp_path / "r.csv").read_bytes().decode("utf-8-sig")
    table = [row for row in csv.reader(io.StringIO(text)) if row]
    header = table.index(
        [
            "代办处编码",
            "单位编码",
            "险种代码",
            "保单期间",
            "应缴会费（元）",
            "已收会费（元）",
            "已上交（元）",
            "未收（元）",
            "未上交（元）",
        ]
    )
    assert ["004", "U02", "ZYYL", "2026-10-16~2027-10-15", "200.00", "200.00", "0.00", "0.00", "200.00"] in table[
        header:
    ]
    from syncdb_kit import NOW

    from sync import office_board

    with world.at_office():  # no ledger yet, but money is missing: the board says 有差异
        months = {b["branch_code"]: b for b in office_board.board(NOW).to_json()["branches"]}["004"]["months"]
    assert months[-1]["status"] == "differences"
    assert months[-1]["differences"] == len(report.differences) + 2  # the figures (no ledger yet) and the fees
    sheet = load_workbook(tmp_path / "r.xlsx")["会费"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    withheld = next(r for r in rows if r[1] == "U02")
    assert float(withheld[8]) == 200.0 and sheet.cell(row=2, column=9).number_format == "#,##0.00"


def test_nothing_withheld_and_every_fee_paid_leaves_only_the_arrears(world):
    collect(world, withhold=False)
    assert import_path(world, export(world).path).status == "imported"
    from sync.reconcile import reconcile

    with world.at_office():
        data = reconcile(PERIOD).to_json()
    assert [(d["unit_code"], d["plan_code"]) for d in data["fee_differences"]] == [("U01", "ZJB")]
    assert data["fees_withheld_fen"] == 0


def test_a_version_1_bundle_from_an_older_program_is_still_imported(world, monkeypatch):
    import sync.export as export_mod
    from sync.canonical import canonical_dumps

    collect(world)
    made = export_mod.branch_payload

    def older(period):
        payload = made(period)
        payload.files.pop("fees.json")
        payload.summary.pop("fees")
        payload.summary["counts"].pop("fee_lines")
        payload.summary["payload_version"] = 1
        payload.files["summary.json"] = canonical_dumps(payload.summary)
        return payload

    monkeypatch.setattr(export_mod, "branch_payload", older)
    result = export(world)
    outcome = import_path(world, result.path)
    assert outcome.status == "imported", outcome.message_en
    from sync.reconcile import reconcile

    with world.at_office():
        assert dbmod.database.execute_sql("SELECT count(*) FROM office_figure").fetchone()[0] == 3
        assert (
            dbmod.database.execute_sql("SELECT count(*) FROM office_record WHERE kind LIKE 'fee%'").fetchone()[0] == 0
        )
        assert reconcile(PERIOD).fee_differences == []
    # a version 2 bundle that lies about its fee totals is refused
    monkeypatch.setattr(export_mod, "branch_payload", made)

    def lying(period):
        payload = made(period)
        payload.summary["fees"]["remitted_fen"] += 20000
        payload.files["summary.json"] = canonical_dumps(payload.summary)
        return payload

    monkeypatch.setattr(export_mod, "branch_payload", lying)
    refused = import_path(world, export(world).path)
    assert refused.status == "refused" and refused.reason == "summary_mismatch"


def test_fees_due_in_the_bundle_use_the_price_in_force_on_each_policys_start(world):
    from sync.params import check_install, install, issue

    with world.at_office():
        data, _ = issue(NOTICE)
    with world.at_branch():
        verified, result = check_install(data)
        install(data, verified, result)
    with world.at_branch():
        from sync.export import branch_figures

        figures = {(f["unit_code"], f["plan_code"]): f for f in branch_figures(PERIOD)}
    # U01 ZYYL started 2026-01-01, before the notice: the sample 50.00 per share stays
    assert figures[("U01", "ZYYL")]["fees_due_fen"] == 13 * 5000
    # U02 ZYYL renewed 2026-10-16, after the notice's 2026-06-01: 70.00 per share
    assert figures[("U02", "ZYYL")]["fees_due_fen"] == 4 * 7000
    assert figures[("U01", "ZJB")]["fees_due_fen"] == 3 * 10000
