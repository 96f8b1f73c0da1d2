"""The yearly self-assessment package (docs/rules.md R6; 000 第二十三条; 001 附件1, 附件3).

Branch: ``huzhu audit submit --year YYYY`` sends the year's self-assessment as a signed,
encrypted bundle of kind ``branch_yearly`` (period ``YYYY-12``; its own sequence chain, apart
from the monthly one): ``selfcheck.json`` (every 附件1 item with its status, summary, evidence,
the rules behind it and the clerk's ticks; the 附件3 materials list), ``budget.json`` (the next
year's budget table) and ``summary.json`` (counts per status, the budget total, and — for a
package sent again — the earlier one it replaces with the reason). ``rules.audit.
check_yearly_submission`` decides whether it may go (not before the window opens; a year
already sent only with a reason; after 01-15 it goes, marked late).

Office: ``office import`` takes these files like monthly bundles (verified with the branch's
pinned key, sequence checked against the branch's yearly chain) and keeps the contents in
``received_bundle.summary``; ``yearly_board`` puts each branch's results side by side and
says who has not sent by the window's end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import audit, clock
from models.db import current, database, writing
from models.errors import RuleRefused, UsageError
from rules.audit import check_yearly_submission, yearly_window
from rules.params import resolve
from sync.bundle import KIND_BRANCH_YEARLY, build_bundle, bundle_file_name, verify_bundle
from sync.canonical import canonical_dumps
from sync.errors import BundleRefused
from sync.keystore import (
    branch_identity,
    enrolled_branches,
    local_keys,
    require_branch,
    require_office,
    require_trusted_office,
)
from sync.sequence import SequenceOutcome, check_sequence

if TYPE_CHECKING:
    from sync.office import ImportOutcome

PACKAGE_VERSION = 1
FILES = ("budget.json", "selfcheck.json", "summary.json")
STATUSES = ("ok", "fail", "attention", "no_record", "info", "ticked", "open")
MAX_ITEMS = 500
MAX_TEXT = 2000


def period_of(year: int) -> str:
    return f"{year:04d}-12"


def _plain(obj: Any) -> Any:
    """Canonical JSON carries integers only: a rate or other float travels as text."""
    if isinstance(obj, float):
        return f"{obj:.4f}"
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    return obj


def check_year(year: int) -> int:
    if not 2000 <= year <= 2999:
        raise UsageError(f"年份无效：{year}", f"invalid year: {year}")
    return year


# --- branch ---------------------------------------------------------------------------------------


def sent_for_year(year: int) -> list[tuple[int, str]]:
    """(sequence, sha256) of every package of ``year`` already sent, oldest first."""
    from sync.export import sent_for

    return sent_for(period_of(year), KIND_BRANCH_YEARLY)


def package_files(year: int, today: dt.date, replaces: dict[str, Any] | None = None) -> dict[str, bytes]:
    from models import budget, selfcheck

    check = selfcheck.run(year, today=today).to_json()
    plan = budget.read_year(year + 1).to_json()
    summary: dict[str, Any] = {
        "package_version": PACKAGE_VERSION,
        "branch_code": branch_identity()[0],
        "year": year,
        "made_on": today.isoformat(),
        "counts": check["counts"],
        "items": len(check["items"]),
        "budget_year": year + 1,
        "budget_state": plan["state"],
        "budget_approved_fen": plan["totals"]["approved_fen"],
    }
    if replaces:
        summary["replaces"] = replaces
    return {
        "selfcheck.json": canonical_dumps(_plain(check)),
        "budget.json": canonical_dumps(_plain(plan)),
        "summary.json": canonical_dumps(_plain(summary)),
    }


@dataclass
class SubmitResult:
    year: int
    sequence: int
    file_name: str
    path: Path
    sha256: str
    bytes: int
    late: bool
    counts: dict[str, int]
    replaces: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "sequence": self.sequence,
            "file": self.file_name,
            "path": str(self.path),
            "sha256": self.sha256,
            "bytes": self.bytes,
            "late": self.late,
            "counts": self.counts,
            "replaces": self.replaces,
        }


def submit(year: int, out_dir: str | Path, *, today: dt.date | None = None, reason: str | None = None) -> SubmitResult:
    """Build, sign, encrypt, write (atomically, never over an existing file), read back and
    record the year's package, in one transaction with its audit event."""
    from models.schema import BundleLog
    from sync.export import _program_version, last_sent, utc_created
    from sync.fileio import read_back_verify, write_bundle_atomic

    require_branch()
    check_year(year)
    today = today or clock.today()
    session = current()
    session.require_write()
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise UsageError(f"输出文件夹不存在：{out_dir}", f"output folder does not exist: {out_dir}")
    earlier = sent_for_year(year)
    decision = check_yearly_submission(year, today, sent_before=bool(earlier), reason=reason)
    if not decision.ok:
        raise RuleRefused([decision])
    keys = local_keys()
    office = require_trusted_office()
    code = branch_identity()[0]
    replaces: dict[str, Any] | None = None
    if earlier:
        seq, sha = earlier[-1]
        replaces = {"sequence": seq, "sha256": sha}
    with writing():
        last_seq, last_sha = last_sent(KIND_BRANCH_YEARLY)
        sequence = (last_seq or 0) + 1
        name = bundle_file_name(code, period_of(year), sequence, KIND_BRANCH_YEARLY)
        target = out_dir / name
        if target.exists():
            raise UsageError(f"文件已存在，不会覆盖：{target}", f"file exists, will not overwrite: {target}")
        files = package_files(year, today, {**replaces, "reason": reason.strip()} if replaces and reason else None)
        data = build_bundle(
            kind=KIND_BRANCH_YEARLY,
            branch_code=code,
            period=period_of(year),
            sequence=sequence,
            prev_sha256=last_sha,
            created=utc_created(),
            program_version=_program_version(),
            audit_head=audit.head()[1],
            files=files,
            signer_private=keys.signing.private,
            recipient_public=office.x25519_public,
            replaces=replaces,
        )
        digest = hashlib.sha256(data).hexdigest()
        try:
            write_bundle_atomic(target, data)
        except OSError as exc:
            raise UsageError(
                f"无法写入文件（{exc.strerror}）：{target}；未报送", f"cannot write {target} ({exc.strerror})"
            ) from None
        try:
            check = read_back_verify(target, data, pinned_signers={code: keys.signing.public})
            if not check.ok:
                raise BundleRefused(
                    f"写入后校验失败：{check.message_zh}",
                    f"verification after writing failed: {check.message_en}",
                    code=str(check.code),
                )
            BundleLog.create(
                direction="out",
                kind=KIND_BRANCH_YEARLY,
                branch_code=code,
                period=period_of(year),
                sequence=sequence,
                file_name=name,
                sha256=digest,
                prev_sha256=last_sha,
                created_at=clock.stamp(),
                status="sent",
                note=f"替换第 {replaces['sequence']} 号：{reason}" if replaces else None,
            )
            counts = json.loads(files["summary.json"])["counts"]
            audit.record(
                "audit.submit",
                "bundle_log",
                name,
                {
                    "year": year,
                    "sequence": sequence,
                    "sha256": digest,
                    "late": decision.data["late"],
                    "counts": counts,
                    **({"replaces": replaces["sequence"], "reason": reason} if replaces else {}),
                },
            )
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return SubmitResult(
        year,
        sequence,
        name,
        target,
        digest,
        len(data),
        decision.data["late"],
        counts,
        replaces["sequence"] if replaces else None,
    )


# --- office -----------------------------------------------------------------------------------------


class _Bad(Exception):
    pass


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise _Bad(where)
    return value


def parse_package(manifest: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """The package's contents, checked: exact files, the branch and year of the manifest,
    statuses from the known list, bounded text without control characters or full ID numbers."""
    from sync.office import _full_id

    if sorted(files) != sorted(FILES):
        raise _Bad(f"files: {sorted(files)}")
    try:
        docs = {k: json.loads(v) for k, v in files.items()}
    except ValueError:
        raise _Bad("not JSON") from None
    summary, check, plan = docs["summary.json"], docs["selfcheck.json"], docs["budget.json"]
    if not all(isinstance(d, dict) for d in (summary, check, plan)):
        raise _Bad("documents")
    year = int(manifest["period"][:4])
    if summary.get("branch_code") != manifest["branch_code"] or summary.get("year") != year:
        raise _Bad("summary names another branch or year")
    if check.get("year") != year or plan.get("year") != year + 1:
        raise _Bad("year")
    items = check.get("items")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise _Bad("items")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("status") not in STATUSES:
            raise _Bad(f"items[{i}]")
        for key in ("code", "standard", "summary"):
            if _full_id(_text(item.get(key), f"items[{i}].{key}")):
                raise _Bad(f"items[{i}].{key}: full ID number")
        for line in item.get("evidence") or []:
            if _full_id(_text(line, f"items[{i}].evidence")):
                raise _Bad(f"items[{i}].evidence: full ID number")
    counts = {s: sum(1 for it in items if it["status"] == s) for s in STATUSES}
    if {k: summary.get("counts", {}).get(k, 0) for k in STATUSES} != counts:
        raise _Bad("summary counts do not match the items")
    return {"summary": summary, "selfcheck": check, "budget": plan}


def _outcome(name: str, status: str, reason: str, zh: str, en: str, **kw: Any) -> ImportOutcome:
    from sync.office import ImportOutcome

    return ImportOutcome(name, status, reason, zh, en, **kw)


def import_yearly(data: bytes, name: str, max_size: int) -> ImportOutcome:
    """A yearly package offered to ``office import``: verified, sequence-checked against the
    branch's yearly chain, its contents checked, then stored in one transaction."""
    from models.schema import ReceivedBundle
    from sync.office import _record_refusal, _row, last_imported

    require_office()
    current().require_write()
    keys = local_keys()
    pinned = {code: p.ed25519_public for code, p in enrolled_branches().items()}
    result = verify_bundle(
        data,
        pinned_signers=pinned,
        recipient_private=keys.exchange.private,
        max_size=max_size,
        expected_kind=KIND_BRANCH_YEARLY,
    )
    if not result.ok:
        outcome = _outcome(name, "refused", str(result.code), result.message_zh, result.message_en)
        _record_refusal(outcome)
        return outcome
    m, files, digest = result.manifest, result.files, result.bundle_sha256
    assert m is not None and files is not None and digest is not None  # a verified result has all three
    base = dict(branch_code=m["branch_code"], period=m["period"], sequence=m["sequence"], sha256=digest)
    last_seq, last_sha = last_imported(m["branch_code"], KIND_BRANCH_YEARLY)
    decision = check_sequence(last_seq, last_sha, m, bundle_sha256=digest)
    if decision.outcome is SequenceOutcome.DUPLICATE:
        return _outcome(
            name, "duplicate", "duplicate", "此自审数据包已导入过，本次未做任何改动。", "Already imported.", **base
        )
    if decision.outcome in (SequenceOutcome.REPLAY, SequenceOutcome.CHAIN_BREAK):
        outcome = _outcome(name, "refused", str(decision.outcome), decision.message_zh, decision.message_en, **base)
        _record_refusal(outcome, KIND_BRANCH_YEARLY)
        return outcome
    try:
        parsed = parse_package(m, files)
    except _Bad as bad:
        outcome = _outcome(
            name,
            "refused",
            "bad_payload",
            f"自审数据包内容不符合格式要求，拒绝导入（{bad}）。",
            f"The self-assessment package does not follow the format; refused ({bad}).",
            **base,
        )
        _record_refusal(outcome, KIND_BRANCH_YEARLY)
        return outcome
    # A gap in the yearly chain (an earlier package never arrived) does not hold this one: each
    # package is the whole year, and the latest of a year is the one that counts.
    outcome = _outcome(
        name, "imported", "ok", "已导入年度自审数据包。", "Yearly self-assessment package imported.", **base
    )
    with writing():
        stored = _row(outcome, m, imported_at=clock.stamp(), summary=json.dumps(parsed, ensure_ascii=False))
        assert isinstance(stored, ReceivedBundle)
        audit.record(
            "sync.import_yearly",
            "received_bundle",
            stored.get_id(),  # type: ignore[no-untyped-call]  # peewee has no type hints
            {"branch_code": m["branch_code"], "year": int(m["period"][:4]), "sequence": m["sequence"]},
        )
    return outcome


@dataclass
class YearlyRow:
    branch_code: str
    name: str
    submitted_at: str | None = None
    sequence: int | None = None
    on_time: bool | None = None
    counts: dict[str, int] = field(default_factory=dict)
    budget_approved_fen: int | None = None
    items: dict[str, str] = field(default_factory=dict)  # item code → status

    def to_json(self) -> dict[str, Any]:
        return {
            "branch_code": self.branch_code,
            "name": self.name,
            "submitted": self.submitted_at is not None,
            "submitted_at": self.submitted_at,
            "sequence": self.sequence,
            "on_time": self.on_time,
            "counts": self.counts,
            "budget_approved_fen": self.budget_approved_fen,
            "items": self.items,
        }


@dataclass
class YearlyBoard:
    year: int
    window_start: dt.date
    window_end: dt.date
    rows: list[YearlyRow]

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "branches": [r.to_json() for r in self.rows],
        }


def yearly_board(year: int, today: dt.date) -> YearlyBoard:
    """Every branch's latest package of ``year``, side by side (statuses per 附件1 item)."""
    from sync.office_board import branches

    require_office()
    check_year(year)
    start, end = yearly_window(year, resolve(None, today))
    latest: dict[str, tuple[int, str, str]] = {}
    for code, seq, received, summary in database.execute_sql(
        "SELECT branch_code, sequence, received_at, summary FROM received_bundle "
        "WHERE kind = ? AND status = 'imported' AND period = ? ORDER BY sequence",
        (KIND_BRANCH_YEARLY, period_of(year)),
    ):
        latest[code] = (seq, received, summary)
    first_received = {
        code: received
        for code, received in database.execute_sql(
            "SELECT branch_code, min(received_at) FROM received_bundle WHERE kind = ? AND status = 'imported' "
            "AND period = ? GROUP BY branch_code",
            (KIND_BRANCH_YEARLY, period_of(year)),
        )
    }
    rows = []
    for code, name in branches().items():
        row = YearlyRow(code, name)
        if code in latest:
            seq, received, summary = latest[code]
            doc = json.loads(summary)
            row.submitted_at = received
            row.sequence = seq
            row.on_time = first_received[code][:10] <= end.isoformat()
            row.counts = doc["summary"]["counts"]
            row.budget_approved_fen = doc["summary"].get("budget_approved_fen")
            row.items = {it["code"]: it["status"] for it in doc["selfcheck"]["items"]}
        rows.append(row)
    return YearlyBoard(year, start, end, rows)
