"""The append-only audit chain: every write names its user, is hashed onto the last, and is
signed by the user who made it.

``record`` must be called inside the transaction of the change it records, so the row
and the change commit or vanish together. ``verify`` recomputes every hash; a row
changed, removed or inserted out of order breaks the chain at that sequence number.

Signatures (issue 13): each event's hash is signed with the acting user's Ed25519 key from
their key slot (``Session.signer``); the hash of a signed event also covers ``rows``, the
hashes of the business rows its transaction wrote (``models.rowseal``). Which key belongs to
whom is decided by the signed grant events (``models.grants``), which also verifies every
signature for ``huzhu check``. Events written before the upgrade have neither (legacy).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from models import clock, hwm
from models.db import current, database

GENESIS = "0" * 64
SIG_DOMAIN = b"huzhu-audit-v1|"


def _digest(
    prev_hash: str,
    seq: int,
    at: str,
    user: str,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: str,
    rows: str | None = None,
) -> str:
    fields = [seq, at, user, action, entity, entity_id, detail]
    if rows is not None:  # signed events (from migration 0013 on) also bind the rows they wrote
        fields.append(rows)
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "|" + body).encode("utf-8")).hexdigest()


def signed_message(db_id: str, digest: str) -> bytes:
    """What a user's key signs: the event hash, bound to this database so it cannot be replayed in another."""
    return SIG_DOMAIN + db_id.encode() + b"|" + digest.encode()


def head() -> tuple[int, str]:
    row = database.execute_sql("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def _has_signed_columns() -> bool:
    """False only on a schema before migration 0013 (tests that build old databases)."""
    from models import db as dbmod

    return dbmod.has_column("audit_event", "sig")


def record(action: str, entity: str, entity_id=None, detail: dict | None = None, *, user: str | None = None) -> str:
    """Append one event; returns its hash. Never put a full ID number or account in ``detail``.

    The event is signed with the session's signing key; ``user`` (naming someone other than
    the session's user) is only for building databases in tests: ``check`` reports such an
    event, because its signature is not that user's."""
    from models import db as dbmod
    from models import rowseal

    if not database.in_transaction():
        raise RuntimeError("audit.record must run inside the transaction it records")
    if dbmod.is_pg():
        # Several workstations append to one chain: hold its head until this transaction ends, so
        # the next writer reads this event as its predecessor (SQLite's single writer does it there).
        database.obj.lock_for_update("huzhu_meta", "key = ?", ("db_id",))
    seq, prev = head()
    seq += 1
    at = clock.stamp()
    session = dbmod._session
    who = user or current().user
    eid = None if entity_id is None else str(entity_id)
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    if not _has_signed_columns():
        digest = _digest(prev, seq, at, who, action, entity, eid, text)
        database.execute_sql(
            'INSERT INTO audit_event (seq, at, "user", action, entity, entity_id, detail, prev_hash, hash) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, who, action, entity, eid, text, prev, digest),
        )
        hwm.note(seq, digest)
        return digest
    rows = rowseal.seal(seq)
    digest = _digest(prev, seq, at, who, action, entity, eid, text, rows)
    signer = getattr(session, "signer", None) if session is not None else None
    sig = (
        signer.sign(signed_message(session.keyfile.db_id, digest)).hex()
        if session is not None and signer is not None
        else None
    )
    database.execute_sql(
        'INSERT INTO audit_event (seq, at, "user", action, entity, entity_id, detail, prev_hash, hash, sig, rows) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, who, action, entity, eid, text, prev, digest, sig, rows),
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


EVENT_COLUMNS = 'seq, at, "user", action, entity, entity_id, detail, prev_hash, hash, sig, rows'


def events(where: str = "", params: tuple = ()):
    """Every event (all columns of ``EVENT_COLUMNS``) in order; old schemas give NULL sig/rows."""
    cols = EVENT_COLUMNS if _has_signed_columns() else EVENT_COLUMNS.replace(", sig, rows", ", NULL, NULL")
    return database.execute_sql(f"SELECT {cols} FROM audit_event {where} ORDER BY seq", params)


def verify() -> ChainResult:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for seq, at, user, action, entity, eid, detail, prev_hash, digest, _sig, rows in events():
        if seq != expected_seq:
            return ChainResult(False, count, prev, seq, f"序号不连续：应为 {expected_seq}，实为 {seq}")
        if prev_hash != prev:
            return ChainResult(False, count, prev, seq, f"第 {seq} 条的前一哈希与链不符")
        if _digest(prev, seq, at, user, action, entity, eid, detail, rows) != digest:
            return ChainResult(False, count, prev, seq, f"第 {seq} 条内容被改动（哈希不符）")
        prev = digest
        expected_seq += 1
        count += 1
    return ChainResult(True, count, prev)
