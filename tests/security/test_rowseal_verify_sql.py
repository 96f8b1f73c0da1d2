"""Issue 15: the row check (``rowseal.verify``, run by ``huzhu check`` and in the background after
the TUI's unlock) hashes the rows in SQL; it must find and name exactly what the row-by-row check
in Python (``rowseal._verify_rows``) finds, for every kind of value (text SQLite and Python quote
alike only if the canonical text is built alike, REAL and BLOB values, NULLs, a table keyed by
text) and every kind of change made with the raw key outside the program."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from models import audit, rowseal
from models import db as dbmod
from tests.conftest import PASSPHRASE
from tests.security.signing_kit import make_branch, raw

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
            audit.record("test.tricky", "member", None, {})
    finally:
        dbmod.close()
    return path


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


def test_a_clean_branch_has_no_finding_either_way(sealed):
    assert both(sealed) == []


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
    ],
)
def test_every_change_outside_the_program_is_named_alike(sealed, tmp_path, sql, expect):
    copy = tampered(sealed, tmp_path / "copy", lambda conn: conn.execute(sql))
    found = both(copy)
    assert expect in [(f["table"], f["kind"]) for f in found], found
