"""同步 on screen: the monthly bundle exported from a small demo branch (with the office's
keys trusted, as a real branch has them) and shown in the history; a branch without the
office's keys told so in Chinese; the office's answer received with its differences and
notices, a notice marked done; the auditor kept out; a snapshot at 80×24."""

from __future__ import annotations

from pathlib import Path

from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from textual.widgets import DataTable, Input, ProgressBar
from tui_testkit import CHEAP_KDF, fixed_fingerprints, screen_text

from models import admin
from models import db as dbmod
from tui.app import make_app
from tui.screens.sync import SyncScreen

SIZE = (80, 24)
PERIOD = "2026-02"  # the month before conftest's TODAY: the screen's default
BUNDLE = "004-202602-0001.hzb"
OFFICE_USER, OFFICE_PASSPHRASE = "chen", "office pass"


def at_branch(path: Path):
    return dbmod.unlock(path, DEMO_USER, DEMO_PASSPHRASE)


def exchange_keys(branch: Path, folder: Path) -> Path:
    """An office database that has enrolled the branch, and the branch trusting the office's
    keys (tests/sync_db/syncdb_kit.enroll, for the demo's user); returns the office file."""
    from sync.keystore import enroll_branch, own_office_keys, own_registration, trust_office

    office = folder / "office.hzdb"
    admin.create_database(
        office, branch_name="北京办事处", user=OFFICE_USER, passphrase=OFFICE_PASSPHRASE, kdf=CHEAP_KDF, kind="office"
    )
    at_branch(branch)
    registration = own_registration()
    dbmod.close()
    dbmod.unlock(office, OFFICE_USER, OFFICE_PASSPHRASE)
    enroll_branch(registration)
    keys = own_office_keys()
    dbmod.close()
    at_branch(branch)
    trust_office(keys)
    dbmod.close()
    return office


def sql(path, query: str, *params):
    at_branch(path)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def wait(pilot, seconds: float = 0.5) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_sync(pilot) -> SyncScreen:
    await wait(pilot, 0)
    await pilot.press("7")
    await wait(pilot)
    assert isinstance(pilot.app.screen, SyncScreen)
    return pilot.app.screen


async def export_to(pilot, folder: str) -> None:
    pilot.app.screen.query_one("#out-dir", Input).value = folder
    await pilot.press("ctrl+o")
    await wait(pilot)


async def test_export_writes_the_bundle_and_shows_it_in_the_history(writable_demo, tmp_path):
    exchange_keys(writable_demo, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(pilot)
        assert screen.query_one("#period", Input).value == PERIOD
        assert "尚未发送" in shown(app, "StatusLine")
        await export_to(pilot, str(out))
        assert screen.query_one("#export-progress", ProgressBar).percentage == 1
        assert "完成" in shown(app, "#export-stage") and "已写出并读回核验" in shown(app, "StatusLine")
        history = screen.query_one("#history", DataTable)
        assert history.row_count == 1 and [str(c) for c in history.get_row_at(0)[:4]] == [
            "月度数据包",
            PERIOD,
            "1",
            BUNDLE,
        ]
    assert (out / BUNDLE).is_file()
    assert sql(writable_demo, "SELECT direction, period, sequence, file_name FROM bundle_log") == [
        ("out", PERIOD, 1, BUNDLE)
    ]


async def test_without_the_office_keys_the_clerk_is_told_what_to_do(small_demo, tmp_path):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_sync(pilot)
        await export_to(pilot, str(tmp_path))
        status = shown(app, "StatusLine")
        assert "尚未安装办事处公钥，不能导出" in status and "Traceback" not in status
        # Said before the export starts: the bar is not left half-way (issue 14).
        assert "Ctrl+O 导出" in shown(app, "#export-stage") and app.screen.query_one("#export-progress").progress == 0
    assert list(tmp_path.glob("*.hzb")) == []


def office_answer(branch: Path, office: Path, folder: Path) -> Path:
    """The office's answer to the branch's February bundle: one ledger row that differs, and a notice."""
    from sync.answer import build_return, queue_notice
    from sync.export import export_period
    from sync.office import import_file
    from sync.reconcile import LEDGER_COLUMNS, import_ledger

    at_branch(branch)
    bundle = export_period(PERIOD, folder).path
    dbmod.close()
    ledger = folder / "ledger.csv"
    ledger.write_text(",".join(LEDGER_COLUMNS) + "\n004,U0001,ZYYL,1,1,50.00,0,0\n", encoding="utf-8")
    dbmod.unlock(office, OFFICE_USER, OFFICE_PASSPHRASE)
    try:
        assert import_file(bundle).status == "imported"
        import_ledger(ledger, PERIOD)
        queue_notice("004", PERIOD, "claim_returned", "病历不全，请补充出院小结", "004-claim-2")
        return build_return("004", PERIOD, folder).path
    finally:
        dbmod.close()


async def test_answer_is_received_with_differences_and_a_notice_is_marked_done(writable_demo, tmp_path):
    answer = office_answer(writable_demo, exchange_keys(writable_demo, tmp_path), tmp_path)
    junk = tmp_path / "junk.hzb"
    junk.write_bytes(b"not a bundle")
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(pilot)
        screen.query_one("#answer-file", Input).value = str(junk)
        await pilot.press("ctrl+r")
        await wait(pilot)
        assert "文件" in shown(app, "StatusLine") and "Traceback" not in shown(app, "StatusLine")
        screen.query_one("#answer-file", Input).value = str(answer)
        await pilot.press("ctrl+r")
        await wait(pilot)
        assert "已接收办事处 2026-02 回执" in shown(app, "StatusLine")
        result = shown(app, "#answer-result")
        assert "处差异" in result and "U0001 住院医疗 参保人数" in result
        notices = screen.query_one("#notices", DataTable)
        assert notices.row_count == 1 and "病历不全" in str(notices.get_row_at(0)[4])
        assert screen.query_one("#history", DataTable).row_count == 2
        notices.focus()
        await pilot.press("d")
        await wait(pilot)
        assert notices.row_count == 0
    assert sql(writable_demo, "SELECT done_by FROM office_notice") == [(DEMO_USER,)]
    assert sql(writable_demo, "SELECT direction, kind FROM bundle_log ORDER BY id") == [
        ("out", "branch_monthly"),
        ("in", "office_answer"),
    ]


async def test_auditor_is_shown_why_nothing_is_exported(small_demo, tmp_path):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="audit", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_sync(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "导出数据包" not in footer and "接收回执" not in footer  # no write is offered to an auditor
        await export_to(pilot, str(tmp_path))  # Ctrl+O does nothing
        await pilot.press("enter")  # Enter in the folder field asks, and is told why not
        await wait(pilot)
        assert "稽核账户只读" in shown(app, "StatusLine")
    assert list(tmp_path.glob("*.hzb")) == []


def test_snapshot_after_export(snap_compare, writable_demo, tmp_path, monkeypatch):
    fixed_fingerprints(monkeypatch)
    exchange_keys(writable_demo, tmp_path)
    monkeypatch.chdir(tmp_path)

    async def run_before(pilot) -> None:
        await open_sync(pilot)
        await export_to(pilot, ".")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# --- issue 14 item 2: which month may be exported ---------------------------------------------------


async def test_an_unfinished_or_future_month_is_not_exported(writable_demo, tmp_path):
    exchange_keys(writable_demo, tmp_path)
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await open_sync(pilot)
        for period in ("2026-03", "2027-05"):  # conftest's TODAY is in 2026-03
            pilot.app.screen.query_one("#period", Input).value = period
            await export_to(pilot, str(tmp_path))
            status = shown(app, "StatusLine")
            assert "只能导出已结束的月份" in status and "最近可导出 2026-02" in status, status
    assert list(tmp_path.glob("*.hzb")) == []
    assert sql(writable_demo, "SELECT count(*) FROM bundle_log") == [(0,)]


async def test_a_month_sent_again_asks_and_goes_out_as_a_replacement(writable_demo, tmp_path):
    from tui.screens.forms import StepDialog

    exchange_keys(writable_demo, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user=DEMO_USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(pilot)
        await export_to(pilot, str(out))
        assert "已写出并读回核验" in shown(app, "StatusLine")
        await export_to(pilot, str(out))  # the same month again: asked first
        assert isinstance(app.screen, StepDialog) and "已发送过数据包（第 1 号）" in str(
            app.screen.query_one(".dialog-intro").render()
        )
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen and "已取消重新导出" in shown(app, "StatusLine")
        await export_to(pilot, str(out))
        await pilot.press("ctrl+s")  # no reason: stays on the dialog
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "请填写理由" in str(app.screen.query_one(".form-error").render())
        app.screen.query_one("#reason", Input).value = "2 月报案漏录一件，补录后重发"
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is screen and "替换第 1 号" in shown(app, "#export-stage")
    rows = sql(writable_demo, "SELECT period, sequence, note FROM bundle_log ORDER BY sequence")
    assert rows == [(PERIOD, 1, None), (PERIOD, 2, "替换第 1 号：2 月报案漏录一件，补录后重发")]
    assert (out / "004-202602-0002.hzb").is_file()
