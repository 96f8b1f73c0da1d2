"""Issue 13, item 5: only a supervisor restores; a restored backup does not bring a revoked user back."""

from __future__ import annotations

import shutil

import pytest

from models import db as dbmod
from models.errors import RevokedUser, UnknownUser
from models.keyslots import KeyFile
from tests.conftest import PASSPHRASE
from tests.security.signing_kit import AUDIT, WANG, check, cli, make_branch, raw_key


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = make_branch(tmp_path_factory.mktemp("restore") / "branch.hzdb")
    proc = cli("backup", "--out", path.parent / "before.hzbak", db=path)
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture
def branch(pristine, tmp_path):
    for f in pristine.parent.iterdir():
        if f.is_file():
            shutil.copy2(f, tmp_path / f.name)
    return tmp_path / pristine.name


def _unit_count(db, user="zhang", passphrase=PASSPHRASE):
    dbmod.unlock(db, user, passphrase)
    try:
        return dbmod.database.execute_sql("SELECT count(*) FROM unit").fetchone()[0]
    finally:
        dbmod.close()


def test_the_auditor_cannot_restore_over_newer_work(branch):
    """Seen: the read-only auditor restored an old backup and newer work was gone."""
    from models.members import upsert_unit

    dbmod.unlock(branch, "zhang", PASSPHRASE)
    upsert_unit("U0009", "恢复前的新单位")
    dbmod.close()
    before = branch.read_bytes()
    proc = cli("restore", branch.parent / "before.hzbak", "--yes", db=branch, user="zhao", passphrase=AUDIT)
    assert proc.returncode == 30, proc.stderr
    assert "只有负责人可以恢复备份" in proc.stderr and "Traceback" not in proc.stderr
    assert branch.read_bytes() == before and _unit_count(branch) == 2


def test_a_clerk_cannot_restore_either(branch):
    proc = cli("restore", branch.parent / "before.hzbak", "--yes", db=branch, user="wang", passphrase=WANG)
    assert proc.returncode == 30, proc.stderr


def test_a_revoked_user_cannot_restore_a_backup_from_before(branch):
    """Seen: after revoke wang + rekey, wang restored a pre-revoke backup and could unlock again."""
    assert cli("user", "revoke", "wang", db=branch).returncode == 0
    assert cli("rekey", db=branch).returncode == 0
    proc = cli("restore", branch.parent / "before.hzbak", "--yes", db=branch, user="wang", passphrase=WANG)
    assert proc.returncode == 30, proc.stderr
    with pytest.raises((RevokedUser, UnknownUser)):
        dbmod.unlock(branch, "wang", WANG)


def test_a_supervisors_restore_reapplies_the_revocation_and_rekeys(branch):
    old_key = raw_key(branch, "wang", WANG)
    assert cli("user", "revoke", "wang", db=branch).returncode == 0
    assert cli("rekey", db=branch).returncode == 0
    revoked = KeyFile.load(branch).revoked
    assert revoked and revoked[-1]["user"] == "wang" and revoked[-1].get("sig")
    proc = cli("restore", branch.parent / "before.hzbak", "--yes", db=branch)
    assert proc.returncode == 0, proc.stderr
    assert "重新撤销并换用新密钥" in proc.stderr
    kf = KeyFile.load(branch)
    assert kf.slot("wang") is None and kf.was_revoked("wang")
    with pytest.raises(RevokedUser):
        dbmod.unlock(branch, "wang", WANG)
    assert not dbmod._opens(branch, old_key), "the key wang held still opens the restored file"
    code, items = check(branch)
    assert code == 0, items
