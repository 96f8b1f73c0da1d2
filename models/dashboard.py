"""What needs doing today (待办), and where each unit × plan stands in its renewal window.

The TUI's 待办 and 续保跟踪 screens show these; this module only gathers plain data from the
database and hands every judgement to ``rules``: renewal windows to ``classify_renewal``,
overdue claims to ``claim_overdue``, failed direct pay to ``direct_pay_status``, handovers
to ``handover_report_status``, business-system logins to ``login_status``, budget lines to
``check_budget`` and the self-assessment to ``selfassessment_due``. Nothing here decides a
rule itself, so a changed figure in the rule sets changes the list without a code change.

Every query reads only rows that can be open (claims by state, disbursements by state,
the latest policy per unit × plan through the ``(unit, plan, start)`` index), so the list
stays quick on a branch with a million members. Functions run inside the caller's
connection (a TUI worker's ``db_connection``) and return dataclasses, never peewee rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from models.db import database
from rules import (
    CATEGORIES,
    CLAIM_STATES,
    BudgetLine,
    ClaimEvent,
    Decision,
    DirectPayStep,
    Handover,
    check_budget,
    claim_overdue,
    classify_renewal,
    direct_pay_status,
    format_fen,
    handover_report_status,
    login_status,
    renewal_window,
    ruleset_on,
    selfassessment_due,
)
from rules.dates import add_months, expiry, term_end
from rules.disbursements import AFTER_PAID_LABEL, AVAILABLE_LABEL

#: Renewal statuses of a unit × plan's latest policy, in the order a clerk handles them,
#: with their Chinese names. ``late``: the window has passed but the next period is still
#: running, so a renewal filed now counts as a first enrolment (R1.3); ``lapsed``: the whole
#: next period has passed as well, so there is nothing left to renew head-to-tail and the
#: unit comes back only by a new enrolment file (interpretation of 000 第十七条2).
RENEWAL_STATUSES = {
    "grace": "宽限期",
    "open": "可续保",
    "late": "逾期",
    "lapsed": "已脱保",
    "too_early": "未到续保期",
    "refused": "不能续保",
}
#: The statuses the 待办 list shows: a renewal is due now, or overdue.
RENEWAL_TODO = ("grace", "open", "late", "lapsed")

#: Disbursement states still waiting for someone, with what they wait for.
DISBURSEMENT_WAITING = {"entered": "待审批", "approved": "待发放", "paid": "待签收"}
#: States whose money has left the budget line (R3.4: "used" this year).
DISBURSEMENT_SPENT = ("paid", "signed")
#: Failed direct pay columns in step order (rules.DIRECT_PAY_STEPS).
_DIRECT_PAY_COLUMNS = (
    ("notice", "notice_on"),
    ("corrected", "corrected_on"),
    ("transferred", "transferred_on"),
    ("handed_down", "handed_down_on"),
    ("signed", "signed_on"),
)
#: ``bundle_log.kind`` of the branch's monthly bundle (sync.bundle.KIND_BRANCH_MONTHLY; models
#: may not import sync's internals, and the value is part of the stored format).
MONTHLY_BUNDLE_KIND = "branch_monthly"


def _d(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


# --- renewals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalRow:
    """A unit × plan's latest policy and its renewal window as of ``today``."""

    unit_code: str
    unit_name: str
    plan: str
    plan_name: str
    start: dt.date
    end: dt.date
    outcome: str  # how the latest policy itself was filed (first_enrolment | renewal | late_renewal_as_first)
    status: str  # a key of RENEWAL_STATUSES
    expiry: dt.date
    first_allowed: dt.date  # the renewal window (R1.3)
    last_on_time: dt.date
    message: str
    citation: str
    filed: dt.date | None = None  # the latest policy's filing date
    backdated_reason: str | None = None  # set when that filing was a back-dated entry (rules.check_entry_date)

    @property
    def status_name(self) -> str:
        return RENEWAL_STATUSES[self.status]

    @property
    def key(self) -> str:
        return f"{self.unit_code}/{self.plan}"

    @property
    def on(self) -> dt.date | None:
        """The day the line dates from: a lapsed unit's from its policy's end (the 待办 folds those
        of past years); one in its window is today's business."""
        return self.end if self.status == "lapsed" else None


def renewal_status(prev_start: dt.date, prev_end: dt.date, plan: str, today: dt.date) -> tuple[str, Decision]:
    """Where a policy stands if its renewal were filed today, as ``rules.classify_renewal``
    decides it; the status only splits the rule's outcomes by the policy's own dates
    (before or after its expiry; inside or after the period a renewal would cover)."""
    rs = ruleset_on(today)
    start = expiry(prev_end)
    params = rs.plan(plan)
    end = term_end(start, params.term_months) if params else prev_end
    decision = classify_renewal(prev_start, prev_end, start, end, today, plan, rs)
    if decision.outcome == "renewal":
        return ("open" if today < decision.data["expiry"] else "grace"), decision
    if decision.outcome == "late_renewal_as_first":
        return "late", decision
    if decision.code == "R1.8.filed_after_end":
        return "lapsed", decision  # the period a renewal would cover is over: only a new enrolment remains
    if decision.code == "R1.3.too_early":
        return "too_early", decision
    return "refused", decision


#: Every unit × plan's latest policy, from the table the triggers of migration 0015 keep,
#: through its ("end", unit, plan, start, outcome, policy) index: what the 待办 reads is bounded by the
#: policies whose window is open, not by the policies ever filed or the members.
RENEWAL_SQL = (
    'SELECT u.code, u.name, l.plan_id, l.start, l."end", l.outcome, p.filed, b.reason FROM policy_latest l '
    'INDEXED BY "policylatest_end_unit_id_plan_id_start_outcome_policy_id" JOIN unit u ON u.id = l.unit_id '
    "JOIN policy p ON p.id = l.policy_id "
    "LEFT JOIN backdated_entry b ON b.entity = 'policy' AND b.entity_id = l.policy_id"
)
#: Statuses of a policy whose renewal window has not opened yet: the only ones a policy ending
#: after ``last_end_in_window(today)`` can have (``classify_renewal`` refuses it as too early,
#: or for a reason that has nothing to do with the date).
_BEFORE_WINDOW = ("too_early", "refused")


def last_end_in_window(today: dt.date) -> dt.date:
    """The latest policy end date whose renewal window (``rules.renewal_window``) has opened by
    ``today``. Found by bisection over the rule itself, which is monotonic in the end date, so
    the bound follows the rule set's figures without restating them."""
    rs = ruleset_on(today)
    lo, hi = today - dt.timedelta(days=3660), today + dt.timedelta(days=3660)
    while (hi - lo).days > 1:
        mid = lo + dt.timedelta(days=(hi - lo).days // 2)
        if renewal_window(mid, rs)[0] <= today:
            lo = mid
        else:
            hi = mid
    return lo


def _renewal_decision(plan: str, start_text: str, end_text: str, today: dt.date, rs) -> tuple:
    """What ``classify_renewal`` decides for a latest policy of ``plan`` running ``start``–``end``
    (all a renewal's status depends on), with the figures a ``RenewalRow`` shows."""
    start, end = _d(start_text), _d(end_text)
    assert start is not None and end is not None
    status, decision = renewal_status(start, end, plan, today)
    params = rs.plan(plan)
    return (
        start,
        end,
        status,
        params.name if params else plan,
        expiry(end),
        *renewal_window(end, rs),
        decision.message,
        str(decision.citation),
    )


def _renewal_row(code, name, plan, outcome, filed, backdated_reason, decided: tuple) -> RenewalRow:
    start, end, status, plan_name, expires, first_allowed, last_on_time, message, citation = decided
    return RenewalRow(
        code,
        name,
        plan,
        plan_name,
        start,
        end,
        outcome,
        status,
        expires,
        first_allowed,
        last_on_time,
        message,
        citation,
        _d(filed),
        backdated_reason,
    )


def _renewal_order(row: RenewalRow) -> tuple:
    return (_STATUS_ORDER[row.status], row.expiry, row.unit_code, row.plan)


_STATUS_ORDER = {status: i for i, status in enumerate(RENEWAL_STATUSES)}


def renewal_board(today: dt.date, *, statuses: tuple[str, ...] | None = None) -> list[RenewalRow]:
    """Every unit × plan's latest policy with its renewal status, most urgent first
    (status order of RENEWAL_STATUSES, then expiry, unit, plan); ``statuses`` keeps only those."""
    rs = ruleset_on(today)
    bound = None
    if statuses is not None and not set(statuses) & set(_BEFORE_WINDOW):
        bound = last_end_in_window(today)
    rows = database.execute_sql(
        RENEWAL_SQL + (' WHERE l."end" <= ?' if bound else ""), (bound.isoformat(),) if bound else ()
    ).fetchall()
    board = []
    # The rules are pure: policies sharing a plan and dates (most of a large branch's, which
    # start on the first of a month) share one decision, computed once (issue 15: at a million
    # members the 待办 lists thousands of units, and the rule per row was most of its time).
    decided: dict[tuple[str, str, str], tuple] = {}
    for code, name, plan, start_text, end_text, outcome, filed, backdated_reason in rows:
        known = decided.get((plan, start_text, end_text))
        if known is None:
            known = decided[(plan, start_text, end_text)] = _renewal_decision(plan, start_text, end_text, today, rs)
        if statuses is not None and known[2] not in statuses:
            continue
        board.append(_renewal_row(code, name, plan, outcome, filed, backdated_reason, known))
    board.sort(key=_renewal_order)
    return board


def of_past_year(on: dt.date | None, today: dt.date) -> bool:
    """An item dated in a year before ``today``'s: the 待办 lists it apart, under 往年."""
    return on is not None and on.year < today.year


def _first_groups(groups: list[tuple], limit: int) -> list[tuple]:
    """Of ``groups`` (each ``(order key, items, …)``, sorted by key), those holding the first
    ``limit`` items, with every group that shares the last one's key: the items of one key are
    ordered among themselves by what the rows hold (unit code, claim id), read with them."""
    picked: list[tuple] = []
    items = 0
    for group in groups:
        if items >= limit and (not picked or group[0] != picked[-1][0]):
            break
        picked.append(group)
        items += group[1]
    return picked


def renewals_first(today: dt.date, limit: int) -> tuple[list[RenewalRow], int, int]:
    """The 待办's renewals without a row per unit: the first ``limit`` of this year's and the first
    ``limit`` of past years' (lapsed before this year), in ``renewal_board``'s order, and how many
    there are of each.

    The counts are exact: a latest policy's status depends only on its plan, start and end
    (``renewal_status``), so SQL counts the policies of each (plan, start, end) whose window has
    opened (``last_end_in_window``) from the covering ``(end, …)`` index, and ``classify_renewal``
    decides each such group, so every policy is decided by the rule, only once per group. The
    rows are then read for the groups that hold the listed ones alone (tests/test_dashboard_counts.py
    compares both with the whole board)."""
    rs = ruleset_on(today)
    groups = database.execute_sql(
        'SELECT plan_id, start, "end", count(*) FROM policy_latest '
        'INDEXED BY "policylatest_end_unit_id_plan_id_start_outcome_policy_id" '
        'WHERE "end" <= ? GROUP BY "end", plan_id, start',
        (last_end_in_window(today).isoformat(),),
    ).fetchall()
    decided: dict[tuple[str, str, str], tuple] = {}
    recent: list[tuple] = []
    older: list[tuple] = []
    for plan, start, end, n in groups:
        known = decided[(plan, start, end)] = _renewal_decision(plan, start, end, today, rs)
        status = known[2]
        if status not in RENEWAL_TODO:
            continue
        past = status == "lapsed" and of_past_year(known[1], today)
        (older if past else recent).append(((_STATUS_ORDER[status], known[4]), n, (plan, start, end)))
    picked: set[tuple[str, str, str]] = set()
    for part in (recent, older):
        part.sort(key=lambda group: group[0])
        picked.update(group[2] for group in _first_groups(part, limit))
    # The picked groups' units in order (index and unit pages only), then the whole rows (their
    # policy's filing date: a random page each) of the listed ones alone.
    ends = sorted({end for _, _, end in picked})
    keys: list[tuple] = []
    for chunk in _chunks(ends):
        for code, unit_id, plan, start, end in database.execute_sql(
            'SELECT u.code, l.unit_id, l.plan_id, l.start, l."end" FROM policy_latest l '
            'INDEXED BY "policylatest_end_unit_id_plan_id_start_outcome_policy_id" JOIN unit u ON u.id = l.unit_id '
            f'WHERE l."end" IN ({",".join("?" * len(chunk))})',
            chunk,
        ):
            if (plan, start, end) in picked:
                known = decided[(plan, start, end)]
                past = known[2] == "lapsed" and of_past_year(known[1], today)
                keys.append(((_STATUS_ORDER[known[2]], known[4], code, plan), past, unit_id, end))
    keys.sort(key=lambda key: key[0])
    listed = [k for k in keys if not k[1]][:limit] + [k for k in keys if k[1]][:limit]
    wanted = {(k[0][2], k[0][3]) for k in listed}
    shown: list[RenewalRow] = []
    if listed:
        ends, units = sorted({k[3] for k in listed}), sorted({k[2] for k in listed})
        for code, name, plan, start, end, outcome, filed, backdated_reason in database.execute_sql(
            RENEWAL_SQL + f' WHERE l."end" IN ({",".join("?" * len(ends))}) '
            f"AND l.unit_id IN ({','.join('?' * len(units))})",
            (*ends, *units),
        ):
            if (code, plan) in wanted:
                shown.append(
                    _renewal_row(code, name, plan, outcome, filed, backdated_reason, decided[(plan, start, end)])
                )
    shown.sort(key=_renewal_order)
    return shown, sum(group[1] for group in recent), sum(group[1] for group in older)


# --- the to-do list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoItem:
    """One line of the 待办 list.

    ``target`` names the screen that handles it (a menu entry name: renewal, claim, welfare,
    handover, sync) or is None when no screen does; ``member_id`` lets the clerk open the
    member's record; ``ref`` identifies the record (claim id, unit/plan, …)."""

    kind: str
    status: str
    title: str
    message: str
    citation: str = ""
    target: str | None = None
    member_id: int | None = None
    ref: str = ""
    on: dt.date | None = None  # the day the item dates from (the 待办 folds those of past years)


@dataclass(frozen=True)
class BudgetUse:
    """A budget line of the year and what paid and signed disbursements have used of it."""

    code: str
    name: str
    approved_fen: int
    used_fen: int
    status: str
    message: str
    citation: str

    @property
    def percent(self) -> int:
        return round(self.used_fen * 100 / self.approved_fen) if self.approved_fen > 0 else 0


@dataclass(frozen=True)
class BundleDue:
    """The monthly bundle: the last period sent (None: never) and the next one to send."""

    last_period: str | None
    next_period: str
    ready: bool  # the next period's month is over, so its bundle can be made now

    @property
    def message(self) -> str:
        last = f"上次发送 {self.last_period}" if self.last_period else "尚未发送"
        when = "月份已结束，可以发送" if self.ready else "月末后发送"
        return f"{last}；下一期 {self.next_period}（{when}）"


@dataclass
class Dashboard:
    today: dt.date
    renewals: list[RenewalRow] = field(default_factory=list)
    claims: list[TodoItem] = field(default_factory=list)
    direct_pay: list[TodoItem] = field(default_factory=list)
    disbursements: list[TodoItem] = field(default_factory=list)
    handovers: list[TodoItem] = field(default_factory=list)
    logins: list[TodoItem] = field(default_factory=list)
    notices: list[TodoItem] = field(default_factory=list)
    projects: list[TodoItem] = field(default_factory=list)
    budget: list[BudgetUse] = field(default_factory=list)
    bundle: BundleDue | None = None
    selfassessment: TodoItem | None = None
    backup: TodoItem | None = None  # no backup folder, folder missing, or no recent verified backup
    fees: list[TodoItem] = field(default_factory=list)  # overdue unit balances, collected fees held (§12)
    #: Rows changed outside the program (found at unlock): the database is read-only until restored.
    integrity: TodoItem | None = None
    #: When the long sections hold only their first items (``read_dashboard(today, limit=…)``):
    #: section → (items of this year, items of past years), each exact. A section not in it is whole.
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Open items per section (budget, bundle and self-assessment are facts, not counted)."""
        return {
            name: sum(self.totals[name]) if name in self.totals else len(getattr(self, name))
            for name in (
                "renewals",
                "claims",
                "direct_pay",
                "disbursements",
                "handovers",
                "logins",
                "notices",
                "projects",
            )
        }


#: The open claims, from their covering partial index (migration 0015).
_OPEN_CLAIMS = "FROM claim_report c INDEXED BY claim_report_open WHERE c.state IN ('registered', 'returned')"
_CLAIM_COLUMNS = "c.id, c.state, c.member_id, c.plan_id, c.report_date, c.returned_on"
#: An open claim's last event as "date state" (the history's last step: (date, id) order), one
#: seek into the covering (claim, date, id, state) index; a claim with no event yet is taken at
#: its report (or return) date, as ``overdue_claims`` takes it.
_LAST_EVENT = (
    "coalesce((SELECT e.on_date || ' ' || e.to_state FROM claim_event e "
    "INDEXED BY claimevent_claim_id_on_date_id_to_state_by_user WHERE e.claim_id = c.id "
    "ORDER BY e.on_date DESC, e.id DESC LIMIT 1), "
    "CASE c.state WHEN 'returned' THEN c.returned_on ELSE c.report_date END || ' ' || c.state)"
)


def overdue_claims(today: dt.date) -> list[TodoItem]:
    """Claims registered and not submitted, or returned and not resubmitted, past the
    deadline ``rules.claim_overdue`` applies; oldest first."""
    # The covering index only; the members' names are read for the overdue claims alone (a
    # random page each, at a million members the larger part of this query's time).
    claims = database.execute_sql(f"SELECT {_CLAIM_COLUMNS} {_OPEN_CLAIMS} ORDER BY c.id").fetchall()
    return _overdue_items(claims, today)


def overdue_claims_first(today: dt.date, limit: int) -> tuple[list[TodoItem], int, int]:
    """``overdue_claims`` without reading every open claim's history: the first ``limit`` of this
    year's and of past years' overdue claims (the year of their last step), and how many there are
    of each.

    The counts are exact: ``claim_overdue`` reads a history through its last step alone (its
    state and date: ``claim_state`` and ``since``; tests/test_dashboard_counts.py holds the rule to
    that over generated histories), so SQL counts the open claims by their last step and the rule
    decides each distinct (state, date). The listed claims are then decided again by the rule on
    their whole history."""
    # One pass: each group's claim ids come with its count, so the listed ones need no second one.
    groups = database.execute_sql(
        f"SELECT last, count(*), group_concat(id) FROM (SELECT c.id, {_LAST_EVENT} AS last {_OPEN_CLAIMS}) "
        "GROUP BY last"
    ).fetchall()
    recent: list[tuple] = []
    older: list[tuple] = []
    for last, n, ids in groups:
        on_text, state = last.split(" ", 1)
        on = dt.date.fromisoformat(on_text)
        if claim_overdue([ClaimEvent(state, on, "")], today).outcome != "overdue":
            continue
        (older if of_past_year(on, today) else recent).append((on, n, ids))
    picked: list[int] = []
    for part in (recent, older):
        part.sort(key=lambda group: group[0])
        picked += [int(i) for group in _first_groups(part, limit) for i in group[2].split(",")]
    claims: list[tuple] = []
    for chunk in _chunks(sorted(picked)):
        claims += database.execute_sql(
            f"SELECT {_CLAIM_COLUMNS} {_OPEN_CLAIMS} AND c.id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
    claims.sort(key=lambda claim: claim[0])
    return _overdue_items(claims, today, limit), sum(group[1] for group in recent), sum(group[1] for group in older)


def _overdue_items(claims: list[tuple], today: dt.date, limit: int | None = None) -> list[TodoItem]:
    """The overdue ones of ``claims`` (rows of ``_CLAIM_COLUMNS`` in id order), each decided by
    ``claim_overdue`` on its whole history; oldest last step first (then by id). With ``limit``,
    only the first ``limit`` of past years' and of this year's (whose members' names are read)."""
    days: dict[str, dt.date] = {}  # a day's date object once: histories share their days

    def day(text: str) -> dt.date:
        found = days.get(text)
        if found is None:
            found = days[text] = dt.date.fromisoformat(text)
        return found

    events: dict[int, list[ClaimEvent]] = defaultdict(list)
    ids = [c[0] for c in claims]
    for chunk in _chunks(ids):
        for claim_id, state, on, by_user in database.execute_sql(
            f"SELECT claim_id, to_state, on_date, by_user FROM claim_event WHERE claim_id IN "
            f"({','.join('?' * len(chunk))}) ORDER BY claim_id, on_date, id",
            chunk,
        ):
            events[claim_id].append(ClaimEvent(state, day(on), by_user))
    rs = ruleset_on(today)
    found = []
    decided: dict[tuple[ClaimEvent, ...], Decision] = {}  # the same history, the same decision (pure rule)
    for claim_id, state, member_id, plan, reported, returned in claims:
        history = events.get(claim_id) or [ClaimEvent(state, day(returned if state == "returned" else reported), "")]
        key = tuple(history)
        decision = decided.get(key) or decided.setdefault(key, claim_overdue(history, today))
        if decision.outcome == "overdue":
            found.append((claim_id, state, member_id, plan, history[-1].on, decision))
    found.sort(key=lambda f: f[4])
    if limit is not None:
        found = [f for f in found if of_past_year(f[4], today)][:limit] + [
            f for f in found if not of_past_year(f[4], today)
        ][:limit]
    names: dict[int, str] = {}
    for chunk in _chunks(sorted({f[2] for f in found})):
        names.update(
            database.execute_sql(
                f"SELECT id, name FROM member WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        )
    overdue = []
    for claim_id, state, member_id, plan, since, decision in found:
        params = rs.plan(plan)
        title = f"报案 #{claim_id} {names.get(member_id, '')} {params.name if params else plan} {CLAIM_STATES[state]}于 {since}"
        overdue.append(
            (
                since,
                TodoItem(
                    "claim",
                    state,
                    title,
                    decision.message,
                    str(decision.citation),
                    "claim",
                    member_id,
                    str(claim_id),
                    since,
                ),
            )
        )
    overdue.sort(key=lambda pair: pair[0])
    return [item for _, item in overdue]


#: Failed direct payments not yet signed for, with the claim's member, from the covering partial index.
_DIRECT_PAY_SQL = (
    "SELECT f.id, f.claim_id, c.member_id, m.name, f.notice_on, f.corrected_on, f.transferred_on, "
    "f.handed_down_on, f.signed_on FROM direct_pay_failure f INDEXED BY direct_pay_failure_open "
    "JOIN claim_report c ON c.id = f.claim_id "
    "JOIN member m ON m.id = c.member_id WHERE f.signed_on IS NULL"
)


def _direct_pay_steps(dates) -> list[DirectPayStep]:
    return [DirectPayStep(step, _d(on), "") for (step, _), on in zip(_DIRECT_PAY_COLUMNS, dates, strict=True) if on]


def open_direct_pay(today: dt.date) -> list[TodoItem]:
    """Failed direct payments the member has not yet signed for (R2.4), with their next step."""
    rows = database.execute_sql(_DIRECT_PAY_SQL + " ORDER BY f.notice_on, f.id").fetchall()
    return _direct_pay_items(rows, today)


def direct_pay_first(today: dt.date, limit: int) -> tuple[list[TodoItem], int, int]:
    """``open_direct_pay``'s first ``limit`` of this year's and of past years' (by the notice's
    date), and how many there are of each. Exact: ``direct_pay_status`` decides each distinct set
    of step dates, counted in SQL from the covering index; the listed ones are read in order, as
    many more as the rule closed, and decided again."""
    groups = database.execute_sql(
        "SELECT notice_on, corrected_on, transferred_on, handed_down_on, count(*) FROM direct_pay_failure "
        "INDEXED BY direct_pay_failure_open WHERE signed_on IS NULL GROUP BY 1, 2, 3, 4"
    ).fetchall()
    tally = {True: [0, 0], False: [0, 0]}  # past year → [open, closed]
    for *dates, n in groups:
        is_open = direct_pay_status(_direct_pay_steps([*dates, None]), today).outcome == "open"
        tally[of_past_year(_d(dates[0]), today)][0 if is_open else 1] += n
    year = dt.date(today.year, 1, 1).isoformat()
    items: list[TodoItem] = []
    for past, where in ((True, "f.notice_on < ?"), (False, "f.notice_on >= ?")):
        rows = database.execute_sql(
            _DIRECT_PAY_SQL + f" AND {where} ORDER BY f.notice_on, f.id LIMIT ?", (year, limit + tally[past][1])
        ).fetchall()
        items += _direct_pay_items(rows, today)[:limit]
    return items, tally[False][0], tally[True][0]


def _direct_pay_items(rows: list[tuple], today: dt.date) -> list[TodoItem]:
    items = []
    for _failure_id, claim_id, member_id, name, *dates in rows:
        decision = direct_pay_status(_direct_pay_steps(dates), today)
        if decision.outcome != "open":
            continue
        # The follow-up is done on the claim, so the line opens the claim.
        items.append(
            TodoItem(
                "direct_pay",
                decision.data["next_step"],
                f"直赔失败 报案 #{claim_id} {name}",
                decision.message,
                str(decision.citation),
                "claim",
                member_id,
                str(claim_id),
                _d(dates[0]),
            )
        )
    return items


_WAITING_SQL = (
    "SELECT id, state, on_date, member_id, beneficiary_name, category, amount_fen FROM disbursement "
    "INDEXED BY disbursement_waiting WHERE state IN ('entered', 'approved', 'paid')"
)


def waiting_disbursements() -> list[TodoItem]:
    """Disbursements waiting for approval, payment or the beneficiary's signed receipt."""
    return _disbursement_items(database.execute_sql(_WAITING_SQL + " ORDER BY on_date, id").fetchall())


def waiting_disbursements_first(today: dt.date, limit: int) -> tuple[list[TodoItem], int, int]:
    """``waiting_disbursements``' first ``limit`` of this year's and of past years', and how many
    there are of each (no rule decides these: the state is the item), counted in the index."""
    year = dt.date(today.year, 1, 1).isoformat()
    counts = dict(
        database.execute_sql(
            "SELECT on_date < ?, count(*) FROM disbursement INDEXED BY disbursement_waiting "
            "WHERE state IN ('entered', 'approved', 'paid') GROUP BY 1",
            (year,),
        ).fetchall()
    )
    items: list[TodoItem] = []
    for where in ("on_date < ?", "on_date >= ?"):
        items += _disbursement_items(
            database.execute_sql(_WAITING_SQL + f" AND {where} ORDER BY on_date, id LIMIT ?", (year, limit)).fetchall()
        )
    return items, counts.get(0, 0), counts.get(1, 0)


def _disbursement_items(rows: list[tuple]) -> list[TodoItem]:
    items = []
    for disbursement_id, state, on, member_id, beneficiary, category, amount in rows:
        waiting = DISBURSEMENT_WAITING[state]
        title = f"{on} {beneficiary} {CATEGORIES.get(category, category)} {format_fen(amount)}"
        message = f"{on} 登记的{CATEGORIES.get(category, category)}（{beneficiary}，{format_fen(amount)}）{waiting}"
        items.append(
            TodoItem("disbursement", state, title, message, "", "welfare", member_id, str(disbursement_id), _d(on))
        )
    return items


def unreported_handovers(today: dt.date) -> list[TodoItem]:
    """Handovers not yet reported to the office (R4.1): due soon or overdue."""
    rows = database.execute_sql(
        "SELECT id, on_date, outgoing, incoming, supervisor FROM handover INDEXED BY handover_unreported "
        "WHERE reported_on IS NULL "
        "ORDER BY on_date, id"
    ).fetchall()
    items = []
    for handover_id, on, outgoing, incoming, supervisor in rows:
        decision = handover_report_status(Handover(outgoing, incoming, supervisor, _d(on), frozenset(), True), today)
        if decision.outcome in ("due", "overdue"):
            items.append(
                TodoItem(
                    "handover",
                    decision.outcome,
                    f"交接 {on} {outgoing} → {incoming} 未上报办事处",
                    decision.message,
                    str(decision.citation),
                    "handover",
                    None,
                    str(handover_id),
                    _d(on),
                )
            )
    return items


def stale_logins(today: dt.date) -> list[TodoItem]:
    """Active business-system accounts at or past the warning age since their last login,
    or since their creation when never used (R4.2). ``last_login`` is kept equal to the
    latest ``staff_login`` entry (models.staff), so this reads one row per account."""
    rows = database.execute_sql(
        "SELECT id, name, username, last_login, created_on FROM staff_account INDEXED BY staff_account_active "
        "WHERE active "
        "ORDER BY last_login, id"
    ).fetchall()
    items = []
    for account_id, name, username, last, created in rows:
        decision = login_status(_d(last), today, created_on=_d(created))
        if decision.outcome in ("warn", "overdue"):
            items.append(
                TodoItem(
                    "login",
                    decision.outcome,
                    f"业务系统账号 {username}（{name}）",
                    decision.message,
                    str(decision.citation),
                    None,
                    None,
                    str(account_id),
                )
            )
    return items


#: A claim as the monthly bundle names it (``sync.export``: "{branch code}-claim-{claim id}"), which
#: is how the office's notices refer to one.
_CLAIM_REF = re.compile(r"^\d{3}-claim-(\d{1,12})$")


def claim_of_notice(ref: str | None) -> int | None:
    """The claim id an office notice refers to (``004-claim-15`` → 15), or None."""
    found = _CLAIM_REF.match((ref or "").strip())
    return int(found.group(1)) if found else None


def office_notices() -> list[TodoItem]:
    """Notices from the office's answer bundles not yet marked done. A notice about a claim
    (returned, direct pay failed) refers to it: its ``ref`` is the claim's id, so the line opens
    that claim."""
    rows = database.execute_sql(
        "SELECT id, period, kind, text, ref FROM office_notice INDEXED BY office_notice_open WHERE done_at IS NULL "
        "ORDER BY received_at, id"
    ).fetchall()
    targets = {"claim_returned": "claim", "direct_pay_failed": "claim"}
    items = []
    for _notice_id, period, kind, text, ref in rows:
        claim_id = claim_of_notice(ref) if kind in targets else None
        title = f"办事处通知（{period}）" + (f" 报案 #{claim_id}" if claim_id is not None else "")
        record = str(claim_id) if claim_id is not None else ""
        items.append(TodoItem("notice", kind, title, text, "", targets.get(kind, "sync"), None, record))
    return items


def project_deadlines(today: dt.date) -> list[TodoItem]:
    """Every live service project's open deadline (R7.3–R7.8), nearest first: the branch's own
    (plan, materials, launch) and the office's it waits for (first review, approval, feedback);
    ``rules.project_deadlines`` decides them with the working-day calendar."""
    from models.projects import open_deadlines

    return [
        TodoItem(
            "project",
            ("overdue" if d.overdue else "due") + ("" if d.party == "branch" else "_office"),
            f"服务项目 #{project_id} {d.label}",
            d.message,
            str(d.citation),
            "projects",
            None,
            str(project_id),
        )
        for project_id, _name, d in open_deadlines(today)
    ]


def budget_use(today: dt.date) -> list[BudgetUse]:
    """This year's budget lines and what has been paid out of each (``models.budget.line_figures``:
    paid or signed disbursements and paid management-fee spending; payments entered or approved
    are named as pending); ``rules.check_budget`` says whether the line still has room."""
    from models.budget import line_figures

    lines = database.execute_sql(
        "SELECT id, code, name FROM budget_line WHERE year = ? ORDER BY code", (today.year,)
    ).fetchall()
    figures = line_figures([line_id for line_id, _, _ in lines])
    out = []
    for line_id, code, name in lines:
        f = figures[line_id]
        decision = check_budget(BudgetLine(name, f.approved_fen, f.paid_fen), 0, today)
        left = f.after_paid_fen
        message = f"“{name}”批准 {format_fen(f.approved_fen)}，已支出 {format_fen(f.paid_fen)}，" + (
            f"{AFTER_PAID_LABEL} {format_fen(left)}" if left >= 0 else f"超支 {format_fen(-left)}"
        )
        if f.pending_fen:
            message += f"；另有待付 {format_fen(f.pending_fen)}，{AVAILABLE_LABEL} {format_fen(f.available_fen)}"
        out.append(BudgetUse(code, name, f.approved_fen, f.paid_fen, decision.outcome, message, str(decision.citation)))
    return out


def _period(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def bundle_due(today: dt.date) -> BundleDue:
    """The next monthly bundle: the month after the last one sent, or, if none was ever
    sent, the last month that is over."""
    row = database.execute_sql(
        "SELECT period FROM bundle_log INDEXED BY bundle_log_sent WHERE direction = 'out' AND kind = ? "
        "ORDER BY period DESC LIMIT 1",
        (MONTHLY_BUNDLE_KIND,),
    ).fetchone()
    this_month = today.replace(day=1)
    if row:
        year, month = (int(part) for part in row[0].split("-"))
        next_month = add_months(dt.date(year, month, 1), 1)
    else:
        next_month = add_months(this_month, -1)
    return BundleDue(row[0] if row else None, _period(next_month), next_month < this_month)


def selfassessment_item(today: dt.date) -> TodoItem | None:
    """The yearly self-assessment reminder while its window is open (12-15 to 01-15)."""
    decision = selfassessment_due(today)
    if decision.outcome != "open":
        return None
    return TodoItem(
        "selfassessment", "open", f"{decision.data['assessed_year']}年度自审", decision.message, str(decision.citation)
    )


def read_dashboard(today: dt.date, limit: int | None = None) -> Dashboard:
    """Everything on the 待办 screen as of ``today``. With ``limit``, the sections that grow with
    the branch (renewals, overdue claims, failed direct pay, waiting disbursements) hold only their
    first ``limit`` items of this year and of past years, in their order, and ``totals`` says how
    many each has: what the screen lists, read without deciding every item (issue 15)."""
    totals: dict[str, tuple[int, int]] = {}
    if limit is None:
        renewals = renewal_board(today, statuses=RENEWAL_TODO)
        claims = overdue_claims(today)
        direct_pay = open_direct_pay(today)
        disbursements = waiting_disbursements()
    else:
        renewals, recent, older = renewals_first(today, limit)
        totals["renewals"] = (recent, older)
        claims, recent, older = overdue_claims_first(today, limit)
        totals["claims"] = (recent, older)
        direct_pay, recent, older = direct_pay_first(today, limit)
        totals["direct_pay"] = (recent, older)
        disbursements, recent, older = waiting_disbursements_first(today, limit)
        totals["disbursements"] = (recent, older)
    return Dashboard(
        today=today,
        totals=totals,
        renewals=renewals,
        claims=claims,
        direct_pay=direct_pay,
        disbursements=disbursements,
        handovers=unreported_handovers(today),
        logins=stale_logins(today),
        notices=office_notices(),
        projects=project_deadlines(today),
        budget=budget_use(today),
        bundle=bundle_due(today),
        selfassessment=selfassessment_item(today),
        backup=backup_item(today),
        fees=fee_items(today),
        integrity=integrity_item(),
    )


def integrity_item() -> TodoItem | None:
    """Issue 13 item 3: the row findings of this session's unlock, while it is read-only for them."""
    from models import db as dbmod

    try:
        found = dbmod.current().row_findings
    except RuntimeError:
        return None
    if not found:
        return None
    more = f"等共 {len(found)} 处；" if len(found) > 3 else ""
    return TodoItem(
        "integrity",
        "tampered",
        "账目在程序之外被改动，已只读",
        f"{'；'.join(found[:3])}；{more}请负责人运行 huzhu check，并从改动之前的备份恢复",
    )


#: How far back the 待办 looks for unpaid fees: two years of policy starts, read through the
#: (start, unit, plan) index of migration 0017; older arrears stay listed by ``huzhu fee list``.
FEE_WINDOW_DAYS = 731


def fee_items(today: dt.date) -> list[TodoItem]:
    """R12.3–R12.5 in the 待办: each unit with an overdue balance (the policies of the last two
    years from the first one the branch recorded a payment for), and the collected fees held
    past the remittance deadline. A branch that has recorded no payment (直投, R12.7, or not yet
    collecting here) has none."""
    from models.fees import price_on_start
    from rules.fees import balance_status, remittance_status

    first = database.execute_sql(
        "SELECT min(p.start) FROM policy p WHERE p.id IN (SELECT f.policy_id FROM fee_payment f)"
    ).fetchone()[0]
    if first is None:
        return []
    rs = ruleset_on(today)
    since = max(_d(first), today - dt.timedelta(days=FEE_WINDOW_DAYS))
    rows = database.execute_sql(
        "SELECT u.code, u.name, p.plan_id, p.start, "
        "(SELECT coalesce(sum(cv.shares), 0) FROM coverage cv WHERE cv.policy_id = p.id), "
        "(SELECT coalesce(sum(f.amount_fen), 0) FROM fee_payment f WHERE f.policy_id = p.id AND f.voided_on IS NULL) "
        'FROM policy p INDEXED BY "policy_start_unit_id_plan_id" JOIN unit u ON u.id = p.unit_id '
        "WHERE p.start BETWEEN ? AND ? ORDER BY p.start, p.id",
        (since.isoformat(), today.isoformat()),
    ).fetchall()
    units: dict[str, list] = {}
    for code, name, plan, start, shares, paid in rows:
        price = price_on_start(plan, start)
        decision = balance_status(None if price is None else shares * price, paid, _d(start), today, rs)
        if decision.outcome == "overdue":
            units.setdefault(code, [name, 0, decision])[1] += decision.data["balance_fen"]
    items = [
        TodoItem(
            "fee",
            "overdue",
            f"{code} {name} 欠缴会费 {format_fen(total)}",
            f"{first_overdue.message}（合计欠缴 {format_fen(total)}）",
            str(first_overdue.citation),
            "fees",
            None,
            code,
        )
        for code, (name, total, first_overdue) in sorted(units.items())
    ]
    held = database.execute_sql(
        "SELECT f.received_on, f.id, f.amount_fen - f.remitted_fen FROM fee_payment f INDEXED BY fee_payment_unremitted "
        "WHERE f.voided_on IS NULL AND f.remitted_fen < f.amount_fen ORDER BY f.received_on, f.id"
    ).fetchall()
    late = [(_d(on), fen) for on, _, fen in held if remittance_status(_d(on), fen, today, rs).outcome == "overdue"]
    if late:
        total = sum(fen for _, fen in late)
        oldest = remittance_status(late[0][0], total, today, rs)
        items.append(
            TodoItem(
                "fee_held",
                "overdue",
                f"已收会费超期未上交 {len(late)} 笔 {format_fen(total)}",
                oldest.message,
                str(oldest.citation),
                "fees",
                None,
                "held",
            )
        )
    return items


def backup_item(today: dt.date) -> TodoItem | None:
    """Issue 13 item 7: a warning when automatic backups cannot be relied on (one meta read, one stat)."""
    from models.autobackup import warning

    found = warning(today)
    if found is None:
        return None
    status, message = found
    titles = {
        "no_folder": "未设置自动备份文件夹",
        "folder_missing": "备份文件夹不存在",
        "never_verified": "还没有验证过的备份",
        "stale": "最近验证的备份已超过 7 天",
    }
    return TodoItem("backup", status, titles[status], message)


def _chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i : i + n]
