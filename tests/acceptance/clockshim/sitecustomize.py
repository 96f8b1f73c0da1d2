"""Test harness only: lets the acceptance test run ``huzhu`` subprocesses on chosen days of a
year, as libfaketime would, without any switch in the product itself (a clerk cannot set the
program's date). The test puts this folder on PYTHONPATH and sets HUZHU_TEST_TODAY."""

import os

_today = os.environ.get("HUZHU_TEST_TODAY")
if _today:
    import datetime as _dt

    from models import clock as _clock

    _clock.freeze(_dt.date.fromisoformat(_today))

if os.environ.get("HZTEST_CHEAP_KDF"):
    # The same as tests/pinclock (whose sitecustomize this one hides on PYTHONPATH): cheap key
    # slots for the test's own ``huzhu init`` and ``user add``; see cheap_kdf there.
    from models import crypto as _crypto

    _crypto.KdfParams.__init__.__defaults__ = (8 * 1024, 1, 1)
