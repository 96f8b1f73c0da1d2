"""Keeps every ``python -m tui`` a test starts on the test session's day (``HZTEST_DAY``).

A test computes dates from the session's day and the program reads its own clock; a run that
crosses midnight would otherwise compare 12-07 with 12-06. The program has deliberately no
setting that moves its clock (a clerk could back-date with it), so the tests put this directory
on ``PYTHONPATH`` (tests/conftest.py) and Python runs this file at start-up. Nothing installed
ships it.
"""

from __future__ import annotations

import datetime as _dt
import os


def pin(day: _dt.date) -> None:
    """Replace ``models.clock.now``: the real time on ``day``; after midnight the day's last
    moment, so time never runs backwards. A test's own ``clock.freeze`` still wins."""
    from models import clock

    def now() -> _dt.datetime:
        if clock._frozen is not None:
            return clock._frozen
        real = _dt.datetime.now(_dt.UTC).astimezone()
        if real.date() > day:
            return real.replace(year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59)
        return real

    clock.now = now  # type: ignore[assignment]


if os.environ.get("HZTEST_DAY"):
    pin(_dt.date.fromisoformat(os.environ["HZTEST_DAY"]))
