"""The office's register of branches: each lifecycle step as one transaction with its audit
event (docs/rules.md R8; rules in ``rules.branches``).

The register decides which branches the office expects a monthly bundle from (reconcile's
"not reported" list) and refuses bundles from a branch that lost its status (R8.5) or that
stopped (R8.7).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import audit, clock
from models.db import database, writing
from models.errors import RuleRefused, UsageError, ValidationFailed
from rules import branches as rb
from rules.dates import add_months
from rules.result import Decision

if TYPE_CHECKING:
    from models.schema import OfficeBranch, OfficeBranchEvent
from sync.keystore import require_office

CODE_RE = re.compile(r"^\d{3}$")


def _schema() -> tuple[type[OfficeBranch], type[OfficeBranchEvent]]:
    from models.schema import OfficeBranch, OfficeBranchEvent

    return OfficeBranch, OfficeBranchEvent


def _refuse(*decisions: Decision | None) -> None:
    found = [d for d in decisions if d is not None and not d.ok]
    if found:
        raise RuleRefused(found)


def _get(code: str) -> OfficeBranch:
    OfficeBranch, _ = _schema()
    row = OfficeBranch.get_or_none(OfficeBranch.code == code)
    if row is None:
        raise ValidationFailed(
            f"登记簿中没有代办处 {code}（先用 huzhu office branch apply 或 import 登记）",
            f"no branch {code} in the register (use huzhu office branch apply or import first)",
        )
    return row


def facts(row: OfficeBranch) -> rb.BranchFacts:
    return rb.BranchFacts(
        code=row.code,
        state=row.state,
        applied_on=row.applied_on,
        decided_on=row.decided_on,
        certified_on=row.certified_on,
        announced_on=row.announced_on,
        started_on=row.started_on,
        excused=bool(row.excuse),
        change_applied_on=row.change_applied_on,
        change_decided_on=row.change_decided_on,
        change_announce_pending=bool(row.change_announce_pending),
        termination_applied_on=row.termination_applied_on,
        termination_approved_on=row.termination_approved_on,
        stopped_on=row.stopped_on,
        missing_docs=tuple(_missing(row)),
    )


def _docs(row: OfficeBranch) -> list[str]:
    try:
        value = json.loads(row.docs or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _open_step(row: OfficeBranch) -> str | None:
    return {"applied": "apply", "change_pending": "change_apply", "termination_applied": "terminate_apply"}.get(
        row.state
    )


def _missing(row: OfficeBranch) -> list[str]:
    step = _open_step(row)
    return rb.missing_documents(step, _docs(row), row.change_item) if step else []


def _missing_named(row: OfficeBranch) -> list[tuple[str, str]]:
    step = _open_step(row)
    if step is None:
        return []
    names = rb.required_documents(step, row.change_item)
    return [(k, names[k]) for k in _missing(row)]


def _last_on(row: OfficeBranch) -> dt.date | None:
    dates = [
        d
        for d in (
            row.applied_on,
            row.decided_on,
            row.certified_on,
            row.announced_on,
            row.change_applied_on,
            row.change_decided_on,
            row.termination_applied_on,
            row.termination_approved_on,
            row.stopped_on,
        )
        if d is not None
    ]
    return max(dates) if dates else None


@dataclass
class StepResult:
    code: str
    step: str
    state: str
    warnings: list[Decision]
    missing: list[tuple[str, str]]  # (document key, its name) still to come for the open application

    def to_json(self) -> dict[str, Any]:
        return {
            "branch_code": self.code,
            "step": self.step,
            "state": self.state,
            "state_zh": rb.STATES[self.state],
            "warnings": [{"code": d.code, "message": d.message, "citation": str(d.citation)} for d in self.warnings],
            "missing_documents": [{"key": k, "name": n} for k, n in self.missing],
        }


def _event(code: str, step: str, on: dt.date, detail: dict[str, Any], user: str) -> None:
    _, OfficeBranchEvent = _schema()
    OfficeBranchEvent.create(
        branch_code=code,
        step=step,
        on_date=on,
        by_user=user,
        at=clock.stamp(),
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    )
    audit.record(f"office.branch.{step}", "office_branch", code, {"on": on.isoformat(), **detail})


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise UsageError(f"代办处编码应为 3 位数字：“{code}”", f"a branch code is three digits: '{code}'")
    return code


def apply(
    code: str,
    name: str,
    received: dt.date,
    docs: Sequence[str],
    *,
    full_name: str | None = None,
    other_docs: str | None = None,
) -> StepResult:
    """R8.2: an application received with the documents that came with it."""
    require_office()
    code = _check_code(code)
    name = (name or "").strip()
    if not name:
        raise UsageError("代办处名称不能为空", "the branch name must not be empty")
    OfficeBranch, _ = _schema()
    today = clock.today()
    with writing() as session:
        row = OfficeBranch.get_or_none(OfficeBranch.code == code)
        _refuse(
            rb.check_documents_known("apply", docs),
            rb.check_step("apply", row.state if row else None, None, received, today),
        )
        warnings = [d for d in (rb.check_name(full_name, received),) if d is not None]
        now = clock.stamp()
        if row is None:
            row = OfficeBranch(code=code, created_at=now)
        row.name, row.full_name, row.state, row.source = name, full_name, "applied", "apply"
        row.applied_on, row.decided_on, row.docs, row.updated_at = received, None, json.dumps(sorted(set(docs))), now
        row.save()
        _event(
            code,
            "apply",
            received,
            {"name": name, "full_name": full_name, "docs": sorted(set(docs)), "other_docs": other_docs},
            session.user,
        )
        return StepResult(code, "apply", row.state, warnings, _missing_named(row))


def add_documents(code: str, docs: Sequence[str], on: dt.date) -> StepResult:
    """Documents that arrived after the application (requested within the decision period)."""
    require_office()
    with writing() as session:
        row = _get(code)
        step = _open_step(row)
        if step is None:
            raise ValidationFailed(f"代办处 {code} 当前没有待补材料的申请", f"branch {code} has no open application")
        _refuse(rb.check_documents_known(step, docs))
        row.docs = json.dumps(sorted(set(_docs(row)) | set(docs)))
        row.updated_at = clock.stamp()
        row.save()
        _event(code, "documents", on, {"for": step, "docs": sorted(set(docs))}, session.user)
        return StepResult(code, "documents", row.state, [], _missing_named(row))


def decide(code: str, approve: bool, on: dt.date, reason: str | None = None) -> StepResult:
    """R8.3: approve (documents complete) or reject (with a reason) within 10 days; later is flagged."""
    require_office()
    with writing() as session:
        session.require_role("supervisor")
        row = _get(code)
        step = "approve" if approve else "reject"
        checks = [rb.check_step(step, row.state, _last_on(row), on, clock.today())]
        if approve:
            checks.append(rb.check_approval("approve", _docs(row), on))
        elif not (reason or "").strip():
            raise UsageError("驳回须写明理由（--reason）", "a rejection needs --reason")
        _refuse(*checks)
        warnings = [d for d in (rb.late_step(step, facts(row), on),) if d is not None]
        row.state, row.decided_on, row.updated_at = ("approved" if approve else "rejected"), on, clock.stamp()
        row.save()
        _event(code, step, on, {"reason": reason, "late": bool(warnings)}, session.user)
        return StepResult(code, step, row.state, warnings, [])


def certify(code: str, number: str, on: dt.date) -> StepResult:
    """R8.4: the registration certificate (登记证) received; the 20 days to announce start here."""
    require_office()
    if not (number or "").strip():
        raise UsageError("请填写登记证编号（--number）", "give the certificate number (--number)")
    with writing() as session:
        row = _get(code)
        _refuse(
            rb.check_step("certify", rb.effective_state(facts(row), clock.today()), _last_on(row), on, clock.today())
        )
        row.state, row.certificate_no, row.certified_on, row.updated_at = "certified", number.strip(), on, clock.stamp()
        row.save()
        _event(code, "certify", on, {"number": number.strip()}, session.user)
        return StepResult(code, "certify", row.state, [], [])


def announce(code: str, on: dt.date, started: dt.date | None = None) -> StepResult:
    """R8.4: the 设立通告 issued (and, where known, the first business day, R8.5)."""
    require_office()
    with writing() as session:
        row = _get(code)
        _refuse(
            rb.check_step("announce", rb.effective_state(facts(row), clock.today()), _last_on(row), on, clock.today())
        )
        if started is not None and (started > clock.today() or (row.decided_on and started < row.decided_on)):
            raise ValidationFailed(
                f"开展业务日期 {started.isoformat()} 应在核准日之后、今天之前",
                f"the first business day {started.isoformat()} must be after approval and not in the future",
            )
        warnings = [d for d in (rb.late_step("announce", facts(row), on),) if d is not None]
        row.state, row.announced_on, row.updated_at = "active", on, clock.stamp()
        if started is not None:
            row.started_on = started
        row.save()
        _event(code, "announce", on, {"started": started, "late": bool(warnings)}, session.user)
        return StepResult(code, "announce", row.state, warnings, [])


def record_business(code: str, started: dt.date) -> StepResult:
    """R8.5: the first business day (a first enrolment filed or a claim registered)."""
    require_office()
    with writing() as session:
        row = _get(code)
        if rb.effective_state(facts(row), clock.today()) in rb.CLOSED:
            raise ValidationFailed(
                f"代办处 {code} 已{rb.STATES[rb.effective_state(facts(row), clock.today())]}",
                f"branch {code} is closed",
            )
        if started > clock.today() or (row.decided_on and started < row.decided_on):
            raise ValidationFailed(
                f"开展业务日期 {started.isoformat()} 应在核准日之后、今天之前",
                f"the first business day {started.isoformat()} must be after approval and not in the future",
            )
        row.started_on, row.updated_at = started, clock.stamp()
        row.save()
        _event(code, "business", started, {}, session.user)
        return StepResult(code, "business", row.state, [], [])


def excuse(code: str, reason: str, on: dt.date) -> StepResult:
    """R8.5: a reason for not starting that the office accepts stops the automatic disqualification."""
    require_office()
    if not (reason or "").strip():
        raise UsageError("请写明理由（--reason）", "give the reason (--reason)")
    with writing() as session:
        session.require_role("supervisor")
        row = _get(code)
        _refuse(rb.check_step("excuse", rb.effective_state(facts(row), on), None, on, clock.today()))
        row.excuse, row.updated_at = reason.strip(), clock.stamp()
        row.save()
        _event(code, "excuse", on, {"reason": reason.strip()}, session.user)
        return StepResult(code, "excuse", row.state, [], [])


def change(
    code: str,
    step: str,
    on: dt.date,
    *,
    item: str | None = None,
    value: str | None = None,
    docs: Sequence[str] = (),
    approve: bool | None = None,
    reason: str | None = None,
) -> StepResult:
    """R8.6: apply (what changes, documents) → decide within 10 days → announce at once."""
    require_office()
    with writing() as session:
        row = _get(code)
        today = clock.today()
        state = rb.effective_state(facts(row), today)
        warnings: list[Decision] = []
        if step == "apply":
            if item not in rb.CHANGE_ITEMS:
                raise UsageError(
                    f"--what 应为 {'、'.join(rb.CHANGE_ITEMS)} 之一",
                    f"--what must be one of {', '.join(rb.CHANGE_ITEMS)}",
                )
            value = (value or "").strip()
            if not value:
                raise UsageError("请写明变更后的内容（--value）", "give the new value (--value)")
            _refuse(
                rb.check_documents_known("change_apply", docs), rb.check_step("change_apply", state, None, on, today)
            )
            row.state, row.change_item, row.change_value = "change_pending", item, value
            row.change_applied_on, row.change_decided_on, row.docs = on, None, json.dumps(sorted(set(docs)))
            name = "change_apply"
            detail: dict[str, Any] = {"what": item, "value": value, "docs": sorted(set(docs))}
            if item == "name":
                warnings += [d for d in (rb.check_name(value, on),) if d is not None]
        elif step == "decide":
            session.require_role("supervisor")
            if approve is None:
                raise UsageError("请用 --approve 或 --reject", "use --approve or --reject")
            name = "change_approve" if approve else "change_reject"
            checks = [rb.check_step(name, state, row.change_applied_on, on, today)]
            if approve:
                checks.append(rb.check_approval("change_approve", _docs(row), on, row.change_item))
            elif not (reason or "").strip():
                raise UsageError("驳回须写明理由（--reason）", "a rejection needs --reason")
            _refuse(*checks)
            warnings += [d for d in (rb.late_step(name, facts(row), on),) if d is not None]
            row.state, row.change_decided_on, row.change_announce_pending = "active", on, bool(approve)
            detail = {"what": row.change_item, "value": row.change_value, "reason": reason}
        elif step == "announce":
            name = "change_announce"
            if not row.change_announce_pending:
                raise ValidationFailed(
                    f"代办处 {code} 没有已核准、待通告的变更", f"branch {code} has no approved change to announce"
                )
            _refuse(rb.check_step(name, state, row.change_decided_on, on, today))
            warnings += [d for d in (rb.late_step(name, facts(row), on),) if d is not None]
            if row.change_item == "name":
                row.full_name = row.change_value
            row.change_announce_pending = False
            detail = {"what": row.change_item, "value": row.change_value, "effective": on}
        else:
            raise UsageError("--step 应为 apply、decide 或 announce", "--step must be apply, decide or announce")
        row.updated_at = clock.stamp()
        row.save()
        _event(code, name, on, {**detail, "late": bool(warnings)}, session.user)
        return StepResult(code, name, row.state, warnings, _missing_named(row))


def terminate(code: str, step: str, on: dt.date, *, ground: str | None = None, docs: Sequence[str] = ()) -> StepResult:
    """R8.7: apply (ground, documents) → the office approves within 20 days → the branch
    announces and stops within 20 days of the notice."""
    require_office()
    with writing() as session:
        row = _get(code)
        today = clock.today()
        state = rb.effective_state(facts(row), today)
        warnings: list[Decision] = []
        if step == "apply":
            ground = (ground or "").strip()
            if not ground:
                raise UsageError("请写明终止理由（--ground）", "give the ground for termination (--ground)")
            _refuse(
                rb.check_documents_known("terminate_apply", docs),
                rb.check_step("terminate_apply", state, None, on, today),
            )
            row.state, row.termination_ground, row.termination_applied_on = "termination_applied", ground, on
            row.docs = json.dumps(sorted(set(docs)))
            name, detail = "terminate_apply", {"ground": ground, "docs": sorted(set(docs))}
        elif step == "approve":
            session.require_role("supervisor")
            name = "terminate_approve"
            _refuse(
                rb.check_step(name, state, row.termination_applied_on, on, today),
                rb.check_approval(name, _docs(row), on),
            )
            warnings += [d for d in (rb.late_step(name, facts(row), on),) if d is not None]
            row.state, row.termination_approved_on = "termination_approved", on
            detail = {}
        elif step == "stop":
            name = "terminate_stop"
            _refuse(rb.check_step(name, state, row.termination_approved_on, on, today))
            warnings += [d for d in (rb.late_step(name, facts(row), on),) if d is not None]
            row.state, row.stopped_on = "terminated", on
            detail = {}
        else:
            raise UsageError("--step 应为 apply、approve 或 stop", "--step must be apply, approve or stop")
        row.updated_at = clock.stamp()
        row.save()
        _event(code, name, on, {**detail, "late": bool(warnings)}, session.user)
        return StepResult(code, name, row.state, warnings, _missing_named(row))


@dataclass
class ImportProblem:
    line: int
    column: str
    reason_zh: str
    reason_en: str


def import_register(path: str | Path) -> tuple[int, list[ImportProblem]]:
    """An initial register (e.g. 001 附件2's audited branches) from a CSV or XLSX with the
    columns 编码 and 名称 (or code, name): each registered as an existing, active branch.
    All-or-nothing: one bad row and nothing is written."""
    from models.tabular import read_table

    require_office()
    sheet = read_table(path)
    code_col = next((h for h in sheet.headers if h in ("编码", "代码", "code")), None)
    name_col = next((h for h in sheet.headers if h in ("名称", "代办处", "name")), None)
    if code_col is None or name_col is None:
        raise ValidationFailed(
            "文件须有“编码”和“名称”两列（或 code、name）", "the file needs the columns 编码 and 名称 (or code, name)"
        )
    OfficeBranch, _ = _schema()
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    rows: list[tuple[str, str]] = []
    for line, cells in sheet.rows:
        code = str(cells.get(code_col, "")).strip()
        name = str(cells.get(name_col, "")).strip()
        if code.isdigit() and len(code) < 3:
            code = code.zfill(3)  # Excel drops the leading zeros of 004
        if not CODE_RE.match(code):
            problems.append(
                ImportProblem(line, code_col, f"编码应为 3 位数字：“{code}”", f"a code is three digits: '{code}'")
            )
            continue
        if not name:
            problems.append(ImportProblem(line, name_col, "名称为空", "the name is empty"))
            continue
        if any(ord(c) < 32 or c in "=+@" for c in name[:1]) or any(ord(c) < 32 for c in name):
            problems.append(
                ImportProblem(
                    line,
                    name_col,
                    "名称含控制字符或以公式符号开头",
                    "the name has control characters or starts like a formula",
                )
            )
            continue
        if code in seen:
            problems.append(
                ImportProblem(
                    line, code_col, f"编码 {code} 与第 {seen[code]} 行重复", f"code {code} repeats line {seen[code]}"
                )
            )
            continue
        seen[code] = line
        existing = OfficeBranch.get_or_none(OfficeBranch.code == code)
        if existing is not None and existing.name != name:
            problems.append(
                ImportProblem(
                    line,
                    name_col,
                    f"编码 {code} 已登记为“{existing.name}”",
                    f"code {code} is registered as another name",
                )
            )
            continue
        if existing is None:
            rows.append((code, name))
    if problems:
        return 0, problems
    with writing() as session:
        now = clock.stamp()
        for code, name in rows:
            OfficeBranch.create(code=code, name=name, state="active", source="import", created_at=now, updated_at=now)
        audit.record("office.branch.import", "office_branch", None, {"file": Path(path).name, "added": len(rows)})
        del session
    return len(rows), []


def listing(today: dt.date) -> list[dict[str, Any]]:
    require_office()
    OfficeBranch, _ = _schema()
    out = []
    for row in OfficeBranch.select().order_by(OfficeBranch.code):
        f = facts(row)
        state = rb.effective_state(f, today)
        due = rb.deadlines(f, today)
        out.append(
            {
                "branch_code": row.code,
                "name": row.name,
                "full_name": row.full_name,
                "state": state,
                "state_zh": rb.STATES[state],
                "source": row.source,
                "applied_on": row.applied_on,
                "decided_on": row.decided_on,
                "certificate_no": row.certificate_no,
                "certified_on": row.certified_on,
                "announced_on": row.announced_on,
                "started_on": row.started_on,
                "stopped_on": row.stopped_on,
                "deadlines": [d.to_json() for d in due],
                "missing_documents": [{"key": k, "name": n} for k, n in _missing_named(row)],
            }
        )
    return out


def history(code: str) -> list[dict[str, Any]]:
    require_office()
    _get(code)
    _, OfficeBranchEvent = _schema()
    return [
        {
            "step": e.step,
            "step_zh": rb.STEP_LABELS.get(e.step, e.step),
            "on": e.on_date,
            "by": e.by_user,
            "at": e.at,
            "detail": json.loads(e.detail),
        }
        for e in OfficeBranchEvent.select().where(OfficeBranchEvent.branch_code == code).order_by(OfficeBranchEvent.id)
    ]


def _period_start(period: str) -> dt.date:
    year, month = period.split("-")
    return dt.date(int(year), int(month), 1)


def closed_for(period: str, today: dt.date) -> dict[str, str]:
    """Branches the office expects nothing from for ``period`` (code → state), from the register:
    closed ones and those that have not started business."""
    try:
        OfficeBranch, _ = _schema()
        rows = list(OfficeBranch.select())
    except Exception:  # a database not yet migrated to 0016 has no register: nothing is closed
        return {}
    start = _period_start(period)
    end = add_months(start, 1) - dt.timedelta(days=1)
    out = {}
    for row in rows:
        state = rb.effective_state(facts(row), today)
        if not rb.expects_bundle(state, row.stopped_on, start, row.started_on, end):
            out[row.code] = state
    return out


def bundle_refusal(code: str, period: str, today: dt.date) -> Decision | None:
    """R8.5/R8.7 at import: the refusal of a bundle from a branch that may no longer send one."""
    OfficeBranch, _ = _schema()
    row = OfficeBranch.get_or_none(OfficeBranch.code == code)
    if row is None:
        return None
    return rb.accepts_bundle(rb.effective_state(facts(row), today), row.stopped_on, _period_start(period))


def table_exists() -> bool:
    return "office_branch" in database.get_tables()
