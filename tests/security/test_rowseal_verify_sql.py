"""Issue 15: the row check (``rowseal.verify``, run by ``huzhu check`` and in the background after
the TUI's unlock) hashes the rows in SQL; it must find and name exactly what the row-by-row check
in Python (``rowseal._verify_rows``) finds, for every kind of value (text SQLite and Python quote
alike only if the canonical text is built alike, REAL and BLOB values, NULLs, a table keyed by
text) and every kind of change made with the raw key outside the program, including an insider
who changes a row and its seal alike, or puts both back as an earlier signed event held them, and
random mixes of such changes (Hypothesis). Each case runs twice: event lists read whole, and read
in pieces of 64 bytes (as a million members' build events are read), where a key holding ``],[``
must not be taken for a cut between two entries."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import audit, rowseal
from models import db as dbmod
from tests.conftest import PASSPHRASE
from tests.security.signing_kit import make_branch, raw

CUT_KEY = 'Z],["plan","X'
TRICKY = ('a"b\\c', "line\nbreak\ttab\r\x01\x1f\x7f", "it's “quoted” \u2028 \u00e9 😀 张三")


@pytest.fixture(scope="module")
def sealed(tmp_path_factory) -> Path:
    """A branch whose members hold tricky text and NULLs, a payment a REAL amount, all sealed by events."""
    path = make_branch(tmp_path_factory.mktemp("verify") / "branch.hzdb")
    dbmod.unlock(path, "zhang", PASSPHRASE)
    try:
        db = dbmod.database
        with dbmod.writing():
            ids = [r[0] for r in db.execute_sql("SELECT id FROM member ORDER BY id")]
            for member_id, name in zip(ids, TRICKY, strict=False):
                db.execute_sql("UPDATE member SET name = ? WHERE id = ?", (name, member_id))
            db.execute_sql("UPDATE member SET bank_name = NULL WHERE id = ?", (ids[0],))
            # a REAL value (an INTEGER column keeps a fraction as REAL): hashed in Python both ways
            db.execute_sql("UPDATE disbursement SET amount_fen = amount_fen + 0.30000000000000004")
            # keyed by text that looks like a cut between two entries of an event's list
            db.execute_sql(
                "INSERT INTO plan (code, name, category, term_months, share_price_fen, observation_days, sample) "
                "SELECT ?, name, category, term_months, share_price_fen, observation_days, sample FROM plan "
                "WHERE code = 'ZYYL'",
                (CUT_KEY,),
            )
            for code in ("U8001", "U8002", "U8003"):
                db.execute_sql("INSERT INTO unit (code, name) VALUES (?, '临时单位')", (code,))
            audit.record("test.tricky", "member", None, {})
        # Rows the program deleted (U8001), deleted and added again (U8002 under its old rowid, a
        # new name), changed in a later event (U8003): older entries in the events, not the seals'.
        with dbmod.writing():
            db.execute_sql("DELETE FROM unit WHERE code IN ('U8001', 'U8002')")
            db.execute_sql("UPDATE unit SET name = '改名单位' WHERE code = 'U8003'")
            audit.record("test.deleted", "unit", None, {})
        with dbmod.writing():
            db.execute_sql(
                "INSERT INTO unit (id, code, name) SELECT max(id) - 1, 'U8002', '重建单位' FROM unit WHERE code = 'U8003'"
            )
            audit.record("test.readded", "unit", None, {})
    finally:
        dbmod.close()
    return path


@pytest.fixture(params=["whole", "pieces"])
def pieces(request, monkeypatch) -> str:
    if request.param == "pieces":
        monkeypatch.setattr(rowseal, "PIECE_BYTES", 64)
    return str(request.param)


def both(path: Path) -> list[dict]:
    dbmod.unlock(path, "zhang", PASSPHRASE)
    try:
        in_sql, rows = rowseal.verify()
        in_python, python_rows = rowseal._verify_rows()
    finally:
        dbmod.close()
    assert [f.to_json() for f in in_sql] == [f.to_json() for f in in_python]
    assert rows == python_rows > 0
    return [f.to_json() for f in in_sql]


def tampered(sealed: Path, folder: Path, change: Callable) -> Path:
    folder.mkdir()
    for source in sealed.parent.glob(sealed.name + "*"):
        shutil.copy2(source, folder / source.name)
    copy = folder / sealed.name
    conn = raw(copy, "zhang", PASSPHRASE)
    try:
        change(conn)
    finally:
        conn.close()
    return copy


def test_a_clean_branch_has_no_finding_either_way(sealed, pieces):
    assert both(sealed) == []


def test_a_key_that_looks_like_a_cut_is_read_whole(sealed, monkeypatch):
    """In pieces, every entry of every event is seen once and as written."""
    monkeypatch.setattr(rowseal, "PIECE_BYTES", 64)
    dbmod.unlock(sealed, "zhang", PASSPHRASE)
    try:
        conn = dbmod.database.connection()
        for seq, text in conn.execute("SELECT seq, rows FROM audit_event WHERE length(rows) > 64").fetchall():
            pieces = list(rowseal._pieces(conn, seq))
            assert [e for piece in pieces for e in json.loads(piece)] == json.loads(text)
            assert len(pieces) > 1
        assert conn.execute("SELECT 1 FROM audit_event WHERE instr(rows, ?)", (json.dumps(CUT_KEY),)).fetchone()
    finally:
        dbmod.close()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 21, 34, 55, 89])
def test_pieces_are_cut_between_entries_only(monkeypatch, size):
    """Every piece size over a list whose keys hold ``],[`` (and ``\\"``): the pieces' entries, in
    order, are the list's."""
    import sqlcipher3

    entries = [
        ["plan", CUT_KEY, "a" * 32],
        ["plan", 'q\\"],["x', None],
        ["unit", "12", "b" * 32],
        ["unit", "],[", None],
        ["unit", "张三],[😀", "c" * 32],
    ]
    conn = sqlcipher3.connect(":memory:")
    conn.execute("CREATE TABLE audit_event (seq INTEGER PRIMARY KEY, rows TEXT)")
    conn.execute(
        "INSERT INTO audit_event VALUES (7, ?)", (json.dumps(entries, ensure_ascii=False, separators=(",", ":")),)
    )
    monkeypatch.setattr(rowseal, "PIECE_BYTES", size)
    pieces = list(rowseal._pieces(conn, 7))
    assert [e for piece in pieces for e in json.loads(piece)] == entries


def _insider(conn) -> None:
    """A row changed and its seal rewritten to match it (hash and column CRCs), as someone with
    the raw key and this module's code could."""
    pk, name = conn.execute("SELECT CAST(rowid AS TEXT), name FROM unit WHERE code = 'U8003'").fetchone()
    conn.execute("UPDATE unit SET name = '内部人改' WHERE code = 'U8003'")
    cur = conn.execute("SELECT * FROM unit WHERE code = 'U8003'")
    names = [d[0] for d in cur.description]
    h, cols = rowseal.row_hash("unit", pk, names, cur.fetchone())
    conn.execute(
        "UPDATE row_seal SET hash = ?, cols = ? WHERE tbl = 'unit' AND pk = ?",
        (h, json.dumps(cols, separators=(",", ":")), pk),
    )


@pytest.mark.parametrize(
    ("sql", "expect"),
    [
        ("UPDATE member SET name = name || '改' WHERE rowid = (SELECT min(rowid) FROM member)", ("member", "changed")),
        ("UPDATE disbursement SET amount_fen = amount_fen + 0.5", ("disbursement", "changed")),  # a REAL value
        ("UPDATE member SET bank_name = '工商银行' WHERE bank_name IS NULL", ("member", "changed")),  # a NULL filled
        ("UPDATE plan SET name = name || '改' WHERE code = 'ZYYL'", ("plan", "changed")),  # keyed by text
        ("UPDATE local_key SET public_raw = zeroblob(32)", ("local_key", "changed")),  # a BLOB
        ("DELETE FROM claim_report WHERE rowid = (SELECT max(rowid) FROM claim_report)", ("claim_report", "deleted")),
        ("DELETE FROM plan WHERE code = 'ZJB'", ("plan", "deleted")),
        ("INSERT INTO unit (code, name) VALUES ('U9999', '外来单位')", ("unit", "added")),
        ("UPDATE row_seal SET hash = substr('0000' || hash, 1, 32) WHERE tbl = 'unit'", ("unit", "seal_forged")),
        ("UPDATE row_seal SET seq = seq - 1 WHERE tbl = 'member' AND pk = '1'", ("member", "seal_forged")),
        # a seal naming a later event (one that does not list the row), or none at all
        ("UPDATE row_seal SET seq = (SELECT max(seq) FROM audit_event) WHERE tbl = 'plan'", ("plan", "seal_forged")),
        ("UPDATE row_seal SET seq = 99999 WHERE tbl = 'unit' AND pk = '1'", ("unit", "seal_forged")),
        # a seal for a row that is not there, and one for a row the program deleted
        (
            "INSERT INTO row_seal SELECT tbl, '424242', hash, cols, seq FROM row_seal WHERE tbl = 'unit' LIMIT 1",
            ("unit", "seal_forged"),
        ),
        (
            "INSERT INTO row_seal SELECT tbl, pk || '', hash, cols, seq FROM row_seal WHERE tbl = 'unit' AND pk = "
            "(SELECT CAST(rowid AS TEXT) FROM unit WHERE code = 'U8003') ON CONFLICT DO NOTHING",
            None,
        ),
        # a row deleted with its seal; a seal removed with its row changed; a seal removed alone
        ("DELETE FROM unit WHERE code = 'U8003'", ("unit", "deleted")),
        (
            "DELETE FROM row_seal WHERE tbl = 'unit' AND pk = (SELECT CAST(rowid AS TEXT) FROM unit WHERE code = 'U8003')",
            None,
        ),
        # the row the program deleted, put back; the one it re-added, changed
        ("INSERT INTO unit (code, name) VALUES ('U8001', '临时单位')", ("unit", "added")),
        ("UPDATE unit SET name = '临时单位' WHERE code = 'U8002'", ("unit", "changed")),
        ("UPDATE plan SET name = name || '改' WHERE code = 'Z],[\"plan\",\"X'", ("plan", "changed")),
        # the row's older entry (before its last event) named by its seal
        (
            "UPDATE row_seal SET seq = seq - 1 WHERE tbl = 'unit' AND pk = "
            "(SELECT CAST(rowid AS TEXT) FROM unit WHERE code = 'U8003')",
            ("unit", "seal_forged"),
        ),
    ],
)
def test_every_change_outside_the_program_is_named_alike(sealed, tmp_path, pieces, sql, expect):
    copy = tampered(sealed, tmp_path / "copy", lambda conn: conn.execute(sql))
    found = both(copy)
    if expect is None:
        assert found == [], found
    else:
        assert expect in [(f["table"], f["kind"]) for f in found], found


def test_a_row_and_its_seal_changed_alike_are_still_found(sealed, tmp_path, pieces):
    """The insider's edit: the seal agrees with the row, but not with the signed event it names."""
    copy = tampered(sealed, tmp_path / "copy", _insider)
    found = {(f["table"], f["kind"]) for f in both(copy)}
    assert {("unit", "seal_forged"), ("unit", "changed")} <= found, found


def _rolled_back(conn) -> None:
    """A row put back as an earlier signed event held it, and its seal with it (hash, columns and
    that event's seq): the seal matches the row and an event, but not the latest event."""
    pk, seq = conn.execute(
        "SELECT CAST(u.rowid AS TEXT), s.seq FROM unit u JOIN row_seal s ON s.tbl = 'unit' "
        "AND s.pk = CAST(u.rowid AS TEXT) WHERE u.code = 'U8003'"
    ).fetchone()
    conn.execute("UPDATE unit SET name = '临时单位' WHERE code = 'U8003'")
    cur = conn.execute("SELECT * FROM unit WHERE code = 'U8003'")
    names = [d[0] for d in cur.description]
    h, cols = rowseal.row_hash("unit", pk, names, cur.fetchone())
    earlier = [
        e
        for (rows,) in conn.execute("SELECT rows FROM audit_event WHERE rows IS NOT NULL AND seq < ?", (seq,))
        for e in json.loads(rows)
        if e[:2] == ["unit", pk]
    ]
    assert earlier[-1][2] == h  # the very hash an earlier signed event holds
    first = conn.execute(
        "SELECT max(seq) FROM audit_event WHERE seq < ? AND instr(rows, ?)",
        (seq, json.dumps(["unit", pk, h], separators=(",", ":"))),
    ).fetchone()[0]
    conn.execute(
        "UPDATE row_seal SET hash = ?, cols = ?, seq = ? WHERE tbl = 'unit' AND pk = ?",
        (h, json.dumps(cols, separators=(",", ":")), first, pk),
    )


def test_a_row_and_its_seal_put_back_as_an_earlier_event_held_them_are_found(sealed, tmp_path, pieces):
    """Going back to an older signed state of a row: its seal is in an event, with its hash, but a
    later event wrote the row."""
    found = {(f["table"], f["kind"]) for f in both(tampered(sealed, tmp_path / "copy", _rolled_back))}
    assert {("unit", "seal_forged"), ("unit", "changed")} <= found, found


def test_many_changes_at_once_are_named_alike(sealed, tmp_path, pieces):
    def change(conn) -> None:
        conn.execute("UPDATE member SET name = name || '改' WHERE rowid % 2 = 0")
        conn.execute("DELETE FROM row_seal WHERE tbl = 'member' AND CAST(pk AS INTEGER) % 3 = 0")
        conn.execute("UPDATE row_seal SET seq = seq + 1 WHERE tbl = 'policy'")
        conn.execute("DELETE FROM unit WHERE code = 'U8002'")
        _insider(conn)

    found = both(tampered(sealed, tmp_path / "copy", change))
    assert {f["kind"] for f in found} == {"changed", "seal_forged", "deleted"}, found


#: Changes made with the raw key, each at the n-th row of its table (none when there is no such row).
RAW = {
    "row changed": "UPDATE unit SET name = name || '改' WHERE rowid = (SELECT rowid FROM unit ORDER BY rowid LIMIT 1 OFFSET ?)",
    "row deleted": "DELETE FROM unit WHERE rowid = (SELECT rowid FROM unit ORDER BY rowid LIMIT 1 OFFSET ?)",
    "row added": "INSERT OR IGNORE INTO unit (code, name) VALUES ('H' || ?, '外来单位')",
    "deleted row put back": "INSERT OR IGNORE INTO unit (id, code, name) "
    "SELECT id - 2 + ? % 2, 'U800' || (1 + ? % 2), '临时单位' FROM unit WHERE code = 'U8003'",
    "NULL filled": "UPDATE member SET bank_name = '银行' || ? WHERE bank_name IS NULL",
    "REAL changed": "UPDATE disbursement SET amount_fen = amount_fen + 0.25 "
    "WHERE rowid = (SELECT rowid FROM disbursement ORDER BY rowid LIMIT 1 OFFSET ?)",
    "BLOB changed": "UPDATE local_key SET public_raw = zeroblob(32 + ?) WHERE rowid = 1",
    "text key changed": "UPDATE plan SET name = name || '改' WHERE code = (SELECT code FROM plan ORDER BY code LIMIT 1 OFFSET ?)",
    "seal's hash": "UPDATE row_seal SET hash = substr('f' || hash, 1, 32) "
    "WHERE rowid = (SELECT rowid FROM row_seal ORDER BY rowid LIMIT 1 OFFSET ? * 7)",
    "seal's seq up": "UPDATE row_seal SET seq = seq + 1 WHERE rowid = (SELECT rowid FROM row_seal ORDER BY rowid LIMIT 1 OFFSET ? * 5)",
    "seal's seq down": "UPDATE row_seal SET seq = seq - 1 "
    "WHERE rowid = (SELECT rowid FROM row_seal ORDER BY rowid LIMIT 1 OFFSET ? * 3)",
    "seal removed": "DELETE FROM row_seal WHERE rowid = (SELECT rowid FROM row_seal ORDER BY rowid LIMIT 1 OFFSET ? * 11)",
    "seal added": "INSERT OR IGNORE INTO row_seal SELECT tbl, pk || '0', hash, cols, seq FROM row_seal "
    "WHERE rowid = (SELECT rowid FROM row_seal ORDER BY rowid LIMIT 1 OFFSET ? * 13)",
}


@pytest.fixture(scope="module")
def opened(sealed, tmp_path_factory):
    """A copy of the sealed branch, unlocked for the whole module: each example changes it inside
    a savepoint on the program's own connection, with no event (as the raw key would), and rolls back."""
    folder = tmp_path_factory.mktemp("hypothesis")
    for source in sealed.parent.glob(sealed.name + "*"):
        shutil.copy2(source, folder / source.name)
    dbmod.unlock(folder / sealed.name, "zhang", PASSPHRASE)
    yield dbmod.database.connection()
    dbmod.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(st.tuples(st.sampled_from(sorted(RAW)), st.integers(0, 12)), min_size=1, max_size=5),
    in_pieces=st.booleans(),
)
def test_any_mix_of_changes_is_named_alike(opened, changes, in_pieces):
    conn = opened
    piece = rowseal.PIECE_BYTES
    conn.execute("SAVEPOINT tamper")
    try:
        for what, n in changes:
            try:
                conn.execute(RAW[what], (n,) * RAW[what].count("?"))
            except sqlcipher3.IntegrityError:
                pass  # a unit members still belong to: the statement alone is undone
        rowseal.PIECE_BYTES = 64 if in_pieces else piece
        in_sql, rows = rowseal.verify()
        in_python, python_rows = rowseal._verify_rows()
        assert [f.to_json() for f in in_sql] == [f.to_json() for f in in_python]
        assert rows == python_rows
    finally:
        rowseal.PIECE_BYTES = piece
        conn.execute("ROLLBACK TO tamper")
        conn.execute("RELEASE tamper")
