"""Unlock and the 待办 at 10,000, 100,000 and 1,000,000 members (issue 15).

For each size, on the cached demo database (``common.demo_db``), medians of 5 runs (3 with
``--quick``, which also leaves out 1M):

* unlock as the TUI does it: Argon2id with the production parameters, slot unwrap, SQLCipher
  open, identity, migrations, role, high-water mark (``check_pages=False``); baseline: opening
  the same file with the raw key in hand (no KDF), same run. Goal: ≤ 0.5 s at every size.
* the whole-file page check (``PRAGMA cipher_integrity_check``) the TUI runs in the background
  after unlock, and the command line at unlock: for information, it grows with the file.
* the row check that follows it (``rowseal.verify``: every row against its signed event, in SQL),
  and the process's peak RSS while it runs (against its RSS before: the check holds a few pages
  and one piece of an event's list, whatever the size). Writes wait for the page check only. For
  information: it reads every row.
* ``read_dashboard`` as the 待办 screen reads it (``limit``: the first 100 items of each long
  section, the rest counted) and each of its queries, on a fresh connection as the TUI's worker
  opens it. Each query reads through an index (checked by tests/test_dashboard_indexes.py) the
  open items only, to count them, and decides and reads in full the listed ones alone; the demo's
  open items grow with its members, so the goal is per open item counted: at the largest size
  ≤ 2× the smallest size's, or the whole query under 20 ms. The whole evaluation (every item
  decided and read) is timed too, for comparison.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from common import Figure, demo_db, load_average, median, parser, peak_rss_mb, report, reset_peak_rss, rss_mb

from models import crypto, dashboard, rowseal
from models import db as dbmod

#: The 待办 screen's lines per section (tui.screens.dashboard.SECTION_LINES).
LIMIT = 100
QUERIES = (
    ("renewals_first", lambda today: dashboard.renewals_first(today, LIMIT)),
    ("overdue_claims_first", lambda today: dashboard.overdue_claims_first(today, LIMIT)),
    ("direct_pay_first", lambda today: dashboard.direct_pay_first(today, LIMIT)),
    ("waiting_disbursements_first", lambda today: dashboard.waiting_disbursements_first(today, LIMIT)),
    ("unreported_handovers", dashboard.unreported_handovers),
    ("stale_logins", dashboard.stale_logins),
    ("office_notices", lambda today: dashboard.office_notices()),
    ("budget_use", dashboard.budget_use),
    ("bundle_due", dashboard.bundle_due),
    ("fee_items", dashboard.fee_items),
    ("project_deadlines", dashboard.project_deadlines),
)


def fresh_connection() -> None:
    """Close and reopen this thread's connection: a TUI worker starts with an empty page cache."""
    dbmod.database.close()
    dbmod.database.connect()


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--sizes", help="comma-separated member counts (default 10000,100000,1000000)")
    p.add_argument(
        "--row-check-sizes",
        help="the sizes to time the row check at (default: every size; at 1M it reads ~7 million rows)",
    )
    args = p.parse_args()
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    )
    runs = 3 if args.quick else 5
    row_sizes = {int(s) for s in args.row_check_sizes.split(",")} if args.row_check_sizes else set(sizes)
    params = crypto.KdfParams()
    today = dt.date.today()
    figs: list[Figure] = []
    per_query: dict[str, dict[int, float]] = {}
    kdf_times = []
    for _ in range(runs):
        t = time.perf_counter()
        crypto.derive_passphrase_key("demo", b"0" * 16, params)
        kdf_times.append(time.perf_counter() - t)
    figs.append(Figure("  of which Argon2id alone (the same parameters, any size)", median(kdf_times), "s"))
    for n in sizes:
        path = demo_db(n)
        unlock_times, open_times, check_times, board_times, whole_times, row_times = [], [], [], [], [], []
        row_rss: tuple[float, float] | None = None  # (RSS before the row check, peak during it), MB
        query_times: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
        listed: dict[str, int] = {}
        items = 0
        for _ in range(runs):
            t = time.perf_counter()
            session = dbmod.unlock(path, "demo", "demo", check_pages=False)
            unlock_times.append(time.perf_counter() - t)
            if not check_times:  # once per size: for information, and at 1M it reads 3.7 GB
                check = dbmod.check_pages_in_background(session)
                check.wait()
                check.thread.join()
                check_times.append(check.seconds)
                if n in row_sizes:
                    gc.collect()
                    before, reset = rss_mb(), reset_peak_rss()
                    t = time.perf_counter()
                    rowseal.verify()
                    row_times.append(time.perf_counter() - t)
                    peak = peak_rss_mb()
                    if reset and before is not None and peak is not None:
                        row_rss = (before, peak)
            for name, fn in QUERIES:
                fresh_connection()
                t = time.perf_counter()
                result = fn(today)
                query_times[name].append(time.perf_counter() - t)
                # the windowed ones return (listed, this year's, past years'): counted are the last two
                listed[name] = (
                    sum(result[1:]) if isinstance(result, tuple) else (len(result) if isinstance(result, list) else 1)
                )
            fresh_connection()
            t = time.perf_counter()
            board = dashboard.read_dashboard(today, LIMIT)
            board_times.append(time.perf_counter() - t)
            items = sum(board.counts().values())
            fresh_connection()
            t = time.perf_counter()
            dashboard.read_dashboard(today)
            whole_times.append(time.perf_counter() - t)
            key = session.key
            dbmod.close()
            t = time.perf_counter()
            conn = dbmod._raw_connect(path, key)
            conn.execute("SELECT count(*) FROM huzhu_meta").fetchone()
            conn.close()
            open_times.append(time.perf_counter() - t)
        size = path.stat().st_size / 2**20
        value = median(unlock_times)
        figs.append(
            Figure(
                f"unlock as the TUI (Argon2id {params.memory_kib // 1024} MiB, t={params.iterations}, "
                f"p={params.lanes}), {n:,} members",
                value,
                "s",
                median(open_times),
                "open with raw key, no KDF",
                "≤ 0.5 s",
                value <= 0.5,
            )
        )
        figs.append(
            Figure(
                f"whole-file page check after unlock (background), {n:,} members, {size:,.0f} MiB",
                median(check_times),
                "s",
            )
        )
        if row_times:
            figs.append(Figure(f"row check after the page check (background), {n:,} members", median(row_times), "s"))
        if row_rss is not None:
            figs.append(
                Figure(
                    f"  peak RSS of the process during the row check, {n:,} members",
                    row_rss[1],
                    "MB",
                    row_rss[0],
                    "RSS before it",
                )
            )
        figs.append(
            Figure(
                f"read_dashboard as 待办 reads it (first {LIMIT} per section; {items:,} items counted), {n:,} members",
                median(board_times),
                "s",
                median(whole_times),
                "every item decided and read",
            )
        )
        for name, _ in QUERIES:
            per_query.setdefault(name, {})[n] = (median(query_times[name]), listed[name])
    for name, by_size in per_query.items():
        (small, small_items), (large, large_items) = by_size[min(by_size)], by_size[max(by_size)]
        per_small, per_large = small / max(small_items, 1), large / max(large_items, 1)
        flat = large < 0.02 or per_large <= 2 * per_small
        for n, (value, items) in by_size.items():
            last = n == max(by_size) and len(by_size) > 1
            figs.append(Figure(f"  待办 query {name}, {n:,} members ({items:,} counted)", value * 1000, "ms"))
            if last:
                figs.append(
                    Figure(
                        f"  {name} per item counted, {n:,} members",
                        per_large * 1e6,
                        "µs",
                        per_small * 1e6,
                        f"per item, {min(by_size):,} members",
                        "≤ 2× per item at the smallest size, or < 20 ms in all",
                        flat,
                    )
                )
    print(f"load average at the end: {load_average():.2f} (2 cores shared)")
    report("unlock and 待办 by size", figs, args.json)


if __name__ == "__main__":
    main()
