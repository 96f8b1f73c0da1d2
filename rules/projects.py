"""Service projects on the member service platform and supplier choice (DOMAIN §7, seed 004).

Procurement must be comparable and reproducible: at least three quotes, each scored on the
four weighted criteria of 004 附件3, the highest total winning. A project needs a budget and
must respect the office's lead times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.dates import add_months, working_days_before
from rules.money import format_fen
from rules.params import SUPPLIER_WEIGHTS, RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

SCORING_CITATION = Citation("004", "附件3")
BUDGET_CITATION = Citation("004", "六.4")
_CRITERIA = {
    "qualification": "资质与实力",
    "price": "财务报价",
    "quality": "产品质量与性能指标",
    "after_sales": "售后服务",
}


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
        return sum((Decimal(getattr(self, c)) for c in _CRITERIA), Decimal(0))


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
    """Validate the scores and pick the winner: outcome "winner", "tie" (several share the top
    total: the scorers must decide and record why) or "refused"."""
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
        for criterion, key in zip(_CRITERIA, SUPPLIER_WEIGHTS):
            value = getattr(score, criterion)
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not 0 <= value <= rs[key]:
                return rs.decide(
                    "refused",
                    "R7.score_out_of_range",
                    f"{score.supplier} 的“{_CRITERIA[criterion]}”得分 {value} 不在 0 至 {rs[key]} 分之间",
                    key,
                    Severity.ERROR,
                )
    ranking = sorted(scores, key=lambda s: s.total, reverse=True)
    totals = [(s.supplier, s.total) for s in ranking]
    listing = "，".join(f"{name} {total}" for name, total in totals)
    best = [s.supplier for s in ranking if s.total == ranking[0].total]
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
