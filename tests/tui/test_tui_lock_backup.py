"""Issue 13 item 7: the day's automatic backup is also made when the TUI is locked after changes
(not only on quit), at most once a day, and not at all when nothing changed since the last one."""

from __future__ import annotations

import json

from tui_testkit import PASSPHRASE, USER, settle, unlock_with

from models import audit, autobackup, clock
from models import db as dbmod
from tui.app import make_app
from tui.screens.home import HomeScreen
from tui.screens.lock import LockScreen

SIZE = (80, 24)


def configure(db, usb, *, last_backup: dict | None = None) -> str:
    usb.mkdir()
    session = dbmod.unlock(db, USER, PASSPHRASE)
    autobackup.set_dir(session, usb)  # an audit event: the database changed since any backup
    if last_backup is not None:
        with dbmod.writing():
            autobackup._set_meta(autobackup.META_AUTO, json.dumps(last_backup))
    db_id = session.keyfile.db_id
    dbmod.close()
    return db_id


async def lock_and_unlock(pilot) -> None:
    await pilot.press("ctrl+l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LockScreen)
    await unlock_with(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


async def test_locking_after_changes_writes_the_days_backup_once(branch_db, tmp_path):
    usb = tmp_path / "usb"
    db_id = configure(branch_db, usb)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await lock_and_unlock(pilot)
        written = sorted(p.name for p in usb.iterdir())
        assert written == [autobackup.auto_name(db_id, clock.today())]
        await lock_and_unlock(pilot)  # at most once a day
        assert sorted(p.name for p in usb.iterdir()) == written
    # the copy is a real backup of this database
    assert autobackup.verify_file(usb / written[0], USER, PASSPHRASE)["ok"] is True


async def test_locking_without_changes_since_the_last_backup_writes_nothing(branch_db, tmp_path):
    usb = tmp_path / "usb"
    dbmod.unlock(branch_db, USER, PASSPHRASE)
    seq = audit.head()[0]
    dbmod.close()
    # The last automatic backup was yesterday and came after every change (the config event is
    # seq + 1, so mark it as covered too).
    configure(branch_db, usb, last_backup={"at": "2026-03-01T18:00:00", "file": "x", "seq": seq + 1})
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await lock_and_unlock(pilot)
    assert list(usb.iterdir()) == []
