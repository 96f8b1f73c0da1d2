"""rules.check_export_month: only an ended month; a month sent again only as a replacement."""

from datetime import date

import pytest

from rules import Severity, check_export_month

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("start,end", [(date(2026, 12, 1), date(2026, 12, 31)), (date(2027, 5, 1), date(2027, 5, 31))])
def test_a_month_not_ended_is_refused(start, end):
    d = check_export_month(start, end, TODAY)
    assert not d.ok and d.code == "R5.export.month_not_ended" and "最近可导出 2026-11" in d.message


def test_a_month_ending_today_is_not_ended():
    d = check_export_month(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 30))
    assert d.code == "R5.export.month_not_ended"


def test_an_ended_month_not_sent_is_exported():
    d = check_export_month(date(2026, 11, 1), date(2026, 11, 30), TODAY)
    assert d.ok and d.outcome == "export" and d.citation.short == "000 第十七条9"


def test_a_month_sent_again_needs_replace_and_a_reason():
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    assert check_export_month(start, end, TODAY, (3,)).code == "R5.export.already_sent"
    assert check_export_month(start, end, TODAY, (3,), replace=True).code == "R5.export.reason_required"
    d = check_export_month(start, end, TODAY, (3, 5), replace=True, reason=" 漏录 ")
    assert d.ok and d.severity is Severity.WARNING and d.data["replaces"] == 5 and d.data["reason"] == "漏录"


def test_replace_with_nothing_sent_is_refused():
    d = check_export_month(date(2026, 11, 1), date(2026, 11, 30), TODAY, replace=True, reason="x")
    assert d.code == "R5.export.nothing_to_replace"
