"""Sync through the real ``huzhu`` command: the round trip from a demo branch to a
reconciliation with three planted differences, exit codes, and a SIGKILL mid-import."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from syncdb_kit import PASSPHRASE, PERIOD, export, new_branch, office_counts

from models import db as dbmod
from tests.cli_kit import as_, ok
from tests.cli_kit import huzhu as run

KIT = Path(__file__).resolve().parent


def test_round_trip_demo_branch_to_reconciliation_with_three_planted_differences(tmp_path):
    from models.demo import build_demo
    from sync.reconcile import LEDGER_COLUMNS

    branch = tmp_path / "demo.hzdb"
    build_demo(branch, members=300, today=dt.date(2026, 11, 2))
    b = as_(branch, "demo", "demo")
    office = tmp_path / "office.hzdb"
    o = as_(office, "chen")
    ok(run("office", "init", "--db", office, "--user", "chen", env={"HUZHU_PASSPHRASE": PASSPHRASE}))
    ok(run("keys", "export", "--out", tmp_path / "reg.json", env=b))
    proc = ok(run("office", "enroll", tmp_path / "reg.json", "--yes", env=o))
    shown = json.loads(ok(run("keys", "show", "--json", env=b)).stdout)["fingerprint"]
    assert shown in proc.stderr  # the fingerprint to read over the phone
    ok(run("office", "keys", "export", "--out", tmp_path / "office.json", env=o))
    ok(run("keys", "trust-office", tmp_path / "office.json", "--yes", env=b))
    # a second enrolled branch that never reports
    silent = new_branch(tmp_path / "silent.hzdb", "007", "怀柔")
    ok(run("keys", "export", "--out", tmp_path / "reg7.json", env=as_(silent, "zhang")))
    ok(run("office", "enroll", tmp_path / "reg7.json", "--yes", env=o))

    dry = json.loads(ok(run("export", "--period", PERIOD, "--dry-run", "--json", env=b)).stdout)
    assert dry["dry_run"] and dry["path"] is None and dry["totals"]["members"] > 0
    out = tmp_path / "out"
    out.mkdir()
    exported = json.loads(ok(run("export", "--period", PERIOD, "--out", out, "--json", env=b)).stdout)
    assert exported["totals"] == dry["totals"] and Path(exported["path"]).name == "004-202610-0001.hzb"
    verified = json.loads(ok(run("office", "verify", exported["path"], "--json", env=o)).stdout)
    assert verified[0]["status"] == "verified"
    imported = json.loads(ok(run("office", "import", exported["path"], "--json", env=o)).stdout)
    assert imported[0]["status"] == "imported"

    # the office's ledger: equal to the branch's figures except for three planted differences
    dbmod.unlock(office, "chen", PASSPHRASE)
    rows = dbmod.database.execute_sql(
        "SELECT branch_code, unit_code, plan_code, members, shares, fees_due_fen, claims_settled, benefit_fen "
        "FROM office_figure ORDER BY unit_code, plan_code"
    ).fetchall()
    dbmod.close()
    assert len(rows) >= 3
    rows = [list(r) for r in rows]
    rows[0][3] += 1  # members
    rows[len(rows) // 2][5] -= 2550  # fees due, 25.50 yuan
    rows[-1][7] += 100000  # benefit paid, 1000 yuan
    planted = {
        (rows[0][1], rows[0][2], "members"),
        (rows[len(rows) // 2][1], rows[len(rows) // 2][2], "fees_due_fen"),
        (rows[-1][1], rows[-1][2], "benefit_fen"),
    }
    ledger = tmp_path / "ledger.csv"
    with open(ledger, "w", encoding="gbk", newline="") as fh:  # as Excel on a Chinese Windows saves it
        w = csv.writer(fh)
        w.writerow(LEDGER_COLUMNS)
        for r in rows:
            w.writerow([r[0], r[1], r[2], r[3], r[4], f"{r[5] / 100:.2f}", r[6], f"{r[7] / 100:.2f}"])
    report = json.loads(
        ok(
            run(
                "office",
                "reconcile",
                "--period",
                PERIOD,
                "--ledger",
                ledger,
                "--csv",
                tmp_path / "d.csv",
                "--xlsx",
                tmp_path / "d.xlsx",
                "--json",
                env=o,
            )
        ).stdout
    )
    assert {(d["unit_code"], d["plan_code"], d["item"]) for d in report["differences"]} == planted
    assert len(report["differences"]) == 3
    assert [m["branch_code"] for m in report["not_reported"]] == ["007"]
    assert report["branches_reported"] == ["004"]
    with open(tmp_path / "d.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 1 + 3 + 1
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "d.xlsx")
    assert wb.sheetnames == ["差异", "未报送"] and wb["差异"].max_row == 4
    # figures are number cells: the planted 25.50 yuan and 1 member, summable in Excel
    cells = {row[3].value: row[4:7] for row in wb["差异"].iter_rows(min_row=2)}
    fees = cells["应缴会费（元）"]
    assert fees[2].value == 25.5 and fees[2].number_format == "#,##0.00"  # branch − office
    assert fees[0].value - fees[1].value == 25.5
    members = [c for item, c in cells.items() if item not in ("应缴会费（元）", "给付金额（元）")][0]
    assert members[2].value == -1 and isinstance(members[0].value, int)  # the ledger has one more
    screen = ok(run("office", "reconcile", "--period", PERIOD, env=o))
    assert "差异 3 处" in screen.stderr

    # the answer goes back and lands at the branch
    ok(
        run(
            "office",
            "notice",
            "--branch",
            "004",
            "--period",
            PERIOD,
            "--kind",
            "direct_pay_failed",
            "--text",
            "账户已销户，请更正",
            env=o,
        )
    )
    answer = json.loads(
        ok(run("office", "return", "--branch", "004", "--period", PERIOD, "--out", out, "--json", env=o)).stdout
    )
    got = json.loads(ok(run("sync", "receive", answer["path"], "--json", env=b)).stdout)
    assert got["status"] == "received" and len(got["differences"]) == 3 and len(got["notices"]) == 1
    notices = json.loads(ok(run("sync", "notices", "--json", env=b)).stdout)
    assert notices[0]["kind"] == "direct_pay_failed"


def test_exit_codes(world, tmp_path):
    path = export(world).path
    o = as_(world.office, "chen")
    b = as_(world.branch, "zhang")
    proc = run("office", "import", path, env=b)
    assert proc.returncode == 43 and "办事处" in proc.stderr
    proc = run("export", "--period", PERIOD, env=o)
    assert proc.returncode == 43
    bad = tmp_path / "bad.hzb"
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    bad.write_bytes(bytes(data))
    proc = run("office", "import", bad, env=o)
    assert proc.returncode == 40 and "payload_hash_mismatch" in proc.stdout and "Traceback" not in proc.stderr
    assert ok(run("office", "import", path, env=o))
    proc = ok(run("office", "import", path, env=o))
    assert "重复" in proc.stdout
    third = export(world).path, export(world).path
    proc = run("office", "import", third[1], env=o)
    assert proc.returncode == 41
    proc = run("export", "--period", "2026-13", env=b)
    assert proc.returncode == 2


def test_process_killed_mid_import_leaves_nothing_and_import_again_succeeds(world, tmp_path):
    path = export(world).path
    marker = tmp_path / "inside-transaction"
    script = f"""
import sys, time
sys.path.insert(0, {str(KIT)!r})
import syncdb_kit
from models import db as dbmod
import sync.office as office
original = office._insert_records
def stalled(*args, **kwargs):
    original(*args, **kwargs)
    open({str(marker)!r}, "w").close()
    time.sleep(120)
office._insert_records = stalled
dbmod.unlock({str(world.office)!r}, "chen", syncdb_kit.PASSPHRASE)
office.import_file({str(path)!r})
"""
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=KIT.parent.parent)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the importing process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert office_counts(world) == {"figures": 0, "records": 0, "imported": 0, "held": 0}
    from sync.office import import_file

    with world.at_office():
        assert import_file(path).status == "imported"
        from models import admin

        assert all(item.ok for item in admin.run_checks())  # the file's pages, or the chain on a server
    assert office_counts(world)["figures"] == 3


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_ledger_template_reads_back_with_the_headers(tmp_path, suffix):
    from models.tabular import read_table
    from sync.reconcile import LEDGER_COLUMNS, write_ledger_template

    path = write_ledger_template(tmp_path / f"ledger{suffix}")
    assert read_table(path).headers == LEDGER_COLUMNS
