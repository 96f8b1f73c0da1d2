"""A branch database made only the way a branch makes one: ``huzhu init`` and CLI entries in
subprocesses (no ``models.demo``, nothing written by the test). Each step runs on a day of the
test's choosing through the acceptance test's clock harness (``tests/acceptance/clockshim``),
so a disbursement of last year is entered last year and every date rule applies as it would.

The template is built once per test session and copied for each test (with its key file)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from models import db as dbmod
from models.enrolments import COLUMNS
from rules.dates import term_end
from rules.idcard import id_check_char

CLOCKSHIM = Path(__file__).resolve().parents[1] / "acceptance" / "clockshim"
#: The users and their passphrases (each satisfies the policy).
PASSES = {"zhang": "zhang's branch pass", "wang": "wang clerk passphrase", "audit": "audit passphrase 2026"}
NAMES = ["张三", "李四", "王五", "赵六"]
UNIT = ("U0001", "朝阳某公司工会")
POLICY_START = dt.date(2024, 12, 1)


def idn(i: int) -> str:
    body = f"11010519800101{i:03d}"
    return body + id_check_char(body)


def huzhu(db: Path, *args: object, user: str = "zhang", on: dt.date | None = None, new_pass: str | None = None):
    """Run ``huzhu ARGS`` as ``user`` on day ``on``; fails the test on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update(HUZHU_DB=str(db), HUZHU_USER=user, HUZHU_PASSPHRASE=PASSES[user])
    if new_pass:
        env["HUZHU_NEW_PASSPHRASE"] = new_pass
    if on is not None:
        env["HUZHU_TEST_TODAY"] = on.isoformat()
        env["PYTHONPATH"] = os.pathsep.join([str(CLOCKSHIM), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True, env=env, timeout=180
    )
    assert proc.returncode == 0, (args, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return json.loads(proc.stdout) if "--json" in args else proc


def build_branch(folder: Path) -> dict:
    """``huzhu init`` (supervisor zhang), clerk wang and auditor audit; four members of one unit
    in 住院医疗 from 2024-12-01 (an enrolment import), each with a bank account; the 2025 and
    2026 budgets approved; a 生活救助金 entered on 2025-06-10 and one on 2026-02-20 (both still
    waiting for approval). Returns the database path and the facts the tests look for."""
    db = folder / "branch.hzdb"
    day = dt.date(2024, 11, 20)
    huzhu(db, "init", "--branch-code", "004", "--branch-name", "朝阳", "--user", "zhang", on=day)
    huzhu(db, "user", "add", "wang", "--role", "clerk", on=day, new_pass=PASSES["wang"])
    huzhu(db, "user", "add", "audit", "--role", "auditor", on=day, new_pass=PASSES["audit"])
    staff = folder / "staff.csv"
    with open(staff, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i, name in enumerate(NAMES, start=1):
            end = term_end(POLICY_START, 12).isoformat()
            out.writerow([*UNIT, "ZYYL", POLICY_START.isoformat(), end, day.isoformat(), name, idn(i), "2", "", ""])
    huzhu(db, "import", "enrolments", staff, on=day)
    for i in range(1, len(NAMES) + 1):
        huzhu(db, "member", "edit", idn(i), "--bank-name", "工商银行", "--bank-account", f"62220200{i:011d}",
              "--reason", "会员书面提供本人账户", on=day)  # fmt: skip
    for year in (2025, 2026):
        on = dt.date(year, 1, 10)
        huzhu(db, "budget", "add", "--year", year, "--line", "hardship_aid", "--amount", "100000", on=on)
        huzhu(db, "budget", "approve", "--year", year, "--meeting-date", on, "--minutes", "管委会会议纪要", on=on)
    old = huzhu(db, "disbursement", "enter", "--category", "hardship_aid", "--note", "家庭困难", "--id-number", idn(1),
                "--amount", "1000", "--json", user="wang", on=dt.date(2025, 6, 10))  # fmt: skip
    new = huzhu(db, "disbursement", "enter", "--category", "hardship_aid", "--note", "家庭困难", "--id-number", idn(2),
                "--amount", "800", "--json", user="wang", on=dt.date(2026, 2, 20))  # fmt: skip
    return {"db": db, "old_disbursement": old["disbursement_id"], "new_disbursement": new["disbursement_id"]}


def copy_branch(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for source in template.parent.glob(template.name + "*"):
        shutil.copy2(source, folder / source.name)
    return folder / template.name


def sql(db: Path, query: str, *params):
    dbmod.unlock(db, "zhang", PASSES["zhang"])
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()
