"""Enrolment, renewal and the observation period (docs/rules.md R1, 000 第十七条1–4, 002 第十五条).

A policy covers `start … end` inclusive; its 失效日 (expiry) is `end + 1`. A member's cover
in a policy is a set of coverage lines: a number of shares, the day their cover starts, and
the last day of their observation period. `classify_enrolment` decides what an enrolment
row means given what the database already holds for that member in that plan, and returns
the lines to create, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rules.dates import expiry, term_end
from rules.params import NO_FIGURE_MARKER, PlanParams, RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity
from rules.roles import SUPERVISOR_ROLE

RETIREMENT_CITATION = Citation("000", "第十七条1")
HEAD_TO_TAIL_CITATION = Citation("000", "第十七条2")
MID_PERIOD_CITATION = Citation("000", "第十七条3")
ADDED_SHARES_CITATION = Citation("000", "第十七条4")
TERM_CITATION = Citation("002", "第十五条")
HISTORY_CITATION = Citation("000", "第三十一条")

#: How a coverage line was decided (`CoverageLine.basis`): checked under the rules in force,
#: or R1.10's two cases: no figure in force for its date, or history before 2017-01-01.
BASES = ("", "no_figure", "unchecked_history")

#: Kinds of enrolment row (`EnrolmentOutcome.kind`); a refused row has kind "refused".
ENROLMENT_KINDS = (
    "first_enrolment",
    "renewal",
    "late_renewal_as_first",
    "added_shares",
    "unchanged",
    "shares_decrease_deferred",
)


@dataclass(frozen=True)
class CoverageLine:
    """Shares covered from `cover_start`; illness on or before `observation_end` is not payable."""

    shares: int
    cover_start: date
    observation_end: date | None
    basis: str = ""
    #: How this line came about when it differs from the outcome's kind: shares added at a
    #: renewal are "added_shares" (R1.5), not "renewal", although the policy is renewed.
    event: str = ""


@dataclass(frozen=True)
class MemberPolicy:
    """A member's coverage lines in one policy period of one plan.

    `next_shares` is the member's total asked for the next period by the latest row filed in
    this period, when that was a decrease (or a later row cancelling one): R1.5 defers a
    decrease to the next renewal, which must then carry no more than this.
    """

    start: date
    end: date
    lines: tuple[CoverageLine, ...] = ()
    next_shares: int | None = None

    @property
    def expiry(self) -> date:
        return expiry(self.end)

    @property
    def shares(self) -> int:
        return sum(line.shares for line in self.lines)

    @property
    def renewal_shares(self) -> int:
        """Shares a renewal carries forward: the held shares less a decrease filed this period (R1.5)."""
        return self.shares if self.next_shares is None else min(self.shares, self.next_shares)


@dataclass(frozen=True)
class EnrolmentRow:
    """One member's row of an enrolment or renewal (plain data from a file or form).

    `shares` is the member's total shares in the policy after the row (docs/rules.md R1.5).
    """

    unit: str
    plan: str
    start: date
    end: date
    filed: date
    shares: int
    retirement_date: date | None = None


@dataclass(frozen=True)
class SupervisorOverride:
    """A supervisor's written exception to R1.4, kept in the audit log by the caller."""

    supervisor: str
    role: str
    reason: str


@dataclass(frozen=True)
class EnrolmentOutcome:
    """What an enrolment row means: the deciding decision, the lines to create, and notes."""

    decision: Decision
    lines: tuple[CoverageLine, ...] = ()
    notes: tuple[Decision, ...] = ()

    @property
    def kind(self) -> str:
        return self.decision.outcome

    @property
    def ok(self) -> bool:
        return self.decision.ok

    @property
    def report(self) -> Report:
        return Report((self.decision, *self.notes))


def observation_end(cover_start: date, days: int) -> date | None:
    """Last day of an observation period of `days` counted from `cover_start` (R1.7).

    N days cover `cover_start … cover_start + N − 1`; None when the plan has none.
    """
    return cover_start + timedelta(days=days - 1) if days > 0 else None


def cover_start(policy_start: date, filed: date) -> date:
    """R1.8: a first enrolment is never covered before the day it is filed."""
    return max(policy_start, filed)


def renewal_window(prev_end: date, rs: RuleSet) -> tuple[date, date]:
    """First and last filing days of an on-time renewal of a policy ending on `prev_end` (R1.3)."""
    due = expiry(prev_end)
    return (
        due - timedelta(days=rs["renewal_window_before_days"]),
        due + timedelta(days=rs["renewal_window_after_days"]),
    )


def _refused(rs: RuleSet, code: str, message: str, cite: str | Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def check_retirement(retirement_date: date | None, new_cover_start: date, policy_end: date, rs: RuleSet) -> Decision:
    """R1.1: no cover may start on or after retirement; retiring later ends cover at policy end."""
    if retirement_date is not None and retirement_date <= new_cover_start:
        return _refused(
            rs,
            "R1.1.retired",
            f"退休日 {retirement_date.isoformat()} 不晚于保障起始日 {new_cover_start.isoformat()}："
            "已办理正式退休手续的职工不予承保",
            RETIREMENT_CITATION,
            retirement_date=retirement_date,
        )
    if retirement_date is not None and retirement_date <= policy_end:
        return rs.decide(
            "covered_until_end",
            "R1.1.retires_during_term",
            f"退休日 {retirement_date.isoformat()} 在保障期内：保障至 {policy_end.isoformat()} 止，下期不予续保",
            RETIREMENT_CITATION,
            Severity.WARNING,
            retirement_date=retirement_date,
            cover_until=policy_end,
        )
    return rs.decide("not_retired", "R1.1.not_retired", "未办理退休手续，可承保", RETIREMENT_CITATION)


def check_term(start: date, end: date, rs: RuleSet, override: SupervisorOverride | None = None) -> Decision:
    """R1.6: a period must be non-empty; as a rule (一般) at most the maximum term.

    A longer term is a warning that needs a stated reason: without a supervisor's override
    it is not accepted ("R1.6.reason_required"); with one it is accepted with a warning.
    Before 002 applied (2020-03-02) no limit is in force and the check is skipped (R1.10).
    """
    if end < start:
        return _refused(
            rs,
            "R1.2.period_invalid",
            f"保障期止日 {end.isoformat()} 早于起始日 {start.isoformat()}",
            HEAD_TO_TAIL_CITATION,
        )
    if not rs.has("term_max_years"):
        return rs.decide(
            "term_not_checked",
            "R1.6.no_figure",
            f"{rs.effective_from.isoformat()} 起的规则集没有保障期限上限（{NO_FIGURE_MARKER}）：不核查期限",
            TERM_CITATION,
        )
    latest_end = term_end(start, rs["term_max_years"] * 12)
    period = f"保障期 {start.isoformat()} 至 {end.isoformat()} 超过 {rs['term_max_years']} 年（最晚止于 {latest_end.isoformat()}）"
    if end > latest_end:
        if override is None:
            return _refused(
                rs,
                "R1.6.reason_required",
                f"{period}：保障期限一般控制在三年以内，超过须由负责人写明理由方可办理",
                "term_max_years",
                latest_end=latest_end,
            )
        if override.role != SUPERVISOR_ROLE or not override.supervisor.strip() or not override.reason.strip():
            return _refused(
                rs,
                "R1.6.override_invalid",
                f"{period}：须由负责人（现为角色 {override.role or '无'}）批准并写明理由",
                "term_max_years",
                latest_end=latest_end,
            )
        return rs.decide(
            "term_over_max",
            "R1.6.term_over_max",
            f"{period}：经负责人 {override.supervisor} 批准，理由：{override.reason.strip()}",
            "term_max_years",
            Severity.WARNING,
            latest_end=latest_end,
            supervisor=override.supervisor,
            reason=override.reason.strip(),
        )
    return rs.decide(
        "term_ok",
        "R1.6.term_ok",
        f"保障期 {start.isoformat()} 至 {end.isoformat()} 未超过 {rs['term_max_years']} 年",
        "term_max_years",
    )


def classify_renewal(
    prev_start: date, prev_end: date, new_start: date, new_end: date, filed: date, plan: str, rs: RuleSet | None = None
) -> Decision:
    """Classify a unit's renewal of a policy (R1.2, R1.3).

    Outcomes: "renewal" (continuous cover from `new_start`, observation ends kept),
    "late_renewal_as_first" (period kept head-to-tail, cover and observation from `filed`),
    or "refused" (not head-to-tail, wrong term length, or filed too early).
    """
    rs = resolve(rs, filed)
    params = rs.plan_or_no_figure(plan)
    if params is None:
        return _refused(rs, "R1.plan.unknown", f"规则集 {rs.version} 中没有保障计划 {plan}", TERM_CITATION)
    due = expiry(prev_end)
    previous = f"上期保单 {prev_start.isoformat()} 至 {prev_end.isoformat()}（失效日 {due.isoformat()}）"
    if new_start != due:
        return _refused(
            rs,
            "R1.2.not_head_to_tail",
            f"续保生效日 {new_start.isoformat()} 应为{previous}的失效日 {due.isoformat()}，须首尾相接",
            HEAD_TO_TAIL_CITATION,
            required_start=due,
        )
    if rs.unchecked_history:
        return rs.decide(
            "renewal",
            "R1.10.unchecked_history",
            f"续保办理日 {filed.isoformat()} 早于 2017-01-01：按历史记录载入，不核查续保期限",
            HISTORY_CITATION,
            cover_start=new_start,
            expiry=due,
        )
    expected_end = term_end(new_start, params.term_months) if not params.no_figure else new_end
    if new_end != expected_end:
        return _refused(
            rs,
            "R1.2.term_mismatch",
            f"续保期止日 {new_end.isoformat()} 与{params.label}保障期限 {params.term_months} 个月不符"
            f"（应为 {expected_end.isoformat()}）",
            HEAD_TO_TAIL_CITATION,
            required_end=expected_end,
        )
    first_allowed, last_on_time = renewal_window(prev_end, rs)
    before, after = rs["renewal_window_before_days"], rs["renewal_window_after_days"]
    if filed < first_allowed:
        return _refused(
            rs,
            "R1.3.too_early",
            f"续保办理日 {filed.isoformat()} 早于可办理日 {first_allowed.isoformat()}"
            f"（保单失效日 {due.isoformat()} 前{before}日内办理）",
            "renewal_window_before_days",
            first_allowed=first_allowed,
            expiry=due,
        )
    if filed <= last_on_time:
        return rs.decide(
            "renewal",
            "R1.3.renewal",
            f"续保办理日 {filed.isoformat()} 在续保期限 {first_allowed.isoformat()} 至 "
            f"{last_on_time.isoformat()} 内：自 {new_start.isoformat()} 起连续保障，不另设观察期",
            "renewal_window_before_days",
            cover_start=new_start,
            expiry=due,
            first_allowed=first_allowed,
            last_on_time=last_on_time,
        )
    if filed > new_end:
        return _refused(
            rs,
            "R1.8.filed_after_end",
            f"续保办理日 {filed.isoformat()} 晚于本期保障期止日 {new_end.isoformat()}：逾期续保自办理日起保障，"
            "本期已无可保障的日期，请按下一期首次参保办理",
            HEAD_TO_TAIL_CITATION,
        )
    return rs.decide(
        "late_renewal_as_first",
        "R1.3.late_as_first",
        f"续保办理日 {filed.isoformat()} 晚于失效日 {due.isoformat()} 后{after}日（{last_on_time.isoformat()}）："
        f"视为首次参保，保障及观察期自办理日 {filed.isoformat()} 起算，"
        f"{due.isoformat()} 至 {(filed - timedelta(days=1)).isoformat()} 无保障",
        "renewal_window_after_days",
        Severity.WARNING,
        cover_start=filed,
        expiry=due,
        last_on_time=last_on_time,
    )


def check_mid_period_join(
    row: EnrolmentRow, unit_filed: date | None, override: SupervisorOverride | None, rs: RuleSet
) -> Decision | None:
    """R1.4: a member added to a unit's running policy waits for renewal unless a supervisor
    overrides with a written reason. None when the row is not a mid-period addition.

    `unit_filed` is the day the unit's policy for this period was filed, if already on file:
    a row filed later, once the period has begun, adds a member mid-period.
    """
    if unit_filed is None or row.filed <= unit_filed or row.filed <= row.start:
        return None
    situation = (
        f"单位保单 {row.start.isoformat()} 至 {row.end.isoformat()} 已于 {unit_filed.isoformat()} 办理，"
        f"本次 {row.filed.isoformat()} 保障期内新增人员"
    )
    if override is None:
        return _refused(
            rs,
            "R1.4.override_required",
            f"{situation}，原则上应在下一保障期续保时统一办理；如确需例外，须负责人批准并写明理由",
            MID_PERIOD_CITATION,
            next_start=expiry(row.end),
        )
    if override.role != SUPERVISOR_ROLE or not override.supervisor.strip() or not override.reason.strip():
        return _refused(
            rs,
            "R1.4.override_invalid",
            f"{situation}：例外办理须由负责人（现为角色 {override.role or '无'}）批准并写明书面理由",
            MID_PERIOD_CITATION,
        )
    return rs.decide(
        "override_accepted",
        "R1.4.override_accepted",
        f"{situation}：经负责人 {override.supervisor} 批准例外办理，理由：{override.reason.strip()}",
        MID_PERIOD_CITATION,
        Severity.WARNING,
        supervisor=override.supervisor,
        reason=override.reason.strip(),
    )


def _new_line(shares: int, start: date, params: PlanParams) -> CoverageLine:
    return CoverageLine(shares, start, observation_end(start, params.observation_days))


def _renewed_lines(held: Sequence[CoverageLine], shares: int, start: date) -> tuple[list[CoverageLine], int]:
    """Carry `shares` of the held lines into a renewal starting on `start`, keeping each
    share's observation end (R1.7). A decrease drops the shares whose observation ends last,
    so the member keeps the shares that are payable soonest. Returns lines and shares left over.
    """
    by_end: dict[date | None, int] = {}
    remaining = shares
    for line in sorted(held, key=lambda held_line: held_line.observation_end or date.min):
        taken = min(line.shares, remaining)
        if taken:
            by_end[line.observation_end] = by_end.get(line.observation_end, 0) + taken
            remaining -= taken
    return [CoverageLine(n, start, end) for end, n in by_end.items()], remaining


def classify_enrolment(
    row: EnrolmentRow,
    history: Sequence[MemberPolicy],
    rs: RuleSet | None = None,
    *,
    unit_filed: date | None = None,
    override: SupervisorOverride | None = None,
) -> EnrolmentOutcome:
    """Decide what an enrolment row means for a member and which coverage lines to create.

    `history` holds the member's policies already on file in this plan; `unit_filed` the
    filing day of the unit's policy for the row's period if already on file (for R1.4).
    The rule set is the one in force on the filing day unless `rs` is given.
    """
    rs = resolve(rs, row.filed)
    params = rs.plan_or_no_figure(row.plan)
    if params is None:
        return EnrolmentOutcome(
            _refused(rs, "R1.plan.unknown", f"规则集 {rs.version} 中没有保障计划 {row.plan}", TERM_CITATION)
        )
    if not isinstance(row.shares, int) or isinstance(row.shares, bool) or row.shares <= 0:
        return EnrolmentOutcome(
            _refused(rs, "R1.5.shares_invalid", f"份数应为正整数，实为 {row.shares!r}", ADDED_SHARES_CITATION)
        )
    outcome = _classify(row, history, rs, params, unit_filed, override)
    if not outcome.ok or not (params.no_figure or rs.unchecked_history):
        return outcome
    # R1.10: accepted, its lines marked, and the note saying which checks were skipped.
    basis = "unchecked_history" if rs.unchecked_history else "no_figure"
    note = (
        rs.decide(
            "unchecked_history",
            "R1.10.unchecked_history",
            f"办理日 {row.filed.isoformat()} 早于 2017-01-01：按未核查历史载入，不计观察期",
            HISTORY_CITATION,
            Severity.WARNING,
        )
        if rs.unchecked_history
        else rs.decide(
            "no_figure",
            "R1.10.no_figure",
            f"办理日 {row.filed.isoformat()} 无 {row.plan} 的当时参数（{NO_FIGURE_MARKER}）："
            "已接收并标注，观察期及期限核查跳过",
            HISTORY_CITATION,
            Severity.WARNING,
        )
    )
    lines = tuple(
        replace(line, basis=basis) if line.basis == "" and line.observation_end is None else line
        for line in outcome.lines
    )
    return EnrolmentOutcome(outcome.decision, lines, (*outcome.notes, note))


def _classify(
    row: EnrolmentRow,
    history: Sequence[MemberPolicy],
    rs: RuleSet,
    params: PlanParams,
    unit_filed: date | None,
    override: SupervisorOverride | None,
) -> EnrolmentOutcome:
    term = check_term(row.start, row.end, rs, override)
    if not term.ok:
        return EnrolmentOutcome(term)
    term_notes = (term,) if term.severity is Severity.WARNING else ()
    if row.filed > row.end:
        return EnrolmentOutcome(
            _refused(
                rs,
                "R1.8.filed_after_end",
                f"办理日 {row.filed.isoformat()} 晚于保障期止日 {row.end.isoformat()}：保障不早于办理日开始，本期已无可保障的日期",
                HEAD_TO_TAIL_CITATION,
            )
        )

    same = next((p for p in history if (p.start, p.end) == (row.start, row.end)), None)
    overlapping = [p for p in history if p is not same and p.start <= row.end and row.start <= p.end]
    if overlapping:
        other = overlapping[0]
        return EnrolmentOutcome(
            _refused(
                rs,
                "R1.2.overlap",
                f"保障期 {row.start.isoformat()} 至 {row.end.isoformat()} 与已有保单 {other.start.isoformat()} 至 "
                f"{other.end.isoformat()} 重叠：续保须首尾相接，不得重叠",
                HEAD_TO_TAIL_CITATION,
            )
        )
    if same is not None:
        return _with_notes(_change_shares(row, same, params, rs), term_notes)

    earlier = [p for p in history if p.end < row.start]
    previous = max(earlier, key=lambda p: p.end) if earlier else None
    if previous is not None and previous.expiry == row.start:
        return _with_notes(_renew(row, previous, params, rs), term_notes)

    notes: list[Decision] = []
    if previous is not None:
        notes.append(
            rs.decide(
                "not_head_to_tail",
                "R1.2.not_head_to_tail",
                f"上期保单已于 {previous.expiry.isoformat()} 失效，本期自 {row.start.isoformat()} 起，"
                "未首尾相接，按首次参保办理",
                HEAD_TO_TAIL_CITATION,
                Severity.WARNING,
            )
        )
    return _with_notes(_first_enrolment(row, params, rs, notes, unit_filed, override), term_notes)


def _with_notes(outcome: EnrolmentOutcome, notes: tuple[Decision, ...]) -> EnrolmentOutcome:
    if not outcome.ok or not notes:
        return outcome
    return EnrolmentOutcome(outcome.decision, outcome.lines, (*outcome.notes, *notes))


def _term_note(row: EnrolmentRow, params: PlanParams, rs: RuleSet) -> list[Decision]:
    if params.no_figure:
        return []
    expected_end = term_end(row.start, params.term_months)
    if row.end == expected_end:
        return []
    return [
        rs.decide(
            "term_differs_from_plan",
            "R1.2.term_differs_from_plan",
            f"保障期止日 {row.end.isoformat()} 与{params.label}保障期限 {params.term_months} 个月"
            f"（应止于 {expected_end.isoformat()}）不符",
            HEAD_TO_TAIL_CITATION,
            Severity.WARNING,
        )
    ]


def _with_retirement(row: EnrolmentRow, start: date, rs: RuleSet, outcome: EnrolmentOutcome) -> EnrolmentOutcome:
    retirement = check_retirement(row.retirement_date, start, row.end, rs)
    if not retirement.ok:
        return EnrolmentOutcome(retirement)
    if retirement.severity is Severity.WARNING:
        return EnrolmentOutcome(outcome.decision, outcome.lines, (*outcome.notes, retirement))
    return outcome


def _first_enrolment(
    row: EnrolmentRow,
    params: PlanParams,
    rs: RuleSet,
    notes: list[Decision],
    unit_filed: date | None,
    override: SupervisorOverride | None,
) -> EnrolmentOutcome:
    mid_period = check_mid_period_join(row, unit_filed, override, rs)
    if mid_period is not None and not mid_period.ok:
        return EnrolmentOutcome(mid_period)
    start = cover_start(row.start, row.filed)
    line = _new_line(row.shares, start, params)
    observation = f"观察期至 {line.observation_end.isoformat()}" if line.observation_end else f"{params.label}无观察期"
    decision = rs.decide(
        "first_enrolment",
        "R1.8.first_enrolment",
        f"首次参保 {row.shares} 份：保障自 {start.isoformat()} 起（办理日 {row.filed.isoformat()}，"
        f"保单起始日 {row.start.isoformat()}），{observation}",
        params.observation_citation,
        cover_start=start,
        observation_end=line.observation_end,
    )
    extra = [mid_period] if mid_period is not None else []
    return _with_retirement(
        row, start, rs, EnrolmentOutcome(decision, (line,), (*notes, *extra, *_term_note(row, params, rs)))
    )


def _renew(row: EnrolmentRow, previous: MemberPolicy, params: PlanParams, rs: RuleSet) -> EnrolmentOutcome:
    renewal = classify_renewal(previous.start, previous.end, row.start, row.end, row.filed, row.plan, rs)
    if not renewal.ok:
        return EnrolmentOutcome(renewal)
    if renewal.outcome == "late_renewal_as_first":
        line = _new_line(row.shares, row.filed, params)
        return _with_retirement(row, row.filed, rs, EnrolmentOutcome(renewal, (line,)))

    lines, added = _renewed_lines(previous.lines, row.shares, row.start)
    notes: list[Decision] = []
    if added:
        start = cover_start(row.start, row.filed)
        lines.append(replace(_new_line(added, start, params), event="added_shares"))
        notes.append(_added_shares_decision(added, previous.shares, row.shares, lines[-1], rs))
    elif row.shares < previous.shares:
        notes.append(
            rs.decide(
                "shares_decreased",
                "R1.5.decrease_at_renewal",
                f"续保份数由 {previous.shares} 份减为 {row.shares} 份，自 {row.start.isoformat()} 起生效",
                ADDED_SHARES_CITATION,
            )
        )
    return _with_retirement(row, row.start, rs, EnrolmentOutcome(renewal, tuple(lines), tuple(notes)))


def _added_shares_decision(
    added: int, held: int, total: int, line: CoverageLine, rs: RuleSet, **extra: object
) -> Decision:
    observation = f"观察期至 {line.observation_end.isoformat()}" if line.observation_end else "无观察期"
    return rs.decide(
        "added_shares",
        "R1.5.added_shares",
        f"份数由 {held} 份增至 {total} 份：新增 {added} 份视为首次参保，"
        f"自 {line.cover_start.isoformat()} 起保障，{observation}；原有份数保持原状态",
        ADDED_SHARES_CITATION,
        added_shares=added,
        cover_start=line.cover_start,
        observation_end=line.observation_end,
        **extra,
    )


def _change_shares(row: EnrolmentRow, held: MemberPolicy, params: PlanParams, rs: RuleSet) -> EnrolmentOutcome:
    """A row for a period already held. Its decision's data carries `next_shares` (the total
    the next renewal carries) whenever it sets or cancels a deferred decrease; the caller
    stores it, since a renewal by `huzhu renew` has no row to read it from."""
    pending = held.next_shares is not None and held.next_shares < held.shares
    if row.shares == held.shares:
        if pending:
            return EnrolmentOutcome(
                rs.decide(
                    "unchanged",
                    "R1.5.decrease_cancelled",
                    f"已持有 {held.shares} 份，与本行一致：此前申报的下期减为 {held.next_shares} 份撤销，下期仍续 {held.shares} 份",
                    ADDED_SHARES_CITATION,
                    Severity.WARNING,
                    next_shares=row.shares,
                )
            )
        return EnrolmentOutcome(
            rs.decide(
                "unchanged", "R1.5.unchanged", f"已持有 {held.shares} 份，与本行一致：无需变更", ADDED_SHARES_CITATION
            )
        )
    if row.shares < held.shares:
        return EnrolmentOutcome(
            rs.decide(
                "shares_decrease_deferred",
                "R1.5.decrease_deferred",
                f"份数由 {held.shares} 份减为 {row.shares} 份：本期不变，减少自下期续保 {held.expiry.isoformat()} 起生效",
                ADDED_SHARES_CITATION,
                Severity.WARNING,
                effective_from=held.expiry,
                next_shares=row.shares,
            )
        )
    start = cover_start(row.start, row.filed)
    line = _new_line(row.shares - held.shares, start, params)
    # Any total already recorded for the next period (a pending decrease, or one cancelled back to
    # the held total) is replaced by this row's: left as it was, it would cap the renewal below
    # the shares now held and paid for.
    recorded = held.next_shares is not None
    decision = _added_shares_decision(
        line.shares, held.shares, row.shares, line, rs, **({"next_shares": row.shares} if recorded else {})
    )
    return _with_retirement(row, start, rs, EnrolmentOutcome(decision, (line,)))
