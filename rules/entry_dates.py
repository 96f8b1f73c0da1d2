"""Typed dates that a rule depends on: when a clerk may enter a date other than today.

A renewal filed on time, a claim reported within its period, a disbursement inside this
year's cap, a handover reported within its deadline: each of those rules decides by a date
the clerk types. Typing an earlier date must not turn a late renewal into an on-time one
without anyone answering for it, and a date in the future is always a typing mistake (or
worse). So (interpretation of 000 第十七条9, "建立工作台账…保证与办事处和基层的数据上下
一致", and 000 第十九条3 on the truthfulness of records):

* a date after today is refused;
* today is allowed;
* a date before today is allowed only for a supervisor (负责人) who writes a reason, and the
  entry is recorded as back-dated (the caller stores the reason and shows the mark).

Pure: ``today`` and the role are arguments.
"""

from __future__ import annotations

from datetime import date

from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Severity
from rules.roles import SUPERVISOR_ROLE

ENTRY_DATE_CITATION = Citation("000", "第十七条9")
#: What each kind of typed date is called on screen and in messages.
ENTRY_DATE_KINDS = {
    "renewal_filed": "续保办理日期",
    "claim_reported": "报案日期",
    "disbursement": "支出日期",
    "handover": "交接日期",
}
#: The role word used on screen for SUPERVISOR_ROLE (models.db.ROLE_NAMES says the same).
SUPERVISOR_NAME = "负责人"


def check_entry_date(
    entered: date,
    today: date,
    role: str,
    reason: str | None = None,
    *,
    kind: str = "renewal_filed",
    rs: RuleSet | None = None,
) -> Decision:
    """Whether ``entered`` may be recorded today by a user of ``role``.

    Outcomes: ``today`` (allowed), ``backdated`` (allowed, WARNING: a supervisor with a
    reason; ``data`` carries ``entered``, ``today``, ``reason``), ``needs_supervisor``
    (refused: earlier than today without a supervisor and a reason) and ``future``
    (refused)."""
    rs = resolve(rs, today)
    what = ENTRY_DATE_KINDS.get(kind, kind)
    if entered > today:
        return rs.decide(
            "future",
            "R0.date.future",
            f"{what} {entered.isoformat()} 晚于今天 {today.isoformat()}：不能登记未来的日期",
            ENTRY_DATE_CITATION,
            Severity.ERROR,
            field=kind,
            entered=entered,
            today=today,
        )
    if entered == today:
        return rs.decide(
            "today",
            "R0.date.today",
            f"{what}为今天 {today.isoformat()}",
            ENTRY_DATE_CITATION,
            field=kind,
            entered=entered,
            today=today,
        )
    reason = (reason or "").strip()
    situation = f"{what} {entered.isoformat()} 早于今天 {today.isoformat()}（补录）"
    if role != SUPERVISOR_ROLE:
        return rs.decide(
            "needs_supervisor",
            "R0.date.backdate_supervisor",
            f"{situation}：补录以前的日期须由{SUPERVISOR_NAME}办理并写明理由；经办人只能登记今天的日期",
            ENTRY_DATE_CITATION,
            Severity.ERROR,
            field=kind,
            entered=entered,
            today=today,
        )
    if not reason:
        return rs.decide(
            "needs_supervisor",
            "R0.date.backdate_reason",
            f"{situation}：补录须写明理由",
            ENTRY_DATE_CITATION,
            Severity.ERROR,
            field=kind,
            entered=entered,
            today=today,
        )
    return rs.decide(
        "backdated",
        "R0.date.backdated",
        f"{situation}，{SUPERVISOR_NAME}补录，理由：{reason}",
        ENTRY_DATE_CITATION,
        Severity.WARNING,
        field=kind,
        entered=entered,
        today=today,
        reason=reason,
    )
