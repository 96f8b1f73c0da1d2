"""The lookup reader (tui/reader.py): lookups on one warm, long-lived connection that still
sees every commit made by the clerk's other screens."""

from __future__ import annotations

import datetime as dt

from demo_kit import DEMO_PASSPHRASE, DEMO_USER, copy_database
from textual.widgets import Input
from tui_testkit import screen_text, settle

from models import lookup as lookup_mod
from tests.tui.tui_testkit import TODAY
from tui import reader
from tui.app import make_app
from tui.screens.lookup import LookupScreen
from tui.workers import db_connection

SIZE = (80, 24)


async def test_lookups_run_on_the_warm_reader_and_see_new_commits(small_demo, tmp_path):
    path = copy_database(small_demo.path, tmp_path / "copy")  # this test writes
    app = make_app(db_path=path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        live = reader._reader
        assert live is not None and live.warmed.wait(30)
        # The row check after unlock must be over before a row is changed outside the program
        # below: it would (rightly) find it and open the database read-only with a warning.
        assert app.page_check is not None and app.page_check.wait(60)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        # another connection (another screen's worker) renames a member after the warm-up
        import threading

        def rename():
            from models.db import database

            with db_connection():
                database.execute_sql("UPDATE member SET name = '欧阳新名' WHERE id_number = ?", (small_demo.id_number,))

        t = threading.Thread(target=rename)
        t.start()
        t.join()
        await pilot.press(*"欧阳新名")
        await pilot.pause(0.4)
        await settle(pilot)
        assert "欧阳新名" in screen_text(app) and "未找到" not in screen_text(app)
        assert app.screen.query_one("#lookup-query", Input).value == "欧阳新名"
        assert reader._reader is live and live.alive  # answered by the reader, not a fallback


def test_warm_up_walks_every_lookup_index_in_chunks(small_demo, monkeypatch):
    from models import db as dbmod

    dbmod.unlock(small_demo.path, DEMO_USER, DEMO_PASSPHRASE)
    try:
        monkeypatch.setattr(lookup_mod, "WARM_CHUNK", 97)
        members = dbmod.database.execute_sql("SELECT count(*) FROM member").fetchone()[0]

        def execute(sql, params):
            return dbmod.database.execute_sql(sql, params).fetchall()

        steps = list(lookup_mod.warm_steps(execute))
        # each member index is read in ceil((n + 1) / 97) chunks: the walk neither stops early nor loops
        for index in ("member_lookup_id_rev", "member_lookup_name", "member_lookup_initials"):
            assert steps.count(index) == members // 97 + 1, index
        assert steps[:2] == ["unit", "policy"] and steps.count("coverage_lookup_member") >= 1
        # and a lookup gives the same answer on a warmed reader connection
        assert lookup_mod.lookup(small_demo.initials, dt.date(2026, 11, 23)).members
    finally:
        dbmod.close()
