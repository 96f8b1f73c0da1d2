"""Welfare disbursements (互助互济支出) from the management fee (docs/rules.md R3; 003, 000 第十九条).

Caps are per occasion and per calendar year, computed from the member's earlier payments
passed in as plain data, so that no sequence of accepted payments can exceed a cap within a
year. Seasonal goods are not capped per member: one distribution is one entry with its
recipient list, and its caps are averages over the recipients (R3.8); an activity is one
entry with its participants and winners, checked as a whole (R3.9). Money goes by transfer
to the member's own account; cash only at an on-site visit, up to the day's limit per
member (003 第九、十条). The standards hierarchy is a per-case warning that needs a stated
reason (R3.1). Nobody approves a payment they entered (002 第三十一条), and an entry nobody
else could approve is said at entry (R3.5). A wrong entry is voided, never deleted (R9.3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from math import floor
from types import MappingProxyType
from typing import TypeGuard

from rules.lifecycle import check_step
from rules.money import format_fen
from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity
from rules.roles import SUPERVISOR_ROLE

CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "hardship_aid": "生活救助金",
        "education_aid": "子女助学金",
        "small_goods": "日常小额慰问品",
        "weather_goods": "高温/寒冷/雾霾慰问品",
        "condolence_cash": "慰问金",
        "fee_subsidy": "会费补助",
        "activity_prize": "文体活动奖品",
    }
)
#: Categories handed out as goods (实物): never as money.
GOODS_CATEGORIES = frozenset({"small_goods", "weather_goods", "activity_prize"})
#: Categories entered as one batch with a recipient list and checked as a whole (R3.8, R3.9).
BATCH_CATEGORIES = frozenset({"weather_goods", "activity_prize"})
#: 救助 (aid, 003 第四条) and 慰问 money (003 第五条2(3)), for the hierarchy of R3.1.
AID_CATEGORIES = frozenset({"hardship_aid", "education_aid"})
CONDOLENCE_CATEGORIES = frozenset({"condolence_cash"})
#: Roles in an activity's or a batch's recipient list.
RECIPIENT_ROLES: Mapping[str, str] = MappingProxyType(
    {"recipient": "领取人", "winner": "获奖者", "participant": "参与奖"}
)
METHODS: Mapping[str, str] = MappingProxyType({"transfer": "银行转账", "cash": "现场现金", "in_kind": "实物发放"})

#: (per-occasion cap figure, per-year cap figure) by category; education aid counts per student.
_CAPS: Mapping[str, tuple[str | None, str | None]] = MappingProxyType(
    {
        "hardship_aid": (None, "hardship_aid_year_cap_fen"),
        "education_aid": (None, "education_aid_year_cap_fen"),
        "small_goods": ("small_goods_occasion_cap_fen", None),
        "weather_goods": ("weather_goods_occasion_cap_fen", "weather_goods_year_cap_fen"),
        "condolence_cash": ("condolence_cash_occasion_cap_fen", None),
        "fee_subsidy": (None, None),
        "activity_prize": ("activity_prize_winner_cap_fen", None),
    }
)
_CATEGORY_CITATIONS: Mapping[str, Citation] = MappingProxyType(
    {
        "hardship_aid": Citation("003", "第四条1"),
        "education_aid": Citation("003", "第四条2"),
        "small_goods": Citation("003", "第五条1(2)"),
        "weather_goods": Citation("003", "第五条2(2)"),
        "condolence_cash": Citation("003", "第五条2(3)"),
        "fee_subsidy": Citation("003", "第六条"),
        "activity_prize": Citation("003", "第七条"),
    }
)
TRANSFER_CITATION = Citation("003", "第九条")
HIERARCHY_CITATION = Citation("003", "第三条3")
VOID_CITATION = Citation("002", "第二十一条")
RECEIPT_CITATION = Citation("003", "第十条")
BUDGET_CITATION = Citation("003", "第八条")
#: The two remainders of a budget line, named apart so that they never look like one figure that
#: disagrees with itself: what a new payment may still use (approved less everything charged,
#: payments entered or approved but not yet paid included: R3.4 checks against it), and what is
#: left once only the money actually paid out is counted (the 待办 and 预算完成情况表 view).
AVAILABLE_LABEL = "可用余额(含待付)"
AFTER_PAID_LABEL = "已付后余额"
APPROVAL_CITATION = Citation("002", "第三十一条")

DISBURSEMENT_STATES: Mapping[str, str] = MappingProxyType(
    {"entered": "录入", "approved": "审批", "paid": "发放", "receipt_signed": "受益会员签收"}
)
_TRANSITIONS: Mapping[str | None, frozenset[str]] = MappingProxyType(
    {
        None: frozenset({"entered"}),
        "entered": frozenset({"approved"}),
        "approved": frozenset({"paid"}),
        "paid": frozenset({"receipt_signed"}),
    }
)


@dataclass(frozen=True)
class PriorPayment:
    """An earlier disbursement to the same member (any state but cancelled)."""

    category: str
    on: date
    amount_fen: int
    student: str | None = None
    method: str | None = None
    #: The event it was paid for (the linked claim, or the event date), for R3.1.
    event: str | None = None


@dataclass(frozen=True)
class GoodsShare:
    """What one recipient got in an earlier seasonal-goods distribution of the year (R3.8)."""

    member: str
    on: date
    amount_fen: int


@dataclass(frozen=True)
class Recipient:
    """One line of a batch's recipient list: a member and what they got (R3.8, R3.9)."""

    member: str
    name: str
    amount_fen: int
    role: str = "recipient"


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
    #: Cash only: where the on-site visit took place (R3.2).
    visit_place: str | None = None
    #: The event paid for (R3.11): the linked claim's id or the event date, as a key.
    event: str | None = None
    #: The benefit settled on the linked claim, if any (R3.1 (a)).
    claim_benefit_fen: int | None = None
    #: Why the payment exceeds the standards hierarchy, when it does (R3.1).
    hierarchy_reason: str | None = None
    #: A batch's recipient list (seasonal goods) or an activity's winners and participants.
    recipients: tuple[Recipient, ...] = ()
    #: An activity's participant count (R3.9).
    participants: int | None = None


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


def _positive(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _refuse(rs: RuleSet, code: str, message: str, cite: str | Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def _used_this_year(category: str, history: Sequence[PriorPayment], on: date, student: str | None) -> int:
    return sum(
        p.amount_fen
        for p in history
        if p.category == category and p.on.year == on.year and (category != "education_aid" or p.student == student)
    )


def remaining_allowance(
    category: str, history: Sequence[PriorPayment], on: date, rs: RuleSet | None = None, *, student: str | None = None
) -> Decision:
    """What may still be paid to this member (or student) in this category on `on`.

    data: used_fen (this calendar year), year_cap_fen, occasion_cap_fen, remaining_fen (None
    when the category has no amount cap).
    """
    rs = resolve(rs, on)
    if category not in CATEGORIES:
        raise ValueError(f"未知的支出类别 {category!r}")
    if category in BATCH_CATEGORIES:
        return _batch_rule(category, rs)
    occasion_key, year_key = _CAPS[category]
    used = _used_this_year(category, history, on, student)
    occasion_cap = rs[occasion_key] if occasion_key else None
    year_cap = rs[year_key] if year_key else None
    limits = [cap for cap in (occasion_cap, None if year_cap is None else max(0, year_cap - used)) if cap is not None]
    remaining = min(limits) if limits else None
    data = {"used_fen": used, "year_cap_fen": year_cap, "occasion_cap_fen": occasion_cap, "remaining_fen": remaining}
    name = CATEGORIES[category]
    if remaining is None:
        return rs.decide(
            "no_cap",
            "R3.allowance.no_cap",
            f"{name}无金额上限，按管委会批准的方案执行",
            _CATEGORY_CITATIONS[category],
            **data,
        )
    parts = []
    if year_cap is not None:
        scope = "该生" if category == "education_aid" else "该会员"
        parts.append(f"{on.year}年{scope}已发放 {format_fen(used)}，年度上限 {format_fen(year_cap)}")
    if occasion_cap is not None:
        parts.append(f"每次上限 {format_fen(occasion_cap)}")
    return rs.decide(
        "allowance",
        "R3.allowance",
        f"{name}：{'，'.join(parts)}；本次最多可发 {format_fen(remaining)}",
        year_key or occasion_key or _CATEGORY_CITATIONS[category],  # a cap has its key: the last is never used
        **data,
    )


def _batch_rule(category: str, rs: RuleSet) -> Decision:
    """What a batch category's caps are: no per-member cap, averages or per-prize caps."""
    name = CATEGORIES[category]
    if category == "weather_goods":
        return rs.decide(
            "batch",
            "R3.allowance.batch",
            f"{name}按每次发放整批核对：人均不超过 {format_fen(rs['weather_goods_occasion_cap_fen'])}，"
            f"年度人均不超过 {format_fen(rs['weather_goods_year_cap_fen'])}（不是每人上限）",
            "weather_goods_occasion_cap_fen",
            used_fen=0,
            year_cap_fen=None,
            occasion_cap_fen=None,
            remaining_fen=None,
        )
    return rs.decide(
        "batch",
        "R3.allowance.batch",
        f"{name}按一次活动整体核对：每人奖品不超过 {format_fen(rs['activity_prize_winner_cap_fen'])}，"
        f"获奖不超过参与人数的 {rs['activity_winners_max_share']}；不设奖品的参与奖人均不超过 "
        f"{format_fen(rs['activity_participation_avg_cap_fen'])}",
        "activity_prize_winner_cap_fen",
        used_fen=0,
        year_cap_fen=None,
        occasion_cap_fen=None,
        remaining_fen=None,
    )


def check_caps(
    category: str,
    amount_fen: int,
    on: date,
    history: Sequence[PriorPayment],
    rs: RuleSet | None = None,
    *,
    student: str | None = None,
) -> Decision:
    """A payment stays within its per-occasion cap and, with this year's earlier payments,
    within its per-year cap (003 第四、五条). Seasonal goods and activity awards have no
    per-member cap: ``check_weather_distribution`` and ``check_activity_awards`` check them
    as a whole."""
    allowance = remaining_allowance(category, history, on, rs, student=student)
    rs = resolve(rs, on)
    if category in BATCH_CATEGORIES:
        return allowance
    name = CATEGORIES[category]
    occasion_cap, year_cap, used = (allowance.data[k] for k in ("occasion_cap_fen", "year_cap_fen", "used_fen"))
    occasion_key, year_key = _CAPS[category]
    if occasion_cap is not None and amount_fen > occasion_cap:
        return _refuse(
            rs,
            "R3.cap.occasion_exceeded",
            f"{name} {format_fen(amount_fen)} 超过每次上限 {format_fen(occasion_cap)}",
            occasion_key or _CATEGORY_CITATIONS[category],
            cap_fen=occasion_cap,
        )
    if year_cap is not None and used + amount_fen > year_cap:
        return _refuse(
            rs,
            "R3.cap.year_exceeded",
            f"{name} {format_fen(amount_fen)} 加上{on.year}年已发放 {format_fen(used)} 超过年度上限 "
            f"{format_fen(year_cap)}（尚可发放 {format_fen(max(0, year_cap - used))}）",
            year_key or _CATEGORY_CITATIONS[category],
            cap_fen=year_cap,
            remaining_fen=max(0, year_cap - used),
        )
    return rs.decide("within_caps", "R3.cap.ok", f"{name} {format_fen(amount_fen)} 未超过上限", allowance.citation)


def check_payment_method(d: Disbursement, rs: RuleSet | None = None, history: Sequence[PriorPayment] = ()) -> Decision:
    """R3.2/R3.7: goods are handed out in kind; money goes by transfer to the member's own
    account (003 第九条 一律). Cash is the exception of 003 第十条: only at an on-site visit
    (its place recorded), with a stated reason, and only while the cash paid to this member
    on that day (earlier cash payments in ``history`` added up) stays within the limit;
    above it cash is refused. The signed receipt is checked on payment."""
    rs = resolve(rs, d.on)
    name = CATEGORIES.get(d.category, d.category)
    if d.method not in METHODS:
        return _refuse(rs, "R3.2.method_invalid", f"发放方式应为转账、现金或实物，实为 {d.method!r}", TRANSFER_CITATION)
    if d.category == "fee_subsidy":
        # R3.10 (our reading of 003 第六条): the subsidy reduces what the member's unit
        # owes; no money goes to the member, so the transfer rule of 003 第九条 has nothing to check.
        return rs.decide(
            "fee_reduction",
            "R3.10.no_payment_to_member",
            f"{name} {format_fen(d.amount_fen)} 冲减单位应缴会费，不向会员支付资金，不适用转账规定",
            _CATEGORY_CITATIONS["fee_subsidy"],
        )
    if d.category in GOODS_CATEGORIES:
        if d.method != "in_kind":
            return _refuse(
                rs,
                "R3.2.goods_in_kind",
                f"{name}应发放实物，不得以{METHODS[d.method]}代替",
                _CATEGORY_CITATIONS[d.category],
            )
        return rs.decide("in_kind", "R3.2.ok", f"{name}以实物发放，须取得签收证明", _CATEGORY_CITATIONS[d.category])
    if d.method == "in_kind":
        return _refuse(rs, "R3.2.money_not_in_kind", f"{name}为资金支出，应转账至会员个人账户", TRANSFER_CITATION)
    if d.method == "transfer":
        if not d.to_own_account:
            return _refuse(
                rs,
                "R3.2.not_own_account",
                f"{name}须转账至会员本人个人账户，该会员没有登记本人银行账户：请先登记账户",
                TRANSFER_CITATION,
            )
        return rs.decide(
            "transfer", "R3.2.ok", f"{name} {format_fen(d.amount_fen)} 转账至会员个人账户", TRANSFER_CITATION
        )
    limit = rs["cash_payment_max_fen"]
    same_day = sum(p.amount_fen for p in history if p.method == "cash" and p.on == d.on)
    if same_day + d.amount_fen > limit:
        earlier = (
            f"（当日已现金发放 {format_fen(same_day)}，合计 {format_fen(same_day + d.amount_fen)}）" if same_day else ""
        )
        return _refuse(
            rs,
            "R3.2.cash_over_limit",
            f"现金发放 {format_fen(d.amount_fen)}{earlier}超过每人每日 {format_fen(limit)}："
            "须转账至会员个人账户（003 第九条“一律”）",
            "cash_payment_max_fen",
            limit_fen=limit,
            same_day_fen=same_day,
        )
    place, cash_reason = (d.visit_place or "").strip(), (d.cash_reason or "").strip()
    if not place:
        return _refuse(
            rs,
            "R3.2.cash_visit_required",
            "现金仅限现场慰问时发放：须写明现场慰问的地点（日期即发放日期）",
            "cash_payment_max_fen",
        )
    if not cash_reason:
        return _refuse(rs, "R3.2.cash_reason_required", "现场现金发放须写明不能转账的理由", "cash_payment_max_fen")
    return rs.decide(
        "cash",
        "R3.2.cash_allowed",
        f"{d.on.isoformat()} 于{place}现场慰问，现金 {format_fen(d.amount_fen)}"
        f"（当日合计不超过 {format_fen(limit)}），理由：{cash_reason}；属 003 第九条的例外，"
        "须受益会员当场签收（附件2）",
        "cash_payment_max_fen",
        Severity.WARNING,
    )


def check_budget(budget: BudgetLine | None, amount_fen: int, on: date, rs: RuleSet | None = None) -> Decision:
    """R3.4: a payment is charged to an approved budget line of the year it is paid in and
    stays within it."""
    rs = resolve(rs, on)
    if budget is None:
        return _refuse(rs, "R3.4.no_budget", "无年度预算科目，不得支出", BUDGET_CITATION)
    if budget.year is not None and budget.year != on.year:
        return _refuse(
            rs,
            "R3.4.wrong_year",
            f"{on.isoformat()} 的支出应列入{on.year}年度预算，不能列入{budget.year}年度的预算科目“{budget.name}”",
            BUDGET_CITATION,
            budget_year=budget.year,
        )
    remaining = budget.approved_fen - budget.committed_fen
    if amount_fen > remaining:
        return _refuse(
            rs,
            "R3.4.budget_exceeded",
            f"预算科目“{budget.name}”批准 {format_fen(budget.approved_fen)}，已列支（含待付） "
            f"{format_fen(budget.committed_fen)}，{AVAILABLE_LABEL} {format_fen(remaining)} 不足本次 {format_fen(amount_fen)}",
            BUDGET_CITATION,
            remaining_fen=remaining,
        )
    return rs.decide(
        "within_budget",
        "R3.4.ok",
        f"预算科目“{budget.name}”{AVAILABLE_LABEL} {format_fen(remaining)}，本次后余 {format_fen(remaining - amount_fen)}",
        BUDGET_CITATION,
        remaining_fen=remaining - amount_fen,
    )


def check_disbursement(
    d: Disbursement,
    history: Sequence[PriorPayment],
    budget: BudgetLine | None,
    rs: RuleSet | None = None,
    *,
    year_goods: Sequence[GoodsShare] = (),
) -> Report:
    """Everything checked when a disbursement is entered: category rules, caps (with the
    member's `history`; a seasonal-goods batch with the year's earlier distributions
    `year_goods`; an activity as a whole), the standards hierarchy, situation note, payment
    method and budget."""
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
            decisions.append(
                _refuse(rs, "R3.education.student_required", "子女助学金须注明受助学生（每生每年计算上限）", cite)
            )
        if d.student_kind in excluded:
            decisions.append(
                _refuse(
                    rs,
                    "R3.education.excluded",
                    f"{excluded[d.student_kind]}不在子女助学金救助范围内",
                    "education_aid_excluded_student_kinds",
                )
            )
    if d.category == "fee_subsidy" and not (d.scheme_ref or "").strip():
        decisions.append(
            _refuse(
                rs,
                "R3.fee_subsidy.scheme_required",
                "会费补助须依据经管委会（或代管管理费的办事处）批准的补助方案，请填写方案文号",
                cite,
            )
        )
    if d.category == "weather_goods":
        decisions += check_weather_distribution(d.on, d.recipients, year_goods, rs).decisions
    elif d.category == "activity_prize":
        decisions += check_activity_entry(d, rs).decisions
    else:
        decisions.append(check_caps(d.category, d.amount_fen, d.on, history, rs, student=d.student))
    hierarchy = check_hierarchy(d, history, rs)
    if hierarchy is not None:
        decisions.append(hierarchy)
    decisions.append(check_payment_method(d, rs, history))
    decisions.append(check_budget(budget, d.amount_fen, d.on, rs))
    return Report(tuple(decisions))


def check_hierarchy(d: Disbursement, history: Sequence[PriorPayment], rs: RuleSet | None = None) -> Decision | None:
    """R3.1 "原则上救助标准不高于赔付标准，慰问标准不高于救助标准" (003 第三条3), per case (one
    member, one event): (a) aid for an event that is a settled claim should not exceed the
    benefit settled on it; (b) condolence money should not exceed the aid paid to the member
    for the same event, where aid was paid. 原则上: a warning, accepted with a stated reason
    (``hierarchy_reason``); without one it is refused until the reason is given. None when
    the case does not arise."""
    rs = resolve(rs, d.on)
    same_event = [p for p in history if d.event is not None and p.event == d.event]
    aid_before = sum(p.amount_fen for p in same_event if p.category in AID_CATEGORIES)
    if d.category in AID_CATEGORIES and d.claim_benefit_fen is not None:
        total = aid_before + d.amount_fen
        if total <= d.claim_benefit_fen:
            return None
        code = "R3.1.aid_above_benefit"
        what = (
            f"同一事件救助合计 {format_fen(total)} 高于该案给付的互助金 {format_fen(d.claim_benefit_fen)}"
            "（原则上救助标准不高于赔付标准）"
        )
    elif d.category in CONDOLENCE_CATEGORIES and aid_before > 0:
        total = d.amount_fen + sum(p.amount_fen for p in same_event if p.category in CONDOLENCE_CATEGORIES)
        if total <= aid_before:
            return None
        code = "R3.1.condolence_above_aid"
        what = (
            f"同一事件慰问金合计 {format_fen(total)} 高于已发放的救助 {format_fen(aid_before)}"
            "（原则上慰问标准不高于救助标准）"
        )
    else:
        return None
    reason = (d.hierarchy_reason or "").strip()
    if not reason:
        return _refuse(rs, code, f"{what}：如确需超出，须写明理由", HIERARCHY_CITATION, reason_required=True)
    return rs.decide("exception", code, f"{what}；理由：{reason}", HIERARCHY_CITATION, Severity.WARNING)


def check_weather_distribution(
    on: date, recipients: Sequence[Recipient], year_goods: Sequence[GoodsShare], rs: RuleSet | None = None
) -> Report:
    """R3.8 "每次人均不超过100元，年度人均不超过300元" (003 第五条2(2)): one distribution is
    one entry with its recipient list. Per occasion the total ÷ recipients stays within the
    occasion average; per year the year's seasonal-goods total (``year_goods``: what each
    recipient got in the year's earlier distributions) ÷ distinct recipients within the year
    average. A recipient above either average is shown, not refused, while the averages hold."""
    rs = resolve(rs, on)
    occasion_cap, year_cap = rs["weather_goods_occasion_cap_fen"], rs["weather_goods_year_cap_fen"]
    cite = "weather_goods_occasion_cap_fen"
    if not recipients:
        return Report((_refuse(rs, "R3.8.recipients_required", "季节性慰问品须附领取人名单（每人所得价值）", cite),))
    decisions: list[Decision] = []
    members = [r.member for r in recipients]
    duplicates = sorted({r.name for r in recipients if members.count(r.member) > 1})
    if duplicates:
        decisions.append(
            _refuse(rs, "R3.8.duplicate_recipient", f"同一次发放的名单中重复列出：{'、'.join(duplicates)}", cite)
        )
    bad = [r.name for r in recipients if not _positive(r.amount_fen)]
    if bad:
        decisions.append(_refuse(rs, "R3.amount_invalid", f"领取价值应大于零：{'、'.join(bad)}", cite))
        return Report(tuple(decisions))
    n, total = len(recipients), sum(r.amount_fen for r in recipients)
    if total > occasion_cap * n:
        decisions.append(
            _refuse(
                rs,
                "R3.8.occasion_average_exceeded",
                f"本次 {n} 人合计 {format_fen(total)}，人均 {format_fen(total // n)} 超过每次人均 "
                f"{format_fen(occasion_cap)}（合计至多 {format_fen(occasion_cap * n)}）",
                cite,
                cap_fen=occasion_cap * n,
            )
        )
    year_members = {g.member for g in year_goods if g.on.year == on.year} | set(members)
    year_total = sum(g.amount_fen for g in year_goods if g.on.year == on.year) + total
    if year_total > year_cap * len(year_members):
        decisions.append(
            _refuse(
                rs,
                "R3.8.year_average_exceeded",
                f"{on.year}年季节性慰问品合计 {format_fen(year_total)}，{len(year_members)} 人，人均超过年度 "
                f"{format_fen(year_cap)}（合计至多 {format_fen(year_cap * len(year_members))}）",
                "weather_goods_year_cap_fen",
                cap_fen=year_cap * len(year_members),
            )
        )
    above = [r.name for r in recipients if r.amount_fen > occasion_cap]
    got = {m: sum(g.amount_fen for g in year_goods if g.member == m and g.on.year == on.year) for m in members}
    above_year = [r.name for r in recipients if got[r.member] + r.amount_fen > year_cap]
    if above or above_year:
        parts = ([f"本次高于人均 {format_fen(occasion_cap)}：{'、'.join(above)}"] if above else []) + (
            [f"全年高于人均 {format_fen(year_cap)}：{'、'.join(above_year)}"] if above_year else []
        )
        decisions.append(
            rs.decide(
                "shown",
                "R3.8.recipient_above_average",
                "；".join(parts) + "（人均标准按全体领取人计算，个人高于人均不拒绝）",
                cite,
                Severity.WARNING,
                above=above,
                above_year=above_year,
            )
        )
    if not any(d.severity is Severity.ERROR for d in decisions):
        decisions.append(
            rs.decide(
                "within_averages",
                "R3.8.ok",
                f"本次 {n} 人，人均 {format_fen(total // n)}；{on.year}年 {len(year_members)} 人，"
                f"人均 {format_fen(year_total // len(year_members))}",
                cite,
            )
        )
    return Report(tuple(decisions))


def check_activity_entry(d: Disbursement, rs: RuleSet | None = None) -> Report:
    """R3.9: one activity entered as a whole — its participant count, winners with their
    prizes (role "winner") or participation awards (role "participant") — checked by
    ``check_activity_awards``; the entry's amount is the list's total."""
    rs = resolve(rs, d.on)
    cite = "activity_prize_winner_cap_fen"
    if not d.recipients:
        return Report((_refuse(rs, "R3.9.recipients_required", "文体活动须列出获奖者及奖品，或参与奖领取人", cite),))
    decisions: list[Decision] = []
    unknown = sorted({r.role for r in d.recipients if r.role not in ("winner", "participant")})
    if unknown:
        decisions.append(
            _refuse(rs, "R3.9.role_invalid", f"名单中的身份应为获奖者或参与奖，实为 {'、'.join(unknown)}", cite)
        )
    participants = d.participants if _positive(d.participants) else 0
    takers = [r for r in d.recipients if r.role == "participant"]
    if participants and len(takers) > participants:
        decisions.append(
            _refuse(
                rs,
                "R3.9.more_takers_than_participants",
                f"参与奖领取 {len(takers)} 人多于参与人数 {participants} 人",
                cite,
            )
        )
    awards = ActivityAwards(
        participants, tuple(r.amount_fen for r in d.recipients if r.role == "winner"), sum(r.amount_fen for r in takers)
    )
    decisions += check_activity_awards(awards, d.on, rs).decisions
    return Report(tuple(decisions))


def check_approvers(entered_by: str, supervisors: Sequence[str], on: date, rs: RuleSet | None = None) -> Decision:
    """R3.5 at entry: someone other than the entering user must be able to approve. When the
    only active supervisors are the entering user (or there are none), say so and what to do;
    a warning, since the entry itself is right and a second supervisor may be added later."""
    rs = resolve(rs, on)
    others = sorted(s for s in supervisors if s.strip() != entered_by.strip())
    if others:
        return rs.decide(
            "approvable", "R3.5.approver_available", f"可由负责人 {'、'.join(others)} 审批", APPROVAL_CITATION
        )
    who = f"录入人 {entered_by} 是唯一在职负责人" if entered_by in supervisors else "没有在职负责人"
    return rs.decide(
        "no_approver",
        "R3.5.no_other_approver",
        f"{who}，本笔支出无人能审批（不得审批本人录入的支出）：请增加一名负责人"
        "（huzhu user add 姓名 --role supervisor），或由另一名负责人录入",
        APPROVAL_CITATION,
        Severity.WARNING,
    )


def check_void(
    state: str | None, reason: str | None, on: date, last_on: date | None, today: date, rs: RuleSet | None = None
) -> Decision:
    """R9.3: a wrong disbursement is voided by a new, dated entry with a reason; the row stays.
    A void is dated on or after its last step and not in the future; a voided one stays void."""
    rs = resolve(rs, on)
    if state == "cancelled":
        return _refuse(rs, "R9.3.already_void", "该笔支出已作废", VOID_CITATION)
    reason = (reason or "").strip()
    if not reason:
        return _refuse(rs, "R9.3.reason_required", "作废须写明原因", VOID_CITATION)
    if on > today:
        return _refuse(
            rs, "R9.3.date_in_future", f"作废日期 {on.isoformat()} 晚于当日 {today.isoformat()}", VOID_CITATION
        )
    if last_on is not None and on < last_on:
        return _refuse(
            rs,
            "R9.3.date_backwards",
            f"作废日期 {on.isoformat()} 早于上一环节日期 {last_on.isoformat()}",
            VOID_CITATION,
            earliest=last_on,
        )
    return rs.decide(
        "void",
        "R9.3.void_ok",
        f"{on.isoformat()} 作废，原因：{reason}；原记录保留，不再计入上限和预算",
        VOID_CITATION,
    )


def check_approval(
    entered_by: str, approver: str, approver_role: str | None, on: date, rs: RuleSet | None = None
) -> Decision:
    """R3.5: the approver is a supervisor and not the clerk who entered the payment."""
    rs = resolve(rs, on)
    if approver.strip() == entered_by.strip():
        return _refuse(
            rs, "R3.5.self_approval", f"录入人 {entered_by} 不得审批本人录入的支出（不相容岗位分离）", APPROVAL_CITATION
        )
    if approver_role != SUPERVISOR_ROLE:
        return _refuse(rs, "R3.5.not_supervisor", f"{approver} 无审批权限（须为负责人）", APPROVAL_CITATION)
    return rs.decide("approved", "R3.5.ok", f"由负责人 {approver} 审批（录入人 {entered_by}）", APPROVAL_CITATION)


def check_disbursement_transition(
    events: Sequence[DisbursementEvent], event: DisbursementEvent, rs: RuleSet | None = None, today: date | None = None
) -> Decision:
    """entered → approved → paid → receipt_signed, with R3.5 on approval and proof on payment;
    a step is never dated in the future (``today``)."""
    rs = resolve(rs, event.on)
    if today is not None and event.on > today:
        return _refuse(
            rs,
            "R3.state.date_in_future",
            f"“{DISBURSEMENT_STATES.get(event.state, event.state)}”日期 "
            f"{event.on.isoformat()} 晚于当日 {today.isoformat()}",
            RECEIPT_CITATION,
        )
    current = events[-1].state if events else None
    refusal = check_step(
        rs,
        "R3.state",
        RECEIPT_CITATION,
        _TRANSITIONS,
        DISBURSEMENT_STATES,
        current,
        events[-1].on if events else None,
        event.state,
        event.on,
        event.clerk,
    )
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
            return _refuse(
                rs, "R3.2.method_invalid", f"发放方式应为转账、现金或实物，实为 {event.method!r}", TRANSFER_CITATION
            )
    return rs.decide(
        event.state,
        "R3.state.ok",
        f"{event.on.isoformat()} {DISBURSEMENT_STATES[event.state]}（经办人 {event.clerk}）",
        RECEIPT_CITATION,
    )


def check_activity_awards(activity: ActivityAwards, on: date, rs: RuleSet | None = None) -> Report:
    """003 第七条: winners at most 2/3 of participants, each prize within its cap; an activity
    without prizes may give a participation award within the per-head average."""
    rs = resolve(rs, on)
    if not _positive(activity.participants):
        return Report(
            (_refuse(rs, "R3.activity.participants_invalid", "参与人数应为正整数", "activity_winners_max_share"),)
        )
    decisions: list[Decision] = []
    share = rs["activity_winners_max_share"]
    max_winners = floor(activity.participants * share)
    winners = len(activity.prizes_fen)
    if winners > max_winners:
        decisions.append(
            _refuse(
                rs,
                "R3.activity.too_many_winners",
                f"获奖 {winners} 人超过参与人数 {activity.participants} 人的 {share}（至多 {max_winners} 人）",
                "activity_winners_max_share",
                max_winners=max_winners,
            )
        )
    prize_cap = rs["activity_prize_winner_cap_fen"]
    over = [p for p in activity.prizes_fen if p > prize_cap]
    if over:
        decisions.append(
            _refuse(
                rs,
                "R3.activity.prize_over_cap",
                f"{len(over)} 份奖品超过每人 {format_fen(prize_cap)}（最高 {format_fen(max(over))}）",
                "activity_prize_winner_cap_fen",
            )
        )
    if activity.participation_awards_fen:
        average_cap = rs["activity_participation_avg_cap_fen"]
        if winners:
            decisions.append(
                _refuse(
                    rs,
                    "R3.activity.prize_and_participation",
                    "已设置奖品的活动不再发放参与奖（不设置奖品的，方可发放参与奖）",
                    "activity_participation_avg_cap_fen",
                )
            )
        if activity.participation_awards_fen > average_cap * activity.participants:
            decisions.append(
                _refuse(
                    rs,
                    "R3.activity.participation_over_cap",
                    f"参与奖合计 {format_fen(activity.participation_awards_fen)} 超过人均 "
                    f"{format_fen(average_cap)} × {activity.participants} 人",
                    "activity_participation_avg_cap_fen",
                )
            )
    if not decisions:
        decisions.append(
            rs.decide(
                "ok",
                "R3.activity.ok",
                f"参与 {activity.participants} 人，获奖 {winners} 人，奖励符合标准",
                "activity_winners_max_share",
            )
        )
    return Report(tuple(decisions))
