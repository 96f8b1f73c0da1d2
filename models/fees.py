"""Fees units pay the branch, the branch's remittances to the office, and the register of the
receipts it issues for the office (DOMAIN §12). Every judgement is ``rules.fees``'s; this
module reads the rows, hands them over with ``today`` and writes one transaction per action
with its signed audit event (``audit.record`` also seals the rows written, models.rowseal).

What a unit owes is computed, never stored: per policy, its shares × the price in force on
the policy's start (R12.2), so a price notice installed later never rewrites an old period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from models import audit, clock
from models.db import database, writing
from models.errors import RuleRefused, ValidationFailed
from rules.fees import (
    FeePolicy,
    Receipt,
    allocate,
    balance_status,
    check_payment,
    check_receipt_number,
    check_remittance,
    check_void_receipt,
    fee_due,
    policy_for_period,
    receipt_gaps,
    remittance_status,
    split_receipt_number,
)
from rules.params import active_rulesets, ruleset_on
from rules.result import Decision

#: Who may void a receipt: the supervisor, as for a disbursement (R9.3). The finance roles of
#: §4 (accountant, cashier) may take this over when they exist.
VOID_ROLES = ("supervisor",)
PAYER_MAX = 60
BANK_REF_MAX = 60


def _d(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def rs_at_start(start: dt.date):
    """The rule set a policy's fee is priced by: the one in force on its start (R12.2)."""
    return active_rulesets().for_record(start)


def price_on_start(plan_code: str, start) -> int | None:
    """R12.2: the price per share in force on a policy's start; None when none was in force."""
    params = rs_at_start(_d(start)).plan_or_no_figure(plan_code)
    return None if params is None or params.no_figure else params.share_price_fen


def policy_due(plan_code: str, start: dt.date, end: dt.date, shares: int, unit_code: str = "") -> Decision:
    return fee_due(FeePolicy(unit_code, plan_code, start, end, shares), rs_at_start(start))


# --- reading -------------------------------------------------------------------------------------


@dataclass
class FeeLine:
    """One policy's fee: due, paid, remitted, and where it stands today."""

    policy_id: int
    unit_code: str
    unit_name: str
    plan_code: str
    start: dt.date
    end: dt.date
    shares: int
    price_fen: int | None
    due_fen: int | None
    paid_fen: int
    remitted_fen: int
    status: str  # paid | due | overdue | unknown (rules.fees.balance_status)
    message: str
    citation: str

    @property
    def balance_fen(self) -> int | None:
        return None if self.due_fen is None else self.due_fen - self.paid_fen

    @property
    def unremitted_fen(self) -> int:
        return self.paid_fen - self.remitted_fen

    @property
    def period(self) -> str:
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "plan_code": self.plan_code,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "shares": self.shares,
            "price_fen": self.price_fen,
            "due_fen": self.due_fen,
            "paid_fen": self.paid_fen,
            "balance_fen": self.balance_fen,
            "remitted_fen": self.remitted_fen,
            "unremitted_fen": self.unremitted_fen,
            "status": self.status,
            "message": self.message,
            "citation": self.citation,
        }


_LINES_SQL = """
SELECT p.id, u.code, u.name, p.plan_id, p.start, p."end",
  (SELECT coalesce(sum(cv.shares), 0) FROM coverage cv WHERE cv.policy_id = p.id),
  (SELECT coalesce(sum(f.amount_fen), 0) FROM fee_payment f WHERE f.policy_id = p.id
     AND (f.voided_on IS NULL OR f.voided_on > ?1) AND f.received_on <= ?1),
  (SELECT coalesce(sum(i.amount_fen), 0) FROM fee_remittance_item i JOIN fee_remittance r ON r.id = i.remittance_id
     JOIN fee_payment f ON f.id = i.payment_id WHERE f.policy_id = p.id AND r.on_date <= ?1)
FROM policy p JOIN unit u ON u.id = p.unit_id
WHERE p.start <= ?1 {where}
ORDER BY u.code, p.plan_id, p.start
"""


def fee_lines(today: dt.date, *, unit_code: str | None = None, as_of: dt.date | None = None) -> list[FeeLine]:
    """Every policy started by ``as_of`` (default today) with its due, paid and remitted as of
    then; statuses as of ``today``."""
    as_of = as_of or today
    where, params = "", [as_of.isoformat()]
    if unit_code:
        where, params = "AND u.code = ?2", [as_of.isoformat(), unit_code]
    out = []
    for pid, ucode, uname, plan, start, end, shares, paid, remitted in database.execute_sql(
        _LINES_SQL.format(where=where), params
    ):
        start, end = _d(start), _d(end)
        due = policy_due(plan, start, end, shares, ucode)
        status = balance_status(due.data["due_fen"], paid, start, today, ruleset_on(today))
        out.append(
            FeeLine(
                pid,
                ucode,
                uname,
                plan,
                start,
                end,
                shares,
                due.data["price_fen"],
                due.data["due_fen"],
                paid,
                remitted,
                status.outcome,
                status.message if status.outcome != "paid" else due.message,
                str(status.citation.short),
            )
        )
    return out


@dataclass
class UnitTotal:
    unit_code: str
    unit_name: str
    due_fen: int
    paid_fen: int
    remitted_fen: int
    overdue_fen: int
    unknown: int  # policies with no price in force on their start

    @property
    def balance_fen(self) -> int:
        return self.due_fen - self.paid_fen

    def to_json(self) -> dict[str, Any]:
        return {
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "due_fen": self.due_fen,
            "paid_fen": self.paid_fen,
            "balance_fen": self.balance_fen,
            "remitted_fen": self.remitted_fen,
            "overdue_fen": self.overdue_fen,
            "no_figure_policies": self.unknown,
        }


def unit_totals(lines: list[FeeLine]) -> list[UnitTotal]:
    out: dict[str, UnitTotal] = {}
    for line in lines:
        t = out.setdefault(line.unit_code, UnitTotal(line.unit_code, line.unit_name, 0, 0, 0, 0, 0))
        t.due_fen += line.due_fen or 0
        t.paid_fen += line.paid_fen
        t.remitted_fen += line.remitted_fen
        t.overdue_fen += (line.balance_fen or 0) if line.status == "overdue" else 0
        t.unknown += line.due_fen is None
    return [out[k] for k in sorted(out)]


@dataclass
class PaymentRow:
    id: int
    receipt_no: str
    receipt_state: str
    unit_code: str
    plan_code: str
    period: str
    policy_start: dt.date
    amount_fen: int
    received_on: dt.date
    payer: str | None
    remitted_fen: int
    voided_on: dt.date | None
    remit_status: str = ""
    remit_message: str = ""

    @property
    def open_fen(self) -> int:
        return 0 if self.voided_on else self.amount_fen - self.remitted_fen

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "receipt_no": self.receipt_no,
            "receipt_state": self.receipt_state,
            "unit_code": self.unit_code,
            "plan_code": self.plan_code,
            "period": self.period,
            "policy_start": self.policy_start.isoformat(),
            "amount_fen": self.amount_fen,
            "received_on": self.received_on.isoformat(),
            "payer": self.payer,
            "remitted_fen": self.remitted_fen,
            "unremitted_fen": self.open_fen,
            "voided_on": self.voided_on.isoformat() if self.voided_on else None,
            "remit_status": self.remit_status,
            "remit_message": self.remit_message,
        }


_PAYMENTS_SQL = """
SELECT f.id, r.number, r.state, u.code, f.plan_id, f.period, p.start, f.amount_fen, f.received_on, f.payer,
       f.remitted_fen, f.voided_on
FROM fee_payment f JOIN fee_receipt r ON r.id = f.receipt_id JOIN unit u ON u.id = f.unit_id
JOIN policy p ON p.id = f.policy_id
{where}
ORDER BY f.received_on, f.id
"""


def payments(today: dt.date, *, where: str = "", params: tuple = ()) -> list[PaymentRow]:
    rs = ruleset_on(today)
    out = []
    for pid, no, state, unit, plan, period, start, amount, on, payer, remitted, voided in database.execute_sql(
        _PAYMENTS_SQL.format(where=where), params
    ):
        row = PaymentRow(pid, no, state, unit, plan, period, _d(start), amount, _d(on), payer, remitted, _d(voided))
        if not row.voided_on:
            status = remittance_status(row.received_on, row.open_fen, today, rs)
            row.remit_status, row.remit_message = status.outcome, status.message
        else:
            row.remit_status, row.remit_message = "voided", "票据已作废，不计入"
        out.append(row)
    return out


@dataclass
class RemittanceRow:
    id: int
    on_date: dt.date
    amount_fen: int
    bank_ref: str
    receipts: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "on": self.on_date.isoformat(),
            "amount_fen": self.amount_fen,
            "bank_ref": self.bank_ref,
            "covers": self.receipts,
        }


def remittances(*, start: dt.date | None = None, end: dt.date | None = None) -> list[RemittanceRow]:
    where, params = "", ()
    if start and end:
        where, params = "WHERE r.on_date BETWEEN ? AND ?", (start.isoformat(), end.isoformat())
    rows = {
        rid: RemittanceRow(rid, _d(on), amount, ref)
        for rid, on, amount, ref in database.execute_sql(
            f"SELECT r.id, r.on_date, r.amount_fen, r.bank_ref FROM fee_remittance r {where} ORDER BY r.on_date, r.id",
            params,
        )
    }
    if rows:
        for rid, number in database.execute_sql(
            "SELECT i.remittance_id, c.number FROM fee_remittance_item i JOIN fee_payment f ON f.id = i.payment_id "
            "JOIN fee_receipt c ON c.id = f.receipt_id ORDER BY i.id"
        ):
            if rid in rows:
                rows[rid].receipts.append(number)
    return list(rows.values())


def all_receipts() -> list[Receipt]:
    return [
        Receipt(n, s, serial, st)
        for n, s, serial, st in database.execute_sql(
            "SELECT number, series, serial, state FROM fee_receipt ORDER BY series, serial"
        )
    ]


@dataclass
class ReceiptBook:
    """The receipt register per series: first and last number, issued, voided (with why), gaps."""

    series: list[dict[str, Any]]
    voided: list[dict[str, Any]]

    @property
    def gaps(self) -> int:
        return sum(len(s["gaps"]) for s in self.series)

    def to_json(self) -> dict[str, Any]:
        return {"series": self.series, "voided": self.voided, "gaps": self.gaps}


def receipt_book() -> ReceiptBook:
    receipts = all_receipts()
    gaps = receipt_gaps(receipts)
    series = []
    for name, missing in gaps.items():
        mine = [r for r in receipts if r.series == name]
        series.append(
            {
                "series": name,
                "first": mine[0].number,
                "last": mine[-1].number,
                "issued": sum(r.state == "issued" for r in mine),
                "voided": sum(r.state == "voided" for r in mine),
                "gaps": [f"{name}{n}" for n in missing],
            }
        )
    voided = [
        {"number": n, "voided_on": str(on), "voided_by": by, "reason": why}
        for n, on, by, why in database.execute_sql(
            "SELECT number, voided_on, voided_by, void_reason FROM fee_receipt WHERE state = 'voided' "
            "ORDER BY series, serial"
        )
    ]
    return ReceiptBook(series, voided)


# --- writing ------------------------------------------------------------------------------------


def _refuse(decision: Decision) -> None:
    if not decision.ok:
        raise RuleRefused([decision])


def _unit_id(code: str) -> int:
    row = database.execute_sql("SELECT id FROM unit WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise ValidationFailed(f"没有单位编码 {code}", f"no unit {code}")
    return row[0]


def _unit_policies(unit_id: int, plan: str) -> list[tuple[int, FeePolicy]]:
    return [
        (pid, FeePolicy("", plan, _d(start), _d(end), shares))
        for pid, start, end, shares in database.execute_sql(
            'SELECT p.id, p.start, p."end", (SELECT coalesce(sum(cv.shares), 0) FROM coverage cv '
            "WHERE cv.policy_id = p.id) FROM policy p WHERE p.unit_id = ? AND p.plan_id = ? ORDER BY p.start",
            (unit_id, plan),
        )
    ]


def _paid(policy_id: int) -> int:
    return database.execute_sql(
        "SELECT coalesce(sum(amount_fen), 0) FROM fee_payment WHERE policy_id = ? AND voided_on IS NULL", (policy_id,)
    ).fetchone()[0]


@dataclass
class Received:
    payment_id: int
    receipt_no: str
    policy_id: int
    due_fen: int | None
    paid_fen: int
    decisions: list[Decision]

    @property
    def balance_fen(self) -> int | None:
        return None if self.due_fen is None else self.due_fen - self.paid_fen


def receive(
    *,
    unit_code: str,
    plan_code: str,
    period: str,
    amount_fen: int,
    on: dt.date,
    receipt_no: str,
    payer: str | None = None,
    today: dt.date | None = None,
) -> Received:
    """Record a unit's payment with the receipt issued for it (R12.3, R12.6), in one transaction."""
    today = today or clock.today()
    rs = ruleset_on(today)
    receipt_no = (receipt_no or "").strip()
    payer = (payer or "").strip() or None
    if payer and len(payer) > PAYER_MAX:
        raise ValidationFailed(f"缴款人名称过长（最多 {PAYER_MAX} 字）", f"payer name longer than {PAYER_MAX}")
    with writing() as session:
        unit_id = _unit_id(unit_code)
        policies = _unit_policies(unit_id, plan_code)
        found = policy_for_period([p for _, p in policies], period, rs)
        _refuse(found)
        policy = found.data["policy"]
        policy_id = next(pid for pid, p in policies if p is policy)
        due = fee_due(policy, rs_at_start(policy.start))
        paid = _paid(policy_id)
        payment = check_payment(amount_fen, due.data["due_fen"], paid, on, today, rs)
        _refuse(payment)
        number = check_receipt_number(receipt_no, all_receipts(), rs)
        _refuse(number)
        now = clock.stamp()
        receipt_id = database.execute_sql(
            "INSERT INTO fee_receipt (number, series, serial, issued_on, state, created_by, created_at) "
            "VALUES (?, ?, ?, ?, 'issued', ?, ?)",
            (receipt_no, number.data["series"], number.data["serial"], on.isoformat(), session.user, now),
        ).lastrowid
        payment_id = database.execute_sql(
            "INSERT INTO fee_payment (receipt_id, unit_id, plan_id, policy_id, period, amount_fen, received_on, "
            "payer, remitted_fen, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                receipt_id,
                unit_id,
                plan_code,
                policy_id,
                period.strip(),
                amount_fen,
                on.isoformat(),
                payer,
                session.user,
                now,
            ),
        ).lastrowid
        audit.record(
            "fee.receive",
            "fee_payment",
            payment_id,
            {
                "unit": unit_code,
                "plan": plan_code,
                "period": period.strip(),
                "policy_id": policy_id,
                "amount_fen": amount_fen,
                "on": on,
                "receipt_no": receipt_no,
                "due_fen": due.data["due_fen"],
                "paid_before_fen": paid,
                "codes": [due.code, payment.code, number.code],
            },
        )
    return Received(payment_id, receipt_no, policy_id, due.data["due_fen"], paid + amount_fen, [due, payment, number])


def void_receipt(number: str, reason: str | None, on: dt.date | None = None) -> Decision:
    """Void a spoilt receipt (R12.6, R9.3): a used number voids its payment too; an unused one
    (the next of its series, spoilt before use) is registered as voided so no gap opens."""
    today = clock.today()
    on = on or today
    rs = ruleset_on(today)
    number = (number or "").strip()
    with writing() as session:
        session.require_role(*VOID_ROLES)
        row = database.execute_sql(
            "SELECT r.id, r.state, f.id, f.remitted_fen FROM fee_receipt r LEFT JOIN fee_payment f ON f.receipt_id = r.id "
            "WHERE r.number = ?",
            (number,),
        ).fetchone()
        if row is None:
            fits = check_receipt_number(number, all_receipts(), rs)
            _refuse(fits)  # an unused number must be the next of its book: voiding it keeps the run whole
            decision = check_void_receipt(None, reason, 0, rs)
            _refuse(decision)
            rid = database.execute_sql(
                "INSERT INTO fee_receipt (number, series, serial, issued_on, state, voided_on, voided_by, void_reason, "
                "created_by, created_at) VALUES (?, ?, ?, ?, 'voided', ?, ?, ?, ?, ?)",
                (
                    number,
                    fits.data["series"],
                    fits.data["serial"],
                    on.isoformat(),
                    on.isoformat(),
                    session.user,
                    reason.strip(),
                    session.user,
                    clock.stamp(),
                ),
            ).lastrowid
            audit.record(
                "fee.void_receipt",
                "fee_receipt",
                rid,
                {"number": number, "on": on, "reason": reason.strip(), "used": False},
            )
            return decision
        rid, state, payment_id, remitted = row
        decision = check_void_receipt(state, reason, remitted or 0, rs)
        _refuse(decision)
        database.execute_sql(
            "UPDATE fee_receipt SET state = 'voided', voided_on = ?, voided_by = ?, void_reason = ? WHERE id = ?",
            (on.isoformat(), session.user, reason.strip(), rid),
        )
        if payment_id is not None:
            database.execute_sql("UPDATE fee_payment SET voided_on = ? WHERE id = ?", (on.isoformat(), payment_id))
        audit.record(
            "fee.void_receipt",
            "fee_receipt",
            rid,
            {"number": number, "on": on, "reason": reason.strip(), "used": True, "payment_id": payment_id},
        )
    return decision


def _covered(items: list[str], today: dt.date) -> list[PaymentRow]:
    """The open payments a remittance's ``--covers`` names: receipt numbers, ranges
    ``A0001..A0010`` of one series, or ``UNIT/PLAN/PERIOD``; none named: every open payment."""
    from rules.fees import parse_fee_period

    open_rows = [p for p in payments(today) if p.open_fen > 0]
    if not items:
        return open_rows
    chosen: dict[int, PaymentRow] = {}
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if "/" in item:
            parts = item.split("/")
            bounds = parse_fee_period(parts[2]) if len(parts) == 3 else None
            if bounds is None:
                raise ValidationFailed(
                    f"--covers 的“单位/计划/期间”写法不对：{item}（如 U001/ZYYL/2026）",
                    f"bad --covers item {item!r} (e.g. U001/ZYYL/2026)",
                )
            match = [
                p
                for p in open_rows
                if p.unit_code == parts[0] and p.plan_code == parts[1] and bounds[0] <= p.policy_start <= bounds[1]
            ]
        elif ".." in item:
            first, _, last = item.partition("..")
            a, b = split_receipt_number(first), split_receipt_number(last)
            if a is None or b is None or a[0] != b[0] or a[1] > b[1]:
                raise ValidationFailed(
                    f"--covers 的票据号范围写法不对：{item}（如 A0001..A0010，同一册）",
                    f"bad receipt range {item!r} (e.g. A0001..A0010, one series)",
                )
            match = [
                p
                for p in open_rows
                if (s := split_receipt_number(p.receipt_no)) and s[0] == a[0] and a[1] <= s[1] <= b[1]
            ]
        else:
            match = [p for p in open_rows if p.receipt_no == item]
        if not match:
            raise ValidationFailed(
                f"--covers {item}：没有尚未上交的收款", f"--covers {item}: no collected fee left to remit"
            )
        for p in match:
            chosen[p.id] = p
    return sorted(chosen.values(), key=lambda p: (p.received_on, p.id))


@dataclass
class Remitted:
    remittance_id: int
    amount_fen: int
    covers: list[tuple[str, int]]  # (receipt number, fen)
    decision: Decision


def remit(
    *, amount_fen: int, on: dt.date, bank_ref: str, covers: list[str] | None = None, today: dt.date | None = None
) -> Remitted:
    """Record a remittance to the office (R12.4) over the named collections (oldest first)."""
    today = today or clock.today()
    rs = ruleset_on(today)
    bank_ref = (bank_ref or "").strip()
    if not bank_ref or len(bank_ref) > BANK_REF_MAX:
        raise ValidationFailed(
            f"请填写银行凭证号（最多 {BANK_REF_MAX} 字）", f"the bank reference is required (at most {BANK_REF_MAX})"
        )
    with writing():
        if database.execute_sql("SELECT 1 FROM fee_remittance WHERE bank_ref = ?", (bank_ref,)).fetchone():
            raise ValidationFailed(f"银行凭证号 {bank_ref} 已登记过", f"bank reference {bank_ref} already recorded")
        rows = _covered(covers or [], today)
        rows = [p for p in rows if p.received_on <= on]
        decision = check_remittance(amount_fen, sum(p.open_fen for p in rows), on, today, rs)
        _refuse(decision)
        parts = allocate(amount_fen, [(p.id, p.open_fen) for p in rows])
        by_id = {p.id: p for p in rows}
        rid = database.execute_sql(
            "INSERT INTO fee_remittance (on_date, amount_fen, bank_ref, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (on.isoformat(), amount_fen, bank_ref, writing_user(), clock.stamp()),
        ).lastrowid
        for pid, fen in parts:
            database.execute_sql(
                "INSERT INTO fee_remittance_item (remittance_id, payment_id, amount_fen) VALUES (?, ?, ?)",
                (rid, pid, fen),
            )
            database.execute_sql("UPDATE fee_payment SET remitted_fen = remitted_fen + ? WHERE id = ?", (fen, pid))
        covered = [(by_id[pid].receipt_no, fen) for pid, fen in parts]
        audit.record(
            "fee.remit",
            "fee_remittance",
            rid,
            {"amount_fen": amount_fen, "on": on, "bank_ref": bank_ref, "covers": covered, "code": decision.code},
        )
    return Remitted(rid, amount_fen, covered, decision)


def writing_user() -> str:
    from models.db import current

    return current().user


@dataclass
class Overview:
    """What the 会费收缴 screen shows: per unit, the latest remittances, the receipt register."""

    today: dt.date
    units: list[UnitTotal]
    open_payments: list[PaymentRow]
    remittances: list[RemittanceRow]
    book: ReceiptBook

    @property
    def due_fen(self) -> int:
        return sum(u.due_fen for u in self.units)

    @property
    def paid_fen(self) -> int:
        return sum(u.paid_fen for u in self.units)

    @property
    def overdue_fen(self) -> int:
        return sum(u.overdue_fen for u in self.units)

    @property
    def unremitted_fen(self) -> int:
        return sum(p.open_fen for p in self.open_payments)

    @property
    def held_fen(self) -> int:
        """Collected money held past the remittance deadline (R12.5)."""
        return sum(p.open_fen for p in self.open_payments if p.remit_status == "overdue")


def read_overview(today: dt.date) -> Overview:
    units = unit_totals(fee_lines(today))
    open_rows = [p for p in payments(today) if p.open_fen > 0]
    return Overview(today, units, open_rows, remittances(), receipt_book())
