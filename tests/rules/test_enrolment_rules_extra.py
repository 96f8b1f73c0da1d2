"""A late renewal filed after the period it would start has already ended covers nothing."""

from datetime import date

from rules import classify_renewal


def test_late_renewal_filed_after_the_new_period_ended_is_refused():
    d = classify_renewal(
        date(2024, 2, 1), date(2025, 1, 31), date(2025, 2, 1), date(2026, 1, 31), date(2026, 3, 2), "ZYYL"
    )
    assert not d.ok and d.code == "R1.8.filed_after_end"
    late = classify_renewal(
        date(2024, 2, 1), date(2025, 1, 31), date(2025, 2, 1), date(2026, 1, 31), date(2025, 6, 1), "ZYYL"
    )
    assert late.outcome == "late_renewal_as_first"
