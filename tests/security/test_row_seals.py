"""Issue 13, item 3: every business row is bound to the latest signed event that wrote it, so an
UPDATE, DELETE or INSERT made with the raw key is found by ``check``, which names the table,
the row and what differs."""

from __future__ import annotations

import shutil

import pytest

from models import db as dbmod
from tests.security.signing_kit import check, make_branch, raw


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_branch(tmp_path_factory.mktemp("rows") / "branch.hzdb")


@pytest.fixture
def branch(pristine, tmp_path):
    for f in pristine.parent.iterdir():
        if f.is_file():
            shutil.copy2(f, tmp_path / f.name)
    return tmp_path / pristine.name


def test_an_untouched_branch_passes(branch):
    code, items = check(branch)
    assert code == 0 and items["row_seals"]["ok"], items
    assert "行与其最近的签名事件一致" in items["row_seals"]["detail"]


def test_a_payment_amount_changed_with_the_raw_key_is_named(branch):
    """Seen: a paid amount changed from 1,500 to 15,000 yuan; check exit 0."""
    conn = raw(branch)
    (pid,) = conn.execute("SELECT id FROM disbursement WHERE state = 'paid'").fetchone()
    conn.execute("UPDATE disbursement SET amount_fen = 1500000 WHERE id = ?", (pid,))
    conn.close()
    code, items = check(branch)
    assert code == 32 and not items["row_seals"]["ok"]
    detail = items["row_seals"]["detail"]
    assert f"disbursement 第 {pid} 行被改动" in detail and "amount_fen" in detail


def test_a_deleted_claim_is_named(branch):
    """Seen: a claim deleted (its events too); check exit 0."""
    conn = raw(branch)
    (cid,) = conn.execute("SELECT id FROM claim_report").fetchone()
    conn.execute("DELETE FROM claim_event WHERE claim_id = ?", (cid,))
    conn.execute("DELETE FROM claim_report WHERE id = ?", (cid,))
    conn.close()
    code, items = check(branch)
    assert code == 32 and f"claim_report 第 {cid} 行被删除" in items["row_seals"]["detail"]


def test_an_inserted_row_is_named(branch):
    conn = raw(branch)
    conn.execute("INSERT INTO unit (code, name) VALUES ('U0666', '不存在的工会')")
    (uid,) = conn.execute("SELECT id FROM unit WHERE code = 'U0666'").fetchone()
    conn.close()
    code, items = check(branch)
    assert code == 32 and f"unit 第 {uid} 行被添加" in items["row_seals"]["detail"]


def test_a_forged_seal_does_not_hide_a_change(branch):
    """The clerk also rewrites row_seal to the new hash: the signed events still hold the old one."""
    from models import rowseal

    conn = raw(branch)
    conn.execute("UPDATE member SET bank_account = '6222029999999999999' WHERE id = 1")
    names = [d[0] for d in conn.execute("SELECT * FROM member WHERE id = 1").description]
    row = conn.execute("SELECT * FROM member WHERE id = 1").fetchone()
    h, cols = rowseal.row_hash("member", "1", names, row)
    conn.execute("UPDATE row_seal SET hash = ? WHERE tbl = 'member' AND pk = '1'", (h,))
    conn.close()
    code, items = check(branch)
    assert code == 32 and "member 第 1 行被改动" in items["row_seals"]["detail"]


def test_writes_through_the_program_keep_check_clean(branch):
    from models.members import upsert_unit

    dbmod.unlock(branch, "wang", "wang clerk passphrase")
    upsert_unit("U0002", "另一家工会")
    upsert_unit("U0002", "另一家工会（改名）")
    dbmod.close()
    code, items = check(branch)
    assert code == 0, items
