"""The management-fee accounts (DOMAIN §11): income, spending other than welfare, the
collective decisions large payments rest on, and the custody register of seals and cheques.

Welfare disbursements stay in ``models.disbursements`` (003); they are read here, never
copied, so a budget line's spending is welfare plus everything entered here. The decisions
are ``rules.mgmt_fee``'s (and ``rules.staff.check_custody`` for R4.4); each write is one
transaction with its audit event, and a refusal raises ``RuleRefused`` with the article.

Hook for other modules (purchases, fixed assets): ``enter_spending`` with
``SpendDraft(source_kind="purchase"|"asset", source_id=...)`` books the payment as spending
of category "purchase" or "asset" on an approved ``purchases_assets`` line; it may be called
inside the caller's own ``writing()`` transaction (it nests), and ``spending_for(kind, id)``
finds it again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from models import audit, clock
from models.budget import check_year, committed
from models.db import current, database, writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.schema import BudgetLine, CollectiveDecision, CustodyHolding, MgmtIncome, MgmtSpending
from rules.mgmt_fee import (
    DECISION_BODIES,
    INCOME_KINDS,
    SPEND_CATEGORIES,
    SPEND_STATES,
    DecisionFacts,
    Income,
    LineFacts,
    Spending,
    YearFigures,
    check_approver,
    check_balance,
    check_collective,
    check_decision_record,
    check_income,
    check_payer,
    check_spending,
    check_spending_transition,
    execution_rate,
)
from rules.result import Decision, Report
from rules.staff import CUSTODY_ITEMS, Holding, check_custody

TEXT_MAX = 200
SOURCE_KINDS = ("purchase", "asset", "project")


def _text(value: str | None, label: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"请填写{label}", f"missing: {label}")
        return None
    if len(value) > TEXT_MAX:
        raise ValidationFailed(f"{label}不超过 {TEXT_MAX} 字", f"{label} is longer than {TEXT_MAX}")
    return value


def _refuse_errors(report: Report) -> None:
    if report.errors:
        raise RuleRefused(report.errors)


def _refuse_if(decision: Decision) -> None:
    if not decision.ok and decision.outcome != "skipped":
        raise RuleRefused([decision])


# --- budget lines ------------------------------------------------------------------------------


def line_facts(line_id: int | None) -> LineFacts | None:
    """The approved line with what welfare and other spending already charge to it."""
    if line_id is None:
        return None
    row = BudgetLine.get_or_none(BudgetLine.id == line_id)
    if row is None:
        return None
    return LineFacts(row.code, row.name, row.year, row.amount_fen, committed([row.id])[row.id])


def line_id(year: int, code: str | None, category: str) -> int:
    """The approved line of ``year`` named ``code``; without a code, the only approved line
    that may carry ``category`` (refused with the choices when there are none or several)."""
    from models.budget import line_id_for
    from rules.mgmt_fee import spending_categories_for

    if code:
        return line_id_for(year, code)
    candidates = [
        row
        for row in BudgetLine.select().where(BudgetLine.year == year)
        if category in spending_categories_for(row.code)
    ]
    if len(candidates) == 1:
        return line_id_for(year, candidates[0].code)
    name = SPEND_CATEGORIES.get(category, category)
    if not candidates:
        raise ValidationFailed(
            f"{year}年度批准的预算中没有可列支“{name}”的科目：须先在年度预算中增加并经批准（003 第八条）",
            f"the approved {year} budget has no line for {category}",
        )
    listed = "、".join(f"{r.code}（{r.name}）" for r in candidates)
    raise ValidationFailed(
        f"请指明预算科目代码：{year}年度可列支“{name}”的科目有 {listed}",
        f"name the budget line ({len(candidates)} candidates)",
    )


# --- income ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeRow:
    id: int
    on: dt.date
    kind: str
    amount_fen: int
    period: str | None
    reference: str | None
    voucher_no: str | None
    note: str | None
    entered_by: str
    voided: bool
    void_reason: str | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "on": self.on.isoformat(),
            "kind": self.kind,
            "kind_name": INCOME_KINDS.get(self.kind, self.kind),
            "amount_fen": self.amount_fen,
            "period": self.period,
            "reference": self.reference,
            "voucher_no": self.voucher_no,
            "note": self.note,
            "entered_by": self.entered_by,
            "voided": self.voided,
            "void_reason": self.void_reason,
        }


@refuses_undated
def record_income(
    kind: str,
    on: dt.date,
    amount_fen: int,
    *,
    reference: str | None = None,
    period: str | None = None,
    voucher_no: str | None = None,
    note: str | None = None,
) -> int:
    """Management fee received (R11.4): the office's 回拨 (with its 下拨/批复 reference) or other income."""
    today = clock.today()
    reference, period = _text(reference, "文号"), _text(period, "所属期间")
    voucher_no, note = _text(voucher_no, "凭证号"), _text(note, "备注")
    _refuse_errors(check_income(Income(kind, on, amount_fen, reference, voucher_no), today))
    with writing() as session:
        row = MgmtIncome.create(
            on_date=on,
            kind=kind,
            amount_fen=amount_fen,
            period=period,
            reference=reference,
            voucher_no=voucher_no,
            note=note,
            entered_by=session.user,
            entered_at=clock.stamp(),
        )
        audit.record(
            "mgmt.income",
            "mgmt_income",
            row.id,
            {"kind": kind, "on": on, "amount_fen": amount_fen, "reference": reference, "voucher_no": voucher_no},
        )
    return row.id


def void_income(income_id: int, reason: str | None, on: dt.date | None = None) -> None:
    """A wrong income entry is voided by the 负责人 with a reason; the row stays (R9.3)."""
    on = on or clock.today()
    reason = _text(reason, "作废原因", required=True)
    with writing() as session:
        session.require_role("supervisor")
        row = MgmtIncome.get_or_none(MgmtIncome.id == income_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {income_id} 的收入", f"no income {income_id}")
        if row.voided_on is not None:
            raise ValidationFailed(f"收入 {income_id} 已作废", f"income {income_id} is already void")
        MgmtIncome.update(voided_on=on, voided_by=session.user, void_reason=reason).where(
            MgmtIncome.id == income_id
        ).execute()
        audit.record("mgmt.income.void", "mgmt_income", income_id, {"on": on, "reason": reason})


def incomes(year: int) -> list[IncomeRow]:
    check_year(year)
    rows = MgmtIncome.select().where(MgmtIncome.on_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return [
        IncomeRow(
            r.id,
            r.on_date,
            r.kind,
            r.amount_fen,
            r.period,
            r.reference,
            r.voucher_no,
            r.note,
            r.entered_by,
            r.voided_on is not None,
            r.void_reason,
        )
        for r in rows.order_by(MgmtIncome.on_date, MgmtIncome.id)
    ]


# --- spending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpendDraft:
    """A management-fee payment other than welfare, as typed (or booked by another module:
    ``source_kind``/``source_id`` name the purchase or asset it pays for)."""

    category: str
    on: dt.date
    amount_fen: int
    payee: str
    note: str
    line_code: str | None = None
    voucher_no: str | None = None
    source_kind: str | None = None
    source_id: int | None = None


@dataclass(frozen=True)
class SpendRow:
    id: int
    on: dt.date
    category: str
    amount_fen: int
    payee: str
    note: str
    line_code: str
    line_name: str
    state: str
    entered_by: str
    approved_by: str | None
    approved_on: dt.date | None
    paid_by: str | None
    paid_on: dt.date | None
    payment_ref: str | None
    voucher_no: str | None
    decision_id: int | None
    source_kind: str | None
    source_id: int | None
    void_reason: str | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "on": self.on.isoformat(),
            "category": self.category,
            "category_name": SPEND_CATEGORIES.get(self.category, self.category),
            "amount_fen": self.amount_fen,
            "payee": self.payee,
            "note": self.note,
            "budget_line": self.line_code,
            "budget_line_name": self.line_name,
            "state": self.state,
            "state_name": SPEND_STATES.get(self.state, self.state),
            "entered_by": self.entered_by,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on.isoformat() if self.approved_on else None,
            "paid_by": self.paid_by,
            "paid_on": self.paid_on.isoformat() if self.paid_on else None,
            "payment_ref": self.payment_ref,
            "voucher_no": self.voucher_no,
            "decision_id": self.decision_id,
            "source_kind": self.source_kind,
            "source_id": self.source_id,
            "void_reason": self.void_reason,
        }


@dataclass(frozen=True)
class Entered:
    spending_id: int
    report: Report
    needs_decision: bool


def _spend_row(r: MgmtSpending) -> SpendRow:
    line = r.budget_line
    return SpendRow(
        r.id,
        r.on_date,
        r.category,
        r.amount_fen,
        r.payee,
        r.note,
        line.code,
        line.name,
        r.state,
        r.entered_by,
        r.approved_by,
        r.approved_on,
        r.paid_by,
        r.paid_on,
        r.payment_ref,
        r.voucher_no,
        r.decision_id,
        r.source_kind,
        r.source_id,
        r.void_reason,
    )


@refuses_undated
def enter_spending(draft: SpendDraft) -> Entered:
    """Record a payment against an approved line (R11.7, R3.4); approval and payment follow."""
    from rules.mgmt_fee import needs_collective_decision

    today = clock.today()
    if draft.source_kind is not None and draft.source_kind not in SOURCE_KINDS:
        raise ValidationFailed(f"来源类别无效：{draft.source_kind}", f"invalid source kind {draft.source_kind}")
    with writing() as session:
        line = line_facts(line_id(draft.on.year, draft.line_code, draft.category))
        report = check_spending(
            Spending(draft.category, draft.on, draft.amount_fen, draft.payee or "", draft.note or ""), line, today
        )
        _refuse_errors(report)
        row = MgmtSpending.create(
            on_date=draft.on,
            category=draft.category,
            amount_fen=draft.amount_fen,
            payee=draft.payee.strip(),
            note=draft.note.strip(),
            budget_line=BudgetLine.get((BudgetLine.year == line.year) & (BudgetLine.code == line.code)).id,
            state="entered",
            voucher_no=_text(draft.voucher_no, "凭证号"),
            entered_by=session.user,
            source_kind=draft.source_kind,
            source_id=draft.source_id,
        )
        audit.record(
            "mgmt.spend.enter",
            "mgmt_spending",
            row.id,
            {
                "category": draft.category,
                "on": draft.on,
                "amount_fen": draft.amount_fen,
                "budget_line": line.code,
                "source_kind": draft.source_kind,
                "source_id": draft.source_id,
            },
        )
    return Entered(row.id, report, needs_collective_decision(draft.amount_fen, draft.on))


def _spending(spending_id: int) -> MgmtSpending:
    row = MgmtSpending.get_or_none(MgmtSpending.id == spending_id)
    if row is None:
        raise ValidationFailed(f"没有编号为 {spending_id} 的管理费支出", f"no spending {spending_id}")
    return row


def decision_facts(decision_id: int | None) -> DecisionFacts | None:
    if decision_id is None:
        return None
    row = CollectiveDecision.get_or_none(CollectiveDecision.id == decision_id)
    if row is None:
        raise ValidationFailed(f"没有编号为 {decision_id} 的集体决策记录", f"no collective decision {decision_id}")
    return DecisionFacts(row.on_date, row.body, tuple(json.loads(row.attendees)), row.amount_fen, row.minutes_ref)


def check_large_payment(amount_fen: int, decision_id: int | None, on: dt.date) -> Decision:
    """R11.5 for an approval (a disbursement's or a spending's): refused above the threshold
    without a decision taken by the approval date."""
    decision = check_collective(amount_fen, decision_facts(decision_id), on)
    _refuse_if(decision)
    return decision


@refuses_undated
def approve_spending(spending_id: int, on: dt.date, *, decision_id: int | None = None) -> Decision:
    """Approve as the session's user: the 负责人, not the one who recorded it (R3.5), with the
    collective decision above the threshold (R11.5)."""
    with writing() as session:
        row = _spending(spending_id)
        _refuse_if(check_spending_transition(row.state, "approve", on, row.on_date, clock.today()))
        _refuse_if(check_approver(row.entered_by, session.user, session.role, on))
        collective = check_large_payment(row.amount_fen, decision_id, on)
        MgmtSpending.update(
            state="approved",
            approved_by=session.user,
            approved_on=on,
            decision=decision_id if collective.code == "R11.5.decided" else None,
        ).where(MgmtSpending.id == spending_id).execute()
        audit.record(
            "mgmt.spend.approve",
            "mgmt_spending",
            spending_id,
            {"on": on, "amount_fen": row.amount_fen, "decision_id": decision_id, "collective": collective.code},
        )
    return collective


@refuses_undated
def pay_spending(spending_id: int, on: dt.date, *, payment_ref: str | None, voucher_no: str | None = None) -> Decision:
    """Record the payment: by someone other than the one who recorded it, not an accountant
    (000 第十九条2; 001 fin.3), with the bank or cheque reference."""
    ref = _text(payment_ref, "支付凭证号（转账或支票号）", required=True)
    with writing() as session:
        row = _spending(spending_id)
        _refuse_if(check_spending_transition(row.state, "pay", on, row.approved_on, clock.today()))
        decision = check_payer(row.entered_by, session.user, session.role, on)
        _refuse_if(decision)
        MgmtSpending.update(
            state="paid",
            paid_by=session.user,
            paid_on=on,
            payment_ref=ref,
            voucher_no=_text(voucher_no, "凭证号") or row.voucher_no,
        ).where(MgmtSpending.id == spending_id).execute()
        audit.record("mgmt.spend.pay", "mgmt_spending", spending_id, {"on": on, "amount_fen": row.amount_fen})
    return decision


@refuses_undated
def void_spending(spending_id: int, reason: str | None, on: dt.date | None = None) -> None:
    """A wrong entry is voided by the 负责人 with a reason; the row stays and stops counting."""
    on = on or clock.today()
    reason = _text(reason, "作废原因", required=True)
    with writing() as session:
        session.require_role("supervisor")
        row = _spending(spending_id)
        last = max(d for d in (row.on_date, row.approved_on, row.paid_on) if d)
        _refuse_if(check_spending_transition(row.state, "void", on, last, clock.today()))
        MgmtSpending.update(state="cancelled", voided_on=on, voided_by=session.user, void_reason=reason).where(
            MgmtSpending.id == spending_id
        ).execute()
        audit.record("mgmt.spend.void", "mgmt_spending", spending_id, {"on": on, "reason": reason, "from": row.state})


def spendings(year: int, *, state: str | None = None) -> list[SpendRow]:
    check_year(year)
    query = MgmtSpending.select(MgmtSpending, BudgetLine).join(BudgetLine)
    query = query.where(MgmtSpending.on_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if state:
        query = query.where(MgmtSpending.state == state)
    return [_spend_row(r) for r in query.order_by(MgmtSpending.on_date, MgmtSpending.id)]


def spending_for(source_kind: str, source_id: int) -> list[SpendRow]:
    """The spending booked for a purchase or an asset (the hook's way back)."""
    query = (
        MgmtSpending.select(MgmtSpending, BudgetLine)
        .join(BudgetLine)
        .where((MgmtSpending.source_kind == source_kind) & (MgmtSpending.source_id == source_id))
    )
    return [_spend_row(r) for r in query.order_by(MgmtSpending.id)]


# --- the year's accounts -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineAccount:
    """One approved budget line: welfare and other spending paid and pending, what is left."""

    code: str
    name: str
    approved_fen: int
    welfare_paid_fen: int
    other_paid_fen: int
    pending_fen: int

    @property
    def paid_fen(self) -> int:
        return self.welfare_paid_fen + self.other_paid_fen

    @property
    def remaining_fen(self) -> int:
        return self.approved_fen - self.paid_fen - self.pending_fen

    @property
    def rate(self) -> float | None:
        return execution_rate(self.paid_fen, self.approved_fen)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "approved_fen": self.approved_fen,
            "welfare_paid_fen": self.welfare_paid_fen,
            "other_paid_fen": self.other_paid_fen,
            "paid_fen": self.paid_fen,
            "pending_fen": self.pending_fen,
            "remaining_fen": self.remaining_fen,
            "rate": self.rate,
        }


@dataclass(frozen=True)
class YearAccount:
    year: int
    figures: YearFigures
    income_by_kind: dict[str, int]
    lines: list[LineAccount]
    balance: Decision
    spent_by_category: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "opening_fen": self.figures.opening_fen,
            "income_fen": self.figures.income_fen,
            "spent_fen": self.figures.spent_fen,
            "closing_fen": self.figures.closing_fen,
            "income_by_kind": self.income_by_kind,
            "spent_by_category": self.spent_by_category,
            "lines": [line.to_json() for line in self.lines],
            "balance": {"code": self.balance.code, "message": self.balance.message},
        }


PAID_WELFARE = "('paid', 'signed')"


def _scalar(sql: str, params: tuple) -> int:
    return database.execute_sql(sql, params).fetchone()[0] or 0


def paid_between(start: dt.date, end: dt.date) -> dict[str, int]:
    """Money paid out between two dates, by category: each 003 kind (welfare, by its paid date)
    and each spending category. Voided rows are not money spent."""
    out: dict[str, int] = {}
    for category, total in database.execute_sql(
        f"SELECT category, SUM(amount_fen) FROM disbursement WHERE state IN {PAID_WELFARE} "
        "AND paid_on BETWEEN ? AND ? GROUP BY category",
        (start.isoformat(), end.isoformat()),
    ):
        out[category] = out.get(category, 0) + total
    for category, total in database.execute_sql(
        "SELECT category, SUM(amount_fen) FROM mgmt_spending WHERE state = 'paid' AND paid_on BETWEEN ? AND ? "
        "GROUP BY category",
        (start.isoformat(), end.isoformat()),
    ):
        out[f"spend:{category}"] = out.get(f"spend:{category}", 0) + total
    return out


def income_between(start: dt.date, end: dt.date) -> dict[str, int]:
    return {
        kind: total
        for kind, total in database.execute_sql(
            "SELECT kind, SUM(amount_fen) FROM mgmt_income WHERE voided_on IS NULL AND on_date BETWEEN ? AND ? "
            "GROUP BY kind",
            (start.isoformat(), end.isoformat()),
        )
    }


def year_account(year: int, until: dt.date | None = None) -> YearAccount:
    """The year's account up to ``until`` (default 31 December): opening balance (all income
    minus all money paid before 1 January), income, money paid, closing balance, and each
    approved line with welfare and other spending, paid and still pending."""
    check_year(year)
    start, end = dt.date(year, 1, 1), until or dt.date(year, 12, 31)
    before = dt.date(year, 1, 1) - dt.timedelta(days=1)
    opening = sum(income_between(dt.date(1900, 1, 1), before).values()) - sum(
        paid_between(dt.date(1900, 1, 1), before).values()
    )
    income = income_between(start, end)
    paid = paid_between(start, end)
    figures = YearFigures(opening, sum(income.values()), sum(paid.values()))
    bounds = (start.isoformat(), end.isoformat())
    lines = []
    for row in BudgetLine.select().where(BudgetLine.year == year).order_by(BudgetLine.code):
        welfare = _scalar(
            f"SELECT SUM(amount_fen) FROM disbursement WHERE budget_line_id = ? AND state IN {PAID_WELFARE} "
            "AND paid_on BETWEEN ? AND ?",
            (row.id, *bounds),
        )
        other = _scalar(
            "SELECT SUM(amount_fen) FROM mgmt_spending WHERE budget_line_id = ? AND state = 'paid' "
            "AND paid_on BETWEEN ? AND ?",
            (row.id, *bounds),
        )
        pending = _scalar(
            "SELECT SUM(amount_fen) FROM disbursement WHERE budget_line_id = ? AND state IN ('entered', 'approved')",
            (row.id,),
        ) + _scalar(
            "SELECT SUM(amount_fen) FROM mgmt_spending WHERE budget_line_id = ? AND state IN ('entered', 'approved')",
            (row.id,),
        )
        lines.append(LineAccount(row.code, row.name, row.amount_fen, welfare, other, pending))
    return YearAccount(year, figures, income, lines, check_balance(figures, end), paid)


# --- collective decisions ----------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    id: int
    on: dt.date
    body: str
    attendees: list[str]
    decision: str
    amount_fen: int | None
    minutes_ref: str | None
    entered_by: str

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "on": self.on.isoformat(),
            "body": self.body,
            "body_name": DECISION_BODIES.get(self.body, self.body),
            "attendees": self.attendees,
            "decision": self.decision,
            "amount_fen": self.amount_fen,
            "minutes_ref": self.minutes_ref,
            "entered_by": self.entered_by,
        }


@refuses_undated
def add_decision(
    on: dt.date,
    body: str,
    attendees: list[str],
    decision: str,
    *,
    amount_fen: int | None = None,
    minutes_ref: str | None = None,
) -> int:
    """Record a collective decision (R11.5): date, body, attendees, decision, amount, minutes."""
    names = [a.strip() for a in attendees if a.strip()]
    minutes_ref = _text(minutes_ref, "会议纪要编号")
    facts = DecisionFacts(on, body, tuple(names), amount_fen, minutes_ref)
    _refuse_errors(check_decision_record(facts, decision, clock.today()))
    with writing() as session:
        row = CollectiveDecision.create(
            on_date=on,
            body=body,
            attendees=json.dumps(names, ensure_ascii=False),
            decision=decision.strip(),
            amount_fen=amount_fen,
            minutes_ref=minutes_ref,
            entered_by=session.user,
            entered_at=clock.stamp(),
        )
        audit.record(
            "mgmt.decision",
            "collective_decision",
            row.id,
            {"on": on, "body": body, "attendees": names, "amount_fen": amount_fen, "minutes_ref": minutes_ref},
        )
    return row.id


def decisions() -> list[DecisionRow]:
    return [
        DecisionRow(
            r.id, r.on_date, r.body, json.loads(r.attendees), r.decision, r.amount_fen, r.minutes_ref, r.entered_by
        )
        for r in CollectiveDecision.select().order_by(CollectiveDecision.on_date, CollectiveDecision.id)
    ]


# --- custody of seals and cheques (R4.4) -------------------------------------------------------


@dataclass(frozen=True)
class CustodyRow:
    id: int
    kind: str
    item: str
    holder: str
    joint_holder: str | None
    from_date: dt.date
    to_date: dt.date | None
    note: str | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_name": CUSTODY_ITEMS.get(self.kind, self.kind),
            "item": self.item,
            "holder": self.holder,
            "joint_holder": self.joint_holder,
            "from": self.from_date.isoformat(),
            "to": self.to_date.isoformat() if self.to_date else None,
            "note": self.note,
        }


def accountants() -> list[str]:
    """Active users granted the accountant role (models.grants): R4.4 counts them."""
    from models import admin

    return [u["user"] for u in admin.list_users(current()) if u["active"] and u["role"] == "accountant"]


def _holdings(rows: list[CustodyHolding]) -> list[Holding]:
    return [Holding(r.kind, r.item, tuple(h for h in (r.holder, r.joint_holder) if h)) for r in rows]


def _open_holdings() -> list[CustodyHolding]:
    return list(CustodyHolding.select().where(CustodyHolding.to_date.is_null()).order_by(CustodyHolding.id))


@refuses_undated
def assign_custody(
    kind: str, item: str, holder: str, on: dt.date, *, joint_holder: str | None = None, note: str | None = None
) -> Report:
    """Put an item in someone's custody (alone or jointly) from ``on``; an item already held
    passes to the new holder(s) that day. Refused when the register would break R4.4."""
    item = _text(item, "物品名称", required=True)
    holder = _text(holder, "保管人", required=True)
    joint_holder = _text(joint_holder, "共同保管人")
    note = _text(note, "备注")
    if joint_holder == holder:
        raise ValidationFailed("共同保管人不能与保管人相同", "the joint holder is the holder")
    if on > clock.today():
        raise ValidationFailed(f"日期 {on.isoformat()} 晚于今天", "the date is in the future")
    with writing() as session:
        held = _open_holdings()
        previous = [r for r in held if r.kind == kind and r.item == item]
        after = [r for r in held if r not in previous]
        proposed = CustodyHolding(
            kind=kind, item=item, holder=holder, joint_holder=joint_holder, from_date=on, entered_by=session.user
        )
        report = check_custody(accountants(), _holdings([*after, proposed]), on)
        _refuse_errors(report)
        for r in previous:
            if on < r.from_date:
                raise ValidationFailed(
                    f"日期 {on.isoformat()} 早于现保管人自 {r.from_date.isoformat()} 起的保管",
                    "the date is before the current holder's",
                )
            CustodyHolding.update(to_date=on, returned_by=session.user).where(CustodyHolding.id == r.id).execute()
        proposed.save()
        audit.record(
            "custody.assign",
            "custody_holding",
            proposed.id,
            {
                "kind": kind,
                "item": item,
                "holder": holder,
                "joint_holder": joint_holder,
                "on": on,
                "replaces": [r.id for r in previous],
            },
        )
    return report


@refuses_undated
def return_custody(holding_id: int, on: dt.date) -> Report:
    """End a custody (the item is handed back); refused when what remains breaks R4.4 (a joint
    holder leaving the lone accountant the sole holder cannot happen by a return: the whole
    holding ends)."""
    with writing() as session:
        row = CustodyHolding.get_or_none(CustodyHolding.id == holding_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {holding_id} 的保管记录", f"no custody record {holding_id}")
        if row.to_date is not None:
            raise ValidationFailed(f"保管记录 {holding_id} 已于 {row.to_date} 归还", "already returned")
        if on < row.from_date or on > clock.today():
            raise ValidationFailed(
                f"归还日期 {on.isoformat()} 应在 {row.from_date.isoformat()} 至今天之间",
                "the return date is out of range",
            )
        remaining = [r for r in _open_holdings() if r.id != holding_id]
        report = check_custody(accountants(), _holdings(remaining), on)
        _refuse_errors(report)
        CustodyHolding.update(to_date=on, returned_by=session.user).where(CustodyHolding.id == holding_id).execute()
        audit.record("custody.return", "custody_holding", holding_id, {"on": on, "item": row.item})
    return report


def custody(*, all_rows: bool = False) -> tuple[list[CustodyRow], Report]:
    """The register (current holdings, or with ``all_rows`` the history) and R4.4 on what is held now."""
    query = CustodyHolding.select().order_by(CustodyHolding.kind, CustodyHolding.item, CustodyHolding.from_date)
    if not all_rows:
        query = query.where(CustodyHolding.to_date.is_null())
    rows = [CustodyRow(r.id, r.kind, r.item, r.holder, r.joint_holder, r.from_date, r.to_date, r.note) for r in query]
    return rows, check_custody(accountants(), _holdings(_open_holdings()), clock.today())
