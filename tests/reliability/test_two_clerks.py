"""Item 6: two huzhu processes on one database (two clerks on one PC): WAL with a busy
timeout, writes serialise, no lost update; a database that stays locked gives a clear
message within the busy timeout, not a freeze."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import sqlcipher3

from models import audit
from models import db as dbmod
from models.db import database, raw_key_literal
from tests.reliability.kit import PASSPHRASE, ROOT, WRITER, make_branch, storage_checks

N = int(os.environ.get("HUZHU_TWO_CLERKS_WRITES", "150"))


def _start(db, tag):
    return subprocess.Popen(
        [sys.executable, str(WRITER), "units", str(db), tag, str(N)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def test_two_writers_serialise_without_lost_updates(tmp_path):
    db = make_branch(tmp_path / "branch.hzdb")
    a, b = _start(db, "A"), _start(db, "B")
    out_a, err_a = a.communicate(timeout=300)
    out_b, err_b = b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, (err_a[-2000:], err_b[-2000:])
    acks = [json.loads(x) for x in (out_a + out_b).splitlines() if x.startswith("{")]
    assert len(acks) == 2 * N
    # Both really wrote while the other was writing: their audit sequence numbers interleave.
    seqs_a = [x["seq"] for x in acks if x["code"].startswith("A")]
    seqs_b = [x["seq"] for x in acks if x["code"].startswith("B")]
    assert min(seqs_b) < max(seqs_a) and min(seqs_a) < max(seqs_b), "the two writers did not overlap"
    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        assert not storage_checks()
        codes = {r[0] for r in database.execute_sql("SELECT code FROM unit")}
        assert {x["code"] for x in acks} <= codes and len(codes) == 2 * N
        for x in acks:
            assert audit.hash_at(x["seq"]) == x["hash"]
        assert (
            database.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'unit.create'").fetchone()[0] == 2 * N
        )
    finally:
        dbmod.close()


def test_a_database_that_stays_locked_gives_a_clear_message(tmp_path):
    db = make_branch(tmp_path / "branch.hzdb")
    session = dbmod.unlock(db, "zhang", PASSPHRASE)
    key = session.key
    dbmod.close()
    holder = sqlcipher3.connect(str(db), isolation_level=None)
    holder.execute(f'PRAGMA key = "{raw_key_literal(key)}"')
    holder.execute("BEGIN IMMEDIATE")  # another clerk's program in the middle of a long write
    holder.execute("INSERT INTO unit (code, name) VALUES ('HOLD', '占用')")
    try:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), "units", str(db), "B", "1"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        out, err = proc.communicate(timeout=60)  # a freeze fails here
        took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode != 0 and '"op": "unit"' not in out
    assert "DatabaseLocked" in err or "占用" in err, err[-2000:]
    assert took < 30, took
