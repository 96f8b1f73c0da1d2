"""The office's branch register (docs/rules.md R8) through ``huzhu office branch …`` and its effect
on import and reconcile: what an office clerk types, what the database then holds."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from syncdb_kit import PASSPHRASE, PERIOD, export, new_office

from models import clock
from models import db as dbmod
from tests import cli_kit
from tests.cli_kit import as_
from tests.conftest import TODAY


def huzhu(office, *args, user="chen"):
    return cli_kit.huzhu("office", "branch", *args, env=as_(office, user))


def ok(proc):
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def refused(proc, code: str):
    assert proc.returncode == 3, proc.stderr
    assert code in proc.stderr and "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def office(tmp_path):
    clock.freeze(None)
    return new_office(tmp_path / "office.hzdb")


def rows(office):
    dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        return {
            r[0]: r[1:]
            for r in dbmod.database.execute_sql(
                "SELECT code, name, state, applied_on, decided_on, certified_on, announced_on FROM office_branch"
            )
        }
    finally:
        dbmod.close()


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def test_import_initial_register_all_or_nothing(office, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("编码,名称\n004,朝阳\n7,怀柔\n0x8,密云\n004,重复\n", encoding="gbk")
    proc = huzhu(office, "import", bad)
    assert proc.returncode == 3
    assert "第 4 行" in proc.stderr and "第 5 行" in proc.stderr and "nothing was imported" in proc.stderr
    assert rows(office) == {}
    good = tmp_path / "good.csv"
    good.write_text("编码,名称\n004,朝阳\n7,怀柔\n", encoding="gbk")
    ok(huzhu(office, "import", good))
    held = rows(office)
    assert held["004"][:2] == ("朝阳", "active") and held["007"][:2] == ("怀柔", "active")
    listed = json.loads(ok(huzhu(office, "list", "--json")).stdout)
    assert [r["branch_code"] for r in listed] == ["004", "007"]
    assert all(r["state"] == "active" and r["deadlines"] == [] for r in listed)


def test_application_to_announcement_with_documents_deadlines_and_roles(office):
    received = days_ago(12)
    ok(
        huzhu(
            office,
            "apply",
            "--code",
            "101",
            "--name",
            "新区",
            "--received",
            received,
            "--doc",
            "report",
            "--doc",
            "rules",
            "--full-name",
            "新区互助站",
        )
    )
    listed = json.loads(ok(huzhu(office, "list", "--json")).stdout)[0]
    assert listed["state"] == "applied"
    assert [m["key"] for m in listed["missing_documents"]] == ["roster", "resumes"]
    assert listed["deadlines"][0]["code"] == "R8.3.decision" and listed["deadlines"][0]["overdue"]
    # approval with documents missing is refused, and nothing changes
    refused(huzhu(office, "decide", "101", "--approve", "--on", days_ago(5)), "第八条1")
    assert rows(office)["101"][1] == "applied"
    ok(huzhu(office, "documents", "101", "--doc", "roster", "--doc", "resumes", "--on", days_ago(6)))
    # a decision dated in the future is refused; one after the 10 days is recorded and flagged late
    refused(
        huzhu(office, "decide", "101", "--approve", "--on", (TODAY + dt.timedelta(days=1)).isoformat()),
        "R8.step.future",
    )
    late = ok(huzhu(office, "decide", "101", "--approve", "--on", days_ago(1)))
    assert "已超过期限" in late.stderr
    assert rows(office)["101"][1:4] == ("approved", received, days_ago(1))
    # steps out of order are refused with the state named
    refused(huzhu(office, "announce", "101", "--on", days_ago(0)), "已核准待领证")
    ok(huzhu(office, "certify", "101", "--number", "京互登2026-9", "--on", days_ago(0)))
    result = json.loads(
        ok(huzhu(office, "announce", "101", "--on", days_ago(0), "--started", days_ago(0), "--json")).stdout
    )
    assert result["state"] == "active" and result["warnings"] == []
    history = json.loads(ok(huzhu(office, "show", "101", "--json")).stdout)
    assert [e["step"] for e in history] == ["apply", "documents", "approve", "certify", "announce"]
    assert history[2]["detail"]["late"] is True


def test_only_a_supervisor_decides(office):
    session = dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        from models import admin
        from tests.conftest import CHEAP_KDF

        admin.add_user(session, "liu", "clerk", "another long passphrase 2", kdf=CHEAP_KDF)
    finally:
        dbmod.close()
    ok(
        huzhu(
            office,
            "apply",
            "--code",
            "102",
            "--name",
            "东区",
            "--received",
            days_ago(2),
            "--doc",
            "report",
            "--doc",
            "rules",
            "--doc",
            "roster",
            "--doc",
            "resumes",
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update(HUZHU_DB=str(office), HUZHU_USER="liu", HUZHU_PASSPHRASE="another long passphrase 2")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "office",
            "branch",
            "decide",
            "102",
            "--reject",
            "--reason",
            "x",
            "--on",
            days_ago(1),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 30, proc.stderr
    assert rows(office)["102"][1] == "applied"


def test_change_and_termination(office, tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("编码,名称\n004,朝阳\n", encoding="utf-8")
    ok(huzhu(office, "import", reg))
    ok(
        huzhu(
            office,
            "change",
            "004",
            "--step",
            "apply",
            "--on",
            days_ago(5),
            "--what",
            "director",
            "--value",
            "王主任",
            "--doc",
            "report",
            "--doc",
            "resolution",
        )
    )
    refused(
        huzhu(office, "change", "004", "--step", "decide", "--approve", "--on", days_ago(4)),
        "新任管委会主任或代办处主任的简历",
    )
    ok(huzhu(office, "change", "004", "--step", "decide", "--reject", "--reason", "简历未附", "--on", days_ago(4)))
    assert rows(office)["004"][1] == "active"
    refused(huzhu(office, "terminate", "004", "--step", "approve", "--on", days_ago(3)), "R8.step.illegal")
    ok(
        huzhu(
            office,
            "terminate",
            "004",
            "--step",
            "apply",
            "--on",
            days_ago(3),
            "--ground",
            "单位撤并",
            "--doc",
            "report",
            "--doc",
            "resolution",
            "--doc",
            "liquidation",
        )
    )
    ok(huzhu(office, "terminate", "004", "--step", "approve", "--on", days_ago(2)))
    ok(huzhu(office, "terminate", "004", "--step", "stop", "--on", days_ago(1)))
    assert rows(office)["004"][1] == "terminated"
    dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        actions = [
            r[0]
            for r in dbmod.database.execute_sql(
                "SELECT action FROM audit_event WHERE action LIKE 'office.branch.%' ORDER BY seq"
            )
        ]
    finally:
        dbmod.close()
    assert actions == [
        "office.branch.import",
        "office.branch.change_apply",
        "office.branch.change_reject",
        "office.branch.terminate_apply",
        "office.branch.terminate_approve",
        "office.branch.terminate_stop",
    ]


def test_closed_branch_is_not_counted_as_not_reported_and_its_later_bundles_are_refused(world):
    from sync import branches, reconcile
    from sync.office import import_file

    # the world's clock is 2026-11-02; branch 004 stopped on 2026-09-30, so nothing is expected
    # for 2026-10 and a bundle for it is refused with R8.7
    with world.at_office():
        dbmod.database.execute_sql(
            "INSERT INTO office_branch (code, name, state, source, stopped_on, docs, change_announce_pending, "
            "created_at, updated_at) VALUES ('004', '朝阳', 'terminated', 'import', '2026-09-30', '[]', FALSE, 'x', 'x')"
        )
        assert reconcile.reconcile(PERIOD).not_reported == []
        assert branches.closed_for(PERIOD, clock.today()) == {"004": "terminated"}
    bundle = export(world).path
    with world.at_office():
        outcome = import_file(bundle)
        assert (outcome.status, outcome.reason) == ("refused", "R8.7.terminated")
        assert dbmod.database.execute_sql("SELECT count(*) FROM office_figure").fetchone()[0] == 0
        # while active, a branch that has not reported is listed
        dbmod.database.execute_sql("UPDATE office_branch SET state = 'active', stopped_on = NULL")
        assert [r["branch_code"] for r in reconcile.reconcile(PERIOD).not_reported] == ["004"]
        outcome = import_file(bundle)
        assert outcome.status == "imported"


def test_the_audited_branch_list_of_001_is_the_initial_register(office):
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[2] / "docs" / "branches-2023.csv"
    ok(huzhu(office, "import", shipped))
    held = rows(office)
    assert len(held) == 50 and held["004"][0] == "朝阳" and held["007"][0] == "怀柔"


def test_board_todo_and_due_day_from_the_command_line(office, tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("编码,名称\n004,朝阳\n", encoding="utf-8")
    ok(huzhu(office, "import", reg))

    def office_cmd(*args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
        env.update(HUZHU_DB=str(office), HUZHU_USER="chen", HUZHU_PASSPHRASE=PASSPHRASE)
        return ok(
            subprocess.run(
                [sys.executable, "-m", "tui", "office", *args], capture_output=True, text=True, env=env, timeout=120
            )
        )

    board = json.loads(office_cmd("board", "--months", "2", "--json").stdout)
    assert len(board["periods"]) == 2 and board["branches"][0]["branch_code"] == "004"
    assert board["branches"][0]["months"][0]["status"] == "late"  # the month before last is past any due day
    office_cmd("settings", "--due-day", "28")
    dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        assert dbmod.database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'office_due_day'").fetchone() == (
            "28",
        )
    finally:
        dbmod.close()
    todo = json.loads(office_cmd("todo", "--json").stdout)
    assert {i["kind"] for i in todo} == {"late"} and all(i["branch_code"] == "004" for i in todo)
