"""The working-day calendar and the service-project rules (docs/rules.md R7, R7.1–R7.11; glossary 工作日):
deadlines across month ends and the 2026 holidays with their 调休, the provisional 2027, the
office's calendar data checked, and each step refused with its article when a document is missing."""

from __future__ import annotations

from datetime import date

import pytest

from rules.params import packaged_rulesets
from rules.projects import (
    DEPARTMENTS,
    ProjectFacts,
    check_step,
    launch_due,
    mask_code,
    plan_due,
    project_deadlines,
    review_due,
)
from rules.workdays import (
    CalendarError,
    add_working_days,
    basis,
    load_calendar,
    packaged_calendar,
    working_days_before,
    working_days_between,
)

CAL = packaged_calendar()
RS = packaged_rulesets().on(date(2026, 6, 1))


def test_2026_is_the_state_councils_arrangement():
    y = CAL.years[2026]
    assert y.status == "official" and "2025年11月4日" in y.source
    assert not CAL.is_working_day(date(2026, 10, 7))  # 国庆, a Wednesday
    assert CAL.is_working_day(date(2026, 10, 10))  # 调休上班, a Saturday
    assert CAL.is_working_day(date(2026, 9, 20))  # 调休上班, a Sunday
    assert not CAL.is_working_day(date(2026, 2, 23))  # 春节 ends on a Monday
    assert CAL.is_working_day(date(2026, 2, 14)) and CAL.is_working_day(date(2026, 2, 28))
    assert CAL.day_kind(date(2026, 5, 9)) == "make_up" and CAL.day_kind(date(2026, 5, 5)) == "holiday"
    # 261 weekdays, 19 of them holidays, 6 weekend days worked
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31), CAL) == 248


def test_2027_is_provisional_statutory_days_only():
    y = CAL.years[2027]
    assert y.provisional and y.workdays == () and "暂定" in y.source
    assert not CAL.is_working_day(date(2027, 2, 5))  # 除夕, a Friday
    assert not CAL.is_working_day(date(2027, 2, 8))  # 正月初三, a Monday
    assert CAL.is_working_day(date(2027, 2, 9))  # no 调休 is guessed
    assert "暂定" in basis(date(2026, 12, 20), date(2027, 1, 10), CAL)
    assert basis(date(2026, 3, 1), date(2026, 4, 1), CAL) == ""
    assert "未列入" in basis(date(2028, 1, 1), date(2028, 2, 1), CAL)


def test_first_review_submitted_before_national_day():
    # Received Monday 2026-09-28: Tue, Wed, then 10-01…10-07 off, Thu 10-08, Fri 10-09, Sat 10-10 (调休).
    assert review_due(date(2026, 9, 28), RS, CAL) == date(2026, 10, 10)
    # Mon–Fri alone would have said 2026-10-05, a holiday.
    assert add_working_days(date(2026, 9, 28), 5, load_calendar({"year": [_plain(2026)]})) == date(2026, 10, 5)


def test_deadlines_across_month_ends_and_holidays():
    # Before 劳动节, across the month end: 04-29, 04-30, 05-06, 05-07, 05-08.
    assert review_due(date(2026, 4, 28), RS, CAL) == date(2026, 5, 8)
    # Before 春节: Fri 02-13, Sat 02-14 (调休), then 02-24, 02-25, 02-26.
    assert review_due(date(2026, 2, 12), RS, CAL) == date(2026, 2, 26)
    # Across the year end into the provisional 2027: 12-31, (01-01 元旦), 01-04, 01-05, 01-06, 01-07.
    assert review_due(date(2026, 12, 30), RS, CAL) == date(2027, 1, 7)
    # Launch materials by the 5th working day before the start (R7.7's reading).
    assert launch_due(date(2025, 6, 16), RS, CAL) == date(2025, 6, 9)
    assert launch_due(date(2026, 10, 12), RS, CAL) == date(2026, 9, 29)  # back over 国庆 and its 调休 Saturday
    assert launch_due(date(2026, 10, 8), RS, CAL) == date(2026, 9, 23)  # 中秋 Friday 09-25 skipped
    assert working_days_before(date(2026, 3, 2), 5, CAL) == date(2026, 2, 24)  # 02-28 is a 调休 Saturday
    # a month ahead, clamped to the month's last day (R7.3)
    assert plan_due(date(2026, 3, 31), RS) == date(2026, 2, 28)
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 9), CAL) == 4


def _plain(year: int) -> dict:
    return {"year": year, "status": "provisional", "source": "周一至周五", "holidays": [], "workdays": []}


def test_calendar_data_is_checked():
    with pytest.raises(CalendarError) as err:
        load_calendar(
            {
                "year": [
                    {
                        "year": 2028,
                        "status": "official",
                        "source": "x",
                        "holidays": [{"name": "国庆节", "from": date(2028, 10, 1), "to": date(2028, 10, 7)}],
                        "workdays": [
                            {"name": "调休", "on": date(2028, 10, 9)},
                            {"name": "调休", "on": date(2028, 10, 1)},
                        ],
                    },
                    {**_plain(2029), "workdays": [{"name": "调休", "on": date(2029, 9, 29)}]},
                ]
            }
        )
    text = str(err.value)
    assert "周一至周五" in text and "同时列为假期" in text and "暂定日历只列法定节假日" in text


def facts(**kw) -> ProjectFacts:
    base = dict(
        name="职工健康体检",
        state="draft",
        start=date(2026, 10, 12),
        end=date(2026, 10, 31),
        cost_fen=1_500_000,
        budget_left_fen=2_000_000,
    )
    base.update(kw)
    return ProjectFacts(**base)


def test_no_budget_line_is_refused_with_the_article():
    report = check_step(
        "submit", facts(budget_left_fen=None), date(2026, 9, 1), {"doc": "方案1"}, date(2026, 9, 1), RS, CAL
    )
    assert not report.ok and "R7.no_budget" in report.codes
    assert report.errors[0].citation.short == "004 六.4"
    over = check_step(
        "submit", facts(budget_left_fen=1_000_000), date(2026, 9, 1), {"doc": "方案1"}, date(2026, 9, 1), RS
    )
    assert "R7.over_budget" in over.codes


def test_a_step_with_a_missing_document_is_refused():
    report = check_step("submit", facts(), date(2026, 9, 1), {}, date(2026, 9, 1), RS, CAL)
    assert report.codes == ("R7.11.missing_document",)
    assert report.errors[0].citation.short == "004 六.3" and "实施方案" in report.errors[0].message
    # the 请示 before the minutes and the procurement are on record
    state = facts(state="review_passed", steps={"submit": date(2026, 8, 20), "review_passed": date(2026, 8, 25)})
    report = check_step("request", state, date(2026, 8, 28), {"doc": "请示1号"}, date(2026, 8, 28), RS, CAL)
    assert [d.data["missing"] for d in report.errors] == ["meeting", "procure"]
    # approval without every department's signature (R7.6)
    steps = {k: date(2026, 8, 20) for k in ("submit", "review_passed", "meeting", "procure", "request")}
    report = check_step(
        "approve",
        facts(state="materials_submitted", steps=steps),
        date(2026, 9, 1),
        {"doc": "主任办公会纪要"},
        date(2026, 9, 1),
        RS,
        CAL,
    )
    assert report.codes == ("R7.6.unsigned",) and len(report.errors[0].data["unsigned"]) == len(DEPARTMENTS)
    signed = {**steps, **{f"sign:{k}": date(2026, 8, 31) for k in DEPARTMENTS}}
    ok = check_step(
        "approve",
        facts(state="materials_submitted", steps=signed),
        date(2026, 9, 1),
        {"doc": "纪要"},
        date(2026, 9, 1),
        RS,
        CAL,
    )
    assert ok.ok and ok.decisions[0].data["to"] == "approved"


def test_plan_a_month_ahead_and_a_late_review_is_a_warning():
    late = check_step("submit", facts(), date(2026, 9, 13), {"doc": "方案"}, date(2026, 9, 13), RS, CAL)
    assert "R7.plan_late" in late.codes
    assert check_step("submit", facts(), date(2026, 9, 12), {"doc": "方案"}, date(2026, 9, 12), RS, CAL).ok
    submitted = facts(state="plan_submitted", steps={"submit": date(2026, 9, 28)})
    on_time = check_step(
        "review", submitted, date(2026, 10, 10), {"result": "passed", "doc": "初审通知"}, date(2026, 10, 12), RS, CAL
    )
    assert on_time.codes == ("R7.review",) and on_time.decisions[0].data["to"] == "review_passed"
    late = check_step(
        "review", submitted, date(2026, 10, 12), {"result": "failed", "doc": "初审通知"}, date(2026, 10, 12), RS, CAL
    )
    assert late.ok and late.codes == ("R7.review", "R7.4.review_late")
    assert late.decisions[0].data["to"] == "review_failed"


def test_launch_materials_late_are_refused_and_terminate_needs_a_ground():
    approved = facts(state="approved", steps={"approve": date(2026, 9, 1)})
    late = check_step("launch", approved, date(2026, 9, 30), {"doc": "说明", "codes": 50}, date(2026, 9, 30), RS, CAL)
    assert "R7.materials_late" in late.codes
    no_codes = check_step(
        "launch", approved, date(2026, 9, 29), {"doc": "说明", "codes": 0}, date(2026, 9, 29), RS, CAL
    )
    assert no_codes.codes == ("R7.11.missing_document",) and "电子码" in no_codes.errors[0].message
    other = check_step(
        "terminate", approved, date(2026, 9, 20), {"ground": "other", "doc": "公告"}, date(2026, 9, 20), RS
    )
    assert "R7.10.reason" in other.codes


def test_deadlines_by_state_for_both_sides():
    submitted = facts(state="plan_submitted", steps={"submit": date(2026, 9, 28)})
    (d,) = project_deadlines(submitted, date(2026, 10, 12), RS, CAL)
    assert (d.code, d.party, d.due, d.overdue) == ("R7.4.review_due", "office", date(2026, 10, 10), True)
    pending = project_deadlines(facts(state="materials_submitted"), date(2026, 9, 1), RS, CAL)
    assert [(x.code, x.party) for x in pending] == [("R7.6.approval", "office"), ("R7.7.launch_due", "branch")]
    assert all(x.due == date(2026, 9, 29) for x in pending)
    assert project_deadlines(facts(state="terminated"), date(2026, 9, 1), RS, CAL) == []


def test_codes_are_masked():
    assert mask_code("HZ20261012ABCD") == "HZ**********CD"
    assert mask_code("12345") == "*****"
