"""The yearly self-assessment package's window (rules.audit, 000 第二十三条): which year is being
assessed on a day, and whether a package may go."""

from __future__ import annotations

from datetime import date

from rules.audit import check_yearly_submission, last_opened_year


def test_the_assessed_year_turns_over_when_the_window_opens():
    assert last_opened_year(date(2026, 12, 14)) == 2025
    assert last_opened_year(date(2026, 12, 15)) == 2026
    assert last_opened_year(date(2027, 1, 15)) == 2026
    assert last_opened_year(date(2027, 6, 1)) == 2026


def test_too_early_on_time_late_and_again_only_with_a_reason():
    assert check_yearly_submission(2026, date(2026, 12, 14), sent_before=False).code == "R6.yearly_too_early"
    on_time = check_yearly_submission(2026, date(2027, 1, 15), sent_before=False)
    assert on_time.ok and on_time.code == "R6.yearly_on_time" and not on_time.data["late"]
    late = check_yearly_submission(2026, date(2027, 1, 16), sent_before=False)
    assert late.ok and late.code == "R6.yearly_late" and late.data["late"]
    again = check_yearly_submission(2026, date(2027, 1, 10), sent_before=True)
    assert not again.ok and again.code == "R6.yearly_already_sent"
    assert check_yearly_submission(2026, date(2027, 1, 10), sent_before=True, reason="补充说明").ok
    assert "000 第二十三条" in str(again.citation) or "第二十三条" in str(again.citation)
