"""Claim register (报案登记簿), preliminary check, lifecycle and failed direct pay (docs/rules.md R2).

000 第十七条5 asks the branch to record every claim report and to make a first judgement
("对案情进行初步界定，审核申报资料是否真实完整") before sending it up. The checks here tell
the clerk, when registering, what the office would find: no cover, too many shares,
observation period, a likely duplicate, missing materials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from rules.coverage import INCIDENT_KINDS, payable_shares
from rules.enrolment import MemberPolicy
from rules.lifecycle import check_step
from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

REGISTER_CITATION = Citation("000", "第十七条5")
DIRECT_PAY_CITATION = Citation("000", "第十七条7")
CHANNEL_CITATION = Citation("001", "附件1 业务管理")

#: R2.1 required register fields and their Chinese names (000 第十七条5).
REGISTER_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "unit": "单位名称",
        "member": "出险人",
        "diagnosis": "主要诊断",
        "plan": "申报险种",
        "shares_claimed": "申报份数",
        "reported_on": "报案日期",
        "reporter": "报案人",
    }
)

CLAIM_STATES: Mapping[str, str] = MappingProxyType(
    {
        "registered": "登记",
        "submitted": "上报",
        "returned": "打回",
        "resubmitted": "重新上报",
        "settled": "结案给付",
        "declined": "拒付",
    }
)
CLAIM_TRANSITIONS: Mapping[str | None, frozenset[str]] = MappingProxyType(
    {
        None: frozenset({"registered"}),
        "registered": frozenset({"submitted"}),
        "submitted": frozenset({"returned", "settled", "declined"}),
        "returned": frozenset({"resubmitted"}),
        "resubmitted": frozenset({"returned", "settled", "declined"}),
    }
)

#: R2.4 steps after a failed direct pay, in the order they must happen.
DIRECT_PAY_STEPS: Mapping[str, str] = MappingProxyType(
    {
        "notice": "收到直赔失败短信",
        "corrected": "更正失败人员信息",
        "transferred": "到办事处办理转账",
        "handed_down": "互助金下拨基层",
        "signed": "职工签字",
    }
)
_DIRECT_PAY_ORDER = tuple(DIRECT_PAY_STEPS)
_DIRECT_PAY_TRANSITIONS: Mapping[str | None, frozenset[str]] = MappingProxyType(
    {prev: frozenset({nxt}) for prev, nxt in zip((None, *_DIRECT_PAY_ORDER[:-1]), _DIRECT_PAY_ORDER, strict=True)}
)

CHANNELS: Mapping[str, str] = MappingProxyType({"app": "无纸化APP", "paper": "纸质"})

#: The register fields a correction may change (R2.3, R9.3), with their Chinese names.
CORRECTABLE_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "plan": "申报险种",
        "diagnosis": "主要诊断",
        "incident_kind": "出险类型",
        "incident_date": "出险日期",
        "shares_claimed": "申报份数",
        "reporter": "报案人",
        "channel": "申报渠道",
    }
)
CORRECTION_CITATION = Citation("002", "第二十一条")


@dataclass(frozen=True)
class ClaimReport:
    """A claim register entry as entered; unfilled fields are None."""

    unit: str | None = None
    member: str | None = None
    diagnosis: str | None = None
    plan: str | None = None
    shares_claimed: int | None = None
    reported_on: date | None = None
    reporter: str | None = None
    incident_date: date | None = None
    incident_kind: str = "illness"
    materials: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ClaimEvent:
    """One lifecycle step: the state entered, its date and clerk; reason for "returned",
    benefit amount in fen for "settled"."""

    state: str
    on: date
    clerk: str
    reason: str | None = None
    benefit_fen: int | None = None


@dataclass(frozen=True)
class DirectPayStep:
    """One step of handling a failed direct pay (R2.4)."""

    step: str
    on: date
    clerk: str


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_register_fields(claim: ClaimReport, today: date, rs: RuleSet | None = None) -> Report:
    """R2.1: every required register field is filled; dates are plausible.

    The incident date is not in the article's list but the preliminary check needs it, so
    its absence is a warning.
    """
    rs = resolve(rs, claim.reported_on or today)
    decisions = [
        rs.decide(
            "refused", "R2.1.missing_field", f"报案登记簿缺少“{name}”", REGISTER_CITATION, Severity.ERROR, field=key
        )
        for key, name in REGISTER_FIELDS.items()
        if _blank(getattr(claim, key))
    ]
    shares = claim.shares_claimed
    if shares is not None and (not isinstance(shares, int) or isinstance(shares, bool) or shares <= 0):
        decisions.append(
            rs.decide(
                "refused",
                "R2.1.shares_invalid",
                f"申报份数应为正整数，实为 {shares!r}",
                REGISTER_CITATION,
                Severity.ERROR,
                field="shares_claimed",
            )
        )
    if claim.reported_on is not None and claim.reported_on > today:
        decisions.append(
            rs.decide(
                "refused",
                "R2.1.date_in_future",
                f"报案日期 {claim.reported_on.isoformat()} 晚于当日 {today.isoformat()}",
                REGISTER_CITATION,
                Severity.ERROR,
                field="reported_on",
            )
        )
    if claim.incident_kind not in INCIDENT_KINDS:
        decisions.append(
            rs.decide(
                "refused",
                "R2.1.incident_kind_invalid",
                f"出险类型应为疾病或意外，实为 {claim.incident_kind!r}",
                REGISTER_CITATION,
                Severity.ERROR,
                field="incident_kind",
            )
        )
    if claim.incident_date is None:
        decisions.append(
            rs.decide(
                "incomplete",
                "R2.1.incident_date_missing",
                "未填出险日期：无法核对出险日是否在保障期及观察期内",
                REGISTER_CITATION,
                Severity.WARNING,
                field="incident_date",
            )
        )
    elif claim.reported_on is not None and claim.reported_on < claim.incident_date:
        decisions.append(
            rs.decide(
                "refused",
                "R2.3.date_backwards",
                f"报案日期 {claim.reported_on.isoformat()} 早于出险日期 {claim.incident_date.isoformat()}",
                REGISTER_CITATION,
                Severity.ERROR,
                field="reported_on",
            )
        )
    if not decisions:
        decisions.append(rs.decide("complete", "R2.1.complete", "报案登记簿必填项齐全", REGISTER_CITATION))
    return Report(tuple(decisions))


def _earlier_claim(other: ClaimReport) -> str:
    """The earlier report as a clerk finds it in the register: its incident date and the day it
    was reported (a warning once quoted the incident date as the report date)."""
    if other.incident_date and other.reported_on:
        return f"出险日 {other.incident_date.isoformat()}、{other.reported_on.isoformat()} 报案的记录"
    if other.incident_date:
        return f"出险日 {other.incident_date.isoformat()} 的报案"
    assert other.reported_on is not None
    return f"{other.reported_on.isoformat()} 报案的记录"


def _same_diagnosis(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def preliminary_check(
    claim: ClaimReport,
    policies: Sequence[MemberPolicy],
    earlier_claims: Sequence[ClaimReport],
    today: date,
    rs: RuleSet | None = None,
) -> Report:
    """R2.1 + R2.2: what a clerk sees on registering a claim.

    `policies` are the insured member's policies in the claimed plan; `earlier_claims` the
    member's earlier register entries. Errors mean the claim would not be paid as reported;
    the report itself is still recorded in the register (with them) unless the entry itself
    is incomplete or wrong: `register_blockers` tells those apart from `recorded_errors`.
    """
    rs = resolve(rs, claim.reported_on or today)
    decisions = [d for d in check_register_fields(claim, today, rs) if d.code != "R2.1.complete"]
    if (
        claim.incident_date is None
        or claim.plan is None
        or _blank(claim.plan)
        or claim.incident_kind not in INCIDENT_KINDS
    ):
        return Report(tuple(decisions))
    params = rs.plan(claim.plan)
    if params is None:
        decisions.append(
            rs.decide(
                "refused",
                "R2.2.unknown_plan",
                f"申报险种 {claim.plan} 不在规则集 {rs.version} 中",
                REGISTER_CITATION,
                Severity.ERROR,
            )
        )
        return Report(tuple(decisions))

    payable = payable_shares(policies, claim.plan, claim.incident_date, claim.incident_kind, rs)
    held = payable.data["held"]
    if payable.outcome == "not_covered":
        decisions.append(payable)
    else:
        if isinstance(claim.shares_claimed, int) and claim.shares_claimed > held:
            decisions.append(
                rs.decide(
                    "refused",
                    "R2.2.shares_exceed_held",
                    f"申报 {claim.shares_claimed} 份超过出险日所持 {held} 份",
                    REGISTER_CITATION,
                    Severity.ERROR,
                    held=held,
                )
            )
        if payable.outcome != "payable":
            decisions.append(payable)

    window = rs["duplicate_claim_window_days"]
    if claim.member and claim.diagnosis:
        for other in earlier_claims:
            other_day = other.incident_date or other.reported_on
            if (
                other.member == claim.member
                and other.plan == claim.plan
                and other.diagnosis
                and other_day
                and _same_diagnosis(other.diagnosis, claim.diagnosis)
                and abs((other_day - claim.incident_date).days) <= window
            ):
                decisions.append(
                    rs.decide(
                        "possible_duplicate",
                        "R2.2.possible_duplicate",
                        f"疑似重复报案：同一出险人、险种、诊断“{claim.diagnosis}”已有{_earlier_claim(other)}，"
                        f"与本次出险日 {claim.incident_date.isoformat()} 相距不超过 {window} 天",
                        "duplicate_claim_window_days",
                        Severity.WARNING,
                        earlier=other_day,
                    )
                )
                break

    missing = [m for m in params.required_materials if m not in claim.materials]
    if missing:
        decisions.append(
            rs.decide(
                "materials_missing",
                "R2.2.materials_missing",
                f"{params.label}申报资料不全，缺：{'、'.join(missing)}",
                params.materials_citation,
                Severity.WARNING,
                missing=missing,
            )
        )
    if not any(d.severity is not Severity.INFO for d in decisions):
        decisions.append(
            rs.decide(
                "ok",
                "R2.2.ok",
                f"初步界定通过：出险日 {claim.incident_date.isoformat()} 在保障期内，"
                f"可给付 {payable.data['payable']} 份，资料齐全",
                REGISTER_CITATION,
            )
        )
    return Report(tuple(decisions))


def claim_payable(
    shares_claimed: int,
    policies: Sequence[MemberPolicy],
    plan: str,
    incident_date: date,
    incident_kind: str,
    rs: RuleSet | None = None,
) -> Decision:
    """R2.2 with R1.7/R1.8: how many of the shares claimed would be paid for this incident: the
    shares claimed, up to those ``payable_shares`` finds payable on the incident date (the rest
    are not held, or in observation). Outcome "payable" (all claimed), "partly_payable" or
    "not_payable"; data: claimed, payable. The register flags a partly payable claim."""
    rs = resolve(rs, incident_date)
    held = payable_shares(policies, plan, incident_date, incident_kind, rs)
    payable = max(0, min(shares_claimed, held.data["payable"]))
    data = {"claimed": shares_claimed, "payable": payable}
    if payable >= shares_claimed:
        return rs.decide(
            "payable", "R2.2.claim_payable", f"申报 {shares_claimed} 份均可给付", REGISTER_CITATION, **data
        )
    if payable == 0:
        return rs.decide(
            "not_payable",
            "R2.2.claim_not_payable",
            f"申报 {shares_claimed} 份均不可给付：{held.message}",
            held.citation,
            Severity.ERROR,
            **data,
        )
    return rs.decide(
        "partly_payable",
        "R2.2.claim_partly_payable",
        f"申报 {shares_claimed} 份，可给付 {payable} 份：{held.message}",
        held.citation,
        Severity.WARNING,
        **data,
    )


#: Errors of the preliminary check about the claim rather than the entry (R2.2): no cover on
#: the incident date, more shares claimed than held, every share in observation. A 报案登记簿
#: records every report received, so these are recorded with the report, which is flagged
#: (as reported it would not be paid) and declined through the lifecycle. Every other error
#: (R2.1 fields missing or invalid, dates in the future or out of order, unknown plan, invalid
#: channel) means the entry itself is incomplete or wrong: nothing is recorded.
RECORDED_ERROR_CODES: frozenset[str] = frozenset(
    {
        "R1.8.not_covered_on_incident",
        "R2.2.shares_exceed_held",
        "R1.7.in_observation",
    }
)


def register_blockers(report: Report) -> tuple[Decision, ...]:
    """The errors of a preliminary check that refuse the entry itself: nothing is recorded
    until they are corrected. An error not known to be recordable refuses (the safe side)."""
    return tuple(d for d in report.errors if d.code not in RECORDED_ERROR_CODES)


def recorded_errors(report: Report) -> tuple[Decision, ...]:
    """The errors of a preliminary check recorded with the report: it is registered, flagged,
    and as reported would not be paid. Empty when the check has only warnings (or nothing)."""
    return tuple(d for d in report.errors if d.code in RECORDED_ERROR_CODES)


def claim_state(events: Sequence[ClaimEvent]) -> str | None:
    """The state a claim is in after its events (None before registration)."""
    return events[-1].state if events else None


def check_claim_transition(
    events: Sequence[ClaimEvent],
    event: ClaimEvent,
    incident_date: date,
    rs: RuleSet | None = None,
    today: date | None = None,
) -> Decision:
    """R2.3: may `event` follow `events`? Dates never go backwards (registered ≥ incident,
    each step ≥ the previous one) nor into the future (``today``, when given); a return needs
    a reason, a settlement a positive benefit."""
    rs = resolve(rs, event.on)
    if today is not None and event.on > today:
        return rs.decide(
            "refused",
            "R2.3.date_in_future",
            f"“{CLAIM_STATES.get(event.state, event.state)}”日期 {event.on.isoformat()} 晚于当日 {today.isoformat()}",
            REGISTER_CITATION,
            Severity.ERROR,
        )
    last_on = events[-1].on if events else incident_date
    refusal = check_step(
        rs,
        "R2.3",
        REGISTER_CITATION,
        CLAIM_TRANSITIONS,
        CLAIM_STATES,
        claim_state(events),
        last_on,
        event.state,
        event.on,
        event.clerk,
    )
    if refusal is not None:
        return refusal
    if event.state == "returned" and _blank(event.reason):
        return rs.decide("refused", "R2.3.reason_required", "打回须记录打回原因", REGISTER_CITATION, Severity.ERROR)
    benefit = event.benefit_fen
    if event.state == "settled" and (not isinstance(benefit, int) or isinstance(benefit, bool) or benefit <= 0):
        return rs.decide(
            "refused",
            "R2.3.benefit_required",
            f"结案给付须记录大于零的互助金金额（分），实为 {benefit!r}",
            REGISTER_CITATION,
            Severity.ERROR,
        )
    return rs.decide(
        event.state,
        "R2.3.transition_ok",
        f"{event.on.isoformat()} {CLAIM_STATES[event.state]}（经办人 {event.clerk}）",
        REGISTER_CITATION,
    )


def check_claim_correction(
    state: str | None,
    changes: Mapping[str, tuple[object, object]],
    reason: str | None,
    on: date,
    rs: RuleSet | None = None,
) -> Decision:
    """R2.3 with R9.3: a registered claim is corrected before it is submitted, by a dated entry
    with a reason that keeps the old values. Once submitted, the claim changes only through
    the office's return and the resubmission (R2.3). ``changes`` maps a field of
    ``CORRECTABLE_FIELDS`` to (old, new). The corrected entry is then checked again like a
    new one (``register_blockers``) by the caller."""
    rs = resolve(rs, on)
    if state != "registered":
        return rs.decide(
            "refused",
            "R2.3.corrected_after_submission",
            f"报案已{CLAIM_STATES.get(state or '', state)}，不能再更正：上报后只能经办事处打回、更正后重新上报",
            REGISTER_CITATION,
            Severity.ERROR,
            state=state,
        )
    unknown = sorted(set(changes) - set(CORRECTABLE_FIELDS))
    if unknown:
        return rs.decide(
            "refused",
            "R9.3.field_not_correctable",
            f"不能更正的字段：{'、'.join(unknown)}",
            CORRECTION_CITATION,
            Severity.ERROR,
        )
    real = {k: v for k, v in changes.items() if v[0] != v[1]}
    if not real:
        return rs.decide(
            "refused", "R9.3.nothing_changed", "更正的内容与原登记相同", CORRECTION_CITATION, Severity.ERROR
        )
    reason = (reason or "").strip()
    if not reason:
        return rs.decide("refused", "R9.3.reason_required", "更正须写明原因", CORRECTION_CITATION, Severity.ERROR)
    names = "、".join(CORRECTABLE_FIELDS[k] for k in real)
    return rs.decide(
        "corrected",
        "R9.3.correction_ok",
        f"{on.isoformat()} 更正{names}，原因：{reason}；原值保留",
        CORRECTION_CITATION,
        fields=sorted(real),
    )


def check_claim_history(events: Sequence[ClaimEvent], incident_date: date, rs: RuleSet | None = None) -> Report:
    """Replay a claim's events through `check_claim_transition`, one decision per event."""
    return Report(tuple(check_claim_transition(events[:i], event, incident_date, rs) for i, event in enumerate(events)))


def claim_overdue(events: Sequence[ClaimEvent], today: date, rs: RuleSet | None = None) -> Decision:
    """A registered claim not submitted, or a returned one not resubmitted, within the
    configured number of days is overdue (warning); day `on + N` is still on time."""
    rs = resolve(rs, today)
    state = claim_state(events)
    limits = {
        "registered": ("claim_submit_overdue_days", "R2.3.submit_overdue", "上报"),
        "returned": ("claim_resubmit_overdue_days", "R2.3.resubmit_overdue", "重新上报"),
    }
    if state not in limits:
        return rs.decide("not_overdue", "R2.3.not_overdue", "无待办的上报时限", REGISTER_CITATION)
    figure, code, action = limits[state]
    since = events[-1].on
    due = since + timedelta(days=rs[figure])
    if today > due:
        return rs.decide(
            "overdue",
            code,
            f"{CLAIM_STATES[state]}于 {since.isoformat()}，至 {today.isoformat()} 已 {(today - since).days} 天未{action}"
            f"（应于 {due.isoformat()} 前{action}）",
            figure,
            Severity.WARNING,
            due=due,
        )
    return rs.decide(
        "not_overdue",
        "R2.3.not_overdue",
        f"{CLAIM_STATES[state]}于 {since.isoformat()}，请于 {due.isoformat()}（含）前{action}",
        figure,
        due=due,
    )


def check_direct_pay_step(done: Sequence[DirectPayStep], step: DirectPayStep, rs: RuleSet | None = None) -> Decision:
    """R2.4: failed-direct-pay steps happen in order (notice → corrected → transferred →
    handed down → signed), dated and by a named clerk."""
    rs = resolve(rs, step.on)
    current = done[-1].step if done else None
    refusal = check_step(
        rs,
        "R2.4",
        DIRECT_PAY_CITATION,
        _DIRECT_PAY_TRANSITIONS,
        DIRECT_PAY_STEPS,
        current,
        done[-1].on if done else None,
        step.step,
        step.on,
        step.clerk,
    )
    if refusal is not None:
        return refusal
    return rs.decide(
        step.step,
        "R2.4.step_ok",
        f"{step.on.isoformat()} {DIRECT_PAY_STEPS[step.step]}（经办人 {step.clerk}）",
        DIRECT_PAY_CITATION,
    )


def direct_pay_status(done: Sequence[DirectPayStep], today: date, rs: RuleSet | None = None) -> Decision:
    """An item stays open, with its next step, until the member has signed."""
    rs = resolve(rs, today)
    if done and done[-1].step == "signed":
        return rs.decide(
            "closed", "R2.4.closed", f"直赔失败已处理完毕，职工于 {done[-1].on.isoformat()} 签字", DIRECT_PAY_CITATION
        )
    next_step = _DIRECT_PAY_ORDER[_DIRECT_PAY_ORDER.index(done[-1].step) + 1] if done else "notice"
    since = f"自 {done[0].on.isoformat()} 起，" if done else ""
    return rs.decide(
        "open",
        "R2.4.open",
        f"直赔失败待办：{since}下一步“{DIRECT_PAY_STEPS[next_step]}”",
        DIRECT_PAY_CITATION,
        Severity.WARNING,
        next_step=next_step,
    )


def check_claim_channel(channel: str, plan: str, on: date, rs: RuleSet | None = None) -> Decision:
    """R2.5: the APP channel is a target with office-set conditions, never a condition.

    Any channel is accepted; an APP claim in a plan the office's conditions (per plan, from
    its parameter notice; sample: medical plans) exclude gets a warning.
    """
    rs = resolve(rs, on)
    params = rs.plan_or_no_figure(plan)
    if channel not in CHANNELS:
        return rs.decide(
            "refused",
            "R2.5.channel_invalid",
            f"申报渠道应为 APP 或纸质，实为 {channel!r}",
            CHANNEL_CITATION,
            Severity.ERROR,
        )
    if params is None:
        return rs.decide(
            "refused",
            "R2.2.unknown_plan",
            f"申报险种 {plan} 不在规则集 {rs.version} 中",
            REGISTER_CITATION,
            Severity.ERROR,
        )
    if channel == "app" and not params.app_eligible and not params.no_figure:
        conditions = f"（条件：{params.app_conditions}）" if params.app_conditions else ""
        return rs.decide(
            "app",
            "R2.5.app_outside_conditions",
            f"{params.label}不在办事处规定的APP申报条件内{conditions}：已按APP登记，请核实是否应纸质申报",
            CHANNEL_CITATION,
            Severity.WARNING,
        )
    return rs.decide(channel, "R2.5.channel_ok", f"{params.label}通过{CHANNELS[channel]}申报", CHANNEL_CITATION)


@dataclass(frozen=True)
class ChannelRecord:
    """One registered claim as R2.5 counts it: plan, channel, report date."""

    plan: str
    channel: str
    reported_on: date


def app_share(claims: Sequence[ChannelRecord], year: int) -> Decision:
    """R2.5 (001 biz.6): APP claims ÷ claims that met the office's APP conditions, per year.

    Each claim is judged with the conditions in force on its report date. A measure, never
    a refusal; APP claims outside the conditions are counted apart (they got a warning).
    """
    rs = resolve(None, date(year, 12, 31))
    per_plan: dict[str, dict[str, Any]] = {}  # JSON rows: counts (int), then the share (float or None)
    sample = False
    for c in claims:
        if c.reported_on.year != year:
            continue
        params = resolve(None, c.reported_on).plan_or_no_figure(c.plan)
        if params is None or params.no_figure:
            continue
        sample = sample or params.sample
        row = per_plan.setdefault(
            c.plan, {"plan": c.plan, "name": params.name, "eligible_claims": 0, "app_claims": 0, "app_excluded": 0}
        )
        if params.app_eligible:
            row["eligible_claims"] += 1
            row["app_claims"] += c.channel == "app"
        elif c.channel == "app":
            row["app_excluded"] += 1
    plans = sorted(per_plan.values(), key=lambda r: str(r["plan"]))
    for row in plans:
        row["share"] = row["app_claims"] / row["eligible_claims"] if row["eligible_claims"] else None
    eligible = sum(int(r["eligible_claims"]) for r in plans)
    app = sum(int(r["app_claims"]) for r in plans)
    share = app / eligible if eligible else None
    text = f"{app}/{eligible} = {share:.1%}" if share is not None else "无符合条件的报案"
    return rs.decide(
        "measured",
        "R2.5.app_share",
        f"{year} 年符合APP申报条件的报案中APP申报占比：{text}",
        CHANNEL_CITATION,
        plans=plans,
        eligible_claims=eligible,
        app_claims=app,
        share=share,
        sample=sample,
    )
