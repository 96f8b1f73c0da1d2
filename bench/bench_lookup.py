"""Lookup on a large branch: the SQL time against plain SQLite, and end-to-end latency.

Builds a demo database (1,000,000 members; --quick 100,000), exports an unencrypted copy
with sqlcipher_export, then runs 1,000 random queries of each kind (full ID, last 6 digits,
name, pinyin initials). Database time is the exact SQL of models.lookup.SQL, run on the
encrypted database and on the plain copy with the stdlib sqlite3 in the same run.
Goals (rules issue): SQL p50/p99 ratio ≤ 1.5; end-to-end p99 ≤ 5 ms for full ID and name,
≤ 50 ms for every kind.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from common import Figure, parser, percentile, report

from models import db as dbmod
from models.lookup import DEFAULT_LIMIT, lookup, run_query


def build(path: Path, members: int) -> None:
    from models.demo import build_demo

    t = time.perf_counter()
    build_demo(path, members=members)
    print(f"built {members} members in {time.perf_counter() - t:.1f} s", flush=True)


def plain_copy(path: Path, key: bytes) -> Path:
    plain = path.with_suffix(".plain.db")
    conn = dbmod._raw_connect(path, key)
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()
    return plain


def timed(fn, runs):
    out = []
    for args in runs:
        t = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    args = parser(__doc__).parse_args()
    members = 100_000 if args.quick else 1_000_000
    per_kind = 300 if args.quick else 1000
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "lookup.hzdb"
        build(path, members)
        session = dbmod.unlock(path, "demo", "demo")
        plain = sqlite3.connect(plain_copy(path, session.key))
        plain.execute("PRAGMA cache_size = -16000")
        enc = dbmod.database.connection()
        total = enc.execute("SELECT max(id) FROM member").fetchone()[0]
        sample = [enc.execute("SELECT id_number, name, initials FROM member WHERE id = ?", (rnd.randint(1, total),)).fetchone()
                  for _ in range(per_kind)]
        queries = {
            "id": [s[0] for s in sample],
            "id_suffix": [s[0][-6:] for s in sample],
            "name": [s[1] for s in sample],
            "initials": [s[2] for s in sample],
        }
        today = dt.date.today()
        figs = []
        for kind, qs in queries.items():
            norm = [q.upper() if kind in ("id", "id_suffix") else q for q in qs]
            runs = [(q,) for q in norm]

            def on(conn):
                return lambda q: run_query(lambda sql, p: conn.execute(sql, p).fetchall(), kind, q, DEFAULT_LIMIT + 1)

            # warm both caches the same way before measuring
            for (q,) in runs[:50]:
                on(enc)(q)
                on(plain)(q)
            e = timed(on(enc), runs)
            b = timed(on(plain), runs)
            for q_name, q in (("p50", 0.5), ("p99", 0.99)):
                ev, bv = percentile(e, q), percentile(b, q)
                figs.append(Figure(f"lookup SQL {kind} {q_name}", ev, "ms", bv, "same SQL, plain SQLite",
                                   "ratio ≤ 1.5", ev / bv <= 1.5 if bv else None))
            end = timed(lambda q: lookup(q, today), [(q,) for q in qs])
            goal = 5.0 if kind in ("id", "name") else 50.0
            p99 = percentile(end, 0.99)
            figs.append(Figure(f"lookup end-to-end {kind} p99", p99, "ms", goal=f"≤ {goal:g} ms", met=p99 <= goal))
        dbmod.close()
        plain.close()
    report(f"lookup ({members} members, {per_kind} queries per kind)", figs, args.json)


if __name__ == "__main__":
    main()
