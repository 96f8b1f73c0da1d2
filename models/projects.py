"""Service projects (服务项目, docs/rules.md R7, seed 004): the plan (附件1), every step of R7.1's lifecycle
as the branch does it or learns it from the office's documents, the e-codes and the feedback.

Every decision is ``rules.projects``'s (``check_step``, ``project_deadlines``): this module gathers
the plain facts (the 附件1 fields filled, the steps on record, what the named budget line has
left), writes what the rules allow (one transaction with its audit event: the row seals bind
the rows, ``models.rowseal``) and raises ``RuleRefused`` with the article otherwise.

E-codes and their passwords (电子码及密码详单, R7.7, R7.8) are secret like passphrases (R9.2): held
only in the encrypted database, never in an audit event, never returned in full by anything here
(``rules.projects.mask_code``).

Procurement (R7.5, R13.1): the ``procure`` step takes the purchase record's id when the purchase
register exists (``purchase`` table; checked that the record exists), and until then the
reference of the signed 附件3/附件4 materials (``doc``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from models import audit, clock
from models.budget import committed
from models.db import database, writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.schema import BudgetLine, ServiceProject, ServiceProjectCode, ServiceProjectParticipant, ServiceProjectStep
from rules import format_fen
from rules.budget import line_catalogue
from rules.projects import (
    DEPARTMENTS,
    FINAL_STATES,
    PLAN_FIELDS,
    PROJECT_STATES,
    STEPS,
    TERMINATION_GROUNDS,
    ProjectDeadline,
    ProjectFacts,
    check_step,
    mask_code,
    project_deadlines,
)
from rules.workdays import basis

#: States whose cost is no longer held against their budget line.
RELEASED_STATES = ("refused", "terminated")
DEFAULT_LINE = "service_projects"
MAX_CODES = 100_000


@dataclass
class ProjectDraft:
    """A new project's 附件1 fields as typed; blanks are refused by ``check_step`` with the field names."""

    name: str
    start: dt.date
    end: dt.date
    applicant: str = ""
    parent_unit: str = ""
    content: str = ""
    target: str = ""
    purpose: str = ""
    funding: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # {name, unit_price_fen, quantity}
    leader: str = ""
    leader_phone: str = ""
    participation: str = ""
    contact: str = ""
    budget_line: str = DEFAULT_LINE


def items_total(items: list[dict[str, Any]]) -> int:
    return sum(int(i["unit_price_fen"]) * int(i["quantity"]) for i in items)


def parse_item(text: str) -> dict[str, Any]:
    """``名称:单价元:数量`` (采买物品, 附件1) as a dict with the price in fen."""
    from models.money import parse_yuan

    parts = [p.strip() for p in text.replace("：", ":").split(":")]
    if len(parts) != 3 or not parts[0] or not parts[2].isdigit() or int(parts[2]) <= 0:
        raise ValidationFailed(
            f"采买物品应写为“名称:单价(元):数量”，如“体检套餐:300:50”，收到“{text}”",
            f"an item is NAME:UNIT_PRICE_YUAN:QUANTITY, got {text!r}",
        )
    return {"name": parts[0], "unit_price_fen": parse_yuan(parts[1]), "quantity": int(parts[2])}


def _missing_fields(row: ServiceProject | ProjectDraft) -> tuple[str, ...]:
    values = {
        "applicant": row.applicant,
        "parent_unit": row.parent_unit,
        "name": row.name,
        "content": row.content,
        "dates": row.start and row.end,
        "target": row.target,
        "purpose": row.purpose,
        "funding": row.funding,
        "items": json.loads(row.items) if isinstance(row.items, str) else row.items,
        "leader": (row.leader or "").strip() and (row.leader_phone or "").strip(),
        "participation": row.participation,
        "contact": row.contact,
    }
    return tuple(k for k in PLAN_FIELDS if not (values[k].strip() if isinstance(values[k], str) else values[k]))


def _budget_left(line: BudgetLine | None, project_id: int | None) -> int | None:
    """What the approved line has left for this project: its amount, less disbursements charged
    to it and the cost of the other projects on it not refused or terminated (R7.2, R11.2)."""
    if line is None:
        return None
    from models.budget import status

    if not status(line.year).ok:
        return None
    others = database.execute_sql(
        "SELECT COALESCE(SUM(cost_fen), 0) FROM service_project WHERE budget_line_id = ? AND id IS NOT ? "
        "AND state NOT IN (?, ?)",
        (line.id, project_id, *RELEASED_STATES),
    ).fetchone()[0]
    return line.amount_fen - committed([line.id]).get(line.id, 0) - others


def _steps(project_id: int) -> list[ServiceProjectStep]:
    return list(
        ServiceProjectStep.select()
        .where(ServiceProjectStep.project == project_id)
        .order_by(ServiceProjectStep.on_date, ServiceProjectStep.id)
    )


def _step_dates(steps: list[ServiceProjectStep]) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    for s in steps:
        detail = json.loads(s.detail)
        key = s.step
        if s.step == "sign":
            key = f"sign:{detail.get('dept')}"
        out[key] = s.on_date
        if s.step == "review":
            out.pop("review_passed", None)
            if detail.get("result") == "passed":
                out["review_passed"] = s.on_date
    return out


def facts_of(row: ServiceProject, steps: list[ServiceProjectStep] | None = None) -> ProjectFacts:
    steps = _steps(row.id) if steps is None else steps
    line = BudgetLine.get_or_none(BudgetLine.id == row.budget_line_id)
    codes = ServiceProjectCode.select().where(ServiceProjectCode.project == row.id).count()
    return ProjectFacts(
        row.name,
        row.state,
        row.start,
        row.end,
        row.cost_fen,
        _budget_left(line, row.id),
        _missing_fields(row),
        _step_dates(steps),
        codes,
    )


def _line_for(year: int, code: str) -> BudgetLine | None:
    if code not in line_catalogue():
        raise ValidationFailed(f"没有预算科目“{code}”（huzhu budget list）", f"no budget line code {code}")
    return BudgetLine.get_or_none((BudgetLine.year == year) & (BudgetLine.code == code))


@dataclass(frozen=True)
class Written:
    project_id: int
    state: str
    decisions: tuple[Any, ...]

    @property
    def warnings(self) -> tuple[Any, ...]:
        return tuple(d for d in self.decisions if d.severity.value == "warning")

    @property
    def message(self) -> str:
        return self.decisions[0].message if self.decisions else ""


def _clean(text: str | None) -> str:
    return (text or "").strip()


@refuses_undated
def create(draft: ProjectDraft, *, today: dt.date | None = None) -> Written:
    """Record a project's plan (state draft) once its 附件1 fields are complete, its dates in order
    and it names an approved budget line of the start year with enough left (R7.2, R7.3)."""
    today = today or clock.today()
    with writing() as session:
        line = _line_for(draft.start.year, draft.budget_line)
        cost = items_total(draft.items)
        facts = ProjectFacts(
            _clean(draft.name) or "（未命名）",
            "draft",
            draft.start,
            draft.end,
            cost,
            _budget_left(line, None),
            _missing_fields(draft),
        )
        from rules.params import ruleset_on
        from rules.projects import check_plan

        rs = ruleset_on(draft.start)
        errors = check_plan(facts, rs)
        if errors:
            raise RuleRefused(errors)
        stamp = clock.stamp()
        row = ServiceProject.create(
            name=_clean(draft.name),
            applicant=_clean(draft.applicant),
            parent_unit=_clean(draft.parent_unit),
            content=_clean(draft.content),
            target=_clean(draft.target),
            purpose=_clean(draft.purpose),
            funding=_clean(draft.funding),
            items=json.dumps(draft.items, ensure_ascii=False),
            leader=_clean(draft.leader),
            leader_phone=_clean(draft.leader_phone),
            participation=_clean(draft.participation),
            contact=_clean(draft.contact),
            start=draft.start,
            end=draft.end,
            cost_fen=cost,
            budget_line=line.id,
            state="draft",
            created_by=session.user,
            created_at=stamp,
            updated_at=stamp,
        )
        audit.record(
            "project.new",
            "service_project",
            row.id,
            {
                "name": row.name,
                "start": draft.start,
                "end": draft.end,
                "cost_fen": cost,
                "budget_line": draft.budget_line,
                "year": draft.start.year,
            },
        )
        due = rs.decide(
            "ok",
            "R7.new",
            f"已登记服务项目“{row.name}”（草稿），费用 {format_fen(cost)}；实施方案须于 "
            f"{_plan_due(facts.start)} 前报办事处会员服务部",
            "project_plan_lead_months",
        )
    del today
    return Written(row.id, "draft", (due,))


def _plan_due(start: dt.date) -> str:
    from rules.params import ruleset_on
    from rules.projects import plan_due

    return plan_due(start, ruleset_on(start)).isoformat()


def _purchase_doc(purchase: int | None) -> str | None:
    """The purchase register's record (R13.1) when that register exists; None when not given."""
    if purchase is None:
        return None
    exists = database.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'purchase'").fetchone()
    if not exists:
        raise ValidationFailed(
            "本程序尚未提供采购登记（大宗商品采购），不能按采购编号核对：请用 --doc 写明采购比选材料"
            "（附件3评分表、附件4价格对比表）的编号",
            "the purchase register is not available yet: give the procurement materials' reference with --doc",
        )
    if database.execute_sql("SELECT 1 FROM purchase WHERE id = ?", (purchase,)).fetchone() is None:
        raise ValidationFailed(f"没有编号为 {purchase} 的采购记录", f"no purchase record {purchase}")
    has_state = database.execute_sql("SELECT 1 FROM pragma_table_info('purchase') WHERE name = 'state'").fetchone()
    if has_state:
        (state,) = database.execute_sql("SELECT state FROM purchase WHERE id = ?", (purchase,)).fetchone()
        if state != "decided":
            # R13.1: a purchase without both signed forms and its decision is not complete
            raise ValidationFailed(
                f"采购记录 #{purchase} 尚未完成比选决定（附件3评分、附件4价格对比及签字），不能作为项目的采购材料",
                f"purchase {purchase} is not decided yet",
            )
    return f"采购记录 #{purchase}"


def _codes_check(project_id: int, used: list[str]) -> set[str]:
    held = {
        c for (c,) in database.execute_sql("SELECT code FROM service_project_code WHERE project_id = ?", (project_id,))
    }
    unknown = [c for c in used if c not in held]
    if unknown:
        raise ValidationFailed(
            f"反馈中的 {len(unknown)} 个电子码不是本项目提供的（如 {mask_code(unknown[0])}）",
            f"{len(unknown)} e-codes in the feedback are not this project's",
        )
    return set(used)


@refuses_undated
def advance(
    project_id: int,
    step: str,
    on: dt.date,
    given: dict[str, Any] | None = None,
    *,
    today: dt.date | None = None,
) -> Written:
    """Record ``step`` on ``on`` with its documents and facts in ``given`` (see ``rules.projects.STEPS``):
    ``codes`` is a list of (code, password) at ``launch``; ``participants`` a list of names and
    ``used`` a list of codes at ``feedback``; ``purchase`` a purchase record id at ``procure``."""
    today = today or clock.today()
    given = dict(given or {})
    with writing() as session:
        row = ServiceProject.get_or_none(ServiceProject.id == project_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {project_id} 的服务项目", f"no service project {project_id}")
        if step == "procure" and given.get("purchase") is not None:
            given["doc"] = given.get("doc") or _purchase_doc(int(given["purchase"]))
        steps = _steps(row.id)
        facts = facts_of(row, steps)
        check_given = dict(given)
        codes: list[tuple[str, str]] = list(given.get("codes") or [])
        participants: list[str] = [p.strip() for p in given.get("participants") or [] if p.strip()]
        used: list[str] = [u.strip() for u in given.get("used") or [] if u.strip()]
        if step == "launch":
            check_given["codes"] = len(codes)
        if step == "feedback":
            check_given["participants"] = len(participants)
        report = check_step(step, facts, on, check_given, today)
        if report.errors:
            raise RuleRefused(report.errors)
        to = report.decisions[0].data.get("to") or row.state
        detail: dict[str, Any] = {
            k: v for k, v in given.items() if k not in ("codes", "participants", "used") and v not in (None, "")
        }
        if step == "launch":
            if len(codes) > MAX_CODES or len({c for c, _ in codes}) != len(codes):
                raise ValidationFailed("电子码重复或超过 100000 个", "e-codes repeat or exceed 100000")
            ServiceProjectCode.delete().where(ServiceProjectCode.project == row.id).execute()
            for code, secret in codes:
                ServiceProjectCode.create(project=row.id, code=code, secret=secret, status="issued")
            detail["codes"] = len(codes)
        if step == "feedback":
            used_set = _codes_check(row.id, used)
            ServiceProjectCode.update(status="unused").where(ServiceProjectCode.project == row.id).execute()
            if used_set:
                ServiceProjectCode.update(status="used").where(
                    (ServiceProjectCode.project == row.id) & ServiceProjectCode.code.in_(sorted(used_set))
                ).execute()
            for name in participants:
                ServiceProjectParticipant.create(project=row.id, name=name)
            detail["participants"] = len(participants)
            detail["used"] = len(used_set)
            detail["unused"] = facts.codes - len(used_set)
        ServiceProjectStep.create(
            project=row.id,
            step=step,
            on_date=on,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            by_user=session.user,
            at=clock.stamp(),
        )
        old = row.state
        row.state, row.updated_at = to, clock.stamp()
        row.save()
        audit.record(f"project.{step}", "service_project", row.id, {"on": on, "from": old, "to": to, **detail})
    return Written(row.id, to, report.decisions)


def terminate(
    project_id: int, on: dt.date, ground: str, announcement: str, reason: str | None = None, *, today=None
) -> Written:
    """R7.10: the office terminates a project (004 五) and announces it on the platform."""
    return advance(project_id, "terminate", on, {"ground": ground, "doc": announcement, "reason": reason}, today=today)


# --- reading ----------------------------------------------------------------------------------------


def _step_json(s: ServiceProjectStep) -> dict[str, Any]:
    detail = json.loads(s.detail)
    name = STEPS[s.step].name if s.step in STEPS else s.step
    if s.step == "sign":
        name = f"会签：{DEPARTMENTS.get(detail.get('dept'), detail.get('dept'))}"
    if s.step == "terminate":
        name = f"终止：{TERMINATION_GROUNDS.get(detail.get('ground'), detail.get('ground'))}"
    return {"step": s.step, "name": name, "on": s.on_date.isoformat(), "by": s.by_user, "detail": detail}


def _deadline_json(d: ProjectDeadline, today: dt.date) -> dict[str, Any]:
    return {
        "code": d.code,
        "label": d.label,
        "due": d.due.isoformat(),
        "party": d.party,
        "overdue": d.overdue,
        "days_left": (d.due - today).days,
        "citation": d.citation.short,
        "calendar_basis": d.basis,
        "message": d.message,
    }


def codes_summary(project_id: int) -> dict[str, Any]:
    """Counts by status and a few masked codes: never a full code or password."""
    counts = dict(
        database.execute_sql(
            "SELECT status, count(*) FROM service_project_code WHERE project_id = ? GROUP BY status", (project_id,)
        ).fetchall()
    )
    sample = [
        mask_code(c)
        for (c,) in database.execute_sql(
            "SELECT code FROM service_project_code WHERE project_id = ? ORDER BY id LIMIT 3", (project_id,)
        )
    ]
    return {
        "total": sum(counts.values()),
        "issued": counts.get("issued", 0),
        "used": counts.get("used", 0),
        "unused": counts.get("unused", 0),
        "masked_sample": sample,
    }


def show(project_id: int, today: dt.date | None = None) -> dict[str, Any]:
    """A project as plain data: its plan, state, steps, deadlines, e-code counts (``project show --json``)."""
    today = today or clock.today()
    row = ServiceProject.get_or_none(ServiceProject.id == project_id)
    if row is None:
        raise ValidationFailed(f"没有编号为 {project_id} 的服务项目", f"no service project {project_id}")
    steps = _steps(row.id)
    facts = facts_of(row, steps)
    line = BudgetLine.get_or_none(BudgetLine.id == row.budget_line_id)
    deadlines = project_deadlines(facts, today)
    participants = ServiceProjectParticipant.select().where(ServiceProjectParticipant.project == row.id).count()
    return {
        "id": row.id,
        "name": row.name,
        "state": row.state,
        "state_name": PROJECT_STATES.get(row.state, row.state),
        "plan": {
            "applicant": row.applicant,
            "parent_unit": row.parent_unit,
            "content": row.content,
            "start": row.start.isoformat(),
            "end": row.end.isoformat(),
            "target": row.target,
            "purpose": row.purpose,
            "funding": row.funding,
            "items": json.loads(row.items),
            "leader": row.leader,
            "leader_phone": row.leader_phone,
            "participation": row.participation,
            "contact": row.contact,
        },
        "cost_fen": row.cost_fen,
        "budget_line": {
            "year": line.year if line else None,
            "code": line.code if line else None,
            "name": line.name if line else None,
            "left_fen": facts.budget_left_fen,
        },
        "steps": [_step_json(s) for s in steps],
        "signatures": {
            k: facts.steps.get(f"sign:{k}").isoformat() if f"sign:{k}" in facts.steps else None for k in DEPARTMENTS
        },
        "next_steps": [k for k, spec in STEPS.items() if row.state in spec.after],
        "deadlines": [_deadline_json(d, today) for d in deadlines],
        "codes": codes_summary(row.id),
        "participants": participants,
        "calendar_basis": basis(today, row.end),
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def listing(today: dt.date | None = None, *, state: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Every project (newest start first), with its state and the nearest open deadline."""
    today = today or clock.today()
    query = ServiceProject.select().order_by(ServiceProject.start.desc(), ServiceProject.id.desc())
    if state:
        query = query.where(ServiceProject.state == state)
    if year:
        query = query.where(
            (ServiceProject.start >= dt.date(year, 1, 1)) & (ServiceProject.start <= dt.date(year, 12, 31))
        )
    out = []
    for row in query:
        deadlines = project_deadlines(facts_of(row), today) if row.state not in FINAL_STATES else []
        nearest = min(deadlines, key=lambda d: d.due, default=None)
        out.append(
            {
                "id": row.id,
                "name": row.name,
                "state": row.state,
                "state_name": PROJECT_STATES.get(row.state, row.state),
                "start": row.start.isoformat(),
                "end": row.end.isoformat(),
                "cost_fen": row.cost_fen,
                "next_deadline": _deadline_json(nearest, today) if nearest else None,
            }
        )
    return out


#: States 待办 reads (through the (state, start) index): every one with an open deadline.
OPEN_STATES = tuple(s for s in PROJECT_STATES if s not in FINAL_STATES and s != "finished")


def project_deadlines_of(project_id: int, today: dt.date | None = None) -> list[dict[str, str]]:
    """A project's open deadlines as the bundle carries them (projects.json)."""
    row = ServiceProject.get_by_id(project_id)
    if row.state in FINAL_STATES:
        return []
    return [
        {"code": d.code, "label": d.label, "due": d.due.isoformat(), "party": d.party, "citation": d.citation.short}
        for d in project_deadlines(facts_of(row), today or clock.today())
    ]


def open_deadlines(today: dt.date) -> list[tuple[int, str, ProjectDeadline]]:
    """(project id, name, deadline) of every live project, nearest first (待办, the bundle)."""
    marks = ",".join("?" * len(OPEN_STATES))
    ids = [
        r[0]
        for r in database.execute_sql(
            f"SELECT id FROM service_project INDEXED BY service_project_state_start WHERE state IN ({marks}) "
            "ORDER BY start",
            OPEN_STATES,
        )
    ]
    out = []
    for row in ServiceProject.select().where(ServiceProject.id.in_(ids)) if ids else []:
        for d in project_deadlines(facts_of(row), today):
            out.append((row.id, row.name, d))
    out.sort(key=lambda t: t[2].due)
    return out
