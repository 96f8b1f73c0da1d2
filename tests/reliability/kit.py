"""Helpers for the crash, fault and tamper suite: a prepared branch, a writer child killed
with SIGKILL at a random moment, and the checks every survivor must pass."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from models import admin, audit, clock
from models import db as dbmod
from models.db import database

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).resolve().parent / "writer.py"
PASSPHRASE = "correct horse 电池 staple"
LI_PASSPHRASE = "li pass"


def record(fault: str, tried: int, result: str) -> None:
    """Append one line for RELIABILITY.md when ``HUZHU_RELIABILITY_STATS`` names a file (the long run)."""
    target = os.environ.get("HUZHU_RELIABILITY_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fault": fault, "tried": tried, "result": result}, ensure_ascii=False) + "\n")


def runs(default: int = 50) -> int:
    """How many random kills: ``HUZHU_RELIABILITY_RUNS`` (CI default 50; ``make reliability`` 1,000)."""
    return int(os.environ.get("HUZHU_RELIABILITY_RUNS", default))


def make_branch(path: Path) -> Path:
    """Branch 004 with supervisors zhang and li and a large 2026 welfare budget line."""
    from models.schema import BudgetLine
    from tests.conftest import CHEAP_KDF

    admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "li", "supervisor", LI_PASSPHRASE, kdf=CHEAP_KDF)
    with dbmod.writing():
        BudgetLine.create(year=2026, code="welfare", name="互助互济支出", amount_fen=10**12)
        audit.record("budget.create", "budget_line", "welfare", {})
    dbmod.close()
    return path


@dataclass
class Run:
    acks: list[dict] = field(default_factory=list)
    killed_after_s: float = 0.0
    exit_code: int | None = None
    stderr: str = ""


def kill_at_random(
    mode: str, db: Path, arg: Path | None, rnd: random.Random, *, max_delay: float = 1.5, ready_timeout: float = 60.0
) -> Run:
    """Start the writer, await its READY line on the pipe, let it work for a random time, SIGKILL it.

    The random delay only chooses *when* to kill; nothing waits on time for synchronisation:
    READY and every acknowledgement arrive as lines on the pipe, read by a thread."""
    cmd = [sys.executable, str(WRITER), mode, str(db)] + ([str(arg)] if arg else [])
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    run = Run()
    ready = threading.Event()
    lines: list[str] = []

    def reader():
        for line in proc.stdout:
            if line.strip() == "READY":
                ready.set()
            else:
                lines.append(line)
        ready.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    if not ready.wait(ready_timeout):
        proc.kill()
        raise AssertionError(f"writer never became ready: {proc.stderr.read()}")
    if proc.poll() is not None:
        raise AssertionError(f"writer ended before the kill (exit {proc.returncode}): {proc.stderr.read()[-3000:]}")
    delay = rnd.uniform(0, max_delay)
    run.killed_after_s = delay
    end = time.monotonic() + delay
    while time.monotonic() < end:  # choosing the moment; a dead writer is a failure, caught below
        if proc.poll() is not None:
            break
        time.sleep(min(0.005, max(0.0, end - time.monotonic())))
    died_early = proc.poll() is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    t.join(10)
    run.stderr = proc.stderr.read()
    proc.stderr.close()
    run.exit_code = proc.returncode
    if died_early:
        raise AssertionError(f"writer failed before the kill (exit {proc.returncode}): {run.stderr[-3000:]}")
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    # Only whole lines were acknowledged; a partial last line (cut by the kill) was never read as one.
    run.acks = [json.loads(x) for x in lines if x.endswith("\n")]
    return run


def storage_checks() -> dict[str, str]:
    """integrity_check, cipher_integrity_check and the audit chain on the open database: {} when all pass."""
    problems = {}
    rows = [r[0] for r in database.execute_sql("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        problems["integrity_check"] = "; ".join(rows[:5])
    rows = database.execute_sql("PRAGMA cipher_integrity_check").fetchall()
    if rows:
        problems["cipher_integrity_check"] = "; ".join(" ".join(map(str, r)) for r in rows[:5])
    chain = audit.verify()
    if not chain.ok:
        problems["audit_chain"] = f"{chain.reason} at {chain.events}"
    return problems


_ORDER = {"claim": ["registered", "submitted"], "disbursement": ["entered", "approved", "paid"]}


def check_day(db: Path, acks: list[dict]) -> None:
    """After a kill: opens, both integrity checks and the chain pass, the high-water mark is not
    ahead, every acknowledged write is there, and no transaction is half there."""
    session = dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        assert not session.warnings and not session.read_only, session.warnings
        problems = storage_checks()
        assert not problems, problems
        q = lambda sql, *a: database.execute_sql(sql, a).fetchall()  # noqa: E731
        for a in acks:
            assert audit.hash_at(a["seq"]) == a["hash"], f"acknowledged audit event {a['seq']} lost or changed"
            if a["op"] == "import":
                assert q("SELECT rows FROM import_batch WHERE id = ?", a["id"]) == [(5,)]
                got = q(f"SELECT count(*) FROM member WHERE id_number IN ({','.join('?' * 5)})", *a["numbers"])
                assert got == [(5,)], a
            elif a["op"] == "member":
                assert q("SELECT bank_account IS NOT NULL FROM member WHERE id = ?", a["id"]) == [(1,)], a
            else:
                table = "claim_report" if a["op"] == "claim" else "disbursement"
                state = q(f"SELECT state FROM {table} WHERE id = ?", a["id"])
                assert state, a
                order = _ORDER[a["op"]]
                assert state[0][0] in order and order.index(state[0][0]) >= order.index(a["state"]), (a, state)
        # No half transactions: each service row has its audit event(s) and vice versa.
        count = lambda sql, *a: q(sql, *a)[0][0]  # noqa: E731
        assert count("SELECT count(*) FROM import_batch") == count(
            "SELECT count(*) FROM audit_event WHERE action = 'import.enrolments'"
        )
        assert count("SELECT count(*) FROM member") == 5 * count("SELECT count(*) FROM import_batch")
        assert count("SELECT count(*) FROM coverage") == 5 * count("SELECT count(*) FROM import_batch")
        assert count("SELECT count(*) FROM member WHERE bank_account IS NOT NULL") == count(
            "SELECT count(*) FROM audit_event WHERE action = 'member.update'"
        )
        assert count("SELECT count(*) FROM claim_report") == count(
            "SELECT count(*) FROM audit_event WHERE action = 'claim.register'"
        )
        assert count("SELECT count(*) FROM claim_event") == count(
            "SELECT count(*) FROM audit_event WHERE action LIKE 'claim.%'"
        )
        assert count("SELECT count(*) FROM claim_report WHERE state = 'submitted'") == count(
            "SELECT count(*) FROM audit_event WHERE action = 'claim.submit'"
        )
        for state, action in (("entered", "enter"), ("approved", "approved"), ("paid", "paid")):
            assert count(
                f"SELECT count(*) FROM disbursement WHERE {state}_on IS NOT NULL"
                if state != "entered"
                else "SELECT count(*) FROM disbursement"
            ) == count("SELECT count(*) FROM audit_event WHERE action = ?", f"disbursement.{action}"), state
    finally:
        dbmod.close()
        clock.freeze(None)


def kill_after(cmd: list[str], delay: float, *, start_when=None, ready_timeout: float = 60.0) -> Run:
    """Like ``kill_at_random`` for any child (``cmd``) that prints ``READY`` and then JSON lines:
    SIGKILL it ``delay`` seconds after READY, or, with ``start_when`` (a callable polled every
    millisecond, e.g. "this file exists"), ``delay`` seconds after that first holds. The child
    must still be running at the kill (a child that has finished its work waits to be killed);
    ``acks`` holds its whole JSON lines; ``killed_after_s`` counts from READY."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    run = Run()
    ready = threading.Event()
    lines: list[str] = []

    def reader():
        for line in proc.stdout:
            if line.strip() == "READY":
                ready.set()
            else:
                lines.append(line)
        ready.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    if not ready.wait(ready_timeout):
        proc.kill()
        raise AssertionError(f"child never became ready: {proc.stderr.read()}")
    readied = time.monotonic()
    if proc.poll() is not None:
        raise AssertionError(f"child ended before the kill (exit {proc.returncode}): {proc.stderr.read()[-3000:]}")
    start = readied
    if start_when is not None:
        give_up = readied + ready_timeout
        while not start_when() and proc.poll() is None and time.monotonic() < give_up:
            time.sleep(0.001)
        start = time.monotonic()
    end = start + delay
    while time.monotonic() < end:
        if proc.poll() is not None:
            break
        time.sleep(min(0.002, max(0.0, end - time.monotonic())))
    died_early = proc.poll() is not None
    os.kill(proc.pid, signal.SIGKILL)
    run.killed_after_s = time.monotonic() - readied
    proc.wait()
    t.join(10)
    run.stderr = proc.stderr.read()
    proc.stderr.close()
    run.exit_code = proc.returncode
    if died_early:
        raise AssertionError(f"child failed before the kill (exit {proc.returncode}): {run.stderr[-3000:]}")
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    run.acks = [json.loads(x) for x in lines if x.endswith("\n")]
    return run
