"""Unlock time: Argon2id with the production parameters, slot unwrap and SQLCipher open.

Baseline: opening the same file with the raw key already in hand (no KDF), same run.
Goal (foundation issue): unlock ≤ 0.5 s with at least 64 MiB of KDF memory.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import Figure, median, parser, report

from models import admin, crypto
from models import db as dbmod


def main() -> None:
    args = parser(__doc__).parse_args()
    runs = 5 if args.quick else 15
    params = crypto.KdfParams()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.hzdb"
        admin.create_database(path, branch_code="004", branch_name="朝阳", user="bench", passphrase="bench pass")
        unlock_times, open_times = [], []
        for _ in range(runs):
            t = time.perf_counter()
            session = dbmod.unlock(path, "bench", "bench pass")
            dbmod.database.execute_sql("SELECT count(*) FROM member").fetchone()
            unlock_times.append(time.perf_counter() - t)
            key = session.key
            dbmod.close()
            t = time.perf_counter()
            conn = dbmod._raw_connect(path, key)
            conn.execute("SELECT count(*) FROM member").fetchone()
            conn.close()
            open_times.append(time.perf_counter() - t)
        value = median(unlock_times)
        figs = [
            Figure(f"unlock (Argon2id {params.memory_kib // 1024} MiB, t={params.iterations}, p={params.lanes}) + open",
                   value, "s", median(open_times), "open with raw key, no KDF", "≤ 0.5 s", value <= 0.5),
            Figure("unlock, slowest of runs", max(unlock_times), "s", goal="≤ 0.5 s", met=max(unlock_times) <= 0.5),
        ]
    report("unlock", figs, args.json)


if __name__ == "__main__":
    main()
