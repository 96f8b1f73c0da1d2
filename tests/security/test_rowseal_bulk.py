"""Issue 15: a transaction writing many rows (a demo build, a large import) is sealed in SQL
(``models.rowseal._seal_bulk``); the event's rows and the seals must be exactly those the
row-by-row path writes, for every kind of value, and ``huzhu check`` clean afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from models import admin, demo, rowseal
from models import db as dbmod
from tests.security.signing_kit import make_branch

TRICKY = (
    'a"b\\c',
    "line\nbreak\ttab\r\x01\x1f\x7f",
    "it's “quoted” \u2028 \u00e9 😀 张三",
    "",
)


def _seal(limit: int, monkeypatch) -> tuple[str, list[tuple]]:
    """Mark every row dirty, seal with ``BULK_ROWS = limit``, read back; then roll back."""
    monkeypatch.setattr(rowseal, "BULK_ROWS", limit)
    with dbmod.database.atomic() as tx:
        rowseal.seal_everything()
        out = rowseal.seal(10_000)
        seals = dbmod.database.execute_sql("SELECT tbl, pk, hash, cols, seq FROM row_seal ORDER BY tbl, pk").fetchall()
        tx.rollback()
    return out, seals


def test_bulk_and_row_by_row_seal_alike(tmp_path, monkeypatch):
    path = make_branch(tmp_path / "branch.hzdb")
    dbmod.unlock(path, "zhang", "correct horse 电池 staple")
    db = dbmod.database
    with dbmod.writing():
        ids = [r[0] for r in db.execute_sql("SELECT id FROM member ORDER BY id")]
        for member_id, name in zip(ids, TRICKY, strict=False):
            db.execute_sql("UPDATE member SET name = ? WHERE id = ?", (name, member_id))
        # values SQLite and Python would write differently in JSON, and NULLs
        db.execute_sql("UPDATE member SET phone = 1e16 WHERE id = ?", (ids[0],))
        db.execute_sql("UPDATE member SET phone = 0.30000000000000004, bank_name = NULL WHERE id = ?", (ids[1],))
        from models import audit

        audit.record("test.tricky", "member", None, {})
    blobs = db.execute_sql(
        "SELECT count(*) FROM local_key WHERE typeof(private_raw) = 'blob' OR typeof(public_raw) = 'blob'"
    ).fetchone()[0]
    assert blobs, "the branch should hold a table with BLOB values for this test"
    row_by_row = _seal(10**9, monkeypatch)
    bulk = _seal(1, monkeypatch)
    assert bulk[0] == row_by_row[0] and bulk[1] == row_by_row[1]
    assert any(t == "plan" for t, *_ in bulk[1])  # a table keyed by text, not rowid


def test_bulk_records_a_deleted_row_as_gone(tmp_path, monkeypatch):
    path = make_branch(tmp_path / "branch.hzdb")
    dbmod.unlock(path, "zhang", "correct horse 电池 staple")
    db = dbmod.database
    outs = []
    for limit in (10**9, 1):
        monkeypatch.setattr(rowseal, "BULK_ROWS", limit)
        with db.atomic() as tx:
            rowseal.seal_everything()
            (cid,) = db.execute_sql("SELECT id FROM claim_event ORDER BY id LIMIT 1").fetchone()
            db.execute_sql("DELETE FROM claim_event WHERE id = ?", (cid,))
            outs.append(
                (
                    rowseal.seal(10_000),
                    db.execute_sql(
                        "SELECT count(*) FROM row_seal WHERE tbl = 'claim_event' AND pk = ?", (str(cid),)
                    ).fetchone()[0],
                )
            )
            tx.rollback()
    assert outs[0] == outs[1]
    assert f'["claim_event","{cid}",null]' in outs[1][0] and outs[1][1] == 0


@pytest.mark.parametrize("limit", [1])
def test_a_demo_sealed_in_bulk_checks_clean(tmp_path, monkeypatch, limit):
    """The demo build seals its steps in bulk (every step over ``BULK_ROWS`` at full size)."""
    monkeypatch.setattr(rowseal, "BULK_ROWS", limit)
    path = tmp_path / "demo.hzdb"
    demo.build_demo(path, members=120, today=dt.date(2026, 11, 23))
    dbmod.unlock(path, "demo", "demo")
    checks = {c.name: (c.ok, c.detail) for c in admin.run_checks()}
    assert checks["row_seals"][0] and checks["audit_chain"][0], checks


def _staff(db, rows) -> None:
    db.cursor().executemany(
        "INSERT INTO staff_account (id, name, phone, username, last_login, active) VALUES (?, ?, ?, ?, ?, ?)", rows
    )


def _appended_events(appending: bool) -> tuple[list[str], list[tuple]]:
    """Two events over inserts into an empty table (TRICKY names, a REAL, NULLs) and an update of
    a table that held rows, sealed with ``rowseal.appending`` or by the triggers; rolled back."""
    import contextlib

    db = dbmod.database
    with db.atomic() as tx:
        with rowseal.appending() if appending else contextlib.nullcontext():
            _staff(db, [(i, name, None, f"u{i}", "2026-01-02", 1) for i, name in enumerate(TRICKY, start=1)])
            db.execute_sql("UPDATE member SET phone = '13800000000' WHERE id = (SELECT min(id) FROM member)")
            first = rowseal.seal(10_000)
            _staff(db, [(i, f"n{i}", 0.1 * i, f"u{i}", None, 0) for i in range(10, 1200)])
            second = rowseal.seal(10_001)
        seals = db.execute_sql("SELECT tbl, pk, hash, cols, seq FROM row_seal WHERE seq >= 10000 ORDER BY tbl, pk")
        out = ([first, second], seals.fetchall())
        tx.rollback()
    return out


def test_appending_seals_as_the_triggers_do(tmp_path, monkeypatch):
    """A bulk load's tables sealed by rowid range (``rowseal.appending``, the demo build) give the
    same events and seals as the dirty-row triggers, mixed with a table still tracked by them."""
    path = make_branch(tmp_path / "branch.hzdb")
    dbmod.unlock(path, "zhang", "correct horse 电池 staple")
    by_triggers = _appended_events(False)
    appended = _appended_events(True)
    assert appended == by_triggers
    assert '["member",' in appended[0][0] and '["staff_account","1",' in appended[0][0]
    assert len(appended[1]) == len(TRICKY) + 1190 + 1


def test_appending_refuses_what_it_would_not_seal(tmp_path):
    """An update of an appended table, or a row inserted below a rowid already sealed, fails
    the transaction instead of leaving a row no event holds."""
    path = make_branch(tmp_path / "branch.hzdb")
    dbmod.unlock(path, "zhang", "correct horse 电池 staple")
    db = dbmod.database
    with pytest.raises(RuntimeError, match="updated or deleted"), db.atomic(), rowseal.appending():
        _staff(db, [(5, "a", None, "u5", None, 1)])
        rowseal.seal(10_000)
        db.execute_sql("UPDATE staff_account SET name = 'b' WHERE id = 5")
        rowseal.seal(10_001)
    with pytest.raises(RuntimeError, match="below a sealed rowid"), db.atomic(), rowseal.appending():
        _staff(db, [(5, "a", None, "u5", None, 1)])
        rowseal.seal(10_000)
        _staff(db, [(1, "b", None, "u1", None, 1)])
        rowseal.seal(10_001)
    assert db.execute_sql("SELECT count(*) FROM staff_account").fetchone()[0] == 0
    with db.atomic() as tx:  # the triggers are back after appending
        _staff(db, [(1, "b", None, "u1", None, 1)])
        assert rowseal.unsealed() == {"staff_account": 1}
        tx.rollback()
