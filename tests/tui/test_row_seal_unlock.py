"""Issue 13 item 3, the TUI's part: a business row changed with the raw key outside the program is
named at unlock (table, row, what differs, as ``huzhu check`` says it), the database opens
read-only, and the 待办 list shows it until a backup is restored."""

from __future__ import annotations

import pytest
import sqlcipher3
from tui_testkit import PASSPHRASE, USER, screen_text, settle

from models import db as dbmod
from models.errors import PermissionDenied
from models.keyslots import KeyFile
from tui.app import make_app
from tui.screens.dashboard import DashboardScreen
from tui.screens.warnings import WarningsDialog

SIZE = (80, 24)


def add_unit_through_the_program(db) -> None:
    from models.members import upsert_unit

    dbmod.unlock(db, USER, PASSPHRASE)
    upsert_unit("U0001", "朝阳某公司工会")
    dbmod.close()


def tamper(db) -> None:
    """A user's own passphrase, the raw key from their slot, and plain SQL: no program, no event."""
    kf = KeyFile.load(db)
    slot = kf.slot(USER)
    key = kf.open_db_key(slot, kf.unlock_private(slot, PASSPHRASE))
    conn = sqlcipher3.connect(str(db), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("UPDATE unit SET name = '别的工会' WHERE code = 'U0001'")
    conn.close()


def flat(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "│╭╮╰╯─")


async def background_checks_done(app, pilot) -> None:
    """The row check runs after the first screen is up, after the whole-file page check on
    the same thread; writes wait for the page check only."""
    assert app.page_check.wait(60)
    app.page_check.start().thread.join(60)
    await pilot.pause(0.2)
    await settle(pilot)


async def test_a_row_changed_outside_the_program_is_named_and_the_books_open_read_only(branch_db, monkeypatch):
    add_unit_through_the_program(branch_db)
    tamper(branch_db)
    monkeypatch.setenv("HUZHU_START", "todo")
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await background_checks_done(app, pilot)
        assert isinstance(app.screen, WarningsDialog)
        for _ in range(50):  # the dialog is composed and painted a moment after it is pushed
            seen = flat(screen_text(app))
            if "在本程序之外被改动" in seen:
                break
            await pilot.pause(0.1)
        # (the 待办 beneath shows through the dialog's edges in the flattened text)
        assert "在本程序之外被改动" in seen and "unit第1行被改动" in seen and "列name" in seen
        assert "已以只读方式打开" in seen
        assert app.session.read_only and not app.session.can_write
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "账目在程序之外被改动" in flat(screen_text(app))
        # Writes are refused: the session the screens use is read-only.
        from models.members import upsert_unit

        with dbmod.database.connection_context(), pytest.raises(PermissionDenied):
            upsert_unit("U0002", "另一个工会")


async def test_books_changed_only_through_the_program_open_normally(branch_db):
    add_unit_through_the_program(branch_db)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await background_checks_done(app, pilot)
        assert not isinstance(app.screen, WarningsDialog)
        assert not app.session.read_only and not app.session.row_findings
