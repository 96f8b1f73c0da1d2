"""rules.mgmt_fee: income, spending against its line, who approves and pays, the collective
decision above the threshold in force (DOMAIN R3.4, R3.5, R11.4, R11.5, R11.7; 000 第十九条2)."""

from __future__ import annotations

from datetime import date

from rules import ruleset_on
from rules.mgmt_fee import (
    DecisionFacts,
    Income,
    LineFacts,
    Spending,
    check_approver,
    check_collective,
    check_decision_record,
    check_income,
    check_payer,
    check_spending,
    needs_collective_decision,
)

ON = date(2026, 5, 6)
LINE = LineFacts("running_costs", "日常运行经费", 2026, 2_000_000, 1_900_000)


def spend(**changes) -> Spending:
    values = dict(category="office", on=ON, amount_fen=50_000, payee="文具店", note="办公用品")
    values.update(changes)
    return Spending(**values)


def test_income_needs_its_reference_and_a_real_amount():
    assert check_income(Income("office_return", ON, 100), ON).errors[0].code == "R11.4.reference_required"
    assert check_income(Income("office_return", ON, 100, "京互办1号"), ON).ok
    assert check_income(Income("other", ON, 100), ON).ok
    bad = check_income(Income("gift", date(2026, 5, 7), 0), ON)
    assert set(bad.codes) == {"R11.4.kind_unknown", "R11.4.amount_invalid", "R11.4.date_in_future"}


def test_spending_is_charged_to_a_line_that_carries_it_within_what_is_left():
    assert check_spending(spend(), LINE, ON).ok
    assert check_spending(spend(amount_fen=100_001), LINE, ON).codes == ("R3.4.budget_exceeded",)
    assert check_spending(spend(category="asset"), LINE, ON).codes == ("R11.7.line_category_mismatch",)
    assert check_spending(spend(category="party"), LINE, ON).codes == ("R11.7.category_unknown",)
    assert check_spending(spend(), None, ON).codes == ("R11.7.no_budget_line",)
    last_year = LineFacts("running_costs", "日常运行经费", 2025, 2_000_000, 0)
    assert check_spending(spend(), last_year, ON).codes == ("R3.4.budget_year_mismatch",)
    refused = check_spending(spend(payee=" "), LINE, ON)
    assert refused.codes == ("R11.4.payee_required",) and refused.errors[0].citation.short == "000 第十九条4"


def test_no_one_approves_or_pays_what_they_recorded_and_the_accountant_does_not_pay():
    assert check_approver("zhao", "zhao", "supervisor", ON).code == "R3.5.self_approval"
    assert check_approver("zhao", "li", "clerk", ON).code == "R3.5.not_supervisor"
    assert check_approver("zhao", "zhang", "supervisor", ON).ok
    recorder = check_payer("zhao", "zhao", "cashier", ON)
    assert recorder.code == "R4.sep.payer_is_recorder" and recorder.citation.short == "000 第十九条2"
    assert check_payer("li", "zhao", "accountant", ON).code == "R4.sep.accountant_pays"
    assert check_payer("zhao", "qian", "cashier", ON).ok


def test_collective_decision_above_the_threshold_in_force():
    threshold = ruleset_on(ON)["collective_decision_threshold_fen"]
    assert threshold == 1_000_000 and ruleset_on(ON).cite("collective_decision_threshold_fen").configurable
    assert check_collective(threshold, None, ON).code == "R11.5.below_threshold"
    missing = check_collective(threshold + 1, None, ON)
    assert missing.code == "R11.5.decision_missing" and missing.citation.short == "002 第三十条"
    taken = DecisionFacts(date(2026, 5, 1), "committee", ("甲", "乙", "丙"), threshold + 1, "纪要3号")
    assert check_collective(threshold + 1, taken, ON).code == "R11.5.decided"
    late = DecisionFacts(date(2026, 5, 7), "committee", ("甲", "乙", "丙"), None)
    assert check_collective(threshold + 1, late, ON).code == "R11.5.decision_after_approval"
    short = DecisionFacts(date(2026, 5, 1), "committee", ("甲", "乙", "丙"), threshold)
    assert check_collective(threshold + 1, short, ON).code == "R11.5.decision_amount_short"
    # Before 002 (2020-03-02) no threshold is in force: the check is skipped, never run with a later figure.
    assert check_collective(10**9, None, date(2019, 6, 1)).outcome == "skipped"
    assert not needs_collective_decision(10**9, date(2019, 6, 1)) and needs_collective_decision(threshold + 1, ON)


def test_a_decision_record_names_its_body_attendees_and_decision():
    facts = DecisionFacts(ON, "committee", ("甲", "乙", "丙"), 100, "纪要1号")
    assert check_decision_record(facts, "同意", ON).ok
    few = DecisionFacts(ON, "committee", ("甲", "甲", " "), None)
    assert check_decision_record(few, "同意", ON).codes == ("R11.5.attendees_too_few",)
    odd = DecisionFacts(date(2026, 5, 7), "party", ("甲", "乙", "丙"), 0)
    assert set(check_decision_record(odd, "", ON).codes) == {
        "R11.5.body_unknown",
        "R11.5.date_in_future",
        "R11.5.decision_required",
        "R11.5.amount_invalid",
    }
