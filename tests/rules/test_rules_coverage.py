"""Observation status of a member on a date and payable shares (docs/rules.md R1 end, R1.7)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import CoverageLine, MemberPolicy, observation_status, payable_shares, ruleset_on

RS = ruleset_on(date(2024, 1, 1))
FIRST = MemberPolicy(
    date(2025, 1, 1),
    date(2025, 12, 31),
    (
        CoverageLine(2, date(2025, 1, 1), date(2025, 3, 31)),
        CoverageLine(1, date(2025, 6, 1), date(2025, 8, 29)),
    ),
)


def status(on, policies=(FIRST,), retirement_date=None, plan="ZYYL"):
    return observation_status(list(policies), plan, on, retirement_date, RS)


@pytest.mark.parametrize(
    "on, outcome",
    [
        (date(2024, 12, 31), "not_covered"),
        (date(2025, 1, 1), "observation"),
        (date(2025, 3, 31), "observation"),
        (date(2025, 4, 1), "covered"),
        (date(2025, 6, 1), "observation"),
        (date(2025, 8, 30), "covered"),
        (date(2026, 1, 1), "grace"),
        (date(2026, 1, 16), "grace"),
        (date(2026, 1, 17), "lapsed"),
    ],
)
def test_status_through_a_policy_year(on, outcome):
    decision = status(on)
    assert decision.outcome == outcome
    assert decision.ruleset == "2022-12" and decision.citation.source == "000" and decision.code.startswith("R1.")


def test_observation_gives_end_days_left_and_payable_split():
    decision = status(date(2025, 6, 10))
    assert decision.data["observation_end"] == date(2025, 8, 29)
    assert decision.data["days_left"] == 81
    assert (decision.data["held"], decision.data["payable"], decision.data["in_observation"]) == (3, 2, 1)
    assert "2025-08-29" in decision.message and "81" in decision.message


def test_renewal_filed_in_grace_restores_cover_from_expiry():
    renewal = MemberPolicy(
        date(2026, 1, 1), date(2026, 12, 31), (CoverageLine(3, date(2026, 1, 1), date(2025, 8, 29)),)
    )
    assert status(date(2026, 1, 5), (FIRST, renewal)).outcome == "covered"


def test_late_renewal_leaves_the_gap_uncovered():
    late = MemberPolicy(date(2026, 1, 1), date(2026, 12, 31), (CoverageLine(3, date(2026, 1, 20), date(2026, 4, 19)),))
    gap = status(date(2026, 1, 10), (FIRST, late))
    assert gap.outcome == "not_covered" and gap.code == "R1.status.cover_not_started"
    assert status(date(2026, 1, 20), (FIRST, late)).outcome == "observation"


def test_retired_member_is_pending_exit_then_gone():
    assert status(date(2025, 9, 1), retirement_date=date(2025, 7, 1)).outcome == "retired_pending_exit"
    after = status(date(2026, 1, 5), retirement_date=date(2025, 7, 1))
    assert after.outcome == "not_covered" and after.code == "R1.status.retired_exited"


def test_payable_shares_illness_vs_accident():
    illness = payable_shares([FIRST], "ZYYL", date(2025, 6, 10), "illness", RS)
    assert illness.outcome == "partly_payable" and illness.data["payable"] == 2
    assert illness.data["observation_ends"] == [(1, date(2025, 8, 29))]
    accident = payable_shares([FIRST], "ZYYL", date(2025, 6, 10), "accident", RS)
    assert accident.outcome == "payable" and accident.data["payable"] == 3
    early = payable_shares([FIRST], "ZYYL", date(2025, 2, 1), "illness", RS)
    assert early.outcome == "not_payable" and not early.ok
    assert payable_shares([FIRST], "ZYYL", date(2026, 2, 1), "illness", RS).outcome == "not_covered"
    with pytest.raises(ValueError):
        payable_shares([FIRST], "ZYYL", date(2025, 6, 10), "flood", RS)


def test_accident_plan_ignores_observation_even_if_configured():
    line = MemberPolicy(date(2025, 1, 1), date(2025, 12, 31), (CoverageLine(1, date(2025, 1, 1), date(2025, 3, 31)),))
    assert payable_shares([line], "YWSH", date(2025, 2, 1), "illness", RS).outcome == "payable"
    assert status(date(2025, 2, 1), (line,), plan="YWSH").outcome == "covered"


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 1, 1)), st.integers(1, 400), st.integers(-5, 500))
def test_illness_is_payable_exactly_from_start_plus_n(start, days, offset):
    end = start + timedelta(days=days - 1)
    policy = MemberPolicy(start, start + timedelta(days=800), (CoverageLine(1, start, end),))
    incident = start + timedelta(days=offset)
    decision = payable_shares([policy], "ZJB", incident, "illness", RS)
    if offset < 0:
        assert decision.outcome == "not_covered"
    elif offset < days:
        assert decision.outcome == "not_payable"
    else:
        assert decision.outcome == "payable"
