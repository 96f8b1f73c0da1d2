"""The working-day calendar (工作日历) and working-day arithmetic (工作日; R7.4, R7.7 in docs/rules.md).

A working day is Monday to Friday, except the PRC public holidays, plus the weekend days the
State Council's yearly notice makes working days (调休上班). The calendar is data: the years
shipped in ``rules/data/calendar.toml`` and, over them, the office's signed calendar notices
installed at the branch (``sync/calendar.py``); a year from a later notice replaces the same
year from an earlier one or from the package. Each year says where it comes from and whether
it is official or provisional (the package's 2027 is provisional until the office's notice).

Every function takes the calendar as an argument (``cal``); ``None`` means the active one,
handed in by models with ``use_calendar`` like the rule sets (``rules.params.use_rulesets``).
A year the calendar does not list is counted Monday to Friday; ``basis`` says so, so a
deadline computed over such a year is shown with that caveat, never silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

ONE_DAY = timedelta(days=1)
STATUSES: Mapping[str, str] = MappingProxyType({"official": "正式", "provisional": "暂定"})
#: A year or a notice spans at most this many listed days (a year has 7 holidays and a few 调休).
MAX_ENTRIES = 60


class CalendarError(ValueError):
    """Calendar data is invalid; the message lists every problem (Chinese)."""


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        d = self.first
        while d <= self.last:
            yield d
            d += ONE_DAY


@dataclass(frozen=True)
class CalendarYear:
    """One year's arrangement and where it comes from (``origin``: 程序内置 or a notice's 文号)."""

    year: int
    status: str  # official | provisional
    source: str
    holidays: tuple[Holiday, ...]
    workdays: tuple[tuple[str, date], ...]
    origin: str = "程序内置"

    @property
    def off(self) -> frozenset[date]:
        return frozenset(d for h in self.holidays for d in h.days())

    @property
    def make_up(self) -> frozenset[date]:
        return frozenset(d for _, d in self.workdays)

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"


@dataclass(frozen=True)
class WorkCalendar:
    years: Mapping[int, CalendarYear] = field(default_factory=dict)
    _off: frozenset[date] = field(init=False, repr=False, compare=False, default=frozenset())
    _on: frozenset[date] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", MappingProxyType(dict(self.years)))
        object.__setattr__(self, "_off", frozenset(d for y in self.years.values() for d in y.off))
        object.__setattr__(self, "_on", frozenset(d for y in self.years.values() for d in y.make_up))

    def is_working_day(self, d: date) -> bool:
        if d in self._on:
            return True
        if d in self._off:
            return False
        return d.weekday() < 5

    def day_kind(self, d: date) -> str:
        """working | weekend | holiday | make_up (a weekend day worked, 调休上班)."""
        if d in self._on:
            return "make_up"
        if d in self._off:
            return "holiday"
        return "working" if d.weekday() < 5 else "weekend"

    def covering(self, d: date) -> CalendarYear | None:
        return self.years.get(d.year)


# ---------------------------------------------------------------------------- arithmetic


def add_working_days(start: date, count: int, cal: WorkCalendar | None = None) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted); a negative
    ``count`` goes back: ``add_working_days(d, -5)`` is the 5th working day before ``d``.
    ``count`` 0 is ``start`` itself."""
    cal = active_calendar() if cal is None else cal
    step = ONE_DAY if count >= 0 else -ONE_DAY
    current, remaining = start, abs(count)
    while remaining > 0:
        current += step
        if cal.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(first: date, last: date, cal: WorkCalendar | None = None) -> int:
    """Working days after ``first`` up to and including ``last`` (0 when ``last`` <= ``first``):
    a reply on ``last`` to something received on ``first`` took this many working days."""
    cal = active_calendar() if cal is None else cal
    count, d = 0, first
    while d < last:
        d += ONE_DAY
        if cal.is_working_day(d):
            count += 1
    return count


def working_days_before(d: date, count: int, cal: WorkCalendar | None = None) -> date:
    """The ``count``-th working day before ``d`` (``d`` not counted)."""
    return add_working_days(d, -count, cal)


def basis(first: date, last: date, cal: WorkCalendar | None = None) -> str:
    """What a working-day count from ``first`` to ``last`` rests on, in one Chinese phrase:
    empty when every year is official, else which years are provisional or not listed."""
    cal = active_calendar() if cal is None else cal
    low, high = min(first, last), max(first, last)
    notes = []
    for year in range(low.year, high.year + 1):
        y = cal.years.get(year)
        if y is None:
            notes.append(f"{year}年未列入工作日历，按周一至周五计")
        elif y.provisional:
            notes.append(f"{year}年工作日历为暂定（仅法定节假日，无调休）")
    return "；".join(notes)


# ---------------------------------------------------------------------------- loading


def _day(value: Any) -> date | None:
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _name(value: Any, where: str, errors: list[str]) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 60 or any(ord(c) < 32 for c in value):
        errors.append(f"{where}: 名称应为 1 至 60 字、不含控制字符的文字")
        return ""
    return value.strip()


def parse_year(raw: Any, where: str, errors: list[str], origin: str = "程序内置") -> CalendarYear | None:
    """One ``[[year]]`` table (TOML dates or ISO strings): every problem is added to ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: 应为表")
        return None
    keys = {"year", "status", "source", "holidays", "workdays"}
    if set(raw) != keys:
        errors.append(
            f"{where}: 应有且只有 {', '.join(sorted(keys))}（缺少或多出：{', '.join(sorted(set(raw) ^ keys))}）"
        )
        return None
    year = raw["year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2199:
        errors.append(f"{where}.year: 应为 2000 至 2199 的年份，实为 {year!r}")
        return None
    where = f"{year}年"
    if raw["status"] not in STATUSES:
        errors.append(f"{where}.status: 应为 official（正式）或 provisional（暂定），实为 {raw['status']!r}")
    source = raw["source"]
    if not isinstance(source, str) or not source.strip() or len(source) > 300:
        errors.append(f"{where}.source: 应写明依据（不超过 300 字）")
        source = ""
    holidays: list[Holiday] = []
    items = raw["holidays"]
    if not isinstance(items, list) or len(items) > MAX_ENTRIES:
        errors.append(f"{where}.holidays: 应为不超过 {MAX_ENTRIES} 项的列表")
        items = []
    for i, item in enumerate(items):
        w = f"{where}.holidays[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"name", "from", "to"}:
            errors.append(f"{w}: 应为 {{ name, from, to }}")
            continue
        name = _name(item["name"], w, errors)
        first, last = _day(item["from"]), _day(item["to"])
        if first is None or last is None:
            errors.append(f"{w}: from/to 应为日期（如 {year}-10-01）")
            continue
        if first.year != year or last.year != year or last < first or (last - first).days > 15:
            errors.append(f"{w}: {first}…{last} 应在 {year} 年内、起止有序且不超过 16 天")
            continue
        holidays.append(Holiday(name, first, last))
    off = {d for h in holidays for d in h.days()}
    if len(off) != sum(1 for h in holidays for _ in h.days()):
        errors.append(f"{where}.holidays: 假期日期有重叠")
    workdays: list[tuple[str, date]] = []
    items = raw["workdays"]
    if not isinstance(items, list) or len(items) > MAX_ENTRIES:
        errors.append(f"{where}.workdays: 应为不超过 {MAX_ENTRIES} 项的列表")
        items = []
    for i, item in enumerate(items):
        w = f"{where}.workdays[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"name", "on"}:
            errors.append(f"{w}: 应为 {{ name, on }}")
            continue
        name = _name(item["name"], w, errors)
        on = _day(item["on"])
        if on is None or on.year != year:
            errors.append(f"{w}: on 应为 {year} 年内的日期")
            continue
        if on.weekday() < 5:
            errors.append(f"{w}: {on} 是周一至周五，本就是工作日；调休上班日应为周六或周日")
            continue
        if on in off:
            errors.append(f"{w}: {on} 同时列为假期")
            continue
        workdays.append((name, on))
    if len({d for _, d in workdays}) != len(workdays):
        errors.append(f"{where}.workdays: 调休上班日重复")
    if raw["status"] == "provisional" and workdays:
        errors.append(f"{where}: 暂定日历只列法定节假日，不应有调休上班日")
    holidays.sort(key=lambda h: h.first)
    workdays.sort(key=lambda w: w[1])
    return CalendarYear(year, str(raw["status"]), source.strip(), tuple(holidays), tuple(workdays), origin)


def load_calendar(raw: Mapping[str, Any], origin: str = "程序内置") -> WorkCalendar:
    """The years of a calendar document (``{"year": [...]}``); raises ``CalendarError``."""
    errors: list[str] = []
    years: dict[int, CalendarYear] = {}
    items = raw.get("year") if isinstance(raw, Mapping) else None
    if not isinstance(items, list) or not items or len(items) > 10:
        raise CalendarError("工作日历应有 1 至 10 个 [[year]]")
    for i, item in enumerate(items):
        parsed = parse_year(item, f"year[{i}]", errors, origin)
        if parsed is None:
            continue
        if parsed.year in years:
            errors.append(f"{parsed.year}年重复列出")
        years[parsed.year] = parsed
    if errors:
        raise CalendarError("工作日历无效：\n- " + "\n- ".join(errors))
    return WorkCalendar(years)


def year_to_data(y: CalendarYear) -> dict[str, Any]:
    """A year as plain JSON-able data; ``parse_year`` reads it back."""
    return {
        "year": y.year,
        "status": y.status,
        "source": y.source,
        "holidays": [{"name": h.name, "from": h.first.isoformat(), "to": h.last.isoformat()} for h in y.holidays],
        "workdays": [{"name": n, "on": d.isoformat()} for n, d in y.workdays],
    }


def overlay(base: WorkCalendar, years: Iterable[CalendarYear]) -> WorkCalendar:
    """``base`` with ``years`` laid over it, later ones replacing the same year."""
    merged = dict(base.years)
    for y in years:
        merged[y.year] = y
    return WorkCalendar(merged)


@cache
def packaged_calendar() -> WorkCalendar:
    text = resources.files("rules").joinpath("data").joinpath("calendar.toml").read_text(encoding="utf-8")
    return load_calendar(tomllib.loads(text))


_provider: Callable[[], WorkCalendar] | None = None


def use_calendar(provider: Callable[[], WorkCalendar] | None) -> None:
    """Hand in where the calendar in force comes from (models: packaged + installed notices)."""
    global _provider
    _provider = provider


def active_calendar() -> WorkCalendar:
    return _provider() if _provider is not None else packaged_calendar()


# ---------------------------------------------------------------------------- display


def month_rows(y: CalendarYear) -> Sequence[dict[str, Any]]:
    """The year's listed days, in date order: {date, weekday, kind, name}."""
    weekdays = "一二三四五六日"
    rows = [
        {"date": d.isoformat(), "weekday": f"周{weekdays[d.weekday()]}", "kind": "holiday", "name": h.name}
        for h in y.holidays
        for d in h.days()
    ]
    rows += [
        {"date": d.isoformat(), "weekday": f"周{weekdays[d.weekday()]}", "kind": "make_up", "name": n}
        for n, d in y.workdays
    ]
    return sorted(rows, key=lambda r: str(r["date"]))


def working_days_in_year(y: int, cal: WorkCalendar | None = None) -> int:
    cal = active_calendar() if cal is None else cal
    return working_days_between(date(y - 1, 12, 31), date(y, 12, 31), cal)
