"""Test harness only: lets the acceptance test run ``huzhu`` subprocesses on chosen days of a
year, as libfaketime would, without any switch in the product itself (a clerk cannot set the
program's date). The test puts this folder on PYTHONPATH and sets HUZHU_TEST_TODAY."""

import os

_today = os.environ.get("HUZHU_TEST_TODAY")
if _today:
    import datetime as _dt

    from models import clock as _clock

    _clock.freeze(_dt.date.fromisoformat(_today))
