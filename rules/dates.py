"""Calendar arithmetic shared by the rules (no clock: every date is an argument)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from rules.workdays import WorkCalendar, active_calendar, add_working_days

ONE_DAY = timedelta(days=1)


def add_months(d: date, months: int) -> date:
    """`d` moved by whole months; a day missing in the target month clamps to its last day."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def _is_month_end(d: date) -> bool:
    return (d + ONE_DAY).day == 1


def term_end(start: date, months: int) -> date:
    """Last covered day of a term of `months` starting on `start` (docs/rules.md R1.2 interpretation).

    A term ends the day before its anniversary. Counting from the day before `start` keeps
    month-end alignment: 2024-02-29 + 12 months ends 2025-02-28, and 2023-03-01 + 12
    months ends 2024-02-29 (so its expiry is 2024-03-01, the same calendar day as the start).
    """
    day_before = start - ONE_DAY
    end = add_months(day_before, months)
    if _is_month_end(day_before):
        end = date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])
    return end


def expiry(end: date) -> date:
    """失效日: the first day no longer covered by a policy ending on `end` (docs/rules.md R1.2)."""
    return end + ONE_DAY


def is_working_day(d: date, cal: WorkCalendar | None = None) -> bool:
    """Monday to Friday except public holidays, plus 调休 working weekends, by the working-day
    calendar (``rules.workdays``; the active one unless ``cal`` is given)."""
    return (active_calendar() if cal is None else cal).is_working_day(d)


def working_days_before(d: date, count: int, cal: WorkCalendar | None = None) -> date:
    """The `count`-th working day before `d` (d itself not counted), by the working-day calendar."""
    return add_working_days(d, -count, cal)
