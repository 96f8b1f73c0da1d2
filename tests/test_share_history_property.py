"""Property: on every boundary date of a random member history, the lookup's held, payable and
in-observation shares equal those of a second, deliberately simple model of docs/rules.md R1.

The history is one member of one unit in one plan (ZYYL, sample: 12-month term, 90-day
observation): a first enrolment, then per period some rows restating the member's total
(added shares, decreases, no change), then a renewal on time or late, by import or by
``huzhu renew``. The model keeps "lots" of shares (how many, cover from, last observation
day) per period and follows the rules as docs/rules.md states them, day by day, with none of the
program's code: R1.3 (window), R1.5 (added shares observed from filing; a decrease waits for
the next renewal, whoever files it), R1.7 (a renewal keeps observation ends; a decrease keeps
the shares payable soonest), R1.8 (no cover before filing).

Found the bug of issue 12: a decrease filed mid-period was lost when the unit was renewed
with ``renew``, so the member stayed covered for shares no longer paid for.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import clock
from models.enrolments import COLUMNS, import_enrolments, renew_unit
from models.lookup import member_policies
from rules import payable_shares
from rules.dates import term_end
from rules.idcard import id_check_char

D = dt.date
ONE = dt.timedelta(days=1)
OBSERVATION = 90
_serial = itertools.count(1)


# --- the model ---------------------------------------------------------------------------------


@dataclass
class Period:
    start: D
    end: D
    lots: list[tuple[int, D, D]] = field(default_factory=list)  # (shares, cover from, last observed day)
    asked: int | None = None  # the member's total asked for the next period (a pending decrease)

    def held(self) -> int:
        return sum(n for n, _, _ in self.lots)


def _lot(shares: int, cover_from: D) -> tuple[int, D, D]:
    return (shares, cover_from, cover_from + dt.timedelta(days=OBSERVATION - 1))


class Model:
    def __init__(self) -> None:
        self.periods: list[Period] = []

    def first(self, start: D, filed: D, shares: int) -> None:
        self.periods.append(Period(start, term_end(start, 12), [_lot(shares, max(start, filed))]))

    def restate(self, filed: D, total: int) -> None:
        p = self.periods[-1]
        if total > p.held():
            p.lots.append(_lot(total - p.held(), max(p.start, filed)))
            p.asked = None
        elif total < p.held():
            p.asked = total
        else:
            p.asked = None

    def renew(self, filed: D, total: int | None) -> None:
        """`total` None: ``huzhu renew`` (carries what is held, less a decrease asked for)."""
        p = self.periods[-1]
        if total is None:
            total = p.held() if p.asked is None else min(p.asked, p.held())
        start = p.end + ONE
        new = Period(start, term_end(start, 12))
        if filed > start + dt.timedelta(days=15):  # late: a first enrolment from the filing day
            new.lots = [_lot(total, filed)]
        else:
            left = total
            for n, _, last in sorted(p.lots, key=lambda lot: lot[2]):
                take = min(n, left)
                if take:
                    new.lots.append((take, start, last))
                left -= take
            if left:
                new.lots.append(_lot(left, max(start, filed)))
        self.periods.append(new)

    def on(self, d: D) -> tuple[int, int, int]:
        """(held, payable, in observation) for an illness on `d`."""
        for p in self.periods:
            if p.start <= d <= p.end:
                lots = [lot for lot in p.lots if lot[1] <= d]
                held = sum(n for n, _, _ in lots)
                waiting = sum(n for n, _, last in lots if d <= last)
                return held, held - waiting, waiting
        return 0, 0, 0


# --- random histories --------------------------------------------------------------------------


@st.composite
def histories(draw):
    start = D(2023, draw(st.integers(1, 12)), 1)
    steps = [("first", start + dt.timedelta(days=draw(st.integers(-20, 40))), draw(st.integers(1, 4)), start)]
    end = term_end(start, 12)
    last_filed = max(start, steps[0][1])
    for _ in range(draw(st.integers(1, 3))):
        # rows restating the member's total during the period, in filing order
        room = (end - dt.timedelta(days=20) - last_filed).days
        # distinct days: the same row filed twice on one day is the same file, imported once
        offsets = sorted(draw(st.lists(st.integers(1, max(1, room)), max_size=3, unique=True)))
        for offset in offsets:
            filed = last_filed + dt.timedelta(days=offset)
            if filed < end - dt.timedelta(days=16):
                steps.append(("restate", filed, draw(st.integers(1, 5)), None))
        expiry = end + ONE
        late = draw(st.booleans())
        filed = expiry + dt.timedelta(days=draw(st.integers(16, 60) if late else st.integers(-15, 15)))
        by_renew = draw(st.booleans())
        steps.append(("renew", filed, None if by_renew else draw(st.integers(1, 5)), None))
        end = term_end(expiry, 12)
        last_filed = max(filed, expiry)
    return steps


def _idn(n: int) -> str:
    body = f"110105198001{n % 28 + 1:02d}{n % 1000:03d}"
    return body + id_check_char(body)


def _import(tmp_path, unit: str, idn: str, start: D, filed: D, shares: int) -> None:
    path = tmp_path / f"rows-{next(_serial)}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerow([unit, f"单位{unit}", "ZYYL", start, term_end(start, 12), filed, "会员甲", idn, shares, "", ""])
    result = import_enrolments(path)
    assert result.ok, [p.reason for p in result.errors]


def _boundaries(model: Model) -> set[D]:
    days: set[D] = set()
    for p in model.periods:
        days |= {p.start, p.end}
        for _, cover_from, last in p.lots:
            days |= {cover_from, last}
    return {d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=histories())
@example(
    steps=[
        ("first", D(2023, 1, 1), 1, D(2023, 1, 1)),
        ("renew", D(2024, 1, 1), 2, None),
        ("restate", D(2024, 1, 2), 1, None),
        ("restate", D(2024, 1, 3), 2, None),
        ("restate", D(2024, 1, 4), 3, None),
        ("renew", D(2025, 1, 1), None, None),
    ]
)
def test_lookup_matches_a_simple_model_on_every_boundary_date(session, tmp_path, steps):
    n = next(_serial)
    unit, idn = f"P{n:05d}", _idn(n)
    model = Model()
    for kind, filed, shares, start in steps:
        clock.freeze(filed)  # each row is filed on its day (an earlier date would be back-dated)
        if kind == "first":
            model.first(start, filed, shares)
            _import(tmp_path, unit, idn, start, filed, shares)
        elif kind == "restate":
            p = model.periods[-1]
            model.restate(filed, shares)
            _import(tmp_path, unit, idn, p.start, filed, shares)
        else:
            new_start = model.periods[-1].end + ONE
            model.renew(filed, shares)
            if shares is None:
                result = renew_unit(unit, "ZYYL", filed)
                assert result.written and not result.dropped, result.to_json()
            else:
                _import(tmp_path, unit, idn, new_start, filed, shares)
    mid = session_member_id(idn)
    policies = member_policies([mid]).get(mid, {}).get("ZYYL", [])
    for d in sorted(_boundaries(model)):
        got = payable_shares(policies, "ZYYL", d, "illness").data
        assert (got["held"], got["payable"], got["in_observation"]) == model.on(d), (d, steps)


def session_member_id(idn: str) -> int:
    from models.db import database

    return database.execute_sql("SELECT id FROM member WHERE id_number = ?", (idn,)).fetchone()[0]
