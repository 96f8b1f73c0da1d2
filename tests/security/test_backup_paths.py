"""`huzhu backup --out` never writes over the database's own files, never replaces an existing
file without --force, and a backup taken while another program holds the write lock says so
clearly instead of exiting 70 after writing the file."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from security_kit import PASSPHRASE, assert_clear, env, run


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", ["", ".keys", ".sent", ".hwm"])
def test_backup_onto_the_databases_own_files_is_refused(branch, suffix):
    target = branch.with_name(branch.name + suffix)
    if not target.exists():
        target.write_bytes(b"{}")
    before = _digest(target)
    proc = run("backup", "--out", target, "--force", env=env(branch))
    assert_clear(proc, 31, "数据库自己的文件")
    assert _digest(target) == before
    assert run("check", env=env(branch)).returncode == 0


def test_backup_onto_the_database_through_another_name_is_refused(branch, tmp_path):
    link = tmp_path / "elsewhere.hzbak"
    link.symlink_to(branch.with_name(branch.name + ".keys"))
    proc = run("backup", "--out", link, "--force", env=env(branch))
    assert_clear(proc, 31, "数据库自己的文件")
    assert run("check", env=env(branch)).returncode == 0


def test_an_existing_file_is_replaced_only_with_force(branch, tmp_path):
    out = tmp_path / "b.hzbak"
    out.write_bytes(b"last week's backup")
    proc = run("backup", "--out", out, env=env(branch))
    assert_clear(proc, 31, "--force")
    assert out.read_bytes() == b"last week's backup"
    proc = run("backup", "--out", out, "--force", env=env(branch))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"HZBAK1")


_HOLD_LOCK = """
import sys, time
from models import db as dbmod
dbmod.unlock(sys.argv[1], "zhang", sys.argv[2])
with dbmod.writing():
    dbmod.database.execute_sql("UPDATE unit SET name = name")
    print("LOCKED", flush=True)
    time.sleep(float(sys.argv[3]))
dbmod.close()
"""


def test_backup_while_another_program_writes_is_whole_and_says_so(branch, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(branch), PASSPHRASE, "14"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        out = tmp_path / "busy.hzbak"
        proc = run("backup", "--out", out, env=env(branch))
        assert_clear(proc, 0, "未记入审计日志")
        assert out.read_bytes().startswith(b"HZBAK1")
    finally:
        holder.wait(timeout=30)
