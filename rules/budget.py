"""The yearly management-fee budget: its lines, versions and approval (docs/rules.md R3.4, R11.1–R11.3).

Spending stays within the approved budget ("在预算范围内合理使用资金", 003 第八条); the
committee reviews the budget ("审议代办处年度财务预决算", 000 第十三条2) and the branch
submits the next year's budget table with its year-end papers (000 第二十三条). A budget is
drafted, then approved with the meeting that reviewed it; an amendment is a new version with
a reason that must be approved again (R11.3, an interpretation: the seeds are silent), and
until it is, payments go on against the version approved before.

The line catalogue is data (rules/data/budget_lines.toml), loaded once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from rules.money import format_fen
from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

BUDGET_CITATION = Citation("003", "第八条")
COMMITTEE_CITATION = Citation("000", "第十三条2")
PACKAGE_CITATION = Citation("000", "第二十三条")
#: R11.3 is an interpretation; the nearest article is the committee's review of the budget.
AMENDMENT_CITATION = COMMITTEE_CITATION
#: Version states, with their Chinese names.
VERSION_STATES: Mapping[str, str] = MappingProxyType(
    {"draft": "草稿（待管委会审议批准）", "approved": "已批准", "superseded": "已被修订版本取代"}
)
MINUTES_MAX = 200
NOTE_MAX = 200


@dataclass(frozen=True)
class LineKind:
    """A budget line category of the catalogue: ``pays`` are the 003 kinds it may carry,
    ``spends`` the other management-fee spending categories (rules.mgmt_fee, R11.7)."""

    code: str
    name: str
    group: str
    citation: Citation
    pays: tuple[str, ...] = ()
    spends: tuple[str, ...] = ()


@cache
def line_catalogue() -> Mapping[str, LineKind]:
    """The budget line categories (R11.2), code → kind, in the catalogue's order."""
    text = resources.files("rules").joinpath("data/budget_lines.toml").read_text(encoding="utf-8")
    lines = {}
    for raw in tomllib.loads(text)["line"]:
        kind = LineKind(
            raw["code"],
            raw["name"],
            raw["group"],
            Citation.parse(raw["citation"], configurable=True),
            tuple(raw.get("pays", ())),
            tuple(raw.get("spends", ())),
        )
        if kind.code in lines:
            raise ValueError(f"预算科目代码重复：{kind.code}")
        lines[kind.code] = kind
    return MappingProxyType(lines)


@dataclass(frozen=True)
class VersionFacts:
    """A budget version as the rules read it."""

    number: int
    state: str  # draft | approved | superseded
    meeting_date: date | None = None


def _refuse(rs: RuleSet, code: str, message: str, cite: Citation, **data: object) -> Decision:
    return rs.decide("refused", code, message, cite, Severity.ERROR, **data)


def year_status(year: int, versions: Sequence[VersionFacts], on: date, rs: RuleSet | None = None) -> Decision:
    """May money be spent against ``year``'s budget? "approved" (the version in force, and
    any amendment still waiting for approval), else refused: "none" (no budget entered)
    or "draft" (entered, not yet approved). data: in_force, pending (version numbers)."""
    rs = resolve(rs, on)
    approved = [v for v in versions if v.state == "approved"]
    drafts = [v for v in versions if v.state == "draft"]
    pending = drafts[-1].number if drafts else None
    if approved:
        current = approved[-1]
        met = f"，管委会 {current.meeting_date.isoformat()} 审议批准" if current.meeting_date else ""
        tail = f"；第 {pending} 版修订尚待批准，批准前按第 {current.number} 版执行" if pending else ""
        return rs.decide(
            "approved",
            "R3.4.budget_approved",
            f"{year}年度预算第 {current.number} 版{met}{tail}",
            BUDGET_CITATION,
            in_force=current.number,
            pending=pending,
        )
    if drafts:
        return _refuse(
            rs,
            "R3.4.budget_not_approved",
            f"{year}年度预算（第 {pending} 版）尚未经管理委员会审议批准（000 第十三条2），"
            "批准前不得支出：须在批准的预算范围内使用资金",
            BUDGET_CITATION,
            in_force=None,
            pending=pending,
        )
    return _refuse(
        rs,
        "R3.4.no_budget_year",
        f"{year}年度尚未编制预算：须先编制年度预算并经管理委员会审议批准（000 第十三条2），方可在预算范围内支出",
        BUDGET_CITATION,
        in_force=None,
        pending=None,
    )


def check_line(
    code: str, amount_fen: object, on: date, rs: RuleSet | None = None, *, note: str | None = None
) -> Decision:
    """A line as typed: a catalogue category and an amount in whole fen, not negative (an
    amendment may bring a line to zero; a new line must be above zero is the caller's)."""
    rs = resolve(rs, on)
    catalogue = line_catalogue()
    if code not in catalogue:
        listed = "、".join(f"{k}（{v.name}）" for k, v in catalogue.items())
        return _refuse(
            rs,
            "R11.2.line_unknown",
            f"没有预算科目“{code}”，应为：{listed}",
            Citation("000", "第十九条5", configurable=True),
            field="line",
        )
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < 0:
        return _refuse(
            rs,
            "R11.2.amount_invalid",
            f"预算金额应为不小于零的金额，实为 {amount_fen!r}",
            catalogue[code].citation,
            field="amount",
        )
    if note is not None and len(note.strip()) > NOTE_MAX:
        return _refuse(rs, "R11.2.note_too_long", f"备注不超过 {NOTE_MAX} 字", catalogue[code].citation, field="note")
    kind = catalogue[code]
    return rs.decide("ok", "R11.2.ok", f"{kind.group}·{kind.name} {format_fen(amount_fen)}", kind.citation)


def check_amendment(
    reason: str | None, amount_fen: int, committed_fen: int, line_name: str, on: date, rs: RuleSet | None = None
) -> Report:
    """R11.3: a change of an approved budget states why, and a line cannot be cut below what
    is already charged to it."""
    rs = resolve(rs, on)
    decisions = []
    if not (reason or "").strip():
        decisions.append(
            _refuse(
                rs,
                "R11.3.reason_required",
                "修订预算须写明理由（修订后须经管委会重新审议批准）",
                AMENDMENT_CITATION,
                field="reason",
            )
        )
    if amount_fen < committed_fen:
        decisions.append(
            _refuse(
                rs,
                "R11.3.below_committed",
                f"预算科目“{line_name}”已列支 {format_fen(committed_fen)}，修订后金额 "
                f"{format_fen(amount_fen)} 不得低于已列支金额",
                BUDGET_CITATION,
                field="amount",
                committed_fen=committed_fen,
            )
        )
    if not decisions:
        decisions.append(
            rs.decide(
                "ok",
                "R11.3.ok",
                f"预算科目“{line_name}”修订为 {format_fen(amount_fen)}，须经管委会重新审议批准后执行",
                AMENDMENT_CITATION,
            )
        )
    return Report(tuple(decisions))


def check_approval(
    year: int,
    meeting_date: date | None,
    minutes: str | None,
    today: date,
    lines: Sequence[tuple[str, int, int]],
    rs: RuleSet | None = None,
    *,
    meeting_logged: bool = True,
) -> Report:
    """R11.1: a version is approved with the committee meeting that reviewed it (its date,
    not after today, and the minutes reference), has at least one line, and no line below
    what is already charged to it. ``lines``: (name, amount_fen, committed_fen).
    ``meeting_logged`` says whether the work log holds a committee meeting that day: a
    warning when not, since the quarterly meetings are counted from it (R10.2)."""
    rs = resolve(rs, today)
    decisions = []
    if meeting_date is None:
        decisions.append(
            _refuse(
                rs, "R11.1.meeting_required", "请填写审议预算的管委会会议日期", COMMITTEE_CITATION, field="meeting_date"
            )
        )
    elif meeting_date > today:
        decisions.append(
            _refuse(
                rs,
                "R11.1.meeting_in_future",
                f"管委会会议日期 {meeting_date.isoformat()} 晚于今天 {today.isoformat()}",
                COMMITTEE_CITATION,
                field="meeting_date",
            )
        )
    text = (minutes or "").strip()
    if not text:
        decisions.append(
            _refuse(
                rs,
                "R11.1.minutes_required",
                "请填写会议纪要编号或记录（管委会审议预算须有会议记录）",
                COMMITTEE_CITATION,
                field="minutes",
            )
        )
    elif len(text) > MINUTES_MAX:
        decisions.append(
            _refuse(
                rs, "R11.1.minutes_too_long", f"会议纪要不超过 {MINUTES_MAX} 字", COMMITTEE_CITATION, field="minutes"
            )
        )
    if not lines:
        decisions.append(_refuse(rs, "R11.1.no_lines", f"{year}年度预算没有科目，不能批准", COMMITTEE_CITATION))
    for name, amount, committed in lines:
        if amount < committed:
            decisions.append(
                _refuse(
                    rs,
                    "R11.3.below_committed",
                    f"预算科目“{name}”已列支 {format_fen(committed)}，批准金额 {format_fen(amount)} 不得低于已列支金额",
                    BUDGET_CITATION,
                    committed_fen=committed,
                )
            )
    if not decisions and meeting_date is not None:  # no date is among the refusals above
        total = sum(amount for _, amount, _ in lines)
        decisions.append(
            rs.decide(
                "approved",
                "R11.1.approved",
                f"{year}年度预算 {len(lines)} 个科目，合计 {format_fen(total)}，经管委会 "
                f"{meeting_date.isoformat()} 审议批准（{text}）",
                COMMITTEE_CITATION,
            )
        )
        if not meeting_logged:
            decisions.append(
                rs.decide(
                    "attention",
                    "R10.2.meeting_not_logged",
                    f"工作记录中没有 {meeting_date.isoformat()} 的管委会会议，请补登该次会议"
                    "（稽核按工作记录统计每季度会议）",
                    Citation("000", "第十六条1"),
                    Severity.WARNING,
                )
            )
    return Report(tuple(decisions))
