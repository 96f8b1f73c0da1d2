"""Issue 13, item 2: roles are granted by signed events, not read from ``app_user.role``;
slots without a grant are refused at unlock and listed by ``user list``; item 5's old slot
file put back after a passphrase change does not open."""

from __future__ import annotations

import json
import shutil

import pytest

from models import admin, audit, crypto
from models import db as dbmod
from models.errors import PermissionDenied, StaleKeySlot, UngrantedUser
from models.keyslots import KeyFile, keys_path
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.security.signing_kit import WANG, append_event, check, cli, make_branch, raw, raw_key


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_branch(tmp_path_factory.mktemp("grants") / "branch.hzdb")


@pytest.fixture
def branch(pristine, tmp_path):
    for f in pristine.parent.iterdir():
        if f.is_file():
            shutil.copy2(f, tmp_path / f.name)
    return tmp_path / pristine.name


def test_a_clerk_who_edits_his_role_gains_nothing_and_check_says_so(branch):
    """Seen: a clerk set app_user.role = 'supervisor' for himself, then added another supervisor."""
    conn = raw(branch)
    conn.execute("UPDATE app_user SET role = 'supervisor' WHERE name = 'wang'")
    conn.close()
    session = dbmod.unlock(branch, "wang", WANG)
    assert session.role == "clerk"
    with pytest.raises(PermissionDenied):
        admin.add_user(session, "mole", "supervisor", "mole passphrase", kdf=CHEAP_KDF)
    dbmod.close()
    proc = cli(
        "user",
        "add",
        "mole",
        "--role",
        "supervisor",
        db=branch,
        user="wang",
        passphrase=WANG,
        extra_env={"HUZHU_NEW_PASSPHRASE": "mole passphrase"},
    )
    assert proc.returncode == 30, proc.stderr
    code, items = check(branch)
    assert code == 32 and not items["user_grants"]["ok"]
    assert "wang" in items["user_grants"]["detail"] and "supervisor" in items["user_grants"]["detail"]


def test_a_planted_slot_is_refused_listed_and_dropped_by_rekey(branch):
    """Seen: a planted extra slot survived revoke + rekey, invisible to user list and check."""
    key = raw_key(branch, "wang", WANG)
    kf = KeyFile.load(branch)
    kf.put(kf.make_slot("ghost", "supervisor", "ghost passphrase", key, created="2026-11-23T10:00:00", kdf=CHEAP_KDF))
    kf.save(branch)
    conn = raw(branch)
    conn.execute("INSERT INTO app_user (name, role, active, created_at) VALUES ('ghost', 'supervisor', 1, 'x')")
    conn.close()
    with pytest.raises(UngrantedUser):
        dbmod.unlock(branch, "ghost", "ghost passphrase")
    proc = cli("check", db=branch, user="ghost", passphrase="ghost passphrase")
    assert proc.returncode == 25 and "没有负责人签发的有效授权" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("user", "list", "--json", db=branch)
    listed = {u["user"]: u for u in json.loads(proc.stdout)}
    assert listed["ghost"]["granted"] is False and listed["ghost"]["active"] is False
    code, items = check(branch)
    assert code == 32 and "ghost" in items["user_grants"]["detail"]
    assert cli("rekey", db=branch).returncode == 0
    assert KeyFile.load(branch).slot("ghost") is None


def test_a_grant_signed_by_a_clerk_is_not_honoured(branch):
    """The clerk signs a user.add for his own accomplice with his own (valid) key."""
    kf = KeyFile.load(branch)
    wang = crypto.Signer(kf.open_slot(kf.slot("wang"), WANG)[1])
    key = raw_key(branch, "wang", WANG)
    slot = kf.make_slot("mole", "supervisor", "mole passphrase", key, created="2026-11-23T10:00:00", kdf=CHEAP_KDF)
    kf.put(slot)
    kf.save(branch)
    conn = raw(branch)
    conn.execute("INSERT INTO app_user (name, role, active, created_at) VALUES ('mole', 'supervisor', 1, 'x')")
    seq = append_event(
        conn,
        "wang",
        "user.add",
        "app_user",
        "mole",
        {"role": "supervisor", "sign": slot.sign_public.hex(), "slot": slot.slot_id},
    )
    digest = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (seq,)).fetchone()[0]
    conn.execute(
        "UPDATE audit_event SET sig = ? WHERE seq = ?", (wang.sign(audit.signed_message(kf.db_id, digest)).hex(), seq)
    )
    conn.close()
    with pytest.raises(UngrantedUser):
        dbmod.unlock(branch, "mole", "mole passphrase")
    code, items = check(branch)
    assert code == 32 and "非负责人 wang" in items["audit_signatures"]["detail"]


def test_revoked_user_has_no_role_even_if_app_user_is_reactivated(branch):
    session = dbmod.unlock(branch, "zhang", PASSPHRASE)
    old_slot = session.keyfile.slot("wang")
    admin.revoke_user(session, "wang")
    dbmod.close()
    # the clerk kept his slot and puts it back, and reactivates his row
    kf = KeyFile.load(branch)
    kf.slots.append(old_slot)
    kf.save(branch)
    conn = raw(branch, "li", "li supervisor passphrase")
    conn.execute("UPDATE app_user SET active = 1, revoked_at = NULL WHERE name = 'wang'")
    conn.close()
    with pytest.raises(UngrantedUser):
        dbmod.unlock(branch, "wang", WANG)


def test_an_old_key_file_put_back_after_a_passphrase_change_does_not_open(branch):
    """Item 5: wang changes his passphrase; the old .keys (old passphrase) is put back."""
    old = keys_path(branch).read_bytes()
    session = dbmod.unlock(branch, "wang", WANG)
    admin.set_passphrase(session, "wang", "a brand new passphrase", kdf=CHEAP_KDF)
    dbmod.close()
    keys_path(branch).write_bytes(old)
    with pytest.raises(StaleKeySlot):
        dbmod.unlock(branch, "wang", WANG)
    proc = cli("check", db=branch, user="wang", passphrase=WANG)
    assert proc.returncode == 26 and "旧的 .keys" in proc.stderr


def test_a_reset_by_a_supervisor_binds_a_new_signing_key(branch):
    session = dbmod.unlock(branch, "zhang", PASSPHRASE)
    before = session.keyfile.slot("wang").sign_public
    admin.set_passphrase(session, "wang", "reset by zhang 123", kdf=CHEAP_KDF)
    dbmod.close()
    session = dbmod.unlock(branch, "wang", "reset by zhang 123")
    assert session.role == "clerk" and session.signer.public != before
    from models.members import upsert_unit

    upsert_unit("U0002", "另一家工会")
    dbmod.close()
    code, items = check(branch)
    assert code == 0, items
