"""Unlocking: the form, its errors, the demo hint, the home screen it leads to, and quitting."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

from textual.widgets import Input
from tui_testkit import BRANCH_NAME, CHEAP_KDF, PASSPHRASE, USER, create_branch_db, screen_text, settle, unlock_with

from models import admin, attempts
from models import db as dbmod
from models.db import HuzhuDatabase
from models.schema import ClaimReport, Member, Plan, Unit
from tui.app import make_app
from tui.screens.home import HomeScreen
from tui.screens.unlock import UnlockScreen
from tui.widgets import StatusLine

SIZE = (80, 24)


async def test_typed_user_and_passphrase_open_the_home_screen(branch_db):
    session = dbmod.unlock(branch_db, USER, PASSPHRASE)
    admin.add_user(session, "李四", "clerk", "li si pass", kdf=CHEAP_KDF)
    dbmod.close()
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(pilot.app.screen, UnlockScreen)
        assert pilot.app.screen.query_one("#user", Input).value == ""  # two users: nobody prefilled
        await pilot.press(*"李四", "enter")  # Enter in the user field moves on to the passphrase
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#passphrase", Input)
        await unlock_with(pilot, "li si pass")
        assert isinstance(pilot.app.screen, HomeScreen)
        text = screen_text(pilot.app)
        assert f"004 {BRANCH_NAME}" in text
        assert "李四" in text and "经办人" in text
        assert BRANCH_NAME in pilot.app.sub_title and pilot.app.title == "互助"


async def test_single_user_is_prefilled_and_supervisor_role_shown(branch_db):
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pilot.app.screen.query_one("#user", Input).value == USER
        await unlock_with(pilot)
        text = screen_text(pilot.app)
        assert BRANCH_NAME in text and "负责人" in text


async def test_auditor_sees_read_only_role(tmp_path):
    db = create_branch_db(tmp_path / "audit.hzdb", user="王五", role="auditor")
    async with make_app(db_path=db, passphrase=PASSPHRASE, keymap={}).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "稽核（只读）" in screen_text(pilot.app)


async def test_wrong_passphrase_is_refused_and_stays_locked(branch_db):
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await unlock_with(pilot, "not it")
        screen = pilot.app.screen
        assert isinstance(screen, UnlockScreen)
        assert "口令错误" in str(screen.query_one(StatusLine).render())
        assert screen.query_one("#passphrase", Input).value == ""
        assert pilot.app.session is None
        text = screen_text(pilot.app)
        assert "口令错误" in text and BRANCH_NAME not in text and "Traceback" not in text
        # and the right passphrase still works afterwards
        await unlock_with(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_unknown_user_message_is_shown(branch_db):
    async with make_app(db_path=branch_db, user="nobody", keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await unlock_with(pilot)
        assert "此数据库没有用户 nobody" in screen_text(pilot.app)


async def test_waiting_after_repeated_failures_says_please_wait(branch_db):
    for _ in range(attempts.FREE_TRIES):
        attempts.record_failure(branch_db)  # the next try waits 1 s (models.attempts)
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*PASSPHRASE, "enter")
        await pilot.pause(0.2)
        status = str(pilot.app.screen.query_one(StatusLine).render())
        assert "请稍候" in status and "1 秒" in status
        assert pilot.app.screen.query_one("#passphrase", Input).disabled
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_demo_hint_comes_from_the_key_file(demo_db, branch_db):
    async with make_app(db_path=demo_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "演示数据库：用户 demo，口令 demo" in screen_text(pilot.app)
        assert pilot.app.screen.query_one("#user", Input).value == "demo"
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "演示数据库" not in screen_text(pilot.app)


async def test_counts_are_read_off_the_ui_thread(branch_db, monkeypatch):
    """The unlock connects on one worker thread, the counts are read on another; the UI
    thread never opens a connection, and none is left open on a pool thread."""
    from models import audit

    dbmod.unlock(branch_db, USER, PASSPHRASE)
    # One transaction with its audit event, as the program writes: the rows are sealed (issue 13
    # item 3: rows written without one open the TUI read-only).
    with dbmod.writing():
        unit = Unit.create(code="U001", name="朝阳区第一小学")
        member = Member.create(
            name="赵六",
            initials="zl",
            id_number="110105198001010011",
            id_rev="110010108910501011",
            sex="M",
            birth_date="1980-01-01",
            unit=unit,
        )
        ClaimReport.create(
            member=member,
            unit=unit,
            plan=Plan.select().first(),
            diagnosis="肺炎",
            incident_kind="illness",
            incident_date="2026-02-01",
            shares_claimed=1,
            report_date="2026-02-03",
            reporter="赵六",
            state="submitted",
            created_by=USER,
        )
        audit.record("test.setup", "claim_report", None, {})
    dbmod.close()

    opened: list[str] = []
    closed: list[str] = []
    real_connect, real_close = HuzhuDatabase._connect, HuzhuDatabase._close

    def spy_connect(self):
        opened.append(threading.current_thread().name)
        return real_connect(self)

    def spy_close(self, conn):
        closed.append(threading.current_thread().name)
        return real_close(self, conn)

    monkeypatch.setattr(HuzhuDatabase, "_connect", spy_connect)
    monkeypatch.setattr(HuzhuDatabase, "_close", spy_close)
    async with make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={}).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(pilot.app)
        assert re.search(r"参保单位\s+1\s", text) and re.search(r"会员\s+1\s", text)
        assert re.search(r"未结报案\s+1\s", text) and re.search(r"有效保单\s+0\s", text)
        # the page check after unlock and the row check after it have their own connection
        assert pilot.app.page_check.start().join(60)
        ui_thread = threading.main_thread().name
        assert opened and ui_thread not in opened
        assert sorted(opened) == sorted(closed)  # every worker closed what it opened


async def test_quit_closes_and_checkpoints_the_database(branch_db):
    wal = Path(f"{branch_db}-wal")
    async with make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={}).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert dbmod.current().user == USER
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert pilot.app.return_code == 0
    assert not wal.exists() or wal.stat().st_size == 0
    try:
        dbmod.current()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the session is still open after quitting")


async def test_errors_stay_visible_without_colour(branch_db, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pilot.app.no_color
        await unlock_with(pilot, "not it")
        status = pilot.app.screen.query_one(StatusLine)
        assert "口令错误" in screen_text(pilot.app)
        assert status.styles.text_style.bold  # bold, not only red


async def test_working_date_can_be_fixed(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, today=date(2025, 12, 31), keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "2025-12-31 星期三" in screen_text(app)


async def test_keys_typed_while_no_field_has_focus_reach_the_passphrase(branch_db):
    """The fields are disabled while a passphrase is checked, which takes focus away; a key that
    comes in before the passphrase field has it back used to go nowhere, and Enter then met an empty
    field (the tmux test, under load)."""
    async with make_app(db_path=branch_db, keymap={}).run_test(size=SIZE) as pilot:
        await pilot.pause()
        pilot.app.screen.set_focus(None)
        await pilot.pause()
        assert pilot.app.screen.focused is None
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
