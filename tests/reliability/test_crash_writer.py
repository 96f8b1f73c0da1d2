"""Item 1: SIGKILL a writer (imports, claim registrations and steps, disbursement entry,
approval and payment) at random moments; after each kill the database must open, pass
integrity_check, cipher_integrity_check and the audit chain, hold every acknowledged
write, and hold no half transaction. ``HUZHU_RELIABILITY_RUNS`` kills in all (default 50),
split over two tests so ``-n 2`` runs them side by side; each test keeps one database and
kills the writer again and again on it, so damage from one kill would surface in the next."""

from __future__ import annotations

import random

import pytest

from tests.reliability.kit import check_day, kill_at_random, make_branch, record, runs

SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS))
def test_sigkill_during_a_clerks_day(tmp_path, shard):
    n = runs() // SHARDS + (1 if shard < runs() % SHARDS else 0)
    db = make_branch(tmp_path / "branch.hzdb")
    rnd = random.Random(f"day-{shard}-{n}")
    acked: list[dict] = []
    kinds = set()
    for _ in range(n):
        run = kill_at_random("day", db, tmp_path, rnd)
        acked.extend(run.acks)
        kinds.update(a["op"] for a in run.acks)
        check_day(db, acked)
    # The suite must actually have exercised the write paths, not killed an idle process.
    if n >= 10:
        assert {"import", "claim", "disbursement"} <= kinds, kinds
    record(
        f"SIGKILL of a writer (import, member, claim register/submit, disbursement enter/approve/pay), shard {shard}",
        n,
        f"all {n} reopened; integrity_check, cipher_integrity_check, audit chain, high-water mark ok; "
        f"all {len(acked)} acknowledged commits present; no half transaction",
    )
