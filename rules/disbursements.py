"""Welfare disbursements (互助互济支出) from the management fee (DOMAIN §3; 003, 000 第十九条).

Caps are per occasion and per calendar year, computed from the member's earlier payments
passed in as plain data, so that no sequence of accepted payments can exceed a cap within a
year. Money goes by transfer to the member's own account; cash is the exception (003 第九、十条).
Nobody approves a payment they entered (002 第三十一条).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import floor
from types import MappingProxyType
from typing import Mapping, Sequence

from rules.lifecycle import check_step
from rules.money import format_fen
from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity
from rules.roles import SUPERVISOR_ROLE

CATEGORIES: Mapping[str, str] = MappingProxyType({
    "hardship_aid": "生活救助金", "education_aid": "子女助学金", "small_goods": "日常小额慰问品",
    "weather_goods": "高温/寒冷/雾霾慰问品", "condolence_cash": "慰问金", "fee_subsidy": "会费补助",
    "activity_prize": "文体活动奖品",
})
#: Categories handed out as goods (实物): never as money.
GOODS_CATEGORIES = frozenset({"small_goods", "weather_goods", "activity_prize"})
METHODS: Mapping[str, str] = MappingProxyType({"transfer": "银行转账", "cash": "现场现金", "in_kind": "实物发放"})

#: (per-occasion cap figure, per-year cap figure) by category; education aid counts per student.
_CAPS: Mapping[str, tuple[str | None, str | None]] = MappingProxyType({
    "hardship_aid": (None, "hardship_aid_year_cap_fen"),
    "education_aid": (None, "education_aid_year_cap_fen"),
    "small_goods": ("small_goods_occasion_cap_fen", None),
    "weather_goods": ("weather_goods_occasion_cap_fen", "weather_goods_year_cap_fen"),
    "condolence_cash": ("condolence_cash_occasion_cap_fen", None),
    "fee_subsidy": (None, None),
    "activity_prize": ("activity_prize_winner_cap_fen", None),
})
_CATEGORY_CITATIONS: Mapping[str, Citation] = MappingProxyType({
    "hardship_aid": Citation("003", "第四条1"), "education_aid": Citation("003", "第四条2"),
    "small_goods": Citation("003", "第五条1(2)"), "weather_goods": Citation("003", "第五条2(2)"),
    "condolence_cash": Citation("003", "第五条2(3)"), "fee_subsidy": Citation("003", "第六条"),
    "activity_prize": Citation("003", "第七条"),
})
TRANSFER_CITATION = Citation("003", "第九条")
RECEIPT_CITATION = Citation("003", "第十条")
BUDGET_CITATION = Citation("003", "第八条")
APPROVAL_CITATION = Citation("002", "第三十一条")

DISBURSEMENT_STATES: Mapping[str, str] = MappingProxyType(
    {"entered": "录入", "approved": "审批", "paid": "发放", "receipt_signed": "受益会员签收"})
_TRANSITIONS: Mapping[str | None, frozenset[str]] = MappingProxyType({
    None: frozenset({"entered"}), "entered": frozenset({"approved"}),
    "approved": frozenset({"paid"}), "paid": frozenset({"receipt_signed"}),
})


@dataclass(frozen=True)
class PriorPayment:
    """An earlier disbursement to the same member (any state but cancelled)."""

    category: str
    on: date
    amount_fen: int
    student: str | None = None


@dataclass(frozen=True)
class BudgetLine:
    """The year's approved budget line a payment is charged to, and what it already carries.
    ``year`` is the budget year of the line (None where the caller does not know it)."""

    name: str
    approved_fen: int
    committed_fen: int
    year: int | None = None


@dataclass(frozen=True)
class Disbursement:
    """A disbursement as entered. `note` is the situation note (情况说明) every payment needs;
    `student`/`student_kind` apply to education aid, `scheme_ref` to fee subsidies."""

    category: str
    member: str
    on: date
    amount_fen: int
    note: str
    method: str
    to_own_account: bool = False
    cash_reason: str | None = None
    student: str | None = None
    student_kind: str | None = None
    scheme_ref: str | None = None


@dataclass(frozen=True)
class DisbursementEvent:
    """A step of a disbursement; "paid" records a transfer reference or a signed cash receipt."""

    state: str
    on: date
    clerk: str
    role: str | None = None
    method: str | None = None
    transfer_ref: str | None = None
    cash_receipt_signed: bool = False


@dataclass(frozen=True)
class ActivityAwards:
    """Awards of one recreational activity: prizes per winner, or a participation award total."""

    participants: int
    prizes_fen: tuple[int, ...] = ()
    participation_awards_fen: int = 0


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _refuse(rs: RuleSet, code: str, message: str, cite: str | Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def _used_this_year(category: str, history: Sequence[PriorPayment], on: date, student: str | None) -> int:
    return sum(p.amount_fen for p in history
               if p.category == category and p.on.year == on.year
               and (category != "education_aid" or p.student == student))


def remaining_allowance(category: str, history: Sequence[PriorPayment], on: date, rs: RuleSet | None = None, *,
                        student: str | None = None) -> Decision:
    """What may still be paid to this member (or student) in this category on `on`.

    data: used_fen (this calendar year), year_cap_fen, occasion_cap_fen, remaining_fen (None
    when the category has no amount cap).
    """
    rs = resolve(rs, on)
    if category not in CATEGORIES:
        raise ValueError(f"未知的支出类别 {category!r}")
    occasion_key, year_key = _CAPS[category]
    used = _used_this_year(category, history, on, student)
    occasion_cap = rs[occasion_key] if occasion_key else None
    year_cap = rs[year_key] if year_key else None
    limits = [cap for cap in (occasion_cap, None if year_cap is None else max(0, year_cap - used)) if cap is not None]
    remaining = min(limits) if limits else None
    data = {"used_fen": used, "year_cap_fen": year_cap, "occasion_cap_fen": occasion_cap, "remaining_fen": remaining}
    name = CATEGORIES[category]
    if remaining is None:
        return rs.decide("no_cap", "R3.allowance.no_cap", f"{name}无金额上限，按管委会批准的方案执行",
                         _CATEGORY_CITATIONS[category], **data)
    parts = []
    if year_cap is not None:
        scope = "该生" if category == "education_aid" else "该会员"
        parts.append(f"{on.year}年{scope}已发放 {format_fen(used)}，年度上限 {format_fen(year_cap)}")
    if occasion_cap is not None:
        parts.append(f"每次上限 {format_fen(occasion_cap)}")
    return rs.decide("allowance", "R3.allowance", f"{name}：{'，'.join(parts)}；本次最多可发 {format_fen(remaining)}",
                     year_key or occasion_key, **data)


def check_caps(category: str, amount_fen: int, on: date, history: Sequence[PriorPayment], rs: RuleSet | None = None,
               *, student: str | None = None) -> Decision:
    """A payment stays within its per-occasion cap and, with this year's earlier payments,
    within its per-year cap (003 第四、五、七条)."""
    allowance = remaining_allowance(category, history, on, rs, student=student)
    rs = resolve(rs, on)
    name = CATEGORIES[category]
    occasion_cap, year_cap, used = (allowance.data[k] for k in ("occasion_cap_fen", "year_cap_fen", "used_fen"))
    occasion_key, year_key = _CAPS[category]
    if occasion_cap is not None and amount_fen > occasion_cap:
        return _refuse(rs, "R3.cap.occasion_exceeded",
                       f"{name} {format_fen(amount_fen)} 超过每次上限 {format_fen(occasion_cap)}", occasion_key,
                       cap_fen=occasion_cap)
    if year_cap is not None and used + amount_fen > year_cap:
        return _refuse(rs, "R3.cap.year_exceeded",
                       f"{name} {format_fen(amount_fen)} 加上{on.year}年已发放 {format_fen(used)} 超过年度上限 "
                       f"{format_fen(year_cap)}（尚可发放 {format_fen(max(0, year_cap - used))}）", year_key,
                       cap_fen=year_cap, remaining_fen=max(0, year_cap - used))
    return rs.decide("within_caps", "R3.cap.ok", f"{name} {format_fen(amount_fen)} 未超过上限", allowance.citation)


def check_payment_method(d: Disbursement, rs: RuleSet | None = None) -> Decision:
    """R3.2: goods are handed out in kind; money goes by transfer to the member's own account;
    cash only up to the cash limit and with a stated reason (its receipt is checked on payment)."""
    rs = resolve(rs, d.on)
    name = CATEGORIES.get(d.category, d.category)
    if d.method not in METHODS:
        return _refuse(rs, "R3.2.method_invalid", f"发放方式应为转账、现金或实物，实为 {d.method!r}", TRANSFER_CITATION)
    if d.category in GOODS_CATEGORIES:
        if d.method != "in_kind":
            return _refuse(rs, "R3.2.goods_in_kind", f"{name}应发放实物，不得以{METHODS[d.method]}代替",
                           _CATEGORY_CITATIONS[d.category])
        return rs.decide("in_kind", "R3.2.ok", f"{name}以实物发放，须取得签收证明", _CATEGORY_CITATIONS[d.category])
    if d.method == "in_kind":
        return _refuse(rs, "R3.2.money_not_in_kind", f"{name}为资金支出，应转账至会员个人账户", TRANSFER_CITATION)
    if d.method == "transfer":
        if not d.to_own_account:
            return _refuse(rs, "R3.2.not_own_account", f"{name}须转账至会员本人个人账户", TRANSFER_CITATION)
        return rs.decide("transfer", "R3.2.ok", f"{name} {format_fen(d.amount_fen)} 转账至会员个人账户", TRANSFER_CITATION)
    limit = rs["cash_payment_max_fen"]
    if d.amount_fen > limit:
        return _refuse(rs, "R3.2.cash_over_limit",
                       f"现金发放 {format_fen(d.amount_fen)} 超过 {format_fen(limit)}：须转账至会员个人账户",
                       "cash_payment_max_fen", limit_fen=limit)
    if not (d.cash_reason or "").strip():
        return _refuse(rs, "R3.2.cash_reason_required", "现场现金发放须写明不能转账的理由", "cash_payment_max_fen")
    return rs.decide("cash", "R3.2.cash_allowed",
                     f"现场现金发放 {format_fen(d.amount_fen)}（不超过 {format_fen(limit)}），理由：{d.cash_reason.strip()}；"
                     "须受益会员签收", "cash_payment_max_fen", Severity.WARNING)


def check_budget(budget: BudgetLine | None, amount_fen: int, on: date, rs: RuleSet | None = None) -> Decision:
    """R3.4: a payment is charged to an approved budget line of the year it is paid in and
    stays within it."""
    rs = resolve(rs, on)
    if budget is None:
        return _refuse(rs, "R3.4.no_budget", "无年度预算科目，不得支出", BUDGET_CITATION)
    if budget.year is not None and budget.year != on.year:
        return _refuse(rs, "R3.4.wrong_year",
                       f"{on.isoformat()} 的支出应列入{on.year}年度预算，不能列入{budget.year}年度的预算科目“{budget.name}”",
                       BUDGET_CITATION, budget_year=budget.year)
    remaining = budget.approved_fen - budget.committed_fen
    if amount_fen > remaining:
        return _refuse(rs, "R3.4.budget_exceeded",
                       f"预算科目“{budget.name}”批准 {format_fen(budget.approved_fen)}，已支出 "
                       f"{format_fen(budget.committed_fen)}，余额 {format_fen(remaining)} 不足本次 {format_fen(amount_fen)}",
                       BUDGET_CITATION, remaining_fen=remaining)
    return rs.decide("within_budget", "R3.4.ok",
                     f"预算科目“{budget.name}”余额 {format_fen(remaining)}，本次后余 {format_fen(remaining - amount_fen)}",
                     BUDGET_CITATION, remaining_fen=remaining - amount_fen)


def check_disbursement(d: Disbursement, history: Sequence[PriorPayment], budget: BudgetLine | None,
                       rs: RuleSet | None = None) -> Report:
    """Everything checked when a disbursement is entered: category rules, caps (with the
    member's `history`), situation note, payment method and budget."""
    rs = resolve(rs, d.on)
    if d.category not in CATEGORIES:
        return Report((_refuse(rs, "R3.category_unknown", f"未知的支出类别 {d.category!r}", BUDGET_CITATION),))
    cite = _CATEGORY_CITATIONS[d.category]
    if not _positive(d.amount_fen):
        return Report((_refuse(rs, "R3.amount_invalid", f"金额应为大于零的整数（分），实为 {d.amount_fen!r}", cite),))
    decisions: list[Decision] = []
    if not d.note.strip():
        decisions.append(_refuse(rs, "R3.3.note_required", "每笔发放须附情况说明", RECEIPT_CITATION))
    if d.category == "education_aid":
        excluded = rs["education_aid_excluded_student_kinds"]
        if not (d.student or "").strip():
            decisions.append(_refuse(rs, "R3.education.student_required", "子女助学金须注明受助学生（每生每年计算上限）", cite))
        if d.student_kind in excluded:
            decisions.append(_refuse(rs, "R3.education.excluded",
                                     f"{excluded[d.student_kind]}不在子女助学金救助范围内",
                                     "education_aid_excluded_student_kinds"))
    if d.category == "fee_subsidy" and not (d.scheme_ref or "").strip():
        decisions.append(_refuse(rs, "R3.fee_subsidy.scheme_required",
                                 "会费补助须依据经管委会（或代管管理费的办事处）批准的补助方案，请填写方案文号", cite))
    decisions.append(check_caps(d.category, d.amount_fen, d.on, history, rs, student=d.student))
    decisions.append(check_payment_method(d, rs))
    decisions.append(check_budget(budget, d.amount_fen, d.on, rs))
    return Report(tuple(decisions))


def check_approval(entered_by: str, approver: str, approver_role: str | None, on: date,
                   rs: RuleSet | None = None) -> Decision:
    """R3.5: the approver is a supervisor and not the clerk who entered the payment."""
    rs = resolve(rs, on)
    if approver.strip() == entered_by.strip():
        return _refuse(rs, "R3.5.self_approval", f"录入人 {entered_by} 不得审批本人录入的支出（不相容岗位分离）",
                       APPROVAL_CITATION)
    if approver_role != SUPERVISOR_ROLE:
        return _refuse(rs, "R3.5.not_supervisor", f"{approver} 无审批权限（须为主管）", APPROVAL_CITATION)
    return rs.decide("approved", "R3.5.ok", f"由主管 {approver} 审批（录入人 {entered_by}）", APPROVAL_CITATION)


def check_disbursement_transition(events: Sequence[DisbursementEvent], event: DisbursementEvent,
                                  rs: RuleSet | None = None) -> Decision:
    """entered → approved → paid → receipt_signed, with R3.5 on approval and proof on payment."""
    rs = resolve(rs, event.on)
    current = events[-1].state if events else None
    refusal = check_step(rs, "R3.state", RECEIPT_CITATION, _TRANSITIONS, DISBURSEMENT_STATES, current,
                         events[-1].on if events else None, event.state, event.on, event.clerk)
    if refusal is not None:
        return refusal
    if event.state == "approved":
        return check_approval(events[0].clerk, event.clerk, event.role, event.on, rs)
    if event.state == "paid":
        if event.method == "transfer" and not (event.transfer_ref or "").strip():
            return _refuse(rs, "R3.state.transfer_ref_required", "转账发放须记录银行转账凭证号", TRANSFER_CITATION)
        if event.method == "cash" and not event.cash_receipt_signed:
            return _refuse(rs, "R3.state.cash_receipt_required", "现金发放须当场取得受益会员签字", RECEIPT_CITATION)
        if event.method not in METHODS:
            return _refuse(rs, "R3.2.method_invalid", f"发放方式应为转账、现金或实物，实为 {event.method!r}",
                           TRANSFER_CITATION)
    return rs.decide(event.state, "R3.state.ok",
                     f"{event.on.isoformat()} {DISBURSEMENT_STATES[event.state]}（经办人 {event.clerk}）", RECEIPT_CITATION)


def check_activity_awards(activity: ActivityAwards, on: date, rs: RuleSet | None = None) -> Report:
    """003 第七条: winners at most 2/3 of participants, each prize within its cap; an activity
    without prizes may give a participation award within the per-head average."""
    rs = resolve(rs, on)
    if not _positive(activity.participants):
        return Report((_refuse(rs, "R3.activity.participants_invalid", "参与人数应为正整数", "activity_winners_max_share"),))
    decisions: list[Decision] = []
    share = rs["activity_winners_max_share"]
    max_winners = floor(activity.participants * share)
    winners = len(activity.prizes_fen)
    if winners > max_winners:
        decisions.append(_refuse(rs, "R3.activity.too_many_winners",
                                 f"获奖 {winners} 人超过参与人数 {activity.participants} 人的 {share}（至多 {max_winners} 人）",
                                 "activity_winners_max_share", max_winners=max_winners))
    prize_cap = rs["activity_prize_winner_cap_fen"]
    over = [p for p in activity.prizes_fen if p > prize_cap]
    if over:
        decisions.append(_refuse(rs, "R3.activity.prize_over_cap",
                                 f"{len(over)} 份奖品超过每人 {format_fen(prize_cap)}（最高 {format_fen(max(over))}）",
                                 "activity_prize_winner_cap_fen"))
    if activity.participation_awards_fen:
        average_cap = rs["activity_participation_avg_cap_fen"]
        if winners:
            decisions.append(_refuse(rs, "R3.activity.prize_and_participation",
                                     "已设置奖品的活动不再发放参与奖（不设置奖品的，方可发放参与奖）",
                                     "activity_participation_avg_cap_fen"))
        if activity.participation_awards_fen > average_cap * activity.participants:
            decisions.append(_refuse(rs, "R3.activity.participation_over_cap",
                                     f"参与奖合计 {format_fen(activity.participation_awards_fen)} 超过人均 "
                                     f"{format_fen(average_cap)} × {activity.participants} 人",
                                     "activity_participation_avg_cap_fen"))
    if not decisions:
        decisions.append(rs.decide("ok", "R3.activity.ok",
                                   f"参与 {activity.participants} 人，获奖 {winners} 人，奖励符合标准",
                                   "activity_winners_max_share"))
    return Report(tuple(decisions))
