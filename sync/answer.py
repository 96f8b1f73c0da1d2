"""The office's answer (return bundle) and its reception at the branch.

Office: ``queue_notice`` stores a notice for a branch (a claim returned with its reason,
a failed direct payment, or another message); ``build_return`` writes a signed answer
for one branch and period with the office's ledger figures and every notice not yet
sent, sealed to the branch's enrolled X25519 key, on the branch's own answer chain.

Branch: ``receive`` verifies an answer with the pinned office key and the branch's own
X25519 key, checks its sequence, stores its notices (``office_notice``, shown on the
dashboard until marked done) and compares the office's figures with the branch's own.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from models import anchor, audit, clock, sentmark
from models.db import current, database, writing
from models.errors import UsageError, ValidationFailed
from sync.bundle import DEFAULT_MAX_BUNDLE_BYTES, KIND_OFFICE_ANSWER, build_bundle, bundle_file_name, verify_bundle
from sync.canonical import canonical_dumps, canonical_loads
from sync.errors import BundleHeld, BundleRefused, TrustError
from sync.export import _program_version, branch_figures, parse_period, utc_created
from sync.fileio import read_back_verify, write_bundle_atomic
from sync.keystore import (
    branch_identity,
    enrolled_branches,
    local_keys,
    office_name,
    require_branch,
    require_office,
    require_trusted_office,
)
from sync.office import accepted_head, read_limited
from sync.reconcile import ITEMS, compare, has_ledger, ledger_figures
from sync.sequence import SequenceOutcome, check_sequence

ANSWER_VERSION = 1
NOTICE_KINDS = {"claim_returned": "案件打回", "direct_pay_failed": "直赔失败", "other": "其他通知"}
ANSWER_FILES = ("figures.json", "notices.json", "summary.json")


# --- office: notices and the return bundle ----------------------------------------------------------


def queue_notice(branch_code: str, period: str, kind: str, text: str, ref: str | None = None) -> str:
    from models.schema import OutgoingNotice

    require_office()
    parse_period(period)
    if branch_code not in enrolled_branches():
        raise TrustError(f"代办处 {branch_code} 未登记", f"branch {branch_code} is not enrolled")
    if kind not in NOTICE_KINDS:
        raise UsageError(
            f"通知类型须为 {' / '.join(NOTICE_KINDS)}", f"notice kind must be one of {', '.join(NOTICE_KINDS)}"
        )
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise UsageError("通知内容不能为空，且不超过 500 字", "the notice text must be 1-500 characters")
    uid = f"N-{branch_code}-{uuid.uuid4().hex[:16]}"
    with writing() as session:
        OutgoingNotice.create(
            uid=uid,
            branch_code=branch_code,
            period=period,
            kind=kind,
            ref=(ref or None),
            text=text,
            created_at=clock.stamp(),
            created_by=session.user,
        )
        audit.record(
            "office.notice",
            "outgoing_notice",
            uid,
            {"branch_code": branch_code, "period": period, "kind": kind, "ref": ref},
        )
    return uid


@dataclass
class ReturnResult:
    branch_code: str
    period: str
    sequence: int
    file_name: str
    path: Path
    sha256: str
    bytes: int
    figures: int
    notices: int


def build_return(branch_code: str, period: str, out_dir: str | Path = ".") -> ReturnResult:
    from models.schema import BundleLog, OutgoingNotice

    require_office()
    current().require_write()
    parse_period(period)
    branch = enrolled_branches().get(branch_code)
    if branch is None:
        raise TrustError(f"代办处 {branch_code} 未登记（huzhu office enroll）", f"branch {branch_code} is not enrolled")
    if not has_ledger(period):
        raise ValidationFailed(
            f"{period} 还没有导入办事处台账：请先运行 huzhu office reconcile --period {period} --ledger 文件",
            f"no office ledger for {period}: run huzhu office reconcile --period {period} --ledger FILE first",
        )
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise UsageError(f"输出文件夹不存在：{out_dir}", f"output folder does not exist: {out_dir}")
    keys = local_keys()
    figures = [{k: v for k, v in r.items() if k != "branch_code"} for r in ledger_figures(period, branch_code)]
    notices = [
        {"id": n.uid, "period": n.period, "kind": n.kind, "ref": n.ref, "text": n.text}
        for n in OutgoingNotice.select()
        .where((OutgoingNotice.branch_code == branch_code) & OutgoingNotice.sent_sha256.is_null())
        .order_by(OutgoingNotice.id)
    ]
    summary = {
        "answer_version": ANSWER_VERSION,
        "branch_code": branch_code,
        "period": period,
        "office_name": office_name(),
        "figures": len(figures),
        "notices": len(notices),
        # Issue 13 item 4: the branch's audit head the office accepted last, signed, so the branch
        # can later find a chain that no longer holds it (models.anchor). Null: none accepted yet.
        "accepted_audit": accepted_head(branch_code),
    }
    files = {
        "figures.json": canonical_dumps(figures),
        "notices.json": canonical_dumps(notices),
        "summary.json": canonical_dumps(summary),
    }
    row = database.execute_sql(
        "SELECT sequence, sha256 FROM bundle_log WHERE direction = 'out' AND kind = ? AND branch_code = ? "
        "ORDER BY sequence DESC LIMIT 1",
        (KIND_OFFICE_ANSWER, branch_code),
    ).fetchone()
    last_seq, last_sha = (row[0], row[1]) if row else (None, None)
    sequence = (last_seq or 0) + 1
    name = bundle_file_name(branch_code, period, sequence, KIND_OFFICE_ANSWER)
    target = out_dir / name
    if target.exists():
        raise UsageError(f"文件已存在，不会覆盖：{target}", f"file exists, will not overwrite: {target}")
    written = False
    try:
        with writing():
            data = build_bundle(
                kind=KIND_OFFICE_ANSWER,
                branch_code=branch_code,
                period=period,
                sequence=sequence,
                prev_sha256=last_sha,
                created=utc_created(),
                program_version=_program_version(),
                audit_head=audit.head()[1],
                files=files,
                signer_private=keys.signing.private,
                recipient_public=branch.x25519_public,
            )
            digest = hashlib.sha256(data).hexdigest()
            write_bundle_atomic(target, data)
            written = True
            check = read_back_verify(target, data, pinned_signers={branch_code: keys.signing.public})
            if not check.ok:
                raise BundleRefused(
                    f"写入后校验失败：{check.message_zh}", f"verification after writing failed: {check.message_en}"
                )
            BundleLog.create(
                direction="out",
                kind=KIND_OFFICE_ANSWER,
                branch_code=branch_code,
                period=period,
                sequence=sequence,
                file_name=name,
                sha256=digest,
                prev_sha256=last_sha,
                created_at=clock.stamp(),
                status="sent",
            )
            if notices:
                OutgoingNotice.update(sent_sha256=digest).where(
                    OutgoingNotice.uid.in_([n["id"] for n in notices])
                ).execute()
            audit.record(
                "office.return",
                "bundle_log",
                name,
                {
                    "branch_code": branch_code,
                    "period": period,
                    "sequence": sequence,
                    "sha256": digest,
                    "figures": len(figures),
                    "notices": len(notices),
                    "accepted_audit": summary["accepted_audit"],
                },
            )
    except BaseException:
        if written:
            target.unlink(missing_ok=True)
        raise
    return ReturnResult(branch_code, period, sequence, name, target, digest, len(data), len(figures), len(notices))


# --- branch: receiving the answer --------------------------------------------------------------------


@dataclass
class ReceiveResult:
    status: str  # received | duplicate
    period: str
    sequence: int
    sha256: str
    notices: list[dict[str, Any]] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)
    #: The branch's audit head the office says it accepted ({"count", "hash", "sequence"}) and
    #: ``check``: ``holds`` (this chain holds it), ``behind`` or ``rewritten``; None when the
    #: answer carries none (an older office program, or no anchored bundle accepted yet).
    accepted_audit: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "period": self.period,
            "sequence": self.sequence,
            "sha256": self.sha256,
            "notices": self.notices,
            "differences": self.differences,
            "accepted_audit": self.accepted_audit,
        }


def _refuse(reason: str, zh: str, en: str) -> NoReturn:
    raise BundleRefused(zh, en, code=reason)


def _parse_accepted(summary: dict[str, Any]) -> dict[str, Any] | None:
    value = summary.get("accepted_audit")
    if value is None:
        return None
    ok = (
        isinstance(value, dict)
        and set(value) == {"count", "head", "sequence"}
        and all(type(value[k]) is int and value[k] >= 0 for k in ("count", "sequence"))
        and isinstance(value["head"], str)
        and re.fullmatch(r"[0-9a-f]{64}", value["head"]) is not None
    )
    if not ok:
        _refuse(
            "bad_payload",
            "办事处回执内容不符合格式（accepted_audit）",
            "the answer's contents are invalid (accepted_audit)",
        )
    return dict(value)


def _parse_answer(
    manifest: dict[str, Any], files: dict[str, bytes]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def bad(what: str) -> NoReturn:
        _refuse("bad_payload", f"办事处回执内容不符合格式（{what}）", f"the answer's contents are invalid ({what})")

    if set(files) != set(ANSWER_FILES):
        bad("files")
    summary = canonical_loads(files["summary.json"])
    figures = canonical_loads(files["figures.json"])
    notices = canonical_loads(files["notices.json"])
    if not isinstance(summary, dict) or summary.get("answer_version") != ANSWER_VERSION:
        bad("summary.json")
    if summary.get("branch_code") != manifest["branch_code"] or summary.get("period") != manifest["period"]:
        _refuse("payload_mismatch", "回执内容所属代办处或期间与清单不符", "the answer names another branch or period")
    keys = {"unit_code", "plan_code", *(k for k, _ in ITEMS)}
    if not isinstance(figures, list) or not all(
        isinstance(f, dict)
        and set(f) == keys
        and all(type(f[k]) is int for k, _ in ITEMS)
        and isinstance(f["unit_code"], str)
        and isinstance(f["plan_code"], str)
        for f in figures
    ):
        bad("figures.json")
    if not isinstance(notices, list) or not all(
        isinstance(n, dict)
        and set(n) == {"id", "period", "kind", "ref", "text"}
        and isinstance(n["id"], str)
        and n["id"].startswith(f"N-{manifest['branch_code']}-")
        and isinstance(n["text"], str)
        and isinstance(n["kind"], str)
        and isinstance(n["period"], str)
        and (n["ref"] is None or isinstance(n["ref"], str))
        for n in notices
    ):
        bad("notices.json")
    return figures, notices


def receive(path: str | Path, *, max_size: int = DEFAULT_MAX_BUNDLE_BYTES) -> ReceiveResult:
    from models.schema import BundleLog, OfficeNotice

    require_branch()
    current().require_write()
    code, _ = branch_identity()
    office = require_trusted_office()
    keys = local_keys()
    try:
        data = read_limited(path, max_size)
    except OSError as exc:
        _refuse("unreadable", f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}")
    result = verify_bundle(
        data,
        pinned_signers={code: office.ed25519_public},
        recipient_private=keys.exchange.private,
        max_size=max_size,
        expected_kind=KIND_OFFICE_ANSWER,
    )
    if not result.ok:
        _refuse(str(result.code), result.message_zh, result.message_en)
    m, files, sha256 = result.opened()
    seen = database.execute_sql(
        "SELECT 1 FROM bundle_log WHERE direction = 'in' AND kind = ? AND sha256 = ?",
        (KIND_OFFICE_ANSWER, sha256),
    ).fetchone()
    if seen:
        return ReceiveResult("duplicate", m["period"], m["sequence"], sha256)
    row = database.execute_sql(
        "SELECT sequence, sha256 FROM bundle_log WHERE direction = 'in' AND kind = ? ORDER BY sequence DESC LIMIT 1",
        (KIND_OFFICE_ANSWER,),
    ).fetchone()
    decision = check_sequence(row[0] if row else None, row[1] if row else None, m, bundle_sha256=sha256)
    if decision.outcome is SequenceOutcome.GAP:
        raise BundleHeld(decision.message_zh, decision.message_en, code="gap")
    if decision.outcome is not SequenceOutcome.NEXT:
        _refuse(str(decision.outcome), decision.message_zh, decision.message_en)
    figures, notices = _parse_answer(m, files)
    accepted = _parse_accepted(canonical_loads(files["summary.json"]))
    if accepted is not None:
        accepted = {**accepted, "check": anchor.extends(accepted["count"], accepted["head"]) or "holds"}
    now = clock.stamp()
    with writing():
        BundleLog.create(
            direction="in",
            kind=KIND_OFFICE_ANSWER,
            branch_code=code,
            period=m["period"],
            sequence=m["sequence"],
            file_name=Path(path).name[:200],
            sha256=sha256,
            prev_sha256=m["prev_sha256"],
            created_at=now,
            status="received",
        )
        for n in notices:
            OfficeNotice.insert(
                uid=n["id"],
                period=n["period"][:7],
                kind=n["kind"][:40],
                ref=n["ref"],
                text=n["text"][:1000],
                bundle_sha256=sha256,
                received_at=now,
            ).on_conflict_ignore().execute()
        audit.record(
            "sync.receive",
            "bundle_log",
            Path(path).name[:200],
            {
                "period": m["period"],
                "sequence": m["sequence"],
                "sha256": sha256,
                "notices": len(notices),
                "figures": len(figures),
                **({"accepted_audit": accepted} if accepted else {}),
            },
        )
    if accepted is not None:
        # Kept beside the database too, where a rollback of the file does not reach (models.anchor).
        session = current()
        sentmark.set_office_accepted(
            session.path,
            session.keyfile.db_id,
            {
                "count": accepted["count"],
                "hash": accepted["head"],
                "sequence": accepted["sequence"],
                "answer_sequence": m["sequence"],
            },
        )
    diffs = compare(branch_figures(m["period"]), figures, code)
    return ReceiveResult(
        "received", m["period"], m["sequence"], sha256, notices, [d.to_json() for d in diffs], accepted
    )


def open_notices() -> list[dict[str, Any]]:
    """Branch dashboard: notices from the office not yet marked done, oldest first."""
    keys = ("id", "uid", "period", "kind", "ref", "text", "received_at")
    rows = database.execute_sql(
        "SELECT id, uid, period, kind, ref, text, received_at FROM office_notice WHERE done_at IS NULL ORDER BY id"
    ).fetchall()
    return [dict(zip(keys, r, strict=True), kind_zh=NOTICE_KINDS.get(r[3], r[3])) for r in rows]


def mark_notice_done(notice_id: int) -> None:
    from models.schema import OfficeNotice

    require_branch()
    with writing() as session:
        n = OfficeNotice.get_or_none(OfficeNotice.id == notice_id)
        if n is None or n.done_at:
            raise UsageError(f"没有未处理的通知 {notice_id}", f"no open notice {notice_id}")
        n.done_at, n.done_by = clock.stamp(), session.user
        n.save()
        audit.record("sync.notice_done", "office_notice", n.uid, {})
