"""What signing every audit event costs on the write path (issue 13): the busy branch's day of
``bench_overhead`` (2,000-row enrolment import, 200 claim events, 100 payments, each through the
real service functions, one transaction per user action) on the encrypted database, three ways:

* **signed**: as the program runs: every event signed with the user's Ed25519 key, and the rows
  each transaction wrote hashed into the event (row seals, item 3);
* **unsigned**: the same with no signing key in the session (events unsigned, rows still sealed);
* **before issue 13**: no signature and no row seals (``rowseal.seal`` replaced by a no-op), the
  write path as it was.

Runs alternate (signed, unsigned, before, signed, …) on fresh databases; the median is reported.
Goal (issue 13): the write path stays within 1.3× of today's (unsigned).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench_overhead import day, make_pair, write_file
from common import Figure, median, parser, report

from models import db as dbmod
from models import rowseal


def run(enc: Path, staff: Path, claims: int, payments: int, mode: str) -> dict[str, float]:
    session = dbmod.unlock(enc, "zhang", "bench")
    real_seal, real_unsealed = rowseal.seal, rowseal.unsealed
    try:
        if mode != "signed":
            session.signer = None
        if mode == "before":
            rowseal.seal = lambda seq: None  # type: ignore[assignment]  # the write path before item 3
            rowseal.unsealed = dict  # type: ignore[assignment]  # nor the commit-time net (models.db)
        return day(staff, claims, payments)
    finally:
        rowseal.seal, rowseal.unsealed = real_seal, real_unsealed
        dbmod.close()


def main() -> None:
    args = parser(__doc__).parse_args()
    reps = 1 if args.quick else 3
    rows, claims, payments = 2000, 200, 100
    runs: dict[str, list[dict[str, float]]] = {"signed": [], "unsigned": [], "before": []}
    with tempfile.TemporaryDirectory() as td:
        d = Path(td)
        staff = d / "staff.csv"
        write_file(staff, rows)
        fresh = 0
        for _rep in range(reps):
            for mode in runs:
                fresh += 1
                enc, _plain = make_pair(d, fresh)
                runs[mode].append(run(enc, staff, claims, payments, mode))
    figures = []
    for part, label in (
        ("day", "busy day (2,000-row import + 200 claim events + 100 payments)"),
        ("import", "  import 2,000 rows"),
        ("claims", "  200 claim events"),
        ("payments", "  100 payments (enter, approve, pay)"),
    ):
        s = median([r[part] for r in runs["signed"]])
        u = median([r[part] for r in runs["unsigned"]])
        b = median([r[part] for r in runs["before"]])
        figures.append(
            Figure(
                label + " signed",
                s,
                "s",
                u,
                "unsigned",
                "≤ 1.3× unsigned" if part == "day" else "",
                (s / u <= 1.3) if part == "day" else None,
            )
        )
        figures.append(Figure(label + " signed + row seals", s, "s", b, "before issue 13 (neither)", "", None))
    report(f"Signing every audit event on the write path ({reps} repetition(s), median)", figures, args.json)


if __name__ == "__main__":
    main()
