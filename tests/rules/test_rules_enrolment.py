"""docs/rules.md R1: renewal window, head-to-tail, observation period, shares, retirement, mid-period joiners."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import (
    SUPERVISOR_ROLE,
    CoverageLine,
    EnrolmentRow,
    MemberPolicy,
    SupervisorOverride,
    classify_enrolment,
    classify_renewal,
    observation_end,
    ruleset_on,
    term_end,
)

RS = ruleset_on(date(2024, 1, 1))
PREV = MemberPolicy(date(2025, 1, 1), date(2025, 12, 31), (CoverageLine(2, date(2025, 1, 1), date(2025, 3, 31)),))
EXPIRY = date(2026, 1, 1)


def row(
    shares=2,
    filed=date(2025, 12, 20),
    start=date(2026, 1, 1),
    end=date(2026, 12, 31),
    plan="ZYYL",
    retirement_date=None,
):
    return EnrolmentRow("U001", plan, start, end, filed, shares, retirement_date)


def renewal_on(filed):
    return classify_renewal(PREV.start, PREV.end, date(2026, 1, 1), date(2026, 12, 31), filed, "ZYYL", RS)


@pytest.mark.parametrize(
    "offset, outcome, code",
    [
        (-16, "refused", "R1.3.too_early"),
        (-15, "renewal", "R1.3.renewal"),
        (0, "renewal", "R1.3.renewal"),
        (15, "renewal", "R1.3.renewal"),
        (16, "late_renewal_as_first", "R1.3.late_as_first"),
    ],
)
def test_renewal_window_edges(offset, outcome, code):
    decision = renewal_on(EXPIRY + timedelta(days=offset))
    assert (decision.outcome, decision.code) == (outcome, code)
    assert decision.ruleset == "2022-12" and "000" in str(decision.citation)


def test_too_early_gives_first_allowed_date_in_message_and_data():
    decision = renewal_on(date(2025, 12, 1))
    assert not decision.ok
    assert decision.data["first_allowed"] == date(2025, 12, 17)
    assert decision.message == "续保办理日 2025-12-01 早于可办理日 2025-12-17（保单失效日 2026-01-01 前15日内办理）"
    assert str(decision.citation) == "《代办处管理办法》(000) 第十七条2"


@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)), st.integers(-60, 60))
def test_renewal_window_property(prev_start, offset):
    prev_end = term_end(prev_start, 12)
    new_start = prev_end + timedelta(days=1)
    filed = new_start + timedelta(days=offset)
    decision = classify_renewal(prev_start, prev_end, new_start, term_end(new_start, 12), filed, "ZYYL", RS)
    expected = "refused" if offset < -15 else "renewal" if offset <= 15 else "late_renewal_as_first"
    assert decision.outcome == expected


def test_renewal_must_be_head_to_tail_and_of_plan_term():
    gap = classify_renewal(PREV.start, PREV.end, date(2026, 1, 2), date(2027, 1, 1), date(2025, 12, 20), "ZYYL", RS)
    assert gap.code == "R1.2.not_head_to_tail" and gap.data["required_start"] == EXPIRY
    short = classify_renewal(PREV.start, PREV.end, EXPIRY, date(2026, 6, 30), date(2025, 12, 20), "ZYYL", RS)
    assert short.code == "R1.2.term_mismatch" and short.data["required_end"] == date(2026, 12, 31)


@pytest.mark.parametrize(
    "start, months, end",
    [
        (date(2024, 1, 1), 12, date(2024, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2023, 3, 1), 12, date(2024, 2, 29)),
        (date(2024, 3, 1), 12, date(2025, 2, 28)),
        (date(2023, 5, 31), 1, date(2023, 6, 30)),
        (date(2024, 1, 1), 36, date(2026, 12, 31)),
    ],
)
def test_term_end(start, months, end):
    assert term_end(start, months) == end


@pytest.mark.parametrize(
    "start, days, end",
    [
        (date(2024, 2, 29), 90, date(2024, 5, 28)),
        (date(2024, 2, 29), 180, date(2024, 8, 26)),
        (date(2023, 12, 15), 90, date(2024, 3, 13)),
        (date(2024, 1, 31), 30, date(2024, 2, 29)),
        (date(2024, 1, 1), 1, date(2024, 1, 1)),
        (date(2024, 1, 1), 0, None),
    ],
)
def test_observation_end_across_month_ends_and_leap_years(start, days, end):
    assert observation_end(start, days) == end


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(1, 1000))
def test_observation_period_has_exactly_n_days(start, days):
    end = observation_end(start, days)
    assert (end - start).days + 1 == days


def test_first_enrolment_filed_before_start_is_covered_from_start():
    outcome = classify_enrolment(row(filed=date(2025, 12, 20)), [], RS)
    assert outcome.kind == "first_enrolment" and outcome.ok
    assert outcome.lines == (CoverageLine(2, date(2026, 1, 1), date(2026, 3, 31)),)


def test_first_enrolment_filed_after_start_is_covered_from_filing_day():
    outcome = classify_enrolment(row(filed=date(2026, 2, 10)), [], RS)
    assert outcome.lines == (CoverageLine(2, date(2026, 2, 10), date(2026, 5, 10)),)
    assert "2026-02-10" in outcome.decision.message


def test_accident_plan_has_no_observation_period():
    outcome = classify_enrolment(row(plan="YWSH"), [], RS)
    assert outcome.lines == (CoverageLine(2, date(2026, 1, 1), None),)


def test_on_time_renewal_keeps_original_observation_ends():
    outcome = classify_enrolment(row(filed=date(2026, 1, 10)), [PREV], RS)
    assert outcome.kind == "renewal"
    assert outcome.lines == (CoverageLine(2, date(2026, 1, 1), date(2025, 3, 31)),)


def test_late_renewal_is_first_enrolment_from_filing_day_but_keeps_the_period():
    outcome = classify_enrolment(row(filed=date(2026, 1, 17)), [PREV], RS)
    assert outcome.kind == "late_renewal_as_first"
    assert outcome.lines == (CoverageLine(2, date(2026, 1, 17), date(2026, 4, 16)),)


def test_too_early_renewal_is_refused_with_no_lines():
    outcome = classify_enrolment(row(filed=date(2025, 12, 16)), [PREV], RS)
    assert not outcome.ok and outcome.lines == () and outcome.decision.code == "R1.3.too_early"


def test_renewal_with_more_shares_adds_an_observed_line():
    outcome = classify_enrolment(row(shares=3), [PREV], RS)
    assert outcome.kind == "renewal"
    assert outcome.lines == (
        CoverageLine(2, date(2026, 1, 1), date(2025, 3, 31)),
        CoverageLine(1, date(2026, 1, 1), date(2026, 3, 31), event="added_shares"),
    )
    assert "R1.5.added_shares" in outcome.report.codes


def test_renewal_with_fewer_shares_keeps_the_shares_out_of_observation_first():
    held = MemberPolicy(
        PREV.start,
        PREV.end,
        (CoverageLine(2, date(2025, 1, 1), date(2025, 3, 31)), CoverageLine(1, date(2025, 11, 1), date(2026, 1, 29))),
    )
    outcome = classify_enrolment(row(shares=2), [held], RS)
    assert outcome.lines == (CoverageLine(2, date(2026, 1, 1), date(2025, 3, 31)),)
    assert "R1.5.decrease_at_renewal" in outcome.report.codes


def test_shares_changes_within_the_same_policy():
    current = MemberPolicy(date(2026, 1, 1), date(2026, 12, 31), (CoverageLine(2, date(2026, 1, 1), None),))
    same = classify_enrolment(row(shares=2, filed=date(2026, 3, 1)), [PREV, current], RS)
    assert same.kind == "unchanged" and same.lines == ()
    more = classify_enrolment(row(shares=5, filed=date(2026, 3, 1)), [PREV, current], RS)
    assert more.kind == "added_shares"
    assert more.lines == (CoverageLine(3, date(2026, 3, 1), date(2026, 5, 29)),)
    fewer = classify_enrolment(row(shares=1, filed=date(2026, 3, 1)), [PREV, current], RS)
    assert fewer.kind == "shares_decrease_deferred" and fewer.lines == ()
    assert fewer.decision.data["effective_from"] == date(2027, 1, 1)


def test_shares_added_after_a_cancelled_decrease_are_carried_by_the_next_renewal():
    # 2 held, a decrease to 1 asked, then cancelled (2 again): the recorded total for the next
    # period is 2. Adding a share later must replace it, or the renewal carries 2 of the 3 paid.
    cancelled = MemberPolicy(
        date(2026, 1, 1), date(2026, 12, 31), (CoverageLine(2, date(2026, 1, 1), None),), next_shares=2
    )
    more = classify_enrolment(row(shares=3, filed=date(2026, 3, 1)), [PREV, cancelled], RS)
    assert more.kind == "added_shares" and more.decision.data["next_shares"] == 3
    after = MemberPolicy(cancelled.start, cancelled.end, cancelled.lines + more.lines, next_shares=3)
    assert after.renewal_shares == 3


def test_retired_member_is_refused_and_later_retirement_is_noted():
    refused = classify_enrolment(row(retirement_date=date(2026, 1, 1)), [PREV], RS)
    assert refused.kind == "refused" and refused.decision.code == "R1.1.retired"
    later = classify_enrolment(row(retirement_date=date(2026, 6, 1)), [PREV], RS)
    assert later.kind == "renewal" and "R1.1.retires_during_term" in later.report.codes


def test_mid_period_joiner_needs_a_supervisor_override_with_reason():
    joiner = row(filed=date(2026, 4, 1))
    refused = classify_enrolment(joiner, [], RS, unit_filed=date(2025, 12, 20))
    assert refused.decision.code == "R1.4.override_required" and refused.lines == ()
    clerk = SupervisorOverride("王会计", "clerk", "新调入职工")
    assert (
        classify_enrolment(joiner, [], RS, unit_filed=date(2025, 12, 20), override=clerk).decision.code
        == "R1.4.override_invalid"
    )
    no_reason = SupervisorOverride("李主任", SUPERVISOR_ROLE, "  ")
    assert (
        classify_enrolment(joiner, [], RS, unit_filed=date(2025, 12, 20), override=no_reason).decision.code
        == "R1.4.override_invalid"
    )
    accepted = classify_enrolment(
        joiner,
        [],
        RS,
        unit_filed=date(2025, 12, 20),
        override=SupervisorOverride("李主任", SUPERVISOR_ROLE, "新调入职工"),
    )
    assert accepted.kind == "first_enrolment"
    assert accepted.lines == (CoverageLine(2, date(2026, 4, 1), date(2026, 6, 29)),)
    assert "R1.4.override_accepted" in accepted.report.codes


def test_row_filed_with_the_unit_batch_needs_no_override():
    outcome = classify_enrolment(row(filed=date(2026, 1, 5)), [], RS, unit_filed=date(2026, 1, 5))
    assert outcome.kind == "first_enrolment"


def test_overlapping_periods_are_refused():
    overlap = classify_enrolment(
        row(start=date(2025, 7, 1), end=date(2026, 6, 30), filed=date(2025, 6, 20)), [PREV], RS
    )
    assert overlap.decision.code == "R1.2.overlap"


def test_r1_6_a_term_over_three_years_needs_a_supervisors_stated_reason():
    """002 第十五条 "一般控制在三年以内": a warning that needs a reason, not a plain refusal."""
    too_long = classify_enrolment(row(end=date(2029, 1, 1)), [], RS)
    assert too_long.decision.code == "R1.6.reason_required" and not too_long.ok
    assert too_long.decision.data["latest_end"] == date(2028, 12, 31)
    assert "须由负责人写明理由" in too_long.decision.message

    clerk = SupervisorOverride("lee", "clerk", "单位合同四年")
    assert (
        classify_enrolment(row(end=date(2029, 1, 1)), [], RS, override=clerk).decision.code == "R1.6.override_invalid"
    )
    boss = SupervisorOverride("wang", SUPERVISOR_ROLE, "单位合同期四年，办事处同意")
    accepted = classify_enrolment(row(end=date(2029, 1, 1)), [], RS, override=boss)
    assert accepted.kind == "first_enrolment"
    warning = next(d for d in accepted.notes if d.code == "R1.6.term_over_max")
    assert warning.severity.value == "warning" and "办事处同意" in warning.message

    # Before 002 applied (2020-03-02) no limit is in force: the check is skipped, not borrowed.
    early = ruleset_on(date(2019, 1, 1))
    from rules import check_term

    assert check_term(date(2019, 1, 1), date(2023, 6, 30), early).code == "R1.6.no_figure"


def test_gap_after_previous_policy_is_a_first_enrolment_with_warning():
    outcome = classify_enrolment(
        row(start=date(2026, 3, 1), end=date(2027, 2, 28), filed=date(2026, 2, 20)), [PREV], RS
    )
    assert outcome.kind == "first_enrolment" and "R1.2.not_head_to_tail" in outcome.report.codes


def test_unknown_plan_and_bad_shares_are_refused():
    assert classify_enrolment(row(plan="XX"), [], RS).decision.code == "R1.plan.unknown"
    assert classify_enrolment(row(shares=0), [], RS).decision.code == "R1.5.shares_invalid"


def test_every_enrolment_decision_is_fully_attributed():
    outcomes = [
        classify_enrolment(row(filed=f), [PREV], RS) for f in (date(2025, 12, 1), date(2025, 12, 20), date(2026, 2, 1))
    ]
    for outcome in outcomes:
        for decision in outcome.report:
            assert decision.code.startswith("R1.") and decision.message and decision.ruleset == "2022-12"
            assert str(decision.citation).startswith("《")
