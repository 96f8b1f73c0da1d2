"""Applying ``rules.entry_dates`` in the services: refuse a future or unauthorised earlier date,
and keep a back-dated entry's mark (table ``backdated_entry``) and its audit detail.

A service calls ``check_typed_date`` before it writes (it raises ``RuleRefused``, nothing is
written), then ``record_backdated`` inside its transaction, and merges ``audit_detail`` into
its own audit event, so the audit history says who back-dated what and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from models import clock
from models.db import current
from models.errors import RuleRefused
from models.schema import BackdatedEntry
from rules import Decision
from rules.entry_dates import check_entry_date


def check_typed_date(entered: dt.date, today: dt.date, kind: str, reason: str | None) -> Decision:
    """The rule's decision for the current user; refused decisions raise ``RuleRefused``."""
    decision = check_entry_date(entered, today, current().role, reason, kind=kind)
    if not decision.ok:
        raise RuleRefused([decision])
    return decision


def record_backdated(decision: Decision, entity: str, entity_id: int) -> None:
    """Inside the writing transaction: mark the entry if the decision back-dated it."""
    if decision.outcome != "backdated":
        return
    BackdatedEntry.create(
        entity=entity,
        entity_id=entity_id,
        kind=decision.data["field"],
        entered_date=decision.data["entered"],
        recorded_on=decision.data["today"],
        reason=decision.data["reason"],
        by_user=current().user,
        at=clock.stamp(),
    )


def audit_detail(decision: Decision) -> dict:
    """What the service's audit event adds for a back-dated entry (nothing otherwise)."""
    if decision.outcome != "backdated":
        return {}
    return {
        "backdated": {
            "date": decision.data["entered"],
            "recorded_on": decision.data["today"],
            "reason": decision.data["reason"],
        }
    }


def backdated(entity: str, ids: Iterable[int]) -> dict[int, BackdatedEntry]:
    """The back-dated marks of some rows of one table, by row id (for registers)."""
    ids = list(ids)
    found: dict[int, BackdatedEntry] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in BackdatedEntry.select().where(
            (BackdatedEntry.entity == entity) & (BackdatedEntry.entity_id.in_(chunk))
        ):
            found[row.entity_id] = row
    return found
