"""Item 5: a flipped byte in a database page. ``huzhu check`` names the page, the program
opens the file read-only (refuses to write) and points to ``huzhu restore``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from models import db as dbmod
from models.errors import DamagedDatabase, PermissionDenied
from models.members import upsert_unit
from tests.reliability.kit import PASSPHRASE, ROOT, make_branch

PAGE = 4096


def _flip(path, page: int, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE + offset] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = make_branch(tmp_path_factory.mktemp("pristine") / "branch.hzdb")
    return path


def _data_page(path) -> int:
    """A page in the middle of the file that holds member data, not the schema: "pages // 2"
    moved onto a page of sqlite_master whenever a migration added a table, and a damaged
    schema page is reported at unlock as a key mismatch (the first-page case), not by page."""
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    try:
        return dbmod.database.execute_sql("SELECT rootpage FROM sqlite_master WHERE name = 'member'").fetchone()[0]
    finally:
        dbmod.close(checkpoint=False)
        del session


def _copy(pristine, tmp_path):
    import shutil

    for f in pristine.parent.iterdir():
        shutil.copy2(f, tmp_path / f.name)
    return tmp_path / pristine.name


def _last_data_page(pristine, tmp_path) -> int:
    """The last page whose damage still lets the file open. A migration that adds tables can
    push the schema (sqlite_master) onto a new page at the end of the file; a flipped byte
    there stops the key probe itself (DamagedDatabase without a page number), which is not
    what this test is about."""
    pages = pristine.stat().st_size // PAGE
    for page in range(pages, 2, -1):
        probe = tmp_path / f"probe-{page}"
        probe.mkdir()
        db = _copy(pristine, probe)
        _flip(db, page)
        try:
            dbmod.unlock(db, "zhang", PASSPHRASE)
        except DamagedDatabase as exc:
            if f"page {page}" not in exc.message_en:
                continue
        finally:
            dbmod.close(checkpoint=False)
        return page
    raise AssertionError("no page can be flipped without breaking the key probe")


@pytest.mark.parametrize("where", ["middle", "last", "second"])
def test_flipped_byte_is_named_and_writes_are_refused(pristine, tmp_path, where):
    db = _copy(pristine, tmp_path)
    if where == "middle":
        page = _data_page(pristine)
    else:
        page = 2 if where == "second" else _last_data_page(pristine, tmp_path)
    _flip(db, page)
    env = dict(os.environ, HUZHU_PASSPHRASE=PASSPHRASE, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "check", "--db", str(db), "--user", "zhang", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode != 0
    report = json.loads(proc.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert not report["ok"] and not checks["cipher_integrity_check"]["ok"]
    assert f"page {page}" in checks["cipher_integrity_check"]["detail"]
    assert "huzhu restore" in proc.stderr
    before = db.read_bytes()
    try:
        session = dbmod.unlock(db, "zhang", PASSPHRASE)
    except DamagedDatabase as exc:  # the damage is where the unlock itself must read
        assert f"page {page}" in exc.message_en and "huzhu restore" in exc.message_zh
    else:
        assert session.read_only and any(f"page {page}" in w and "huzhu restore" in w for w in session.warnings)
        with pytest.raises(PermissionDenied):
            upsert_unit("U9999", "新单位工会")
        dbmod.close(checkpoint=False)
    assert db.read_bytes() == before, "the damaged file was written to"
