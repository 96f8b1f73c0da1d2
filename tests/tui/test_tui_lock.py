"""Locking: after idle time or on Ctrl+L every screen is covered until the passphrase is given again."""

from __future__ import annotations

from textual.command import CommandList
from tui_testkit import BRANCH_NAME, PASSPHRASE, screen_text, settle, unlock_with

from tests.tui.textual_private import notification_messages
from tui.app import make_app
from tui.screens.home import HomeScreen
from tui.screens.lock import LockScreen
from tui.screens.lookup import LookupScreen

SIZE = (80, 24)


async def test_idle_lock_hides_the_branch_until_unlocked_again(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, idle_lock_seconds=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # a sub-screen: the lock must cover it too
        assert isinstance(app.screen, LookupScreen)
        await pilot.pause(1.5)
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert BRANCH_NAME not in text and "已锁定" in text and "会员查询" not in text
        # A second idle second may pass while the unlock settles on a loaded CI machine; the
        # lock has been shown, so the rest of the test must not depend on that race.
        app.idle_lock_seconds = 3600.0
        await unlock_with(pilot)
        assert isinstance(app.screen, LookupScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert BRANCH_NAME in screen_text(app)


async def test_input_keeps_the_screen_unlocked(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, idle_lock_seconds=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(15):  # 1.5 s in all, never 1 s without a key
            await pilot.press("down")
            await pilot.pause(0.1)
        assert isinstance(app.screen, HomeScreen)


async def test_ctrl_l_locks_and_a_wrong_passphrase_keeps_it_locked(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await unlock_with(pilot, "guess")
        assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert "口令错误" in text and BRANCH_NAME not in text
        await unlock_with(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_palette_while_locked_offers_only_quit(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l", "ctrl+p")
        await pilot.pause(0.3)
        commands = app.screen.query_one(CommandList)
        prompts = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert [p.splitlines()[0] for p in prompts] == ["退出"]


async def test_notices_raised_while_locked_wait_for_the_unlock(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.notify("赵六 的报案已上报")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not notification_messages(app)  # the one shown before the lock is gone too
        app.notify("李四 的报案已打回")
        await pilot.pause()
        assert "李四" not in screen_text(app)
        await unlock_with(pilot)
        assert notification_messages(app) == ["李四 的报案已打回"]


def test_idle_lock_setting_comes_from_the_environment(branch_db, monkeypatch):
    monkeypatch.setenv("HUZHU_IDLE_LOCK", "90")
    assert make_app(db_path=branch_db, keymap={}).idle_lock_seconds == 90
    assert make_app(db_path=branch_db, keymap={}, idle_lock_seconds=5).idle_lock_seconds == 5
    monkeypatch.setenv("HUZHU_IDLE_LOCK", "soon")
    app = make_app(db_path=branch_db, keymap={})
    assert app.idle_lock_seconds == 600
    assert app._startup_notices == ["HUZHU_IDLE_LOCK=soon 无效（应为正的秒数），自动锁定仍为 600 秒"]


async def test_the_key_leaves_memory_while_locked_and_comes_back_on_unlock(branch_db):
    from models import db as dbmod
    from models.errors import EmptyPassphrase
    from tui import reader

    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        held = dbmod.current().key
        key = bytes(held)
        assert len(key) == 32 and reader._reader is not None
        await pilot.press("ctrl+l")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert dbmod.current().key == b"" and reader._reader is None
        assert not any(held), "the key's buffer was not zeroed"
        assert key.hex() not in str(dbmod.database.connect_params)
        # no connection can be opened while locked (the driver refuses an empty key)
        result = {}

        def try_open():
            try:
                dbmod.database.connect(reuse_if_open=True)
                result["opened"] = True
            except EmptyPassphrase:
                result["refused"] = True

        import threading

        t = threading.Thread(target=try_open)
        t.start()
        t.join()
        assert result == {"refused": True}
        await unlock_with(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert dbmod.current().key == key and reader._reader is not None and reader._reader.alive


async def test_damage_found_while_locked_is_said_after_the_unlock(branch_db):
    """The background checks may finish while the screen is locked: their warning waits for the
    unlock instead of opening over the lock screen, where it took the passphrase's keys."""
    from tui.screens.warnings import WarningsDialog

    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.session.warn("数据库文件有损坏的页（测试）。", "damaged pages (test)")
        app.post_message(app.PagesDamaged())
        await pilot.pause(0.3)
        assert isinstance(app.screen, LockScreen)
        await unlock_with(pilot)
        assert isinstance(app.screen, WarningsDialog)
        assert "损坏的页（测试）" in screen_text(app)
