"""The yearly self-assessment package (issue #16): ``huzhu audit submit --year`` at the branch,
``office import`` at the office, the office's side-by-side view and its 待办 — through the
functions with a chosen day, and through the real commands."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from syncdb_kit import export, import_path
from test_sync_cli import as_, ok, run

from models import db as dbmod
from models.errors import RuleRefused
from tests.conftest import TODAY


def submit(world, year: int, today: dt.date, out, reason: str | None = None):
    from sync.yearly import submit as submit_package

    with world.at_branch():
        return submit_package(year, out, today=today, reason=reason)


def test_not_before_the_window_and_again_only_with_a_reason(world, tmp_path):
    with pytest.raises(RuleRefused) as refused:
        submit(world, 2026, dt.date(2026, 12, 14), tmp_path)
    assert refused.value.decisions[0].code == "R6.yearly_too_early"
    assert list(tmp_path.glob("*.hzb")) == []
    first = submit(world, 2026, dt.date(2026, 12, 20), tmp_path)
    assert (first.sequence, first.late, first.replaces) == (1, False, None)
    assert first.file_name == "004-202612-0001-yearly.hzb"
    with pytest.raises(RuleRefused) as refused:
        submit(world, 2026, dt.date(2026, 12, 21), tmp_path)
    assert refused.value.decisions[0].code == "R6.yearly_already_sent"
    second = submit(world, 2026, dt.date(2027, 1, 20), tmp_path, reason="补充了 org.3 的核对说明")
    assert (second.sequence, second.late, second.replaces) == (2, True, 1)
    with world.at_branch():
        log = dbmod.database.execute_sql(
            "SELECT kind, period, sequence FROM bundle_log WHERE direction = 'out' ORDER BY sequence"
        ).fetchall()
        events = [
            r[0] for r in dbmod.database.execute_sql("SELECT action FROM audit_event WHERE action = 'audit.submit'")
        ]
    assert log == [("branch_yearly", "2026-12", 1), ("branch_yearly", "2026-12", 2)]
    assert len(events) == 2


def test_office_imports_packages_side_by_side_and_the_monthly_chain_is_untouched(world, tmp_path):
    from sync import office_board, yearly

    monthly = export(world)  # 2026-10, sequence 1 of the monthly chain
    first = submit(world, 2026, dt.date(2026, 12, 20), tmp_path)
    outcome = import_path(world, first.path)
    assert (outcome.status, outcome.reason) == ("imported", "ok")
    assert import_path(world, first.path).status == "duplicate"
    # the monthly bundle still imports as sequence 1 of its own chain
    assert import_path(world, monthly.path).status == "imported"
    second = submit(world, 2026, dt.date(2027, 1, 20), tmp_path, reason="补充核对说明")
    assert import_path(world, second.path).status == "imported"
    replay = import_path(world, first.path)
    assert (replay.status, replay.reason) == ("refused", "replay")

    with world.at_office():
        board = yearly.yearly_board(2026, dt.date(2027, 1, 20)).to_json()
        months = office_board.board(dt.date(2027, 1, 20), 3).to_json()
    row = next(b for b in board["branches"] if b["branch_code"] == "004")
    assert row["submitted"] and row["sequence"] == 2 and row["on_time"] is True  # the first one came in time
    assert sum(row["counts"].values()) == len(row["items"]) > 0
    assert row["items"]["org.1"] in ("open", "ticked")
    # December's monthly cell is not "received" because of the yearly package (period 2026-12)
    cells = {
        m["period"]: m["status"] for m in next(b for b in months["branches"] if b["branch_code"] == "004")["months"]
    }
    assert cells["2026-12"] in ("missing", "late")


def test_office_todo_lists_a_working_branch_without_its_package(world, tmp_path):
    from sync import office_board

    assert import_path(world, export(world).path).status == "imported"  # 004 worked in 2026
    with world.at_office():
        before = [i for i in office_board.todo(dt.date(2026, 12, 10)) if i.kind == "yearly"]
        during = [i for i in office_board.todo(dt.date(2027, 1, 10)) if i.kind == "yearly"]
        after = [i for i in office_board.todo(dt.date(2027, 1, 16)) if i.kind == "yearly"]
    assert before == []  # 2026's window has not opened; 004 did not work in 2025
    assert [(i.branch_code, i.overdue) for i in during] == [("004", False)]
    assert [(i.branch_code, i.overdue) for i in after] == [("004", True)]
    assert "2026 年度自审材料未报送" in after[0].title
    assert import_path(world, submit(world, 2026, dt.date(2027, 1, 16), tmp_path).path).status == "imported"
    with world.at_office():
        assert [i for i in office_board.todo(dt.date(2027, 1, 16)) if i.kind == "yearly"] == []


def test_the_commands(world, tmp_path):
    """On the real date (2026-12-06 when written): the year that has ended may go, late or not."""
    branch, office = as_(world.branch, "zhang"), as_(world.office, "chen")
    today = TODAY
    year = today.year - 1
    proc = run("audit", "submit", "--year", today.year + 1, "--out", tmp_path, env=branch)
    assert proc.returncode == 3 and "R6.yearly_too_early" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.glob("*.hzb")) == []
    sent = json.loads(ok(run("audit", "submit", "--year", year, "--out", tmp_path, "--json", env=branch)).stdout)
    assert sent["sequence"] == 1 and sent["file"].endswith("-yearly.hzb")
    again = run("audit", "submit", "--year", year, "--out", tmp_path, env=branch)
    assert again.returncode == 2 and "--replace" in again.stderr
    ok(run("office", "import", sent["path"], env=office))
    data = json.loads(ok(run("office", "yearly", "--year", year, "--json", env=office)).stdout)
    row = next(b for b in data["branches"] if b["branch_code"] == "004")
    assert row["submitted"] and row["sequence"] == 1
    assert "004" in ok(run("office", "yearly", "--year", year, env=office)).stdout


async def test_office_board_y_shows_who_has_sent(world, tmp_path):
    from syncdb_kit import PASSPHRASE
    from test_office_tui import screen_text, settle

    from tui.app import make_app

    assert import_path(world, submit(world, 2026, dt.date(2026, 12, 20), tmp_path).path).status == "imported"
    dbmod.close()
    app = make_app(db_path=world.office, user="chen", passphrase=PASSPHRASE, today=dt.date(2027, 1, 20), keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        text = screen_text(app)
        assert "2026 年度：1/1 个代办处已报送（截止 2027-01-15）" in text
        assert "待核对" in text
        row = app.screen.query_one("#yearly").get_row_at(0)  # the table's data: painting may lag on a server
        assert str(row[0]) == "004" and str(row[2]).startswith("20")
