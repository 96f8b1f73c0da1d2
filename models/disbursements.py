"""Welfare disbursements (互助互济支出, DOMAIN §3): entry, approval, payment, the signed
receipt and the register of a period.

The decisions are ``rules.disbursements``'s: caps with the member's payments this calendar
year, payment method, budget line remainder, who may approve, the order of the steps. This
module gathers that plain data, writes what the rules allow (one transaction, one audit
event each) and raises ``RuleRefused`` with the article otherwise. Transfers go to the
member's own account on file, so "own account" is a fact read here, not something typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import fn

from models import audit, clock
from models.backdating import audit_detail, check_typed_date, record_backdated
from models.budget import committed
from models.db import writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.schema import BudgetLine as BudgetLineRow
from models.schema import Disbursement as DisbursementRow
from models.schema import Member, Unit
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
from rules.disbursements import CATEGORIES, DISBURSEMENT_STATES

#: The database's state names, by the rules' state names (the table says "signed").
STATE_COLUMN = {"entered": "entered", "approved": "approved", "paid": "paid", "receipt_signed": "signed"}
#: Register states and their Chinese names, in lifecycle order (cancelled rows come from
#: the office or older data; nothing here cancels).
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

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


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


def _history(member_id: int, year: int, exclude: int | None = None) -> list[PriorPayment]:
    """The member's payments of the calendar year, in any state but cancelled."""
    rows = DisbursementRow.select().where(
        (DisbursementRow.member == member_id) & (DisbursementRow.state != "cancelled")
        & (DisbursementRow.on_date >= dt.date(year, 1, 1)) & (DisbursementRow.on_date <= dt.date(year, 12, 31)))
    return [PriorPayment(r.category, r.on_date, r.amount_fen,
                         r.beneficiary_name if r.category == "education_aid" else None)
            for r in rows if r.id != exclude]


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


def _rule_draft(draft: DisbursementDraft, member: Member) -> Disbursement:
    return Disbursement(
        category=draft.category, member=str(member.id), on=draft.on, amount_fen=draft.amount_fen,
        note=draft.note or "", method=draft.method,
        to_own_account=draft.method == "transfer" and bool((member.bank_account or "").strip()),
        cash_reason=draft.cash_reason, student=_student(draft), student_kind=draft.student_kind,
        scheme_ref=draft.scheme_ref)


def budget_lines(year: int) -> list[BudgetChoice]:
    """The year's approved budget lines with what they already carry (for the form's choice)."""
    out = []
    for row in BudgetLineRow.select().where(BudgetLineRow.year == year).order_by(BudgetLineRow.code):
        line = _budget(row.id)
        out.append(BudgetChoice(row.id, row.code, row.name, line.approved_fen, line.committed_fen))
    return out


@refuses_undated
def preview(draft: DisbursementDraft) -> Preview:
    """The live figures for the form; every part is the rules' own decision."""
    member = Member.get_or_none(Member.id == draft.member_id) if draft.member_id is not None else None
    on = draft.on or clock.today()
    allowance = None
    if member is not None and draft.category in CATEGORIES:
        allowance = remaining_allowance(draft.category, _history(member.id, on.year), on,
                                        student=_student(draft))
    budget = _budget(draft.budget_line_id)
    budget_decision = check_budget(budget, draft.amount_fen or 0, on) if draft.budget_line_id is not None else None
    complete = member is not None and draft.category in CATEGORIES and draft.on and draft.amount_fen
    if complete:
        rule_draft = _rule_draft(draft, member)
        method_rule = check_payment_method(rule_draft).message
        report = check_disbursement(rule_draft, _history(member.id, on.year), budget)
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
    with writing() as session:
        member = Member.get_or_none(Member.id == draft.member_id) if draft.member_id is not None else None
        missing = [name for name, value in (("受益会员", member), ("支出类别", draft.category), ("日期", draft.on),
                                            ("金额", draft.amount_fen), ("预算科目", draft.budget_line_id))
                   if value is None]
        if missing:
            raise ValidationFailed(f"请填写：{'、'.join(missing)}", f"missing: {len(missing)} fields")
        report = check_disbursement(_rule_draft(draft, member), _history(member.id, draft.on.year),
                                    _budget(draft.budget_line_id))
        if report.errors:
            raise RuleRefused(report.errors)
        date_decision = check_typed_date(draft.on, today, "disbursement", draft.backdate_reason)
        row = DisbursementRow.create(
            on_date=draft.on, member=member, beneficiary_name=(draft.beneficiary or "").strip() or member.name,
            relation=draft.relation, unit=member.unit_id, category=draft.category, reason=draft.note.strip(),
            amount_fen=draft.amount_fen, method=draft.method,
            account=member.bank_account if draft.method == "transfer" else None,
            cash_reason=((draft.cash_reason or "").strip() or None) if draft.method == "cash" else None,
            scheme_ref=(draft.scheme_ref or "").strip() or None, budget_line=draft.budget_line_id,
            state="entered", entered_by=session.user)
        audit.record("disbursement.enter", "disbursement", row.id, {
            "member_id": member.id, "category": draft.category, "amount_fen": draft.amount_fen,
            "method": draft.method, "on": draft.on, "budget_line": draft.budget_line_id,
            "warnings": [d.code for d in report.warnings], **audit_detail(date_decision)})
        record_backdated(date_decision, "disbursement", row.id)
    return Entered(row.id, report)


def _events(row: DisbursementRow) -> list[DisbursementEvent]:
    """The steps a row records. Only the entering and approving clerks are stored per row;
    the audit chain names the clerk of every step."""
    events = [DisbursementEvent("entered", row.on_date, row.entered_by)]
    if row.approved_on:
        events.append(DisbursementEvent("approved", row.approved_on, row.approved_by or ""))
    if row.paid_on:
        events.append(DisbursementEvent("paid", row.paid_on, row.entered_by, method=row.method,
                                        transfer_ref=row.transfer_ref, cash_receipt_signed=row.method == "cash"))
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
            raise ValidationFailed(f"支出 {disbursement_id} 已作废，不能再办理", f"disbursement {disbursement_id} is cancelled")
        event = event_for(session, row)
        decision = check_disbursement_transition(_events(row), event)
        if not decision.ok:
            raise RuleRefused([decision])
        changes = {"state": STATE_COLUMN[event.state], **changes_for(session, row)}
        DisbursementRow.update(changes).where(DisbursementRow.id == disbursement_id).execute()
        audit.record(f"disbursement.{event.state}", "disbursement", disbursement_id,
                     {"from": row.state, "to": changes["state"], "on": event.on, "amount_fen": row.amount_fen})
    return decision


def approve_disbursement(disbursement_id: int, on: dt.date) -> Decision:
    """Approve as the session's user: a supervisor other than the clerk who entered it (R3.5)."""
    return _advance(disbursement_id,
                    lambda s, row: DisbursementEvent("approved", on, s.user, role=s.role),
                    lambda s, row: {"approved_by": s.user, "approved_on": on})


def pay_disbursement(disbursement_id: int, on: dt.date, *, transfer_ref: str | None = None,
                     receipt_no: str | None = None, cash_receipt_signed: bool = False) -> Decision:
    """Record the payment: a transfer with its bank reference, cash with the member's
    signature taken on the spot, goods handed over in kind."""
    ref = (transfer_ref or "").strip() or None
    receipt = (receipt_no or "").strip() or None
    return _advance(disbursement_id,
                    lambda s, row: DisbursementEvent("paid", on, s.user, method=row.method, transfer_ref=ref,
                                                     cash_receipt_signed=cash_receipt_signed),
                    lambda s, row: {"paid_on": on, "transfer_ref": ref if row.method == "transfer" else None,
                                    "receipt_no": receipt or row.receipt_no})


def sign_receipt(disbursement_id: int, on: dt.date, *, receipt_no: str | None = None) -> Decision:
    """The beneficiary's signed receipt (附件2) is back: the payment is complete."""
    receipt = (receipt_no or "").strip() or None
    return _advance(disbursement_id,
                    lambda s, row: DisbursementEvent("receipt_signed", on, s.user),
                    lambda s, row: {"signed_on": on, "receipt_no": receipt or row.receipt_no})


# --- the register --------------------------------------------------------------------------

def disbursement_register(date_from: dt.date, date_to: dt.date, *, state: str | None = None,
                          category: str | None = None, limit: int = REGISTER_LIMIT) -> RegisterPage:
    """The register (附件1) of a period, oldest first, with the period's total."""
    query = (DisbursementRow.select(DisbursementRow, Member.name, Unit.name)
             .join(Member, on=(DisbursementRow.member == Member.id))
             .switch(DisbursementRow).join(Unit, on=(DisbursementRow.unit == Unit.id))
             .where((DisbursementRow.on_date >= date_from) & (DisbursementRow.on_date <= date_to)))
    if state:
        query = query.where(DisbursementRow.state == state)
    if category:
        query = query.where(DisbursementRow.category == category)
    total_query = query.select(fn.COUNT(DisbursementRow.id), fn.COALESCE(fn.SUM(DisbursementRow.amount_fen), 0))
    count, total = total_query.where(DisbursementRow.state != "cancelled").tuples().get()
    rows = [RegisterRow(
        r.id, r.on_date, r.member.name, r.beneficiary_name, r.relation, r.unit.name, r.category, r.amount_fen,
        r.method, mask_account(r.account) if r.account else None, r.reason, r.state, r.entered_by, r.approved_by,
        r.paid_on, r.signed_on, r.transfer_ref, r.receipt_no)
        for r in query.order_by(DisbursementRow.on_date, DisbursementRow.id).limit(limit + 1)]
    return RegisterPage(rows[:limit], total, count, len(rows) > limit)

