"""The TUI unlocks without the whole-file page check and runs it right after (issue 15); a
damaged page it finds is told in the unlock warnings' dialog and the session turns read-only."""

from __future__ import annotations

from tui_testkit import PASSPHRASE, USER, create_branch_db, screen_text, settle

from models import db as dbmod
from models.errors import PermissionDenied
from models.members import upsert_unit
from tui.app import make_app
from tui.screens.warnings import WarningsDialog

PAGE = 4096


def damaged_branch(tmp_path):
    path = create_branch_db(tmp_path / "branch.hzdb")
    dbmod.unlock(path, USER, PASSPHRASE)
    for i in range(5):
        upsert_unit(f"U{i:04d}", f"单位{i}工会")
    page = dbmod.database.execute_sql("SELECT rootpage FROM sqlite_master WHERE name = 'unit'").fetchone()[0]
    dbmod.close()
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE + 200] ^= 0x40  # a page the unlock itself never reads
    path.write_bytes(bytes(data))
    return path, page


async def test_damage_found_after_unlock_is_shown_and_writes_are_refused(tmp_path):
    path, page = damaged_branch(tmp_path)
    before = path.read_bytes()
    app = make_app(db_path=path, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.page_check.wait(60)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, WarningsDialog)
        for _ in range(50):  # the dialog is composed and painted a moment after it is pushed
            text = "".join(screen_text(app).split())
            if "损坏的页" in text:
                break
            await pilot.pause(0.1)
        assert "损坏的页" in text and "已以只读方式打开" in text and "huzhurestore" in text
        assert app.session.read_only and f"page {page}" in app.session.warnings[-1]
        with dbmod.database.connection_context():
            try:
                upsert_unit("U9999", "新单位工会")
            except PermissionDenied:
                pass
            else:
                raise AssertionError("a write went through on a damaged database")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, WarningsDialog)
    dbmod.close(checkpoint=False)
    assert path.read_bytes() == before


async def test_a_whole_file_shows_no_dialog(tmp_path):
    path = create_branch_db(tmp_path / "branch.hzdb")
    app = make_app(db_path=path, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.page_check.wait(60)
        await pilot.pause(0.2)
        await settle(pilot)
        assert not isinstance(app.screen, WarningsDialog) and not app.session.read_only


async def test_the_check_starts_by_itself_after_the_todo_is_filled(tmp_path):
    """Nobody waits for it and nothing is written: it still runs (after the 待办's first paint,
    not beside it, issue 15)."""
    path = create_branch_db(tmp_path / "branch.hzdb")
    app = make_app(db_path=path, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(100):
            if app.page_check is not None and app.page_check.check is not None:
                break
            await pilot.pause(0.1)
        assert app.page_check is not None and app.page_check.check is not None
        assert app.session.pages_checked.wait(60)
