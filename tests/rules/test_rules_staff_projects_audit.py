"""docs/rules.md R4 (handover, logins, custody), §6 (self-assessment, counts) and §7 (projects, suppliers)."""

from datetime import date
from decimal import Decimal

import pytest

from rules import (
    Handover,
    Holding,
    ServiceProject,
    SupplierScore,
    check_audit_counts,
    check_custody,
    check_handover,
    check_project_timeline,
    handover_report_status,
    login_status,
    ruleset_on,
    score_suppliers,
    selfassessment_due,
    working_days_before,
)

RS = ruleset_on(date(2024, 1, 1))
ALL_ITEMS = frozenset(RS["handover_items"])


def handover(**changes):
    values = dict(
        outgoing="张三",
        incoming="李四",
        supervisor="王主任",
        on=date(2025, 3, 3),
        items=ALL_ITEMS,
        open_work_acknowledged=True,
        reported_on=None,
    )
    values.update(changes)
    return Handover(**values)


def test_complete_handover():
    assert check_handover(handover(), RS).codes == ("R4.1.complete",)


@pytest.mark.parametrize(
    "changes, code",
    [
        (dict(supervisor="张三"), "R4.1.supervisor_is_outgoing"),
        (dict(incoming="张三"), "R4.1.same_person"),
        (dict(supervisor=""), "R4.1.person_missing"),
        (dict(items=ALL_ITEMS - {"cheques"}), "R4.1.items_missing"),
        (dict(open_work_acknowledged=False), "R4.1.open_work_not_acknowledged"),
    ],
)
def test_incomplete_handover(changes, code):
    report = check_handover(handover(**changes), RS)
    assert code in report.codes and not report.ok


def test_missing_items_are_named():
    decision = check_handover(handover(items=ALL_ITEMS - {"cheques", "seals"}), RS).errors[0]
    assert decision.data["missing"] == ["印章", "支票"]


def test_handover_report_deadline():
    assert handover_report_status(handover(), date(2025, 3, 13), RS).outcome == "due"
    overdue = handover_report_status(handover(), date(2025, 3, 14), RS)
    assert overdue.outcome == "overdue" and not overdue.ok and overdue.data["due"] == date(2025, 3, 13)
    assert handover_report_status(handover(reported_on=date(2025, 3, 13)), date(2025, 4, 1), RS).outcome == "reported"
    assert (
        handover_report_status(handover(reported_on=date(2025, 3, 14)), date(2025, 4, 1), RS).outcome == "reported_late"
    )


@pytest.mark.parametrize("days, outcome", [(0, "ok"), (149, "ok"), (150, "warn"), (180, "warn"), (181, "overdue")])
def test_login_age(days, outcome):
    last = date(2025, 1, 1)
    assert login_status(last, date.fromordinal(last.toordinal() + days), RS).outcome == outcome


def test_custody_with_a_single_accountant_revised_reading():
    """R4.4 as revised: a lone accountant is the sole holder of none of the three; joint custody is allowed."""
    on = date(2025, 1, 1)
    seal, name_seal, cheques = (
        Holding("finance_seal", "财务专用章", ("赵会计",)),
        Holding("personal_seal", "王主任人名章", ("王主任",)),
        Holding("cheques", "支票", ("钱出纳",)),
    )
    report = check_custody(["赵会计"], [seal, name_seal, cheques], on, RS)
    assert report.codes == ("R4.4.single_accountant_sole_holder",) and "财务专用章" in report.errors[0].message
    joint = Holding("finance_seal", "财务专用章", ("赵会计", "王主任"))
    assert check_custody(["赵会计"], [joint, name_seal, cheques], on, RS).ok
    # Two accountants: one may hold a seal alone, but nobody all three kinds.
    assert check_custody(["赵会计", "孙会计"], [seal, name_seal, cheques], on, RS).ok
    all_one = [Holding(k, k, ("王主任",)) for k in ("finance_seal", "personal_seal", "cheques")]
    assert check_custody(["赵会计", "孙会计"], all_one, on, RS).codes == ("R4.4.one_person_all_three",)
    assert check_custody(["赵会计"], [Holding("stamp", "x", ("甲",))], on, RS).codes == ("R4.4.kind_unknown",)


def test_supplier_scoring_winner_tie_and_validation():
    a, b, c = (
        SupplierScore("甲", 18, 25, 35, 8),
        SupplierScore("乙", 20, 28, 36, 9),
        SupplierScore("丙", 15, 30, Decimal("30.5"), 6),
    )
    winner = score_suppliers([a, b, c], date(2025, 1, 1), RS)
    assert winner.outcome == "winner" and winner.data["winner"] == "乙"
    assert winner.data["totals"][0] == ("乙", Decimal(93))
    tie = score_suppliers([a, b, SupplierScore("丁", 20, 30, 35, 8)], date(2025, 1, 1), RS)
    assert tie.outcome == "tie" and tie.data["tied"] == ["乙", "丁"]
    assert score_suppliers([a, b], date(2025, 1, 1), RS).code == "R7.quotes_insufficient"
    assert score_suppliers([a, b, a], date(2025, 1, 1), RS).code == "R7.quotes_insufficient"
    over = score_suppliers([a, b, SupplierScore("丙", 21, 0, 0, 0)], date(2025, 1, 1), RS)
    assert over.code == "R7.score_out_of_range" and "资质与实力" in over.message


def test_supplier_scoring_is_the_purchase_registers_rule():
    """A project's one sheet of whole points ranks and refuses as the purchase register's R13.1 does."""
    from rules.purchases import CRITERIA, ScoreRow, check_score_sheet, rank

    on = date(2025, 1, 1)
    sheets = [
        [SupplierScore("甲", 18, 25, 35, 8), SupplierScore("乙", 20, 28, 36, 9), SupplierScore("丙", 15, 30, 30, 6)],
        [SupplierScore("甲", 20, 30, 35, 8), SupplierScore("乙", 20, 28, 36, 9), SupplierScore("丙", 15, 30, 30, 6)],
        [SupplierScore("甲", 18, 25, 35, 8), SupplierScore("乙", 20, 31, 36, 9), SupplierScore("丙", 15, 30, 30, 6)],
    ]
    for sheet in sheets:
        rows = [ScoreRow("评分人", s.supplier, s.qualification, s.price, s.quality, s.after_sales) for s in sheet]
        names = [s.supplier for s in sheet]
        project = score_suppliers(sheet, on, RS)
        valid = check_score_sheet("评分人", rows, names, on, RS)
        if not valid.ok:
            assert project.code == "R7.score_out_of_range" and CRITERIA[valid.data["criterion"]] in project.message
            continue
        purchase = rank(names, rows, on, RS)
        assert (project.outcome, project.data.get("winner"), project.data.get("tied")) == (
            purchase.outcome,
            purchase.data.get("winner"),
            purchase.data.get("tied"),
        )


def test_working_days_skip_weekends():
    assert working_days_before(date(2024, 6, 10), 5) == date(2024, 6, 3)
    assert working_days_before(date(2024, 6, 12), 5) == date(2024, 6, 5)


def project(**changes):
    values = dict(
        name="夏季健康讲座",
        start=date(2024, 6, 10),
        plan_submitted_on=date(2024, 5, 10),
        materials_submitted_on=date(2024, 6, 3),
        budget_fen=500_000,
        cost_fen=400_000,
    )
    values.update(changes)
    return ServiceProject(**values)


def test_project_timeline():
    assert check_project_timeline(project(), RS).codes == ("R7.timeline_ok",)
    assert "R7.plan_late" in check_project_timeline(project(plan_submitted_on=date(2024, 5, 11)), RS).codes
    assert "R7.materials_late" in check_project_timeline(project(materials_submitted_on=date(2024, 6, 4)), RS).codes
    assert "R7.no_budget" in check_project_timeline(project(budget_fen=None), RS).codes
    assert "R7.over_budget" in check_project_timeline(project(cost_fen=500_001), RS).codes
    pending = check_project_timeline(project(plan_submitted_on=None, materials_submitted_on=None), RS)
    assert pending.ok and {d.data["due"] for d in pending} == {date(2024, 5, 10), date(2024, 6, 3)}


@pytest.mark.parametrize(
    "today, outcome, end",
    [
        (date(2025, 12, 14), "not_open", date(2026, 1, 15)),
        (date(2025, 12, 15), "open", date(2026, 1, 15)),
        (date(2026, 1, 15), "open", date(2026, 1, 15)),
        (date(2026, 1, 16), "not_open", date(2027, 1, 15)),
    ],
)
def test_selfassessment_window(today, outcome, end):
    decision = selfassessment_due(today, RS)
    assert decision.outcome == outcome and decision.data["window_end"] == end
    assert str(decision.citation) == "《代办处管理办法》(000) 第二十三条"


def test_audit_counts():
    meetings = [date(2025, 2, 1), date(2025, 5, 1), date(2025, 8, 1), date(2025, 11, 1)]
    assert check_audit_counts(2025, meetings, 4, 4, RS).ok and check_audit_counts(2025, meetings, 4, 4, RS).codes == (
        "R6.counts_ok",
    )
    short = check_audit_counts(2025, meetings[:3], 3, 2, RS)
    assert set(short.codes) == {"R6.committee_meetings_short", "R6.trainings_short", "R6.articles_short"}
    assert "第4季度 0 次" in short.warnings[0].message
