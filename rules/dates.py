"""Calendar arithmetic shared by the rules (no clock: every date is an argument)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

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
    """Last covered day of a term of `months` starting on `start` (DOMAIN R1.2 interpretation).

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
    """失效日: the first day no longer covered by a policy ending on `end` (DOMAIN R1.2)."""
    return end + ONE_DAY


def is_working_day(d: date) -> bool:
    """Monday to Friday. Public holidays and 调休 are not modelled (not in the sources)."""
    return d.weekday() < 5


def working_days_before(d: date, count: int) -> date:
    """The `count`-th working day before `d` (d itself not counted)."""
    current = d
    remaining = count
    while remaining > 0:
        current -= ONE_DAY
        if is_working_day(current):
            remaining -= 1
    return current
