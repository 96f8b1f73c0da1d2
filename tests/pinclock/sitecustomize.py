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


def cheap_kdf() -> None:
    """Key slots a test's ``huzhu init`` / ``user add`` makes use the cheap Argon2id the in-process
    tests use (tests/conftest.py ``CHEAP_KDF``), so every later command's unlock derives in
    milliseconds: the first-year acceptance tests run 166 commands each, and the real
    parameters (64 MiB, 3 passes) cost about half of each command's time. What the KDF costs is
    measured by bench/bench_unlock.py and its bounds checked by tests/security; no test's
    behaviour depends on it. Only the defaults change: a slot's own parameters are still read
    from the key file."""
    from models import crypto

    crypto.KdfParams.__init__.__defaults__ = (8 * 1024, 1, 1)


if os.environ.get("HZTEST_CHEAP_KDF"):
    cheap_kdf()
if os.environ.get("HZTEST_DAY"):
    pin(_dt.date.fromisoformat(os.environ["HZTEST_DAY"]))
