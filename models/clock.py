"""The one place the application reads the clock (rules/ never does: it is given dates).

Tests freeze it with ``freeze``; nothing else should call ``datetime.now`` directly.
"""

from __future__ import annotations

import datetime as _dt

_frozen: _dt.datetime | None = None


def now() -> _dt.datetime:
    return _frozen if _frozen is not None else _dt.datetime.now(_dt.UTC).astimezone()


def today() -> _dt.date:
    return now().date()


def stamp() -> str:
    """An ISO 8601 timestamp with offset, for audit rows and files."""
    return now().isoformat(timespec="seconds")


def freeze(moment: _dt.datetime | _dt.date | None) -> None:
    global _frozen
    if isinstance(moment, _dt.date) and not isinstance(moment, _dt.datetime):
        moment = _dt.datetime.combine(moment, _dt.time(9, 0), tzinfo=_dt.timezone(_dt.timedelta(hours=8)))
    _frozen = moment
