"""Fees: due, collected, remitted, and the receipts issued for the office (DOMAIN §12).

Pure functions over plain data: the caller reads the policies, payments, remittances and
receipts and passes them in with ``today``; every verdict is a ``Decision`` with a reason
code, a Chinese message and its article.

* R12.2 due: per policy, shares × the price per share **in force on the policy's start**
  (the rule set of that date, which carries the office's parameter notice then in force),
  never today's price. No price in force on that date: the due is unknown ("no figure in
  force", R1.10) and the checks that need it are skipped. Added shares (R1.5) are charged at
  the same price for the whole policy (**Interpretation** where the office's notice is silent).
* R12.3 collected: a payment names its unit, plan and the period of the policy it pays; more
  than the balance is refused (a unit's advance belongs to a policy not yet filed).
  Overdue: unpaid after ``fee_pay_deadline_days`` from the policy's start (**Configurable**).
* R12.4/R12.5 remitted: full (remitted = collected per policy) and timely: collected money
  held past ``fee_remit_deadline_days`` after its receipt is flagged (**Configurable**, 及时).
* R12.6 receipts: numbered without gaps within their series (the book: the number's prefix);
  a spoilt receipt is voided with a reason, never deleted, and its number stays used.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rules.money import format_fen
from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Severity

CITE_COLLECT = Citation("000", "第十五条4")
CITE_NO_RETENTION = Citation("000", "第二十五条")
CITE_REMIT = Citation("001", "fin.7")
CITE_RECEIPTS = Citation("001", "fin.10")
CITE_DUE = Citation("001", "fin.7")
#: What a receipt number looks like: a series (the book's prefix, possibly empty) and a serial.
RECEIPT_RE = re.compile(r"([A-Za-z0-9-]{0,16}?)([0-9]{1,12})")
PERIOD_RE = re.compile(r"(2[0-9]{3})(?:-(0[1-9]|1[0-2]))?")
#: Why a receipt may be voided: free text, but not empty (R9.3: a void says why).
MIN_REASON = 2


@dataclass(frozen=True)
class FeePolicy:
    """One policy as the fee rules see it."""

    unit_code: str
    plan_code: str
    start: date
    end: date
    shares: int


@dataclass(frozen=True)
class Receipt:
    """A number of the receipt register (代开票据)."""

    number: str
    series: str
    serial: int
    state: str  # issued | voided


# --- periods and numbers ----------------------------------------------------------------------------


def parse_fee_period(text: str) -> tuple[date, date] | None:
    """``YYYY`` or ``YYYY-MM`` → (first day, last day); None if it is neither."""
    match = PERIOD_RE.fullmatch((text or "").strip())
    if match is None:
        return None
    year = int(match[1])
    if match[2] is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def split_receipt_number(text: str) -> tuple[str, int] | None:
    """``"A2026-0042"`` → ("A2026-", 42): the series is everything before the final digits."""
    match = RECEIPT_RE.fullmatch((text or "").strip())
    if match is None:
        return None
    return match[1], int(match[2])


def policy_for_period(policies: Sequence[FeePolicy], text: str, rs: RuleSet) -> Decision:
    """The one policy of a unit × plan whose start lies in the period a payment names."""
    bounds = parse_fee_period(text)
    if bounds is None:
        return rs.decide(
            "refused",
            "R12.3.bad_period",
            f"缴费期间应写成 YYYY 或 YYYY-MM（保单起始所在的年或月），收到：{text}",
            CITE_COLLECT,
            Severity.ERROR,
        )
    first, last = bounds
    found = [p for p in policies if first <= p.start <= last]
    if not found:
        return rs.decide(
            "refused",
            "R12.3.no_policy",
            f"该单位此计划没有起始于 {text} 的保单，无应缴会费可收（先录入参保名单）",
            CITE_COLLECT,
            Severity.ERROR,
        )
    if len(found) > 1:
        starts = "、".join(p.start.isoformat() for p in found)
        return rs.decide(
            "refused",
            "R12.3.ambiguous_period",
            f"{text} 内有 {len(found)} 张保单（起始 {starts}），请写到月份 YYYY-MM",
            CITE_COLLECT,
            Severity.ERROR,
        )
    return rs.decide("found", "R12.3.policy", "保单已确定", CITE_COLLECT, policy=found[0])


# --- due ------------------------------------------------------------------------------------------


def fee_due(policy: FeePolicy, rs_at_start: RuleSet) -> Decision:
    """R12.2: shares × the price per share in force on the policy's start (``rs_at_start`` is
    the rule set of that date). ``data['due_fen']`` is None when no price is in force then."""
    params = rs_at_start.plan_or_no_figure(policy.plan_code)
    if params is None or params.no_figure:
        return rs_at_start.decide(
            "no_figure",
            "R12.2.no_figure",
            f"{policy.start.isoformat()} 无 {policy.plan_code} 的每份会费（无当时数值），应缴会费不计",
            CITE_DUE,
            Severity.WARNING,
            due_fen=None,
            price_fen=None,
        )
    due = policy.shares * params.share_price_fen
    return rs_at_start.decide(
        "due",
        "R12.2.due",
        f"{policy.shares} 份 × {format_fen(params.share_price_fen)} = {format_fen(due)}"
        f"（{policy.start.isoformat()} 起适用的收费标准）",
        CITE_DUE,
        due_fen=due,
        price_fen=params.share_price_fen,
    )


def balance_status(due_fen: int | None, paid_fen: int, start: date, today: date, rs: RuleSet | None = None) -> Decision:
    """Where a policy's fee stands today: paid, due (within the deadline), overdue, or unknown."""
    rs = resolve(rs, today)
    deadline = start + timedelta(days=rs["fee_pay_deadline_days"])
    if due_fen is None:
        return rs.decide("unknown", "R12.2.no_figure", "无当时收费标准，余额不计", CITE_DUE, deadline=deadline)
    balance = due_fen - paid_fen
    if balance <= 0:
        return rs.decide("paid", "R12.3.paid", "已缴清", CITE_COLLECT, balance_fen=balance, deadline=deadline)
    if today > deadline:
        days = (today - deadline).days
        return rs.decide(
            "overdue",
            "R12.3.overdue",
            f"欠缴 {format_fen(balance)}，已超过缴费期限 {deadline.isoformat()} {days} 天",
            "fee_pay_deadline_days",
            Severity.WARNING,
            balance_fen=balance,
            deadline=deadline,
            days=days,
        )
    return rs.decide(
        "due",
        "R12.3.due",
        f"应缴 {format_fen(balance)}，缴费期限 {deadline.isoformat()}",
        "fee_pay_deadline_days",
        balance_fen=balance,
        deadline=deadline,
    )


# --- receiving --------------------------------------------------------------------------------------


def check_payment(amount_fen: int, due_fen: int | None, paid_fen: int, on: date, today: date, rs: RuleSet) -> Decision:
    """R12.3: a payment is positive, not in the future, and not more than the balance."""
    if amount_fen <= 0:
        return rs.decide("refused", "R12.3.amount", "缴费金额必须大于零", CITE_COLLECT, Severity.ERROR)
    if on > today:
        return rs.decide("refused", "R12.3.future", f"收款日期 {on.isoformat()} 晚于今天", CITE_COLLECT, Severity.ERROR)
    if due_fen is None:
        return rs.decide(
            "accepted",
            "R12.3.no_figure",
            "保单起始日无当时收费标准，无法核对金额；已按所收金额登记",
            CITE_DUE,
            Severity.WARNING,
        )
    balance = due_fen - paid_fen
    if amount_fen > balance:
        return rs.decide(
            "refused",
            "R12.3.over_balance",
            f"缴费 {format_fen(amount_fen)} 超过该保单未缴余额 {format_fen(max(balance, 0))}"
            f"（应缴 {format_fen(due_fen)}，已缴 {format_fen(paid_fen)}）",
            CITE_COLLECT,
            Severity.ERROR,
        )
    return rs.decide("accepted", "R12.3.accepted", "缴费已核对", CITE_COLLECT, balance_after=balance - amount_fen)


def check_receipt_number(number: str, issued: Iterable[Receipt], rs: RuleSet) -> Decision:
    """R12.6: the next number of its series (no gap, no reuse); the first of a new series may
    start anywhere (a new book). ``issued`` is every number registered, voided ones included."""
    parsed = split_receipt_number(number)
    if parsed is None:
        return rs.decide(
            "refused",
            "R12.6.bad_number",
            f"票据号应为字母前缀（可无）加数字，如 A0000123，收到：{number}",
            CITE_RECEIPTS,
            Severity.ERROR,
        )
    series, serial = parsed
    same = [r for r in issued if r.series == series]
    if any(r.serial == serial for r in same):
        return rs.decide(
            "refused", "R12.6.used", f"票据号 {number} 已登记过（含作废），不能重复使用", CITE_RECEIPTS, Severity.ERROR
        )
    if same:
        expected = max(r.serial for r in same) + 1
        if serial != expected:
            width = len(number) - len(series)
            nxt = f"{series}{expected:0{width}d}"
            return rs.decide(
                "refused",
                "R12.6.gap",
                f"票据须连号使用：本册下一张应为 {nxt}，不是 {number}"
                f"（跳过的号码请先作废登记：huzhu fee void-receipt {nxt} --reason …）",
                CITE_RECEIPTS,
                Severity.ERROR,
                expected=nxt,
            )
    return rs.decide("accepted", "R12.6.next", "票据号连续", CITE_RECEIPTS, series=series, serial=serial)


def check_void_receipt(state: str | None, reason: str | None, remitted_fen: int, rs: RuleSet) -> Decision:
    """R12.6/R9.3: a receipt is voided with a reason, once; money already remitted on it is
    not undone by a void (the office holds it: correct with the office instead)."""
    if not reason or len(reason.strip()) < MIN_REASON:
        return rs.decide("refused", "R12.6.reason", "作废票据须写明原因", CITE_RECEIPTS, Severity.ERROR)
    if state == "voided":
        return rs.decide("refused", "R12.6.already_void", "该票据已作废", CITE_RECEIPTS, Severity.ERROR)
    if remitted_fen > 0:
        return rs.decide(
            "refused",
            "R12.6.remitted",
            f"该票据所收会费已上交 {format_fen(remitted_fen)}，不能作废（请与办事处核对更正）",
            CITE_REMIT,
            Severity.ERROR,
        )
    return rs.decide("voided", "R12.6.void", "票据作废，号码保留在登记簿中", CITE_RECEIPTS)


def receipt_gaps(receipts: Iterable[Receipt]) -> dict[str, list[int]]:
    """Per series, the serials missing between its first and last registered number."""
    by_series: dict[str, set[int]] = {}
    for r in receipts:
        by_series.setdefault(r.series, set()).add(r.serial)
    return {s: [n for n in range(min(v), max(v) + 1) if n not in v] for s, v in sorted(by_series.items())}


# --- remitting --------------------------------------------------------------------------------------


def check_remittance(amount_fen: int, covered_open_fen: int, on: date, today: date, rs: RuleSet) -> Decision:
    """R12.4: a remittance is positive, dated, and covers collected money not yet remitted."""
    if amount_fen <= 0:
        return rs.decide("refused", "R12.4.amount", "上交金额必须大于零", CITE_REMIT, Severity.ERROR)
    if on > today:
        return rs.decide("refused", "R12.4.future", f"上交日期 {on.isoformat()} 晚于今天", CITE_REMIT, Severity.ERROR)
    if amount_fen > covered_open_fen:
        return rs.decide(
            "refused",
            "R12.4.exceeds_collected",
            f"上交 {format_fen(amount_fen)} 超过所列收款中尚未上交的 {format_fen(covered_open_fen)}",
            CITE_REMIT,
            Severity.ERROR,
        )
    if amount_fen < covered_open_fen:
        return rs.decide(
            "partial",
            "R12.4.partial",
            f"所列收款尚有 {format_fen(covered_open_fen - amount_fen)} 未上交（须足额上交）",
            CITE_REMIT,
            Severity.WARNING,
        )
    return rs.decide("accepted", "R12.4.full", "足额上交", CITE_REMIT)


def remittance_status(received_on: date, open_fen: int, today: date, rs: RuleSet | None = None) -> Decision:
    """R12.4/R12.5: collected money not yet remitted, against the remittance deadline."""
    rs = resolve(rs, today)
    deadline = received_on + timedelta(days=rs["fee_remit_deadline_days"])
    if open_fen <= 0:
        return rs.decide("remitted", "R12.4.remitted", "已上交", CITE_REMIT, deadline=deadline)
    if today > deadline:
        days = (today - deadline).days
        return rs.decide(
            "overdue",
            "R12.5.held",
            f"收取的会费 {format_fen(open_fen)} 超过上交期限 {deadline.isoformat()} {days} 天仍未上交（不得截留）",
            CITE_NO_RETENTION,
            Severity.WARNING,
            deadline=deadline,
            days=days,
        )
    return rs.decide(
        "open",
        "R12.4.open",
        f"待上交 {format_fen(open_fen)}，期限 {deadline.isoformat()}",
        "fee_remit_deadline_days",
        deadline=deadline,
    )


def allocate(amount_fen: int, open_items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spread a remittance over (item id, open fen) in the order given: [(id, fen)], skipping
    items with nothing open; the caller has checked the amount fits."""
    out: list[tuple[int, int]] = []
    left = amount_fen
    for item, open_fen in open_items:
        if left <= 0:
            break
        take = min(left, open_fen)
        if take > 0:
            out.append((item, take))
            left -= take
    return out
