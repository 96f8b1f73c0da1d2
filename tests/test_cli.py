"""The real ``huzhu`` command in a subprocess, as a clerk's script would run it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli_kit import huzhu as run

PASS = "口令 pass 12"  # ten characters: the shortest passphrase init accepts
LI_PASS = "li 的口令 pass 1"


def assert_clean_failure(proc, code, zh):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert zh in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert "ERROR CORE" not in proc.stderr and "sqlcipher" not in proc.stderr.lower()


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    db = d / "b.hzdb"
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
        env={"HUZHU_PASSPHRASE": PASS},
    )
    assert proc.returncode == 0, proc.stderr
    recovery = proc.stdout.strip().splitlines()[-1]
    assert len(recovery.replace("-", "")) == 24
    assert PASS not in proc.stdout + proc.stderr
    proc = run(
        "user",
        "add",
        "li",
        "--role",
        "clerk",
        "--db",
        db,
        env={"HUZHU_PASSPHRASE": PASS, "HUZHU_NEW_PASSPHRASE": LI_PASS},
    )
    assert proc.returncode == 0, proc.stderr
    return db, recovery


def env(db, user="zhang", passphrase=PASS):
    return {"HUZHU_DB": str(db), "HUZHU_USER": user, "HUZHU_PASSPHRASE": passphrase}


def test_check_passes_and_json_is_parseable(cli_db):
    db, _ = cli_db
    proc = run("check", "--json", env=env(db))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] is True
    assert {c["name"] for c in out["checks"]} >= {"integrity_check", "cipher_integrity_check", "audit_chain"}


def test_passphrase_file_and_options_after_command(cli_db, tmp_path):
    db, _ = cli_db
    pf = tmp_path / "pass.txt"
    pf.write_text(PASS + "\n", encoding="utf-8")
    proc = run("user", "list", "--json", "--db", db, "--user", "zhang", "--passphrase-file", pf)
    assert proc.returncode == 0, proc.stderr
    users = {u["user"]: u["role"] for u in json.loads(proc.stdout)}
    assert users["zhang"] == "supervisor" and users["li"] == "clerk"


def test_wrong_passphrase(cli_db):
    db, _ = cli_db
    assert_clean_failure(run("check", env=env(db, passphrase="nope")), 10, "口令错误")


def test_unknown_user(cli_db):
    db, _ = cli_db
    assert_clean_failure(run("check", env=env(db, user="ghost")), 11, "没有用户 ghost")


def test_several_users_need_a_name(cli_db):
    db, _ = cli_db
    assert_clean_failure(run("check", "--db", db, env={"HUZHU_PASSPHRASE": PASS}), 23, "--user")


def test_empty_passphrase(cli_db):
    db, _ = cli_db
    assert_clean_failure(run("check", env=env(db, passphrase="")), 13, "口令不能为空")


def test_no_terminal_and_no_passphrase(cli_db):
    db, _ = cli_db
    e = env(db)
    del e["HUZHU_PASSPHRASE"]
    assert_clean_failure(run("check", env=e, input=""), 2, "HUZHU_PASSPHRASE")


def test_missing_database(tmp_path):
    assert_clean_failure(run("check", env=env(tmp_path / "none.hzdb")), 14, "不存在")


def test_plain_sqlite_file(tmp_path):
    p = tmp_path / "plain.db"
    con = sqlite3.connect(p)
    con.execute("create table t(x)")
    con.commit()
    con.close()
    assert_clean_failure(run("check", env=env(p)), 16, "未加密的普通 SQLite")


def test_not_a_database(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello " * 500, encoding="utf-8")
    Path(f"{p}.keys").write_text("{}", encoding="utf-8")
    assert_clean_failure(run("check", env=env(p)), 20, "密钥槽文件已损坏")


def _copy(db, tmp_path, name):
    target = tmp_path / name
    target.write_bytes(db.read_bytes())
    Path(f"{target}.keys").write_bytes(Path(f"{db}.keys").read_bytes())
    return target


def test_missing_key_slot_file(cli_db, tmp_path):
    db, _ = cli_db
    target = _copy(db, tmp_path, "c.hzdb")
    Path(f"{target}.keys").unlink()
    assert_clean_failure(run("check", env=env(target)), 19, "找不到密钥槽文件")


def test_damaged_first_page(cli_db, tmp_path):
    db, _ = cli_db
    target = _copy(db, tmp_path, "d.hzdb")
    data = bytearray(target.read_bytes())
    data[200] ^= 0x55
    target.write_bytes(bytes(data))
    assert_clean_failure(run("check", env=env(target)), 18, "第一页已损坏")


def test_recovery_code_opens(cli_db):
    db, recovery = cli_db
    proc = run("check", env=env(db, user="recovery", passphrase=recovery))
    assert proc.returncode == 0, proc.stderr


def test_revoked_user_cannot_open(cli_db, tmp_path):
    db, _ = cli_db
    target = _copy(db, tmp_path, "r.hzdb")
    assert run("user", "revoke", "li", env=env(target)).returncode == 0
    assert_clean_failure(run("check", env=env(target, user="li", passphrase=LI_PASS)), 12, "已于")


def test_backup_then_tampered_backup_refused(cli_db, tmp_path):
    db, _ = cli_db
    target = _copy(db, tmp_path, "e.hzdb")
    out = tmp_path / "e.hzbak"
    assert run("backup", "--out", out, env=env(target)).returncode == 0
    restored = tmp_path / "restored.hzdb"
    proc = run("restore", out, "--db", restored, env=env(target))
    assert proc.returncode == 0, proc.stderr
    assert run("check", env=env(restored)).returncode == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    out.write_bytes(bytes(data))
    assert_clean_failure(run("restore", out, "--db", tmp_path / "x.hzdb", env=env(target)), 31, "备份文件已被改动")
    assert not (tmp_path / "x.hzdb").exists()


def test_check_finds_edited_audit_row(cli_db, tmp_path):
    db, _ = cli_db
    target = _copy(db, tmp_path, "f.hzdb")
    from models import db as dbmod

    dbmod.unlock(target, "zhang", PASS)
    dbmod.database.execute_sql("UPDATE audit_event SET user = 'someone' WHERE seq = 1")
    dbmod.close()
    proc = run("check", env=env(target))
    assert_clean_failure(proc, 32, "检查未通过")
    assert "第 1 条内容被改动" in proc.stdout


def test_usage_errors_are_bilingual(tmp_path):
    proc = run(
        "init",
        "--db",
        tmp_path / "x.hzdb",
        "--branch-code",
        "4",
        "--branch-name",
        "朝阳",
        "--user",
        "a",
        env={"HUZHU_PASSPHRASE": "p"},
    )
    assert_clean_failure(proc, 2, "三位数字")
    assert "three digits" in proc.stderr
    assert_clean_failure(run("frobnicate"), 2, "命令用法错误")


def test_demo_builds_and_opens_with_demo_demo(tmp_path):
    db = tmp_path / "demo.hzdb"
    proc = run("demo", "--db", db, "--members", "120", "--no-tui")
    assert proc.returncode == 0, proc.stderr
    assert "用户 demo，口令 demo" in proc.stderr and "完成：" in proc.stderr
    check = run("check", "--json", env={"HUZHU_DB": str(db), "HUZHU_USER": "demo", "HUZHU_PASSPHRASE": "demo"})
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] is True
    again = run("demo", "--db", db, "--no-tui")
    assert again.returncode == 0 and "使用已有的演示数据库" in again.stderr
