"""Which month's bundle a branch may send the office (R5.1, R5.2; docs/rules.md R5).

The period is a calendar month (R5.1, the branch's chosen reading of "定期核对业务数据",
000 第十七条9). A month that has not ended yet has no final figures: a bundle of it would
reach the office with half a month and take a sequence number, so only a month whose last
day is before today may be exported. A month already sent may be sent again (a correction
found after sending), but only on purpose: the clerk confirms and writes why, and the new
bundle says which one it replaces, so the office reads it as a replacement, not a second
month.

Pure: ``today`` and what was sent are arguments.
"""

from __future__ import annotations

from datetime import date

from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Severity

EXPORT_CITATION = Citation("000", "第十七条9")


def check_export_month(
    month_start: date,
    month_end: date,
    today: date,
    sent_sequences: tuple[int, ...] = (),
    *,
    replace: bool = False,
    reason: str | None = None,
    rs: RuleSet | None = None,
) -> Decision:
    """Whether the month ``month_start``..``month_end`` may be exported today.

    ``sent_sequences``: the sequence numbers of bundles of this month already sent.
    Outcomes: ``export`` (first bundle of an ended month), ``replacement`` (WARNING: a month
    already sent, with ``replace`` and a reason; ``data['replaces']`` is the latest sequence
    sent), and refusals: ``month_not_ended``, ``already_sent`` (ask first),
    ``reason_required``, ``nothing_to_replace``."""
    rs = resolve(rs, today)
    period = f"{month_start.year:04d}-{month_start.month:02d}"
    if month_end >= today:
        when = "尚未结束" if month_start <= today else "还没有到"
        return rs.decide(
            "month_not_ended",
            "R5.export.month_not_ended",
            f"{period} {when}（今天 {today.isoformat()}）：只能导出已结束的月份，最近可导出 {_previous_month(today)}",
            EXPORT_CITATION,
            Severity.ERROR,
            period=period,
        )
    reason = (reason or "").strip()
    if sent_sequences:
        latest = max(sent_sequences)
        sent = "、".join(f"第 {s} 号" for s in sorted(sent_sequences))
        if not replace:
            return rs.decide(
                "already_sent",
                "R5.export.already_sent",
                f"{period} 已发送过数据包（{sent}）：重新导出将作为替换包，须确认并写明理由",
                EXPORT_CITATION,
                Severity.ERROR,
                period=period,
                replaces=latest,
            )
        if not reason:
            return rs.decide(
                "reason_required",
                "R5.export.reason_required",
                f"重新导出 {period}（替换第 {latest} 号）须写明理由",
                EXPORT_CITATION,
                Severity.ERROR,
                period=period,
                replaces=latest,
            )
        return rs.decide(
            "replacement",
            "R5.export.replacement",
            f"{period} 的替换数据包：替换第 {latest} 号，理由：{reason}",
            EXPORT_CITATION,
            Severity.WARNING,
            period=period,
            replaces=latest,
            reason=reason,
        )
    if replace:
        return rs.decide(
            "nothing_to_replace",
            "R5.export.nothing_to_replace",
            f"{period} 还没有发送过数据包，没有可替换的：请不要选择替换",
            EXPORT_CITATION,
            Severity.ERROR,
            period=period,
        )
    return rs.decide("export", "R5.export.ok", f"{period} 已结束，可以导出", EXPORT_CITATION, period=period)


def _previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"
