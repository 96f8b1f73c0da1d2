"""The working-day calendar in force at this database: the packaged years (rules/data/calendar.toml)
with the office's calendar notices installed here laid over them (sync/calendar.py).

Like the rule sets (models/plans.py), the rules get it through ``rules.workdays.use_calendar``;
the installed notices are read once per open database and kept until ``forget_installed``.
"""

from __future__ import annotations

import threading

from rules.workdays import WorkCalendar, overlay, packaged_calendar, use_calendar

_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "cal": None}


def _session_key():
    from models import db

    session = db._session
    return None if session is None else (id(session), str(session.path))


def calendar_in_force() -> WorkCalendar:
    key = _session_key()
    if key is None:
        return packaged_calendar()
    with _lock:
        if _cache["key"] == key:
            return _cache["cal"]  # type: ignore[return-value]
    cal = _load()
    if cal is None:
        return packaged_calendar()
    with _lock:
        _cache["key"], _cache["cal"] = key, cal
    return cal


def _load() -> WorkCalendar | None:
    import peewee
    import sqlcipher3

    from models.db import database

    try:
        rows = database.execute_sql("SELECT reference, signed_file FROM calendar_notice ORDER BY id").fetchall()
    except (peewee.DatabaseError, sqlcipher3.DatabaseError):
        return None  # not migrated yet (or an office database before migration 0019)
    if not rows:
        return packaged_calendar()
    from sync.calendar import years_from_signed

    years = [y for reference, signed in rows for y in years_from_signed(bytes(signed), reference)]
    return overlay(packaged_calendar(), years)


def forget_installed() -> None:
    with _lock:
        _cache["key"], _cache["cal"] = None, None


def installed_notices() -> list[dict]:
    from models.db import database

    return [
        dict(
            zip(
                (
                    "reference",
                    "title",
                    "years",
                    "issued_at",
                    "office_fingerprint",
                    "installed_by",
                    "installed_at",
                    "sha256",
                ),
                r,
                strict=True,
            )
        )
        for r in database.execute_sql(
            "SELECT reference, title, years, issued_at, office_fingerprint, installed_by, installed_at, sha256 "
            "FROM calendar_notice ORDER BY id"
        )
    ]


def activate() -> None:
    use_calendar(calendar_in_force)
