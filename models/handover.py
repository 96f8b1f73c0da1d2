"""Staff handover (交接记录, docs/rules.md R4): the record, its checklist, the open work the program
lists, the business-system account forms and, for a clerk who used this program, the
revocation of their key slot.

A staff change leaves seals, cheques and open claims with nobody answerable for them unless
the handover is complete and witnessed (000 第十六条8). Whether it is complete is
``rules.check_handover``'s decision and the reporting deadline is
``rules.handover_report_status``'s; this module gathers the plain data, writes what the rules
allow in one transaction with one audit event, and raises ``RuleRefused`` (with the article)
otherwise. The open work is read from the registers at the moment of the handover, so the
incoming clerk confirms a list the program made, not one typed from memory.

The schema has no columns for who confirmed when: the ``handover.complete`` audit event
carries both confirmations (name, time, and the user at the keyboard), which is also what
makes them tamper-evident.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from models import admin, audit
from models.backdating import audit_detail, check_typed_date, record_backdated
from models.dashboard import RENEWAL_TODO, open_direct_pay, renewal_board, waiting_disbursements
from models.db import current, database, writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.keyslots import RECOVERY_USER
from models.schema import AccountForm, AppUser, StaffAccount
from models.schema import Handover as HandoverRow
from models.schema import HandoverItem as HandoverItemRow
from rules import CLAIM_STATES, Decision, Handover, Report, check_handover, handover_report_status, ruleset_on

#: Kinds of open work the program lists (R4.1), with their Chinese names.
OPEN_WORK_KINDS = {"claim": "未结理赔", "receipt": "未签收", "renewal": "待续保"}
#: Claim states that are still open: registered, or waiting for the office's answer.
OPEN_CLAIM_STATES = ("registered", "submitted", "returned", "resubmitted")
#: The counts ``models.demo`` stores instead of a list, by open-work kind.
_COUNT_KEYS = {"unfinished_claims": "claim", "unsigned_receipts": "receipt", "pending_renewals": "renewal"}
#: Longest text kept in a free-text field (descriptions, usernames, notes).
TEXT_MAX = 200


def checklist(on: dt.date) -> Mapping[str, str]:
    """The items a handover on ``on`` must cover (rule set figure ``handover_items``): code → name."""
    return ruleset_on(on)["handover_items"]


# --- open work -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenWorkItem:
    """One piece of unfinished business handed over: ``kind`` is a key of OPEN_WORK_KINDS,
    ``ref`` the record (claim id, disbursement id, unit/plan)."""

    kind: str
    ref: str
    title: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "title": self.title}


def open_claims() -> list[OpenWorkItem]:
    """Every claim not yet settled or declined, oldest first (not only the overdue ones the
    待办 list shows: the incoming clerk answers for all of them)."""
    rows = database.execute_sql(
        f"SELECT c.id, c.state, m.name, p.name, c.report_date FROM claim_report c "
        f"JOIN member m ON m.id = c.member_id JOIN plan p ON p.code = c.plan_id "
        f"WHERE c.state IN ({','.join('?' * len(OPEN_CLAIM_STATES))}) ORDER BY c.report_date, c.id",
        OPEN_CLAIM_STATES,
    ).fetchall()
    return [
        OpenWorkItem("claim", str(claim_id), f"报案 #{claim_id} {name} {plan} {CLAIM_STATES[state]}（{reported} 报案）")
        for claim_id, state, name, plan, reported in rows
    ]


def open_work(today: dt.date) -> list[OpenWorkItem]:
    """What the outgoing clerk leaves unfinished as of ``today``: open claims; disbursements
    and failed direct payments still waiting for a signed receipt; unit × plan renewals due
    or overdue. The queries are the 待办 list's (``models.dashboard``)."""
    items = open_claims()
    items += [OpenWorkItem("receipt", f"disbursement/{i.ref}", i.title) for i in waiting_disbursements()]
    items += [OpenWorkItem("receipt", f"direct_pay/{i.ref}", i.title) for i in open_direct_pay(today)]
    items += [
        OpenWorkItem("renewal", row.key, f"{row.unit_code} {row.unit_name} {row.plan_name} {row.status_name}")
        for row in renewal_board(today, statuses=RENEWAL_TODO)
    ]
    return items


def open_work_counts(stored: str) -> dict[str, int]:
    """Counts per open-work kind of a handover's stored list. The demo data stores the
    counts themselves (``{"unfinished_claims": 3, …}``), so both forms are read."""
    data = json.loads(stored or "[]")
    if isinstance(data, dict):
        return {kind: int(data.get(key, 0)) for key, kind in _COUNT_KEYS.items()}
    counted = Counter(item.get("kind") for item in data if isinstance(item, dict))
    return {kind: counted.get(kind, 0) for kind in OPEN_WORK_KINDS}


def counts_text(counts: Mapping[str, int]) -> str:
    return "，".join(f"{name} {counts.get(kind, 0)}" for kind, name in OPEN_WORK_KINDS.items())


# --- the form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemEntry:
    """A checklist item as handed over: what exactly (e.g. "财务专用章、法人名章") and how many."""

    description: str = ""
    quantity: int = 1


@dataclass(frozen=True)
class HandoverDraft:
    """A handover as typed.

    ``items`` holds the checklist codes ticked as handed over. ``*_confirmed_at`` is the
    time each clerk confirmed on screen (None: not confirmed); the incoming clerk's
    confirmation covers the open work the program listed. ``outgoing_account_id`` is the
    outgoing clerk's business-system account, deactivated with a change form;
    ``incoming_username`` the incoming clerk's (a filing form for a new account, a change
    form when it differs from the one on file). ``revoke_user`` is the outgoing clerk's
    user of this program, whose key slot is removed (supervisors only)."""

    outgoing: str = ""
    incoming: str = ""
    supervisor: str = ""
    on: dt.date | None = None
    reported_on: dt.date | None = None
    items: Mapping[str, ItemEntry] = field(default_factory=dict)
    outgoing_confirmed_at: str | None = None
    incoming_confirmed_at: str | None = None
    outgoing_account_id: int | None = None
    incoming_username: str = ""
    revoke_user: str | None = None
    note: str = ""
    #: Why a supervisor records a handover date before today (rules.check_entry_date).
    backdate_reason: str | None = None

    def rule_handover(self) -> Handover:
        """The draft as ``rules.check_handover`` reads it (``on`` must be set)."""
        return Handover(
            self.outgoing.strip(),
            self.incoming.strip(),
            self.supervisor.strip(),
            self.on,
            frozenset(self.items),
            self.incoming_confirmed_at is not None,
            self.reported_on,
        )


@dataclass(frozen=True)
class HandoverPreview:
    """What the form shows while typing: the rules' verdict and the reporting deadline."""

    report: Report | None
    deadline: Decision | None


@refuses_undated
def preview(draft: HandoverDraft, today: dt.date) -> HandoverPreview:
    if draft.on is None:
        return HandoverPreview(None, None)
    handover = draft.rule_handover()
    return HandoverPreview(check_handover(handover), handover_report_status(handover, today))


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    username: str


@dataclass(frozen=True)
class FormChoices:
    """Active business-system accounts, and the users of this program whose slot can be revoked."""

    accounts: list[Account]
    users: list[tuple[str, str]]  # (user, role in Chinese)


def form_choices() -> FormChoices:
    accounts = [
        Account(a.id, a.name, a.username)
        for a in StaffAccount.select().where(StaffAccount.active).order_by(StaffAccount.name, StaffAccount.id)
    ]
    users = [
        (u["user"], u["role_zh"]) for u in admin.list_users(current()) if u["active"] and u["user"] != RECOVERY_USER
    ]
    return FormChoices(accounts, users)


# --- completing a handover -----------------------------------------------------------------------


@dataclass(frozen=True)
class Completed:
    handover_id: int
    report: Report
    deadline: Decision
    open_work: int
    forms: int
    revoked: str | None


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise ValidationFailed(f"{what}过长（不超过 {TEXT_MAX} 字）", f"{what} is longer than {TEXT_MAX} characters")
    return value


def _check_dates(draft: HandoverDraft, today: dt.date) -> Decision:
    """The handover date starts R4.1's reporting deadline: a future one is refused, an earlier
    one is a supervisor's back-dated entry with a reason (rules.check_entry_date)."""
    if draft.on is None:
        raise ValidationFailed("请填写交接日期", "the handover date is missing")
    decision = check_typed_date(draft.on, today, "handover", draft.backdate_reason)
    if draft.reported_on is not None and not draft.on <= draft.reported_on <= today:
        raise ValidationFailed(
            f"上报日期 {draft.reported_on} 应在交接日期 {draft.on} 与今天之间",
            "the report date must lie between the handover date and today",
        )
    return decision


def _account_forms(draft: HandoverDraft) -> list[AccountForm]:
    """R4.3: deactivate the outgoing clerk's account and file the incoming clerk's, each
    with its form (《业务系统用户名变更表》 / 《业务系统用户名备案表》)."""
    forms: list[AccountForm] = []
    when = f"{draft.on} 交接（{draft.outgoing.strip()} 移交 {draft.incoming.strip()}）"
    if draft.outgoing_account_id is not None:
        account = StaffAccount.get_or_none((StaffAccount.id == draft.outgoing_account_id) & StaffAccount.active)
        if account is None:
            raise ValidationFailed(
                "所选移交人的业务系统账号不存在或已停用", "the outgoing account is missing or inactive"
            )
        account.active = False
        account.disabled_on = draft.on
        account.save()
        forms.append(
            AccountForm.create(
                account=account,
                kind="change",
                on_date=draft.on,
                old_username=account.username,
                new_username=None,
                note=f"{when}：账号停用",
            )
        )
    username = _text(draft.incoming_username, "接交人业务系统用户名")
    if not username:
        return forms
    taken = StaffAccount.get_or_none(StaffAccount.username == username)
    incoming = draft.incoming.strip()
    own = StaffAccount.get_or_none((StaffAccount.name == incoming) & StaffAccount.active)
    if taken is not None and (own is None or taken.id != own.id):
        raise ValidationFailed(f"业务系统用户名 {username} 已属于 {taken.name}", f"username {username} is taken")
    if own is None:
        own = StaffAccount.create(name=incoming, username=username, active=True, created_on=draft.on)
        forms.append(
            AccountForm.create(
                account=own,
                kind="filing",
                on_date=draft.on,
                old_username=None,
                new_username=username,
                note=f"{when}：接交人用户名备案",
            )
        )
    elif own.username != username:
        forms.append(
            AccountForm.create(
                account=own,
                kind="change",
                on_date=draft.on,
                old_username=own.username,
                new_username=username,
                note=f"{when}：接交人用户名变更",
            )
        )
        own.username = username
        own.save()
    return forms


@refuses_undated
def complete_handover(draft: HandoverDraft, today: dt.date) -> Completed:
    """Write a complete handover: the record with the open work listed now, its checklist,
    the account forms, and, last, the revocation of the outgoing clerk's key slot.

    Refused, with nothing written, when ``check_handover`` has an error (a missing person,
    the supervisor being the outgoing clerk, an unticked item, the open work not confirmed:
    ``RuleRefused`` with the article), when the outgoing clerk has not confirmed, or when a
    user other than a supervisor asks for a revocation (``PermissionDenied``). The slot is
    removed last because the key file is written at once, outside the transaction: every
    check that could still roll the record back has run before it."""
    session = current()
    session.require_write()
    if draft.revoke_user:
        session.require_role("supervisor", "recovery")
    date_decision = _check_dates(draft, today)
    report = check_handover(draft.rule_handover())
    if report.errors:
        raise RuleRefused(report.errors)
    if draft.outgoing_confirmed_at is None:
        raise ValidationFailed(f"移交人 {draft.outgoing.strip()} 尚未确认移交", "the outgoing clerk has not confirmed")
    if draft.revoke_user and AppUser.get_or_none((AppUser.name == draft.revoke_user) & AppUser.active) is None:
        raise ValidationFailed(f"没有可撤销的用户 {draft.revoke_user}", f"no active user {draft.revoke_user}")
    items = checklist(draft.on)
    for code, label in items.items():
        if draft.items[code].quantity < 1:
            raise ValidationFailed(f"“{label}”的数量应为正整数", f"the quantity of {code} must be positive")
    note = _text(draft.note, "备注") or None
    with writing():
        work = open_work(today)
        row = HandoverRow.create(
            on_date=draft.on,
            outgoing=draft.outgoing.strip(),
            incoming=draft.incoming.strip(),
            supervisor=draft.supervisor.strip(),
            reported_on=draft.reported_on,
            outgoing_confirmed=True,
            incoming_confirmed=True,
            open_work=json.dumps([w.to_json() for w in work], ensure_ascii=False),
            note=note,
            created_by=session.user,
        )
        for code, label in items.items():
            entry = draft.items[code]
            HandoverItemRow.create(
                handover=row,
                kind=code,
                description=_text(entry.description, label) or label,
                quantity=entry.quantity,
                checked=True,
            )
        forms = _account_forms(draft)
        deadline = handover_report_status(draft.rule_handover(), today)
        # Before the event, which seals every row this transaction wrote (models.rowseal).
        record_backdated(date_decision, "handover", row.id)
        audit.record(
            "handover.complete",
            "handover",
            row.id,
            {
                "on": draft.on,
                "outgoing": row.outgoing,
                "incoming": row.incoming,
                "supervisor": row.supervisor,
                "reported_on": draft.reported_on,
                "items": sorted(items),
                "open_work": open_work_counts(row.open_work),
                "confirmed": {
                    "outgoing": {"name": row.outgoing, "at": draft.outgoing_confirmed_at},
                    "incoming": {"name": row.incoming, "at": draft.incoming_confirmed_at},
                    "recorded_by": session.user,
                },
                "account_forms": [f"{f.kind}:{f.old_username or ''}>{f.new_username or ''}" for f in forms],
                "revoke_user": draft.revoke_user,
                "warnings": [d.code for d in report.warnings],
                **audit_detail(date_decision),
            },
        )
        if draft.revoke_user:
            admin.revoke_user(session, draft.revoke_user)
    return Completed(row.id, report, deadline, len(work), len(forms), draft.revoke_user)


def mark_reported(handover_id: int, on: dt.date, today: dt.date) -> Decision:
    """Record the date the staff change was reported to the office (R4.1); returns the
    reporting decision (on time or late)."""
    with writing():
        row = HandoverRow.get_or_none(HandoverRow.id == handover_id)
        if row is None:
            raise ValidationFailed(f"没有编号为 {handover_id} 的交接记录", f"no handover {handover_id}")
        if row.reported_on is not None:
            raise ValidationFailed(f"交接记录 #{handover_id} 已于 {row.reported_on} 上报", "already reported")
        if not row.on_date <= on <= today:
            raise ValidationFailed(
                f"上报日期 {on} 应在交接日期 {row.on_date} 与今天之间",
                "the report date must lie between the handover date and today",
            )
        HandoverRow.update(reported_on=on).where(HandoverRow.id == handover_id).execute()
        decision = handover_report_status(
            Handover(row.outgoing, row.incoming, row.supervisor, row.on_date, frozenset(), True, on), today
        )
        audit.record("handover.reported", "handover", handover_id, {"reported_on": on, "outcome": decision.outcome})
    return decision


# --- past handovers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverSummary:
    """A past handover as listed: its items, open-work counts and reporting status."""

    id: int
    on: dt.date
    outgoing: str
    incoming: str
    supervisor: str
    reported_on: dt.date | None
    confirmed: bool
    note: str | None
    created_by: str
    items: list[tuple[str, str, int]]  # (name, description, quantity)
    open_work: dict[str, int]
    status: Decision


def list_handovers(today: dt.date) -> list[HandoverSummary]:
    """Every handover, newest first, with its reporting status as of ``today``."""
    rows = list(HandoverRow.select().order_by(HandoverRow.on_date.desc(), HandoverRow.id.desc()))
    names = checklist(today)
    items: dict[int, list[tuple[str, str, int]]] = {}
    for item in HandoverItemRow.select().order_by(HandoverItemRow.id):
        items.setdefault(item.handover_id, []).append(
            (names.get(item.kind, item.kind), item.description, item.quantity)
        )
    out = []
    for row in rows:
        rule = Handover(row.outgoing, row.incoming, row.supervisor, row.on_date, frozenset(), True, row.reported_on)
        out.append(
            HandoverSummary(
                row.id,
                row.on_date,
                row.outgoing,
                row.incoming,
                row.supervisor,
                row.reported_on,
                bool(row.outgoing_confirmed and row.incoming_confirmed),
                row.note,
                row.created_by,
                items.get(row.id, []),
                open_work_counts(row.open_work),
                handover_report_status(rule, today),
            )
        )
    return out
