"""Plans and the rule sets in force at this database: the packaged rule sets (rules/data)
with the office's parameter notices installed here laid over them (R12.1, the office's parameter notices: docs/params.md).

The rules stay pure: they get the combined rule sets through ``rules.params.use_rulesets``,
with ``rulesets_in_force`` as the provider, so every ``ruleset_on`` decides with the notice
in force on its date. The provider reads the installed notices once per open database and
keeps them until ``forget_installed`` (called after an install); another process's install
is seen at the next unlock.

The ``plan`` table mirrors the plans so policies can reference them; the rule sets are the
source of truth for terms, prices and observation days on each date.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

from rules.params import PlanParams, RuleSets, packaged_rulesets, ruleset_on, use_rulesets, with_notices

_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "sets": None}


def sync_plans(on: dt.date) -> int:
    rs = ruleset_on(on)
    upsert_plans(rs.plans.values())
    return len(rs.plans)


def upsert_plans(plans: Iterable[PlanParams]) -> None:
    from models.schema import Plan

    for p in plans:
        Plan.insert(
            code=p.code,
            name=p.name,
            category=p.category,
            term_months=p.term_months,
            share_price_fen=p.share_price_fen,
            observation_days=p.observation_days,
            sample=p.sample,
        ).on_conflict(
            conflict_target=[Plan.code],
            preserve=[
                Plan.name,
                Plan.category,
                Plan.term_months,
                Plan.share_price_fen,
                Plan.observation_days,
                Plan.sample,
            ],
        ).execute()


def _session_key():
    from models import db

    session = db._session
    return None if session is None else (id(session), str(session.path))


def rulesets_in_force() -> RuleSets:
    """The rule sets of the open database (packaged ones when none is open or none installed)."""
    key = _session_key()
    if key is None:
        return packaged_rulesets()
    with _lock:
        if _cache["key"] == key:
            return _cache["sets"]  # type: ignore[return-value]
    sets = _load()
    if sets is None:
        return packaged_rulesets()
    with _lock:
        _cache["key"], _cache["sets"] = key, sets
    return sets


def _load() -> RuleSets | None:
    import peewee
    import sqlcipher3

    from models.db import database

    try:
        rows = database.execute_sql(
            "SELECT reference, title, effective_from, signed_file, office_fingerprint, installed_by, installed_at "
            "FROM param_notice ORDER BY effective_from"
        ).fetchall()
    except (peewee.DatabaseError, sqlcipher3.DatabaseError):
        return None  # a database not migrated yet (opened without migrating): nothing installed
    if not rows:
        return packaged_rulesets()
    from sync.params import installed_sources

    return with_notices(packaged_rulesets(), installed_sources(rows))


def forget_installed() -> None:
    with _lock:
        _cache["key"], _cache["sets"] = None, None


def installed_notices() -> list[dict]:
    """The notices installed here, oldest first, with their provenance (``params list``)."""
    from models.db import database

    return [
        {
            "reference": r[0],
            "title": r[1],
            "effective_from": str(r[2]),
            "office_fingerprint": r[3],
            "installed_by": r[4],
            "installed_at": r[5],
            "sha256": r[6],
        }
        for r in database.execute_sql(
            "SELECT reference, title, effective_from, office_fingerprint, installed_by, installed_at, sha256 "
            "FROM param_notice ORDER BY effective_from"
        )
    ]


def activate() -> None:
    """Make every rule lookup by date use the open database's rule sets (done as a database opens:
    ``models.db.Session``)."""
    use_rulesets(rulesets_in_force)
