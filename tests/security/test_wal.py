"""A damaged `-wal` is never checkpointed by huzhu: it is copied aside with its database and the
database opens read-only, saying so. A database whose `.hwm` vanished (with its `-wal` and
`-shm`) says so at unlock, because the key file remembers that it had one."""

from __future__ import annotations

import hashlib
import os
import signal

import pytest
from security_kit import PASSPHRASE, env, run

from models import audit, walcheck
from models import db as dbmod

PAGE = 4096


def _crash_with_wal(db):
    """Thirty commits, then SIGKILL: the work is only in the -wal."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            dbmod.unlock(db, "zhang", PASSPHRASE)
            dbmod.database.execute_sql("PRAGMA wal_autocheckpoint = 0")
            for i in range(30):
                with dbmod.writing():
                    dbmod.database.execute_sql("UPDATE unit SET name = ?", (f"工会{i}",))
                    audit.record("test.write", "unit", i, {})
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    wal = db.with_name(db.name + "-wal")
    assert wal.stat().st_size > 20 * PAGE
    return wal


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Frame 6: the valid frames before the damage hold no commit (SQLite then "checkpoints" nothing
# on close and truncated the -wal even through a mode=ro connection). Frame 60: they hold commits.
@pytest.mark.parametrize("frame", [6, 60])
def test_a_damaged_wal_is_copied_aside_and_never_checkpointed(branch, frame):
    wal = _crash_with_wal(branch)
    data = bytearray(wal.read_bytes())
    data[32 + (frame - 1) * (24 + PAGE) + 24 + 100] ^= 0x01  # a flipped bit in the frame's page
    wal.write_bytes(bytes(data))
    state = walcheck.inspect(wal)
    assert state.damaged and state.valid_frames == frame - 1 and state.frames_after_damage > 10
    before = _sha(wal)
    proc = run("check", env=env(branch))
    assert "Traceback" not in proc.stderr and proc.returncode != 70
    assert "-wal" in proc.stderr and "只读" in proc.stderr, proc.stderr
    assert wal.exists() and _sha(wal) == before  # nothing folded in, nothing truncated
    [aside] = [p for p in branch.parent.glob(branch.name + ".damaged-wal-*") if not p.name.endswith("-wal")]
    assert _sha(aside.with_name(aside.name + "-wal")) == before
    # a write is refused while the WAL is damaged
    proc = run("worklog", "add", "--kind", "meeting", "--date", "2026-03-01", "--title", "t", env=env(branch))
    assert proc.returncode != 0 and _sha(wal) == before


def test_a_whole_wal_after_a_crash_is_recovered_as_usual(branch):
    _crash_with_wal(branch)
    proc = run("check", env=env(branch))
    assert proc.returncode == 0, proc.stderr
    assert "-wal" not in proc.stderr
    dbmod.unlock(branch, "zhang", PASSPHRASE)
    try:
        assert dbmod.database.execute_sql("SELECT name FROM unit").fetchone()[0] == "工会29"
    finally:
        dbmod.close()


def test_a_removed_hwm_is_reported_at_unlock(branch):
    assert run("check", env=env(branch)).returncode == 0  # the mark exists; the key file now knows it
    _crash_with_wal(branch)
    for suffix in ("-wal", "-shm", ".hwm"):
        branch.with_name(branch.name + suffix).unlink()
    proc = run("check", env=env(branch))
    assert "高水位标记" in proc.stderr and "missing" in proc.stderr, proc.stderr
    again = run("check", env=env(branch))
    assert "高水位标记" not in again.stderr
