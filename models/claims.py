"""The claim register (报案登记簿, docs/rules.md R2): registering a report with its preliminary
check, the lifecycle steps, the failed-direct-pay follow-up and the register's queries.

This module only gathers plain data for ``rules.claims`` and writes what the rules allow:
the preliminary check, every transition and every direct-pay step is decided there. Each
write is one transaction with one audit event naming the clerk ("谁操作谁负责"); a refused
action raises ``RuleRefused`` before anything is written. Audit details carry ids, codes,
dates and amounts, never a diagnosis, an ID number or an account.

The register holds every report received (000 第十七条5): a report the preliminary check
finds would not be paid as reported (no cover on the incident date, more shares than held,
every share in observation — ``rules.claims.recorded_errors``) is recorded with its
findings, flagged, and declined through the lifecycle. Only an entry that is itself
incomplete or wrong (``rules.claims.register_blockers``) is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from models import audit, clock
from models.backdating import audit_detail, check_typed_date, record_backdated
from models.db import writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.lookup import classify_query, member_policies
from models.schema import ClaimCorrection, DirectPayFailure, Member, Unit
from models.schema import ClaimEvent as ClaimEventRow
from models.schema import ClaimReport as ClaimRow
from rules import (
    Citation,
    ClaimEvent,
    ClaimReport,
    Decision,
    DirectPayStep,
    Report,
    Severity,
    check_claim_channel,
    check_claim_transition,
    check_direct_pay_step,
    claim_overdue,
    direct_pay_status,
    mask_account,
    mask_id,
    preliminary_check,
    ruleset_on,
)
from rules.claims import (
    CLAIM_STATES,
    CLAIM_TRANSITIONS,
    CORRECTABLE_FIELDS,
    DIRECT_PAY_STEPS,
    check_claim_correction,
    claim_payable,
    recorded_errors,
    register_blockers,
)

#: Lifecycle actions a clerk takes, the state each enters and its Chinese name (R2.3).
ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("submitted", "上报"),
    "return": ("returned", "打回"),
    "resubmit": ("resubmitted", "重新上报"),
    "settle": ("settled", "结案给付"),
    "decline": ("declined", "拒付"),
}
#: The register columns each action fills in (date, and reason or amount).
_ACTION_COLUMNS = {
    "submit": ("submitted_on", None),
    "return": ("returned_on", "return_reason"),
    "resubmit": ("resubmitted_on", None),
    "settle": ("settled_on", None),
    "decline": ("declined_on", "decline_reason"),
}
#: The failed-direct-pay row's date column for each R2.4 step, in order.
DIRECT_PAY_COLUMNS = {
    "notice": "notice_on",
    "corrected": "corrected_on",
    "transferred": "transferred_on",
    "handed_down": "handed_down_on",
    "signed": "signed_on",
}
#: How many register rows one query returns; the screen says when there are more.
REGISTER_LIMIT = 500


@dataclass(frozen=True)
class ClaimDraft:
    """A claim report as typed on the form; blanks are None (the rules say what is missing)."""

    member_id: int | None = None
    plan: str | None = None
    diagnosis: str | None = None
    incident_kind: str = "illness"
    incident_date: dt.date | None = None
    shares_claimed: int | None = None
    reported_on: dt.date | None = None
    reporter: str | None = None
    channel: str = "paper"
    materials: frozenset[str] = frozenset()
    #: Why a supervisor records a report date before today (rules.check_entry_date).
    backdate_reason: str | None = None


@dataclass(frozen=True)
class Registered:
    """A recorded report and its preliminary check at registration."""

    claim_id: int
    report: Report

    @property
    def findings(self) -> tuple[Decision, ...]:
        """What was recorded with the report: the check's errors, then its warnings."""
        return check_findings(self.report)

    @property
    def flagged(self) -> bool:
        """Recorded with an error: as reported, the claim would not be paid."""
        return bool(recorded_errors(self.report))


@dataclass(frozen=True)
class ClaimFilter:
    """The register's filters; ``unit`` matches a unit code exactly or part of its name,
    ``date_from``/``date_to`` bound the report date (inclusive)."""

    state: str | None = None
    unit: str | None = None
    plan: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue_only: bool = False
    direct_pay_open: bool = False
    #: The insured member: part of a name, pinyin initials, a full ID number or its last digits.
    member: str | None = None


@dataclass(frozen=True)
class RegisterRow:
    id: int
    report_date: dt.date
    unit_name: str
    member_name: str
    plan: str
    diagnosis: str
    shares_claimed: int
    state: str
    overdue: Decision | None
    direct_pay_open: bool
    flagged: bool = False  # recorded with an error of the preliminary check
    unit_code: str = ""
    #: ``rules.claims.claim_payable`` on the member's cover: how many of the shares claimed
    #: would be paid (None when the plan is not in the rule set of the incident date).
    payable: Decision | None = None

    @property
    def state_name(self) -> str:
        return CLAIM_STATES[self.state]

    @property
    def partly_payable(self) -> bool:
        return self.payable is not None and self.payable.outcome == "partly_payable"


@dataclass(frozen=True)
class RegisterPage:
    rows: list[RegisterRow]
    truncated: bool


@dataclass(frozen=True)
class EventLine:
    state: str
    on: dt.date
    clerk: str
    note: str | None
    amount_fen: int | None


@dataclass(frozen=True)
class CorrectionLine:
    """A correction before submission: its date, clerk, reason and each field's
    ``(old, new)`` as stored (dates as ISO text)."""

    id: int
    on: dt.date
    clerk: str
    reason: str
    changes: dict[str, list]

    @property
    def summary(self) -> str:
        parts = [f"{CORRECTABLE_FIELDS.get(k, k)} {old} → {new}" for k, (old, new) in self.changes.items()]
        return f"更正 {self.on.isoformat()}（{self.clerk}）：{'；'.join(parts)}；原因：{self.reason}"


@dataclass(frozen=True)
class Corrected:
    """A correction recorded, and the corrected claim's new preliminary check."""

    claim_id: int
    correction_id: int
    decision: Decision
    report: Report


@dataclass(frozen=True)
class DirectPayItem:
    id: int
    steps: list[tuple[str, dt.date]]
    account_masked: str | None
    note: str | None
    status: Decision


@dataclass
class ClaimDetail:
    id: int
    member_id: int
    member_name: str
    id_masked: str
    unit_name: str
    plan: str
    diagnosis: str
    incident_kind: str
    incident_date: dt.date
    shares_claimed: int
    report_date: dt.date
    reporter: str
    channel: str
    materials: list[str]
    state: str
    events: list[EventLine] = field(default_factory=list)
    overdue: Decision | None = None
    direct_pay: list[DirectPayItem] = field(default_factory=list)
    #: The preliminary check's errors and warnings at registration (or at the last
    #: correction); None for a report registered before they were kept (migration 0007).
    findings: list[Decision] | None = None
    #: Corrections before submission, oldest first, with the old and new values (R9.3).
    corrections: list[CorrectionLine] = field(default_factory=list)
    unit_code: str = ""
    #: How many of the shares claimed would be paid (``rules.claims.claim_payable``).
    payable: Decision | None = None

    @property
    def flagged(self) -> bool:
        """Recorded with an error of the preliminary check: as reported it would not be paid."""
        return any(d.severity is Severity.ERROR for d in self.findings or ())

    @property
    def actions(self) -> list[str]:
        """The lifecycle actions R2.3 allows from the claim's state."""
        return allowed_actions(self.state)

    @property
    def direct_pay_next(self) -> str | None:
        """The next R2.4 step to record: a new notice for a settled claim with no open item,
        the open item's next step, or None (claim not settled)."""
        for item in self.direct_pay:
            if item.status.outcome == "open":
                return item.status.data["next_step"]
        return "notice" if self.state == "settled" else None


def allowed_actions(state: str | None) -> list[str]:
    allowed = CLAIM_TRANSITIONS.get(state, frozenset())
    return [action for action, (target, _) in ACTIONS.items() if target in allowed]


# --- registering ---------------------------------------------------------------------------


def check_findings(report: Report) -> tuple[Decision, ...]:
    """What a registration keeps of its preliminary check: errors first, then warnings."""
    return report.errors + report.warnings


def findings_json(findings) -> str:
    """``claim_report.check_findings``: one object per decision, enough to show it again
    with its article (``findings_from_json``)."""
    return json.dumps([finding_record(d) for d in findings], ensure_ascii=False)


def finding_record(d: Decision) -> dict:
    """One finding as stored and as the CLI's ``--json`` prints it."""
    return {
        "code": d.code,
        "outcome": d.outcome,
        "severity": d.severity.value,
        "message": d.message,
        "citation": d.citation.short,
        "configurable": d.citation.configurable,
        "ruleset": d.ruleset,
    }


def findings_from_json(text: str | None) -> list[Decision] | None:
    if text is None:
        return None
    out = []
    for f in json.loads(text):
        source, _, article = f["citation"].partition(" ")
        out.append(
            Decision(
                f["outcome"],
                f["code"],
                f["message"],
                Citation(source, article, f["configurable"]),
                f["ruleset"],
                Severity(f["severity"]),
            )
        )
    return out


def member_by_id_number(id_number: str) -> int:
    """The member with this full ID number (how the command line names the insured)."""
    text = "".join(id_number.split()).upper()
    member = Member.get_or_none(Member.id_number == text)
    if member is None:
        raise ValidationFailed(
            "没有此身份证号的会员（请先用 huzhu lookup 查询）", "no member has this ID number (try huzhu lookup first)"
        )
    return member.id


def _to_rule_claim(row: ClaimRow) -> ClaimReport:
    return ClaimReport(
        unit=row.unit.code,
        member=str(row.member_id),
        diagnosis=row.diagnosis,
        plan=row.plan_id,
        shares_claimed=row.shares_claimed,
        reported_on=row.report_date,
        reporter=row.reporter,
        incident_date=row.incident_date,
        incident_kind=row.incident_kind,
        materials=frozenset(json.loads(row.materials)),
    )


@refuses_undated
def check_draft(draft: ClaimDraft, today: dt.date, *, exclude: int | None = None) -> Report:
    """What the clerk sees while filling the form (R2.1, R2.2, R2.5): the rules' preliminary
    check over the member's policies and earlier reports (but ``exclude``, the claim being
    corrected), then the channel check."""
    member = Member.get_or_none(Member.id == draft.member_id) if draft.member_id is not None else None
    claim = ClaimReport(
        unit=member.unit.code if member else None,
        member=str(member.id) if member else None,
        diagnosis=draft.diagnosis,
        plan=draft.plan,
        shares_claimed=draft.shares_claimed,
        reported_on=draft.reported_on,
        reporter=draft.reporter,
        incident_date=draft.incident_date,
        incident_kind=draft.incident_kind,
        materials=draft.materials,
    )
    policies, earlier = [], []
    if member is not None and draft.plan:
        policies = member_policies([member.id]).get(member.id, {}).get(draft.plan, [])
        earlier = [
            _to_rule_claim(row)
            for row in ClaimRow.select().where((ClaimRow.member == member.id) & (ClaimRow.plan == draft.plan))
            if row.id != exclude
        ]
    report = preliminary_check(claim, policies, earlier, today)
    on = draft.reported_on or today
    if draft.plan and ruleset_on(on).plan(draft.plan) is not None:
        report = Report((*report.decisions, check_claim_channel(draft.channel, draft.plan, on)))
    return report


@refuses_undated
def register_claim(draft: ClaimDraft, today: dt.date | None = None) -> Registered:
    """Record a claim report with what its preliminary check found.

    An entry that is incomplete or wrong (``register_blockers``: a required field missing,
    a date in the future or before the incident, an unknown plan or channel, no such
    member) is refused and nothing is written. Otherwise the report is recorded with the
    check's errors (``recorded_errors``: not covered, too many shares, all in observation —
    as reported it would not be paid) and warnings (missing materials, a possible
    duplicate, some shares in observation) in ``check_findings``; the audit event carries
    their codes. One transaction, as every write."""
    today = today or clock.today()
    with writing() as session:
        report = check_draft(draft, today)
        blockers = register_blockers(report)
        if blockers:
            raise RuleRefused(blockers)
        if draft.incident_date is None:
            # A warning while typing (rules), but the register cannot hold a report without it.
            raise ValidationFailed("请填写出险日期：登记时须据此核对保障期与观察期", "the incident date is required")
        # The report date decides the R2.1 period and the overdue clocks: an earlier one is a
        # supervisor's back-dated entry with a reason, never a clerk's silent choice.
        date_decision = check_typed_date(draft.reported_on, today, "claim_reported", draft.backdate_reason)
        member = Member.get_by_id(draft.member_id)
        row = ClaimRow.create(
            member=member,
            unit=member.unit_id,
            plan=draft.plan,
            diagnosis=draft.diagnosis.strip(),
            incident_kind=draft.incident_kind,
            incident_date=draft.incident_date,
            shares_claimed=draft.shares_claimed,
            report_date=draft.reported_on,
            reporter=draft.reporter.strip(),
            channel=draft.channel,
            materials=json.dumps(sorted(draft.materials), ensure_ascii=False),
            state="registered",
            created_by=session.user,
            check_findings=findings_json(check_findings(report)),
        )
        ClaimEventRow.create(
            claim=row,
            action="register",
            from_state=None,
            to_state="registered",
            on_date=draft.reported_on,
            by_user=session.user,
            at=clock.stamp(),
        )
        # Before the event, which seals every row this transaction wrote (models.rowseal).
        record_backdated(date_decision, "claim_report", row.id)
        audit.record(
            "claim.register",
            "claim_report",
            row.id,
            {
                "member_id": member.id,
                "plan": draft.plan,
                "incident_date": draft.incident_date,
                "report_date": draft.reported_on,
                "shares": draft.shares_claimed,
                "channel": draft.channel,
                "warnings": [d.code for d in report.warnings],
                "errors": [d.code for d in report.errors],
                **audit_detail(date_decision),
            },
        )
    return Registered(row.id, report)


# --- the lifecycle -------------------------------------------------------------------------


def last_reporter(user: str) -> str | None:
    """The reporter of the last report ``user`` registered: the new-report form starts with it,
    since a branch's reports mostly come through the same person (the unit's union officer).
    Read from the register itself, so nothing about it is kept outside the encrypted file."""
    row = (
        ClaimRow.select(ClaimRow.reporter)
        .where((ClaimRow.created_by == user) & ClaimRow.reporter.is_null(False))
        .order_by(ClaimRow.id.desc())
        .first()
    )
    return row.reporter if row is not None and row.reporter else None


def _events(claim_id: int) -> list[ClaimEvent]:
    rows = ClaimEventRow.select().where(ClaimEventRow.claim == claim_id).order_by(ClaimEventRow.id)
    return [ClaimEvent(r.to_state, r.on_date, r.by_user, reason=r.note, benefit_fen=r.amount_fen) for r in rows]


def _claim(claim_id: int) -> ClaimRow:
    row = ClaimRow.get_or_none(ClaimRow.id == claim_id)
    if row is None:
        raise ValidationFailed(f"没有编号为 {claim_id} 的报案", f"no claim {claim_id}")
    return row


@refuses_undated
def transition_claim(
    claim_id: int, action: str, on: dt.date, *, reason: str | None = None, benefit_fen: int | None = None
) -> Decision:
    """Submit, return (reason), resubmit, settle (benefit in fen) or decline (reason) a claim
    on ``on``, as the session's clerk; R2.3 decides whether the step may follow."""
    if action not in ACTIONS:
        raise ValidationFailed(f"未知的报案操作 {action!r}", f"unknown claim action {action!r}")
    state, _ = ACTIONS[action]
    reason = (reason or "").strip() or None
    with writing() as session:
        row = _claim(claim_id)
        event = ClaimEvent(state, on, session.user, reason=reason, benefit_fen=benefit_fen)
        decision = check_claim_transition(_events(claim_id), event, row.incident_date, today=clock.today())
        if not decision.ok:
            raise RuleRefused([decision])
        date_column, reason_column = _ACTION_COLUMNS[action]
        changes = {date_column: on, "state": state}
        if reason_column:
            changes[reason_column] = reason
        if action == "settle":
            changes["benefit_fen"] = benefit_fen
        ClaimRow.update(changes).where(ClaimRow.id == claim_id).execute()
        ClaimEventRow.create(
            claim=claim_id,
            action=action,
            from_state=row.state,
            to_state=state,
            on_date=on,
            amount_fen=benefit_fen if action == "settle" else None,
            note=reason,
            by_user=session.user,
            at=clock.stamp(),
        )
        audit.record(
            f"claim.{action}",
            "claim_report",
            claim_id,
            {
                "from": row.state,
                "to": state,
                "on": on,
                "amount_fen": benefit_fen if action == "settle" else None,
                "with_reason": reason is not None,
            },
        )
    return decision


# --- corrections before submission (R2.3, R9.3) --------------------------------------------


def _field_value(row: ClaimRow, name: str):
    return {
        "plan": row.plan_id,
        "diagnosis": row.diagnosis,
        "incident_kind": row.incident_kind,
        "incident_date": row.incident_date,
        "shares_claimed": row.shares_claimed,
        "reporter": row.reporter,
        "channel": row.channel,
    }[name]


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


@refuses_undated
def correct_claim(
    claim_id: int, changes: dict[str, object], reason: str | None, today: dt.date | None = None
) -> Corrected:
    """Correct a registered claim before it is submitted (R2.3): the register row takes the
    new values, a ``claim_correction`` row keeps each field's old and new value with the
    date, clerk and reason, and the audit event records them (a diagnosis only as changed,
    as every audit detail). The corrected entry is checked again as on registering: what
    would refuse a new entry refuses the correction, and the new findings are kept. After
    submission the rules refuse: the claim changes only through the office's return and
    the resubmission."""
    today = today or clock.today()
    reason = (reason or "").strip() or None
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    with writing() as session:
        row = _claim(claim_id)
        pairs = {k: (_field_value(row, k) if k in CORRECTABLE_FIELDS else None, v) for k, v in cleaned.items()}
        decision = check_claim_correction(row.state, pairs, reason, today)
        if not decision.ok:
            raise RuleRefused([decision])
        real = {k: pair for k, pair in pairs.items() if pair[0] != pair[1]}
        value = {k: real[k][1] if k in real else _field_value(row, k) for k in CORRECTABLE_FIELDS}
        draft = ClaimDraft(
            member_id=row.member_id,
            plan=value["plan"],
            diagnosis=value["diagnosis"],
            incident_kind=value["incident_kind"],
            incident_date=value["incident_date"],
            shares_claimed=value["shares_claimed"],
            reported_on=row.report_date,
            reporter=value["reporter"],
            channel=value["channel"],
            materials=frozenset(json.loads(row.materials)),
        )
        report = check_draft(draft, today, exclude=claim_id)
        blockers = register_blockers(report)
        if blockers:
            raise RuleRefused(blockers)
        stored = {k: [_plain(old), _plain(new)] for k, (old, new) in real.items()}
        text = json.dumps(stored, ensure_ascii=False, sort_keys=True)
        columns = {
            "plan": "plan",
            "diagnosis": "diagnosis",
            "incident_kind": "incident_kind",
            "incident_date": "incident_date",
            "shares_claimed": "shares_claimed",
            "reporter": "reporter",
            "channel": "channel",
        }
        ClaimRow.update(
            {columns[k]: new for k, (_, new) in real.items()}
            | {"check_findings": findings_json(check_findings(report))}
        ).where(ClaimRow.id == claim_id).execute()
        correction = ClaimCorrection.create(
            claim=claim_id, on_date=today, reason=reason, changes=text, by_user=session.user, at=clock.stamp()
        )
        audit.record(
            "claim.correct",
            "claim_report",
            claim_id,
            {
                "correction_id": correction.id,
                "on": today,
                "changes": {k: ("已更正，新旧值见报案更正记录" if k == "diagnosis" else v) for k, v in stored.items()},
                "changes_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "warnings": [d.code for d in report.warnings],
                "errors": [d.code for d in report.errors],
            },
        )
    return Corrected(claim_id, correction.id, decision, report)


def _corrections(claim_id: int) -> list[CorrectionLine]:
    rows = ClaimCorrection.select().where(ClaimCorrection.claim == claim_id).order_by(ClaimCorrection.id)
    return [CorrectionLine(r.id, r.on_date, r.by_user, r.reason, json.loads(r.changes)) for r in rows]


# --- failed direct pay (R2.4) --------------------------------------------------------------


def _done_steps(item: DirectPayFailure) -> list[DirectPayStep]:
    """The steps a failure row records, in order. The row keeps one clerk (who opened it);
    the audit chain names the clerk of each later step."""
    return [
        DirectPayStep(step, getattr(item, column), item.created_by)
        for step, column in DIRECT_PAY_COLUMNS.items()
        if getattr(item, column) is not None
    ]


@refuses_undated
def record_direct_pay_step(
    claim_id: int,
    step: str,
    on: dt.date,
    *,
    account: str | None = None,
    note: str | None = None,
    bank_name: str | None = None,
) -> Decision:
    """Record the next step of a failed direct pay: a new failure notice on a settled claim,
    or the next step of its open item (the corrected account goes with "corrected")."""
    if step not in DIRECT_PAY_STEPS:
        raise ValidationFailed(f"未知的直赔失败环节 {step!r}", f"unknown direct pay step {step!r}")
    account = "".join((account or "").split()) or None
    if step == "notice" and not (note or "").strip():
        # The reason the bank gave is what decides the next step (a closed account needs a new
        # one, a wrong name a correction): a failure without it cannot be followed up (R2.4).
        raise ValidationFailed(
            "请填写直赔失败原因（短信或银行退回通知所写的原因）", "the reason of the failure is required"
        )
    if step == "corrected" and not (account and account.isdigit()):
        raise ValidationFailed("请填写更正后的银行账号（数字）", "the corrected bank account (digits) is required")
    with writing() as session:
        row = _claim(claim_id)
        if row.state != "settled":
            raise ValidationFailed(
                f"报案 {claim_id} 尚未结案给付，没有直赔可跟进",
                f"claim {claim_id} is not settled: no direct pay to follow up",
            )
        item = (
            DirectPayFailure.select()
            .where((DirectPayFailure.claim == claim_id) & DirectPayFailure.signed_on.is_null())
            .order_by(DirectPayFailure.id)
            .first()
        )
        decision = check_direct_pay_step(_done_steps(item) if item else [], DirectPayStep(step, on, session.user))
        if not decision.ok:
            raise RuleRefused([decision])
        member_changes: list[dict] = []
        if item is None:
            item = DirectPayFailure.create(
                claim=claim_id, notice_on=on, note=(note or "").strip() or None, created_by=session.user
            )
        else:
            setattr(item, DIRECT_PAY_COLUMNS[step], on)
            if step == "corrected":
                item.corrected_account = account
                # R2.4/R3.7: the corrected account becomes the member's own, with history (masked
                # in this step's audit event).
                from models.member_edit import correct_account

                member_changes = correct_account(
                    row.member_id,
                    account,
                    bank_name=bank_name,
                    source="direct_pay",
                    reason=f"直赔失败短信（{item.notice_on}，报案 #{claim_id}）",
                    on=on,
                )
            item.save()
        audit.record(
            f"claim.direct_pay.{step}",
            "direct_pay_failure",
            item.id,
            {"claim_id": claim_id, "on": on, **({"member_changes": member_changes} if member_changes else {})},
        )
    return decision


# --- reading -------------------------------------------------------------------------------


def _events_by_claim(claim_ids: list[int]) -> dict[int, list[ClaimEvent]]:
    out: dict[int, list[ClaimEvent]] = {cid: [] for cid in claim_ids}
    for start in range(0, len(claim_ids), 500):
        chunk = claim_ids[start : start + 500]
        rows = (
            ClaimEventRow.select().where(ClaimEventRow.claim.in_(chunk)).order_by(ClaimEventRow.claim, ClaimEventRow.id)
        )
        for r in rows:
            out[r.claim_id].append(
                ClaimEvent(r.to_state, r.on_date, r.by_user, reason=r.note, benefit_fen=r.amount_fen)
            )
    return out


def claim_register(filters: ClaimFilter, today: dt.date, limit: int = REGISTER_LIMIT) -> RegisterPage:
    """The register, newest report first. Overdue is decided by ``rules.claim_overdue`` on
    each waiting claim's events (only registered and returned claims can be overdue)."""
    query = (
        ClaimRow.select(ClaimRow, Member.name, Member.id, Unit.name, Unit.code)
        .join(Member, on=(ClaimRow.member == Member.id))
        .switch(ClaimRow)
        .join(Unit, on=(ClaimRow.unit == Unit.id))
    )
    if filters.state:
        query = query.where(ClaimRow.state == filters.state)
    if filters.unit:
        text = filters.unit.strip()
        query = query.where((Unit.code == text) | Unit.name.contains(text))
    if filters.plan:
        query = query.where(ClaimRow.plan == filters.plan)
    if filters.member and filters.member.strip():
        query = query.where(_member_matches(filters.member))
    if filters.date_from:
        query = query.where(ClaimRow.report_date >= filters.date_from)
    if filters.date_to:
        query = query.where(ClaimRow.report_date <= filters.date_to)
    if filters.overdue_only:
        query = query.where(ClaimRow.state.in_(("registered", "returned")))
    open_pay = {
        r.claim_id for r in DirectPayFailure.select(DirectPayFailure.claim).where(DirectPayFailure.signed_on.is_null())
    }
    if filters.direct_pay_open:
        query = query.where(ClaimRow.id.in_(list(open_pay)))
    query = query.order_by(ClaimRow.report_date.desc(), ClaimRow.id.desc())
    if not filters.overdue_only:
        query = query.limit(limit + 1)
    claims = list(query)
    waiting = _events_by_claim([c.id for c in claims if c.state in ("registered", "returned")])
    policies = member_policies(sorted({c.member_id for c in claims[: limit + 1]}))
    rows = []
    for c in claims:
        overdue = claim_overdue(waiting[c.id], today) if c.id in waiting else None
        if filters.overdue_only and (overdue is None or overdue.outcome != "overdue"):
            continue
        rows.append(
            RegisterRow(
                c.id,
                c.report_date,
                c.unit.name,
                c.member.name,
                c.plan_id,
                c.diagnosis,
                c.shares_claimed,
                c.state,
                overdue,
                c.id in open_pay,
                _flagged(c.check_findings),
                c.unit.code,
                _payable(c, policies.get(c.member_id, {}).get(c.plan_id, [])),
            )
        )
    return RegisterPage(rows[:limit], len(rows) > limit)


def _member_matches(text: str):
    """The register's member filter as a query condition: a full ID number or its last digits
    (by the reversed-ID index, as the lookup), pinyin initials, or part of a name."""
    kind, q = classify_query(text)
    if kind == "id":
        return Member.id_rev == q[::-1]
    if kind == "id_suffix":
        return Member.id_rev.startswith(q[::-1])
    if kind == "initials":
        return Member.initials.startswith(q)
    return Member.name.contains(q)


def _payable(claim: ClaimRow, policies: list) -> Decision | None:
    try:
        return claim_payable(claim.shares_claimed, policies, claim.plan_id, claim.incident_date, claim.incident_kind)
    except ValueError:  # a plan without figures on the incident date, or an unknown incident kind
        return None


def stored_errors(check_findings: str | None) -> list[dict]:
    """The errors among ``claim_report.check_findings`` (as ``finding_record`` wrote them): what
    flags a report ✗初审. Empty for a clean check, or for reports from before migration 0007."""
    return [f for f in json.loads(check_findings or "[]") if f["severity"] == Severity.ERROR.value]


def _flagged(check_findings: str | None) -> bool:
    return bool(stored_errors(check_findings))


def claim_detail(claim_id: int, today: dt.date) -> ClaimDetail:
    """One claim with its history, overdue status and failed-direct-pay items."""
    row = _claim(claim_id)
    member = row.member
    detail = ClaimDetail(
        id=row.id,
        member_id=member.id,
        member_name=member.name,
        id_masked=mask_id(member.id_number),
        unit_name=row.unit.name,
        plan=row.plan_id,
        diagnosis=row.diagnosis,
        incident_kind=row.incident_kind,
        incident_date=row.incident_date,
        shares_claimed=row.shares_claimed,
        report_date=row.report_date,
        reporter=row.reporter,
        channel=row.channel,
        materials=json.loads(row.materials),
        state=row.state,
        findings=findings_from_json(row.check_findings),
        unit_code=row.unit.code,
        payable=_payable(row, member_policies([member.id]).get(member.id, {}).get(row.plan_id, [])),
    )
    events = _events(claim_id)
    detail.events = [EventLine(e.state, e.on, e.clerk, e.reason, e.benefit_fen) for e in events]
    detail.corrections = _corrections(claim_id)
    if row.state in ("registered", "returned"):
        detail.overdue = claim_overdue(events, today)
    for item in DirectPayFailure.select().where(DirectPayFailure.claim == claim_id).order_by(DirectPayFailure.id):
        done = _done_steps(item)
        detail.direct_pay.append(
            DirectPayItem(
                item.id,
                [(s.step, s.on) for s in done],
                mask_account(item.corrected_account) if item.corrected_account else None,
                item.note,
                direct_pay_status(done, today),
            )
        )
    return detail
