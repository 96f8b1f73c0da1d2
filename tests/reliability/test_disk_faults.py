"""Item 4: a full disk and a read-only folder during commit, backup and export: a clear
message (a HuzhuError, never a bare OSError or sqlite error), nothing corrupted (the
database reopens and passes every check, earlier commits intact), nothing half-written
(no file under a final name). Needs a small tmpfs mount (root); skipped where that is impossible."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models import admin, audit, clock
from models import db as dbmod
from models.errors import HuzhuError
from models.members import upsert_unit
from tests.reliability.kit import PASSPHRASE, make_branch, storage_checks


def _mount(point: Path, size: str = "6m") -> bool:
    point.mkdir(parents=True, exist_ok=True)
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
        ).returncode
        == 0
    )


@contextlib.contextmanager
def small_disk(tmp_path: Path):
    point = tmp_path / "disk"
    if os.geteuid() != 0 or not _mount(point):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield point
    finally:
        dbmod.close(checkpoint=False)
        subprocess.run(["umount", "-l", str(point.parent / f"{point.name}-ro")], capture_output=True)
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _fill(point: Path) -> Path:
    """Fill the small disk to the last byte."""
    filler = point / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return filler


def _readonly(point: Path) -> Path:
    """The same folder seen read-only (a read-only bind mount), as a write-protected USB stick."""
    ro = point.parent / f"{point.name}-ro"
    ro.mkdir(exist_ok=True)
    assert subprocess.run(["mount", "--bind", "-o", "ro", str(point), str(ro)], capture_output=True).returncode == 0
    return ro


def _unmount(ro: Path) -> None:
    subprocess.run(["umount", "-l", str(ro)], capture_output=True)


def _reopen_and_check(db: Path, seq: int, digest: str) -> None:
    dbmod.close(checkpoint=False)
    session = dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        assert not session.warnings, session.warnings
        assert not storage_checks()
        assert audit.hash_at(seq) == digest
    finally:
        dbmod.close()


def _finals(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def test_commit_disk_full(tmp_path):
    with small_disk(tmp_path) as disk:
        db = make_branch(disk / "branch.hzdb")
        dbmod.unlock(db, "zhang", PASSPHRASE)
        upsert_unit("U0001", "甲工会")
        seq, digest = audit.head()
        filler = _fill(disk)
        with pytest.raises(HuzhuError) as exc:
            for i in range(2000):  # until the WAL needs a page it cannot get
                upsert_unit(f"V{i:04d}", "很长的单位名称" * 7)
        assert exc.value.message_zh.strip()
        print("commit, disk full:", type(exc.value).__name__, exc.value.message_zh)
        filler.unlink()
        _reopen_and_check(db, seq, digest)


def test_commit_read_only_folder(tmp_path):
    """The database's folder is read-only (write-protected stick): a clear message at unlock or
    at the first write; the file is not changed."""
    with small_disk(tmp_path) as disk:
        db = make_branch(disk / "branch.hzdb")
        seq, digest = 0, ""
        dbmod.unlock(db, "zhang", PASSPHRASE)
        seq, digest = audit.head()
        dbmod.close()
        ro = _readonly(disk)
        try:
            before = db.read_bytes()
            with pytest.raises(HuzhuError) as exc:
                dbmod.unlock(ro / db.name, "zhang", PASSPHRASE)
                upsert_unit("U0002", "乙工会")
            assert exc.value.message_zh.strip()
            print("commit, read-only folder:", type(exc.value).__name__, exc.value.message_zh)
            assert db.read_bytes() == before
        finally:
            dbmod.close(checkpoint=False)
            _unmount(ro)
        _reopen_and_check(db, seq, digest)


@pytest.mark.parametrize("fault", ["full", "readonly"])
def test_backup(tmp_path, fault):
    with small_disk(tmp_path) as disk:
        home = tmp_path / "home"
        home.mkdir()
        db = make_branch(home / "branch.hzdb")
        session = dbmod.unlock(db, "zhang", PASSPHRASE)
        seq, digest = audit.head()
        target = disk
        if fault == "full":
            filler = _fill(disk)
        else:
            target = _readonly(disk)
        with pytest.raises(HuzhuError) as exc:
            admin.backup(session, target / "backup.hzbak")
        assert exc.value.message_zh.strip()
        assert "backup.hzbak" not in _finals(disk)
        if fault == "full":
            filler.unlink()
            assert _finals(disk) == [], "temporary files left behind"
        _reopen_and_check(db, seq, digest)


@pytest.mark.parametrize("fault", ["full", "readonly"])
def test_export(tmp_path, fault):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync_db"))
    from syncdb_kit import make_world

    from sync.export import export_period

    world = make_world(tmp_path)
    dbmod.close()
    with small_disk(tmp_path) as disk:
        dbmod.unlock(world.branch, "zhang", PASSPHRASE)
        clock.freeze(dt.date(2026, 11, 2))
        seq, digest = audit.head()
        target = disk
        if fault == "full":
            filler = _fill(disk)
        else:
            target = _readonly(disk)
        with pytest.raises(HuzhuError) as exc:
            export_period("2026-10", target)
        assert exc.value.message_zh.strip()
        if fault == "full":
            filler.unlink()
        assert _finals(disk) == [], "a file was left in the export folder"
        n = dbmod.database.execute_sql("SELECT count(*) FROM bundle_log").fetchone()[0]
        assert n == 0, "an export that failed was recorded as sent"
        _reopen_and_check(world.branch, seq, digest)
