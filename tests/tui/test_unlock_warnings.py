"""What the unlock found is shown in a dialog over the first screen: a database behind the
bundles already sent to the office (an older backup restored), or one opened read-only after
its audit chain fell behind the high-water mark. Enter or Esc closes it; export on the 同步
screen is then refused with the Chinese message, never a traceback."""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.widgets import Input
from tui_testkit import PASSPHRASE, screen_text, settle

from models import hwm, sentmark
from models.keyslots import KeyFile
from tui.app import make_app
from tui.screens.home import HomeScreen
from tui.screens.sync import SyncScreen
from tui.screens.warnings import WarningsDialog

SIZE = (80, 24)


def dialog_text(app) -> str:
    """What the dialog's box shows on the terminal, its wrapped lines joined without spaces and
    borders so that a sentence reads whole (the screen beneath stays visible beside it)."""
    region = app.screen.query_one("#warnings-box").region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return flat("".join(crop_cells(line, region.x, region.right) for line in lines))


def crop_cells(line: str, start: int, end: int) -> str:
    out, col = [], 0
    for ch in line:
        if start <= col < end:
            out.append(ch)
        col += cell_len(ch)
    return "".join(out)


def flat(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


def office_holds_a_bundle_we_lack(db_path) -> None:
    """``FILE.sent`` lists bundle 1 (2026-02), which this database never recorded: what restoring
    a backup taken before that export leaves."""
    db_id = KeyFile.load(db_path).db_id
    sent = sentmark.Sent(
        1,
        "2026-02",
        "004-202602-0001.hzb",
        "a" * 64,
        None,
        "2026-03-01T09:00:00+08:00",
        {"members": 0, "benefit_fen": 0},
        0,
    )
    assert sentmark.write(db_path, sentmark.Mark("004", db_id, (sent,)))


async def test_a_database_behind_the_bundles_sent_is_told_after_unlock(branch_db):
    office_holds_a_bundle_we_lack(branch_db)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarningsDialog)
        seen = dialog_text(app)
        assert "请注意" in seen and "办事处已收到第1号（2026-02）月度数据包" in seen
        assert "不能导出月度数据包" in seen and "按Enter或Esc关闭" in seen
        assert "huzhusyncreconcile-restore" in seen
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "请注意" not in screen_text(app)


async def test_export_on_the_sync_screen_is_refused_in_chinese(branch_db, tmp_path):
    office_holds_a_bundle_we_lack(branch_db)
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        app.screen.query_one("#out-dir", Input).value = str(out)
        await pilot.press("ctrl+o")
        await pilot.pause(0.3)
        await settle(pilot)
        status = str(app.screen.query_one("StatusLine").render())
        # Without the office's key the export is refused before it starts (issue 14), in Chinese.
        assert "不能导出" in status and "Traceback" not in status
    assert list(out.iterdir()) == []


async def test_a_read_only_database_says_so_after_unlock(branch_db):
    """The high-water-mark warning (committed work lost, opened read-only) was never shown in the TUI."""
    hwm.write(branch_db, KeyFile.load(branch_db).db_id, 999, "f" * 64)
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarningsDialog)
        assert app.session.read_only
        assert "已以只读方式打开" in dialog_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_no_dialog_when_the_unlock_found_nothing(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and not app.session.warnings
