"""The clerks' business-system accounts from an empty database, through the real command:
add, edit (with its form records and history), list, logins entered and imported
(all-or-nothing), and the 180-day item (R4.2) computed from those entries in the yearly
self-check (org.7) and the 待办 list."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import admin, clock
from models import db as dbmod
from tests.cli_kit import Branch, ok
from tests.conftest import CHEAP_KDF, TODAY

PASS = "staff pass 1"


CLI = Branch(PASS)
run, sql = CLI.run, CLI.query


@pytest.fixture
def fresh_db(tmp_path):
    """What ``huzhu init`` makes, with cheap Argon2 parameters so each command unlocks quickly."""
    db = tmp_path / "b.hzdb"
    admin.create_database(db, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASS, kdf=CHEAP_KDF)
    return db


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_accounts_changes_and_their_forms(fresh_db, tmp_path):
    db = fresh_db
    ok(
        run(
            db,
            "staff",
            "add",
            "王芳",
            "--username",
            "bj004wangfang",
            "--phone",
            "13800001111",
            "--created-on",
            days_ago(400),
        )
    )
    ok(run(db, "staff", "add", "李静", "--username", "bj004lijing", "--created-on", days_ago(30)))
    bad = run(db, "staff", "add", "周新", "--username", "bj004wangfang")
    assert bad.returncode == 3 and "已属于 王芳" in bad.stderr
    bad = run(db, "staff", "add", "周新", "--username", "zx", "--phone", "call me")
    assert bad.returncode == 3 and "联系电话" in bad.stderr
    bad = run(db, "staff", "add", "周新", "--username", "zx", "--created-on", TODAY + dt.timedelta(days=1))
    assert bad.returncode == 3 and "晚于今天" in bad.stderr
    assert run(db, "staff", "add", "周新").returncode == 2  # --username is required
    # a new phone, reported to the office; a new holder; a new username; a disabled account
    ok(
        run(
            db,
            "staff",
            "edit",
            "王芳",
            "--phone",
            "13900002222",
            "--on",
            days_ago(10),
            "--reported-on",
            days_ago(8),
            "--reason",
            "更换手机",
        )
    )
    nothing = run(db, "staff", "edit", "王芳", "--phone", "13900002222")
    assert nothing.returncode == 3 and "没有要修改的内容" in nothing.stderr
    ok(run(db, "staff", "edit", "bj004lijing", "--username", "bj004lijing2"))
    early = run(db, "staff", "edit", "bj004lijing2", "--disable", "--on", days_ago(31))
    assert early.returncode == 3 and "早于账号" in early.stderr
    ok(run(db, "staff", "edit", "bj004lijing2", "--disable", "--on", days_ago(5), "--reason", "调离"))
    late = run(db, "staff", "login", "李静", "--on", TODAY)
    assert late.returncode == 3 and "停用" in late.stderr
    listed = {a["username"]: a for a in json.loads(ok(run(db, "staff", "list", "--json")).stdout)}
    wang = listed["bj004wangfang"]
    assert wang["phone"] == "13900002222" and wang["active"] and wang["created_on"] == days_ago(400).isoformat()
    assert [(c["field"], c["old"], c["new"], c["reported_on"]) for c in wang["changes"]] == [
        ("account", None, "bj004wangfang", None),
        ("phone", "13800001111", "13900002222", days_ago(8).isoformat()),
    ]
    li = listed["bj004lijing2"]
    assert not li["active"] and li["disabled_on"] == days_ago(5).isoformat() and li["login_status"] is None
    assert [c["field"] for c in li["changes"]] == ["account", "active", "username"]  # by date: username today
    assert list(listed) == ["bj004wangfang", "bj004lijing2"]  # active first
    assert [a["username"] for a in json.loads(ok(run(db, "staff", "list", "--active", "--json")).stdout)] == [
        "bj004wangfang"
    ]
    # the 用户名变更表/备案表 report reads the forms these changes wrote
    report = json.loads(ok(run(db, "report", "accounts", "--period", TODAY.year, "--json")).stdout)
    forms = [(r["form"], r["old_username"], r["new_username"]) for r in report["rows"]]
    assert ("业务系统用户名备案表", "", "bj004lijing") in forms
    assert ("业务系统用户名变更表", "bj004lijing", "bj004lijing2") in forms
    assert ("业务系统用户名变更表", "bj004lijing2", "") in forms
    assert sql(db, "SELECT kind, old_username, new_username FROM account_form ORDER BY id")[0] == (
        "filing",
        None,
        "bj004wangfang",
    )
    actions = [a for (a,) in sql(db, "SELECT action FROM audit_event WHERE action LIKE 'staff.%' ORDER BY seq")]
    assert actions == ["staff.add", "staff.add", "staff.edit", "staff.edit", "staff.edit"]


def test_logins_entered_and_imported_all_or_nothing(fresh_db, tmp_path):
    db = fresh_db
    ok(run(db, "staff", "add", "王芳", "--username", "bj004wangfang", "--created-on", days_ago(300)))
    ok(run(db, "staff", "add", "李静", "--username", "bj004lijing", "--created-on", days_ago(300)))
    ok(run(db, "staff", "login", "王芳", "--on", days_ago(20)))
    again = ok(run(db, "staff", "login", "bj004wangfang", "--on", days_ago(20)))
    assert "已登记过" in again.stderr
    for when, why in ((days_ago(301), "早于账号"), (TODAY + dt.timedelta(days=1), "晚于今天")):
        bad = run(db, "staff", "login", "王芳", "--on", when)
        assert bad.returncode == 3 and why in bad.stderr
    unknown = run(db, "staff", "login", "赵六", "--on", TODAY)
    assert unknown.returncode == 3 and "没有经办人或用户名“赵六”" in unknown.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"用户名,登录日期\nbj004lijing,{days_ago(100)}\nnobody,{days_ago(5)}\nbj004lijing,2026-13-40\n,{days_ago(3)}\n",
        encoding="utf-8",
    )
    proc = run(db, "import", "logins", bad, "--json")
    assert proc.returncode == 3
    out = json.loads(proc.stdout)
    assert not out["written"] and [(e["line"], e["column"]) for e in out["errors"]] == [
        (3, "用户名"),
        (4, "登录日期"),
        (5, "用户名"),
    ]
    assert "nobody" in out["errors"][0]["reason"]
    assert sql(db, "SELECT count(*) FROM staff_login") == [(1,)]  # nothing from the bad file

    good = tmp_path / "logins.csv"  # the office's list, English headers, GBK as Excel writes it
    good.write_bytes(
        f"username,date\nbj004lijing,{days_ago(100)}\nbj004lijing,{days_ago(10)}\n"
        f"bj004wangfang,{days_ago(20)}\n".encode("gbk")
    )
    dry = json.loads(ok(run(db, "import", "logins", good, "--dry-run", "--json")).stdout)
    assert dry["new"] == 2 and dry["skipped"] == 1 and not dry["written"]
    done = json.loads(ok(run(db, "import", "logins", good, "--json")).stdout)
    assert done["written"] and done["new"] == 2 and done["accounts"] == 1
    twice = json.loads(ok(run(db, "import", "logins", good, "--json")).stdout)
    assert twice["new"] == 0 and twice["skipped"] == 3
    assert sql(
        db,
        "SELECT s.username, l.on_date, l.source FROM staff_login l JOIN staff_account s "
        "ON s.id = l.account_id ORDER BY l.on_date, s.username",
    ) == [
        ("bj004lijing", days_ago(100).isoformat(), "import"),
        ("bj004wangfang", days_ago(20).isoformat(), "entered"),
        ("bj004lijing", days_ago(10).isoformat(), "import"),
    ]
    assert sql(db, "SELECT username, last_login FROM staff_account ORDER BY id") == [
        ("bj004wangfang", days_ago(20).isoformat()),
        ("bj004lijing", days_ago(10).isoformat()),
    ]
    assert sql(db, "SELECT kind, rows FROM import_batch") == [("logins", 3)]
    ok(run(db, "check"))  # every row written is bound to its signed audit event


def _org7_and_todo(db, today):
    from models import selfcheck
    from models.dashboard import stale_logins

    clock.freeze(today)
    dbmod.unlock(db, "zhang", PASS)
    try:
        item = next(i for i in selfcheck.run(today.year, today=today).items if i.code == "org.7.login")
        return item, stale_logins(today)
    finally:
        dbmod.close()
        clock.freeze(None)


def test_the_180_day_item_is_computed_from_the_entries(fresh_db):
    db = fresh_db
    item, todo = _org7_and_todo(db, TODAY)
    assert item.status == "no_record" and todo == []
    # a new account counts from its creation date: no login yet is not a failure
    ok(run(db, "staff", "add", "王芳", "--username", "bj004wangfang", "--created-on", days_ago(30)))
    item, todo = _org7_and_todo(db, TODAY)
    assert item.status == "ok", item.evidence
    assert todo == []
    # an account unused since day 160 warns (from day 150), then fails past 180
    ok(run(db, "staff", "add", "李静", "--username", "bj004lijing", "--created-on", days_ago(200)))
    ok(run(db, "staff", "login", "李静", "--on", days_ago(160)))
    item, todo = _org7_and_todo(db, TODAY)
    assert item.status == "attention" and [t.status for t in todo] == ["warn"]
    assert "bj004lijing" in todo[0].title and "请于" in todo[0].message
    later = TODAY + dt.timedelta(days=25)
    item, todo = _org7_and_todo(db, later) if later.year == TODAY.year else (None, None)
    if item is not None:
        assert item.status == "fail" and [t.status for t in todo] == ["overdue"]
    # recent logins make the item 符合 and leave no red login line on 待办
    ok(run(db, "staff", "login", "李静", "--on", days_ago(2)))
    ok(run(db, "staff", "login", "王芳", "--on", days_ago(1)))
    item, todo = _org7_and_todo(db, TODAY)
    assert item.status == "ok" and item.status_name == "符合", item.evidence
    assert todo == []
    assert any("最长间隔" in line for line in item.evidence)
