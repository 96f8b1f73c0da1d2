"""``huzhu renew --filed``: the filing date obeys rules.check_entry_date (issue 14 item 1).

The CLI reads the real clock, so every date here is relative to today."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from models import db as dbmod
from models.enrolments import COLUMNS
from rules import id_check_char
from rules.dates import term_end
from tests.cli_kit import Branch
from tests.conftest import TODAY
from tests.test_cli import LI_PASS, PASS, assert_clean_failure, env, run


@pytest.fixture(scope="module")
def renewable(tmp_path_factory):
    """A branch (supervisor zhang, clerk li) with unit U0001's ZYYL policy ending in 10 days."""
    d = tmp_path_factory.mktemp("renew")
    db = d / "b.hzdb"
    Branch(PASS, lambda _user: LI_PASS).init(db, {"li": "clerk"})
    end = TODAY + dt.timedelta(days=10)
    start = end.replace(year=end.year - 1) + dt.timedelta(days=1)
    assert term_end(start, 12) == end
    first17 = "11010519800101001"
    path = d / "staff.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerow(
            [
                "U0001",
                "朝阳某公司工会",
                "ZYYL",
                start.isoformat(),
                end.isoformat(),
                (start - dt.timedelta(days=5)).isoformat(),
                "张三",
                first17 + id_check_char(first17),
                "2",
                "",
                "",
            ]
        )
    proc = run("import", "enrolments", path, env=env(db))
    assert proc.returncode == 0, proc.stderr
    return db


def test_a_future_filing_date_is_refused(renewable):
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    proc = run("renew", "--unit", "U0001", "--plan", "ZYYL", "--filed", future, env=env(renewable))
    assert_clean_failure(proc, 3, f"续保办理日期 {future} 晚于今天")
    assert "R0.date.future" in proc.stderr


def test_an_earlier_date_is_refused_for_a_clerk_and_without_a_reason(renewable):
    earlier = (TODAY - dt.timedelta(days=2)).isoformat()
    proc = run(
        "renew",
        "--unit",
        "U0001",
        "--plan",
        "ZYYL",
        "--filed",
        earlier,
        "--reason",
        "漏录",
        env=env(renewable, user="li", passphrase=LI_PASS),
    )
    assert_clean_failure(proc, 3, "补录以前的日期须由负责人办理并写明理由")
    proc = run("renew", "--unit", "U0001", "--plan", "ZYYL", "--filed", earlier, env=env(renewable))
    assert_clean_failure(proc, 3, "补录须写明理由")


def test_a_supervisor_back_dates_with_a_reason_and_the_audit_says_so(renewable):
    earlier = (TODAY - dt.timedelta(days=2)).isoformat()
    proc = run(
        "renew",
        "--unit",
        "U0001",
        "--plan",
        "ZYYL",
        "--filed",
        earlier,
        "--reason",
        "单位前天已交材料",
        "--json",
        env=env(renewable),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["written"] and out["backdated"] and out["filed"] == earlier and out["outcome"] == "renewal"
    dbmod.unlock(renewable, "zhang", PASS)
    try:
        detail = json.loads(
            dbmod.database.execute_sql("SELECT detail FROM audit_event WHERE action = 'policy.renew'").fetchone()[0]
        )
        marks = dbmod.database.execute_sql(
            "SELECT entity, kind, entered_date, reason, by_user FROM backdated_entry"
        ).fetchall()
    finally:
        dbmod.close()
    assert detail["backdated"] == {"date": earlier, "recorded_on": TODAY.isoformat(), "reason": "单位前天已交材料"}
    assert marks == [("policy", "renewal_filed", earlier, "单位前天已交材料", "zhang")]
