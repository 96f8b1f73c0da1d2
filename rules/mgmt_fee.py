"""The management-fee accounts (DOMAIN §11; R3.5, R4.4 as revised, R11.4, R11.5, R11.7).

"代办处的费用来源为办事处回拨的管理费" (000 第十九条5): the management fee is the branch's only
money. Income is recorded with the office's 下拨/批复 reference (R11.4); every payment — welfare
(003, rules.disbursements) and everything else here — is charged to an approved budget line of
an allowed category (R11.7, 003 第八条) and stays within it (R3.4). The one who records a
payment neither approves nor pays it, and the accountant is not the cashier (000 第十九条2;
001 fin.3); a payment above the large-amount threshold is approved only on a recorded
collective decision (002 第三十条 as guidance, R11.5).

Pure functions over plain data: the caller reads the database and passes the facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from rules.budget import line_catalogue
from rules.money import format_fen
from rules.params import NoFigureInForce, RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

SOURCE_CITATION = Citation("000", "第十九条5")
USE_CITATION = Citation("000", "第二十六条")
BUDGET_CITATION = Citation("003", "第八条")
INCOME_CITATION = Citation("000", "第二十三条2")
VOUCHER_CITATION = Citation("000", "第十九条4")
SEPARATION_CITATION = Citation("000", "第十九条2")
POSTS_CITATION = Citation("001", "附件1 财务管理3")
APPROVAL_CITATION = Citation("001", "附件1 财务管理5")
COLLECTIVE_CITATION = Citation("002", "第三十条")

#: Income kinds (R11.4): the office's returned management fee, anything else received.
INCOME_KINDS: Mapping[str, str] = MappingProxyType({"office_return": "回拨管理费", "other": "其他收入"})
#: Spending categories other than welfare (welfare is rules.disbursements' 003 kinds). Which
#: budget lines may carry each is the catalogue's ``spends`` (rules/data/budget_lines.toml).
SPEND_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "office": "办公经费",
        "training": "培训",
        "publicity": "宣传",
        "purchase": "购置",
        "asset": "固定资产",
        "project": "服务项目",
        "activity": "会员活动",
    }
)
#: Spending states, in order, with their Chinese names.
SPEND_STATES: Mapping[str, str] = MappingProxyType(
    {"entered": "已录入", "approved": "已审批", "paid": "已支付", "cancelled": "已作废"}
)
#: Bodies that take a collective decision (R11.5).
DECISION_BODIES: Mapping[str, str] = MappingProxyType(
    {"committee": "管理委员会会议", "leadership": "代办处领导班子会议"}
)
SUPERVISOR = "supervisor"
ACCOUNTANT = "accountant"
CASHIER = "cashier"
TEXT_MAX = 200
MIN_ATTENDEES = 3


def _refuse(rs: RuleSet, code: str, message: str, cite: Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def _positive_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class Income:
    kind: str
    on: date
    amount_fen: int
    reference: str | None = None
    voucher_no: str | None = None


def check_income(income: Income, today: date, rs: RuleSet | None = None) -> Report:
    """R11.4: income is dated (not in the future), positive, of a known kind; the office's
    returned fee names its 下拨/批复 reference (001 附件3-8)."""
    rs = resolve(rs, income.on)
    out: list[Decision] = []
    if income.kind not in INCOME_KINDS:
        listed = "、".join(f"{k}（{v}）" for k, v in INCOME_KINDS.items())
        out.append(_refuse(rs, "R11.4.kind_unknown", f"收入类别应为 {listed}", INCOME_CITATION, field="kind"))
    if not _positive_fen(income.amount_fen):
        out.append(_refuse(rs, "R11.4.amount_invalid", "收入金额应大于零", INCOME_CITATION, field="amount"))
    if income.on > today:
        out.append(
            _refuse(
                rs,
                "R11.4.date_in_future",
                f"收入日期 {income.on.isoformat()} 晚于当日 {today.isoformat()}",
                INCOME_CITATION,
                field="on",
            )
        )
    if income.kind == "office_return" and not (income.reference or "").strip():
        out.append(
            _refuse(
                rs,
                "R11.4.reference_required",
                "回拨管理费须写明办事处下拨申请或批复文号",
                SOURCE_CITATION,
                field="reference",
            )
        )
    if not out:
        out.append(
            rs.decide(
                "ok",
                "R11.4.ok",
                f"{income.on.isoformat()} {INCOME_KINDS[income.kind]} {format_fen(income.amount_fen)}",
                INCOME_CITATION,
            )
        )
    return Report(tuple(out))


@dataclass(frozen=True)
class LineFacts:
    """The approved budget line a payment is charged to: its catalogue code, year, the
    approved amount and what is already charged to it (welfare and other spending)."""

    code: str
    name: str
    year: int
    approved_fen: int
    committed_fen: int


@dataclass(frozen=True)
class Spending:
    category: str
    on: date
    amount_fen: int
    payee: str
    note: str


def check_spending(spending: Spending, line: LineFacts | None, today: date, rs: RuleSet | None = None) -> Report:
    """A payment other than welfare, as entered: an allowed category (R11.7) on an approved
    line that may carry it, of the payment's year, within what is left on it (R3.4), with a
    payee and a note of what it is for; not dated in the future."""
    rs = resolve(rs, spending.on)
    out: list[Decision] = []
    name = SPEND_CATEGORIES.get(spending.category)
    if name is None:
        listed = "、".join(f"{k}（{v}）" for k, v in SPEND_CATEGORIES.items())
        out.append(
            _refuse(
                rs,
                "R11.7.category_unknown",
                f"支出类别“{spending.category}”不在允许的管理费用途内，应为：{listed}；"
                "互助互济支出用 huzhu disbursement 录入",
                USE_CITATION,
                field="category",
            )
        )
    if not _positive_fen(spending.amount_fen):
        out.append(_refuse(rs, "R11.4.amount_invalid", "支出金额应大于零", BUDGET_CITATION, field="amount"))
    if spending.on > today:
        out.append(
            _refuse(
                rs,
                "R11.4.date_in_future",
                f"支出日期 {spending.on.isoformat()} 晚于当日 {today.isoformat()}",
                BUDGET_CITATION,
                field="on",
            )
        )
    for value, label, key in ((spending.payee, "收款方", "payee"), (spending.note, "用途说明", "note")):
        if not (value or "").strip():
            out.append(_refuse(rs, f"R11.4.{key}_required", f"请填写{label}", VOUCHER_CITATION, field=key))
        elif len(value.strip()) > TEXT_MAX:
            out.append(
                _refuse(rs, f"R11.4.{key}_too_long", f"{label}不超过 {TEXT_MAX} 字", VOUCHER_CITATION, field=key)
            )
    if line is None:
        out.append(
            _refuse(
                rs,
                "R11.7.no_budget_line",
                "每笔管理费支出须列入批准的预算科目（huzhu budget list）",
                BUDGET_CITATION,
                field="line",
            )
        )
    else:
        kind = line_catalogue().get(line.code)
        if name is not None and (kind is None or spending.category not in kind.spends):
            allowed = [k.code for k in line_catalogue().values() if spending.category in k.spends]
            out.append(
                _refuse(
                    rs,
                    "R11.7.line_category_mismatch",
                    f"预算科目“{line.name}”不列支{name}；应列入：{'、'.join(allowed) or '无'}",
                    USE_CITATION,
                    field="line",
                )
            )
        if line.year != spending.on.year:
            out.append(
                _refuse(
                    rs,
                    "R3.4.budget_year_mismatch",
                    f"{spending.on.year}年的支出不得列入{line.year}年度预算",
                    BUDGET_CITATION,
                    field="line",
                )
            )
        left = line.approved_fen - line.committed_fen
        if _positive_fen(spending.amount_fen) and spending.amount_fen > left:
            out.append(
                _refuse(
                    rs,
                    "R3.4.budget_exceeded",
                    f"预算科目“{line.name}”批准 {format_fen(line.approved_fen)}，已列支 "
                    f"{format_fen(line.committed_fen)}，余额 {format_fen(left)}，不足支付 {format_fen(spending.amount_fen)}",
                    BUDGET_CITATION,
                    field="amount",
                    remaining_fen=left,
                )
            )
    if not out:
        out.append(
            rs.decide(
                "ok",
                "R11.7.ok",
                f"{name} {format_fen(spending.amount_fen)} 列入“{line.name if line else ''}”，"
                f"余额 {format_fen(line.approved_fen - line.committed_fen - spending.amount_fen) if line else ''}",
                BUDGET_CITATION,
            )
        )
    return Report(tuple(out))


def check_approver(
    recorded_by: str, approver: str, approver_role: str | None, on: date, rs: RuleSet | None = None
) -> Decision:
    """R3.5 for every payment: the approver is the 负责人 (supervisor) and not the one who recorded it."""
    rs = resolve(rs, on)
    if approver.strip() == recorded_by.strip():
        return _refuse(
            rs,
            "R3.5.self_approval",
            f"录入人 {recorded_by} 不得审批本人录入的支出（不相容岗位分离）",
            APPROVAL_CITATION,
        )
    if approver_role != SUPERVISOR:
        return _refuse(rs, "R3.5.not_supervisor", f"{approver} 不是负责人，不能审批支出", APPROVAL_CITATION)
    return rs.decide("ok", "R3.5.ok", f"{on.isoformat()} 由负责人 {approver} 审批", APPROVAL_CITATION)


def check_payer(recorded_by: str, payer: str, payer_role: str | None, on: date, rs: RuleSet | None = None) -> Decision:
    """Separation of duties at payment (000 第十九条2; 001 fin.3 会计、出纳分设): the one who
    recorded a payment does not pay it, and an accountant does not act as cashier."""
    rs = resolve(rs, on)
    if payer.strip() == recorded_by.strip():
        return _refuse(
            rs,
            "R4.sep.payer_is_recorder",
            f"{payer} 录入了这笔支出，不能再办理支付：录入与支付须由不同的人办理（不相容岗位分离）",
            SEPARATION_CITATION,
        )
    if payer_role == ACCOUNTANT:
        return _refuse(
            rs,
            "R4.sep.accountant_pays",
            f"{payer} 是会计，不能办理支付：会计与出纳岗位分设，支付由出纳或其他人员办理",
            POSTS_CITATION,
        )
    return rs.decide(
        "ok", "R4.sep.ok", f"{on.isoformat()} 由 {payer} 支付（录入人 {recorded_by}）", SEPARATION_CITATION
    )


@dataclass(frozen=True)
class DecisionFacts:
    """A recorded collective decision (R11.5) as the approval check reads it."""

    on: date
    body: str
    attendees: tuple[str, ...]
    amount_fen: int | None
    minutes_ref: str | None = None


def check_decision_record(facts: DecisionFacts, decision_text: str, today: date, rs: RuleSet | None = None) -> Report:
    """A collective decision as recorded: a known body, a date not in the future, at least
    three attendees (one person's say is not a collective decision), what was decided, and
    the amount when given."""
    rs = resolve(rs, facts.on)
    out: list[Decision] = []
    if facts.body not in DECISION_BODIES:
        listed = "、".join(f"{k}（{v}）" for k, v in DECISION_BODIES.items())
        out.append(_refuse(rs, "R11.5.body_unknown", f"决策机构应为 {listed}", COLLECTIVE_CITATION, field="body"))
    if facts.on > today:
        out.append(
            _refuse(
                rs,
                "R11.5.date_in_future",
                f"会议日期 {facts.on.isoformat()} 晚于当日 {today.isoformat()}",
                COLLECTIVE_CITATION,
                field="on",
            )
        )
    names = {a.strip() for a in facts.attendees if a.strip()}
    if len(names) < MIN_ATTENDEES:
        out.append(
            _refuse(
                rs,
                "R11.5.attendees_too_few",
                f"集体决策须列明参会人员，至少 {MIN_ATTENDEES} 人，实为 {len(names)} 人",
                COLLECTIVE_CITATION,
                field="attendees",
            )
        )
    text = (decision_text or "").strip()
    if not text:
        out.append(
            _refuse(rs, "R11.5.decision_required", "请写明决策事项及结果", COLLECTIVE_CITATION, field="decision")
        )
    elif len(text) > TEXT_MAX:
        out.append(
            _refuse(
                rs, "R11.5.decision_too_long", f"决策内容不超过 {TEXT_MAX} 字", COLLECTIVE_CITATION, field="decision"
            )
        )
    if facts.amount_fen is not None and not _positive_fen(facts.amount_fen):
        out.append(_refuse(rs, "R11.5.amount_invalid", "决策金额应大于零", COLLECTIVE_CITATION, field="amount"))
    if not out:
        out.append(
            rs.decide(
                "ok",
                "R11.5.recorded",
                f"{facts.on.isoformat()} {DECISION_BODIES[facts.body]}（{len(names)} 人参加）集体决策"
                + (f"，金额 {format_fen(facts.amount_fen)}" if facts.amount_fen is not None else ""),
                COLLECTIVE_CITATION,
            )
        )
    return Report(tuple(out))


def needs_collective_decision(amount_fen: int, on: date, rs: RuleSet | None = None) -> bool:
    """Whether a payment of ``amount_fen`` on ``on`` is above the large-amount threshold in force
    (no threshold in force before 002: R1.10, the check is skipped)."""
    rs = resolve(rs, on)
    if not rs.has("collective_decision_threshold_fen"):
        return False
    threshold: int = rs["collective_decision_threshold_fen"]
    return amount_fen > threshold


def check_collective(amount_fen: int, decision: DecisionFacts | None, on: date, rs: RuleSet | None = None) -> Decision:
    """R11.5 at approval: above the threshold in force on the approval date, a linked decision
    taken on or before that date, for at least the amount when it names one."""
    rs = resolve(rs, on)
    try:
        threshold: int = rs["collective_decision_threshold_fen"]
    except NoFigureInForce:
        return rs.decide(
            "skipped",
            "R11.5.no_figure",
            f"{on.isoformat()} 无大额资金集体决策的起点数值（无当时数值），不检查",
            COLLECTIVE_CITATION,
        )
    if amount_fen <= threshold:
        return rs.decide(
            "ok",
            "R11.5.below_threshold",
            f"金额 {format_fen(amount_fen)} 未超过集体决策起点 {format_fen(threshold)}",
            "collective_decision_threshold_fen",
        )
    if decision is None:
        return _refuse(
            rs,
            "R11.5.decision_missing",
            f"金额 {format_fen(amount_fen)} 超过大额资金起点 {format_fen(threshold)}，须经集体决策并保留记录"
            "方可审批：先用 huzhu decision add 记录会议决定，审批时用 --decision 编号关联",
            COLLECTIVE_CITATION,
            threshold_fen=threshold,
        )
    if decision.on > on:
        return _refuse(
            rs,
            "R11.5.decision_after_approval",
            f"集体决策日期 {decision.on.isoformat()} 晚于审批日期 {on.isoformat()}：须先决策后审批",
            COLLECTIVE_CITATION,
        )
    if decision.amount_fen is not None and decision.amount_fen < amount_fen:
        return _refuse(
            rs,
            "R11.5.decision_amount_short",
            f"集体决策金额 {format_fen(decision.amount_fen)} 低于本笔 {format_fen(amount_fen)}",
            COLLECTIVE_CITATION,
        )
    ref = f"（纪要 {decision.minutes_ref}）" if decision.minutes_ref else ""
    return rs.decide(
        "ok",
        "R11.5.decided",
        f"金额 {format_fen(amount_fen)} 超过 {format_fen(threshold)}，已经 {decision.on.isoformat()} "
        f"{DECISION_BODIES.get(decision.body, decision.body)}集体决策{ref}",
        COLLECTIVE_CITATION,
    )


def check_spending_transition(
    state: str | None, step: str, on: date, last_on: date | None, today: date, rs: RuleSet | None = None
) -> Decision:
    """entered → approved → paid; a void from any state but cancelled (with the caller's
    reason); a step is dated on or after the one before and not in the future."""
    rs = resolve(rs, on)
    allowed = {"approve": ("entered",), "pay": ("approved",), "void": ("entered", "approved", "paid")}
    names = {"approve": "审批", "pay": "支付", "void": "作废"}
    if step not in allowed:
        return _refuse(rs, "R11.state.step_unknown", f"未知的步骤 {step}", BUDGET_CITATION)
    if state not in allowed[step]:
        return _refuse(
            rs,
            "R11.state.order",
            f"当前状态为“{SPEND_STATES.get(state or '', state)}”，不能办理{names[step]}",
            BUDGET_CITATION,
        )
    if on > today:
        return _refuse(
            rs,
            "R11.state.date_in_future",
            f"{names[step]}日期 {on.isoformat()} 晚于当日 {today.isoformat()}",
            BUDGET_CITATION,
        )
    if last_on is not None and on < last_on:
        return _refuse(
            rs,
            "R11.state.date_backwards",
            f"{names[step]}日期 {on.isoformat()} 早于上一环节日期 {last_on.isoformat()}",
            BUDGET_CITATION,
        )
    return rs.decide("ok", "R11.state.ok", f"{on.isoformat()} {names[step]}", BUDGET_CITATION)


@dataclass(frozen=True)
class YearFigures:
    """The year's management-fee account (R11.4): opening balance, income, spending."""

    opening_fen: int
    income_fen: int
    spent_fen: int

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.income_fen - self.spent_fen


def execution_rate(spent_fen: int, budget_fen: int) -> float | None:
    """Spent over budget (001 fin.8 预算执行情况); None without a budget."""
    return spent_fen / budget_fen if budget_fen > 0 else None


def check_balance(figures: YearFigures, on: date, rs: RuleSet | None = None) -> Decision:
    """A negative balance means more was paid than the management fee brought in (000 第十九条5):
    shown as a warning (the income may not be entered yet), never hidden."""
    rs = resolve(rs, on)
    if figures.closing_fen < 0:
        return rs.decide(
            "negative",
            "R11.4.balance_negative",
            f"管理费余额为 {format_fen(figures.closing_fen)}：支出多于已登记的收入，请核对回拨管理费是否已登记",
            SOURCE_CITATION,
            Severity.WARNING,
        )
    return rs.decide("ok", "R11.4.balance_ok", f"管理费余额 {format_fen(figures.closing_fen)}", SOURCE_CITATION)


def spending_categories_for(code: str) -> Sequence[str]:
    """The spending categories a budget line may carry (the catalogue's ``spends``)."""
    kind = line_catalogue().get(code)
    return kind.spends if kind else ()
