"""A small demo branch database shared by the report, work-log and self-check tests: the
seeded data of ``models.demo.build_demo`` (always the same for a size and a day)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models import clock, crypto, demo
from models import db as dbmod

#: For the databases the tests create themselves: Argon2id at its floor.
CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
USER, PASSPHRASE = "demo", "demo"
TODAY = dt.date(2026, 3, 2)


def small_demo(path: Path, *, members: int = 120, today: dt.date = TODAY) -> Path:
    """Branch 004 朝阳 with ``members`` members, built as of ``today`` (the clock frozen there)."""
    clock.freeze(today)
    try:
        demo.build_demo(path, members=members, today=today, user=USER, passphrase=PASSPHRASE)
    finally:
        dbmod.close()
        clock.freeze(None)
    return path
