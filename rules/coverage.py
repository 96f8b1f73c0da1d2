"""Observation status of a member on a date, and which shares pay for an incident (docs/rules.md R1).

This is the lookup clerks use most: is this member covered today, still waiting out an
observation period, in the renewal grace days, or gone? It also answers the claim question
"on how many of the held shares is an incident of this kind on this date payable?".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rules.enrolment import HEAD_TO_TAIL_CITATION, RETIREMENT_CITATION, CoverageLine, MemberPolicy
from rules.params import PlanParams, RuleSet, resolve
from rules.result import Decision, Severity

#: Statuses returned by `observation_status` (its decision's outcome).
STATUSES = ("not_covered", "observation", "covered", "grace", "lapsed", "retired_pending_exit")
INCIDENT_KINDS = ("illness", "accident")


def _plan(rs: RuleSet, plan: str) -> PlanParams:
    # A plan known on other dates but without figures on this one (R1.10) still has a status:
    # its stored lines say what was decided when they were filed.
    params = rs.plan_or_no_figure(plan)
    if params is None:
        raise ValueError(f"规则集 {rs.version} 中没有保障计划 {plan}")
    return params


def _policy_on(policies: Sequence[MemberPolicy], d: date) -> MemberPolicy | None:
    return next((p for p in policies if p.start <= d <= p.end), None)


def _in_observation(line: CoverageLine, params: PlanParams, d: date, incident_kind: str) -> bool:
    """Observation only withholds illness incidents, and only on plans that apply it to illness."""
    return (
        incident_kind == "illness"
        and params.illness_subject_to_observation
        and line.observation_end is not None
        and d <= line.observation_end
    )


def payable_shares(
    policies: Sequence[MemberPolicy], plan: str, incident_date: date, incident_kind: str, rs: RuleSet | None = None
) -> Decision:
    """How many held shares pay for an incident (R1.7, R1.8).

    Outcome "payable", "partly_payable", "not_payable" (all in observation) or "not_covered";
    data: held, payable, in_observation, observation_ends (list of (shares, last day)).
    """
    if incident_kind not in INCIDENT_KINDS:
        raise ValueError(f"出险类型应为 {INCIDENT_KINDS} 之一，实为 {incident_kind!r}")
    rs = resolve(rs, incident_date)
    params = _plan(rs, plan)
    policy = _policy_on(policies, incident_date)
    lines = [line for line in (policy.lines if policy else ()) if line.cover_start <= incident_date]
    day = incident_date.isoformat()
    if not lines:
        return rs.decide(
            "not_covered",
            "R1.8.not_covered_on_incident",
            f"出险日 {day} 不在{params.label}的保障期内（或保障尚未开始）",
            HEAD_TO_TAIL_CITATION,
            Severity.ERROR,
            held=0,
            payable=0,
            in_observation=0,
            observation_ends=[],
        )
    waiting = [line for line in lines if _in_observation(line, params, incident_date, incident_kind)]
    held = sum(line.shares for line in lines)
    withheld = sum(line.shares for line in waiting)
    ends = [(line.shares, end) for line in waiting if (end := line.observation_end) is not None]
    data = {"held": held, "payable": held - withheld, "in_observation": withheld, "observation_ends": ends}
    kind = "疾病" if incident_kind == "illness" else "意外"
    if not waiting:
        return rs.decide(
            "payable",
            "R1.7.payable",
            f"{kind}出险日 {day}：所持 {held} 份均已过观察期（或不适用观察期），可予给付",
            params.observation_citation,
            **data,
        )
    detail = "、".join(f"{n} 份观察期至 {end.isoformat()}" for n, end in ends)
    if withheld == held:
        return rs.decide(
            "not_payable",
            "R1.7.in_observation",
            f"疾病出险日 {day} 在观察期内（{detail}）：所持 {held} 份均不予给付",
            params.observation_citation,
            Severity.ERROR,
            **data,
        )
    return rs.decide(
        "partly_payable",
        "R1.7.partly_in_observation",
        f"疾病出险日 {day}：所持 {held} 份中 {held - withheld} 份可给付，{withheld} 份在观察期内（{detail}）",
        params.observation_citation,
        Severity.WARNING,
        **data,
    )


def observation_status(
    policies: Sequence[MemberPolicy],
    plan: str,
    on: date,
    retirement_date: date | None = None,
    rs: RuleSet | None = None,
) -> Decision:
    """A member's status in one plan on `on`; the outcome is one of `STATUSES`.

    `policies` are the member's policies in the plan with their coverage lines; a renewal
    counts as filed once its policy is among them. A plan missing from the rule set is a
    programming error (ValueError), not a status.
    """
    rs = resolve(rs, on)
    params = _plan(rs, plan)
    day = on.isoformat()
    current = _policy_on(policies, on)
    if current is not None:
        return _status_in_period(current, params, on, retirement_date, rs)

    earlier = [p for p in policies if p.end < on]
    if not earlier:
        return rs.decide("not_covered", "R1.status.not_covered", f"{day} 未参加{params.label}", HEAD_TO_TAIL_CITATION)
    last = max(earlier, key=lambda p: p.end)
    if retirement_date is not None and retirement_date <= last.expiry:
        return rs.decide(
            "not_covered",
            "R1.status.retired_exited",
            f"已于 {retirement_date.isoformat()} 退休，{params.label}保障已于 {last.end.isoformat()} 期满终止",
            RETIREMENT_CITATION,
            cover_until=last.end,
        )
    renew_by = last.expiry + timedelta(days=rs["renewal_window_after_days"])
    if on <= renew_by:
        return rs.decide(
            "grace",
            "R1.status.grace",
            f"{params.label}保单已于 {last.expiry.isoformat()} 失效，尚未续保：{renew_by.isoformat()}（含）前办理续保"
            f"可自 {last.expiry.isoformat()} 起恢复保障，其间出险待续保后可予给付",
            "renewal_window_after_days",
            Severity.WARNING,
            expiry=last.expiry,
            renew_by=renew_by,
        )
    return rs.decide(
        "lapsed",
        "R1.status.lapsed",
        f"{params.label}保单已于 {last.expiry.isoformat()} 失效，{renew_by.isoformat()}（含）前未续保：已脱保，"
        "再参保视为首次参保",
        "renewal_window_after_days",
        Severity.ERROR,
        expiry=last.expiry,
        renew_by=renew_by,
    )


def _status_in_period(
    policy: MemberPolicy, params: PlanParams, on: date, retirement_date: date | None, rs: RuleSet
) -> Decision:
    day = on.isoformat()
    active = [line for line in policy.lines if line.cover_start <= on]
    if not active:
        starts = min((line.cover_start for line in policy.lines), default=None)
        begins = f"保障自 {starts.isoformat()} 起（不早于办理日）" if starts else "未持有份数"
        return rs.decide(
            "not_covered",
            "R1.status.cover_not_started",
            f"{day} 在保单期 {policy.start.isoformat()} 至 {policy.end.isoformat()} 内，但{begins}",
            HEAD_TO_TAIL_CITATION,
            cover_start=starts,
        )
    held = sum(line.shares for line in active)
    waiting = [line for line in active if _in_observation(line, params, on, "illness")]
    withheld = sum(line.shares for line in waiting)
    shares = {"held": held, "payable": held - withheld, "in_observation": withheld}
    if retirement_date is not None and retirement_date <= on:
        return rs.decide(
            "retired_pending_exit",
            "R1.status.retired_pending_exit",
            f"已于 {retirement_date.isoformat()} 退休：{params.label}保障至 {policy.end.isoformat()} 期满终止，"
            "下期不予续保",
            RETIREMENT_CITATION,
            Severity.WARNING,
            cover_until=policy.end,
            **shares,
        )
    if not waiting:
        return rs.decide(
            "covered",
            "R1.status.covered",
            f"{day} {params.label}所持 {held} 份均在保障中且已过观察期，保障至 {policy.end.isoformat()}",
            params.observation_citation,
            cover_until=policy.end,
            **shares,
        )
    last_day = max(end for line in waiting if (end := line.observation_end) is not None)
    days_left = (last_day - on).days + 1
    return rs.decide(
        "observation",
        "R1.status.observation",
        f"{day} {params.label}所持 {held} 份中 {withheld} 份在观察期内（至 {last_day.isoformat()}，"
        f"含当日尚余 {days_left} 天）：当日疾病出险可给付 {held - withheld} 份",
        params.observation_citation,
        Severity.WARNING,
        observation_end=last_day,
        days_left=days_left,
        cover_until=policy.end,
        observation_ends=[(line.shares, line.observation_end) for line in waiting],
        **shares,
    )
