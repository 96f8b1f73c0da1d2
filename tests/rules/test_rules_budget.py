"""rules.budget: the catalogue, the year's status, amendments and approval (R3.4, R11.1–R11.3)."""

from datetime import date

from rules.budget import VersionFacts, check_amendment, check_approval, check_line, line_catalogue, year_status
from rules.disbursements import BudgetLine, check_budget

ON = date(2026, 3, 2)


def test_catalogue_has_every_003_kind_and_the_management_fee_categories():
    catalogue = line_catalogue()
    assert {
        "hardship_aid",
        "education_aid",
        "small_goods",
        "weather_goods",
        "condolence_cash",
        "fee_subsidy",
        "activity_prize",
        "member_activities",
        "service_projects",
        "publicity_training",
        "purchases_assets",
        "running_costs",
    } <= set(catalogue)
    assert catalogue["hardship_aid"].citation.short == "003 第四条1"
    assert all(kind.name and kind.group for kind in catalogue.values())


def test_year_status_needs_an_approved_version():
    assert year_status(2026, [], ON).code == "R3.4.no_budget_year"
    draft = year_status(2026, [VersionFacts(1, "draft")], ON)
    assert not draft.ok and draft.code == "R3.4.budget_not_approved" and draft.citation.short == "003 第八条"
    amended = year_status(2026, [VersionFacts(1, "approved", date(2026, 1, 10)), VersionFacts(2, "draft")], ON)
    assert amended.ok and amended.data["in_force"] == 1 and amended.data["pending"] == 2
    assert "第 2 版修订尚待批准" in amended.message


def test_lines_amendments_and_approval():
    assert check_line("travel", 100, ON).code == "R11.2.line_unknown"
    assert check_line("hardship_aid", -1, ON).code == "R11.2.amount_invalid"
    assert check_line("hardship_aid", 0, ON).ok
    assert check_amendment("", 100, 0, "生活救助金", ON).codes == ("R11.3.reason_required",)
    assert check_amendment("理由", 100, 200, "生活救助金", ON).codes == ("R11.3.below_committed",)
    assert check_approval(2026, None, "", ON, []).codes == (
        "R11.1.meeting_required",
        "R11.1.minutes_required",
        "R11.1.no_lines",
    )
    assert check_approval(2026, date(2026, 3, 3), "纪要", ON, [("救助", 1, 0)]).codes == ("R11.1.meeting_in_future",)
    approved = check_approval(2026, ON, "纪要", ON, [("救助", 100, 0)], meeting_logged=False)
    assert approved.ok and approved.codes == ("R11.1.approved", "R10.2.meeting_not_logged")


def test_a_payment_is_charged_to_its_own_year():
    line = BudgetLine("2026年生活救助金", 1_000_000, 0, 2026)
    assert check_budget(line, 100, date(2026, 12, 31)).ok
    wrong = check_budget(line, 100, date(2027, 2, 1))
    assert wrong.code == "R3.4.wrong_year" and "应列入2027年度预算" in wrong.message
    assert check_budget(BudgetLine("无年度", 1_000_000, 0), 100, date(2027, 2, 1)).ok  # year unknown: not judged


def test_login_gaps_over_a_period():
    from rules.staff import login_gaps, login_status

    created, start, end = date(2025, 6, 1), date(2026, 1, 1), date(2026, 12, 6)
    ok = login_gaps(
        created,
        [date(2025, 10, 1), date(2026, 3, 1), date(2026, 8, 1), date(2026, 12, 1), date(2026, 12, 1)],
        start,
        end,
    )
    assert ok.outcome == "ok" and ok.data["logins"] == 3 and ok.data["worst"] == 153
    gap = login_gaps(created, [date(2026, 1, 5), date(2026, 7, 6)], start, end)
    assert gap.code == "R4.2.gap_exceeded" and gap.data["gap_from"] == created and gap.data["worst"] == 218
    assert login_gaps(None, [], start, end).code == "R4.2.never_logged_in"
    assert login_gaps(date(2027, 1, 2), [], start, end).outcome == "not_yet"
    # a new account counts from its creation: warned from day 150, overdue after 180
    assert login_status(None, date(2026, 6, 29), created_on=date(2026, 1, 30)).outcome == "warn"
    assert login_status(None, date(2026, 7, 30), created_on=date(2026, 1, 30)).outcome == "overdue"
    assert login_status(None, date(2026, 2, 1), created_on=date(2026, 1, 30)).outcome == "ok"
