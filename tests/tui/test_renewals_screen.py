"""续保跟踪: the board, recording a renewal (preview, then confirm), the auditor, the import."""

from __future__ import annotations

import csv
import datetime as dt
import re

from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from rich.cells import cell_len
from textual.widgets import Input
from tui_testkit import screen_text, settle

from models import db as dbmod
from models.demo import AUDITOR
from rules import id_check_char, observation_end
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.renewals import ImportScreen, RenewalRecordScreen, RenewalsScreen
from tui.workers import db_connection

SIZE = (80, 24)


def demo_app(path, user: str = DEMO_USER):
    return make_app(db_path=path, user=user, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)


def read(path, query: str, *params):
    """Run ``query``; a write goes in with an audit event, as the program's own writes do, so its
    rows are sealed (issue 13 item 3: a row changed without one opens the TUI read-only)."""
    from models import audit

    dbmod.unlock(path, DEMO_USER, DEMO_PASSPHRASE)
    try:
        if query.lstrip().upper().startswith("SELECT"):
            return dbmod.database.execute_sql(query, params).fetchall()
        with dbmod.writing():
            rows = dbmod.database.execute_sql(query, params).fetchall()
            audit.record("test.setup", "policy", None, {})
        return rows
    finally:
        dbmod.close()


async def open_record(pilot, unit: str) -> None:
    """From home: 续保跟踪, show every row, search the unit, Enter on its row."""
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("f", "slash", *unit, "enter", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RenewalRecordScreen) and pilot.app.screen.row.unit_code == unit


async def preview(pilot, date_text: str | None = None) -> str:
    if date_text is not None:
        pilot.app.screen.query_one("#renew-filed", Input).value = date_text
    await pilot.press("enter")
    await settle(pilot)
    return screen_text(pilot.app)


async def test_board_filters_by_status_and_text(small_demo):
    app = demo_app(small_demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "筛选：待办" in text and "共 3 条" in text
        assert re.search(r"U0003 .*宽限期\s+按期至 2026-03-12", text)
        assert re.search(r"U0004 .*可续保\s+按期至 2026-03-24", text)
        await pilot.press("f")
        await pilot.pause()
        assert "筛选：全部" in screen_text(app) and "未到续保期" in screen_text(app)
        await pilot.press("slash", *"U0005")
        await pilot.pause()
        text = screen_text(app)
        assert "U0004" not in text and text.count("U0005") >= 3


async def test_on_time_renewal_is_previewed_then_written(writable_demo):
    carried = read(
        writable_demo,
        "SELECT count(DISTINCT c.member_id) FROM coverage c JOIN policy p ON p.id = c.policy_id "
        "JOIN unit u ON u.id = p.unit_id JOIN member m ON m.id = c.member_id WHERE u.code = 'U0004' "
        "AND p.plan_id = 'ZYYL' AND p.start = '2025-03-09' "
        "AND (m.retirement_date IS NULL OR m.retirement_date > '2026-03-09')",
    )[0][0]
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0004")
        text = await preview(pilot, "今天")
        assert "办理结果：按期续保" in text and f"结转 {carried} 人" in text and "按 Ctrl+S 确认" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已办理：按期续保" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        text = screen_text(app)  # the board is read again: the new policy is not due for a year
        assert isinstance(app.screen, RenewalsScreen) and "可续保" not in text and "2027-03-08  未到续保期" in text
    rows = read(
        writable_demo,
        'SELECT p.start, p."end", p.filed, p.outcome, p.cover_from, count(DISTINCT c.member_id) FROM policy p '
        "JOIN unit u ON u.id = p.unit_id JOIN coverage c ON c.policy_id = p.id "
        "WHERE u.code = 'U0004' AND p.plan_id = 'ZYYL' AND p.start = '2026-03-09' GROUP BY p.id",
    )
    assert rows == [("2026-03-09", "2027-03-08", "2026-03-02", "renewal", "2026-03-09", carried)]


async def test_late_renewal_shows_first_enrolment_with_observation_and_writes_it(writable_demo):
    # Move U0003's latest ZYYL period back so that, on TODAY, it expired more than 15 days ago
    # while the period a renewal would cover is still running.
    unit = "U0003"
    read(
        writable_demo,
        "UPDATE policy SET start = '2025-01-20', \"end\" = '2026-01-19' WHERE id = (SELECT p.id FROM policy p "
        "JOIN unit u ON u.id = p.unit_id WHERE u.code = ? AND p.plan_id = 'ZYYL' ORDER BY p.start DESC LIMIT 1)",
        unit,
    )
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, unit)
        text = await preview(pilot, "今天")
        obs = observation_end(TODAY, 90).isoformat()  # ZYYL: 90 days (sample configuration)
        assert "逾期续保：视为首次参保" in text and f"保障及观察期自办理日 {TODAY.isoformat()}" in text
        assert f"观察期：90 天，至 {obs}（含）止" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
    rows = read(
        writable_demo,
        "SELECT p.outcome, p.cover_from, min(c.observation_end), max(c.observation_end), "
        "min(c.cover_start) FROM policy p JOIN unit u ON u.id = p.unit_id JOIN coverage c ON c.policy_id = p.id "
        "WHERE u.code = ? AND p.plan_id = 'ZYYL' GROUP BY p.id ORDER BY p.start DESC LIMIT 1",
        unit,
    )
    assert rows == [("late_renewal_as_first", TODAY.isoformat(), obs, obs, TODAY.isoformat())]


async def test_too_early_and_bad_dates_write_nothing(writable_demo):
    before = read(writable_demo, "SELECT count(*) FROM policy")[0][0]
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0005")
        text = await preview(pilot)
        assert "办理结果：不能续保" in text and "早于可办理日" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = await preview(pilot, "2026-13-40")
        assert "日期无法识别：“2026-13-40”" in text
    assert read(writable_demo, "SELECT count(*) FROM policy")[0][0] == before


async def test_auditor_sees_the_preview_but_cannot_record(writable_demo):
    before = read(writable_demo, "SELECT count(*) FROM policy")[0][0]
    app = demo_app(writable_demo, user=AUDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0004")
        assert "办理结果：按期续保" in await preview(pilot)
        assert "确认办理" not in screen_text(app).splitlines()[-1]  # no write is offered to an auditor
        await pilot.press("ctrl+s")  # and the key does nothing
        await settle(pilot)
        assert isinstance(app.screen, RenewalRecordScreen) and "已办理" not in screen_text(app)
    assert read(writable_demo, "SELECT count(*) FROM policy")[0][0] == before


def new_hires_file(path, unit_name: str, count: int):
    """An enrolment file of ``count`` new hires of U0004 for its renewed period."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"]
        )
        for n in range(count):
            body = f"11010519950101{n:03d}"
            out.writerow(
                [
                    "U0004",
                    unit_name,
                    "ZYYL",
                    "2026-03-09",
                    "2027-03-08",
                    "2026-03-02",
                    f"新员工{n}",
                    body + id_check_char(body),
                    "1",
                ]
            )
    return path


async def test_new_hires_are_imported_after_the_renewal(writable_demo, tmp_path):
    unit_name = read(writable_demo, "SELECT name FROM unit WHERE code = 'U0004'")[0][0]
    file = new_hires_file(tmp_path / "新增人员.csv", unit_name, 3)
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0004")
        await preview(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ImportScreen) and "生效 2026-03-09，终止 2027-03-08" in screen_text(app)
        app.screen.query_one("#import-path", Input).value = str(file)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "共 3 行" in text and "首次参保 3" in text and "按 Ctrl+S 确认导入" in text
        with db_connection():  # the app's session, as a worker would (read() would close it)
            assert dbmod.database.execute_sql("SELECT count(*) FROM member WHERE name LIKE '新员工%'").fetchone() == (
                0,
            )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已导入：新增会员 3 人" in screen_text(app)
    rows = read(
        writable_demo,
        "SELECT c.event, c.observation_end FROM coverage c JOIN member m ON m.id = c.member_id "
        "WHERE m.name LIKE '新员工%'",
    )
    assert rows == [("first_enrolment", observation_end(dt.date(2026, 3, 9), 90).isoformat())] * 3


async def test_palette_lists_the_renewal_actions(small_demo):
    from test_tui_palette import palette_titles

    app = demo_app(small_demo.path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        titles = palette_titles(app)
        assert {"办理续保", "切换筛选", "搜索单位", "导入参保名单", "刷新", "返回"} <= set(titles)
        assert len(titles) == len(set(titles))


def test_renewals_snapshot(snap_compare, small_demo):
    async def board(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        pilot.app.screen.query_one(Input).cursor_blink = False

    assert snap_compare(demo_app(small_demo.path), terminal_size=SIZE, run_before=board)


def test_renewal_preview_snapshot(snap_compare, small_demo):
    async def previewed(pilot) -> None:
        await settle(pilot)
        await open_record(pilot, "U0002")
        await preview(pilot)
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(demo_app(small_demo.path), terminal_size=SIZE, run_before=previewed)


# --- issue 14 item 1: a typed filing date does not bypass the renewal window ---------------------


async def test_a_clerk_cannot_file_a_renewal_earlier_or_in_the_future(writable_demo):
    before = read(writable_demo, "SELECT count(*) FROM policy")[0][0]
    app = demo_app(writable_demo, user="wang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0004")
        text = await preview(pilot, (TODAY + dt.timedelta(days=14)).isoformat())
        assert "晚于今天" in text and "不能登记未来的日期" in text
        text = await preview(pilot, (TODAY - dt.timedelta(days=5)).isoformat())
        assert "补录以前的日期须由负责人办理并写明理由" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert read(writable_demo, "SELECT count(*) FROM policy")[0][0] == before


async def test_a_supervisor_back_dates_a_renewal_with_a_reason(writable_demo):
    unit = "U0003"
    # U0003 expired more than 15 days before TODAY: late today, on time 20 days ago.
    read(
        writable_demo,
        "UPDATE policy SET start = '2025-01-20', \"end\" = '2026-01-19' WHERE id = (SELECT p.id FROM policy p "
        "JOIN unit u ON u.id = p.unit_id WHERE u.code = ? AND p.plan_id = 'ZYYL' ORDER BY p.start DESC LIMIT 1)",
        unit,
    )
    filed = (TODAY - dt.timedelta(days=40)).isoformat()
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, unit)
        reason_row = app.screen.query_one("#renew-reason-row")
        assert not reason_row.display
        text = await preview(pilot, filed)
        assert reason_row.display and "补录须写明理由" in text
        app.screen.query_one("#renew-reason", Input).value = "单位 1 月已交材料，当日漏录"
        text = await preview(pilot)
        assert "办理结果：按期续保" in text and f"补录：办理日期 {filed}" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已办理：按期续保" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *unit, "enter")
        await settle(pilot)
        assert f"本期于 {filed} 办理（补录，理由：单位 1 月已交材料，当日漏录）" in screen_text(app)
    rows = read(
        writable_demo,
        "SELECT b.entity, b.kind, b.entered_date, b.recorded_on, b.reason, b.by_user, p.outcome "
        "FROM backdated_entry b JOIN policy p ON p.id = b.entity_id",
    )
    assert rows == [
        ("policy", "renewal_filed", filed, TODAY.isoformat(), "单位 1 月已交材料，当日漏录", DEMO_USER, "renewal")
    ]
    detail = read(
        writable_demo, "SELECT detail FROM audit_event WHERE action = 'policy.renew' ORDER BY seq DESC LIMIT 1"
    )[0][0]
    assert f'"backdated":{{"date":"{filed}"' in detail and "当日漏录" in detail


async def test_the_preview_lists_members_by_their_whole_names(writable_demo):
    """#14 item 9: the preview cut every name to 8 cells, so the unit's 欧阳娜仁高娃… all read 欧阳娜…;
    at 80 columns each name and ID is whole and a dropped member's reason goes on under itself, at 120 too."""
    ids = [
        mid
        for (mid,) in read(
            writable_demo,
            "SELECT DISTINCT c.member_id FROM coverage c JOIN policy p ON p.id = c.policy_id "
            "JOIN unit u ON u.id = p.unit_id WHERE u.code = 'U0004'",
        )
    ]
    for mid in ids:
        read(writable_demo, "UPDATE member SET name = ? WHERE id = ?", f"欧阳娜仁高娃{mid}", mid)
    # one retires before the new period: dropped, with the rule's message (longer than a line)
    read(writable_demo, "UPDATE member SET retirement_date = '2026-03-01' WHERE id = ?", min(ids))
    app = demo_app(writable_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_record(pilot, "U0004")
        for size in (SIZE, (120, 40)):
            await pilot.resize_terminal(*size)
            text = await preview(pilot, "今天")
            lines = text.splitlines()
            listed = [i for i, line in enumerate(lines) if "欧阳娜" in line]
            assert len(listed) >= 2, text
            for i in listed:
                assert re.search(r"欧阳娜仁高娃\d+ +\d{6}\*+\d{3}[\dX] +(结转 \d 份|不予续保)", lines[i]), (size, text)
            # the dropped member's reason goes on under its column, whole
            first, after = listed[0], listed[1]
            column = cell_len(lines[first][: lines[first].index("不予续保：")])
            assert all(line[:column].strip() == "" for line in lines[first + 1 : after]), (size, text)
            reason = "".join(
                line.strip() for line in [lines[first][lines[first].index("不予续保：") :], *lines[first + 1 : after]]
            )
            assert "已办理正式退休手续的职工不予承保（《代办处管理办法》(000)第十七条1）" in reason.replace(" ", ""), (
                size,
                text,
            )
