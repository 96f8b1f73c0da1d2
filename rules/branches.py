"""The branch lifecycle kept by the office (docs/rules.md R8; 000 第七–十条, 第二十七条).

The office registers branches, decides on their applications, issues certificates, watches
that each announces itself and starts work in time, and closes them. Each step has a
document checklist and a deadline the regulation states in calendar days (日), counted from
the day after the event (our reading of R8). A decision here is pure: the caller
passes the branch's recorded facts and ``today``.

States: applied → approved | rejected; approved → certified → active (announced and
started); approved | certified → disqualified (R8.5); active → change_pending → active
(R8.6); active → termination_applied → termination_approved → terminated (R8.7).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from rules.dates import add_months, is_working_day
from rules.result import Citation, Decision, Severity

#: The figures below are stated by 000 (in force from 2017-01-01, 第三十一条): effective-dated,
#: not configurable. A later office document would add a row here with its start date.
FIGURE_SETS: tuple[tuple[date, str, Mapping[str, int]], ...] = (
    (
        date(2017, 1, 1),
        "000（2017-01-01 起）",
        MappingProxyType(
            {
                "decision_days": 10,  # 第八条2, 第九条 (docs/rules.md R8.3, R8.6)
                "announce_days": 20,  # 第八条3 (R8.4)
                "start_months": 3,  # 第八条4 (R8.5)
                "termination_decision_days": 20,  # 第十条 (R8.7)
                "termination_stop_days": 20,  # 第十条 (R8.7)
            }
        ),
    ),
)

C_CONDITIONS = Citation("000", "第七条")
C_APPLY = Citation("000", "第八条1")
C_DECIDE = Citation("000", "第八条2")
C_ANNOUNCE = Citation("000", "第八条3")
C_START = Citation("000", "第八条4")
C_CHANGE = Citation("000", "第九条")
C_TERMINATE = Citation("000", "第十条")
C_NAME = Citation("000", "第二十七条")

STATES: Mapping[str, str] = MappingProxyType(
    {
        "applied": "已申请待核准",
        "approved": "已核准待领证",
        "rejected": "已驳回",
        "certified": "已领证待通告",
        "active": "已设立",
        "disqualified": "已取消资格",
        "change_pending": "变更办理中",
        "termination_applied": "申请终止",
        "termination_approved": "已核准终止",
        "terminated": "已终止",
    }
)

#: States in which the office no longer expects bundles from the branch.
CLOSED = frozenset({"rejected", "disqualified", "terminated"})

#: Which state each step may follow. ``import`` registers an existing branch as active.
TRANSITIONS: Mapping[str, frozenset[str | None]] = MappingProxyType(
    {
        "apply": frozenset({None, "rejected"}),
        "approve": frozenset({"applied"}),
        "reject": frozenset({"applied"}),
        "certify": frozenset({"approved"}),
        "announce": frozenset({"certified"}),
        "change_apply": frozenset({"active"}),
        "change_approve": frozenset({"change_pending"}),
        "change_reject": frozenset({"change_pending"}),
        "change_announce": frozenset({"active"}),
        "terminate_apply": frozenset({"active", "change_pending"}),
        "terminate_approve": frozenset({"termination_applied"}),
        "terminate_stop": frozenset({"termination_approved"}),
        "excuse": frozenset({"approved", "certified", "active"}),
    }
)

STEP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "apply": "设立申请",
        "approve": "核准设立",
        "reject": "驳回设立",
        "certify": "领取登记证",
        "announce": "发出设立通告",
        "change_apply": "变更申请",
        "change_approve": "核准变更",
        "change_reject": "驳回变更",
        "change_announce": "发出变更通告",
        "terminate_apply": "终止申请",
        "terminate_approve": "核准终止",
        "terminate_stop": "发出终止通告并停止活动",
        "excuse": "认可未开展业务的理由",
        "documents": "补交材料",
        "business": "开展业务",
    }
)

#: The documents each step needs (000 第八条1, 第九条, 第十条); ``other`` items the office
#: requires (R8.2 (5), Configurable) are recorded as free text beside these.
DOCUMENTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "apply": MappingProxyType(
            {
                "report": "由本级工会盖章的申请报告",
                "rules": "代办处的管理办法",
                "roster": "组织机构人员的名单",
                "resumes": "拟任管委会主任、代办处主任的简历",
            }
        ),
        "change_apply": MappingProxyType(
            {
                "report": "盖章的变更申请报告",
                "resolution": "变更决定或决议",
                "resumes": "新任管委会主任或代办处主任的简历",
            }
        ),
        "terminate_apply": MappingProxyType(
            {
                "report": "由管理委员会主任签署的终止申请报告",
                "resolution": "管理委员会的终止决定或决议",
                "liquidation": "管理委员会确认的清算报告",
            }
        ),
    }
)

#: What a change may concern (第九条; other items the office sets are ``other``).
CHANGE_ITEMS: Mapping[str, str] = MappingProxyType(
    {
        "name": "名称",
        "chair": "管委会主任",
        "director": "代办处主任",
        "premises": "办公场所",
        "other": "其他事项",
    }
)

_DOC_CITATION = {"apply": C_APPLY, "change_apply": C_CHANGE, "terminate_apply": C_TERMINATE}
NAME_PATTERN = re.compile(r"^中国职工保险互助会北京办事处.+代办(处|点)$")


def figures_on(d: date) -> tuple[str, Mapping[str, int]]:
    """The figure set in force on ``d`` (the earliest one for older dates: 000 is the first source)."""
    chosen = FIGURE_SETS[0]
    for row in FIGURE_SETS:
        if row[0] <= d:
            chosen = row
    return chosen[1], chosen[2]


def _decide(
    outcome: str,
    code: str,
    message: str,
    citation: Citation,
    on: date,
    severity: Severity = Severity.INFO,
    /,
    **data: Any,
) -> Decision:
    return Decision(outcome, code, message, citation, figures_on(on)[0], severity, data)


def required_documents(step: str, change_item: str | None = None) -> Mapping[str, str]:
    """The checklist of a step; a change of name or premises needs no résumé (第九条(3))."""
    docs = dict(DOCUMENTS.get(step, {}))
    if step == "change_apply" and change_item not in ("chair", "director"):
        docs.pop("resumes", None)
    return docs


def missing_documents(step: str, received: Sequence[str], change_item: str | None = None) -> list[str]:
    return [key for key in required_documents(step, change_item) if key not in set(received)]


def check_documents_known(step: str, received: Sequence[str]) -> Decision | None:
    """A document key that is not on the step's checklist (a typo would silently count as missing)."""
    known = DOCUMENTS.get(step, {})
    unknown = [k for k in received if k not in known]
    if not unknown:
        return None
    listed = "、".join(f"{k}（{v}）" for k, v in known.items()) or "无"
    return _decide(
        "refused",
        "R8.docs.unknown",
        f"未知的材料代码：{'、'.join(unknown)}；本环节的材料为：{listed}",
        _DOC_CITATION.get(step, C_APPLY),
        date(2017, 1, 1),
        Severity.ERROR,
        unknown=tuple(unknown),
    )


def check_step(step: str, state: str | None, last_on: date | None, on: date, today: date) -> Decision | None:
    """Refuse a step out of order, dated in the future, or dated before the step it follows."""
    cite = {
        "apply": C_APPLY,
        "approve": C_DECIDE,
        "reject": C_DECIDE,
        "certify": C_ANNOUNCE,
        "announce": C_ANNOUNCE,
        "excuse": C_START,
    }.get(step) or (C_CHANGE if step.startswith("change") else C_TERMINATE)
    allowed = TRANSITIONS[step]
    if state not in allowed:
        now = STATES.get(state or "", "未登记")
        may = "、".join(STATES[s] if s else "未登记" for s in sorted(allowed, key=lambda s: s or ""))
        return _decide(
            "refused",
            "R8.step.illegal",
            f"代办处当前状态为“{now}”，不能办理“{STEP_LABELS[step]}”（须处于：{may}）",
            cite,
            on,
            Severity.ERROR,
            state=state,
            step=step,
        )
    if on > today:
        return _decide(
            "refused",
            "R8.step.future",
            f"“{STEP_LABELS[step]}”日期 {on.isoformat()} 晚于今天，只能登记已经发生的事项",
            cite,
            on,
            Severity.ERROR,
        )
    if last_on is not None and on < last_on:
        return _decide(
            "refused",
            "R8.step.date_backwards",
            f"“{STEP_LABELS[step]}”日期 {on.isoformat()} 早于上一环节日期 {last_on.isoformat()}",
            cite,
            on,
            Severity.ERROR,
            earliest=last_on,
        )
    return None


def check_approval(step: str, received: Sequence[str], on: date, change_item: str | None = None) -> Decision | None:
    """An approval with a document missing is refused: the office rejects or asks for it
    within the decision period (our reading of R8.3; 000 第九条, 第十条 likewise)."""
    apply_step = {"approve": "apply", "change_approve": "change_apply", "terminate_approve": "terminate_apply"}[step]
    missing = missing_documents(apply_step, received, change_item)
    if not missing:
        return None
    names = "、".join(required_documents(apply_step, change_item)[k] for k in missing)
    return _decide(
        "refused",
        "R8.approve.documents_missing",
        f"申请材料不全，不能核准：缺 {names}。可驳回，或补齐材料后再核准",
        _DOC_CITATION[apply_step],
        on,
        Severity.ERROR,
        missing=tuple(missing),
    )


def check_name(full_name: str | None, on: date) -> Decision | None:
    """第二十七条: the name reads 中国职工保险互助会北京办事处***代办处（点）; another form is a warning."""
    if not full_name or NAME_PATTERN.match(full_name.strip()):
        return None
    return _decide(
        "warning",
        "R8.name.form",
        f"名称“{full_name}”不符合“中国职工保险互助会北京办事处***代办处（点）”的形式",
        C_NAME,
        on,
        Severity.WARNING,
    )


@dataclass(frozen=True)
class BranchFacts:
    """What the office recorded about one branch (dates of the steps taken so far)."""

    code: str
    state: str
    applied_on: date | None = None
    decided_on: date | None = None
    certified_on: date | None = None
    announced_on: date | None = None
    started_on: date | None = None
    excused: bool = False
    change_applied_on: date | None = None
    change_decided_on: date | None = None
    change_announce_pending: bool = False
    termination_applied_on: date | None = None
    termination_approved_on: date | None = None
    stopped_on: date | None = None
    missing_docs: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Deadline:
    code: str
    label: str
    due: date
    days_left: int
    overdue: bool
    citation: Citation

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "due": self.due.isoformat(),
            "days_left": self.days_left,
            "overdue": self.overdue,
            "citation": str(self.citation),
        }


def next_working_day(d: date) -> date:
    nxt = d + timedelta(days=1)
    while not is_working_day(nxt):
        nxt += timedelta(days=1)
    return nxt


def _deadline(code: str, label: str, due: date, today: date, citation: Citation) -> Deadline:
    return Deadline(code, label, due, (due - today).days, today > due, citation)


def start_deadline(facts: BranchFacts) -> date | None:
    """R8.5: approval + 3 months, unless business started or the office accepted a reason."""
    if facts.decided_on is None or facts.started_on is not None or facts.excused:
        return None
    if facts.state not in ("approved", "certified", "active"):
        return None
    return add_months(facts.decided_on, figures_on(facts.decided_on)[1]["start_months"])


def effective_state(facts: BranchFacts, today: date) -> str:
    """The recorded state, or ``disqualified`` once R8.5's three months ran out (自动取消)."""
    due = start_deadline(facts)
    if due is not None and today > due:
        return "disqualified"
    return facts.state


def deadlines(facts: BranchFacts, today: date) -> list[Deadline]:
    """The open deadlines of a branch on ``today``, soonest first (the office's reminders)."""
    out: list[Deadline] = []

    def fig(d: date, key: str) -> int:
        return figures_on(d)[1][key]

    if facts.state == "applied" and facts.applied_on:
        out.append(
            _deadline(
                "R8.3.decision",
                "核准或驳回设立申请",
                facts.applied_on + timedelta(days=fig(facts.applied_on, "decision_days")),
                today,
                C_DECIDE,
            )
        )
    if facts.state == "certified" and facts.certified_on:
        out.append(
            _deadline(
                "R8.4.announce",
                "发出设立通告并开展活动",
                facts.certified_on + timedelta(days=fig(facts.certified_on, "announce_days")),
                today,
                C_ANNOUNCE,
            )
        )
    start_due = start_deadline(facts)
    if start_due is not None:
        out.append(_deadline("R8.5.start", "开展业务（否则自动取消资格）", start_due, today, C_START))
    if facts.state == "change_pending" and facts.change_applied_on:
        out.append(
            _deadline(
                "R8.6.decision",
                "核准或驳回变更申请",
                facts.change_applied_on + timedelta(days=fig(facts.change_applied_on, "decision_days")),
                today,
                C_CHANGE,
            )
        )
    if facts.change_announce_pending and facts.change_decided_on:
        out.append(
            _deadline("R8.6.announce", "立即发出变更通告", next_working_day(facts.change_decided_on), today, C_CHANGE)
        )
    if facts.state == "termination_applied" and facts.termination_applied_on:
        d = facts.termination_applied_on
        out.append(
            _deadline(
                "R8.7.decision",
                "核准终止申请",
                d + timedelta(days=fig(d, "termination_decision_days")),
                today,
                C_TERMINATE,
            )
        )
    if facts.state == "termination_approved" and facts.termination_approved_on:
        d = facts.termination_approved_on
        out.append(
            _deadline(
                "R8.7.stop",
                "发出终止通告并停止互助保障活动",
                d + timedelta(days=fig(d, "termination_stop_days")),
                today,
                C_TERMINATE,
            )
        )
    return sorted(out, key=lambda x: x.due)


def late_step(step: str, facts: BranchFacts, on: date) -> Decision | None:
    """A step recorded after its deadline is accepted (it happened) but flagged as late."""
    due = None
    label = STEP_LABELS[step]
    if step in ("approve", "reject") and facts.applied_on:
        due, cite = facts.applied_on + timedelta(days=figures_on(facts.applied_on)[1]["decision_days"]), C_DECIDE
    elif step == "announce" and facts.certified_on:
        due, cite = facts.certified_on + timedelta(days=figures_on(facts.certified_on)[1]["announce_days"]), C_ANNOUNCE
    elif step in ("change_approve", "change_reject") and facts.change_applied_on:
        due, cite = (
            facts.change_applied_on + timedelta(days=figures_on(facts.change_applied_on)[1]["decision_days"]),
            C_CHANGE,
        )
    elif step == "change_announce" and facts.change_decided_on:
        due, cite = next_working_day(facts.change_decided_on), C_CHANGE
    elif step == "terminate_approve" and facts.termination_applied_on:
        d = facts.termination_applied_on
        due, cite = d + timedelta(days=figures_on(d)[1]["termination_decision_days"]), C_TERMINATE
    elif step == "terminate_stop" and facts.termination_approved_on:
        d = facts.termination_approved_on
        due, cite = d + timedelta(days=figures_on(d)[1]["termination_stop_days"]), C_TERMINATE
    if due is None or on <= due:
        return None
    return _decide(
        "late",
        "R8.step.late",
        f"“{label}”于 {on.isoformat()} 办理，已超过期限 {due.isoformat()}（迟 {(on - due).days} 天）",
        cite,
        on,
        Severity.WARNING,
        due=due,
    )


def expects_bundle(
    state: str,
    stopped_on: date | None,
    period_start: date,
    started_on: date | None = None,
    period_end: date | None = None,
) -> bool:
    """Whether the office expects a monthly bundle for a period: not from a branch that has
    not started business (applied, approved or certified without a first business day in or
    before the period), nor from a rejected or disqualified one, nor for a period starting
    after a terminated branch stopped (R8.4, R8.5, R8.7)."""
    if state in ("applied", "rejected", "disqualified"):
        return False
    if state in ("approved", "certified"):
        return started_on is not None and started_on <= (period_end or period_start)
    if state == "terminated":
        return stopped_on is None or period_start <= stopped_on
    if started_on is not None and period_end is not None and started_on > period_end:
        return False
    return True


def accepts_bundle(state: str, stopped_on: date | None, period_start: date) -> Decision | None:
    """R8.5/R8.7: a disqualified branch may no longer act in the office's name; a terminated
    one sends a final bundle and nothing for later periods."""
    if state == "disqualified":
        return _decide(
            "refused",
            "R8.5.disqualified",
            "该代办处已被取消资格，不再接收其数据包",
            C_START,
            period_start,
            Severity.ERROR,
        )
    if state == "rejected":
        return _decide(
            "refused",
            "R8.3.rejected",
            "该代办处的设立申请已被驳回，不接收其数据包",
            C_DECIDE,
            period_start,
            Severity.ERROR,
        )
    if state == "terminated" and stopped_on is not None and period_start > stopped_on:
        return _decide(
            "refused",
            "R8.7.terminated",
            f"该代办处已于 {stopped_on.isoformat()} 终止，不接收其后期间的数据包",
            C_TERMINATE,
            period_start,
            Severity.ERROR,
        )
    return None
