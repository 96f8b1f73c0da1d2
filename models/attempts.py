"""Failed-unlock counting, kept outside the encrypted database (which cannot be read
before a successful unlock): ``FILE.attempts`` beside it, a small JSON file.

The delay grows with consecutive failures: the first three are free (typos), then
1, 2, 4 … seconds up to a minute. A success resets the count.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from models.fsutil import atomic_write_bytes

FREE_TRIES = 3
MAX_DELAY = 60.0


def _path(db_path: str | os.PathLike) -> Path:
    if isinstance(db_path, str) and db_path.startswith(("postgresql://", "postgres://")):
        # A server database: this workstation's own count, in its cache folder.
        from models import pgdb

        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huzhu"
        base.mkdir(parents=True, exist_ok=True)
        return base / f"{pgdb.local_name(db_path)}.attempts"
    return Path(str(db_path) + ".attempts")


def failures(db_path) -> int:
    try:
        return int(json.loads(_path(db_path).read_text("utf-8")).get("failures", 0))
    except (FileNotFoundError, ValueError, AttributeError):
        return 0


def delay_for(count: int) -> float:
    if count < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY, float(2 ** (count - FREE_TRIES)))


def wait_before_try(db_path, sleep: Callable[[float], None] | None = None) -> float:
    delay = delay_for(failures(db_path))
    if delay:
        (sleep or time.sleep)(delay)
    return delay


def record_failure(db_path) -> int:
    count = failures(db_path) + 1
    try:
        atomic_write_bytes(_path(db_path), json.dumps({"failures": count, "last": time.time()}).encode())
    except OSError:
        pass  # a read-only folder must not turn a wrong passphrase into a crash
    return count


def reset(db_path) -> None:
    try:
        _path(db_path).unlink()
    except (FileNotFoundError, OSError):
        pass
