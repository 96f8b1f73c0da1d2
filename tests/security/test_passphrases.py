"""New passphrases: at least 10 characters, not one character repeated, not the user name —
at init (branch and office), user add, user passwd and a reset with the recovery code. The
demo database keeps its published `demo` and says so."""

from __future__ import annotations

import pytest
from security_kit import PASSPHRASE, assert_clear, env, run

WEAK = ["1", " ", "short pw", "aaaaaaaaaaaa", "zhangzhang", " ZHANG zhang "[1:-1].replace(" ", "")]


@pytest.mark.parametrize("weak", WEAK)
def test_init_refuses_a_weak_passphrase(tmp_path, weak):
    db = tmp_path / "n.hzdb"
    proc = run(
        "init",
        "--db",
        db,
        "--branch-code",
        "004",
        "--branch-name",
        "朝阳",
        "--user",
        "zhang",
        env={"HUZHU_PASSPHRASE": weak},
    )
    assert_clear(proc, 3, "口令")
    assert not db.exists()


def test_office_init_refuses_a_weak_passphrase(tmp_path):
    db = tmp_path / "o.hzdb"
    proc = run("office", "init", "--db", db, "--user", "chen", "--name", "北京办事处", env={"HUZHU_PASSPHRASE": "chen"})
    assert_clear(proc, 3, "口令太短")
    assert not db.exists()


@pytest.mark.parametrize(
    "weak, needle",
    [
        ("1", "太短"),
        ("wang", "太短"),
        ("xxxxxxxxxxxx", "同一个字符"),
        ("wangwang", "太短"),
        ("wang 的口令很长啊", None),
    ],
)
def test_user_add_refuses_a_weak_passphrase(branch, weak, needle):
    proc = run("user", "add", "wang", env={**env(branch), "HUZHU_NEW_PASSPHRASE": weak})
    if needle is None:  # twelve characters, not the name itself: accepted
        assert proc.returncode == 0, proc.stderr
        return
    assert_clear(proc, 3, needle)
    assert run("check", env=env(branch, user="wang", passphrase=weak)).returncode == 11  # no such user


def test_user_name_as_passphrase_is_refused(branch):
    proc = run("user", "add", "wangxiaoming", env={**env(branch), "HUZHU_NEW_PASSPHRASE": "WangXiaoMing"})
    assert_clear(proc, 3, "用户名")


def test_passwd_and_recovery_reset_refuse_a_weak_passphrase(branch):
    assert_clear(run("user", "passwd", env={**env(branch), "HUZHU_NEW_PASSPHRASE": "1"}), 3, "太短")
    assert run("check", env=env(branch)).returncode == 0  # the old passphrase still opens it
    from models.keyslots import KeyFile

    # a reset through the recovery code is held to the same standard
    recovery = _recovery_code(branch)
    proc = run(
        "user",
        "passwd",
        "zhang",
        env={**env(branch, user="recovery", passphrase=recovery), "HUZHU_NEW_PASSPHRASE": "          "},
    )
    assert_clear(proc, 3, "口令")
    assert KeyFile.load(branch).slot("zhang") is not None
    assert run("check", env=env(branch)).returncode == 0
    ok = run("user", "passwd", env={**env(branch), "HUZHU_NEW_PASSPHRASE": PASSPHRASE + " 2"})
    assert ok.returncode == 0, ok.stderr


def _recovery_code(db):
    """Replace the recovery slot with one whose code this test knows (the real one was shown once)."""
    from models import db as dbmod
    from models.admin import set_passphrase

    session = dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        code = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"
        set_passphrase(session, "recovery", code)
    finally:
        dbmod.close()
    return code


def test_demo_keeps_its_published_passphrase_and_says_so(tmp_path):
    db = tmp_path / "demo.hzdb"
    proc = run("demo", "--db", db, "--members", "20", "--no-tui", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "口令 demo" in proc.stderr and "公开" in proc.stderr
    assert run("check", env=env(db, user="demo", passphrase="demo")).returncode == 0
