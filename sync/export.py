"""Branch side: the month's figures and records, and the signed, encrypted bundle for the office.

``branch_payload(period)`` reads the branch database and returns the payload files
(canonical JSON, integer fen; layout in sync/FORMAT.md, "Payload contents");
``export_period`` signs, encrypts, writes atomically, reads back and records the bundle, then
lists it in ``FILE.sent`` (``models.sentmark``); it refuses while this database lacks bundles
that file says were sent (an older backup restored, ``sync.restore``).
No full ID number, bank account or diagnosis leaves the branch: claims carry a masked
ID, disbursements no beneficiary name or account.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import anchor, audit, clock, sentmark
from models.db import current, database, writing
from models.errors import DatabaseLocked, RuleRefused, UsageError
from models.version import VERSION
from rules.export import check_export_month
from rules.idcard import mask_id
from rules.result import Decision
from sync.bundle import KIND_BRANCH_MONTHLY, build_bundle, bundle_file_name, verify_bundle
from sync.canonical import canonical_dumps
from sync.errors import BundleRefused
from sync.fileio import read_back_verify, write_bundle_atomic
from sync.keystore import LocalKeys, branch_identity, local_keys, require_branch, require_trusted_office
from sync.restore import require_reconciled

#: 2: adds fees.json (fees due, collected and remitted, DOMAIN §12); the office still reads 1.
PAYLOAD_VERSION = 2
READABLE_PAYLOAD_VERSIONS = (1, 2)
PERIOD_RE = re.compile(r"(2[0-9]{3})-(0[1-9]|1[0-2])")
#: Figure fields per unit × plan, in file order (all integers; *_fen in fen).
FIGURE_FIELDS = (
    "members",
    "shares",
    "fees_due_fen",
    "claims_reported",
    "claims_submitted",
    "claims_returned",
    "claims_settled",
    "claims_declined",
    "benefit_fen",
)
PAYLOAD_FILES_V1 = (
    "claims.json",
    "disbursements.json",
    "figures.json",
    "handovers.json",
    "state.json",
    "summary.json",
    "units.json",
)
#: Files a bundle carries only when it has something in them (sync/FORMAT.md "Optional files"):
#: a branch without service projects sends exactly the files an older office reads.
OPTIONAL_FILES = ("projects.json",)
PAYLOAD_FILES = tuple(sorted((*PAYLOAD_FILES_V1, "fees.json")))
#: Fields of one fees.json line (one policy), all integers but the codes and dates; due_fen may be null.
FEE_LINE_FIELDS = (
    "unit_code",
    "plan_code",
    "start",
    "end",
    "shares",
    "due_fen",
    "collected_fen",
    "remitted_fen",
    "collected_in_period_fen",
    "remitted_in_period_fen",
)
FEE_TOTAL_FIELDS = ("due_fen", "collected_fen", "remitted_fen", "collected_in_period_fen", "remitted_in_period_fen")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` → (first day, last day); UsageError otherwise."""
    match = PERIOD_RE.fullmatch(text or "")
    if not match:
        raise UsageError(
            f"期间必须写成 YYYY-MM（如 2026-10），收到：{text}",
            f"the period must be YYYY-MM (e.g. 2026-10), got {text!r}",
        )
    year, month = int(match[1]), int(match[2])
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def utc_created() -> str:
    return clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- figures -----------------------------------------------------------------------------------

_POLICY_SQL = """
SELECT u.code, p.plan_id, count(DISTINCT cv.member_id), coalesce(sum(cv.shares), 0), p.start
FROM policy p
JOIN unit u ON u.id = p.unit_id
JOIN plan pl ON pl.code = p.plan_id
LEFT JOIN coverage cv ON cv.policy_id = p.id AND cv.cover_start <= ?2
WHERE p.start <= ?2 AND p.end >= ?1
  AND p.start = (SELECT max(q.start) FROM policy q WHERE q.unit_id = p.unit_id AND q.plan_id = p.plan_id
                 AND q.start <= ?2 AND q.end >= ?1)
GROUP BY p.id
"""

_CLAIMS_SQL = """
SELECT u.code, c.plan_id,
  sum(CASE WHEN c.report_date BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.submitted_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END)
    + sum(CASE WHEN c.resubmitted_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.returned_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.settled_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.declined_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.settled_on BETWEEN ?1 AND ?2 THEN coalesce(c.benefit_fen, 0) ELSE 0 END)
FROM claim_report c JOIN unit u ON u.id = c.unit_id
WHERE c.report_date BETWEEN ?1 AND ?2 OR c.submitted_on BETWEEN ?1 AND ?2 OR c.resubmitted_on BETWEEN ?1 AND ?2
   OR c.returned_on BETWEEN ?1 AND ?2 OR c.settled_on BETWEEN ?1 AND ?2 OR c.declined_on BETWEEN ?1 AND ?2
GROUP BY u.code, c.plan_id
"""


def branch_figures(period: str) -> list[dict[str, Any]]:
    """Figures per unit × plan for ``period``, sorted by unit and plan (see FORMAT.md)."""
    start, end = parse_period(period)
    bounds = (start.isoformat(), end.isoformat())
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(unit: str, plan: str) -> dict[str, Any]:
        key = (unit, plan)
        if key not in rows:
            rows[key] = {"unit_code": unit, "plan_code": plan, **{f: 0 for f in FIGURE_FIELDS}}
        return rows[key]

    from models.fees import price_on_start

    for unit, plan, members, shares, start in database.execute_sql(_POLICY_SQL, bounds):
        r = row(unit, plan)
        r["members"] += members
        r["shares"] += shares
        # R12.2: the price in force on the policy's start, not today's (0 where none was in force)
        r["fees_due_fen"] += shares * (price_on_start(plan, start) or 0)
    for unit, plan, reported, submitted, returned, settled, declined, benefit in database.execute_sql(
        _CLAIMS_SQL, bounds
    ):
        r = row(unit, plan)
        r.update(
            claims_reported=reported,
            claims_submitted=submitted,
            claims_returned=returned,
            claims_settled=settled,
            claims_declined=declined,
            benefit_fen=benefit,
        )
    return [rows[k] for k in sorted(rows)]


def totals(figures: list[dict[str, Any]]) -> dict[str, int]:
    return {f: sum(r[f] for r in figures) for f in FIGURE_FIELDS}


# --- records -----------------------------------------------------------------------------------


def _d(value: object) -> str | None:
    return None if value is None else str(value)[:10]


def _claims(code: str, start: str, end: str) -> list[dict[str, Any]]:
    sql = """
    SELECT c.id, u.code, c.plan_id, m.id_number, c.incident_kind, c.incident_date, c.report_date, c.shares_claimed,
           c.channel, c.state, c.submitted_on, c.returned_on, c.return_reason, c.resubmitted_on, c.settled_on,
           c.benefit_fen, c.declined_on, c.decline_reason
    FROM claim_report c JOIN unit u ON u.id = c.unit_id JOIN member m ON m.id = c.member_id
    WHERE c.report_date BETWEEN ?1 AND ?2 OR c.submitted_on BETWEEN ?1 AND ?2 OR c.resubmitted_on BETWEEN ?1 AND ?2
       OR c.returned_on BETWEEN ?1 AND ?2 OR c.settled_on BETWEEN ?1 AND ?2 OR c.declined_on BETWEEN ?1 AND ?2
    ORDER BY c.id
    """
    out = []
    for (
        cid,
        unit,
        plan,
        id_number,
        kind,
        incident,
        reported,
        shares,
        channel,
        state,
        submitted,
        returned,
        return_reason,
        resubmitted,
        settled,
        benefit,
        declined,
        decline_reason,
    ) in database.execute_sql(sql, (start, end)):
        out.append(
            {
                "id": f"{code}-claim-{cid}",
                "unit_code": unit,
                "plan_code": plan,
                "member": mask_id(id_number),
                "incident_kind": kind,
                "incident_date": _d(incident),
                "report_date": _d(reported),
                "shares_claimed": shares,
                "channel": channel,
                "state": state,
                "submitted_on": _d(submitted),
                "returned_on": _d(returned),
                "return_reason": return_reason,
                "resubmitted_on": _d(resubmitted),
                "settled_on": _d(settled),
                "benefit_fen": benefit,
                "declined_on": _d(declined),
                "decline_reason": decline_reason,
            }
        )
    return out


def _disbursements(code: str, start: str, end: str) -> list[dict[str, Any]]:
    sql = """
    SELECT d.id, d.on_date, u.code, d.category, d.relation, d.amount_fen, d.method, d.state,
           d.receipt_no IS NOT NULL, d.approved_on, d.paid_on, d.signed_on
    FROM disbursement d LEFT JOIN unit u ON u.id = d.unit_id
    WHERE d.on_date BETWEEN ?1 AND ?2 OR d.paid_on BETWEEN ?1 AND ?2 OR d.signed_on BETWEEN ?1 AND ?2
    ORDER BY d.id
    """
    return [
        {
            "id": f"{code}-disbursement-{i}",
            "on_date": _d(on),
            "unit_code": unit,
            "category": cat,
            "relation": rel,
            "amount_fen": amount,
            "method": method,
            "state": state,
            "has_receipt": bool(receipt),
            "approved_on": _d(approved),
            "paid_on": _d(paid),
            "signed_on": _d(signed),
        }
        for i, on, unit, cat, rel, amount, method, state, receipt, approved, paid, signed in database.execute_sql(
            sql, (start, end)
        )
    ]


def _handovers(code: str, start: str, end: str) -> list[dict[str, Any]]:
    sql = """
    SELECT h.id, h.on_date, h.outgoing, h.incoming, h.supervisor, h.reported_on, h.outgoing_confirmed,
           h.incoming_confirmed, (SELECT count(*) FROM handover_item i WHERE i.handover_id = h.id)
    FROM handover h WHERE h.on_date BETWEEN ?1 AND ?2 OR h.reported_on BETWEEN ?1 AND ?2 ORDER BY h.id
    """
    return [
        {
            "id": f"{code}-handover-{i}",
            "on_date": _d(on),
            "outgoing": out,
            "incoming": inc,
            "supervisor": sup,
            "reported_on": _d(rep),
            "outgoing_confirmed": bool(oc),
            "incoming_confirmed": bool(ic),
            "items": n,
        }
        for i, on, out, inc, sup, rep, oc, ic, n in database.execute_sql(sql, (start, end))
    ]


def _projects(code: str, start: str, end: str) -> list[dict[str, Any]]:
    """Service projects (docs/rules.md R7) the office should know of: every one still live, and every one
    with a step in the period; with their steps and open deadlines as the branch computes them
    (working days by the branch's calendar). No e-code, participant, leader or phone."""
    from models.projects import OPEN_STATES, project_deadlines_of

    marks = ",".join("?" * len(OPEN_STATES))
    rows = database.execute_sql(
        f'SELECT id, name, state, start, "end", cost_fen FROM service_project WHERE state IN ({marks}) '
        "OR id IN (SELECT project_id FROM service_project_step WHERE on_date BETWEEN ? AND ?) ORDER BY id",
        (*OPEN_STATES, start, end),
    ).fetchall()
    out = []
    for pid, name, state, first, last, cost in rows:
        steps = [
            {"step": step, "on": _d(on)}
            for step, on in database.execute_sql(
                "SELECT step, on_date FROM service_project_step WHERE project_id = ? ORDER BY on_date, id", (pid,)
            )
        ]
        out.append(
            {
                "id": f"{code}-project-{pid}",
                "name": name,
                "state": state,
                "start": _d(first),
                "end": _d(last),
                "cost_fen": cost,
                "steps": steps,
                "deadlines": project_deadlines_of(pid),
            }
        )
    return out


def branch_fees(start: dt.date, end: dt.date) -> dict[str, Any]:
    """fees.json: per policy, due, collected and remitted as of the period's last day and the
    period's own collections and remittances; the period's remittances; the receipts issued and
    voided in it. Only a branch that collects fees (any payment recorded by then) sends lines, and
    only for policies from the first one it recorded a payment for: older policies' fees were
    settled before the branch kept them here (a 直投 branch sends none, R12.7)."""
    from models.fees import fee_lines, receipt_book

    s, e = start.isoformat(), end.isoformat()
    first = database.execute_sql(
        "SELECT min(p.start) FROM fee_payment f JOIN policy p ON p.id = f.policy_id WHERE f.received_on <= ?", (e,)
    ).fetchone()[0]
    collects = first is not None
    lines: list[dict[str, Any]] = []
    if collects:
        flows: dict[int, list[int]] = {}
        for pid, fen in database.execute_sql(
            "SELECT policy_id, sum(amount_fen) FROM fee_payment WHERE received_on BETWEEN ?1 AND ?2 "
            "AND (voided_on IS NULL OR voided_on > ?2) GROUP BY policy_id",
            (s, e),
        ):
            flows.setdefault(pid, [0, 0])[0] = fen
        for pid, fen in database.execute_sql(
            "SELECT f.policy_id, sum(i.amount_fen) FROM fee_remittance_item i JOIN fee_remittance r "
            "ON r.id = i.remittance_id JOIN fee_payment f ON f.id = i.payment_id WHERE r.on_date BETWEEN ?1 AND ?2 "
            "GROUP BY f.policy_id",
            (s, e),
        ):
            flows.setdefault(pid, [0, 0])[1] = fen
        for line in fee_lines(end, as_of=end):
            if line.start < _date(first):
                continue
            collected, remitted = flows.get(line.policy_id, (0, 0))
            lines.append(
                {
                    "unit_code": line.unit_code,
                    "plan_code": line.plan_code,
                    "start": line.start.isoformat(),
                    "end": line.end.isoformat(),
                    "shares": line.shares,
                    "due_fen": line.due_fen,
                    "collected_fen": line.paid_fen,
                    "remitted_fen": line.remitted_fen,
                    "collected_in_period_fen": collected,
                    "remitted_in_period_fen": remitted,
                }
            )
    remittances = [
        {"on": _d(on), "amount_fen": amount, "bank_ref": ref, "receipts": n}
        for on, amount, ref, n in database.execute_sql(
            "SELECT r.on_date, r.amount_fen, r.bank_ref, (SELECT count(*) FROM fee_remittance_item i "
            "WHERE i.remittance_id = r.id) FROM fee_remittance r WHERE r.on_date BETWEEN ? AND ? ORDER BY r.on_date, r.id",
            (s, e),
        )
    ]
    issued = database.execute_sql(
        "SELECT count(*) FROM fee_receipt WHERE issued_on BETWEEN ? AND ? AND (state = 'issued' OR voided_on > ?)",
        (s, e, e),
    ).fetchone()[0]
    voided = [
        n
        for (n,) in database.execute_sql(
            "SELECT number FROM fee_receipt WHERE voided_on BETWEEN ? AND ? ORDER BY series, serial", (s, e)
        )
    ]
    return {
        "collects": collects,
        "lines": lines,
        "remittances": remittances,
        "receipts": {"issued_in_period": issued, "voided_in_period": voided, "gaps": receipt_book().gaps},
    }


def fee_totals(fees: dict[str, Any]) -> dict[str, int]:
    return {f: sum(line[f] or 0 for line in fees["lines"]) for f in FEE_TOTAL_FIELDS}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def state_digest() -> dict[str, dict[str, int]]:
    """Counts and sums of the whole database, per table: the office can see drift between months."""

    def q(sql: str) -> tuple[int, ...]:
        row: tuple[int, ...] = database.execute_sql(sql).fetchone()
        return row

    out = {
        "unit": {"count": q("SELECT count(*) FROM unit")[0]},
        "member": {"count": q("SELECT count(*) FROM member")[0]},
        "policy": {"count": q("SELECT count(*) FROM policy")[0]},
        "coverage": dict(
            zip(("count", "shares"), q("SELECT count(*), coalesce(sum(shares), 0) FROM coverage"), strict=True)
        ),
        "claim_report": dict(
            zip(
                ("count", "benefit_fen"),
                q("SELECT count(*), coalesce(sum(benefit_fen), 0) FROM claim_report"),
                strict=True,
            )
        ),
        "claim_event": {"count": q("SELECT count(*) FROM claim_event")[0]},
        "direct_pay_failure": dict(
            zip(
                ("count", "open"),
                q("SELECT count(*), coalesce(sum(signed_on IS NULL), 0) FROM direct_pay_failure"),
                strict=True,
            )
        ),
        "disbursement": dict(
            zip(
                ("count", "amount_fen"),
                q("SELECT count(*), coalesce(sum(amount_fen), 0) FROM disbursement"),
                strict=True,
            )
        ),
        "handover": {"count": q("SELECT count(*) FROM handover")[0]},
        "audit_event": {"count": q("SELECT count(*) FROM audit_event")[0]},
    }
    return {table: {k: int(v) for k, v in values.items()} for table, values in out.items()}


# --- payload and export ------------------------------------------------------------------------


@dataclass
class Payload:
    period: str
    branch_code: str
    branch_name: str
    figures: list[dict[str, Any]]
    summary: dict[str, Any]
    files: dict[str, bytes] = field(repr=False)


def branch_payload(period: str) -> Payload:
    code, name = branch_identity()
    start, end = parse_period(period)
    s, e = start.isoformat(), end.isoformat()
    figures = branch_figures(period)
    claims = _claims(code, s, e)
    disbursements = _disbursements(code, s, e)
    handovers = _handovers(code, s, e)
    units = [{"code": c, "name": n} for c, n in database.execute_sql("SELECT code, name FROM unit ORDER BY code")]
    fees = branch_fees(start, end)
    summary = {
        "payload_version": PAYLOAD_VERSION,
        "branch_code": code,
        "branch_name": name,
        "period": period,
        "period_start": s,
        "period_end": e,
        "totals": totals(figures),
        "counts": {
            "figures": len(figures),
            "claims": len(claims),
            "disbursements": len(disbursements),
            "handovers": len(handovers),
            "units": len(units),
            "fee_lines": len(fees["lines"]),
        },
        "fees": fee_totals(fees),
        # A voided disbursement (作废, R9.3) stays in the rows with its state but is money not spent.
        "disbursed_fen": sum(
            d["amount_fen"]
            for d in disbursements
            if d["on_date"] and s <= d["on_date"] <= e and d["state"] != "cancelled"
        ),
    }
    changes = office_key_changes()
    if changes:  # only when there are any: older offices and tests see the summary they know
        summary["office_key_changes"] = changes
    files = {
        "summary.json": canonical_dumps(summary),
        "figures.json": canonical_dumps(figures),
        "claims.json": canonical_dumps(claims),
        "disbursements.json": canonical_dumps(disbursements),
        "handovers.json": canonical_dumps(handovers),
        "units.json": canonical_dumps(units),
        "fees.json": canonical_dumps(fees),
        "state.json": canonical_dumps(state_digest()),
    }
    projects = _projects(code, s, e)
    if projects:  # optional: only a branch with service projects sends it
        files["projects.json"] = canonical_dumps(projects)
    return Payload(period, code, name, figures, summary, files)


def office_key_changes() -> list[dict[str, str]]:
    """Every replacement of the pinned office key since the last bundle was exported, so the
    office learns of it (a clerk pinning an impostor's key would otherwise go unseen)."""
    import json

    last = database.execute_sql(
        "SELECT coalesce(max(seq), 0) FROM audit_event WHERE action IN ('sync.export', 'sync.export.adopted')"
    ).fetchone()[0]
    out = []
    for at, user, detail in database.execute_sql(
        "SELECT at, \"user\", detail FROM audit_event WHERE action = 'keys.trust_office' AND seq > ? ORDER BY seq",
        (last,),
    ):
        d = json.loads(detail or "{}")
        if d.get("replaced"):
            out.append(
                {
                    "at": str(at),
                    "by": str(user),
                    "old_fingerprint": str(d["replaced"]),
                    "new_fingerprint": str(d.get("fingerprint", "")),
                    "reason": str(d.get("reason", "")),
                }
            )
    return out


def last_sent(kind: str = KIND_BRANCH_MONTHLY) -> tuple[int | None, str | None]:
    row = database.execute_sql(
        "SELECT sequence, sha256 FROM bundle_log WHERE direction = 'out' AND kind = ? ORDER BY sequence DESC LIMIT 1",
        (kind,),
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def sent_for(period: str, kind: str = KIND_BRANCH_MONTHLY) -> list[tuple[int, str]]:
    """(sequence, sha256) of every bundle of ``period`` already sent, oldest first."""
    return [
        (seq, sha)
        for seq, sha in database.execute_sql(
            "SELECT sequence, sha256 FROM bundle_log WHERE direction = 'out' AND kind = ? AND period = ? ORDER BY sequence",
            (kind, period),
        )
    ]


def export_decision(period: str, today: dt.date, *, replace: bool = False, reason: str | None = None) -> Decision:
    """``rules.check_export_month`` for ``period`` as of ``today`` over what this branch sent."""
    start, end = parse_period(period)
    return check_export_month(
        start, end, today, tuple(seq for seq, _ in sent_for(period)), replace=replace, reason=reason
    )


@dataclass
class ExportResult:
    dry_run: bool
    branch_code: str
    period: str
    sequence: int
    file_name: str
    path: Path | None
    sha256: str | None
    bytes: int | None
    summary: dict[str, Any]
    fingerprint: str | None = None
    replaces: int | None = None  # the sequence this bundle replaces (a month sent again)


def export_period(
    period: str,
    out_dir: str | Path = ".",
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    replace: bool = False,
    reason: str | None = None,
) -> ExportResult:
    """Build, sign, encrypt, write (atomically), read back and record the month's bundle.

    Only a month that has ended may be exported, and a month already sent only as a
    replacement (``replace`` with a ``reason``): ``rules.check_export_month`` decides, a
    refusal raises ``RuleRefused`` (in a dry run too) with nothing written."""
    require_branch()
    parse_period(period)
    require_reconciled()  # an older backup restored: never reuse a sequence the office holds
    decision = export_decision(period, today or clock.today(), replace=replace, reason=reason)
    if not decision.ok:
        raise RuleRefused([decision])
    session = current()
    if not dry_run:
        session.require_write()
    out_dir = Path(out_dir)
    if not dry_run and not out_dir.is_dir():
        raise UsageError(f"输出文件夹不存在：{out_dir}", f"output folder does not exist: {out_dir}")
    keys = local_keys()
    payload = branch_payload(period)
    replaces = None
    if decision.outcome == "replacement":
        replaced_seq = decision.data["replaces"]
        replaces = {"sequence": replaced_seq, "sha256": dict(sent_for(period))[replaced_seq]}
        # The reason travels encrypted, in the summary: the manifest holds identifiers only.
        payload.summary["replaces"] = {**replaces, "reason": decision.data["reason"]}
        payload.files["summary.json"] = canonical_dumps(payload.summary)
    last_seq, last_sha = last_sent()
    sequence = (last_seq or 0) + 1
    name = bundle_file_name(payload.branch_code, period, sequence)
    replaced = replaces["sequence"] if replaces else None
    if dry_run:
        return ExportResult(
            True, payload.branch_code, period, sequence, name, None, None, None, payload.summary, replaces=replaced
        )

    office = require_trusted_office()
    target = out_dir / name
    if target.exists():
        adopted = _adopt_interrupted(target, payload, period, sequence, last_sha, keys)
        if adopted is None:
            raise UsageError(f"文件已存在，不会覆盖：{target}", f"file exists, will not overwrite: {target}")
        return adopted
    written = False
    try:
        with writing():
            # Allocated again under the write lock (BEGIN IMMEDIATE): a second export that ran
            # at the same time has committed by now, and this one takes the number after it
            # (seen: two exports at once both wrote sequence N).
            if last_sent() != (last_seq, last_sha):
                again = export_decision(period, today or clock.today(), replace=replace, reason=reason)
                if not again.ok:
                    raise RuleRefused([again])  # the same month was sent meanwhile
                if again.outcome != decision.outcome or again.data != decision.data:
                    raise DatabaseLocked(
                        "另一次导出刚刚完成，本次未导出任何文件；请重新运行 huzhu export",
                        "another export finished meanwhile; nothing was exported, run huzhu export again",
                    )
                last_seq, last_sha = last_sent()
                sequence = (last_seq or 0) + 1
                name = bundle_file_name(payload.branch_code, period, sequence)
                target = out_dir / name
                if target.exists():
                    raise UsageError(f"文件已存在，不会覆盖：{target}", f"file exists, will not overwrite: {target}")
            chain = _audit_chain(last_seq)
            data = build_bundle(
                kind=KIND_BRANCH_MONTHLY,
                branch_code=payload.branch_code,
                period=period,
                sequence=sequence,
                prev_sha256=last_sha,
                created=utc_created(),
                program_version=_program_version(),
                audit_head=chain["head"],
                files=payload.files,
                signer_private=keys.signing.private,
                recipient_public=office.x25519_public,
                replaces=replaces,
                audit_chain=chain,
            )
            digest = hashlib.sha256(data).hexdigest()
            try:
                write_bundle_atomic(target, data)
            except OSError as exc:  # full or write-protected stick: nothing is left under the final name
                raise UsageError(
                    f"无法写入导出文件（{exc.strerror}）：{target}；未导出，请检查 U 盘后重试",
                    f"cannot write the bundle ({exc.strerror}): {target}; nothing was exported",
                ) from None
            written = True
            check = read_back_verify(target, data, pinned_signers={payload.branch_code: keys.signing.public})
            if not check.ok:
                raise BundleRefused(
                    f"写入后校验失败：{check.message_zh}",
                    f"verification after writing failed: {check.message_en}",
                    code=str(check.code),
                )
            from models.schema import BundleLog

            BundleLog.create(
                direction="out",
                kind=KIND_BRANCH_MONTHLY,
                branch_code=payload.branch_code,
                period=period,
                sequence=sequence,
                file_name=name,
                sha256=digest,
                prev_sha256=last_sha,
                created_at=clock.stamp(),
                status="sent",
                note=f"替换第 {replaced} 号：{decision.data['reason']}" if replaces else None,
            )
            audit.record(
                "sync.export",
                "bundle_log",
                name,
                {
                    "period": period,
                    "sequence": sequence,
                    "sha256": digest,
                    "bytes": len(data),
                    "totals": payload.summary["totals"],
                    "counts": payload.summary["counts"],
                    "disbursed_fen": payload.summary["disbursed_fen"],
                    **({"replaces": payload.summary["replaces"]} if replaces else {}),
                    # The head sent, so the next bundle can say what this chain holds at it.
                    "audit_chain": {"count": chain["count"], "head": chain["head"]},
                    **({"restored": chain["restored"]} if chain["restored"] else {}),
                },
            )
    except BaseException:
        if written:
            target.unlink(missing_ok=True)
        raise
    # Committed: FILE.sent now lists this bundle too, where no restore can take it back.
    sentmark.refresh(
        session.path, session.keyfile.db_id, {sequence: (payload.summary["totals"], payload.summary["disbursed_fen"])}
    )
    return ExportResult(
        False,
        payload.branch_code,
        period,
        sequence,
        name,
        target,
        digest,
        len(data),
        payload.summary,
        keys.fingerprint,
        replaced,
    )


def _audit_chain(last_seq: int | None) -> dict[str, Any]:
    """The manifest's ``audit_chain`` (issue 13 item 4, ``models.anchor``), read under the write lock."""
    previous = None
    if last_seq:
        row = database.execute_sql(
            "SELECT file_name FROM bundle_log WHERE direction = 'out' AND kind = ? AND sequence = ?",
            (KIND_BRANCH_MONTHLY, last_seq),
        ).fetchone()
        previous = anchor.previous_head(last_seq, row[0] if row else "")
    return anchor.chain_for_export(previous, last_seq)


def _adopt_interrupted(
    target: Path, payload: Payload, period: str, sequence: int, last_sha: str | None, keys: LocalKeys
) -> ExportResult | None:
    """A bundle under the next sequence's name with no log row is what an export killed between
    the rename and its COMMIT leaves behind. If it is ours, whole and next in the chain, record it
    as sent (it may already be on its way to the office, so it must not be rebuilt differently);
    anything else stays refused."""
    data = target.read_bytes()
    result = verify_bundle(
        data,
        pinned_signers={payload.branch_code: keys.signing.public},
        recipient_private=None,
        expected_kind=KIND_BRANCH_MONTHLY,
    )
    m = result.manifest or {}
    if not (
        result.ok and m.get("period") == period and m.get("sequence") == sequence and m.get("prev_sha256") == last_sha
    ):
        return None
    digest = hashlib.sha256(data).hexdigest()
    from models.schema import BundleLog

    with writing():
        BundleLog.create(
            direction="out",
            kind=KIND_BRANCH_MONTHLY,
            branch_code=payload.branch_code,
            period=period,
            sequence=sequence,
            file_name=target.name,
            sha256=digest,
            prev_sha256=last_sha,
            created_at=clock.stamp(),
            status="sent",
            note="导出中断后留下的完整数据包，已补记",
        )
        chain = m.get("audit_chain")
        audit.record(
            "sync.export.adopted",
            "bundle_log",
            target.name,
            {
                "period": period,
                "sequence": sequence,
                "sha256": digest,
                "bytes": len(data),
                **({"audit_chain": {"count": chain["count"], "head": chain["head"]}} if chain else {}),
            },
        )
    # Its figures are not known here (the bundle is sealed to the office): the mark says so.
    session = current()
    sentmark.refresh(session.path, session.keyfile.db_id, {sequence: (None, None)})
    return ExportResult(
        False,
        payload.branch_code,
        period,
        sequence,
        target.name,
        target,
        digest,
        len(data),
        payload.summary,
        keys.fingerprint,
    )


def _program_version() -> str:
    cleaned = re.sub(r"[^0-9A-Za-z.+_-]", "_", VERSION)[:40]
    return cleaned if cleaned and cleaned[0].isalnum() else "0"
