"""Welfare disbursements (互助互济支出, docs/rules.md R3): entry, approval, payment, the signed
receipt and the register of a period.

The decisions are ``rules.disbursements``'s: caps with the member's payments this calendar
year, payment method, budget line remainder, who may approve, the order of the steps. This
module gathers that plain data, writes what the rules allow (one transaction, one audit
event each) and raises ``RuleRefused`` with the article otherwise. Transfers go to the
member's own account on file, so "own account" is a fact read here, not something typed.

Seasonal goods and activity awards are one entry each with a recipient list
(``disbursement_recipient``), checked as a whole (R3.8, R3.9). A wrong entry is voided by a
supervisor with a reason (R9.3): the row stays, marked cancelled, and no longer counts
against caps or budget.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from peewee import JOIN, fn

from models import audit, clock
from models.backdating import audit_detail, check_typed_date, record_backdated
from models.budget import committed, line_figures
from models.db import writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.schema import AppUser, ClaimReport, DisbursementRecipient, Member, Unit
from models.schema import BudgetLine as BudgetLineRow
from models.schema import Disbursement as DisbursementRow
from rules import (
    BudgetLine,
    Decision,
    Disbursement,
    DisbursementEvent,
    PriorPayment,
    Report,
    check_budget,
    check_disbursement,
    check_disbursement_transition,
    check_payment_method,
    format_fen,
    mask_account,
    remaining_allowance,
    ruleset_on,
)
from rules.disbursements import (
    BATCH_CATEGORIES,
    CATEGORIES,
    DISBURSEMENT_STATES,
    GoodsShare,
    Recipient,
    check_approvers,
    check_void,
)
from rules.roles import SUPERVISOR_ROLE

#: The database's state names, by the rules' state names (the table says "signed").
STATE_COLUMN = {"entered": "entered", "approved": "approved", "paid": "paid", "receipt_signed": "signed"}
#: Register states and their Chinese names, in lifecycle order; "cancelled" is a void (R9.3).
STATE_NAMES = {STATE_COLUMN[s]: name for s, name in DISBURSEMENT_STATES.items()} | {"cancelled": "作废"}
RELATIONS = {"self": "本人", "spouse": "配偶", "child": "子女"}
#: How many register rows one query returns; the total covers all of them.
REGISTER_LIMIT = 1000


@dataclass(frozen=True)
class DisbursementDraft:
    """A disbursement as typed. ``beneficiary`` defaults to the member; for education aid it
    is the student (the yearly cap counts per student, 003 第四条2)."""

    member_id: int | None = None
    category: str | None = None
    on: dt.date | None = None
    amount_fen: int | None = None
    method: str = "transfer"
    note: str = ""
    beneficiary: str | None = None
    relation: str = "self"
    cash_reason: str | None = None
    student_kind: str | None = None
    scheme_ref: str | None = None
    budget_line_id: int | None = None
    #: Why a supervisor enters a date before today (rules.check_entry_date).
    backdate_reason: str | None = None
    #: Cash: the on-site visit's place (R3.2).
    visit_place: str | None = None
    #: The event paid for (R3.11): a linked claim of the member, the event date, the cause.
    claim_id: int | None = None
    event_date: dt.date | None = None
    cause: str | None = None
    #: Why the payment exceeds the standards hierarchy, when it does (R3.1).
    hierarchy_reason: str | None = None
    #: A batch (seasonal goods) or an activity: (member id, amount in fen, role) per line;
    #: the entry's amount is their total.
    recipients: tuple[tuple[int, int, str], ...] = ()
    #: An activity's participant count (R3.9).
    participants: int | None = None
    #: The list as typed on a form (``身份证号:金额`` items) with its role, resolved into
    #: ``recipients`` by the service, in its worker thread.
    recipient_items: tuple[str, ...] = ()
    recipient_role: str = "recipient"

    @property
    def batch(self) -> bool:
        return self.category in BATCH_CATEGORIES


@dataclass(frozen=True)
class Preview:
    """What the form shows while typing: the member's remaining allowance in the category
    this year (and the per-occasion cap), the payment-method rule, the budget line's
    remainder, and, once the draft is complete, the full check."""

    allowance: Decision | None
    method_rule: str
    budget: Decision | None
    report: Report | None
    account_masked: str | None


@dataclass(frozen=True)
class Entered:
    disbursement_id: int
    report: Report


@dataclass(frozen=True)
class BudgetChoice:
    id: int
    code: str
    name: str
    approved_fen: int
    committed_fen: int

    @property
    def available_fen(self) -> int:
        """可用余额(含待付) (``models.budget.LineFigures.available_fen``)."""
        return self.approved_fen - self.committed_fen


@dataclass(frozen=True)
class RegisterRow:
    id: int
    on: dt.date
    member_name: str
    beneficiary: str
    relation: str
    unit_name: str
    category: str
    amount_fen: int
    method: str
    account_masked: str | None
    reason: str
    state: str
    entered_by: str
    approved_by: str | None
    paid_on: dt.date | None
    signed_on: dt.date | None
    transfer_ref: str | None
    receipt_no: str | None
    voided_on: dt.date | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    visit_place: str | None = None
    participants: int | None = None
    recipients: int = 0

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


@dataclass(frozen=True)
class RecipientLine:
    member_id: int | None
    name: str
    id_masked: str
    amount_fen: int
    role: str


@dataclass(frozen=True)
class RegisterPage:
    rows: list[RegisterRow]
    total_fen: int
    count: int
    truncated: bool


# --- plain data for the rules --------------------------------------------------------------


def _student(draft: DisbursementDraft) -> str | None:
    if draft.category != "education_aid":
        return None
    return (draft.beneficiary or "").strip() or None


def _event_key(claim_id: int | None, event_date: dt.date | None) -> str | None:
    """One member's event for R3.1: the linked claim, else the event date."""
    if claim_id is not None:
        return f"claim:{claim_id}"
    return f"date:{event_date.isoformat()}" if event_date else None


def _history(member_id: int, year: int, exclude: int | None = None) -> list[PriorPayment]:
    """The member's payments of the calendar year, in any state but cancelled (a void no
    longer counts)."""
    rows = DisbursementRow.select().where(
        (DisbursementRow.member == member_id)
        & (DisbursementRow.state != "cancelled")
        & (DisbursementRow.on_date >= dt.date(year, 1, 1))
        & (DisbursementRow.on_date <= dt.date(year, 12, 31))
    )
    return [
        PriorPayment(
            r.category,
            r.on_date,
            r.amount_fen,
            r.beneficiary_name if r.category == "education_aid" else None,
            r.method,
            _event_key(r.claim_id, r.event_date),
        )
        for r in rows
        if r.id != exclude
    ]


def _year_goods(year: int) -> list[GoodsShare]:
    """What each recipient got in the year's seasonal-goods distributions, voids left out (R3.8)."""
    rows = (
        DisbursementRecipient.select(DisbursementRecipient, DisbursementRow.on_date)
        .join(DisbursementRow)
        .where(
            (DisbursementRow.category == "weather_goods")
            & (DisbursementRow.state != "cancelled")
            & (DisbursementRow.on_date >= dt.date(year, 1, 1))
            & (DisbursementRow.on_date <= dt.date(year, 12, 31))
        )
    )
    return [GoodsShare(str(r.member_id), r.disbursement.on_date, r.amount_fen) for r in rows]


def _recipients(draft: DisbursementDraft) -> tuple[Recipient, ...]:
    """The draft's list as the rules take it; a seasonal-goods entry for one member without a
    list is a distribution to that member alone."""
    lines = draft.recipients
    if not lines and draft.category == "weather_goods" and draft.member_id is not None and draft.amount_fen:
        lines = ((draft.member_id, draft.amount_fen, "recipient"),)
    names = (
        {m.id: m.name for m in Member.select(Member.id, Member.name).where(Member.id.in_([line[0] for line in lines]))}
        if lines
        else {}
    )
    return tuple(
        Recipient(str(member_id), names.get(member_id, str(member_id)), amount, role)
        for member_id, amount, role in lines
    )


def _amount(draft: DisbursementDraft) -> int | None:
    """A batch's amount is its list's total; otherwise the amount typed."""
    if draft.batch and draft.recipients:
        return sum(amount for _, amount, _ in draft.recipients)
    return draft.amount_fen


def _claim_benefit(draft: DisbursementDraft, member: Member | None) -> int | None:
    """The benefit settled on the linked claim (R3.1 (a)); the claim must be this member's."""
    if draft.claim_id is None:
        return None
    claim = ClaimReport.get_or_none(ClaimReport.id == draft.claim_id)
    if claim is None or member is None or claim.member_id != member.id:
        raise ValidationFailed(
            f"关联报案 {draft.claim_id} 不存在或不是该会员的报案",
            f"claim {draft.claim_id} does not exist or is not this member's",
        )
    return claim.benefit_fen if claim.state == "settled" else None


def _supervisors() -> list[str]:
    return [u.name for u in AppUser.select(AppUser.name).where((AppUser.role == SUPERVISOR_ROLE) & AppUser.active)]


def _budget(line_id: int | None) -> BudgetLine | None:
    """The approved budget line (``budget_line`` holds only approved versions' amounts,
    models.budget) with what it already carries and its year, so the rule can refuse a
    payment charged to another year's budget."""
    if line_id is None:
        return None
    row = BudgetLineRow.get_or_none(BudgetLineRow.id == line_id)
    if row is None:
        return None
    return BudgetLine(f"{row.year}年{row.name}", row.amount_fen, committed([line_id])[line_id], row.year)


def _rule_draft(draft: DisbursementDraft, member: Member | None) -> Disbursement:
    return Disbursement(
        category=draft.category,
        member=str(member.id) if member else "",
        on=draft.on,
        amount_fen=_amount(draft),
        note=draft.note or "",
        method=draft.method,
        to_own_account=draft.method == "transfer" and member is not None and bool((member.bank_account or "").strip()),
        cash_reason=draft.cash_reason,
        student=_student(draft),
        student_kind=draft.student_kind,
        scheme_ref=draft.scheme_ref,
        visit_place=draft.visit_place,
        event=_event_key(draft.claim_id, draft.event_date),
        claim_benefit_fen=_claim_benefit(draft, member),
        hierarchy_reason=draft.hierarchy_reason,
        recipients=_recipients(draft),
        participants=draft.participants,
    )


def _check(draft: DisbursementDraft, member: Member | None, user: str) -> Report:
    """The full check of a complete draft: the rules' ``check_disbursement`` with the member's
    year, the year's seasonal goods and the budget line, then who could approve it (R3.5)."""
    history = _history(member.id, draft.on.year) if member is not None else []
    report = check_disbursement(
        _rule_draft(draft, member),
        history,
        _budget(draft.budget_line_id),
        year_goods=_year_goods(draft.on.year) if draft.category == "weather_goods" else (),
    )
    return Report((*report.decisions, check_approvers(user, _supervisors(), draft.on)))


def budget_lines(year: int) -> list[BudgetChoice]:
    """The year's approved budget lines with what they already carry (for the form's choice)."""
    rows = list(BudgetLineRow.select().where(BudgetLineRow.year == year).order_by(BudgetLineRow.code))
    figures = line_figures([row.id for row in rows])
    return [
        BudgetChoice(row.id, row.code, row.name, figures[row.id].approved_fen, figures[row.id].committed_fen)
        for row in rows
    ]


def _resolved(draft: DisbursementDraft) -> DisbursementDraft:
    """A form's typed list as member ids (a bad item is refused with its position)."""
    if not draft.recipient_items:
        return draft
    return replace(
        draft,
        recipients=draft.recipients + parse_recipients(list(draft.recipient_items), draft.recipient_role),
        recipient_items=(),
    )


@refuses_undated
def preview(draft: DisbursementDraft) -> Preview:
    """The live figures for the form; every part is the rules' own decision."""
    draft = _resolved(draft)
    member = Member.get_or_none(Member.id == draft.member_id) if draft.member_id is not None else None
    on = draft.on or clock.today()
    allowance = None
    if (member is not None or draft.batch) and draft.category in CATEGORIES:
        allowance = remaining_allowance(
            draft.category, _history(member.id, on.year) if member else [], on, student=_student(draft)
        )
    budget = _budget(draft.budget_line_id)
    budget_decision = check_budget(budget, draft.amount_fen or 0, on) if draft.budget_line_id is not None else None
    complete = (member is not None or draft.batch) and draft.category in CATEGORIES and draft.on and _amount(draft)
    if complete:
        from models.db import current

        rule_draft = _rule_draft(draft, member)
        method_rule = check_payment_method(rule_draft, history=_history(member.id, on.year) if member else ()).message
        report = _check(draft, member, current().user)
    else:
        limit = ruleset_on(on)["cash_payment_max_fen"]
        method_rule = f"一律转账至会员本人账户；现场现金仅限 {format_fen(limit)} 以内，须写明理由并由会员签收"
        report = None
    account = mask_account(member.bank_account) if member is not None and member.bank_account else None
    return Preview(allowance, method_rule, budget_decision, report, account)


# --- writing -------------------------------------------------------------------------------


@refuses_undated
def enter_disbursement(draft: DisbursementDraft, today: dt.date | None = None) -> Entered:
    """Record a disbursement once ``check_disbursement`` has no error (over a cap, over the
    budget line, cash over the limit … are refused with their article). Its date decides
    the year's caps and budget, so it obeys ``rules.check_entry_date`` (back-dated: a
    supervisor with ``draft.backdate_reason``)."""
    today = today or clock.today()
    draft = _resolved(draft)
    with writing() as session:
        member = Member.get_or_none(Member.id == draft.member_id) if draft.member_id is not None else None
        batch = draft.category in BATCH_CATEGORIES
        if batch and not draft.recipients and member is not None and draft.category == "weather_goods":
            batch = False  # one member's seasonal goods: a distribution of one, listed below
        missing = [
            name
            for name, value in (
                ("受益会员", member if not batch else True),
                ("支出类别", draft.category),
                ("日期", draft.on),
                ("金额", _amount(draft)),
                ("预算科目", draft.budget_line_id),
            )
            if value is None
        ]
        if missing:
            raise ValidationFailed(f"请填写：{'、'.join(missing)}", f"missing: {len(missing)} fields")
        if draft.event_date is not None and draft.event_date > draft.on:
            raise ValidationFailed(
                f"事件日期 {draft.event_date.isoformat()} 晚于支出日期 {draft.on.isoformat()}",
                "the event date is after the payment date",
            )
        report = _check(draft, member, session.user)
        if report.errors:
            raise RuleRefused(report.errors)
        date_decision = check_typed_date(draft.on, today, "disbursement", draft.backdate_reason)
        recipients = _recipients(draft)
        amount = _amount(draft)
        if draft.category in BATCH_CATEGORIES and (draft.recipients or member is None):
            # A list: the entry belongs to no one member; each line names its member.
            member = None
            beneficiary = (draft.beneficiary or "").strip() or f"{len(recipients)}人（见名单）"
        else:
            beneficiary = (draft.beneficiary or "").strip() or member.name
        row = DisbursementRow.create(
            on_date=draft.on,
            member=member,
            beneficiary_name=beneficiary,
            relation=draft.relation,
            unit=member.unit_id if member else None,
            category=draft.category,
            reason=draft.note.strip(),
            amount_fen=amount,
            method=draft.method,
            account=member.bank_account if draft.method == "transfer" and member else None,
            cash_reason=((draft.cash_reason or "").strip() or None) if draft.method == "cash" else None,
            visit_place=((draft.visit_place or "").strip() or None) if draft.method == "cash" else None,
            scheme_ref=(draft.scheme_ref or "").strip() or None,
            budget_line=draft.budget_line_id,
            participants=draft.participants if draft.category == "activity_prize" else None,
            claim_id=draft.claim_id,
            event_date=draft.event_date,
            cause=(draft.cause or "").strip() or None,
            hierarchy_reason=(draft.hierarchy_reason or "").strip() or None,
            state="entered",
            entered_by=session.user,
        )
        for r in recipients if draft.category in BATCH_CATEGORIES else ():
            DisbursementRecipient.create(
                disbursement=row, member=int(r.member), name=r.name, amount_fen=r.amount_fen, role=r.role
            )
        # Before the event, which seals every row this transaction wrote (models.rowseal).
        record_backdated(date_decision, "disbursement", row.id)
        audit.record(
            "disbursement.enter",
            "disbursement",
            row.id,
            {
                "member_id": member.id if member else None,
                "category": draft.category,
                "amount_fen": amount,
                "method": draft.method,
                "on": draft.on,
                "budget_line": draft.budget_line_id,
                "recipients": len(recipients) if draft.category in BATCH_CATEGORIES else None,
                "participants": draft.participants,
                "claim_id": draft.claim_id,
                "warnings": [d.code for d in report.warnings],
                **audit_detail(date_decision),
            },
        )
    return Entered(row.id, report)


def _events(row: DisbursementRow) -> list[DisbursementEvent]:
    """The steps a row records. Only the entering and approving clerks are stored per row;
    the audit chain names the clerk of every step."""
    events = [DisbursementEvent("entered", row.on_date, row.entered_by)]
    if row.approved_on:
        events.append(DisbursementEvent("approved", row.approved_on, row.approved_by or ""))
    if row.paid_on:
        events.append(
            DisbursementEvent(
                "paid",
                row.paid_on,
                row.paid_by or row.entered_by,
                method=row.method,
                transfer_ref=row.transfer_ref,
                cash_receipt_signed=row.method == "cash",
            )
        )
    if row.signed_on:
        events.append(DisbursementEvent("receipt_signed", row.signed_on, row.entered_by))
    return events


@refuses_undated
def _advance(disbursement_id: int, event_for, changes_for) -> Decision:
    with writing() as session:
        row = DisbursementRow.get_or_none(DisbursementRow.id == disbursement_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {disbursement_id} 的支出", f"no disbursement {disbursement_id}")
        if row.state == "cancelled":
            raise ValidationFailed(
                f"支出 {disbursement_id} 已作废，不能再办理", f"disbursement {disbursement_id} is cancelled"
            )
        event = event_for(session, row)
        decision = check_disbursement_transition(_events(row), event, today=clock.today())
        if not decision.ok:
            raise RuleRefused([decision])
        changes = {"state": STATE_COLUMN[event.state], **changes_for(session, row)}
        DisbursementRow.update(changes).where(DisbursementRow.id == disbursement_id).execute()
        audit.record(
            f"disbursement.{event.state}",
            "disbursement",
            disbursement_id,
            {
                "from": row.state,
                "to": changes["state"],
                "on": event.on,
                "amount_fen": row.amount_fen,
                **({"decision_id": changes["decision_id"]} if changes.get("decision_id") else {}),
            },
        )
    return decision


def approve_disbursement(disbursement_id: int, on: dt.date, *, decision_id: int | None = None) -> Decision:
    """Approve as the session's user: a supervisor other than the clerk who entered it (R3.5);
    above the large-amount threshold, only with the collective decision ``decision_id`` (R11.5)."""
    from models.mgmt_fee import check_large_payment

    def changes(s, row):
        collective = check_large_payment(row.amount_fen, decision_id, on)
        linked = decision_id if collective.code == "R11.5.decided" else None
        return {"approved_by": s.user, "approved_on": on, "decision_id": linked}

    return _advance(disbursement_id, lambda s, row: DisbursementEvent("approved", on, s.user, role=s.role), changes)


def pay_disbursement(
    disbursement_id: int,
    on: dt.date,
    *,
    transfer_ref: str | None = None,
    receipt_no: str | None = None,
    cash_receipt_signed: bool = False,
) -> Decision:
    """Record the payment: a transfer with its bank reference, cash with the member's
    signature taken on the spot, goods handed over in kind."""
    from rules.mgmt_fee import check_payer

    ref = (transfer_ref or "").strip() or None
    receipt = (receipt_no or "").strip() or None

    def changes(s, row):
        # The one who entered the payment does not pay it; an accountant is not the cashier (000 第十九条2).
        separation = check_payer(row.entered_by, s.user, s.role, on)
        if not separation.ok:
            raise RuleRefused([separation])
        return {
            "paid_on": on,
            "paid_by": s.user,
            "transfer_ref": ref if row.method == "transfer" else None,
            "receipt_no": receipt or row.receipt_no,
        }

    return _advance(
        disbursement_id,
        lambda s, row: DisbursementEvent(
            "paid", on, s.user, method=row.method, transfer_ref=ref, cash_receipt_signed=cash_receipt_signed
        ),
        changes,
    )


def sign_receipt(disbursement_id: int, on: dt.date, *, receipt_no: str | None = None) -> Decision:
    """The beneficiary's signed receipt (附件2) is back: the payment is complete."""
    receipt = (receipt_no or "").strip() or None
    return _advance(
        disbursement_id,
        lambda s, row: DisbursementEvent("receipt_signed", on, s.user),
        lambda s, row: {"signed_on": on, "receipt_no": receipt or row.receipt_no},
    )


@refuses_undated
def void_disbursement(disbursement_id: int, reason: str | None, on: dt.date | None = None) -> Decision:
    """Void a wrong disbursement (R9.3), as a supervisor, with a reason: the row stays with
    state "cancelled", who voided it, when and why, and stops counting against the member's
    caps, the year's seasonal-goods averages and the budget line. Nothing is deleted."""
    today = clock.today()
    on = on or today
    with writing() as session:
        session.require_role(SUPERVISOR_ROLE)
        row = DisbursementRow.get_or_none(DisbursementRow.id == disbursement_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {disbursement_id} 的支出", f"no disbursement {disbursement_id}")
        last_on = max((d for d in (row.on_date, row.approved_on, row.paid_on, row.signed_on) if d), default=None)
        decision = check_void(row.state, reason, on, last_on, today)
        if not decision.ok:
            raise RuleRefused([decision])
        reason = reason.strip()
        DisbursementRow.update(state="cancelled", voided_on=on, voided_by=session.user, void_reason=reason).where(
            DisbursementRow.id == disbursement_id
        ).execute()
        audit.record(
            "disbursement.void",
            "disbursement",
            disbursement_id,
            {
                "on": on,
                "amount_fen": row.amount_fen,
                "category": row.category,
                "changes": {
                    "state": [row.state, "cancelled"],
                    "voided_on": [None, on],
                    "voided_by": [None, session.user],
                    "void_reason": [None, reason],
                },
            },
        )
    return decision


def recipients_of(disbursement_id: int) -> list[RecipientLine]:
    """A batch's or an activity's list, masked IDs (for the screen, the CLI and the register)."""
    from rules import mask_id

    rows = list(
        DisbursementRecipient.select()
        .where(DisbursementRecipient.disbursement == disbursement_id)
        .order_by(DisbursementRecipient.id)
    )
    ids = (
        {
            m.id: m.id_number
            for m in Member.select(Member.id, Member.id_number).where(
                Member.id.in_([r.member_id for r in rows if r.member_id is not None])
            )
        }
        if rows
        else {}
    )
    return [
        RecipientLine(
            r.member_id, r.name, mask_id(ids[r.member_id]) if r.member_id in ids else "", r.amount_fen, r.role
        )
        for r in rows
    ]


# --- the register --------------------------------------------------------------------------


def disbursement_register(
    date_from: dt.date,
    date_to: dt.date,
    *,
    state: str | None = None,
    category: str | None = None,
    limit: int = REGISTER_LIMIT,
) -> RegisterPage:
    """The register (附件1) of a period, oldest first, with the period's total."""
    query = (
        DisbursementRow.select(DisbursementRow, Member.name, Unit.name)
        .join(Member, JOIN.LEFT_OUTER, on=(DisbursementRow.member == Member.id))
        .switch(DisbursementRow)
        .join(Unit, JOIN.LEFT_OUTER, on=(DisbursementRow.unit == Unit.id))
        .where((DisbursementRow.on_date >= date_from) & (DisbursementRow.on_date <= date_to))
    )
    if state:
        query = query.where(DisbursementRow.state == state)
    if category:
        query = query.where(DisbursementRow.category == category)
    total_query = query.select(fn.COUNT(DisbursementRow.id), fn.COALESCE(fn.SUM(DisbursementRow.amount_fen), 0))
    count, total = total_query.where(DisbursementRow.state != "cancelled").tuples().get()
    found = list(query.order_by(DisbursementRow.on_date, DisbursementRow.id).limit(limit + 1))
    counts = (
        dict(
            DisbursementRecipient.select(DisbursementRecipient.disbursement, fn.COUNT(DisbursementRecipient.id))
            .where(DisbursementRecipient.disbursement.in_([r.id for r in found]))
            .group_by(DisbursementRecipient.disbursement)
            .tuples()
        )
        if found
        else {}
    )
    rows = [
        RegisterRow(
            # The joined names: None for a batch (no member, no unit).
            r.id,
            r.on_date,
            getattr(r.member, "name", None) or r.beneficiary_name,
            r.beneficiary_name,
            r.relation,
            getattr(r.unit, "name", None) or "",
            r.category,
            r.amount_fen,
            r.method,
            mask_account(r.account) if r.account else None,
            r.reason,
            r.state,
            r.entered_by,
            r.approved_by,
            r.paid_on,
            r.signed_on,
            r.transfer_ref,
            r.receipt_no,
            r.voided_on,
            r.voided_by,
            r.void_reason,
            r.visit_place,
            r.participants,
            counts.get(r.id, 0),
        )
        for r in found
    ]
    return RegisterPage(rows[:limit], total, count, len(rows) > limit)


# --- recipient lists as typed ----------------------------------------------------------------


def parse_recipients(items: list[str], role: str = "recipient") -> tuple[tuple[int, int, str], ...]:
    """Recipient lines typed as ``身份证号:金额`` (also ``身份证号 金额``, full-width colon), one
    item each, into (member id, fen, role). A bad item is refused with its position, what
    it says and why; nothing is guessed."""
    import re

    from models.claims import member_by_id_number
    from models.money import parse_yuan

    out = []
    for n, item in enumerate(items, start=1):
        text = item.strip()
        parts = [p for p in re.split(r"[:：\s]+", text) if p]
        if len(parts) != 2:
            raise ValidationFailed(
                f"名单第 {n} 项“{text[:6]}…”应写成 身份证号:金额", f"list item {n} should read ID_NUMBER:YUAN"
            )
        try:
            member_id = member_by_id_number(parts[0])
            amount = parse_yuan(parts[1])
        except ValidationFailed as bad:
            raise ValidationFailed(f"名单第 {n} 项：{bad.message_zh}", f"list item {n}: {bad.message_en}") from None
        out.append((member_id, amount, role))
    return tuple(out)


def split_list(text: str) -> list[str]:
    """A list typed on one line (a form field): items separated by ；, ; or new lines."""
    import re

    return [p for p in re.split(r"[；;\n]+", text or "") if p.strip()]
