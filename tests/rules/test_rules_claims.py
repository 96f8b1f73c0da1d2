"""docs/rules.md R2: register fields, preliminary check, lifecycle, failed direct pay, channel."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import (
    ClaimEvent,
    ClaimReport,
    CoverageLine,
    DirectPayStep,
    MemberPolicy,
    Report,
    Severity,
    check_claim_channel,
    check_claim_history,
    check_claim_transition,
    check_direct_pay_step,
    check_register_fields,
    claim_overdue,
    direct_pay_status,
    preliminary_check,
    ruleset_on,
)
from rules.claims import RECORDED_ERROR_CODES, recorded_errors, register_blockers

RS = ruleset_on(date(2024, 1, 1))
TODAY = date(2025, 7, 1)
POLICY = MemberPolicy(
    date(2025, 1, 1),
    date(2025, 12, 31),
    (
        CoverageLine(2, date(2025, 1, 1), date(2025, 3, 31)),
        CoverageLine(1, date(2025, 6, 1), date(2025, 8, 29)),
    ),
)
MATERIALS = frozenset(RS.plan("ZYYL").required_materials)


def claim(**changes):
    values = dict(
        unit="朝阳区某单位",
        member="M1",
        diagnosis="肺炎",
        plan="ZYYL",
        shares_claimed=2,
        reported_on=date(2025, 6, 20),
        reporter="张三",
        incident_date=date(2025, 6, 15),
        materials=MATERIALS,
    )
    values.update(changes)
    return ClaimReport(**values)


def test_complete_register_entry():
    report = check_register_fields(claim(), TODAY, RS)
    assert report.ok and report.codes == ("R2.1.complete",)


def test_missing_register_fields_are_each_reported():
    report = check_register_fields(claim(diagnosis=" ", reporter=None, shares_claimed=None), TODAY, RS)
    assert not report.ok
    assert sorted(d.data["field"] for d in report.errors) == ["diagnosis", "reporter", "shares_claimed"]
    assert all(str(d.citation) == "《代办处管理办法》(000) 第十七条5" for d in report.errors)


def test_report_date_before_incident_or_in_future_is_refused():
    assert "R2.3.date_backwards" in check_register_fields(claim(reported_on=date(2025, 6, 1)), TODAY, RS).codes
    assert "R2.1.date_in_future" in check_register_fields(claim(reported_on=date(2025, 7, 2)), TODAY, RS).codes


def test_preliminary_check_passes_a_clean_claim():
    report = preliminary_check(claim(incident_date=date(2025, 4, 15)), [POLICY], [], TODAY, RS)
    assert report.ok and report.codes == ("R2.2.ok",)


def test_preliminary_check_finds_every_problem():
    earlier = claim(incident_date=date(2025, 5, 30), reported_on=date(2025, 6, 1), diagnosis="肺 炎")
    report = preliminary_check(
        claim(shares_claimed=4, materials=frozenset({"互助金申请书"})), [POLICY], [earlier], TODAY, RS
    )
    codes = set(report.codes)
    assert {
        "R2.2.shares_exceed_held",
        "R1.7.partly_in_observation",
        "R2.2.possible_duplicate",
        "R2.2.materials_missing",
    } <= codes
    missing = next(d for d in report if d.code == "R2.2.materials_missing")
    assert "身份证复印件" in missing.data["missing"] and "互助金申请书" not in missing.data["missing"]


def test_duplicate_window_is_thirty_days():
    near = claim(incident_date=date(2025, 5, 16))
    far = claim(incident_date=date(2025, 5, 15))
    assert "R2.2.possible_duplicate" in preliminary_check(claim(), [POLICY], [near], TODAY, RS).codes
    assert "R2.2.possible_duplicate" not in preliminary_check(claim(), [POLICY], [far], TODAY, RS).codes


def test_duplicate_warning_names_the_earlier_reports_incident_and_report_dates():
    earlier = claim(incident_date=date(2025, 5, 20), reported_on=date(2025, 5, 28))
    warning = next(
        d for d in preliminary_check(claim(), [POLICY], [earlier], TODAY, RS) if d.code == "R2.2.possible_duplicate"
    )
    assert "出险日 2025-05-20、2025-05-28 报案的记录" in warning.message


def test_claim_outside_cover_is_an_error():
    report = preliminary_check(
        claim(incident_date=date(2024, 12, 1), reported_on=date(2024, 12, 2)), [POLICY], [], TODAY, RS
    )
    assert "R1.8.not_covered_on_incident" in report.codes and not report.ok


# --- what keeps an entry out of the register, and what is recorded with it -----------------

IN_OBSERVATION = MemberPolicy(
    date(2025, 1, 1), date(2025, 12, 31), (CoverageLine(2, date(2025, 6, 1), date(2025, 8, 29)),)
)


@pytest.mark.parametrize(
    "changes, policies, code",
    [
        (
            {"incident_date": date(2024, 12, 1), "reported_on": date(2024, 12, 2)},
            [POLICY],
            "R1.8.not_covered_on_incident",
        ),
        ({"shares_claimed": 9}, [POLICY], "R2.2.shares_exceed_held"),
        ({"incident_date": date(2025, 6, 15)}, [IN_OBSERVATION], "R1.7.in_observation"),
        ({}, [], "R1.8.not_covered_on_incident"),
    ],
)
def test_a_claim_that_would_not_be_paid_is_recorded_not_refused(changes, policies, code):
    report = preliminary_check(claim(**changes), policies, [], TODAY, RS)
    assert not report.ok and register_blockers(report) == ()
    assert code in [d.code for d in recorded_errors(report)]
    assert all(d.citation.source == "000" for d in recorded_errors(report))


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"reporter": " "}, "R2.1.missing_field"),
        ({"member": None, "unit": None}, "R2.1.missing_field"),
        ({"shares_claimed": 0}, "R2.1.shares_invalid"),
        ({"reported_on": date(2025, 7, 2)}, "R2.1.date_in_future"),
        ({"reported_on": date(2025, 6, 10)}, "R2.3.date_backwards"),
        ({"incident_kind": "flood"}, "R2.1.incident_kind_invalid"),
        ({"plan": "NOPE"}, "R2.2.unknown_plan"),
    ],
)
def test_an_incomplete_or_wrong_entry_is_refused(changes, code):
    report = preliminary_check(claim(**changes), [POLICY], [], TODAY, RS)
    assert code in [d.code for d in register_blockers(report)]


def test_blockers_and_recorded_errors_split_the_errors_and_leave_warnings_alone():
    earlier = claim(incident_date=date(2025, 5, 30), reported_on=date(2025, 6, 1))
    report = preliminary_check(
        claim(shares_claimed=4, reporter=None, materials=frozenset()), [POLICY], [earlier], TODAY, RS
    )
    blockers, recorded = register_blockers(report), recorded_errors(report)
    assert [d.code for d in blockers] == ["R2.1.missing_field"]
    assert [d.code for d in recorded] == ["R2.2.shares_exceed_held"]
    assert sorted(blockers + recorded, key=report.decisions.index) == list(report.errors)
    assert {"R2.2.possible_duplicate", "R2.2.materials_missing", "R1.7.partly_in_observation"} <= {
        d.code for d in report.warnings
    }
    assert not set(d.code for d in report.warnings) & {d.code for d in blockers + recorded}


def test_an_error_not_known_to_be_recordable_refuses():
    unknown = RS.decide("refused", "R9.9.new_rule", "新规则", RS.cite("duplicate_claim_window_days"), Severity.ERROR)
    report = Report((unknown,))
    assert register_blockers(report) == (unknown,) and recorded_errors(report) == ()
    assert "R9.9.new_rule" not in RECORDED_ERROR_CODES


INCIDENT = date(2025, 6, 1)
HAPPY = [
    ClaimEvent("registered", date(2025, 6, 2), "张三"),
    ClaimEvent("submitted", date(2025, 6, 5), "张三"),
    ClaimEvent("returned", date(2025, 6, 10), "张三", reason="缺费用明细"),
    ClaimEvent("resubmitted", date(2025, 6, 12), "张三"),
    ClaimEvent("returned", date(2025, 6, 15), "张三", reason="诊断不清"),
    ClaimEvent("resubmitted", date(2025, 6, 16), "李四"),
    ClaimEvent("settled", date(2025, 6, 30), "李四", benefit_fen=123_400),
]


def test_lifecycle_allows_repeated_returns_and_settlement():
    report = check_claim_history(HAPPY, INCIDENT, RS)
    assert report.ok and all(d.code == "R2.3.transition_ok" for d in report)


@pytest.mark.parametrize(
    "history, event, code",
    [
        ([], ClaimEvent("submitted", date(2025, 6, 2), "张三"), "R2.3.illegal_transition"),
        (HAPPY[:1], ClaimEvent("settled", date(2025, 6, 3), "张三", benefit_fen=1), "R2.3.illegal_transition"),
        (HAPPY[:3], ClaimEvent("settled", date(2025, 6, 11), "张三", benefit_fen=1), "R2.3.illegal_transition"),
        (HAPPY, ClaimEvent("returned", date(2025, 7, 1), "张三", reason="x"), "R2.3.illegal_transition"),
        ([], ClaimEvent("registered", date(2025, 5, 31), "张三"), "R2.3.date_backwards"),
        (HAPPY[:2], ClaimEvent("returned", date(2025, 6, 4), "张三", reason="x"), "R2.3.date_backwards"),
        (HAPPY[:2], ClaimEvent("returned", date(2025, 6, 6), "张三"), "R2.3.reason_required"),
        (HAPPY[:2], ClaimEvent("settled", date(2025, 6, 6), "张三", benefit_fen=0), "R2.3.benefit_required"),
        (HAPPY[:2], ClaimEvent("declined", date(2025, 6, 6), " "), "R2.3.clerk_required"),
    ],
)
def test_lifecycle_refuses_illegal_steps(history, event, code):
    decision = check_claim_transition(history, event, INCIDENT, RS)
    assert decision.code == code and not decision.ok and decision.message


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["registered", "submitted", "returned", "resubmitted", "settled", "declined"]),
            st.integers(-3, 5),
        ),
        max_size=8,
    )
)
def test_accepted_histories_never_go_backwards(steps):
    accepted, day = [], INCIDENT
    for state, shift in steps:
        event = ClaimEvent(state, date.fromordinal(day.toordinal() + shift), "张三", reason="r", benefit_fen=100)
        if check_claim_transition(accepted, event, INCIDENT, RS).ok:
            accepted.append(event)
            day = event.on
    dates = [INCIDENT] + [e.on for e in accepted]
    assert dates == sorted(dates)
    assert not any(e.state in ("settled", "declined") for e in accepted[:-1])


def test_overdue_after_configured_days():
    registered = HAPPY[:1]
    assert claim_overdue(registered, date(2025, 6, 9), RS).code == "R2.3.not_overdue"
    overdue = claim_overdue(registered, date(2025, 6, 10), RS)
    assert overdue.code == "R2.3.submit_overdue" and overdue.data["due"] == date(2025, 6, 9)
    assert claim_overdue(HAPPY[:3], date(2025, 6, 18), RS).code == "R2.3.resubmit_overdue"
    assert claim_overdue(HAPPY, date(2026, 1, 1), RS).code == "R2.3.not_overdue"


def test_failed_direct_pay_steps_in_order_until_signed():
    steps = [
        DirectPayStep(s, date(2025, 7, d), "张三")
        for s, d in (("notice", 1), ("corrected", 2), ("transferred", 5), ("handed_down", 6), ("signed", 8))
    ]
    for i, step in enumerate(steps):
        assert direct_pay_status(steps[:i], date(2025, 7, 9), RS).outcome == "open"
        assert check_direct_pay_step(steps[:i], step, RS).ok
    assert direct_pay_status(steps, date(2025, 7, 9), RS).outcome == "closed"
    assert direct_pay_status(steps[:2], date(2025, 7, 9), RS).data["next_step"] == "transferred"
    assert check_direct_pay_step(steps[:1], steps[2], RS).code == "R2.4.illegal_transition"
    assert (
        check_direct_pay_step(steps[:2], DirectPayStep("transferred", date(2025, 7, 1), "张三"), RS).code
        == "R2.4.date_backwards"
    )


def test_r2_5_app_is_a_target_with_conditions_never_a_refusal():
    assert check_claim_channel("app", "ZYYL", TODAY, RS).code == "R2.5.channel_ok"
    assert check_claim_channel("paper", "ZJB", TODAY, RS).ok
    warned = check_claim_channel("app", "ZJB", TODAY, RS)  # sample conditions: medical plans only
    assert warned.ok and warned.code == "R2.5.app_outside_conditions" and warned.severity.value == "warning"
    assert warned.citation.source == "001"
    assert check_claim_channel("fax", "ZYYL", TODAY, RS).code == "R2.5.channel_invalid"


def test_r2_5_app_share_counts_app_claims_among_those_meeting_the_conditions():
    from rules.claims import ChannelRecord, app_share

    day = date(2025, 6, 1)
    claims = [
        ChannelRecord("ZYYL", "app", day),
        ChannelRecord("ZYYL", "paper", day),
        ChannelRecord("ZYYL", "app", day),
        ChannelRecord("ZJB", "app", day),  # outside: not counted in
        ChannelRecord("ZJB", "paper", day),
        ChannelRecord("ZYYL", "app", date(2024, 6, 1)),
    ]
    share = app_share(claims, 2025)
    assert (share.data["app_claims"], share.data["eligible_claims"]) == (2, 3)
    assert abs(share.data["share"] - 2 / 3) < 1e-9 and share.data["sample"]
    zjb = next(r for r in share.data["plans"] if r["plan"] == "ZJB")
    assert (zjb["eligible_claims"], zjb["app_excluded"], zjb["share"]) == (0, 1, None)
    assert app_share([], 2025).data["share"] is None


def test_unknown_plan_or_incident_kind_is_refused_not_raised():
    assert "R2.2.unknown_plan" in preliminary_check(claim(plan="XX"), [POLICY], [], TODAY, RS).codes
    report = preliminary_check(claim(incident_kind="flood"), [POLICY], [], TODAY, RS)
    assert "R2.1.incident_kind_invalid" in report.codes and not report.ok


def test_claim_payable_counts_the_shares_claimed_up_to_those_payable():
    from rules.claims import claim_payable

    # Illness on 2025-06-15: 2 of the 3 shares held are past observation, 1 is still in it.
    partly = claim_payable(3, [POLICY], "ZYYL", date(2025, 6, 15), "illness", RS)
    assert (partly.outcome, partly.code, partly.severity) == (
        "partly_payable",
        "R2.2.claim_partly_payable",
        Severity.WARNING,
    )
    assert partly.data == {"claimed": 3, "payable": 2}
    assert "申报 3 份，可给付 2 份" in partly.message
    whole = claim_payable(2, [POLICY], "ZYYL", date(2025, 6, 15), "illness", RS)
    assert (whole.outcome, whole.data) == ("payable", {"claimed": 2, "payable": 2})
    # Accidents have no observation period: all three pay.
    assert claim_payable(3, [POLICY], "ZYYL", date(2025, 6, 15), "accident", RS).outcome == "payable"
    # On 2025-03-15 the only line held is in observation; nothing is held for 2026.
    none = claim_payable(1, [POLICY], "ZYYL", date(2025, 3, 15), "illness", RS)
    assert (none.outcome, none.severity, none.data["payable"]) == ("not_payable", Severity.ERROR, 0)
    assert claim_payable(1, [POLICY], "ZYYL", date(2026, 3, 15), "illness", RS).data["payable"] == 0
