"""Service projects on the member service platform and supplier choice (docs/rules.md R7, seed 004).

Procurement must be comparable and reproducible: at least three quotes, each scored on the
four weighted criteria of 004 附件3, the highest total winning. A project needs a budget and
must respect the office's lead times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rules.dates import add_months, working_days_before
from rules.money import format_fen
from rules.params import RuleSet, resolve
from rules.purchases import CRITERIA, CRITERION_WEIGHT, SCORING_CITATION, by_total, out_of_range
from rules.result import Citation, Decision, Report, Severity
from rules.workdays import WorkCalendar, add_working_days, basis, working_days_between

BUDGET_CITATION = Citation("004", "六.4")


@dataclass(frozen=True)
class SupplierScore:
    """One supplier's scores on the four criteria (int or Decimal points)."""

    supplier: str
    qualification: int | Decimal
    price: int | Decimal
    quality: int | Decimal
    after_sales: int | Decimal

    @property
    def total(self) -> Decimal:
        return sum((Decimal(getattr(self, c)) for c in CRITERIA), Decimal(0))


@dataclass(frozen=True)
class ServiceProject:
    """Dates and money of a service project; None where not yet done."""

    name: str
    start: date
    plan_submitted_on: date | None
    materials_submitted_on: date | None
    budget_fen: int | None
    cost_fen: int


def score_suppliers(scores: Sequence[SupplierScore], on: date, rs: RuleSet | None = None) -> Decision:
    """Validate one sheet of scores and pick the winner: outcome "winner", "tie" (several share the
    top total: the scorers must decide and record why) or "refused". The points' ranges and the
    ranking are the purchase register's (rules.purchases, R13.1); a project also admits
    half points."""
    rs = resolve(rs, on)
    minimum = rs["supplier_min_quotes"]
    suppliers = {s.supplier.strip() for s in scores}
    if len(suppliers) < minimum or len(suppliers) != len(scores):
        return rs.decide(
            "refused",
            "R7.quotes_insufficient",
            f"比选须有至少 {minimum} 家不同供应商报价，现有 {len(suppliers)} 家（共 {len(scores)} 条）",
            "supplier_min_quotes",
            Severity.ERROR,
        )
    for score in scores:
        bad = out_of_range(score, rs, whole_points=False)
        if bad is not None:
            criterion, value, maximum = bad
            return rs.decide(
                "refused",
                "R7.score_out_of_range",
                f"{score.supplier} 的“{CRITERIA[criterion]}”得分 {value} 不在 0 至 {maximum} 分之间",
                CRITERION_WEIGHT[criterion],
                Severity.ERROR,
            )
    ordered, best = by_total({s.supplier: s.total for s in scores})
    totals = [(name, next(s.total for s in scores if s.supplier == name)) for name in ordered]
    listing = "，".join(f"{name} {total}" for name, total in totals)
    if len(best) > 1:
        return rs.decide(
            "tie",
            "R7.tie",
            f"总分并列最高：{'、'.join(best)}（{listing}），须由评分人员另行确定并记录理由",
            SCORING_CITATION,
            Severity.WARNING,
            totals=totals,
            tied=best,
        )
    return rs.decide(
        "winner",
        "R7.winner",
        f"总分最高者 {best[0]} 中选（{listing}）",
        SCORING_CITATION,
        totals=totals,
        winner=best[0],
    )


def check_project_timeline(project: ServiceProject, rs: RuleSet | None = None) -> Report:
    """Plan submitted at least a month ahead (004 二(二)1), materials at least N working days
    (Mon–Fri) before the start (004 二(三)1(1)), and no project without budget (004 六.4)."""
    rs = resolve(rs, project.start)
    decisions: list[Decision] = []
    plan_due = add_months(project.start, -rs["project_plan_lead_months"])
    if project.plan_submitted_on is None:
        decisions.append(
            rs.decide(
                "pending",
                "R7.plan_not_submitted",
                f"实施方案须于 {plan_due.isoformat()}（含）前报办事处会员服务部",
                "project_plan_lead_months",
                Severity.WARNING,
                due=plan_due,
            )
        )
    elif project.plan_submitted_on > plan_due:
        decisions.append(
            rs.decide(
                "refused",
                "R7.plan_late",
                f"实施方案 {project.plan_submitted_on.isoformat()} 报送，晚于开展前一个月（{plan_due.isoformat()}）",
                "project_plan_lead_months",
                Severity.ERROR,
                due=plan_due,
            )
        )
    lead = rs["project_materials_lead_working_days"]
    materials_due = working_days_before(project.start, lead)
    if project.materials_submitted_on is None:
        decisions.append(
            rs.decide(
                "pending",
                "R7.materials_not_submitted",
                f"实施资料须于 {materials_due.isoformat()}（含）前提供（项目实施前{lead}个工作日）",
                "project_materials_lead_working_days",
                Severity.WARNING,
                due=materials_due,
            )
        )
    elif project.materials_submitted_on > materials_due:
        decisions.append(
            rs.decide(
                "refused",
                "R7.materials_late",
                f"实施资料 {project.materials_submitted_on.isoformat()} 提供，晚于 {materials_due.isoformat()}"
                f"（项目 {project.start.isoformat()} 实施前{lead}个工作日）",
                "project_materials_lead_working_days",
                Severity.ERROR,
                due=materials_due,
            )
        )
    if not project.budget_fen:
        decisions.append(
            rs.decide(
                "refused",
                "R7.no_budget",
                f"服务项目“{project.name}”无预算，不允许搭载会员服务平台实施",
                BUDGET_CITATION,
                Severity.ERROR,
            )
        )
    elif project.cost_fen > project.budget_fen:
        decisions.append(
            rs.decide(
                "refused",
                "R7.over_budget",
                f"项目费用 {format_fen(project.cost_fen)} 超过预算 {format_fen(project.budget_fen)}",
                BUDGET_CITATION,
                Severity.ERROR,
            )
        )
    if not decisions:
        decisions.append(
            rs.decide(
                "ok", "R7.timeline_ok", f"服务项目“{project.name}”报送时限与预算符合要求", "project_plan_lead_months"
            )
        )
    return Report(tuple(decisions))


# ---------------------------------------------------------------------------- the lifecycle (R7.1–R7.11)

PLAN_CITATION = Citation("004", "二(二)1")
REVIEW_CITATION = Citation("004", "二(二)2")
MATERIALS_CITATION = Citation("004", "二(二)3")
APPROVAL_CITATION = Citation("004", "二(二)4")
LAUNCH_CITATION = Citation("004", "二(三)1(1)")
SETUP_CITATION = Citation("004", "二(三)1(3)")
FEEDBACK_CITATION = Citation("004", "二(三)3")
SUPERVISION_CITATION = Citation("004", "四1")
EVALUATION_CITATION = Citation("004", "四2")
TERMINATION_CITATION = Citation("004", "五")
PROCESS_CITATION = Citation("004", "六.3")

#: R7.1's states, with their Chinese names.
PROJECT_STATES: dict[str, str] = {
    "draft": "草稿（实施方案未报送）",
    "plan_submitted": "实施方案已报送，待初审",
    "review_passed": "初审通过",
    "review_failed": "初审未通过",
    "materials_submitted": "请示及材料已报送，待审批",
    "approved": "主任办公会已批准",
    "refused": "主任办公会未批准",
    "launch_delivered": "实施资料已提供",
    "running": "实施中",
    "finished": "已结束（结果已反馈）",
    "evaluated": "已评价",
    "terminated": "已终止",
}
#: States after which nothing more happens to a project.
FINAL_STATES = frozenset({"refused", "evaluated", "terminated"})

#: The 附件1 plan's fields (R7.3), by the column that holds each.
PLAN_FIELDS: dict[str, str] = {
    "applicant": "申请单位工会名称",
    "parent_unit": "归属上级单位名称",
    "name": "项目名称",
    "content": "项目内容",
    "dates": "项目搭载时间",
    "target": "服务对象",
    "purpose": "项目目的",
    "funding": "项目使用资金来源",
    "items": "项目采买物品名称、金额（单价、总价）及数量",
    "leader": "项目负责人及电话",
    "participation": "参与方式与注意事项",
    "contact": "咨询与投诉方式",
}

#: The four departments' signatures on the 申请表 (附件2; R7.6), in the form's order.
DEPARTMENTS: dict[str, str] = {
    "member_service_clerk": "会员服务部经办人",
    "member_service_head": "会员服务部部长",
    "finance": "财务部部长",
    "compliance": "合规部部长",
    "it": "信息技术部部长",
    "member_service_director": "会员服务部主管主任",
}

#: Termination grounds (004 五).
TERMINATION_GROUNDS: dict[str, str] = {
    "force_majeure": "因不可抗力，服务条件发生变化，无法继续按方案开展服务",
    "unapproved_change": "运行中擅自更改活动内容，与批准的活动方案不符",
    "other": "其他应予以终止的情形",
}


@dataclass(frozen=True)
class StepSpec:
    """What a step needs: the states it may follow, the state it leads to (None: unchanged), the
    documents and facts it must carry (key → Chinese name) and the article it rests on."""

    name: str
    after: frozenset[str]
    to: str | None
    needs: tuple[tuple[str, str], ...]
    citation: Citation


STEPS: dict[str, StepSpec] = {
    "submit": StepSpec(
        "报送实施方案",
        frozenset({"draft", "review_failed"}),
        "plan_submitted",
        (("doc", "实施方案（附件1）文号或编号"),),
        PLAN_CITATION,
    ),
    "review": StepSpec(
        "办事处初审结果",
        frozenset({"plan_submitted"}),
        None,  # passed or failed, by ``result``
        (("result", "初审结果 passed|failed"), ("doc", "初审结果通知")),
        REVIEW_CITATION,
    ),
    "meeting": StepSpec(
        "主管领导办公会",
        frozenset({"review_passed"}),
        None,
        (("attendees", "参会人员"), ("decision", "会议决定"), ("doc", "会议纪要编号")),
        MATERIALS_CITATION,
    ),
    "procure": StepSpec(
        "采购比选",
        frozenset({"review_passed"}),
        None,
        (("doc", "采购比选材料（附件3评分表、附件4价格对比表，签字齐全）"),),
        MATERIALS_CITATION,
    ),
    "request": StepSpec(
        "报送请示及材料",
        frozenset({"review_passed"}),
        "materials_submitted",
        (("doc", "《关于在职工互助保障会员服务平台上开展XXX服务项目的请示》文号"),),
        MATERIALS_CITATION,
    ),
    "sign": StepSpec(
        "申请表会签",
        frozenset({"materials_submitted"}),
        None,
        (("dept", "会签部门"), ("signer", "签字人")),
        APPROVAL_CITATION,
    ),
    "approve": StepSpec(
        "主任办公会批准",
        frozenset({"materials_submitted"}),
        "approved",
        (("doc", "主任办公会纪要"),),
        APPROVAL_CITATION,
    ),
    "refuse": StepSpec(
        "主任办公会不予批准",
        frozenset({"materials_submitted"}),
        "refused",
        (("reason", "不予批准的理由"),),
        PROCESS_CITATION,
    ),
    "launch": StepSpec(
        "提供实施资料",
        frozenset({"approved"}),
        "launch_delivered",
        (("doc", "服务项目详细说明、注意事项及咨询电话"), ("codes", "电子码及密码详单")),
        LAUNCH_CITATION,
    ),
    "run": StepSpec("平台上线运行", frozenset({"launch_delivered"}), "running", (), SETUP_CITATION),
    "feedback": StepSpec(
        "结果反馈",
        frozenset({"running"}),
        "finished",
        (("participants", "成功参与活动的人员名单"), ("doc", "反馈资料（已使用与未使用的电子码及密码详单）")),
        FEEDBACK_CITATION,
    ),
    "evaluate": StepSpec(
        "总结评价",
        frozenset({"finished"}),
        "evaluated",
        (("result", "评价结果"), ("doc", "通报（官网、公众号）")),
        EVALUATION_CITATION,
    ),
    "problem": StepSpec(
        "监督：问题及处理",
        frozenset({"approved", "launch_delivered", "running", "finished"}),
        None,
        (("problem", "发现的问题"), ("action", "处理措施")),
        SUPERVISION_CITATION,
    ),
    "terminate": StepSpec(
        "终止",
        frozenset(PROJECT_STATES) - FINAL_STATES,
        "terminated",
        (("ground", "终止情形"), ("doc", "平台终止公告")),
        TERMINATION_CITATION,
    ),
}


@dataclass(frozen=True)
class ProjectFacts:
    """What is on record for a project, as plain data.

    ``steps`` maps each recorded step to its latest date (signatures as ``sign:<dept>``);
    ``budget_left_fen`` is what the named approved line has left for this project (its amount,
    less what is charged to it and what other live projects on it cost), None when the project
    names no approved line."""

    name: str
    state: str
    start: date
    end: date
    cost_fen: int
    budget_left_fen: int | None
    missing_fields: tuple[str, ...] = ()
    steps: Mapping[str, date] = field(default_factory=dict)
    codes: int = 0


def _error(rs: RuleSet, code: str, message: str, cite: Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def check_budget_line(facts: ProjectFacts, rs: RuleSet) -> Decision:
    """R7.2: a project names an approved budget line with enough left (004 六.4)."""
    if facts.budget_left_fen is None:
        return _error(
            rs,
            "R7.no_budget",
            f"服务项目“{facts.name}”没有批准的预算科目，无预算的服务项目不允许搭载会员服务平台实施",
            BUDGET_CITATION,
        )
    if facts.cost_fen > facts.budget_left_fen:
        return _error(
            rs,
            "R7.over_budget",
            f"项目费用 {format_fen(facts.cost_fen)} 超过预算科目余额 {format_fen(max(facts.budget_left_fen, 0))}",
            BUDGET_CITATION,
        )
    return rs.decide(
        "ok", "R7.budget_ok", f"预算科目余额 {format_fen(facts.budget_left_fen)}，足以支付本项目", BUDGET_CITATION
    )


def check_plan(facts: ProjectFacts, rs: RuleSet) -> list[Decision]:
    """The 附件1 fields all filled (R7.3), dates in order, and the budget (R7.2)."""
    out = []
    if facts.missing_fields:
        names = "、".join(PLAN_FIELDS.get(f, f) for f in facts.missing_fields)
        out.append(
            _error(
                rs, "R7.plan_incomplete", f"实施方案（附件1）缺少：{names}", PLAN_CITATION, missing=facts.missing_fields
            )
        )
    if facts.end < facts.start:
        out.append(_error(rs, "R7.dates", f"结束日期 {facts.end} 早于搭载开始日期 {facts.start}", PLAN_CITATION))
    if facts.cost_fen <= 0:
        out.append(_error(rs, "R7.cost", "项目费用（采买物品总价）应大于零", PLAN_CITATION))
    budget = check_budget_line(facts, rs)
    if not budget.ok:
        out.append(budget)
    return out


def plan_due(start: date, rs: RuleSet) -> date:
    """R7.3: the same calendar day one month before the start (the month's last day where missing)."""
    return add_months(start, -rs["project_plan_lead_months"])


def review_due(submitted: date, rs: RuleSet, cal: WorkCalendar | None = None) -> date:
    """R7.4: the office's first review is due on the 5th working day after it received the plan."""
    return add_working_days(submitted, REVIEW_WORKING_DAYS, cal)


def launch_due(start: date, rs: RuleSet, cal: WorkCalendar | None = None) -> date:
    """R7.7: launch materials by the 5th working day before the start day."""
    return add_working_days(start, -rs["project_materials_lead_working_days"], cal)


#: 004 二(二)2 "五个工作日之内": stated by the source, not configurable (the rule sets carry the
#: lead times the branch must meet; this one is the office's own).
REVIEW_WORKING_DAYS = 5


def _missing_materials(facts: ProjectFacts, rs: RuleSet, *, with_request: bool) -> list[Decision]:
    """R7.11: plan, first review, minutes, procurement and 请示 on record before materials count as submitted."""
    steps = facts.steps
    wanted = [
        ("submit", "实施方案（附件1）", PLAN_CITATION),
        ("review_passed", "初审通过的结果", REVIEW_CITATION),
        ("meeting", "主管领导办公会会议纪要", MATERIALS_CITATION),
        ("procure", "采购比选的相关材料（附件3、附件4）", MATERIALS_CITATION),
    ]
    if with_request:
        wanted.append(("request", "《关于在职工互助保障会员服务平台上开展XXX服务项目的请示》", MATERIALS_CITATION))
    out = []
    for key, label, cite in wanted:
        if key not in steps:
            out.append(
                _error(
                    rs,
                    "R7.11.missing_material",
                    f"缺少{label}（{cite.short}）：凡未履行工作流程或缺少必要材料的不予审批",
                    PROCESS_CITATION,
                    missing=key,
                )
            )
    return out


def check_step(
    step: str,
    facts: ProjectFacts,
    on: date,
    given: Mapping[str, object],
    today: date,
    rs: RuleSet | None = None,
    cal: WorkCalendar | None = None,
) -> Report:
    """May ``step`` be recorded on ``on`` for a project with ``facts``? ``given`` holds the step's
    documents and facts (``STEPS[step].needs``); a missing one refuses the step with R7.11. The
    report's first decision names the state the step leads to (``data["to"]``) when it is allowed."""
    rs = resolve(rs, facts.start)
    spec = STEPS.get(step)
    if spec is None:
        return Report((_error(rs, "R7.unknown_step", f"没有“{step}”这一步骤", PROCESS_CITATION),))
    errors: list[Decision] = []
    warnings: list[Decision] = []
    if facts.state not in spec.after:
        state = PROJECT_STATES.get(facts.state, facts.state)
        allowed = "、".join(PROJECT_STATES[s] for s in PROJECT_STATES if s in spec.after)
        errors.append(
            _error(
                rs,
                "R7.1.wrong_state",
                f"项目当前为“{state}”，不能办理“{spec.name}”（须在：{allowed}）",
                Citation("004", "二"),
            )
        )
        return Report(tuple(errors))
    if on > today:
        errors.append(_error(rs, "R7.future", f"日期 {on} 晚于今天 {today}：只能登记已发生的事", PROCESS_CITATION))
    last = max(facts.steps.values(), default=None)
    if last is not None and on < last and step not in ("sign", "problem"):
        errors.append(_error(rs, "R7.order", f"日期 {on} 早于上一步骤的日期 {last}", Citation("004", "二")))
    for key, label in spec.needs:
        value = given.get(key)
        if value is None or (isinstance(value, str) and not value.strip()) or value == 0:
            errors.append(
                _error(
                    rs,
                    "R7.11.missing_document",
                    f"“{spec.name}”缺少{label}（{spec.citation.short}）：凡未履行工作流程或缺少必要材料的不予审批",
                    PROCESS_CITATION,
                    missing=key,
                )
            )
    to = spec.to
    if step == "submit":
        errors += check_plan(facts, rs)
        due = plan_due(facts.start, rs)
        if on > due:
            errors.append(
                _error(
                    rs,
                    "R7.plan_late",
                    f"实施方案 {on} 报送，晚于开展前一个月（{due}，项目 {facts.start} 开展）",
                    PLAN_CITATION,
                    due=due,
                )
            )
    elif step == "review":
        result = given.get("result")
        if result not in (None, "", "passed", "failed"):
            errors.append(
                _error(rs, "R7.review_result", f"初审结果应为 passed 或 failed，实为 {result}", REVIEW_CITATION)
            )
        to = "review_passed" if result == "passed" else "review_failed"
        submitted = facts.steps.get("submit")
        if submitted is not None:
            due = review_due(submitted, rs, cal)
            if on > due:
                took = working_days_between(submitted, on, cal)
                warnings.append(
                    rs.decide(
                        "late",
                        "R7.4.review_late",
                        f"办事处初审用了 {took} 个工作日（{submitted} 收到，应于 {due} 前通知），超过五个工作日",
                        REVIEW_CITATION,
                        Severity.WARNING,
                        due=due,
                    )
                )
    elif step == "request":
        errors += _missing_materials(facts, rs, with_request=False)
    elif step == "sign":
        dept = given.get("dept")
        if dept not in (None, "") and dept not in DEPARTMENTS:
            errors.append(
                _error(
                    rs, "R7.6.department", f"会签部门应为 {'、'.join(DEPARTMENTS)} 之一，实为 {dept}", APPROVAL_CITATION
                )
            )
    elif step == "approve":
        errors += _missing_materials(facts, rs, with_request=True)
        unsigned = [name for key, name in DEPARTMENTS.items() if f"sign:{key}" not in facts.steps]
        if unsigned:
            errors.append(
                _error(
                    rs,
                    "R7.6.unsigned",
                    f"《代办处服务项目申请表》（附件2）尚缺会签：{'、'.join(unsigned)}",
                    APPROVAL_CITATION,
                    unsigned=unsigned,
                )
            )
        budget = check_budget_line(facts, rs)
        if not budget.ok:
            errors.append(budget)
    elif step == "launch":
        due = launch_due(facts.start, rs, cal)
        if on > due:
            lead = rs["project_materials_lead_working_days"]
            errors.append(
                _error(
                    rs,
                    "R7.materials_late",
                    f"实施资料 {on} 提供，晚于 {due}（项目 {facts.start} 实施前{lead}个工作日）：办事处来不及搭载和测试；"
                    "请终止本项目或重新报送方案",
                    rs.cite("project_materials_lead_working_days"),
                    due=due,
                )
            )
    elif step == "run":
        if on < facts.start:
            errors.append(
                _error(rs, "R7.run_early", f"项目搭载时间自 {facts.start} 起，不能早于该日上线", SETUP_CITATION)
            )
    elif step == "terminate":
        ground = given.get("ground")
        if ground not in (None, "") and ground not in TERMINATION_GROUNDS:
            errors.append(
                _error(
                    rs,
                    "R7.10.ground",
                    f"终止情形应为 {'、'.join(TERMINATION_GROUNDS)} 之一，实为 {ground}",
                    TERMINATION_CITATION,
                )
            )
        if ground == "other" and not str(given.get("reason") or "").strip():
            errors.append(
                _error(
                    rs, "R7.10.reason", "“其他应予以终止的情形”须写明具体情形", TERMINATION_CITATION, missing="reason"
                )
            )
    if errors:
        return Report(tuple(errors + warnings))
    ok = rs.decide(
        "ok",
        f"R7.{step}",
        f"{spec.name}：{PROJECT_STATES[to] if to else '已登记'}",
        spec.citation,
        to=to,
    )
    return Report((ok, *warnings))


@dataclass(frozen=True)
class ProjectDeadline:
    """A date the branch (``party`` branch) or the office (office) must meet for a project."""

    code: str
    label: str
    due: date
    party: str  # branch | office
    citation: Citation
    overdue: bool
    basis: str = ""  # the calendar caveat (provisional or unlisted years), empty when official

    @property
    def message(self) -> str:
        who = "代办处" if self.party == "branch" else "办事处"
        state = "已逾期" if self.overdue else "期限"
        tail = f"（{self.basis}）" if self.basis else ""
        return f"{who}：{self.label}，{state} {self.due.isoformat()}{tail}"


def project_deadlines(
    facts: ProjectFacts, today: date, rs: RuleSet | None = None, cal: WorkCalendar | None = None
) -> list[ProjectDeadline]:
    """The deadlines open for a project in its current state (what 待办 shows on both sides)."""
    rs = resolve(rs, facts.start)
    out: list[ProjectDeadline] = []

    def add(code: str, label: str, due: date, party: str, cite: Citation, since: date | None = None) -> None:
        # only a count of working days rests on the calendar; a month ahead or a start day does not
        note = basis(since, due, cal) if since is not None else ""
        out.append(ProjectDeadline(code, label, due, party, cite, today > due, note))

    state = facts.state
    if state in ("draft", "review_failed"):
        add("R7.3.plan_due", f"报送“{facts.name}”实施方案（附件1）", plan_due(facts.start, rs), "branch", PLAN_CITATION)
    if state == "plan_submitted" and "submit" in facts.steps:
        submitted = facts.steps["submit"]
        add(
            "R7.4.review_due",
            f"“{facts.name}”实施方案初审结果（{submitted} 收到，五个工作日内）",
            review_due(submitted, rs, cal),
            "office",
            REVIEW_CITATION,
            submitted,
        )
    if state in ("review_passed", "materials_submitted", "approved"):
        due = launch_due(facts.start, rs, cal)
        if state == "review_passed":
            todo = [
                label
                for key, label in (("meeting", "主管领导办公会纪要"), ("procure", "采购比选"), ("request", "请示"))
                if key not in facts.steps
            ]
            add(
                "R7.5.materials",
                f"“{facts.name}”{'、'.join(todo) or '请示'}，须在实施资料期限前获批",
                due,
                "branch",
                MATERIALS_CITATION,
            )
        elif state == "materials_submitted":
            unsigned = [name for key, name in DEPARTMENTS.items() if f"sign:{key}" not in facts.steps]
            what = f"会签（尚缺 {'、'.join(unsigned)}）及主任办公会审批" if unsigned else "主任办公会审批"
            add("R7.6.approval", f"“{facts.name}”申请表{what}", due, "office", APPROVAL_CITATION)
        add(
            "R7.7.launch_due",
            f"提供“{facts.name}”实施资料及电子码详单（{facts.start} 实施前五个工作日）",
            due,
            "branch",
            LAUNCH_CITATION,
            due,
        )
    if state == "launch_delivered":
        add("R7.7.setup", f"“{facts.name}”平台搭载与测试，{facts.start} 上线", facts.start, "office", SETUP_CITATION)
    if state == "running" and today > facts.end:
        add(
            "R7.8.feedback",
            f"“{facts.name}”已于 {facts.end} 结束，待反馈参与名单及电子码使用情况",
            facts.end,
            "office",
            FEEDBACK_CITATION,
        )
    return out


def mask_code(code: str) -> str:
    """An e-code as shown anywhere (R9.2: secret like a passphrase): its first two and last two
    characters, the rest starred; short codes are starred whole."""
    code = code.strip()
    if len(code) <= 6:
        return "*" * len(code)
    return f"{code[:2]}{'*' * (len(code) - 4)}{code[-2:]}"
