"""Office side: verify and import branches' monthly bundles into the office database.

Order for every file: read at most ``max_size`` + 1 bytes; verify (signature with the
pinned key of the header's branch, then manifest, payload hash, decryption, files, in
``sync.bundle``'s order); check the sequence against every bundle already imported from
that branch; check the payload's contents; then import in one transaction. A refusal
writes one ``received_bundle`` row (status ``refused``, with its reason code) and nothing
else; a gap stores the file (status ``held``) and imports it automatically once the
missing bundles arrive; the same file again is a no-op that says so.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import audit, clock
from models.db import current, database, executemany, is_pg, writing
from sync.bundle import DEFAULT_MAX_BUNDLE_BYTES, HEADER, KIND_BRANCH_MONTHLY, KIND_BRANCH_YEARLY, verify_bundle
from sync.export import (
    FEE_LINE_FIELDS,
    FEE_TOTAL_FIELDS,
    FIGURE_FIELDS,
    OPTIONAL_FILES,
    PAYLOAD_FILES,
    PAYLOAD_FILES_V1,
    PAYLOAD_VERSION,
)
from sync.keystore import enrolled_branches, local_keys, require_office
from sync.reasons import IMPORT_MESSAGES, Reason
from sync.sequence import SequenceOutcome, check_sequence

if TYPE_CHECKING:
    from models.schema import ReceivedBundle

# Reason codes of the database side, in addition to sync.reasons.Reason.
#: The import reasons by code (sync.reasons.IMPORT_MESSAGES), for the string codes stored in received_bundle.
DB_REASONS: dict[str, tuple[str, str]] = {str(k): v for k, v in IMPORT_MESSAGES.items()}

#: Notes added to an accepted import's message (not refusals).
AUDIT_NOTES: dict[str, tuple[str, str]] = {
    "unanchored": (
        "注意：此代办处的程序版本较旧，数据包未带审计链的位置，办事处无法核对其审计记录是否被改写；请代办处升级程序。",
        "Note: the branch's program is older and its bundle carries no audit chain position, so the office "
        "cannot check that its history was not rewritten; ask the branch to upgrade.",
    ),
    "restored": (
        "注意：代办处恢复了较早的备份，负责人已核对（huzhu sync reconcile-restore），其审计记录自办事处"
        "上次接受的位置起与以前不同；已导入，请与代办处核实恢复的原因。",
        "Note: the branch restored an older backup, reconciled by its supervisor; its audit history differs "
        "from the head accepted last from that point on. Imported; check the reason with the branch.",
    ),
}

#: The furthest ahead of the last imported bundle that a bundle is held (two years of months).
#: Beyond it a signed sequence such as 2**53 - 1 is refused, not held, so the office never
#: builds the list of every missing number (seen: MemoryError, exit 70).
MAX_GAP = 24

_UNIT_RE = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
_PLAN_RE = re.compile(r"[0-9A-Za-z_.-]{1,32}")
MAX_RECORDS = 200_000


@dataclass
class ImportOutcome:
    file: str
    status: str  # imported | duplicate | held | refused | verified (verify only)
    reason: str
    message_zh: str
    message_en: str
    branch_code: str | None = None
    period: str | None = None
    sequence: int | None = None
    sha256: str | None = None
    missing: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    also_imported: list[ImportOutcome] = field(default_factory=list)
    #: A replacement of an earlier bundle of the same month: {"sequence", "sha256", "reason"}.
    replaces: dict[str, Any] | None = None
    #: The branch's audit chain head this import accepts: {"count", "head", "check"} with check
    #: ``first`` (first anchored bundle), ``extends``, ``restored`` (a declared restore), or
    #: ``unanchored`` (an older branch program); None when refused before it was looked at.
    audit: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["also_imported"] = [o.to_json() for o in self.also_imported]
        return out


class _PayloadProblem(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _msg(reason: str, detail: str | None = None) -> tuple[str, str]:
    zh, en = DB_REASONS[reason]
    return (f"{zh}（{detail}）", f"{en} ({detail})") if detail else (zh, en)


def read_limited(path: str | Path, max_size: int = DEFAULT_MAX_BUNDLE_BYTES) -> bytes:
    """At most ``max_size`` + 1 bytes, so an oversized file is refused without reading it all."""
    with open(path, "rb") as handle:
        return handle.read(max_size + 1)


# --- state of each branch's chain -------------------------------------------------------------


def last_imported(branch_code: str, kind: str = KIND_BRANCH_MONTHLY) -> tuple[int | None, str | None]:
    """The last bundle imported on the branch's chain of ``kind`` (monthly; yearly packages have their own)."""
    row = database.execute_sql(
        "SELECT sequence, sha256 FROM received_bundle WHERE branch_code = ? AND kind = ? AND status = 'imported' "
        "ORDER BY sequence DESC LIMIT 1",
        (branch_code, kind),
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _status_of_sha(sha: str) -> str | None:
    row = database.execute_sql(
        "SELECT status FROM received_bundle WHERE sha256 = ? AND status = 'held' LIMIT 1", (sha,)
    ).fetchone()
    return row[0] if row else None


# --- verification ---------------------------------------------------------------------------------


@dataclass
class _Checked:
    outcome: ImportOutcome
    manifest: dict[str, Any] | None = None
    parsed: dict[str, Any] | None = None

    def opened(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(manifest, parsed payload) of a bundle that passed every check (imported or held)."""
        if self.manifest is None or self.parsed is None:
            raise ValueError(f"bundle {self.outcome.file} was not accepted ({self.outcome.reason})")
        return self.manifest, self.parsed


def _check(data: bytes, name: str, max_size: int, *, releasing: bool = False) -> _Checked:
    """Everything short of writing: verification, sequence, payload contents."""
    require_office()
    keys = local_keys()
    pinned = {code: p.ed25519_public for code, p in enrolled_branches().items()}
    result = verify_bundle(
        data,
        pinned_signers=pinned,
        recipient_private=keys.exchange.private,
        max_size=max_size,
        expected_kind=KIND_BRANCH_MONTHLY,
    )
    if not result.ok:
        code = _header_branch(data)
        return _Checked(
            ImportOutcome(
                name,
                "refused",
                str(result.code),
                result.message_zh,
                result.message_en,
                branch_code=code,
                sha256=result.bundle_sha256,
            )
        )
    m, files, sha256 = result.opened()
    base = dict(branch_code=m["branch_code"], period=m["period"], sequence=m["sequence"], sha256=sha256)
    closed = _register_refusal(m["branch_code"], m["period"])
    if closed is not None:
        return _Checked(ImportOutcome(name, "refused", closed, *_msg(closed), **base))
    # Only the last imported file is a harmless duplicate; an older one, even if it was
    # imported once, is a replay (check_sequence). A file already held stays held.
    if not releasing and _status_of_sha(sha256) == "held":
        return _Checked(ImportOutcome(name, "held", "already_held", *_msg("already_held"), **base))
    last_seq, last_sha = last_imported(m["branch_code"])
    decision = check_sequence(last_seq, last_sha, m, bundle_sha256=sha256)
    if decision.outcome is SequenceOutcome.DUPLICATE:
        return _Checked(ImportOutcome(name, "duplicate", "duplicate", *_msg("duplicate"), **base))
    if decision.outcome in (SequenceOutcome.REPLAY, SequenceOutcome.CHAIN_BREAK):
        reason = str(decision.outcome)
        return _Checked(ImportOutcome(name, "refused", reason, decision.message_zh, decision.message_en, **base))
    if decision.outcome is SequenceOutcome.GAP and len(decision.missing) > MAX_GAP:
        return _Checked(
            ImportOutcome(
                name, "refused", "gap_too_large", *_msg("gap_too_large", f"{len(decision.missing)} > {MAX_GAP}"), **base
            )
        )
    try:
        parsed = parse_payload(m, files)
    except _PayloadProblem as problem:
        return _Checked(ImportOutcome(name, "refused", problem.reason, *_msg(problem.reason, problem.detail), **base))
    if decision.outcome is SequenceOutcome.GAP:
        zh, en = _msg("gap")
        return _Checked(
            ImportOutcome(
                name,
                "held",
                "gap",
                f"{decision.message_zh}{zh}",
                f"{decision.message_en} {en}",
                missing=list(decision.missing),
                **base,
            ),
            m,
            parsed,
        )
    audit_check, refusal = _audit_anchor(m)
    if refusal is not None:
        return _Checked(ImportOutcome(name, "refused", refusal[0], *_msg(*refusal), **base))
    outcome = ImportOutcome(name, "imported", "ok", *_msg("imported"), counts=parsed["counts"], **base)
    outcome.audit = audit_check
    if audit_check["check"] in AUDIT_NOTES:
        zh, en = AUDIT_NOTES[audit_check["check"]]
        outcome.message_zh += zh
        outcome.message_en += " " + en
    _note_replacement(outcome, m, parsed)
    _note_key_changes(outcome, parsed)
    return _Checked(outcome, m, parsed)


def accepted_head(branch_code: str) -> dict[str, Any] | None:
    """The audit head the office accepted last from the branch: {"count", "head", "sequence"},
    or None when no imported bundle of the branch carried one."""
    for sequence, text in database.execute_sql(
        "SELECT sequence, summary FROM received_bundle WHERE branch_code = ? AND kind = ? AND status = 'imported' "
        "ORDER BY sequence DESC",
        (branch_code, KIND_BRANCH_MONTHLY),
    ):
        try:
            chain = json.loads(text or "{}").get("audit_chain")
        except (ValueError, AttributeError):
            chain = None
        if isinstance(chain, dict):
            return {"count": chain["count"], "head": chain["head"], "sequence": sequence}
    return None


def _audit_anchor(manifest: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """Issue 13 item 4: does the bundle's audit chain extend the head accepted last from the branch?
    Returns (what the import records, None) or (_, (reason code, detail)) for a refusal. A bundle
    without ``audit_chain`` (a branch program before item 4) is accepted with a note while the
    branch has never sent one; once it has, every later bundle must carry it."""
    chain = manifest.get("audit_chain")
    last = accepted_head(manifest["branch_code"])
    if chain is None:
        if last is not None:
            return {}, ("audit_anchor_missing", f"last accepted: {last['count']} events")
        return {"count": None, "head": manifest["audit_head"], "check": "unanchored"}, None
    record = {"count": chain["count"], "head": chain["head"]}
    if last is None:
        return {**record, "check": "first"}, None
    since = chain["since"]
    if since is None:
        return {}, ("audit_anchor_missing", f"last accepted: {last['count']} events")
    if since["count"] != last["count"]:
        return {}, ("audit_anchor_mismatch", f"{since['count']} != {last['count']}")
    if since["hash"] == last["head"] and chain["count"] >= last["count"]:
        if chain["count"] > last["count"] or chain["head"] == last["head"]:
            return {**record, "check": "extends"}, None
    if chain["restored"] is not None:
        return {**record, "check": "restored", "restored": chain["restored"]}, None
    if since["hash"] is None or chain["count"] < last["count"]:
        return {}, ("audit_rewound", f"{chain['count']} < {last['count']}")
    return {}, ("audit_rewritten", f"event {last['count']}")


def _note_replacement(outcome: ImportOutcome, manifest: dict[str, Any], parsed: dict[str, Any]) -> None:
    """A bundle marked as replacing an earlier one of its month (sync/FORMAT.md "Replacements"):
    the import report says so, with the branch's reason from the encrypted summary."""
    replaces = manifest.get("replaces")
    if not replaces:
        return
    reason = parsed["summary"].get("replaces", {}).get("reason")
    reason = reason if isinstance(reason, str) else ""
    outcome.replaces = {"sequence": replaces["sequence"], "sha256": replaces["sha256"], "reason": reason}
    outcome.message_zh += (
        f"（替换 {manifest['period']} 的第 {replaces['sequence']} 号数据包；理由：{reason or '未写明'}）"
    )
    outcome.message_en += f" (replaces bundle {replaces['sequence']} of {manifest['period']})"


def _note_key_changes(outcome: ImportOutcome, parsed: dict[str, Any]) -> None:
    """The branch replaced its pinned office key since its last bundle: whoever holds the new
    key now reads its bundles, so the import report says so."""
    for change in parsed["key_changes"]:
        outcome.message_zh += (
            f"注意：代办处报告其安装的办事处公钥已于 {change['at'][:10]} 由 {change['by']} 更换"
            f"（新指纹 {change['new_fingerprint']}，原因：{change['reason']}）；如非办事处所换，请立即联系该代办处。"
        )
        outcome.message_en += (
            f" Note: the branch reports that its pinned office key was replaced on {change['at'][:10]} "
            f"by {change['by']} (new fingerprint {change['new_fingerprint']}); if the office did not "
            "change it, call the branch."
        )


def _register_refusal(branch_code: str, period: Any) -> str | None:
    """R8.5/R8.7: the reason code refusing a bundle from a branch the register has closed."""
    from sync import branches

    if not isinstance(period, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period) or not branches.table_exists():
        return None
    decision = branches.bundle_refusal(branch_code, period, clock.today())
    return None if decision is None else decision.code


def _header_branch(data: bytes) -> str | None:
    if len(data) >= HEADER.size:
        raw = data[5:8]
        if re.fullmatch(rb"[0-9]{3}", raw):
            return raw.decode("ascii")
    return None


def verify_file(path: str | Path, *, max_size: int = DEFAULT_MAX_BUNDLE_BYTES) -> ImportOutcome:
    """What ``import`` would do with the file, without writing anything."""
    name = Path(path).name
    try:
        data = read_limited(path, max_size)
    except OSError as exc:
        return ImportOutcome(name, "refused", "unreadable", *_msg("unreadable", exc.strerror))
    checked = _check(data, name, max_size)
    outcome = checked.outcome
    if outcome.status == "imported":
        outcome.status, outcome.reason = "verified", "ok"
        outcome.message_zh, outcome.message_en = "数据包校验通过，可以导入。", "Bundle verified; it can be imported."
    return outcome


# --- payload contents ----------------------------------------------------------------------------


def _require(cond: bool, detail: str, reason: str = "bad_payload") -> None:
    if not cond:
        raise _PayloadProblem(reason, detail)


def _compact(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _int(value: Any) -> bool:
    return type(value) is int and value >= 0


def parse_payload(manifest: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """Check the decrypted files' contents against the payload layout; raises _PayloadProblem."""
    # Version 1 (before fees.json) is still read: a branch may not have upgraded yet. Optional files
    # (projects.json) come on top of either layout.
    version = PAYLOAD_VERSION if "fees.json" in files else 1
    layout = set(PAYLOAD_FILES if version == PAYLOAD_VERSION else PAYLOAD_FILES_V1)
    extra = set(files) - layout
    _require(
        layout <= set(files) and extra <= set(OPTIONAL_FILES),
        "files: " + ",".join(sorted((set(files) ^ layout) - set(OPTIONAL_FILES)))[:80],
    )
    # verify_bundle has already parsed every file strictly (canonical, integer-only, no
    # duplicate keys), so the fast C parser reads exactly the same values here.
    docs = {path: json.loads(data) for path, data in files.items()}
    summary = docs["summary.json"]
    _require(isinstance(summary, dict) and summary.get("payload_version") == version, "summary.json version")
    _require(
        summary.get("branch_code") == manifest["branch_code"] and summary.get("period") == manifest["period"],
        f"summary names {ascii(summary.get('branch_code'))[:8]} {ascii(summary.get('period'))[:12]}",
        "payload_mismatch",
    )
    code = manifest["branch_code"]
    figures = docs["figures.json"]
    _require(isinstance(figures, list) and len(figures) <= MAX_RECORDS, "figures.json")
    seen: set[tuple[str, str]] = set()
    expected = {"unit_code", "plan_code", *FIGURE_FIELDS}
    for i, row in enumerate(figures):
        _require(isinstance(row, dict) and set(row) == expected, f"figures.json[{i}] fields")
        _require(
            isinstance(row["unit_code"], str) and bool(_UNIT_RE.fullmatch(row["unit_code"])), f"figures.json[{i}] unit"
        )
        _require(
            isinstance(row["plan_code"], str) and bool(_PLAN_RE.fullmatch(row["plan_code"])), f"figures.json[{i}] plan"
        )
        _require(all(_int(row[f]) for f in FIGURE_FIELDS), f"figures.json[{i}] values")
        key = (row["unit_code"], row["plan_code"])
        _require(key not in seen, f"figures.json[{i}] repeated")
        seen.add(key)
    records: list[tuple[str, str, str]] = []
    uids: set[str] = set()
    for path, kind in (
        ("claims.json", "claim"),
        ("disbursements.json", "disbursement"),
        ("handovers.json", "handover"),
    ):
        items = docs[path]
        _require(isinstance(items, list) and len(items) <= MAX_RECORDS, path)
        prefix = f"{code}-{kind}-"
        for i, item in enumerate(items):
            _require(
                isinstance(item, dict)
                and isinstance(item.get("id"), str)
                and item["id"].startswith(prefix)
                and item["id"][len(prefix) :].isdigit(),
                f"{path}[{i}] id",
            )
            _require(item["id"] not in uids, f"{path}[{i}] repeated id")
            uids.add(item["id"])
            records.append((item["id"], kind, _compact(item)))
    if "projects.json" in docs:
        records += _project_records(code, docs["projects.json"], uids)
    units = docs["units.json"]
    _require(
        isinstance(units, list)
        and len(units) <= MAX_RECORDS
        and all(
            isinstance(u, dict)
            and set(u) == {"code", "name"}
            and isinstance(u["code"], str)
            and isinstance(u["name"], str)
            for u in units
        ),
        "units.json",
    )
    for u in units:
        uid = f"{code}-unit-{u['code']}"
        _require(uid not in uids, "units.json repeated code")
        uids.add(uid)
        records.append((uid, "unit", _compact(u)))
    fee_lines = _fee_records(code, manifest["period"], docs.get("fees.json"), records)
    state = docs["state.json"]
    _require(isinstance(state, dict) and all(isinstance(v, dict) for v in state.values()), "state.json")
    _screen_text(docs, figures, units, fee_lines)
    _check_summary(summary, docs)
    key_changes = summary.get("office_key_changes", [])
    _require(
        isinstance(key_changes, list)
        and len(key_changes) <= 100
        and all(
            isinstance(c, dict)
            and all(isinstance(c.get(k), str) for k in ("at", "by", "old_fingerprint", "new_fingerprint", "reason"))
            for c in key_changes
        ),
        "summary.json office_key_changes",
    )
    counts = {"figures": len(figures), "records": len(records), "payload_version": version}
    return {
        "summary": summary,
        "figures": figures,
        "records": records,
        "state": state,
        "counts": counts,
        "key_changes": key_changes,
    }


_PROJECT_FIELDS = {"id", "name", "state", "start", "end", "cost_fen", "steps", "deadlines"}
_DEADLINE_FIELDS = {"code", "label", "due", "party", "citation"}


def _project_records(code: str, items: Any, uids: set[str]) -> list[tuple[str, str, str]]:
    """projects.json (optional): each project with its steps and open deadlines (sync/FORMAT.md)."""
    _require(isinstance(items, list) and len(items) <= MAX_RECORDS, "projects.json")
    prefix = f"{code}-project-"
    out = []
    for i, item in enumerate(items):
        _require(isinstance(item, dict) and set(item) == _PROJECT_FIELDS, f"projects.json[{i}] fields")
        _require(
            isinstance(item["id"], str) and item["id"].startswith(prefix) and item["id"][len(prefix) :].isdigit(),
            f"projects.json[{i}] id",
        )
        _require(item["id"] not in uids, f"projects.json[{i}] repeated id")
        _require(all(isinstance(item[k], str) for k in ("name", "state", "start", "end")), f"projects.json[{i}] text")
        _require(_int(item["cost_fen"]), f"projects.json[{i}] cost")
        _require(
            isinstance(item["steps"], list)
            and all(isinstance(s, dict) and set(s) == {"step", "on"} for s in item["steps"])
            and isinstance(item["deadlines"], list)
            and all(
                isinstance(d, dict)
                and set(d) == _DEADLINE_FIELDS
                and all(isinstance(v, str) for v in d.values())
                and d["party"] in ("branch", "office")
                and _date_text(d["due"])
                for d in item["deadlines"]
            ),
            f"projects.json[{i}] steps/deadlines",
        )
        uids.add(item["id"])
        out.append((item["id"], "project", _compact(item)))
    return out


def _date_text(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


_DATE_RE = re.compile(r"2[0-9]{3}-[01][0-9]-[0-3][0-9]")


def _fee_records(code: str, period: str, fees: Any, records: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """fees.json (payload version 2): one ``fee`` record per policy line and one ``fees`` record
    with the period's remittances and receipts, ids ``{branch}-fee-{period}-{unit}-{plan}-{start}``
    and ``{branch}-fees-{period}``. A version 1 payload has none."""
    if fees is None:
        return []
    _require(isinstance(fees, dict) and set(fees) == {"collects", "lines", "remittances", "receipts"}, "fees.json")
    _require(type(fees["collects"]) is bool, "fees.json collects")
    lines: list[dict[str, Any]] = fees["lines"]
    _require(isinstance(lines, list) and len(lines) <= MAX_RECORDS, "fees.json lines")
    seen: set[tuple[str, str, str]] = set()
    for i, line in enumerate(lines):
        _require(isinstance(line, dict) and set(line) == set(FEE_LINE_FIELDS), f"fees.json lines[{i}] fields")
        _require(
            isinstance(line["unit_code"], str)
            and bool(_UNIT_RE.fullmatch(line["unit_code"]))
            and isinstance(line["plan_code"], str)
            and bool(_PLAN_RE.fullmatch(line["plan_code"])),
            f"fees.json lines[{i}] codes",
        )
        _require(
            all(isinstance(line[k], str) and _DATE_RE.fullmatch(line[k]) for k in ("start", "end")),
            f"fees.json lines[{i}] dates",
        )
        _require(line["due_fen"] is None or _int(line["due_fen"]), f"fees.json lines[{i}] due")
        _require(
            all(
                _int(line[k]) for k in FEE_LINE_FIELDS if k not in ("unit_code", "plan_code", "start", "end", "due_fen")
            ),
            f"fees.json lines[{i}] values",
        )
        key = (line["unit_code"], line["plan_code"], line["start"])
        _require(key not in seen, f"fees.json lines[{i}] repeated")
        seen.add(key)
        records.append((f"{code}-fee-{period}-{key[0]}-{key[1]}-{key[2]}", "fee", _compact(line)))
    remittances = fees["remittances"]
    _require(
        isinstance(remittances, list)
        and len(remittances) <= MAX_RECORDS
        and all(
            isinstance(r, dict)
            and set(r) == {"on", "amount_fen", "bank_ref", "receipts"}
            and isinstance(r["on"], str)
            and bool(_DATE_RE.fullmatch(r["on"]))
            and _int(r["amount_fen"])
            and _int(r["receipts"])
            and isinstance(r["bank_ref"], str)
            and len(r["bank_ref"]) <= 60
            for r in remittances
        ),
        "fees.json remittances",
    )
    receipts = fees["receipts"]
    _require(
        isinstance(receipts, dict)
        and set(receipts) == {"issued_in_period", "voided_in_period", "gaps"}
        and _int(receipts["issued_in_period"])
        and _int(receipts["gaps"])
        and isinstance(receipts["voided_in_period"], list)
        and len(receipts["voided_in_period"]) <= MAX_RECORDS
        and all(isinstance(n, str) and len(n) <= 40 for n in receipts["voided_in_period"]),
        "fees.json receipts",
    )
    if fees["collects"] or remittances or receipts["voided_in_period"]:  # a 直投 branch: nothing to keep
        summary = {"collects": fees["collects"], "remittances": remittances, "receipts": receipts}
        records.append((f"{code}-fees-{period}", "fees", _compact(summary)))
    return lines


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ID_CANDIDATE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_FORMULA_START = ("=", "+", "-", "@")


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _full_id(text: str) -> bool:
    """An 18-character number with a valid birth date and check character: an ID number."""
    import datetime as dt

    from rules.idcard import id_check_char

    for m in _ID_CANDIDATE.findall(text):
        try:
            dt.date(int(m[6:10]), int(m[10:12]), int(m[12:14]))
        except ValueError:
            continue
        if id_check_char(m[:17]) == m[17].upper():
            return True
    return False


def _screen_text(
    docs: dict[str, Any],
    figures: list[dict[str, Any]],
    units: list[dict[str, Any]],
    fee_lines: list[dict[str, Any]] | None = None,
) -> None:
    """No full ID number (the payload only ever holds masked ones), no control characters
    (they would reach the office's terminals and sheets), and no unit code or name that a
    spreadsheet would run as a formula."""
    for path in sorted(docs):
        # One search over each document's strings joined by newlines, not two per string (issue 15:
        # a 100,000-member bundle holds ~300,000 strings). A newline is allowed text and not a
        # digit, so the joined text matches exactly where one of its strings does.
        text = "\n".join(_strings(docs[path]))
        _require(not _CONTROL.search(text), path, "control_characters")
        _require(not _full_id(text), path, "personal_data")
    for label, values in (
        ("units.json", [v for u in units for v in (u["code"], u["name"])]),
        ("figures.json", [r["unit_code"] for r in figures]),
        ("fees.json", [r["unit_code"] for r in fee_lines or []]),
    ):
        _require(not any(v.lstrip().startswith(_FORMULA_START) for v in values), label, "formula_text")


def _check_summary(summary: dict[str, Any], docs: dict[str, Any]) -> None:
    """The totals the branch signed for must be the sums of the rows it sent."""
    figures = docs["figures.json"]
    expected = {f: sum(r[f] for r in figures) for f in FIGURE_FIELDS}
    _require(summary.get("totals") == expected, "totals", "summary_mismatch")
    counts = {
        "figures": len(figures),
        "claims": len(docs["claims.json"]),
        "disbursements": len(docs["disbursements.json"]),
        "handovers": len(docs["handovers.json"]),
        "units": len(docs["units.json"]),
    }
    fees = docs.get("fees.json")
    if fees is not None:  # payload version 2: the fee totals are the sums of the lines sent
        counts["fee_lines"] = len(fees["lines"])
        expected_fees = {f: sum(line[f] or 0 for line in fees["lines"]) for f in FEE_TOTAL_FIELDS}
        _require(summary.get("fees") == expected_fees, "fees", "summary_mismatch")
    _require(summary.get("counts") == counts, "counts", "summary_mismatch")
    start, end = summary.get("period_start"), summary.get("period_end")
    if not isinstance(start, str) or not isinstance(end, str):
        raise _PayloadProblem("bad_payload", "period bounds")
    disbursed = voided = 0
    for d in docs["disbursements.json"]:
        on, amount = d.get("on_date"), d.get("amount_fen")
        _require(amount is None or type(amount) is int, "disbursements.json amount")
        if isinstance(on, str) and start <= on <= end and amount:
            if d.get("state") == "cancelled":
                voided += amount
            else:
                disbursed += amount
    # Voided rows are not money spent; a program older than voids counted them, so that sum is
    # accepted too (the rows themselves say which were voided).
    _require(summary.get("disbursed_fen") in (disbursed, disbursed + voided), "disbursed_fen", "summary_mismatch")


# --- import ---------------------------------------------------------------------------------------


def import_file(path: str | Path, *, max_size: int = DEFAULT_MAX_BUNDLE_BYTES) -> ImportOutcome:
    name = Path(path).name
    try:
        data = read_limited(path, max_size)
    except OSError as exc:
        outcome = ImportOutcome(name, "refused", "unreadable", *_msg("unreadable", exc.strerror))
        _record_refusal(outcome)
        return outcome
    return import_bytes(data, name, max_size=max_size)


def _claimed_kind(data: bytes) -> str | None:
    """The kind the (not yet verified) manifest names: only to choose which import verifies it."""
    try:
        length = HEADER.unpack_from(data)[3]
        kind = json.loads(data[HEADER.size : HEADER.size + length]).get("kind")
    except (ValueError, AttributeError, struct.error):
        return None
    return kind if isinstance(kind, str) else None


def import_bytes(data: bytes, name: str, *, max_size: int = DEFAULT_MAX_BUNDLE_BYTES) -> ImportOutcome:
    """Check and import in ONE transaction that first holds the branch's chain head, so two
    workstations importing at once never both judge against the same last bundle (each bundle
    imported exactly once, no gap or replay misjudged); the held bundles it releases belong to it."""
    current().require_write()
    with writing():
        _hold_chain_head(_header_branch(data))
        if _claimed_kind(data) == KIND_BRANCH_YEARLY:
            from sync.yearly import import_yearly

            return import_yearly(data, name, max_size)
        checked = _check(data, name, max_size)
        outcome = checked.outcome
        if outcome.status == "refused":
            _record_refusal(outcome)
        elif outcome.status == "held" and outcome.reason == "gap":
            _hold(outcome, checked.opened()[0], data)
        elif outcome.status == "imported":
            manifest, parsed = checked.opened()
            _import(outcome, manifest, parsed)
            outcome.also_imported = _release_held(manifest["branch_code"], max_size)
    return outcome


def _hold_chain_head(branch_code: str | None) -> None:
    """PostgreSQL: lock the branch's pinned-key row (``SELECT … FOR UPDATE``) until the import's
    transaction ends; another import of the same branch waits here, then reads the chain as this
    one left it (READ COMMITTED: each statement sees what was committed before it). Imports of
    different branches go on side by side. SQLite needs nothing: ``writing`` holds the only write lock."""
    if branch_code is None or not is_pg():
        return
    database.obj.lock_for_update("trusted_key", "role = ? AND branch_code = ?", ("branch", branch_code))


def _row(
    outcome: ImportOutcome, manifest: dict[str, Any] | None, kind: str | None = None, **extra: Any
) -> ReceivedBundle:
    from models.schema import ReceivedBundle

    return ReceivedBundle.create(
        branch_code=outcome.branch_code,
        kind=kind or (manifest["kind"] if manifest else None),
        period=outcome.period,
        sequence=outcome.sequence,
        sha256=outcome.sha256 or "",
        prev_sha256=manifest["prev_sha256"] if manifest else None,
        file_name=outcome.file[:200],
        status=outcome.status,
        reason=outcome.reason,
        detail=outcome.message_en[:500],
        received_at=clock.stamp(),
        received_by=current().user,
        **extra,
    )


def _record_refusal(outcome: ImportOutcome, kind: str | None = None) -> None:
    """``kind``: what the refused file claims to be, once its signature held (so a refused
    yearly package does not mark its December as a refused monthly bundle)."""
    with writing():
        row = _row(outcome, None, kind)
        audit.record(
            "sync.import.refused",
            "received_bundle",
            row.id,
            {
                "file": outcome.file,
                "reason": outcome.reason,
                "branch_code": outcome.branch_code,
                "sha256": outcome.sha256,
            },
        )


def _hold(outcome: ImportOutcome, manifest: dict[str, Any], data: bytes) -> None:
    with writing():
        row = _row(outcome, manifest, held_data=data)
        audit.record(
            "sync.import.held",
            "received_bundle",
            row.id,
            {
                "branch_code": outcome.branch_code,
                "period": outcome.period,
                "sequence": outcome.sequence,
                "missing": outcome.missing,
                "sha256": outcome.sha256,
            },
        )


def _import(outcome: ImportOutcome, manifest: dict[str, Any], parsed: dict[str, Any]) -> None:
    from models.schema import OfficeFigure, ReceivedBundle

    code, period = manifest["branch_code"], manifest["period"]  # the outcome's, from the same manifest
    now = clock.stamp()
    with writing():
        ReceivedBundle.delete().where(
            (ReceivedBundle.sha256 == outcome.sha256) & (ReceivedBundle.status == "held")
        ).execute()
        row = _row(
            outcome,
            manifest,
            imported_at=now,
            summary=json.dumps(
                {
                    "summary": parsed["summary"],
                    "state": parsed["state"],
                    **(
                        {"audit_chain": outcome.audit}
                        if outcome.audit and outcome.audit.get("count") is not None
                        else {}
                    ),
                },
                ensure_ascii=False,
            ),
        )
        OfficeFigure.delete().where((OfficeFigure.branch_code == code) & (OfficeFigure.period == period)).execute()
        _insert_figures(row.id, code, period, parsed["figures"])
        # A later bundle of the month (a replacement) states the month's fees whole: lines it no
        # longer has must go, not linger from the earlier one.
        database.execute_sql(
            "DELETE FROM office_record WHERE branch_code = ? AND period = ? AND kind IN ('fee', 'fees')", (code, period)
        )
        _insert_records(row.id, code, period, parsed["records"])
        audit.record(
            "sync.import",
            "received_bundle",
            row.id,
            {
                "branch_code": code,
                "period": period,
                "sequence": outcome.sequence,
                "sha256": outcome.sha256,
                **parsed["counts"],
                **({"replaces": outcome.replaces} if outcome.replaces else {}),
                **({"audit_chain": outcome.audit} if outcome.audit else {}),
            },
        )


def _insert_figures(bundle_id: int, code: str, period: str, figures: list[dict[str, Any]]) -> None:
    cols = ("unit_code", "plan_code", *FIGURE_FIELDS)
    sql = (
        f"INSERT INTO office_figure (bundle_id, branch_code, period, {', '.join(cols)}) "
        f"VALUES ({', '.join('?' * (3 + len(cols)))})"
    )
    executemany(sql, [(bundle_id, code, period, *(f[c] for c in cols)) for f in figures])


def _insert_records(bundle_id: int, code: str, period: str, records: list[tuple[str, str, str]]) -> None:
    sql = (
        "INSERT INTO office_record (uid, branch_code, kind, period, bundle_id, data) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(uid) DO UPDATE SET kind = excluded.kind, period = excluded.period, "
        "bundle_id = excluded.bundle_id, data = excluded.data"
    )
    executemany(sql, [(uid, code, kind, period, bundle_id, data) for uid, kind, data in records])


def _release_held(branch_code: str, max_size: int) -> list[ImportOutcome]:
    """Import held bundles of the branch that now follow on, in order."""
    released: list[ImportOutcome] = []
    while True:
        last_seq, _ = last_imported(branch_code)
        row = database.execute_sql(
            "SELECT file_name, held_data FROM received_bundle WHERE branch_code = ? AND status = 'held' "
            "AND sequence = ? ORDER BY id LIMIT 1",
            (branch_code, (last_seq or 0) + 1),
        ).fetchone()
        if row is None:
            return released
        name, data = row[0], bytes(row[1])
        checked = _check(data, name, max_size, releasing=True)
        outcome = checked.outcome
        if outcome.status == "imported":
            _import(outcome, *checked.opened())
            released.append(outcome)
        else:
            with writing():
                database.execute_sql(
                    "UPDATE received_bundle SET status = 'refused', reason = ?, detail = ?, held_data = NULL "
                    "WHERE sha256 = ? AND status = 'held'",
                    (outcome.reason, outcome.message_en[:500], outcome.sha256),
                )
                audit.record(
                    "sync.import.refused",
                    "received_bundle",
                    None,
                    {"file": name, "reason": outcome.reason, "sha256": outcome.sha256, "was_held": True},
                )
            released.append(outcome)


def received(branch_code: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, branch_code, period, sequence, status, reason, file_name, received_at, sha256 "
        "FROM received_bundle" + (" WHERE branch_code = ?" if branch_code else "") + " ORDER BY id"
    )
    keys = ("id", "branch_code", "period", "sequence", "status", "reason", "file_name", "received_at", "sha256")
    return [dict(zip(keys, r, strict=True)) for r in database.execute_sql(sql, (branch_code,) if branch_code else ())]


def reason_codes() -> dict[str, tuple[str, str]]:
    """Every reason code ``import`` may give: the format's and the database side's."""
    from sync.reasons import MESSAGES

    return {**{str(k): v for k, v in MESSAGES.items()}, **DB_REASONS}


__all__ = [
    "ImportOutcome",
    "Reason",
    "import_file",
    "import_bytes",
    "verify_file",
    "last_imported",
    "received",
    "reason_codes",
    "DB_REASONS",
]
