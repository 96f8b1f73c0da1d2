"""The audit chain anchored outside the branch (issue 13 item 4), the branch's side.

Every monthly bundle carries the chain's head (event count and hash) and the hash this chain has
at the count the previous bundle carried (``since``); the office refuses a bundle whose chain does
not extend the head it accepted last, and its answer says which head it accepted (``sync.export``,
``sync.office``, ``sync.answer``; sync/FORMAT.md). The heads sent and the one the office accepted
are also kept beside the database in ``FILE.sent`` (``models.sentmark``), where a restore does not
reach, so at unlock and in ``huzhu check`` the branch itself finds a chain that no longer holds
them: rewritten (rows deleted and ``.hwm`` rewritten, or the whole chain recomputed) or rolled back
together with its ``.hwm``.

Heads of bundles this database does not record as sent are left to ``models.sentmark`` (an older
backup restored: its own warning, export blocked until ``huzhu sync reconcile-restore``), and heads
of bundles a supervisor re-recorded by that reconciliation are forks the office is told about
(``restored`` in the next bundle), not tampering.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from models import audit, sentmark
from models.db import database

#: The audit action of ``huzhu sync reconcile-restore`` (sync.restore), which re-records bundles
#: the office holds and a restored database lost.
RECONCILE_ACTION = "sync.restore.reconciled"


@dataclass(frozen=True)
class Finding:
    """One head kept outside the database that the chain no longer holds."""

    source_zh: str
    source_en: str
    count: int
    kind: str  # behind (the chain is shorter) | rewritten (another event at that count)

    def text(self) -> str:
        if self.kind == "behind":
            return f"{self.source_zh}记录的审计链有 {self.count} 条，本数据库的审计链却更短（数据库连同 .hwm 被回退？）"
        return f"{self.source_zh}记录的审计链第 {self.count} 条与本数据库的不同（审计链被改写或重算？）"

    def text_en(self) -> str:
        if self.kind == "behind":
            return (
                f"{self.source_en} recorded {self.count} audit events; this chain is shorter (rolled back with .hwm?)"
            )
        return f"event {self.count} differs from the one {self.source_en} recorded (chain rewritten or recomputed?)"


def extends(count: int, digest: str) -> str | None:
    """None when this chain holds ``digest`` at ``count``; otherwise ``behind`` or ``rewritten``."""
    if count == 0:
        return None
    at = audit.hash_at(count)
    if at is None:
        return "behind"
    return None if at == digest else "rewritten"


def _trusted_reconciles() -> list[tuple[int, str, list[int]]]:
    """(seq, hash, bundle sequences re-recorded) of every reconcile event a supervisor (or the
    recovery code) signed: one planted with the raw key must neither hide a head from the check
    at unlock nor make the next bundle declare a restore the office would accept."""
    from models import crypto, grants

    rows = database.execute_sql(
        "SELECT seq, hash, user, sig, detail FROM audit_event WHERE action = ? ORDER BY seq", (RECONCILE_ACTION,)
    ).fetchall()
    if not rows:
        return []
    checked = grants.signed_from() is not None  # a database before signed events has nothing to check
    auth = grants.walk() if checked else None
    db_id = grants._db_id()
    out: list[tuple[int, str, list[int]]] = []
    for seq, digest, user, sig, detail in rows:
        if auth is not None:
            granted = auth.grants.get(user)
            if not auth.root_ok or granted is None or granted.role not in grants.GRANTORS or granted.sign is None:
                continue
            try:
                signature = bytes.fromhex(sig or "")
            except ValueError:
                continue
            if not (
                _hash_holds(seq) and crypto.ed25519_verify(granted.sign, signature, audit.signed_message(db_id, digest))
            ):
                continue
        try:
            seqs = json.loads(detail).get("sequences")
        except (ValueError, AttributeError):
            seqs = None
        out.append((seq, digest, [s for s in seqs if isinstance(s, int)] if isinstance(seqs, list) else []))
    return out


def reconciled_sequences() -> set[int]:
    """Bundles a supervisor re-recorded after a restore (their heads belong to the lost history)."""
    return {s for _seq, _digest, seqs in _trusted_reconciles() for s in seqs}


def last_reconcile() -> tuple[int, str] | None:
    found = _trusted_reconciles()
    return (found[-1][0], found[-1][1]) if found else None


def _hash_holds(seq: int) -> bool:
    """The event's stored hash is its content's (the signature covers the hash only)."""
    for _s, at, user, action, entity, eid, detail, prev_hash, digest, _sig, rows in audit.events(
        "WHERE seq = ?", (seq,)
    ):
        return audit._digest(prev_hash, seq, at, user, action, entity, eid, detail, rows) == digest
    return False


def findings(db_path: str | os.PathLike) -> list[Finding]:
    """Every head in ``FILE.sent`` (bundles sent, the office's last answer) that this chain does not hold."""
    mark = sentmark.mark_for_this_branch(db_path)
    if mark is None:
        return []
    logged = sentmark.logged()
    forked: set[int] | None = None  # read only when a head is missing (it scans the events)

    def declared_fork(sequence: int) -> bool:
        nonlocal forked
        if forked is None:
            forked = reconciled_sequences()
        return sequence in forked

    out: list[Finding] = []
    for b in mark.bundles:
        if b.audit_head is None or b.audit_count is None or b.sequence not in logged:
            continue
        kind = extends(b.audit_count, b.audit_head)
        if kind and not declared_fork(b.sequence):
            out.append(Finding(f"第 {b.sequence} 号月度数据包", f"monthly bundle {b.sequence}", b.audit_count, kind))
    accepted = mark.office_accepted
    if accepted is not None and accepted["sequence"] in logged:
        kind = extends(accepted["count"], accepted["hash"])
        if kind and not declared_fork(accepted["sequence"]):
            out.append(
                Finding(
                    f"办事处第 {accepted['answer_sequence']} 号回执",
                    f"the office's answer {accepted['answer_sequence']}",
                    accepted["count"],
                    kind,
                )
            )
    return out


def lost_bundles(db_path: str | os.PathLike) -> list[sentmark.Sent]:
    """Bundles ``FILE.sent`` says the office holds and this database does not record: an older
    backup restored, or the file rolled back (unlock says so and keeps it writable, so the lost
    work can be entered again; ``check`` reports it until a supervisor reconciles)."""
    mark = sentmark.mark_for_this_branch(db_path)
    return sentmark.lacking(mark, max(sentmark.logged(), default=0))


def warning(found: list[Finding]) -> tuple[str, str]:
    zh = "；".join(f.text() for f in found[:5])
    en = "; ".join(f.text_en() for f in found[:5])
    return (
        f"审计记录与已交给办事处的不符：{zh}。已以只读方式打开；办事处也会拒收此后的数据包。"
        "请负责人运行 huzhu check 查看，并从发送数据包之后的备份恢复（huzhu restore）。",
        f"the audit history does not hold what was sent to the office: {en}. Opened read-only; the office would "
        "refuse the next bundle too. A supervisor should run huzhu check and restore a backup made after the last "
        "bundle (huzhu restore)",
    )


def previous_head(sequence: int, file_name: str) -> tuple[int, str] | None:
    """The head bundle ``sequence`` carried, from ``FILE.sent`` or else from its export event."""
    from models import db as dbmod

    mark = sentmark.mark_for_this_branch(dbmod.current().path)
    for b in mark.bundles if mark else ():
        if b.sequence == sequence and b.audit_head is not None and b.audit_count is not None:
            return b.audit_count, b.audit_head
    return sentmark.audit_heads_from_events().get(file_name)


def chain_for_export(previous: tuple[int, str] | None, previous_sequence: int | None) -> dict[str, Any]:
    """The manifest's ``audit_chain``: this chain's head, the hash it holds at the previous bundle's
    count, and, when that bundle's history was lost by a restore a supervisor reconciled, the
    reconcile event (the office is told, and accepts the fork with a warning)."""
    count, head = audit.head()
    since = None
    restored = None
    if previous is not None:
        since = {"count": previous[0], "hash": audit.hash_at(previous[0]) if previous[0] else audit.GENESIS}
        if since["hash"] != previous[1] and previous_sequence in reconciled_sequences():
            at = last_reconcile()
            restored = {"count": at[0], "hash": at[1]} if at else None
    return {"count": count, "head": head, "since": since, "restored": restored}
