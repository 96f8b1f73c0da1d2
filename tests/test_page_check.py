"""The whole-file page check (``PRAGMA cipher_integrity_check``) after an unlock made with
``check_pages=False``, as the TUI unlocks (issue 15: it reads the whole file, 3–4 s at a
million members, so it must not hold the unlock up). The guarantee stays: a damaged page is
found, the session becomes read-only with the unlock's own warning, and no write lands on the
damaged file, not even one started while the check was still running."""

from __future__ import annotations

import threading

import pytest

from models import db as dbmod
from models import rowseal
from models.errors import PermissionDenied
from models.members import upsert_unit
from tests.conftest import PASSPHRASE
from tests.security.signing_kit import raw

PAGE = 4096


def unit_page(path) -> int:
    """The page holding the unit table (its root: a few units fit on one leaf), which no
    read made by the unlock touches."""
    dbmod.unlock(path, "zhang", PASSPHRASE)
    for i in range(5):
        upsert_unit(f"U{i:04d}", f"单位{i}工会")
    page = dbmod.database.execute_sql("SELECT rootpage FROM sqlite_master WHERE name = 'unit'").fetchone()[0]
    dbmod.close()
    return page


def flip(path, page: int) -> None:
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE + 200] ^= 0x40
    path.write_bytes(bytes(data))


def test_unlock_without_the_check_then_the_check_finds_the_page(branch_db):
    path, _ = branch_db
    page = unit_page(path)
    flip(path, page)
    before = path.read_bytes()
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    assert not session.read_only and not session.warnings and not session.pages_checked.is_set()
    found: list[list[str]] = []
    check = dbmod.check_pages_in_background(session, found.append)
    assert check.wait(60)
    check.thread.join(10)
    assert session.read_only
    assert any(f"page {page}" in w and "huzhu restore" in w for w in session.warnings)
    assert found and any(f"page {page}" in line for line in found[0])
    assert check.seconds is not None and check.seconds >= 0
    with pytest.raises(PermissionDenied):
        upsert_unit("U9999", "新单位工会")
    dbmod.close(checkpoint=False)
    assert path.read_bytes() == before, "the damaged file was written to"


def test_a_write_before_the_background_check_runs_the_check_first(branch_db):
    """A write that comes before the background check has started (one the unlock itself makes,
    e.g. signing a new user's key) runs the check on its own thread, then is refused."""
    path, _ = branch_db
    page = unit_page(path)
    flip(path, page)
    before = path.read_bytes()
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    with pytest.raises(PermissionDenied):
        upsert_unit("U9999", "新单位工会")
    assert session.read_only and session.pages_checked.is_set()
    assert any(f"page {page}" in w for w in session.warnings)
    check = dbmod.check_pages_in_background(session)
    assert check.seconds == 0.0 and not check.thread.is_alive()  # nothing left to check
    dbmod.close(checkpoint=False)
    assert path.read_bytes() == before


def test_a_write_while_the_background_check_runs_waits_for_it(branch_db, monkeypatch):
    path, _ = branch_db
    page = unit_page(path)
    flip(path, page)
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    release = threading.Event()
    connect = dbmod._raw_connect

    def slow_connect(*args, **kwargs):
        release.wait(30)  # the check holds until the writer is waiting
        return connect(*args, **kwargs)

    monkeypatch.setattr(dbmod, "_raw_connect", slow_connect)
    check = dbmod.check_pages_in_background(session)
    outcome: list[BaseException | None] = []

    def write() -> None:
        try:
            upsert_unit("U9999", "新单位工会")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            dbmod.database.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(0.5)
    assert writer.is_alive() and not outcome, "the write went ahead before the page check"
    release.set()
    writer.join(60)
    assert check.wait(0) and len(outcome) == 1 and isinstance(outcome[0], PermissionDenied)
    dbmod.close(checkpoint=False)


def test_a_whole_file_passes_and_writes_go_ahead(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    check = dbmod.check_pages_in_background(session)
    assert check.wait(60)
    check.thread.join(10)
    assert not session.read_only and not check.bad_pages and not session.warnings
    upsert_unit("U0001", "单位工会")


def test_writes_wait_for_the_page_check_only_and_the_row_check_reads_the_books_as_unlocked(branch_db):
    """Issue 15: the row check after the page check reads every row (about two minutes at a
    million members), so saves no longer wait for it. It reads the books as they were when saves
    were let through: a row changed outside the program and then saved by the clerk the moment
    saves may go ahead (sealed and signed anew, the changed column with it) is still named, and
    the session turns read-only."""
    path, _ = branch_db
    unit_page(path)  # units written through the program, each sealed
    conn = raw(path, "zhang", PASSPHRASE)
    conn.execute("UPDATE unit SET phone = '13900000000' WHERE code = 'U0001'")
    conn.close()
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    saves: list[BaseException | None] = []

    def save() -> None:
        try:
            upsert_unit("U0001", "改名工会")  # the same row; its phone stays as changed outside
            saves.append(None)
        except BaseException as exc:
            saves.append(exc)
        finally:
            dbmod.database.close()

    class SaveWhenLetThrough(threading.Event):
        """Saves are let through: one is made and committed before the check's thread goes on."""

        def set(self) -> None:
            super().set()
            if not saves:
                clerk = threading.Thread(target=save)
                clerk.start()
                clerk.join(30)

    session.pages_checked = SaveWhenLetThrough()
    found: list[list] = []
    check = dbmod.check_pages_in_background(session, found.append, rowseal.check_at_unlock)
    assert check.join(60)
    assert saves == [None], "the save did not go ahead before the row check"
    assert [(f.table, f.kind, f.columns) for f in found[0]] == [("unit", "changed", ["phone"])]
    assert session.read_only and check.row_seconds is not None
    with pytest.raises(PermissionDenied):
        upsert_unit("U0002", "又一个工会")
    dbmod.close(checkpoint=False)


def test_a_save_before_the_checks_started_comes_after_the_row_checks_snapshot(branch_db):
    """A save within seconds of the TUI's unlock, before the background checks have started, starts
    them and waits like any save: the row check still reads the books from before that save."""
    path, _ = branch_db
    unit_page(path)
    conn = raw(path, "zhang", PASSPHRASE)
    conn.execute("UPDATE unit SET phone = '13900000000' WHERE code = 'U0001'")
    conn.close()
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    found: list[list] = []
    checks: list[dbmod.PageCheck] = []

    def start_checks() -> dbmod.PageCheck:
        if not checks:
            checks.append(dbmod.check_pages_in_background(session, found.append, rowseal.check_at_unlock))
        return checks[0]

    session.start_checks = start_checks  # as the TUI does (tui.app)
    upsert_unit("U0001", "改名工会")  # the first save: nothing has started the checks yet
    assert start_checks().join(60)
    assert [(f.table, f.kind, f.columns) for f in found[0]] == [("unit", "changed", ["phone"])]
    assert session.read_only
    dbmod.close(checkpoint=False)


def test_the_command_line_still_checks_at_unlock(branch_db):
    """Without ``check_pages=False`` (every CLI command) the damage is found by the unlock."""
    path, _ = branch_db
    page = unit_page(path)
    flip(path, page)
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    assert session.pages_checked.is_set() and session.read_only
    assert any(f"page {page}" in w for w in session.warnings)


def test_a_lock_before_the_checks_start_holds_them_until_the_unlock(branch_db):
    """Ctrl+L (or the idle lock) in the seconds after an unlock, before the background checks have
    opened their connection: the key is wiped. The checks used to key their connection with the
    wiped key and read every page as failing its HMAC, so the session turned read-only with a
    false damage warning. They wait for the unlock now, then find the file whole."""
    path, _ = branch_db
    unit_page(path)  # sealed rows, so the row check has something to read
    session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
    key = bytes(session.key)
    dbmod.drop_key()  # locked
    found: list[list] = []
    check = dbmod.check_pages_in_background(session, found.append, rowseal.check_at_unlock)
    assert not check.wait(1.5), "the page check ran without the key"
    assert not session.read_only and not session.warnings
    dbmod.restore_key(key)  # unlocked again
    assert check.join(60)
    assert not check.bad_pages and not found
    assert not session.read_only and not session.warnings
    assert check.row_seconds is not None  # the row check ran too, after the unlock
    upsert_unit("U0009", "解锁后的单位工会")
    dbmod.close()


def test_a_lock_racing_the_check_never_reads_as_damage(branch_db):
    """The lock wipes the key while the check's thread is about to key its connection: whichever
    comes first, no page reads as damaged."""
    path, _ = branch_db
    for _ in range(5):
        session = dbmod.unlock(path, "zhang", PASSPHRASE, check_pages=False)
        key = bytes(session.key)
        check = dbmod.check_pages_in_background(session)
        dbmod.drop_key()
        dbmod.restore_key(key)
        assert check.join(60)
        assert not check.bad_pages and not session.read_only and not session.warnings
        dbmod.close()
