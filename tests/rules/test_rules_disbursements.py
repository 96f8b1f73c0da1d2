"""DOMAIN §3: caps per occasion and per calendar year, payment method, budget, approval, states."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import (
    CATEGORIES, SUPERVISOR_ROLE, ActivityAwards, BudgetLine, Disbursement, DisbursementEvent, PriorPayment,
    check_activity_awards, check_caps, check_disbursement, check_disbursement_transition, remaining_allowance,
    ruleset_on,
)

RS = ruleset_on(date(2024, 1, 1))
BUDGET = BudgetLine("互助互济支出", 10_000_000, 0)
YEAR_CAPS = {"hardship_aid": 500_000, "education_aid": 500_000, "weather_goods": 30_000}
OCCASION_CAPS = {"small_goods": 50_000, "weather_goods": 10_000, "condolence_cash": 200_000, "activity_prize": 50_000}


def money(category="condolence_cash", amount=100_000, method="transfer", **changes):
    values = dict(category=category, member="M1", on=date(2025, 3, 1), amount_fen=amount, note="住院慰问",
                  method=method, to_own_account=True)
    values.update(changes)
    return Disbursement(**values)


@settings(max_examples=200)
@given(st.sampled_from(sorted(YEAR_CAPS)),
       st.lists(st.tuples(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
                          st.integers(1, 300_000)), max_size=25))
def test_accepted_payments_never_exceed_a_yearly_cap(category, attempts):
    accepted: list[PriorPayment] = []
    for on, amount in attempts:
        if check_caps(category, amount, on, accepted, RS, student="S1").ok:
            accepted.append(PriorPayment(category, on, amount, "S1"))
    for year in {p.on.year for p in accepted}:
        assert sum(p.amount_fen for p in accepted if p.on.year == year) <= YEAR_CAPS[category]


@pytest.mark.parametrize("category, cap", sorted(OCCASION_CAPS.items()))
def test_occasion_caps(category, cap):
    assert check_caps(category, cap, date(2025, 3, 1), [], RS).ok
    refused = check_caps(category, cap + 1, date(2025, 3, 1), [], RS)
    assert refused.code == "R3.cap.occasion_exceeded" and refused.data["cap_fen"] == cap


def test_new_calendar_year_starts_afresh():
    history = [PriorPayment("weather_goods", date(2025, d, 1), 10_000) for d in (6, 7, 12)]
    refused = check_caps("weather_goods", 10_000, date(2025, 12, 31), history, RS)
    assert refused.code == "R3.cap.year_exceeded" and refused.data["remaining_fen"] == 0
    assert "300.00元" in refused.message
    assert check_caps("weather_goods", 10_000, date(2026, 1, 1), history, RS).ok


def test_education_aid_counts_per_student():
    history = [PriorPayment("education_aid", date(2025, 2, 1), 500_000, student="长子")]
    assert check_caps("education_aid", 1, date(2025, 9, 1), history, RS, student="长子").code == "R3.cap.year_exceeded"
    assert check_caps("education_aid", 500_000, date(2025, 9, 1), history, RS, student="次女").ok


def test_remaining_allowance_for_live_display():
    history = [PriorPayment("hardship_aid", date(2025, 1, 5), 120_000), PriorPayment("hardship_aid", date(2024, 12, 31), 400_000)]
    allowance = remaining_allowance("hardship_aid", history, date(2025, 3, 1), RS)
    assert allowance.data["remaining_fen"] == 380_000 and allowance.data["used_fen"] == 120_000
    assert "3800.00元" in allowance.message
    weather = remaining_allowance("weather_goods", [PriorPayment("weather_goods", date(2025, 1, 5), 25_000)], date(2025, 3, 1), RS)
    assert weather.data["remaining_fen"] == 5_000
    assert remaining_allowance("fee_subsidy", [], date(2025, 3, 1), RS).data["remaining_fen"] is None


def test_a_clean_disbursement_passes_all_checks():
    report = check_disbursement(money(), [], BUDGET, RS)
    assert report.ok and report.codes == ("R3.cap.ok", "R3.2.ok", "R3.4.ok")


@pytest.mark.parametrize("d, code", [
    (money(to_own_account=False), "R3.2.not_own_account"),
    (money(method="cash", amount=100_001, cash_reason="现场慰问"), "R3.2.cash_over_limit"),
    (money(method="cash", amount=50_000), "R3.2.cash_reason_required"),
    (money(method="in_kind"), "R3.2.money_not_in_kind"),
    (money(category="weather_goods", amount=5_000), "R3.2.goods_in_kind"),
    (money(note=" "), "R3.3.note_required"),
    (money(category="education_aid", student="长子", student_kind="national_defence"), "R3.education.excluded"),
    (money(category="education_aid"), "R3.education.student_required"),
    (money(category="fee_subsidy"), "R3.fee_subsidy.scheme_required"),
    (money(amount=0), "R3.amount_invalid"),
    (money(category="gift"), "R3.category_unknown"),
])
def test_disbursement_refusals(d, code):
    report = check_disbursement(d, [], BUDGET, RS)
    assert code in report.codes and not report.ok


def test_cash_up_to_the_limit_with_reason_is_allowed_with_warning():
    report = check_disbursement(money(method="cash", amount=100_000, cash_reason="行动不便，现场慰问"), [], BUDGET, RS)
    assert report.ok and "R3.2.cash_allowed" in report.codes and report.warnings


def test_budget_line_remainder():
    tight = BudgetLine("慰问", 150_000, 100_000)
    refused = check_disbursement(money(amount=60_000), [], tight, RS)
    assert "R3.4.budget_exceeded" in refused.codes
    assert "R3.4.no_budget" in check_disbursement(money(), [], None, RS).codes
    assert check_disbursement(money(amount=50_000), [], tight, RS).ok


def test_state_machine_with_separation_of_duties():
    entered = DisbursementEvent("entered", date(2025, 3, 1), "张三")
    self_approved = DisbursementEvent("approved", date(2025, 3, 2), "张三", role=SUPERVISOR_ROLE)
    assert check_disbursement_transition([entered], self_approved, RS).code == "R3.5.self_approval"
    clerk_approved = DisbursementEvent("approved", date(2025, 3, 2), "王五", role="clerk")
    assert check_disbursement_transition([entered], clerk_approved, RS).code == "R3.5.not_supervisor"
    approved = DisbursementEvent("approved", date(2025, 3, 2), "李主任", role=SUPERVISOR_ROLE)
    assert check_disbursement_transition([entered], approved, RS).ok
    history = [entered, approved]
    no_ref = DisbursementEvent("paid", date(2025, 3, 3), "张三", method="transfer")
    assert check_disbursement_transition(history, no_ref, RS).code == "R3.state.transfer_ref_required"
    unsigned_cash = DisbursementEvent("paid", date(2025, 3, 3), "张三", method="cash")
    assert check_disbursement_transition(history, unsigned_cash, RS).code == "R3.state.cash_receipt_required"
    paid = DisbursementEvent("paid", date(2025, 3, 3), "张三", method="transfer", transfer_ref="BK2025030301")
    assert check_disbursement_transition(history, paid, RS).ok
    assert check_disbursement_transition([entered], paid, RS).code == "R3.state.illegal_transition"
    signed_early = DisbursementEvent("receipt_signed", date(2025, 3, 2), "张三")
    assert check_disbursement_transition([*history, paid], signed_early, RS).code == "R3.state.date_backwards"


def test_activity_awards():
    assert check_activity_awards(ActivityAwards(30, (50_000,) * 20), date(2025, 5, 1), RS).ok
    too_many = check_activity_awards(ActivityAwards(30, (10_000,) * 21), date(2025, 5, 1), RS)
    assert too_many.codes == ("R3.activity.too_many_winners",) and too_many.errors[0].data["max_winners"] == 20
    assert "R3.activity.prize_over_cap" in check_activity_awards(ActivityAwards(30, (50_001,)), date(2025, 5, 1), RS).codes
    assert check_activity_awards(ActivityAwards(30, (), 300_000), date(2025, 5, 1), RS).ok
    over = check_activity_awards(ActivityAwards(30, (), 300_001), date(2025, 5, 1), RS)
    assert over.codes == ("R3.activity.participation_over_cap",)
    both = check_activity_awards(ActivityAwards(30, (1_000,), 1_000), date(2025, 5, 1), RS)
    assert "R3.activity.prize_and_participation" in both.codes


def test_every_category_has_a_seed_003_citation():
    for category in CATEGORIES:
        allowance = remaining_allowance(category, [], date(2025, 3, 1), RS)
        assert allowance.citation.source == "003" and allowance.ruleset == "2022-12"
