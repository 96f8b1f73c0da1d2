"""The test session's day reaches every ``python -m tui`` a test starts (tests/pinclock), so a run
that crosses midnight does not compare the program's new day with the test's old one."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import TODAY


def _program_today(day: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env["HZTEST_DAY"] = day
    code = "from models import clock; print(clock.today().isoformat())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout


def test_a_subprocess_stays_on_the_session_day_after_midnight():
    # a day already past stands for "the run crossed midnight since the session began"
    assert _program_today("2020-01-01").strip() == "2020-01-01"


def test_the_session_day_is_today_until_midnight():
    assert _program_today(TODAY.isoformat()).strip() == TODAY.isoformat()
