"""Issue 13, item 1: each user signs what they do; ``check`` verifies every signature.

Each attack is what the issue's attack run did with the raw key from the attacker's own slot;
on the code before this item each one left ``huzhu check`` at exit 0."""

from __future__ import annotations

import pytest

from models import audit, crypto, grants
from models import db as dbmod
from models.keyslots import KeyFile
from tests.conftest import PASSPHRASE
from tests.security.signing_kit import WANG, append_event, check, make_branch, raw, rehash_chain


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_branch(tmp_path_factory.mktemp("signing") / "branch.hzdb")


@pytest.fixture
def branch(pristine, tmp_path):
    import shutil

    for f in pristine.parent.iterdir():
        if f.is_file():
            shutil.copy2(f, tmp_path / f.name)
    return tmp_path / pristine.name


def test_every_event_is_signed_by_its_user_and_check_passes(branch):
    code, items = check(branch)
    assert code == 0, items
    assert items["audit_signatures"]["ok"] and "签名均有效" in items["audit_signatures"]["detail"]
    kf = KeyFile.load(branch)
    dbmod.unlock(branch, "zhang", PASSPHRASE)
    try:
        rows = dbmod.database.execute_sql("SELECT user, hash, sig FROM audit_event ORDER BY seq").fetchall()
        db_id = kf.db_id
    finally:
        dbmod.close()
    assert {u for u, _, _ in rows} >= {"zhang", "li"}
    for user, digest, sig in rows:
        assert sig, f"an unsigned event by {user}"
        assert crypto.ed25519_verify(kf.slot(user).sign_public, bytes.fromhex(sig), audit.signed_message(db_id, digest))


def test_each_slot_holds_a_sealed_signing_key(branch):
    kf = KeyFile.load(branch)
    text = (branch.parent / (branch.name + ".keys")).read_text()
    for slot in kf.slots:
        assert slot.sign_public is not None and len(slot.sign_public) == 32
        opened = kf.open_slot(slot, WANG if slot.user == "wang" else "wrong")
        if slot.user == "wang":
            assert crypto.ed25519_public(opened[1]) == slot.sign_public
            assert opened[1].hex() not in text and crypto.b64e(opened[1]) not in text
        else:
            assert opened is None


def test_clerk_cannot_make_an_event_appear_to_be_the_supervisors(branch):
    """Seen: a clerk appended an approval as 'zhang' with a correct chain hash; check said ok."""
    conn = raw(branch)
    append_event(conn, "zhang", "disbursement.approve", "disbursement", 1, {"by": "zhang"})
    conn.close()
    code, items = check(branch)
    assert code == 32
    assert items["audit_chain"]["ok"]  # the plain chain cannot see it
    assert not items["audit_signatures"]["ok"]
    assert (
        "没有签名" in items["audit_signatures"]["detail"]
        and "disbursement.approve" in items["audit_signatures"]["detail"]
    )


def test_clerk_signing_with_own_key_in_anothers_name_is_found(branch):
    kf = KeyFile.load(branch)
    slot = kf.slot("wang")
    own = crypto.Signer(kf.open_slot(slot, WANG)[1])
    conn = raw(branch)
    seq = append_event(conn, "zhang", "disbursement.approve", "disbursement", 1, {})
    digest = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (seq,)).fetchone()[0]
    conn.execute(
        "UPDATE audit_event SET sig = ? WHERE seq = ?", (own.sign(audit.signed_message(kf.db_id, digest)).hex(), seq)
    )
    conn.close()
    code, items = check(branch)
    assert code == 32 and not items["audit_signatures"]["ok"]
    assert (
        f"第 {seq} 条" in items["audit_signatures"]["detail"]
        and "不是用户 zhang 的" in items["audit_signatures"]["detail"]
    )


def test_a_recomputed_chain_breaks_the_signatures(branch):
    """Seen: an event's detail edited and the whole chain recomputed; check exit 0."""
    conn = raw(branch)
    n = conn.execute("UPDATE audit_event SET user = 'wang' WHERE action = 'disbursement.approved'").rowcount
    assert n == 1
    rehash_chain(conn)
    conn.close()
    code, items = check(branch)
    assert code == 32 and items["audit_chain"]["ok"] and not items["audit_signatures"]["ok"]


def test_events_before_the_upgrade_are_legacy_not_tampering(tmp_path):
    """An older database: its events have no signatures. The first unlock by a user who may write
    records the grant root; check then reports the old events as legacy and passes."""
    from playhouse.migrations import Runner

    import migrations
    from models import admin
    from tests.conftest import CHEAP_KDF

    path = tmp_path / "old.hzdb"
    admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    dbmod.unlock(path, "zhang", PASSPHRASE)
    Runner(dbmod.database, migrations.DIRECTORY).down(target="0013_signed_audit")  # back before signatures
    prev = audit.GENESIS  # and the hashes the old program wrote (no rows bound)
    with dbmod.database.atomic():
        for seq, at, user, action, entity, eid, detail in dbmod.database.execute_sql(
            "SELECT seq, at, user, action, entity, entity_id, detail FROM audit_event ORDER BY seq"
        ).fetchall():
            digest = audit._digest(prev, seq, at, user, action, entity, eid, detail)
            dbmod.database.execute_sql(
                "UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq)
            )
            prev = digest
    dbmod.close()
    (path.parent / (path.name + ".hwm")).unlink()
    # the old program's slot file: no signing keys
    kf = KeyFile.load(path)
    for s in kf.slots:
        s.sign_public = s.sign_nonce = s.sign_ct = None
    kf.save(path)
    dbmod.unlock(path, "zhang", PASSPHRASE)
    assert grants.signed_from() is not None
    assert (
        dbmod.database.execute_sql("SELECT action FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()[0]
        == "audit.upgrade"
    )
    assert KeyFile.load(path).slot("zhang").sign_public is not None
    dbmod.close()
    code, items = check(path)
    assert code == 0, items
    assert "旧事件（无签名，不视为篡改）" in items["audit_signatures"]["detail"]
    assert items["row_seals"]["ok"]
