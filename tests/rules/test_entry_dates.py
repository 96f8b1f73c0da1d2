"""rules.check_entry_date: a typed date that a rule depends on (issue 14 item 1)."""

from datetime import date

import pytest

from rules import SUPERVISOR_ROLE, Severity, check_entry_date

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("role", ["clerk", SUPERVISOR_ROLE, "auditor"])
def test_a_future_date_is_refused_for_everyone(role):
    d = check_entry_date(date(2026, 12, 20), TODAY, role, "理由", kind="renewal_filed")
    assert (d.outcome, d.code, d.severity) == ("future", "R0.date.future", Severity.ERROR)
    assert "2026-12-20" in d.message and "晚于今天" in d.message
    assert d.citation.short == "000 第十七条9"


def test_today_is_allowed_for_a_clerk():
    d = check_entry_date(TODAY, TODAY, "clerk", kind="claim_reported")
    assert d.ok and d.outcome == "today"


def test_an_earlier_date_needs_a_supervisor():
    d = check_entry_date(date(2026, 11, 10), TODAY, "clerk", "补录", kind="renewal_filed")
    assert not d.ok and d.code == "R0.date.backdate_supervisor" and "负责人" in d.message


def test_a_supervisor_needs_a_reason():
    d = check_entry_date(date(2026, 11, 10), TODAY, SUPERVISOR_ROLE, "  ", kind="disbursement")
    assert not d.ok and d.code == "R0.date.backdate_reason" and "支出日期" in d.message


def test_a_supervisor_with_a_reason_back_dates_with_a_warning():
    d = check_entry_date(date(2026, 11, 10), TODAY, SUPERVISOR_ROLE, " 纸质登记补录 ", kind="handover")
    assert d.ok and d.outcome == "backdated" and d.severity is Severity.WARNING
    assert d.data["reason"] == "纸质登记补录" and d.data["entered"] == date(2026, 11, 10)
    assert d.data["field"] == "handover"
