"""The append-only audit chain: every write names its user and is hashed onto the last.

``record`` must be called inside the transaction of the change it records, so the row
and the change commit or vanish together. ``verify`` recomputes every hash; a row
changed, removed or inserted out of order breaks the chain at that sequence number.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from models import clock, hwm
from models.db import current, database

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: str, user: str, action: str, entity: str,
            entity_id: str | None, detail: str) -> str:
    body = json.dumps([seq, at, user, action, entity, entity_id, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "|" + body).encode("utf-8")).hexdigest()


def head() -> tuple[int, str]:
    row = database.execute_sql("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def record(action: str, entity: str, entity_id=None, detail: dict | None = None, *, user: str | None = None) -> str:
    """Append one event; returns its hash. Never put a full ID number or account in ``detail``."""
    if not database.in_transaction():
        raise RuntimeError("audit.record must run inside the transaction it records")
    seq, prev = head()
    seq += 1
    at = clock.stamp()
    who = user or current().user
    eid = None if entity_id is None else str(entity_id)
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    digest = _digest(prev, seq, at, who, action, entity, eid, text)
    database.execute_sql(
        "INSERT INTO audit_event (seq, at, user, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, who, action, entity, eid, text, prev, digest),
    )
    hwm.note(seq, digest)
    return digest


def hash_at(seq: int) -> str | None:
    row = database.execute_sql("SELECT hash FROM audit_event WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row else None


@dataclass
class ChainResult:
    ok: bool
    events: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def verify() -> ChainResult:
    prev = GENESIS
    expected_seq = 1
    count = 0
    cur = database.execute_sql(
        "SELECT seq, at, user, action, entity, entity_id, detail, prev_hash, hash FROM audit_event ORDER BY seq"
    )
    for seq, at, user, action, entity, eid, detail, prev_hash, digest in cur:
        if seq != expected_seq:
            return ChainResult(False, count, prev, seq, f"序号不连续：应为 {expected_seq}，实为 {seq}")
        if prev_hash != prev:
            return ChainResult(False, count, prev, seq, f"第 {seq} 条的前一哈希与链不符")
        if _digest(prev, seq, at, user, action, entity, eid, detail) != digest:
            return ChainResult(False, count, prev, seq, f"第 {seq} 条内容被改动（哈希不符）")
        prev = digest
        expected_seq += 1
        count += 1
    return ChainResult(True, count, prev)
