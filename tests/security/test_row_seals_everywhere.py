"""Issue 13 item 3 over every write path: a branch built from ``huzhu init`` only through the
command line (enrolments, fees, the management-fee ledger, decisions, custody, purchases, assets,
service projects, staff, work log, a back-dated claim) leaves ``huzhu check`` clean, with no row
left for the commit-time net (``models.db._seal_the_rest``) to seal; and a raw UPDATE, DELETE or
INSERT on each table added since the row seals (migrations 0014–0020) is named by the check.

Seen before: a claim a supervisor entered with an earlier report date wrote its 补录 mark after the
claim's event, so the mark was never held by a signed event and the TUI's unlock (which runs the
same check) called the books "changed outside the program"."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models import admin, rowseal
from models import db as dbmod
from rules.idcard import id_check_char
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.security.signing_kit import raw

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-08-20"  # the day every command runs on (tests/acceptance/clockshim)
USERS = {"zhao": "accountant", "qian": "cashier", "wang": "clerk"}

#: Every table a migration after the row seals (0013) added, with a row the build below writes.
NEWER_TABLES = (
    "backdated_entry",  # 0014
    "fee_receipt",  # 0017
    "fee_payment",
    "fee_remittance",
    "fee_remittance_item",
    "collective_decision",  # 0018
    "mgmt_income",
    "mgmt_spending",
    "custody_holding",
    "service_project",  # 0019
    "service_project_step",
    "purchase",  # 0020
    "purchase_quote",
    "fixed_asset",
    "asset_move",
    "asset_count",
    "asset_count_line",
)


def _idn(n: int) -> str:
    body = f"11010519800101{n:03d}"
    return body + id_check_char(body)


def run(db: Path, *args: object, user: str = "zhang", env: dict[str, str] | None = None) -> str:
    full = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    full.update(
        HUZHU_DB=str(db),
        HUZHU_USER=user,
        HUZHU_PASSPHRASE=PASSPHRASE if user == "zhang" else f"{user} passphrase 2026",
        HUZHU_TEST_TODAY=DAY,
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "acceptance" / "clockshim"), full.get("PYTHONPATH", "")]),
    )
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True, env=full, timeout=300
    )
    assert proc.returncode == 0, (args, proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc.stdout


def build(folder: Path) -> Path:
    db = folder / "branch.hzdb"
    admin.create_database(db, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF)
    for name, role in USERS.items():
        run(db, "user", "add", name, "--role", role, env={"HUZHU_NEW_PASSPHRASE": f"{name} passphrase 2026"})
    enrol = folder / "e.csv"
    with open(enrol, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"])
        for i, name in enumerate(("赵一", "钱二", "孙三"), start=1):
            w.writerow(["U0001", "第一单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", name, _idn(i), "2"])
    run(db, "import", "enrolments", enrol)
    run(db, "member", "edit", _idn(1), "--phone", "13800000001", "--reason", "会员来电更正")
    run(db, "staff", "add", "王芳", "--username", "wangfang")
    run(db, "staff", "login", "王芳", "--on", DAY)
    run(db, "worklog", "add", "--kind", "meeting", "--date", DAY, "--title", "管委会例会")
    for line, amount in (
        ("running_costs", "20000"),
        ("service_projects", "20000"),
        ("purchases_assets", "50000"),
        ("welfare", "50000"),
    ):
        run(db, "budget", "add", "--year", "2026", "--line", line, "--amount", amount)
    run(db, "budget", "approve", "--year", "2026", "--meeting-date", DAY, "--minutes", "纪要1号")
    # Fees: two receipts, one voided by the supervisor, the other remitted.
    for no in ("A0001", "A0002"):
        run(
            db, "fee", "receive", "--unit", "U0001", "--plan", "ZYYL", "--period", "2026", "--amount", "50",
            "--on", "2026-08-01", "--receipt", no,
        )  # fmt: skip
    run(db, "fee", "void-receipt", "A0002", "--reason", "金额写错，重开")
    run(db, "fee", "remit", "--amount", "50", "--on", "2026-08-10", "--bank-ref", "BK1", "--covers", "A0001")
    # The management-fee ledger, a collective decision, the custody register.
    run(db, "ledger", "income", "--amount", "30000", "--on", DAY, "--reference", "京互办〔2026〕1号", user="zhao")
    out = run(
        db, "ledger", "spend", "--category", "office", "--amount", "120", "--payee", "文具店", "--note", "办公用品",
        "--on", DAY, "--json", user="zhao",
    )  # fmt: skip
    spent = json.loads(out)["spending_id"]
    run(db, "ledger", "approve", spent)
    run(db, "ledger", "pay", spent, "--ref", "ZZ1", user="qian")
    run(db, "ledger", "income", "--kind", "other", "--amount", "1", "--on", DAY, "--note", "利息", user="zhao")
    run(
        db, "decision", "add", "--on", DAY, "--attendee", "张主任", "--attendee", "王委员", "--attendee", "赵会计",
        "--decision", "同意", "--amount", "12000", "--minutes", "纪要2号",
    )  # fmt: skip
    run(db, "custody", "assign", "--kind", "cheques", "--holder", "qian")
    # A purchase with one quote (below the threshold), decided, and its asset through its life.
    run(db, "purchase", "new", "--title", "打印机", "--quantity", 1, "--estimate", 1800)
    run(db, "purchase", "quote", "CG0001", "--supplier", "甲公司", "--unit-price", 1800, "--model", "P1")
    run(db, "purchase", "decide", "CG0001")
    run(db, "asset", "add", "--purchase", "CG0001", "--location", "办公室", "--keeper", "王芳")
    run(db, "asset", "add", "--name", "旧电脑", "--amount", 3000, "--location", "库房", "--keeper", "王芳")
    run(db, "asset", "move", "ZC0001", "--location", "二楼", "--reason", "调整办公室")
    run(db, "asset", "dispose", "ZC0002", "--reason", "报废", "--approval", "主任办公会纪要5号")
    run(db, "asset", "count", "--year", 2026, "--by", "王芳")
    # A service project, submitted.
    out = run(
        db, "project", "new", "--name", "职工健康体检", "--start", "2026-10-12", "--end", "2026-10-31",
        "--applicant", "朝阳区某公司工会", "--parent-unit", "北京市朝阳区总工会", "--content", "体检套餐",
        "--target", "在职会员", "--purpose", "关爱职工健康", "--funding", "代办处管理费（服务项目科目）",
        "--leader", "王芳", "--leader-phone", "13800000000", "--participation", "凭码预约",
        "--contact", "010-12345678", "--item", "体检套餐:300:50", "--json",
    )  # fmt: skip
    run(db, "project", "advance", json.loads(out)["project_id"], "submit", "--doc", "朝互方案〔2026〕1号")
    # A claim a supervisor enters with an earlier report date (补录): the mark is a row too.
    run(
        db, "claim", "register", "--id-number", _idn(2), "--plan", "ZYYL", "--diagnosis", "肺炎",
        "--incident-date", "2026-08-01", "--reported-on", "2026-08-10", "--reason", "纸质报案补录",
        "--reporter", "刘主席", "--shares", "1",
    )  # fmt: skip
    return db


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("everywhere"))


@pytest.fixture
def branch(built, tmp_path) -> Path:
    for source in built.parent.glob(built.name + "*"):
        shutil.copy2(source, tmp_path / source.name)
    return tmp_path / built.name


def findings(db: Path) -> list[rowseal.RowFinding]:
    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        return rowseal.verify()[0]
    finally:
        dbmod.close()


def test_every_write_command_leaves_check_clean_with_no_row_left_to_the_net(branch):
    assert json.loads(run(branch, "check", "--json"))["ok"]  # exit 0: row_seals, signatures, chain
    dbmod.unlock(branch, "zhang", PASSPHRASE)
    try:
        counts = {t: dbmod.database.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in NEWER_TABLES}
        nets = dbmod.database.execute_sql("SELECT detail FROM audit_event WHERE action = 'rows.sealed'").fetchall()
    finally:
        dbmod.close()
    assert all(counts.values()), counts  # the build reached every newer table
    assert nets == []  # every service recorded its event after its last write


def _first_row(conn, table: str) -> tuple[str, list[str], tuple]:
    cur = conn.execute(f'SELECT CAST(rowid AS TEXT), * FROM "{table}" ORDER BY rowid LIMIT 1')
    names = [d[0] for d in cur.description][1:]
    row = cur.fetchone()
    return row[0], names, row[1:]


@pytest.mark.parametrize("table", NEWER_TABLES)
def test_a_raw_update_delete_or_insert_on_each_newer_table_is_named(branch, tmp_path, table):
    copies = {}
    for op in ("update", "delete", "insert"):
        folder = tmp_path / op
        folder.mkdir()
        for source in branch.parent.glob(branch.name + "*"):
            shutil.copy2(source, folder / source.name)
        copies[op] = folder / branch.name

    conn = raw(copies["update"], "zhang", PASSPHRASE)
    pk, names, values = _first_row(conn, table)
    texts = [n for n, v in zip(names, values, strict=True) if n != "id" and isinstance(v, str) and v]
    if texts:
        column, change = texts[0], f"\"{texts[0]}\" || '改'"
    else:  # a row of numbers only (a remittance's item): one of them changed
        column = next(n for n, v in zip(names, values, strict=True) if n != "id" and isinstance(v, int))
        change = f'"{column}" + 1'
    conn.execute(f'UPDATE "{table}" SET "{column}" = {change} WHERE rowid = ?', (int(pk),))
    conn.close()
    found = [(f.table, f.kind, f.columns) for f in findings(copies["update"])]
    assert (table, "changed", [column]) in found, found

    conn = raw(copies["delete"], "zhang", PASSPHRASE)
    conn.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (int(pk),))
    conn.close()
    assert (table, "deleted") in [(f.table, f.kind) for f in findings(copies["delete"])]

    conn = raw(copies["insert"], "zhang", PASSPHRASE)
    cols = [n for n in names if n != "id"]
    # A copy of the first row, its text and numbers made distinct so no unique index refuses it.
    picks = ", ".join(
        f'CASE typeof("{c}") WHEN \'text\' THEN "{c}" || \'9\' WHEN \'integer\' THEN "{c}" + 1000000 ELSE "{c}" END'
        for c in cols
    )
    quoted = ", ".join(f'"{c}"' for c in cols)
    conn.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {picks} FROM "{table}" WHERE rowid = ?', (int(pk),))
    conn.close()
    assert (table, "added") in [(f.table, f.kind) for f in findings(copies["insert"])]
