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
from sync.reconcile import LEDGER_COLUMNS

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
    proc = huzhu_run(db, *args, user=user, on=on, new_pass=new_pass)
    assert proc.returncode == 0, (args, proc.stderr)
    return json.loads(proc.stdout) if "--json" in args else proc


def huzhu_run(db: Path, *args: object, user: str = "zhang", on: dt.date | None = None, new_pass: str | None = None):
    """Run ``huzhu ARGS`` as ``user`` on day ``on`` (no traceback, whatever the exit)."""
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
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


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


OFFICE_PASS = "办事处的另一个长口令 office 2026"


def office(db: Path, *args: object, on: dt.date, json_out: bool = False):
    """``huzhu ARGS`` at the office (user chen) on day ``on``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update(HUZHU_DB=str(db), HUZHU_USER="chen", HUZHU_PASSPHRASE=OFFICE_PASS, HUZHU_TEST_TODAY=on.isoformat())
    env["PYTHONPATH"] = os.pathsep.join([str(CLOCKSHIM), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True, env=env, timeout=180
    )
    assert proc.returncode == 0, (args, proc.stderr)
    return json.loads(proc.stdout) if json_out else proc


def add_office(branch: dict, folder: Path) -> dict:
    """An office database that has enrolled this branch, and its public-key file (not yet
    installed at the branch): the branch's 同步 screen has no office key."""
    folder.mkdir(parents=True, exist_ok=True)
    db, office_db = branch["db"], folder / "office.hzdb"
    day = dt.date(2024, 11, 20)
    office(office_db, "office", "init", "--db", office_db, "--user", "chen", on=day)
    huzhu(db, "keys", "export", "--out", folder / "004.hzreg", on=day)
    office(office_db, "office", "enroll", folder / "004.hzreg", "--yes", on=day)
    office(office_db, "office", "keys", "export", "--out", folder / "office.hzkeys", on=day)
    keys = office(office_db, "office", "keys", "show", "--json", on=day, json_out=True)
    return {**branch, "office_db": office_db, "office_keys": folder / "office.hzkeys", "office_fp": keys["fingerprint"]}


def return_a_claim(branch: dict, folder: Path) -> dict:
    """The office key installed at the branch; a claim registered (2025-10-10) and submitted,
    the 2025-10 bundle exported and imported, and the office's answer returning that claim
    (``案件打回 004-claim-N``) received at the branch."""
    db, office_db = branch["db"], branch["office_db"]
    folder.mkdir(parents=True, exist_ok=True)
    huzhu(db, "keys", "trust-office", branch["office_keys"], "--yes", on=dt.date(2024, 11, 20))
    claim = huzhu(db, "claim", "register", "--id-number", idn(3), "--plan", "ZYYL", "--diagnosis", "肺炎",
                  "--incident-date", "2025-10-01", "--shares", "1", "--reporter", "刘主席", "--json",
                  user="wang", on=dt.date(2025, 10, 10))["claim_id"]  # fmt: skip
    huzhu(db, "claim", "submit", claim, user="wang", on=dt.date(2025, 10, 12))
    day = dt.date(2025, 11, 5)
    exported = huzhu(db, "export", "--period", "2025-10", "--out", folder, "--json", on=day)
    office(office_db, "office", "import", exported["path"], on=day)
    ledger = folder / "ledger.csv"  # the office's business-system figures: here equal to the bundle's
    dbmod.unlock(office_db, "chen", OFFICE_PASS)
    try:
        figures = dbmod.database.execute_sql(
            "SELECT branch_code, unit_code, plan_code, members, shares, fees_due_fen, claims_settled, benefit_fen "
            "FROM office_figure ORDER BY unit_code, plan_code"
        ).fetchall()
    finally:
        dbmod.close()
    with open(ledger, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(LEDGER_COLUMNS)
        for b, u, p, m, sh, fees, settled, benefit in figures:
            out.writerow([b, u, p, m, sh, f"{fees / 100:.2f}", settled, f"{benefit / 100:.2f}"])
    office(office_db, "office", "reconcile", "--period", "2025-10", "--ledger", ledger, on=day)
    office(office_db, "office", "notice", "--branch", "004", "--period", "2025-10", "--kind", "claim_returned",
           "--ref", f"004-claim-{claim}", "--text", "缺出院小结", on=day)  # fmt: skip
    answer = office(office_db, "office", "return", "--branch", "004", "--period", "2025-10", "--out", folder,
                    "--json", on=day, json_out=True)  # fmt: skip
    huzhu(db, "sync", "receive", answer["path"], on=dt.date(2025, 11, 6))
    return {**branch, "claim": claim}
