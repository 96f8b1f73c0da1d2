"""docs/rules.md R3: caps per occasion and per calendar year, payment method, budget, approval, states."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import (
    CATEGORIES,
    SUPERVISOR_ROLE,
    ActivityAwards,
    BudgetLine,
    Disbursement,
    DisbursementEvent,
    PriorPayment,
    check_activity_awards,
    check_caps,
    check_disbursement,
    check_disbursement_transition,
    remaining_allowance,
    ruleset_on,
)
from rules.disbursements import (
    GoodsShare,
    Recipient,
    check_approvers,
    check_hierarchy,
    check_payment_method,
    check_void,
    check_weather_distribution,
)

RS = ruleset_on(date(2024, 1, 1))
BUDGET = BudgetLine("互助互济支出", 10_000_000, 0)
# Per-member caps; seasonal goods and activity awards are checked as a whole (R3.8, R3.9, below).
YEAR_CAPS = {"hardship_aid": 500_000, "education_aid": 500_000}
OCCASION_CAPS = {"small_goods": 50_000, "condolence_cash": 200_000}


def money(category="condolence_cash", amount=100_000, method="transfer", **changes):
    values = dict(
        category=category,
        member="M1",
        on=date(2025, 3, 1),
        amount_fen=amount,
        note="住院慰问",
        method=method,
        to_own_account=True,
    )
    values.update(changes)
    return Disbursement(**values)


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(YEAR_CAPS)),
    st.lists(
        st.tuples(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)), st.integers(1, 300_000)),
        max_size=25,
    ),
)
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
    history = [PriorPayment("hardship_aid", date(2025, d, 1), 200_000) for d in (6, 7)] + [
        PriorPayment("hardship_aid", date(2025, 12, 1), 100_000)
    ]
    refused = check_caps("hardship_aid", 10_000, date(2025, 12, 31), history, RS)
    assert refused.code == "R3.cap.year_exceeded" and refused.data["remaining_fen"] == 0
    assert "5000.00元" in refused.message
    assert check_caps("hardship_aid", 10_000, date(2026, 1, 1), history, RS).ok


def test_education_aid_counts_per_student():
    history = [PriorPayment("education_aid", date(2025, 2, 1), 500_000, student="长子")]
    assert check_caps("education_aid", 1, date(2025, 9, 1), history, RS, student="长子").code == "R3.cap.year_exceeded"
    assert check_caps("education_aid", 500_000, date(2025, 9, 1), history, RS, student="次女").ok


def test_remaining_allowance_for_live_display():
    history = [
        PriorPayment("hardship_aid", date(2025, 1, 5), 120_000),
        PriorPayment("hardship_aid", date(2024, 12, 31), 400_000),
    ]
    allowance = remaining_allowance("hardship_aid", history, date(2025, 3, 1), RS)
    assert allowance.data["remaining_fen"] == 380_000 and allowance.data["used_fen"] == 120_000
    assert "3800.00元" in allowance.message
    # R3.8: no per-member cap for seasonal goods; the allowance says how they are checked
    weather = remaining_allowance(
        "weather_goods", [PriorPayment("weather_goods", date(2025, 1, 5), 25_000)], date(2025, 3, 1), RS
    )
    assert weather.outcome == "batch" and weather.data["remaining_fen"] is None and "人均" in weather.message
    assert remaining_allowance("fee_subsidy", [], date(2025, 3, 1), RS).data["remaining_fen"] is None


def test_a_clean_disbursement_passes_all_checks():
    report = check_disbursement(money(), [], BUDGET, RS)
    assert report.ok and report.codes == ("R3.cap.ok", "R3.2.ok", "R3.4.ok")


@pytest.mark.parametrize(
    "d, code",
    [
        (money(to_own_account=False), "R3.2.not_own_account"),
        (money(method="cash", amount=100_001, cash_reason="现场慰问"), "R3.2.cash_over_limit"),
        (money(method="cash", amount=50_000, visit_place="朝阳医院"), "R3.2.cash_reason_required"),
        (money(method="cash", amount=50_000, cash_reason="行动不便"), "R3.2.cash_visit_required"),
        (money(method="in_kind"), "R3.2.money_not_in_kind"),
        (money(category="weather_goods", amount=5_000), "R3.2.goods_in_kind"),
        (money(note=" "), "R3.3.note_required"),
        (money(category="education_aid", student="长子", student_kind="national_defence"), "R3.education.excluded"),
        (money(category="education_aid"), "R3.education.student_required"),
        (money(category="fee_subsidy"), "R3.fee_subsidy.scheme_required"),
        (money(amount=0), "R3.amount_invalid"),
        (money(category="gift"), "R3.category_unknown"),
    ],
)
def test_disbursement_refusals(d, code):
    report = check_disbursement(d, [], BUDGET, RS)
    assert code in report.codes and not report.ok


def test_cash_up_to_the_limit_with_reason_is_allowed_with_warning():
    report = check_disbursement(
        money(method="cash", amount=100_000, cash_reason="行动不便，现场慰问", visit_place="朝阳医院"), [], BUDGET, RS
    )
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
    assert (
        "R3.activity.prize_over_cap" in check_activity_awards(ActivityAwards(30, (50_001,)), date(2025, 5, 1), RS).codes
    )
    assert check_activity_awards(ActivityAwards(30, (), 300_000), date(2025, 5, 1), RS).ok
    over = check_activity_awards(ActivityAwards(30, (), 300_001), date(2025, 5, 1), RS)
    assert over.codes == ("R3.activity.participation_over_cap",)
    both = check_activity_awards(ActivityAwards(30, (1_000,), 1_000), date(2025, 5, 1), RS)
    assert "R3.activity.prize_and_participation" in both.codes


def test_every_category_has_a_seed_003_citation():
    for category in CATEGORIES:
        allowance = remaining_allowance(category, [], date(2025, 3, 1), RS)
        assert allowance.citation.source == "003" and allowance.ruleset == "2022-12"


# --- R3.2/R3.7: cash only at an on-site visit, ≤ 1000 per member per day -------------------------


def test_cash_to_one_member_on_one_day_is_added_up():
    cash = dict(method="cash", cash_reason="行动不便", visit_place="会员家中")
    earlier = [
        PriorPayment("condolence_cash", date(2025, 3, 1), 60_000, method="cash"),
        PriorPayment("hardship_aid", date(2025, 3, 1), 90_000, method="transfer"),  # not cash
        PriorPayment("condolence_cash", date(2025, 2, 28), 90_000, method="cash"),
    ]  # another day
    assert check_payment_method(money(amount=40_000, **cash), RS, earlier).ok  # 600 + 400 = 1000: at the limit
    over = check_payment_method(money(amount=40_001, **cash), RS, earlier)
    assert over.code == "R3.2.cash_over_limit" and over.data["same_day_fen"] == 60_000
    assert over.citation.short == "003 第十条" and "1000.00元" in over.message
    allowed = check_payment_method(money(amount=100_000, **cash), RS)
    assert allowed.severity.value == "warning" and "会员家中" in allowed.message and "第九条的例外" in allowed.message


def test_transfer_is_the_rule_and_needs_the_members_own_account():
    assert check_payment_method(money(), RS).citation.short == "003 第九条"
    refused = check_payment_method(money(to_own_account=False), RS)
    assert refused.code == "R3.2.not_own_account" and "本人银行账户" in refused.message


# --- R3.8: seasonal goods, averages over the recipients ---------------------------------------------


def people(*amounts, start=1):
    return tuple(Recipient(f"M{i}", f"会员{i}", a) for i, a in enumerate(amounts, start=start))


def test_seasonal_goods_occasion_average_not_a_per_member_cap():
    on = date(2025, 7, 1)
    at_cap = check_weather_distribution(on, people(15_000, 5_000, 10_000), [], RS)  # 300 / 3 = 100
    assert at_cap.ok and "R3.8.ok" in at_cap.codes
    shown = next(d for d in at_cap.decisions if d.code == "R3.8.recipient_above_average")
    assert shown.severity.value == "warning" and shown.data["above"] == ["会员1"]  # shown, not refused
    over = check_weather_distribution(on, people(15_000, 5_000, 10_001), [], RS)
    assert over.codes[0] == "R3.8.occasion_average_exceeded" and over.errors[0].citation.short == "003 第五条2(2)"


def test_seasonal_goods_year_average_over_distinct_recipients():
    year = [
        GoodsShare("M1", date(2025, 1, 10), 10_000),
        GoodsShare("M2", date(2025, 1, 10), 10_000),
        GoodsShare("M1", date(2025, 7, 10), 10_000),
        GoodsShare("M2", date(2025, 7, 10), 10_000),
        GoodsShare("M9", date(2024, 12, 31), 90_000),
    ]  # last year: not counted
    # 400 so far over 2 people; + 200 to the same two = 600 / 2 = 300: at the year average
    assert check_weather_distribution(date(2025, 12, 1), people(10_000, 10_000), year, RS).ok
    refused = check_weather_distribution(date(2025, 12, 1), people(10_000, 10_001), year, RS)
    assert "R3.8.year_average_exceeded" in refused.codes
    # a new recipient widens the year's average: 400 + 300 over 3 people
    assert check_weather_distribution(date(2025, 12, 1), people(10_000, 10_000, 10_000), year, RS).ok


def test_seasonal_goods_list_must_be_whole():
    assert check_weather_distribution(date(2025, 7, 1), (), [], RS).codes == ("R3.8.recipients_required",)
    twice = people(5_000) + people(5_000)
    assert "R3.8.duplicate_recipient" in check_weather_distribution(date(2025, 7, 1), twice, [], RS).codes


def test_a_seasonal_goods_batch_is_one_disbursement():
    batch = money(
        category="weather_goods", amount=30_000, method="in_kind", member="", recipients=people(10_000, 10_000, 10_000)
    )
    report = check_disbursement(batch, [], BUDGET, RS)
    assert report.ok and "R3.8.ok" in report.codes and "R3.cap.ok" not in report.codes


# --- R3.9: an activity checked as a whole ---------------------------------------------------------


def activity(participants, *lines):
    recipients = tuple(Recipient(f"M{i}", f"会员{i}", amount, role) for i, (role, amount) in enumerate(lines, start=1))
    return money(
        category="activity_prize",
        method="in_kind",
        member="",
        participants=participants,
        amount=sum(a for _, a in lines) or 1,
        recipients=recipients,
    )


def test_activity_prizes_at_the_boundaries():
    assert check_disbursement(activity(3, ("winner", 50_000), ("winner", 50_000)), [], BUDGET, RS).ok  # 2×3 ≤ 3×2
    too_many = check_disbursement(activity(3, *[("winner", 100)] * 3), [], BUDGET, RS)
    assert "R3.activity.too_many_winners" in too_many.codes
    over = check_disbursement(activity(30, ("winner", 50_001)), [], BUDGET, RS)
    assert "R3.activity.prize_over_cap" in over.codes and over.errors[0].citation.short == "003 第七条"


def test_participation_award_only_without_prizes_and_within_average():
    assert check_disbursement(activity(4, *[("participant", 10_000)] * 4), [], BUDGET, RS).ok
    # average over the participant count: 3 takers of 4 participants at 133.33 = 400 / 4 = 100
    assert check_disbursement(activity(4, *[("participant", 13_333)] * 3), [], BUDGET, RS).ok
    assert (
        "R3.activity.participation_over_cap"
        in check_disbursement(activity(4, *[("participant", 10_001)] * 4), [], BUDGET, RS).codes
    )
    mixed = check_disbursement(activity(10, ("winner", 1_000), ("participant", 1_000)), [], BUDGET, RS)
    assert "R3.activity.prize_and_participation" in mixed.codes
    assert "R3.9.recipients_required" in check_disbursement(activity(10), [], BUDGET, RS).codes


# --- R3.1: the hierarchy, per case, a warning that needs a reason ---------------------------------


def test_aid_above_the_settled_benefit_needs_a_stated_reason():
    aid = money(category="hardship_aid", amount=300_000, event="claim:7", claim_benefit_fen=200_000)
    refused = check_hierarchy(aid, [], RS)
    assert refused.code == "R3.1.aid_above_benefit" and not refused.ok and refused.citation.short == "003 第三条3"
    with_reason = check_hierarchy(replace(aid, hierarchy_reason="家庭另有重大困难，经管委会研究"), [], RS)
    assert with_reason.ok and with_reason.severity.value == "warning" and "管委会" in with_reason.message
    assert check_hierarchy(replace(aid, amount_fen=200_000), [], RS) is None  # equal: fine
    # earlier aid for the same event counts
    earlier = [PriorPayment("hardship_aid", date(2025, 2, 1), 100_000, event="claim:7")]
    assert check_hierarchy(replace(aid, amount_fen=150_000), earlier, RS).code == "R3.1.aid_above_benefit"


def test_condolence_above_the_aid_for_the_same_event_needs_a_reason():
    aid = [
        PriorPayment("hardship_aid", date(2025, 2, 1), 100_000, event="date:2025-01-20"),
        PriorPayment("hardship_aid", date(2025, 2, 1), 400_000, event="date:2024-06-01"),
    ]  # another event
    condolence = money(amount=100_001, event="date:2025-01-20")
    assert check_hierarchy(condolence, aid, RS).code == "R3.1.condolence_above_aid"
    assert check_hierarchy(replace(condolence, amount_fen=100_000), aid, RS) is None
    assert check_hierarchy(money(amount=200_000, event="date:2025-03-03"), aid, RS) is None  # no aid: no case
    report = check_disbursement(replace(condolence, hierarchy_reason="身故，家属困难"), aid, BUDGET, RS)
    assert report.ok and "R3.1.condolence_above_aid" in [d.code for d in report.warnings]


# --- R3.5 at entry, and R9.3 voids -----------------------------------------------------------------


def test_an_entry_nobody_else_could_approve_is_warned():
    alone = check_approvers("zhang", ["zhang"], date(2025, 3, 1), RS)
    assert alone.code == "R3.5.no_other_approver" and alone.severity.value == "warning"
    assert "增加一名负责人" in alone.message and "另一名负责人录入" in alone.message
    assert check_approvers("wang", [], date(2025, 3, 1), RS).code == "R3.5.no_other_approver"
    assert check_approvers("zhang", ["zhang", "li"], date(2025, 3, 1), RS).code == "R3.5.approver_available"


def test_void_needs_a_reason_and_a_sane_date():
    today = date(2025, 3, 10)
    assert check_void("paid", "金额录错", date(2025, 3, 5), date(2025, 3, 3), today, RS).ok
    assert check_void("paid", " ", date(2025, 3, 5), date(2025, 3, 3), today, RS).code == "R9.3.reason_required"
    assert check_void("cancelled", "x", date(2025, 3, 5), None, today, RS).code == "R9.3.already_void"
    assert check_void("entered", "x", date(2025, 3, 11), None, today, RS).code == "R9.3.date_in_future"
    assert check_void("paid", "x", date(2025, 3, 2), date(2025, 3, 3), today, RS).code == "R9.3.date_backwards"


def test_a_fee_subsidy_pays_no_money_so_the_transfer_rule_does_not_apply():
    """R3.10: the subsidy reduces the unit's fees; 003 第九条's own-account transfer is not checked."""
    import datetime as _dt

    from rules.disbursements import Disbursement, check_payment_method

    d = Disbursement(
        category="fee_subsidy",
        member="郭红",
        on=_dt.date(2026, 10, 10),
        amount_fen=5000,
        note="困难会员会费补助",
        method="transfer",
        to_own_account=False,
        scheme_ref="管委会纪要〔2026〕1号",
    )
    decision = check_payment_method(d)
    assert decision.ok and decision.code == "R3.10.no_payment_to_member"
    assert "003" in str(decision.citation) and "第六条" in str(decision.citation)
