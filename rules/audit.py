"""Yearly self-assessment window and the audit items measurable from the branch's own data
(docs/rules.md R6; 000 第十六条1, 第二十三条; 001 附件1)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from rules.params import RuleSet, resolve
from rules.result import Decision, Report, Severity


def _on(year: int, month_day: tuple[int, int]) -> date:
    month, day = month_day
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def selfassessment_window(today: date, rs: RuleSet) -> tuple[date, date]:
    """The self-assessment window containing `today`, or else the next one to open."""
    start_md, end_md = rs["selfassessment_window_start"], rs["selfassessment_window_end"]
    spans_new_year = start_md > end_md
    for year in (today.year - 1, today.year, today.year + 1):
        start = _on(year, start_md)
        end = _on(year + 1 if spans_new_year else year, end_md)
        if today <= end:
            return start, end
    raise AssertionError("a window always ends within a year after today")


def yearly_window(year: int, rs: RuleSet) -> tuple[date, date]:
    """The self-assessment window of assessed ``year``: from 12-15 of ``year`` to 01-15 after it."""
    start_md, end_md = rs["selfassessment_window_start"], rs["selfassessment_window_end"]
    return _on(year, start_md), _on(year + 1 if start_md > end_md else year, end_md)


def last_opened_year(today: date, rs: RuleSet | None = None) -> int:
    """The assessed year whose self-assessment window opened most recently by ``today``: the
    current year from its 12-15 on, the year before until then (000 第二十三条)."""
    rs = resolve(rs, today)
    return today.year if today >= yearly_window(today.year, rs)[0] else today.year - 1


def check_yearly_submission(
    year: int, today: date, *, sent_before: bool, reason: str | None = None, rs: RuleSet | None = None
) -> Decision:
    """May the branch send its self-assessment package of ``year`` (自评表 with its evidence, the
    materials list, the next year's budget table) today? (000 第二十三条; 001 附件1, 附件3)

    Refused before the year's window opens (the year is not over, its figures would change)
    and, for a year already sent, without a reason (the new package replaces the earlier one,
    as a monthly bundle does). After the window's end it may still be sent, marked late.
    data: window_start, window_end, late."""
    rs = resolve(rs, today)
    start, end = yearly_window(year, rs)
    data = {"window_start": start, "window_end": end, "year": year}
    if today < start:
        return rs.decide(
            "too_early",
            "R6.yearly_too_early",
            f"{year} 年度自审材料自 {start.isoformat()} 起报送（自审期 {start.isoformat()} 至 {end.isoformat()}）",
            "selfassessment_window_start",
            Severity.ERROR,
            late=False,
            **data,
        )
    if sent_before and not (reason or "").strip():
        return rs.decide(
            "already_sent",
            "R6.yearly_already_sent",
            f"{year} 年度自审材料已报送过；重新报送须写明理由（新的数据包替换之前的）",
            "selfassessment_window_end",
            Severity.ERROR,
            late=False,
            **data,
        )
    late = today > end
    return rs.decide(
        "late" if late else "on_time",
        "R6.yearly_late" if late else "R6.yearly_on_time",
        f"{year} 年度自审材料逾期报送（截止 {end.isoformat()}）"
        if late
        else f"{year} 年度自审材料按期报送（截止 {end.isoformat()}）",
        "selfassessment_window_end",
        Severity.WARNING if late else Severity.INFO,
        late=late,
        **data,
    )


def selfassessment_due(today: date, rs: RuleSet | None = None) -> Decision:
    """Is the self-assessment (自审: 自评表, 下年度预算表, 稽核统计表, 管理费稽核统计表) due?

    Outcome "open" (with the deadline and days left, deadline included) or "not_open" (with
    the next window). data: window_start, window_end, assessed_year, budget_year.
    """
    rs = resolve(rs, today)
    start, end = selfassessment_window(today, rs)
    data = {"window_start": start, "window_end": end, "assessed_year": end.year - 1, "budget_year": end.year}
    papers = f"{end.year - 1}年度考核自评表、{end.year}年度预算表、稽核统计表及管理费收支稽核统计表"
    if start <= today:
        days_left = (end - today).days + 1
        return rs.decide(
            "open",
            "R6.selfassessment_open",
            f"年度自审进行中（{start.isoformat()} 至 {end.isoformat()}）：请于 {end.isoformat()}（含）前提交{papers}，"
            f"尚余 {days_left} 天",
            "selfassessment_window_end",
            Severity.WARNING,
            days_left=days_left,
            **data,
        )
    return rs.decide(
        "not_open",
        "R6.selfassessment_not_open",
        f"下次年度自审 {start.isoformat()} 至 {end.isoformat()}",
        "selfassessment_window_start",
        **data,
    )


def check_audit_counts(
    year: int, committee_meetings: Sequence[date], trainings: int, articles: int, rs: RuleSet | None = None
) -> Report:
    """Committee meetings every quarter, and the yearly minimum of trainings and articles.

    Judged with the rule set in force at the end of `year`.
    """
    rs = resolve(rs, date(year, 12, 31))
    decisions: list[Decision] = []
    per_quarter = rs["committee_meetings_per_quarter"]
    held = [sum(1 for d in committee_meetings if d.year == year and (d.month - 1) // 3 == q) for q in range(4)]
    short = [f"第{q + 1}季度 {n} 次" for q, n in enumerate(held) if n < per_quarter]
    if short:
        decisions.append(
            rs.decide(
                "short",
                "R6.committee_meetings_short",
                f"{year}年管委会会议每季度至少 {per_quarter} 次，不足：{'、'.join(short)}",
                "committee_meetings_per_quarter",
                Severity.WARNING,
                per_quarter=held,
            )
        )
    for key, count, what, unit, code in (
        ("trainings_per_year_min", trainings, "业务培训", "次", "R6.trainings_short"),
        ("articles_per_year_min", articles, "向办事处投稿", "篇", "R6.articles_short"),
    ):
        if count < rs[key]:
            decisions.append(
                rs.decide(
                    "short",
                    code,
                    f"{year}年{what} {count} {unit}，少于 {rs[key]} {unit}",
                    key,
                    Severity.WARNING,
                    count=count,
                )
            )
    if not decisions:
        decisions.append(
            rs.decide(
                "ok",
                "R6.counts_ok",
                f"{year}年管委会会议每季度均已召开，业务培训 {trainings} 次，投稿 {articles} 篇",
                "committee_meetings_per_quarter",
            )
        )
    return Report(tuple(decisions))
