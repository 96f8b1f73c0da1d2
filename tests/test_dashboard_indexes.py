"""The 待办 queries read through indexes (issue 15): each statement ``read_dashboard`` runs is
checked with EXPLAIN QUERY PLAN, so none reads a whole table; ``policy_latest`` (kept by the
triggers of migration 0015) always holds each unit × plan's latest policy; and the renewal
board bounded by the end date whose window is open lists exactly what the full board does."""

from __future__ import annotations

import csv
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import dashboard
from models import db as dbmod
from models.enrolments import COLUMNS, import_enrolments
from rules.idcard import id_check_char

TODAY = dt.date(2026, 11, 23)


def derived_latest() -> set[tuple]:
    return set(
        dbmod.database.execute_sql(
            'SELECT p.unit_id, p.plan_id, p.id, p.start, p."end", p.outcome FROM policy p '
            "WHERE p.start = (SELECT max(start) FROM policy q WHERE q.unit_id = p.unit_id AND q.plan_id = p.plan_id)"
        ).fetchall()
    )


def stored_latest() -> set[tuple]:
    return set(
        dbmod.database.execute_sql(
            'SELECT unit_id, plan_id, policy_id, start, "end", outcome FROM policy_latest'
        ).fetchall()
    )


def add_units(n: int) -> None:
    with dbmod.writing():
        for i in range(n):
            dbmod.database.execute_sql("INSERT INTO unit (code, name) VALUES (?, ?)", (f"U{i:04d}", f"单位{i}工会"))


def add_policy(unit: int, plan: str, start: dt.date, months: int = 12, outcome: str = "renewal") -> None:
    end = dt.date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1) - dt.timedelta(
        days=1
    )
    dbmod.database.execute_sql(
        'INSERT INTO policy (unit_id, plan_id, start, "end", filed, outcome, cover_from, created_by) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, 't')",
        (unit, plan, start.isoformat(), end.isoformat(), start.isoformat(), outcome, start.isoformat()),
    )


def test_every_dashboard_query_reads_through_an_index(session, monkeypatch):
    add_units(3)
    with dbmod.writing():
        add_policy(1, "ZYYL", dt.date(2025, 12, 1))
    seen: list[tuple[str, tuple]] = []
    execute = dashboard.database.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(dashboard.database.obj, "execute_sql", spy)  # behind models.db's proxy
    dashboard.read_dashboard(TODAY)
    dashboard.read_dashboard(TODAY, limit=1)  # the 待办 screen's: counts, then the first items
    monkeypatch.undo()
    assert len(seen) >= 18
    for sql, params in seen:
        plan = [row[3] for row in dbmod.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
        for step in plan:
            if step.startswith("SCAN"):
                assert "USING COVERING INDEX" in step or "USING INDEX" in step, (sql, plan)
        assert any("INDEX" in step or "PRIMARY KEY" in step for step in plan), (sql, plan)


def test_the_open_claims_and_the_renewals_are_read_from_covering_indexes(session):
    plans = {}
    for name, sql, params in (
        ("renewals", dashboard.RENEWAL_SQL + ' WHERE l."end" <= ?', ("2026-01-01",)),
        (
            "claims",
            "SELECT c.id, c.state, c.member_id, c.plan_id, c.report_date, c.returned_on FROM claim_report c "
            "INDEXED BY claim_report_open WHERE c.state IN ('registered', 'returned') ORDER BY c.id",
            (),
        ),
        (
            "events",
            "SELECT claim_id, to_state, on_date, by_user FROM claim_event WHERE claim_id IN (?, ?) "
            "ORDER BY claim_id, on_date, id",
            (1, 2),
        ),
    ):
        plans[name] = " ".join(r[3] for r in dbmod.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX policylatest_end" in plans["renewals"] and "(end<?)" in plans["renewals"]
    assert "COVERING INDEX claim_report_open" in plans["claims"] and "TEMP B-TREE" not in plans["claims"]
    assert "COVERING INDEX claimevent_claim_id_on_date_id" in plans["events"] and "TEMP B-TREE" not in plans["events"]


OPS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "update_start", "update_end", "move"]),
        st.integers(0, 2),
        st.sampled_from(["ZYYL", "ZJB"]),
        st.integers(0, 40),
    ),
    max_size=30,
)


# One database for all examples: each one's writes are rolled back at its end.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_policy_latest_follows_every_insert_delete_and_update(branch_db, ops):
    path, _ = branch_db
    dbmod.unlock(path, "zhang", "correct horse 电池 staple")
    try:
        dbmod.database.execute_sql("BEGIN")
        for i in range(3):
            dbmod.database.execute_sql("INSERT INTO unit (code, name) VALUES (?, ?)", (f"U{i:04d}", "工会"))
        for op, unit, plan, n in ops:
            ids = [r[0] for r in dbmod.database.execute_sql("SELECT id FROM policy ORDER BY id")]
            start = dt.date(2020, 1, 1) + dt.timedelta(days=31 * n)
            if op == "insert" or not ids:
                if not dbmod.database.execute_sql(
                    "SELECT 1 FROM policy WHERE unit_id = ? AND plan_id = ? AND start = ?",
                    (unit + 1, plan, start.isoformat()),
                ).fetchone():
                    add_policy(unit + 1, plan, start)
                continue
            target = ids[n % len(ids)]
            if op == "delete":
                dbmod.database.execute_sql("DELETE FROM policy WHERE id = ?", (target,))
            elif op == "update_end":
                dbmod.database.execute_sql('UPDATE policy SET "end" = ? WHERE id = ?', (start.isoformat(), target))
            else:
                column, value = ("start", start.isoformat()) if op == "update_start" else ("unit_id", unit + 1)
                if not dbmod.database.execute_sql(
                    f"SELECT 1 FROM policy p JOIN policy t ON t.id = ? WHERE p.id != t.id AND "
                    f"(p.unit_id, p.plan_id, p.start) = ({'?' if column == 'unit_id' else 't.unit_id'}, t.plan_id, "
                    f"{'?' if column == 'start' else 't.start'})",
                    (target, value),
                ).fetchone():
                    dbmod.database.execute_sql(f"UPDATE policy SET {column} = ? WHERE id = ?", (value, target))
            assert stored_latest() == derived_latest()
        assert stored_latest() == derived_latest()
    finally:
        dbmod.database.execute_sql("ROLLBACK")  # the next example starts from the empty database again
        dbmod.close()


def test_policy_latest_after_imports(session, tmp_path):
    def write(path, start, end, filed):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for i in range(6):
                body = f"11010519800101{i:03d}"
                w.writerow(
                    [
                        f"U{i % 2:04d}",
                        f"单位{i % 2}工会",
                        "ZYYL",
                        start,
                        end,
                        filed,
                        f"王{i}",
                        body + id_check_char(body),
                        "2",
                        "",
                        "",
                    ]
                )

    first, second = tmp_path / "2025.csv", tmp_path / "2026.csv"
    write(first, "2025-01-01", "2025-12-31", "2024-12-20")
    write(second, "2026-01-01", "2026-12-31", "2025-12-20")
    assert import_enrolments(first, today=dt.date(2024, 12, 20)).written
    assert import_enrolments(second, today=dt.date(2025, 12, 20)).written
    latest = stored_latest()
    assert latest == derived_latest() and len(latest) == 2
    assert {str(row[3]) for row in latest} == {"2026-01-01"}


def test_the_bounded_board_lists_what_the_full_board_lists(session):
    add_units(40)
    with dbmod.writing():
        for unit in range(1, 41):
            # ends spread over three years around today: every status appears
            first = dt.date(2023, 1, 1) + dt.timedelta(days=20 * unit)
            for k in range(1 + unit % 3):
                add_policy(unit, "ZYYL" if unit % 2 else "ZJB", first.replace(year=first.year + k))
    for today in (TODAY, dt.date(2026, 1, 5), dt.date(2027, 3, 1), dt.date(2025, 6, 30)):
        full = [r for r in dashboard.renewal_board(today) if r.status in dashboard.RENEWAL_TODO]
        assert dashboard.renewal_board(today, statuses=dashboard.RENEWAL_TODO) == full
        bound = dashboard.last_end_in_window(today)
        assert all(r.end <= bound for r in full)
    statuses = {r.status for r in dashboard.renewal_board(TODAY)}
    assert {"too_early", "lapsed", "late"} <= statuses and statuses & {"open", "grace"}


def test_the_demo_build_leaves_policy_latest_whole_and_its_triggers_in_place(tmp_path):
    """The demo loads policies with the triggers dropped and fills the table once at the end."""
    from models.demo import build_demo

    path = tmp_path / "demo.hzdb"
    build_demo(path, members=300, today=TODAY)
    dbmod.unlock(path, "demo", "demo")
    try:
        assert stored_latest() == derived_latest() and stored_latest()
        triggers = {r[0] for r in dbmod.database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"policy_latest_insert", "policy_latest_delete", "policy_latest_update"} <= triggers
    finally:
        dbmod.close()
