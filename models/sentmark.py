"""The sent mark: every monthly bundle this branch has sent, kept outside the database.

Restoring an older backup brings back a database that does not know about the bundles sent
since that backup, although the office already holds them. Its next export would reuse their
sequence numbers, which the office refuses (a replay, or a broken chain), and the branch
would only learn it from the office. So after every export commits, ``FILE.sent`` is
rewritten atomically beside the database (same style as ``FILE.hwm``), and ``restore`` leaves
it in place: it records what the office already has, which no restore can undo.

At unlock (``models.db``) a database whose highest sequence is below the mark's gets a warning;
``sync.export`` refuses to export until a supervisor has run ``huzhu sync reconcile-restore``
(``sync.restore``), which compares the re-entered figures with those sent and re-records the
missing bundles so the chain continues where the office expects it.

The file holds the branch code, the database id and, per bundle: sequence, period, file name,
SHA-256, previous SHA-256, creation time, the summary's aggregate ``totals`` and
``disbursed_fen``, and the audit chain's head the bundle carried (``audit_count``,
``audit_head``); and ``office_accepted``, the head the office's last answer says it accepted
(issue 13 item 4, ``models.anchor``): counts, amounts and hashes only, never a name or an ID number.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.db import database
from models.fsutil import atomic_write_bytes

FORMAT = "huzhu-sent"
VERSION = 1
#: ``bundle_log.kind`` of the branch's monthly bundle (sync.bundle.KIND_BRANCH_MONTHLY; models
#: may not import sync, and the value is part of the stored format).
MONTHLY_BUNDLE_KIND = "branch_monthly"
#: The command that reconciles (named in messages).
RECONCILE_COMMAND = "huzhu sync reconcile-restore"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_PERIOD = re.compile(r"2[0-9]{3}-(0[1-9]|1[0-2])")


def path_for(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + ".sent")


@dataclass(frozen=True)
class Sent:
    """One bundle sent to the office, as the mark records it."""

    sequence: int
    period: str
    file_name: str
    sha256: str
    prev_sha256: str | None
    created: str
    #: The summary's ``totals`` (figure fields summed), or None when unknown (an interrupted
    #: export adopted later: the branch cannot read its own sealed bundle back).
    totals: dict[str, int] | None = None
    disbursed_fen: int | None = None
    #: The audit chain's head the bundle carried to the office (None: sent before issue 13 item 4).
    audit_count: int | None = None
    audit_head: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sequence": self.sequence,
            "period": self.period,
            "file": self.file_name,
            "sha256": self.sha256,
            "prev_sha256": self.prev_sha256,
            "created": self.created,
            "totals": self.totals,
            "disbursed_fen": self.disbursed_fen,
        }
        if self.audit_head is not None:
            out["audit_count"], out["audit_head"] = self.audit_count, self.audit_head
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Sent:
        if not isinstance(obj, dict):
            raise ValueError("bundle entry is not an object")
        seq, period, name, sha, prev = (obj.get(k) for k in ("sequence", "period", "file", "sha256", "prev_sha256"))
        totals, disbursed, created = obj.get("totals"), obj.get("disbursed_fen"), obj.get("created")
        if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1):
            raise ValueError("bad sequence")
        if not (isinstance(period, str) and _PERIOD.fullmatch(period)):
            raise ValueError("bad period")
        if not (isinstance(sha, str) and _HEX64.fullmatch(sha)):
            raise ValueError("bad sha256")
        if not (prev is None or (isinstance(prev, str) and _HEX64.fullmatch(prev))):
            raise ValueError("bad prev_sha256")
        if not isinstance(name, str) or not isinstance(created, str):
            raise ValueError("bad file or created")
        if totals is not None and not (
            isinstance(totals, dict)
            and all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in totals.items())
        ):
            raise ValueError("bad totals")
        if disbursed is not None and not (isinstance(disbursed, int) and not isinstance(disbursed, bool)):
            raise ValueError("bad disbursed_fen")
        count, head = obj.get("audit_count"), obj.get("audit_head")
        if head is not None and not (
            isinstance(head, str) and _HEX64.fullmatch(head) and isinstance(count, int) and not isinstance(count, bool)
        ):
            raise ValueError("bad audit head")
        return cls(seq, period, name, sha, prev, created, totals, disbursed, count if head else None, head)


@dataclass(frozen=True)
class Mark:
    branch_code: str
    db_id: str
    bundles: tuple[Sent, ...]
    #: The head the office's last answer says it accepted: {"count", "hash", "sequence" (of the
    #: branch's bundle that carried it), "answer_sequence"}; None before the first such answer.
    office_accepted: dict[str, Any] | None = None

    @property
    def last_sequence(self) -> int:
        return max((b.sequence for b in self.bundles), default=0)

    def to_bytes(self) -> bytes:
        obj = {
            "format": FORMAT,
            "version": VERSION,
            "branch_code": self.branch_code,
            "db_id": self.db_id,
            "bundles": [b.to_json() for b in sorted(self.bundles, key=lambda b: b.sequence)],
        }
        if self.office_accepted is not None:
            obj["office_accepted"] = self.office_accepted
        return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def read(db_path: str | os.PathLike) -> Mark | None:
    """The mark beside ``db_path``; None when there is none or it cannot be read (a damaged
    mark is rebuilt from the database at the next unlock: the mark is a safety net)."""
    try:
        obj = json.loads(path_for(db_path).read_text("utf-8"))
        if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("version") != VERSION:
            return None
        code, db_id, bundles = obj.get("branch_code"), obj.get("db_id"), obj.get("bundles")
        if not isinstance(code, str) or not isinstance(db_id, str) or not isinstance(bundles, list):
            return None
        entries = tuple(Sent.from_json(b) for b in bundles)
    except (FileNotFoundError, ValueError, OSError):
        return None
    if len({b.sequence for b in entries}) != len(entries):
        return None
    accepted = obj.get("office_accepted")
    if not _accepted_ok(accepted):
        accepted = None
    return Mark(code, db_id, tuple(sorted(entries, key=lambda b: b.sequence)), accepted)


def _accepted_ok(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"count", "hash", "sequence", "answer_sequence"}
        and all(isinstance(value[k], int) and not isinstance(value[k], bool) for k in ("count", "sequence"))
        and isinstance(value["hash"], str)
        and _HEX64.fullmatch(value["hash"]) is not None
    )


def write(db_path: str | os.PathLike, mark: Mark) -> bool:
    try:
        atomic_write_bytes(path_for(db_path), mark.to_bytes())
    except OSError:
        return False  # a read-only folder: the database itself is the record; the mark is a safety net
    return True


# --- the database's side -------------------------------------------------------------------------


def _is_branch() -> bool:
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'kind'").fetchone()
    return not (row and row[0] == "office")


def _branch_code() -> str | None:
    row = database.execute_sql("SELECT code FROM branch ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else None


def logged() -> dict[int, tuple[str, str, str, str | None, str]]:
    """The monthly bundles the database records as sent: sequence → (period, file, sha256,
    prev_sha256, created_at)."""
    rows = database.execute_sql(
        "SELECT sequence, period, file_name, sha256, prev_sha256, created_at FROM bundle_log "
        "WHERE direction = 'out' AND kind = ? ORDER BY sequence",
        (MONTHLY_BUNDLE_KIND,),
    ).fetchall()
    return {seq: (period, name, sha, prev, created) for seq, period, name, sha, prev, created in rows}


def audit_heads_from_events() -> dict[str, tuple[int, str]]:
    """File name → the audit head (count, hash) each export (or adoption) recorded it sent."""
    out: dict[str, tuple[int, str]] = {}
    for name, text in database.execute_sql(
        "SELECT entity_id, detail FROM audit_event WHERE action IN ('sync.export', 'sync.export.adopted') "
        "AND entity = 'bundle_log' ORDER BY seq"
    ):
        try:
            chain = json.loads(text).get("audit_chain")
        except (ValueError, AttributeError):
            continue
        if isinstance(chain, dict) and isinstance(chain.get("count"), int) and isinstance(chain.get("head"), str):
            out[name] = (chain["count"], chain["head"])
    return out


def _figures_from_audit() -> dict[str, tuple[dict[str, int] | None, int | None]]:
    """File name → the totals each export recorded in its audit event (for bundles the mark does
    not hold yet: sent before the mark existed, or killed between COMMIT and writing the mark)."""
    out: dict[str, tuple[dict[str, int] | None, int | None]] = {}
    for name, text in database.execute_sql(
        "SELECT entity_id, detail FROM audit_event WHERE action = 'sync.export' AND entity = 'bundle_log' ORDER BY seq"
    ):
        try:
            detail = json.loads(text)
        except ValueError:
            continue
        totals, disbursed = detail.get("totals"), detail.get("disbursed_fen")
        if not (isinstance(totals, dict) and all(isinstance(v, int) for v in totals.values())):
            totals = None
        out[name] = (totals, disbursed if isinstance(disbursed, int) else None)
    return out


def mark_for_this_branch(db_path: str | os.PathLike) -> Mark | None:
    """The mark, if this is a branch database and the mark is this branch's."""
    if not _is_branch():
        return None
    mark = read(db_path)
    return mark if mark is not None and mark.branch_code == _branch_code() else None


def refresh(
    db_path: str | os.PathLike, db_id: str, figures: dict[int, tuple[dict[str, int] | None, int | None]] | None = None
) -> Mark | None:
    """Add every bundle the database records as sent and the mark lacks, and write the mark if
    that changed it. ``figures`` gives sequence → (totals, disbursed_fen) for bundles just sent;
    older ones take theirs from the export's audit event. A bundle the mark already holds is
    never replaced: the mark keeps what the office was sent. Returns the mark (None on an
    office database)."""
    if not _is_branch():
        return None
    code = _branch_code()
    if code is None:
        return None
    mark = mark_for_this_branch(db_path)  # another branch's mark at this path: its chain is not ours
    have = {b.sequence: b for b in (mark.bundles if mark else ())}
    new = {seq: row for seq, row in logged().items() if seq not in have}
    figures = dict(figures or {})
    recorded = _figures_from_audit() if any(seq not in figures for seq in new) else {}
    heads = audit_heads_from_events() if new else {}
    for seq, (period, name, sha, prev, created) in new.items():
        totals, disbursed = figures.get(seq) or recorded.get(name, (None, None))
        count, head = heads.get(name, (None, None))
        have[seq] = Sent(seq, period, name, sha, prev, created, totals, disbursed, count, head)
    added = bool(new)
    accepted = mark.office_accepted if mark else None
    fresh = Mark(code, db_id, tuple(sorted(have.values(), key=lambda b: b.sequence)), accepted)
    # Nothing sent yet: no file (a new database gets its mark with its first export).
    if added or (mark is not None and mark.db_id != db_id):
        write(db_path, fresh)
    return fresh


def set_office_accepted(db_path: str | os.PathLike, db_id: str, accepted: dict[str, Any]) -> bool:
    """Keep, beside the database, the head the office's answer says it accepted."""
    mark = refresh(db_path, db_id)
    if mark is None or not _accepted_ok(accepted):
        return False
    return write(db_path, Mark(mark.branch_code, mark.db_id, mark.bundles, dict(accepted)))


def lacking(mark: Mark | None, db_last_sequence: int) -> list[Sent]:
    """The bundles the mark records above the database's highest sequence: sent, and unknown here."""
    if mark is None:
        return []
    return [b for b in mark.bundles if b.sequence > db_last_sequence]


def describe(bundles: list[Sent]) -> str:
    """``第 4 号（2026-10）、第 5 号（2026-11）``."""
    return "、".join(f"第 {b.sequence} 号（{b.period}）" for b in bundles)


def warning_zh(bundles: list[Sent], db_last_sequence: int) -> str:
    have = f"本数据库记录的最后一个是第 {db_last_sequence} 号" if db_last_sequence else "本数据库中没有任何发送记录"
    return (
        f"本数据库比已发给办事处的数据落后（可能恢复了较早的备份）：办事处已收到{describe(bundles)}"
        f"月度数据包，{have}。数据库仍可正常使用，请补录备份之后丢失的工作；在核对之前不能导出月度数据包"
        f"（否则序号重复，办事处会拒收）。补录后请负责人运行 {RECONCILE_COMMAND} 核对。"
    )


def warning_en(bundles: list[Sent], db_last_sequence: int) -> str:
    numbers = ", ".join(f"{b.sequence} ({b.period})" for b in bundles)
    return (
        f"this database is behind what was sent to the office (an older backup restored?): the office has "
        f"monthly bundles {numbers}, this database's last is {db_last_sequence or 'none'}. Keep working and enter "
        f"the lost work again; export is refused until a supervisor runs {RECONCILE_COMMAND}"
    )


def check_at_unlock(db_path: str | os.PathLike, db_id: str) -> tuple[str, str] | None:
    """Bring the mark up to date with the database; a warning (Chinese, English) when the
    database is behind it."""
    mark = refresh(db_path, db_id)
    if mark is None:
        return None
    last = max(logged(), default=0)
    missing = lacking(mark, last)
    return (warning_zh(missing, last), warning_en(missing, last)) if missing else None
