"""End to end, as a clerk over SSH sees it: the real ``huzhu`` command in a tmux pane at 80×24.

Starts the installed console script in a detached tmux session, types with send-keys, and
reads the screen with capture-pane. Needs tmux (Debian package ``tmux``): without it the test
says so and is skipped, since the pilot tests cover the same screens in-process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from models import admin
from tests.conftest import CHEAP_KDF

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed on this machine")

HUZHU = str(Path(sys.executable).with_name("huzhu"))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def wait_for(session: str, text: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{screen}")


def type_then_enter(session: str, text: str) -> None:
    # Typed text and Enter in one write reach the terminal as one burst; a person pauses.
    tmux("send-keys", "-t", session, "-l", text)
    time.sleep(0.3)
    tmux("send-keys", "-t", session, "Enter")


@pytest.fixture
def pane(tmp_path):
    db = tmp_path / "e2e.hzdb"
    admin.create_database(db, branch_code="007", branch_name="怀柔", user="li", passphrase="pass li", kdf=CHEAP_KDF)
    name = f"huzhu-e2e-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update({"TERM": "xterm-16color", "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    cmd = f"{HUZHU} --db {db}; echo HUZHU-EXIT=$?; sleep 120"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd], env=env, check=True, timeout=30
    )
    try:
        yield name, db
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=30)


def wait_for_empty_passphrase(session: str, timeout: float = 90.0) -> None:
    """The passphrase field is empty again: its row shows the label and, inside the field's
    border (drawn with whatever glyph the focus style uses), the placeholder 口令."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if any(re.search(r"口令\s+\S\s+口令\s", line) for line in screen.splitlines()):
            return
        time.sleep(0.2)
    raise AssertionError(f"the passphrase field is not empty after {timeout}s:\n{screen}")


def test_unlock_see_branch_and_quit(pane):
    name, db = pane
    wait_for(name, "口令")
    type_then_enter(name, "wrong")
    wait_for(name, "口令错误")
    for _ in range(5):
        tmux("send-keys", "-t", name, "BSpace")
    wait_for_empty_passphrase(name)
    type_then_enter(name, "pass li")
    screen = wait_for(name, "待办")  # today's work comes first
    assert "Traceback" not in screen
    tmux("send-keys", "-t", name, "Escape")
    screen = wait_for(name, "怀柔")  # the menu beneath it names the branch
    assert "007" in screen
    assert "Traceback" not in screen
    tmux("send-keys", "-t", name, "C-q")
    screen = wait_for(name, "HUZHU-EXIT=0")
    assert "Traceback" not in screen
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # WAL folded back on exit


def test_passphrase_and_enter_in_one_burst_at_start_and_on_the_lock_screen(pane):
    """A paste, or a fast typist over SSH: the passphrase and Enter arrive in one write — first
    while the program is still starting (the tty is not yet in raw mode, so Enter arrives as a
    line feed), then on the lock screen. Both unlock; no failed attempt is recorded."""
    from models import attempts

    name, db = pane
    tmux("send-keys", "-t", name, "-l", "pass li\r")  # at once: the screen is not up yet
    screen = wait_for(name, "待办")
    assert "口令错误" not in screen and "请输入口令" not in screen
    tmux("send-keys", "-t", name, "C-l")
    wait_for(name, "已锁定")
    tmux("send-keys", "-t", name, "-l", "pass li\r")
    screen = wait_for(name, "待办")
    assert "已锁定" not in screen
    assert attempts.failures(db) == 0
    tmux("send-keys", "-t", name, "C-q")
    assert "Traceback" not in wait_for(name, "HUZHU-EXIT=0")


def test_editing_keys_in_a_burst_apply_in_the_order_typed(pane):
    """Over a laggy link keys arrive together: Ctrl+U then a name, or a typo, Backspace and the
    right letter, in one write. The search field shows what was typed, in that order."""
    name, _db = pane
    type_then_enter(name, "pass li")
    wait_for(name, "待办")
    tmux("send-keys", "-t", name, "F2")
    wait_for(name, "会员查询")
    tmux("send-keys", "-t", name, "-l", "abc")
    wait_for(name, "abc")
    tmux("send-keys", "-t", name, "C-u", "q", "w", "e", "r", "t")  # one burst
    wait_for(name, "qwert")  # before: Ctrl+U ran after the letters and left the field empty
    tmux("send-keys", "-t", name, "a", "s", "d", "BSpace", "f")
    screen = wait_for(name, "qwertasf")  # before: qwertas (the Backspace took the last letter)
    assert "abc" not in screen and "Traceback" not in screen
    tmux("send-keys", "-t", name, "C-q")
    assert "Traceback" not in wait_for(name, "HUZHU-EXIT=0")
