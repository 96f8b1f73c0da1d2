"""`rekey` while another program has the database open refuses clearly and records nothing;
a program opening the database while it is held exclusively (as during a rekey) is told
"busy, retry", never "the first page is damaged, restore from a backup"."""

from __future__ import annotations

import subprocess
import sys

from security_kit import PASSPHRASE, assert_clear, env, run

from models.keyslots import KeyFile

_READER = """
import sys, time
from models import db as dbmod
dbmod.unlock(sys.argv[1], "zhang", sys.argv[2])
dbmod.database.execute_sql("SELECT count(*) FROM member").fetchone()
print("OPEN", flush=True)
time.sleep(float(sys.argv[3]))
dbmod.close()
"""

_EXCLUSIVE = """
import sys, time
from models import db as dbmod
dbmod.unlock(sys.argv[1], "zhang", sys.argv[2])
dbmod.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
dbmod.database.execute_sql("PRAGMA journal_mode = DELETE")
dbmod.database.execute_sql("BEGIN EXCLUSIVE")
print("HELD", flush=True)
time.sleep(float(sys.argv[3]))
dbmod.database.execute_sql("ROLLBACK")
dbmod.database.execute_sql("PRAGMA journal_mode = WAL")
dbmod.close()
"""


def _rekeys(db) -> int:
    from models import db as dbmod

    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        return dbmod.database.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'db.rekey'").fetchone()[0]
    finally:
        dbmod.close()


def _hold(script, db, seconds, ready):
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(db), PASSPHRASE, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == ready
    return proc


def test_rekey_during_a_reader_refuses_and_records_nothing(branch):
    epoch = KeyFile.load(branch).key_epoch
    reader = _hold(_READER, branch, 12, "OPEN")
    try:
        proc = run("rekey", env=env(branch), timeout=60)
    finally:
        reader.wait(timeout=60)
    assert_clear(proc, 22, "无法换钥", "Nothing changed")
    assert KeyFile.load(branch).key_epoch == epoch
    assert _rekeys(branch) == 0
    assert run("check", env=env(branch)).returncode == 0


def test_rekey_alone_records_what_happened(branch):
    epoch = KeyFile.load(branch).key_epoch
    proc = run("rekey", env=env(branch), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert KeyFile.load(branch).key_epoch == epoch + 1
    assert _rekeys(branch) == 1
    assert run("check", env=env(branch)).returncode == 0


def test_a_reader_while_the_file_is_held_exclusively_is_told_busy(branch):
    holder = _hold(_EXCLUSIVE, branch, 9, "HELD")
    try:
        proc = run("lookup", "张三", env=env(branch), timeout=60)
    finally:
        holder.wait(timeout=60)
    assert_clear(proc, 22, "稍后重试")
    assert "损坏" not in proc.stderr and "restore" not in proc.stderr
