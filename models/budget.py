"""The yearly management-fee budget (docs/rules.md R3.4, R11.1–R11.3): drafting its lines, amending
it and approving a version with the committee meeting that reviewed it.

A year's budget is a series of versions (``budget_version``, ``budget_version_line``). The
first is drafted line by line (``add_line``) by a clerk or a supervisor; a supervisor
approves it with the committee meeting's date and minutes reference (000 第十三条2). A change
to an approved budget (``amend_line``) needs a reason and makes a new draft version, which
must be approved again; until it is, payments go on against the version approved before.
Approval writes the version's amounts into ``budget_line``, the rows disbursements are
charged to, so every spending check reads the approved budget and nothing else.

The decisions are ``rules.budget``'s; each write is one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from models import audit, clock
from models.db import database, writing
from models.errors import RuleRefused, UsageError, ValidationFailed, refuses_undated
from models.schema import BudgetLine, BudgetVersion, BudgetVersionLine
from rules.budget import (
    VERSION_STATES,
    VersionFacts,
    check_amendment,
    check_approval,
    check_line,
    line_catalogue,
    year_status,
)
from rules.result import Decision

#: Disbursement states that no longer count against a budget line (a void keeps its row as "cancelled").
NOT_COUNTED_STATES = ("cancelled",)


def check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2999:
        raise UsageError(f"预算年度无效：{year}", f"invalid budget year: {year}")
    return year


# --- reading --------------------------------------------------------------------------------


#: The states in which a payment's money has left the branch (the rest, but a void, are pending).
PAID_STATES = {"disbursement": ("paid", "signed"), "mgmt_spending": ("paid",)}


@dataclass(frozen=True)
class LineFigures:
    """A budget line's money: approved, paid out, and charged but not yet paid (entered or
    approved payments), welfare disbursements and other management-fee spending together (so a
    line is never spent twice by the two kinds of payment). Every screen and report that shows a
    line's remainder takes it from here, under the name of which remainder it is
    (``rules.disbursements.AVAILABLE_LABEL`` or ``AFTER_PAID_LABEL``)."""

    approved_fen: int
    paid_fen: int = 0
    pending_fen: int = 0

    @property
    def committed_fen(self) -> int:
        return self.paid_fen + self.pending_fen

    @property
    def available_fen(self) -> int:
        """可用余额(含待付): what a new payment may still use (the R3.4 check)."""
        return self.approved_fen - self.committed_fen

    @property
    def after_paid_fen(self) -> int:
        """已付后余额: what is left counting only the money paid out."""
        return self.approved_fen - self.paid_fen


def line_figures(line_ids: list[int]) -> dict[int, LineFigures]:
    """The figures of each budget line, by line id."""
    if not line_ids:
        return {}
    marks = ",".join("?" * len(line_ids))
    approved = dict(
        database.execute_sql(f"SELECT id, amount_fen FROM budget_line WHERE id IN ({marks})", line_ids).fetchall()
    )
    paid = dict.fromkeys(line_ids, 0)
    pending = dict.fromkeys(line_ids, 0)
    states = ",".join("?" * len(NOT_COUNTED_STATES))
    for table, paid_states in PAID_STATES.items():
        rows = database.execute_sql(
            f"SELECT budget_line_id, state IN ({','.join('?' * len(paid_states))}), COALESCE(SUM(amount_fen), 0) "
            f"FROM {table} WHERE budget_line_id IN ({marks}) AND state NOT IN ({states}) GROUP BY 1, 2",
            (*paid_states, *line_ids, *NOT_COUNTED_STATES),
        ).fetchall()
        for line_id, is_paid, total in rows:
            (paid if is_paid else pending)[line_id] += total
    return {i: LineFigures(approved.get(i, 0), paid[i], pending[i]) for i in line_ids}


def committed(line_ids: list[int]) -> dict[int, int]:
    """What each line carries (every state but a void), by line id (``line_figures``)."""
    return {i: f.committed_fen for i, f in line_figures(line_ids).items()}


def _versions(year: int) -> list[BudgetVersion]:
    return list(BudgetVersion.select().where(BudgetVersion.year == year).order_by(BudgetVersion.number))


def _facts(versions: list[BudgetVersion]) -> list[VersionFacts]:
    return [VersionFacts(v.number, v.state, v.meeting_date) for v in versions]


@refuses_undated
def status(year: int, on: dt.date | None = None) -> Decision:
    """May money be spent against ``year``'s budget (``rules.budget.year_status``)? A year
    whose lines predate versions (entered straight into ``budget_line``) counts as approved."""
    on = on or dt.date(year, 1, 1)
    versions = _versions(year)
    facts = _facts(versions)
    if not facts and BudgetLine.select().where(BudgetLine.year == year).exists():
        facts = [VersionFacts(1, "approved")]
    return year_status(year, facts, on)


@dataclass(frozen=True)
class LineView:
    """One line of a year's budget: what the approved version in force allows, what is
    charged to it, and the amount in a draft waiting for approval (if it differs)."""

    code: str
    name: str
    group: str
    approved_fen: int | None
    committed_fen: int
    draft_fen: int | None
    note: str | None
    line_id: int | None

    @property
    def remaining_fen(self) -> int | None:
        return None if self.approved_fen is None else self.approved_fen - self.committed_fen

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "approved_fen": self.approved_fen,
            "committed_fen": self.committed_fen,
            "remaining_fen": self.remaining_fen,
            "draft_fen": self.draft_fen,
            "note": self.note,
        }


@dataclass(frozen=True)
class VersionView:
    number: int
    state: str
    reason: str | None
    drafted_by: str
    drafted_at: str
    approved_by: str | None
    approved_at: str | None
    meeting_date: dt.date | None
    minutes: str | None
    lines: list[tuple[str, str, int, str | None]]  # (code, name, amount_fen, reason)

    @property
    def state_name(self) -> str:
        return VERSION_STATES.get(self.state, self.state)

    @property
    def total_fen(self) -> int:
        return sum(amount for _, _, amount, _ in self.lines)

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "state": self.state,
            "state_name": self.state_name,
            "reason": self.reason,
            "drafted_by": self.drafted_by,
            "drafted_at": self.drafted_at,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "minutes": self.minutes,
            "total_fen": self.total_fen,
            "lines": [{"code": c, "name": n, "amount_fen": a, "reason": r} for c, n, a, r in self.lines],
        }


@dataclass(frozen=True)
class YearBudget:
    year: int
    status: Decision
    lines: list[LineView]
    versions: list[VersionView] = field(default_factory=list)

    @property
    def in_force(self) -> int | None:
        return self.status.data.get("in_force")

    @property
    def pending(self) -> int | None:
        return self.status.data.get("pending")

    def totals(self) -> dict[str, int | None]:
        approved = [line.approved_fen for line in self.lines if line.approved_fen is not None]
        return {
            "approved_fen": sum(approved) if approved else None,
            "committed_fen": sum(line.committed_fen for line in self.lines),
            "remaining_fen": (sum(approved) - sum(line.committed_fen for line in self.lines)) if approved else None,
            "draft_fen": (sum(line.draft_fen or 0 for line in self.lines) if self.pending else None),
        }

    def to_json(self) -> dict:
        d = self.status
        return {
            "year": self.year,
            "state": d.outcome,
            "in_force_version": self.in_force,
            "pending_version": self.pending,
            "can_spend": d.ok,
            "status": {"code": d.code, "message": d.message, "citation": d.citation.short},
            "lines": [line.to_json() for line in self.lines],
            "totals": self.totals(),
            "versions": [v.to_json() for v in self.versions],
        }


def read_year(year: int) -> YearBudget:
    """Every line of ``year``'s budget with approved, committed, remaining and draft amounts,
    the year's status and its versions (oldest first)."""
    check_year(year)
    versions = _versions(year)
    lines_by_version: dict[int, list[BudgetVersionLine]] = defaultdict(list)
    if versions:
        for row in (
            BudgetVersionLine.select()
            .where(BudgetVersionLine.version.in_([v.id for v in versions]))
            .order_by(BudgetVersionLine.id)
        ):
            lines_by_version[row.version_id].append(row)
    in_force = {row.code: row for row in BudgetLine.select().where(BudgetLine.year == year)}
    spent = committed([row.id for row in in_force.values()])
    draft = next((v for v in reversed(versions) if v.state == "draft"), None)
    draft_lines = {row.code: row for row in lines_by_version[draft.id]} if draft else {}
    catalogue = line_catalogue()
    order = {code: i for i, code in enumerate(catalogue)}
    views = []
    for code in sorted(set(in_force) | set(draft_lines), key=lambda c: (order.get(c, len(order)), c)):
        line, planned = in_force.get(code), draft_lines.get(code)
        name = (planned or line).name
        kind = catalogue.get(code)
        views.append(
            LineView(
                code,
                name,
                kind.group if kind else "",
                line.amount_fen if line else None,
                spent.get(line.id, 0) if line else 0,
                planned.amount_fen if planned else None,
                planned.note if planned else None,
                line.id if line else None,
            )
        )
    version_views = [
        VersionView(
            v.number,
            v.state,
            v.reason,
            v.drafted_by,
            v.drafted_at,
            v.approved_by,
            v.approved_at,
            v.meeting_date,
            v.minutes,
            [(r.code, r.name, r.amount_fen, r.reason) for r in lines_by_version[v.id]],
        )
        for v in versions
    ]
    return YearBudget(year, status(year), views, version_views)


# --- writing ---------------------------------------------------------------------------------


def _refuse_if(decision: Decision) -> None:
    if not decision.ok:
        raise RuleRefused([decision])


def _draft(year: int, versions: list[BudgetVersion], session_user: str, reason: str | None) -> BudgetVersion:
    """The year's open draft, or a new version copying the lines of the latest one."""
    latest = versions[-1] if versions else None
    if latest is not None and latest.state == "draft":
        return latest
    version = BudgetVersion.create(
        year=year,
        number=(latest.number + 1) if latest else 1,
        state="draft",
        reason=reason,
        drafted_by=session_user,
        drafted_at=clock.stamp(),
    )
    if latest is not None:
        for row in (
            BudgetVersionLine.select().where(BudgetVersionLine.version == latest.id).order_by(BudgetVersionLine.id)
        ):
            BudgetVersionLine.create(
                version=version, code=row.code, name=row.name, amount_fen=row.amount_fen, note=row.note
            )
    return version


@dataclass(frozen=True)
class Written:
    year: int
    version: int
    code: str
    name: str
    amount_fen: int
    decision: Decision


@refuses_undated
def add_line(
    year: int, code: str, amount_fen: int, note: str | None = None, *, today: dt.date | None = None
) -> Written:
    """Add a line to the year's draft budget (a new version 1 when the year has none).

    Refused when the year already has an approved budget (a change to it is an amendment
    with a reason, ``amend_line``) or the draft already has the line."""
    check_year(year)
    today = today or clock.today()
    note = (note or "").strip() or None
    decision = check_line(code, amount_fen, today, note=note)
    _refuse_if(decision)
    if amount_fen == 0:
        raise ValidationFailed("新增预算科目的金额应大于零", "a new budget line needs an amount above zero")
    kind = line_catalogue()[code]
    with writing() as session:
        versions = _versions(year)
        approved = [v for v in versions if v.state == "approved"]
        if (
            approved
            and versions[-1].state != "draft"
            or (not versions and BudgetLine.select().where(BudgetLine.year == year).exists())
        ):
            raise ValidationFailed(
                f"{year}年度预算已批准：增加或调整科目属于修订，请用 huzhu budget amend 并写明理由（修订后须重新批准）",
                f"the {year} budget is approved: adding a line is an amendment (huzhu budget amend --reason)",
            )
        draft = _draft(year, versions, session.user, None)
        if draft.number > 1:
            raise ValidationFailed(
                f"{year}年度预算第 {draft.number} 版是修订草稿：修订须写明理由，请用 huzhu budget amend",
                f"version {draft.number} of {year} is an amendment: use huzhu budget amend with a reason",
            )
        if BudgetVersionLine.get_or_none((BudgetVersionLine.version == draft.id) & (BudgetVersionLine.code == code)):
            raise ValidationFailed(
                f"{year}年度预算草稿已有科目“{kind.name}”，修改金额请用 huzhu budget amend",
                f"the {year} draft already has line {code}: use huzhu budget amend",
            )
        BudgetVersionLine.create(version=draft, code=code, name=kind.name, amount_fen=amount_fen, note=note)
        audit.record(
            "budget.add",
            "budget_version",
            draft.id,
            {"year": year, "version": draft.number, "code": code, "amount_fen": amount_fen, "note": note},
        )
    return Written(year, draft.number, code, kind.name, amount_fen, decision)


@refuses_undated
def amend_line(year: int, code: str, amount_fen: int, reason: str, *, today: dt.date | None = None) -> Written:
    """Change (or add) a line with a reason. On an approved budget this opens a new draft
    version copying the approved lines; an open draft is changed in place. Either way the
    change takes effect only when that version is approved."""
    check_year(year)
    today = today or clock.today()
    reason = (reason or "").strip()
    _refuse_if(check_line(code, amount_fen, today))
    kind = line_catalogue()[code]
    with writing() as session:
        versions = _versions(year)
        if not versions:
            raise ValidationFailed(
                f"{year}年度还没有预算，请先用 huzhu budget add 编制",
                f"no budget for {year} yet: draft it with huzhu budget add",
            )
        line = BudgetLine.get_or_none((BudgetLine.year == year) & (BudgetLine.code == code))
        charged = committed([line.id]).get(line.id, 0) if line else 0
        report = check_amendment(reason, amount_fen, charged, kind.name, today)
        if report.errors:
            raise RuleRefused(report.errors)
        draft = _draft(year, versions, session.user, reason)
        # an amendment's reasons are the version's; a first draft's stay on its lines
        if draft.number > 1 and reason not in (draft.reason or "").split("；"):
            draft.reason = f"{draft.reason}；{reason}" if draft.reason else reason
            draft.save()
        row = BudgetVersionLine.get_or_none((BudgetVersionLine.version == draft.id) & (BudgetVersionLine.code == code))
        old = row.amount_fen if row else None
        if row is None:
            BudgetVersionLine.create(version=draft, code=code, name=kind.name, amount_fen=amount_fen, reason=reason)
        else:
            row.amount_fen, row.reason = amount_fen, reason
            row.save()
        audit.record(
            "budget.amend",
            "budget_version",
            draft.id,
            {
                "year": year,
                "version": draft.number,
                "code": code,
                "old_fen": old,
                "amount_fen": amount_fen,
                "reason": reason,
            },
        )
    return Written(year, draft.number, code, kind.name, amount_fen, report.decisions[0])


@dataclass(frozen=True)
class Approved:
    year: int
    version: int
    lines: int
    total_fen: int
    decision: Decision
    warnings: tuple[Decision, ...] = ()


@refuses_undated
def approve(year: int, meeting_date: dt.date | None, minutes: str | None, *, today: dt.date | None = None) -> Approved:
    """Approve the year's draft version as the committee decided at ``meeting_date``
    (supervisors only): the version becomes the one in force, the one before it is kept as
    superseded, and its amounts become the lines payments are charged to."""
    check_year(year)
    today = today or clock.today()
    with writing() as session:
        session.require_role("supervisor")
        versions = _versions(year)
        draft = versions[-1] if versions and versions[-1].state == "draft" else None
        if draft is None:
            if versions:
                raise ValidationFailed(
                    f"{year}年度预算第 {versions[-1].number} 版已批准，没有待批准的版本",
                    f"the {year} budget has no draft waiting for approval",
                )
            raise ValidationFailed(
                f"{year}年度还没有预算草稿，请先用 huzhu budget add 编制",
                f"no budget draft for {year}: draft it with huzhu budget add",
            )
        rows = list(
            BudgetVersionLine.select().where(BudgetVersionLine.version == draft.id).order_by(BudgetVersionLine.id)
        )
        in_force = {row.code: row for row in BudgetLine.select().where(BudgetLine.year == year)}
        spent = committed([row.id for row in in_force.values()])
        lines = [(r.name, r.amount_fen, spent.get(in_force[r.code].id, 0) if r.code in in_force else 0) for r in rows]
        # a line dropped from the new version would leave its payments uncovered
        lines += [
            (row.name, 0, spent[row.id])
            for code, row in in_force.items()
            if code not in {r.code for r in rows} and spent[row.id]
        ]
        logged = (
            meeting_date is not None
            and database.execute_sql(
                "SELECT 1 FROM work_log WHERE kind = 'meeting' AND on_date = ?", (meeting_date.isoformat(),)
            ).fetchone()
        )
        report = check_approval(year, meeting_date, minutes, today, lines, meeting_logged=bool(logged))
        if report.errors:
            raise RuleRefused(report.errors)
        minutes = minutes.strip()
        BudgetVersion.update(state="superseded").where(
            (BudgetVersion.year == year) & (BudgetVersion.state == "approved")
        ).execute()
        draft.state, draft.approved_by, draft.approved_at = "approved", session.user, clock.stamp()
        draft.meeting_date, draft.minutes = meeting_date, minutes
        draft.save()
        for r in rows:
            line = in_force.get(r.code)
            if line is None:
                BudgetLine.create(year=year, code=r.code, name=r.name, amount_fen=r.amount_fen, version=draft.id)
            else:
                BudgetLine.update(name=r.name, amount_fen=r.amount_fen, version=draft.id).where(
                    BudgetLine.id == line.id
                ).execute()
        dropped = [code for code in in_force if code not in {r.code for r in rows}]
        if dropped:
            BudgetLine.update(amount_fen=0, version=draft.id).where(
                (BudgetLine.year == year) & BudgetLine.code.in_(dropped)
            ).execute()
        total = sum(r.amount_fen for r in rows)
        audit.record(
            "budget.approve",
            "budget_version",
            draft.id,
            {
                "year": year,
                "version": draft.number,
                "meeting_date": meeting_date,
                "minutes": minutes,
                "lines": {r.code: r.amount_fen for r in rows},
                "total_fen": total,
            },
        )
    return Approved(year, draft.number, len(rows), total, report.decisions[0], report.warnings)


# --- for the disbursement form and the year-end papers -----------------------------------------


def line_id_for(year: int, code: str) -> int:
    """The approved line ``code`` of ``year`` that a payment of that year is charged to.

    Refused with the reason and article when the year's budget is not approved, and with
    the year's lines when it has no such line."""
    decision = status(check_year(year))
    _refuse_if(decision)
    row = BudgetLine.get_or_none((BudgetLine.year == year) & (BudgetLine.code == code))
    if row is None:
        listed = (
            "、".join(
                f"{r.code}（{r.name}）"
                for r in BudgetLine.select().where(BudgetLine.year == year).order_by(BudgetLine.code)
            )
            or "无"
        )
        raise ValidationFailed(
            f"{year}年度批准的预算中没有科目“{code}”；可用科目：{listed}",
            f"the approved {year} budget has no line {code}",
        )
    return row.id
