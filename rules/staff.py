"""Staff changes, system logins and custody of seals and cheques (docs/rules.md R4).

A staff change without a complete, witnessed handover leaves seals, cheques and open claims
with nobody answerable for them (000 第十六条8); an account unused for half a year is an
audit finding (001); a lone accountant holding every seal and the cheques defeats the
separation of duties (000 第十九条2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from types import MappingProxyType

from rules.params import RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

HANDOVER_CITATION = Citation("000", "第十六条8")
CUSTODY_CITATION = Citation("000", "第十九条2")

#: R4.4: the kinds of item in the custody register.
CUSTODY_ITEMS: Mapping[str, str] = MappingProxyType(
    {"finance_seal": "财务专用章", "personal_seal": "个人名章", "cheques": "支票"}
)


@dataclass(frozen=True)
class Handover:
    """A handover record (交接记录). `items` are the checklist codes handed over;
    `open_work_acknowledged` says the incoming clerk signed the list of open work."""

    outgoing: str
    incoming: str
    supervisor: str
    on: date
    items: frozenset[str]
    open_work_acknowledged: bool
    reported_on: date | None = None


def check_handover(h: Handover, rs: RuleSet | None = None) -> Report:
    """R4.1: three distinct people (the supervisor witnesses, so is neither party), every
    checklist item handed over, open work acknowledged."""
    rs = resolve(rs, h.on)
    decisions: list[Decision] = []
    for role, name in (("outgoing", "移交人"), ("incoming", "接交人"), ("supervisor", "监交人")):
        if not getattr(h, role).strip():
            decisions.append(
                rs.decide(
                    "refused",
                    "R4.1.person_missing",
                    f"交接记录缺少{name}",
                    HANDOVER_CITATION,
                    Severity.ERROR,
                    field=role,
                )
            )
    if h.outgoing.strip() and h.outgoing.strip() == h.incoming.strip():
        decisions.append(
            rs.decide(
                "refused",
                "R4.1.same_person",
                f"移交人与接交人不能是同一人（{h.outgoing}）",
                HANDOVER_CITATION,
                Severity.ERROR,
            )
        )
    if h.supervisor.strip() and h.supervisor.strip() == h.outgoing.strip():
        decisions.append(
            rs.decide(
                "refused",
                "R4.1.supervisor_is_outgoing",
                f"监交人不能由移交人 {h.outgoing} 担任",
                HANDOVER_CITATION,
                Severity.ERROR,
            )
        )
    elif h.supervisor.strip() and h.supervisor.strip() == h.incoming.strip():
        decisions.append(
            rs.decide(
                "attention",
                "R4.1.supervisor_is_incoming",
                f"监交人由接交人 {h.incoming} 担任，宜另请第三人监交",
                HANDOVER_CITATION,
                Severity.WARNING,
            )
        )
    checklist = rs["handover_items"]
    missing = [label for code, label in checklist.items() if code not in h.items]
    if missing:
        decisions.append(
            rs.decide(
                "refused",
                "R4.1.items_missing",
                f"交接清单未完成：{'、'.join(missing)}",
                "handover_items",
                Severity.ERROR,
                missing=missing,
            )
        )
    if not h.open_work_acknowledged:
        decisions.append(
            rs.decide(
                "refused",
                "R4.1.open_work_not_acknowledged",
                "未办结事项（未结理赔、未签收单、待续保）清单须经接交人确认",
                HANDOVER_CITATION,
                Severity.ERROR,
            )
        )
    if not decisions:
        decisions.append(
            rs.decide(
                "complete",
                "R4.1.complete",
                f"{h.on.isoformat()} {h.outgoing} 移交 {h.incoming}，{h.supervisor} 监交，交接完整",
                HANDOVER_CITATION,
            )
        )
    return Report(tuple(decisions))


def handover_report_status(h: Handover, today: date, rs: RuleSet | None = None) -> Decision:
    """R4.1: the change is reported to the office within the deadline (day `on + N` is on time)."""
    rs = resolve(rs, h.on)
    days = rs["handover_report_deadline_days"]
    due = h.on + timedelta(days=days)
    if h.reported_on is not None:
        if h.reported_on > due:
            return rs.decide(
                "reported_late",
                "R4.1.reported_late",
                f"交接日 {h.on.isoformat()}，{h.reported_on.isoformat()} 上报办事处，晚于期限 {due.isoformat()}",
                "handover_report_deadline_days",
                Severity.WARNING,
                due=due,
            )
        return rs.decide(
            "reported",
            "R4.1.reported",
            f"交接日 {h.on.isoformat()}，已于 {h.reported_on.isoformat()} 上报办事处（期限 {due.isoformat()}）",
            "handover_report_deadline_days",
            due=due,
        )
    if today > due:
        return rs.decide(
            "overdue",
            "R4.1.report_overdue",
            f"交接日 {h.on.isoformat()} 后 {days} 日内应上报办事处（{due.isoformat()} 前），至 {today.isoformat()} 仍未上报",
            "handover_report_deadline_days",
            Severity.ERROR,
            due=due,
        )
    return rs.decide(
        "due",
        "R4.1.report_due",
        f"请于 {due.isoformat()}（含）前将人员变更上报办事处",
        "handover_report_deadline_days",
        Severity.WARNING,
        due=due,
    )


def login_status(
    last_login: date | None, today: date, rs: RuleSet | None = None, *, created_on: date | None = None
) -> Decision:
    """R4.2: "ok" below the warning age, "warn" from it, "overdue" beyond the maximum interval,
    counted from the last login or, for an account never used, from its creation date."""
    rs = resolve(rs, today)
    warn, most = rs["login_warn_days"], rs["login_max_days"]
    since = last_login if last_login is not None else created_on
    if since is None:
        return rs.decide("overdue", "R4.2.never_logged_in", "无业务系统登录记录", "login_max_days", Severity.ERROR)
    what = f"上次登录业务系统 {since.isoformat()}" if last_login else f"账号 {since.isoformat()} 建立，尚无登录记录"
    days = (today - since).days
    if days > most:
        return rs.decide(
            "overdue",
            "R4.2.overdue",
            f"{what}，已间隔 {days} 天，超过 {most} 天上限",
            "login_max_days",
            Severity.ERROR,
            days=days,
        )
    if days >= warn:
        deadline = since + timedelta(days=most)
        return rs.decide(
            "warn",
            "R4.2.warn",
            f"{what}，已间隔 {days} 天：请于 {deadline.isoformat()}（含）前登录",
            "login_warn_days",
            Severity.WARNING,
            days=days,
            deadline=deadline,
        )
    return rs.decide("ok", "R4.2.ok", f"{what}，间隔 {days} 天", "login_max_days", days=days)


def login_gaps(
    created_on: date | None, logins: Sequence[date], start: date, end: date, rs: RuleSet | None = None
) -> Decision:
    """R4.2 over a period (a year's self-check): every gap between two logins (the first
    counted from the account's creation) that reaches into ``start``…``end``, and the gap
    from the last login to ``end``, is at most the maximum; from the warning age the open gap
    is a warning. data: worst (days), gap_from, gap_to, logins (in the period)."""
    rs = resolve(rs, end)
    warn, most = rs["login_warn_days"], rs["login_max_days"]
    points = sorted({d for d in logins if d <= end} | ({created_on} if created_on and created_on <= end else set()))
    if not points:
        if created_on is not None and created_on > end:
            return rs.decide(
                "not_yet", "R4.2.not_yet", f"账号 {created_on.isoformat()} 建立，不在本期内", "login_max_days"
            )
        return rs.decide("overdue", "R4.2.never_logged_in", "无业务系统登录记录", "login_max_days", Severity.ERROR)
    in_period = len({d for d in logins if start <= d <= end})
    gaps = [(a, b) for a, b in pairwise(points) if b >= start] + [(points[-1], end)]
    worst_from, worst_to = max(gaps, key=lambda g: (g[1] - g[0]).days)
    worst = (worst_to - worst_from).days
    data = {"worst": worst, "gap_from": worst_from, "gap_to": worst_to, "logins": in_period}
    if worst > most:
        return rs.decide(
            "overdue",
            "R4.2.gap_exceeded",
            f"{worst_from.isoformat()} 至 {worst_to.isoformat()} 间隔 {worst} 天未登录业务系统，超过 {most} 天上限",
            "login_max_days",
            Severity.ERROR,
            **data,
        )
    open_days = (end - points[-1]).days
    if open_days >= warn:
        return rs.decide(
            "warn",
            "R4.2.warn",
            f"最近一次 {points[-1].isoformat()}，至 {end.isoformat()} 已 {open_days} 天："
            f"请于 {(points[-1] + timedelta(days=most)).isoformat()}（含）前登录",
            "login_warn_days",
            Severity.WARNING,
            **data,
        )
    return rs.decide(
        "ok",
        "R4.2.gaps_ok",
        f"本期登录 {in_period} 次，最长间隔 {worst} 天（{worst_from.isoformat()} 至 {worst_to.isoformat()}）",
        "login_max_days",
        **data,
    )


@dataclass(frozen=True)
class Holding:
    """One item of the custody register as held now: its kind (a code of `CUSTODY_ITEMS`),
    its label (which seal: "财务专用章", "王主任人名章"), and its holder(s): one name, or two
    for joint custody (共同保管)."""

    kind: str
    item: str
    holders: tuple[str, ...]

    @property
    def sole(self) -> str | None:
        names = {h.strip() for h in self.holders if h.strip()}
        return next(iter(names)) if len(names) == 1 else None


def check_custody(
    accountants: Sequence[str], holdings: Sequence[Holding], on: date, rs: RuleSet | None = None
) -> Report:
    """R4.4 as revised (the stricter reading of 000 第十九条2): where the branch has one
    accountant, that accountant is never the sole holder of any finance seal, personal name
    seal or the cheques (each is held by another named person, or jointly with one); and in
    every branch no one person is the sole holder of all three kinds (002 第三十一条 as
    guidance). Joint custody is not sole holding: neither holder can use the item alone."""
    rs = resolve(rs, on)
    decisions: list[Decision] = []
    unknown = sorted({h.kind for h in holdings if h.kind not in CUSTODY_ITEMS})
    if unknown:
        decisions.append(
            rs.decide(
                "refused",
                "R4.4.kind_unknown",
                f"保管物品类别无效：{'、'.join(unknown)}（应为 {'、'.join(f'{k} {v}' for k, v in CUSTODY_ITEMS.items())}）",
                CUSTODY_CITATION,
                Severity.ERROR,
            )
        )
    named = [a.strip() for a in accountants if a.strip()]
    if len(named) == 1:
        alone = [h for h in holdings if h.sole == named[0]]
        for h in alone:
            decisions.append(
                rs.decide(
                    "refused",
                    "R4.4.single_accountant_sole_holder",
                    f"本代办处仅有一名会计人员 {named[0]}，{CUSTODY_ITEMS.get(h.kind, h.kind)}“{h.item}”"
                    "不得由其一人保管：应交由他人保管，或与他人共同保管",
                    CUSTODY_CITATION,
                    Severity.ERROR,
                    holder=named[0],
                    item=h.item,
                )
            )
    by_person: dict[str, set[str]] = {}
    for h in holdings:
        if h.sole is not None and h.kind in CUSTODY_ITEMS:
            by_person.setdefault(h.sole, set()).add(h.kind)
    for person, kinds in sorted(by_person.items()):
        if kinds == set(CUSTODY_ITEMS):
            decisions.append(
                rs.decide(
                    "refused",
                    "R4.4.one_person_all_three",
                    f"{person} 一人保管财务专用章、个人名章和支票：三者不得由一人保管",
                    CUSTODY_CITATION,
                    Severity.ERROR,
                    holder=person,
                )
            )
    if not decisions:
        listing = "；".join(f"{h.item}：{'、'.join(h.holders)}" for h in holdings) or "无"
        decisions.append(rs.decide("ok", "R4.4.ok", f"印章、支票保管分离：{listing}", CUSTODY_CITATION))
    return Report(tuple(decisions))
