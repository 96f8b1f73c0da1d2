"""Issue 13 item 7: backups that are proved (verify), automatic copies in a configured folder,
the 待办 warning, and a restore drill (backup → wipe → restore → check → same figures)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from models import autobackup, clock
from models import db as dbmod
from models.dashboard import backup_item
from tests.cli_kit import as_, huzhu, ok
from tests.conftest import PASSPHRASE

D = dt.date


def run(*args, db, cwd=None, extra=None):
    return huzhu(*args, env={**as_(db), **(extra or {})}, cwd=cwd)


def figures(db: Path) -> dict:
    """What a clerk would compare after a restore: members, policies, claims, the audit head."""
    dbmod.unlock(db, "zhang", PASSPHRASE, migrate=False, read_only=True)
    try:
        q = dbmod.database.execute_sql
        return {
            "members": q("SELECT count(*) FROM member").fetchone()[0],
            "policies": q("SELECT count(*) FROM policy").fetchone()[0],
            "claims": q("SELECT id, state, diagnosis FROM claim_report ORDER BY id").fetchall(),
            "head": q("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone(),
        }
    finally:
        dbmod.close()


@pytest.fixture
def db(branch_db):
    return branch_db[0]


@pytest.fixture
def busy_db(db, tmp_path):
    """A database with a member, a policy and a claim, entered through the CLI."""
    path = db
    template = tmp_path / "enrol.csv"
    ok(run("template", "enrolments", "--out", template, db=path))
    ok(run("import", "enrolments", template, db=path))
    ok(
        run(
            "claim",
            "register",
            "--id-number",
            "110105198001010016",
            "--plan",
            "ZYYL",
            "--diagnosis",
            "肺炎",
            "--incident-date",
            (clock.today() - dt.timedelta(days=20)).isoformat(),
            "--shares",
            "1",
            "--reporter",
            "张三",
            db=path,
        )
    )
    return path


def test_restore_drill_backup_wipe_restore_check_same_figures(busy_db, tmp_path):
    out = tmp_path / "drill.hzbak"
    ok(run("backup", "--out", out, db=busy_db))
    before = figures(busy_db)
    assert before["members"] == 1 and len(before["claims"]) == 1
    verified = json.loads(ok(run("backup", "verify", out, "--json", db=busy_db)).stdout)
    assert verified["ok"] and verified["live"]["prefix"] is True
    keys = busy_db.with_name(busy_db.name + ".keys").read_bytes()
    for suffix in ("", "-wal", "-shm", ".hwm", ".keys"):  # the disk died
        Path(f"{busy_db}{suffix}").unlink(missing_ok=True)
    restored = tmp_path / "new-pc" / "b.hzdb"
    restored.parent.mkdir()
    ok(run("restore", out, "--db", restored, db=restored))
    ok(run("check", db=restored))
    after = figures(restored)
    # The backup's own db.backup event came after the snapshot: the restored head is the one before.
    assert after["members"] == before["members"] and after["policies"] == before["policies"]
    assert after["claims"] == before["claims"]
    assert list(after["head"]) == [verified["head"]["seq"], verified["head"]["hash"]]
    assert restored.with_name(restored.name + ".keys").read_bytes() != b"" and keys


def test_verify_reports_the_head_and_leaves_nothing_behind(db, tmp_path):
    out = tmp_path / "b.hzbak"
    ok(run("backup", "--out", out, db=db))
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = json.loads(ok(run("backup", "verify", out, "--json", db=db, extra={"TMPDIR": str(temp)})).stdout)
    assert result["ok"] is True and result["recorded"] is True
    names = {c["name"] for c in result["checks"]}
    assert {
        "cipher_integrity_check",
        "integrity_check",
        "foreign_key_check",
        "audit_chain",
        "audit_signatures",
        "user_grants",
        "row_seals",
    } <= names
    assert result["head"]["seq"] >= 1 and len(result["head"]["hash"]) == 64
    assert result["live"]["same_database"] is True and result["live"]["prefix"] is True
    assert list(temp.iterdir()) == []  # the private copy is gone
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".huzhu")) == []
    shown = json.loads(ok(run("backup", "config", "--show", "--json", db=db)).stdout)
    assert shown["last_verified"]["seq"] == result["head"]["seq"]
    assert shown["last_verified"]["hash"] == result["head"]["hash"]


def test_verify_refuses_a_tampered_backup_with_31(db, tmp_path):
    out = tmp_path / "b.hzbak"
    ok(run("backup", "--out", out, db=db))
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    out.write_bytes(bytes(data))
    proc = run("backup", "verify", out, db=db)
    assert proc.returncode == 31, proc.stderr
    assert "备份文件已被改动或损坏" in proc.stderr and "altered or damaged" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verify_refuses_a_backup_that_is_not_on_the_live_chain(db, tmp_path):
    """A backup of the same database whose last event the live chain does not hold (the live
    file was since rolled back to an older copy): not the expected history."""
    older = tmp_path / "older.hzbak"
    ok(run("backup", "--out", older, db=db))
    ok(run("user", "add", "li", "--role", "clerk", db=db, extra={"HUZHU_NEW_PASSPHRASE": "li passphrase 9"}))
    newer = tmp_path / "newer.hzbak"
    ok(run("backup", "--out", newer, db=db))
    rolled = tmp_path / "rolled" / "b.hzdb"
    rolled.parent.mkdir()
    ok(run("restore", older, "--db", rolled, db=rolled))
    proc = run("backup", "verify", newer, "--json", db=rolled)
    assert proc.returncode == 31, proc.stderr
    result = json.loads(proc.stdout)
    assert result["live"]["prefix"] is False and result["recorded"] is False
    assert "不在当前数据库的审计链上" in proc.stderr


def test_config_auto_once_a_day_when_changed_and_pruned(session, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(Exception) as refused:
        autobackup.set_dir(session, session.path.parent)
    assert getattr(refused.value, "exit_code", None) == 3
    autobackup.set_dir(session, usb)
    stranger = usb / "holiday-photos.hzbak"
    stranger.write_bytes(b"not ours")
    try:
        clock.freeze(dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC))
        first = autobackup.auto_backup(session)
        assert first["written"] and Path(first["written"]).name == autobackup.auto_name(
            session.keyfile.db_id, D(2026, 3, 2)
        )
        assert autobackup.auto_backup(session)["reason"] == "done_today"
        clock.freeze(dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC))
        assert autobackup.auto_backup(session)["reason"] == "unchanged"  # its own backup event is no change
        with dbmod.writing():
            from models import audit

            audit.record("test.change", "database", None, {})
        assert autobackup.auto_backup(session)["written"]
    finally:
        clock.freeze(None)
    # 400 days of copies: 7 daily and 12 monthly stay; the stranger's file is never touched.
    db_id = session.keyfile.db_id
    for i in range(400):
        (usb / autobackup.auto_name(db_id, D(2026, 3, 3) - dt.timedelta(days=i))).write_bytes(b"x")
    autobackup.prune(usb, db_id)
    left = sorted(p.name for p in usb.iterdir() if p.name.startswith("huzhu-auto-"))
    days = sorted(autobackup._ours(usb, db_id))
    assert len(left) == 7 + 10  # the newest days of March and February 2026 are among the 7 newest
    assert days[-7:] == [D(2026, 3, 3) - dt.timedelta(days=i) for i in range(6, -1, -1)]
    assert stranger.exists()


def test_keep_scheme():
    days = [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    kept = autobackup.keep(days)
    assert len(kept) == 7 + 11  # December's newest day is one of the 7 newest
    assert D(2026, 12, 31) in kept and D(2026, 1, 31) in kept and D(2026, 1, 30) not in kept


def test_todo_warns_without_folder_missing_folder_and_stale(session, tmp_path):
    today = clock.today()
    assert backup_item(today).status == "no_folder"
    usb = tmp_path / "usb"
    usb.mkdir()
    autobackup.set_dir(session, usb)
    assert backup_item(today).status == "never_verified"
    out = usb / "b.hzbak"
    from models import admin

    admin.backup(session, out)
    dbmod.close()
    result = autobackup.verify_file(out, "zhang", PASSPHRASE)
    live = dbmod.unlock(session.path, "zhang", PASSPHRASE)
    assert autobackup.compare_live(result)["prefix"] is True
    assert autobackup.record_verified(live, result)
    assert backup_item(today) is None
    assert backup_item(today + dt.timedelta(days=8)).status == "stale"
    usb.rename(tmp_path / "unplugged")
    assert backup_item(today).status == "folder_missing"


def test_quitting_the_tui_writes_the_days_backup(session, tmp_path):
    from tui.workers import auto_backup_on_quit

    usb = tmp_path / "usb"
    usb.mkdir()
    autobackup.set_dir(session, usb)
    auto_backup_on_quit()
    written = sorted(p.name for p in usb.iterdir())
    assert written == [autobackup.auto_name(session.keyfile.db_id, clock.today())]
    auto_backup_on_quit()  # once a day
    assert sorted(p.name for p in usb.iterdir()) == written


def test_the_pre_migration_copy_also_goes_to_the_folder(session, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    assert autobackup.copy_before_migration(session.path, session.key, session.keyfile, "x.pre-0099.hzbak") is None
    autobackup.set_dir(session, usb)
    out = autobackup.copy_before_migration(session.path, session.key, session.keyfile, "x.pre-0099.hzbak")
    assert out == usb / "x.pre-0099.hzbak" and out.stat().st_size > 0
    dbmod.close()
    assert autobackup.verify_file(out, "zhang", PASSPHRASE)["ok"] is True
