"""The audit high-water mark: the last audit sequence and hash, kept outside the database.

A damaged or deleted ``-wal`` file after a crash silently drops committed transactions
while both integrity checks still pass (SQLite stops at the first bad frame). So after every
commit that appended to the audit chain, ``FILE.hwm`` is rewritten atomically with the
chain's head; at unlock a database whose chain is behind that mark has lost committed work:
the program opens it read-only and says to restore the latest backup. Bundles carry the same
head to the office, an anchor outside this machine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from models.fsutil import atomic_write_bytes

_pending: tuple[int, str] | None = None


def path_for(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + ".hwm")


def note(seq: int, digest: str) -> None:
    """Called by audit.record inside a transaction; written out once the transaction commits."""
    global _pending
    _pending = (seq, digest)


def discard() -> None:
    global _pending
    _pending = None


def flush(db_path: str | os.PathLike, db_id: str) -> None:
    global _pending
    if _pending is None:
        return
    seq, digest = _pending
    _pending = None
    write(db_path, db_id, seq, digest)


def write(db_path, db_id: str, seq: int, digest: str) -> None:
    try:
        atomic_write_bytes(path_for(db_path), json.dumps({"db_id": db_id, "seq": seq, "hash": digest}).encode())
    except OSError:
        pass  # a read-only folder: the database itself is the record; the mark is a safety net


@dataclass(frozen=True)
class Mark:
    seq: int
    hash: str


def read(db_path, db_id: str) -> Mark | None:
    try:
        obj = json.loads(path_for(db_path).read_text("utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return None
    if obj.get("db_id") != db_id:
        return None
    try:
        return Mark(int(obj["seq"]), str(obj["hash"]))
    except (KeyError, TypeError, ValueError):
        return None


def behind(mark: Mark | None, head_seq: int, head_hash: str, hash_at_mark: str | None) -> bool:
    """True when the database lacks audit events the mark says were committed, or differs at the mark."""
    if mark is None:
        return False
    if head_seq < mark.seq:
        return True
    return hash_at_mark is not None and hash_at_mark != mark.hash
