"""Service projects (docs/rules.md R7, seed 004) and the working-day calendar through the ``huzhu`` command
in subprocesses: a whole project from a database made by ``huzhu init`` (plan, first review, meeting,
procurement, 请示, the six signatures, approval, launch materials with e-codes, running, feedback,
evaluation), the refusals with their articles (no budget line, a missing document, missing materials
or signatures), a first review received before 国庆 and its deadline, a termination, e-codes never
printed and never in the audit chain, and the office's calendar notice issued, installed and refused
when tampered with.

Commands run on chosen days through the acceptance test's clock harness (tests/acceptance/clockshim:
HUZHU_TEST_TODAY), as libfaketime would; the program itself has no date switch."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from models import admin
from models import db as dbmod
from models.db import database
from tests.cli_kit import as_, assert_no_traceback, huzhu
from tests.conftest import CHEAP_KDF, PASSPHRASE

HERE = Path(__file__).resolve().parent
PASS = "branch pass 2026"
CODES = ["HZ2026101200A1", "HZ2026101200B2", "HZ2026101200C3", "HZ2026101200D4", "HZ2026101200E5"]
PLAN = (
    "--applicant", "朝阳区某公司工会", "--parent-unit", "北京市朝阳区总工会", "--content", "三甲医院体检套餐",
    "--target", "在职会员", "--purpose", "关爱职工健康", "--funding", "代办处管理费（服务项目科目）",
    "--leader", "王芳", "--leader-phone", "13800000000",
    "--participation", "会员服务平台抢订电子码，凭码预约", "--contact", "010-12345678",
)  # fmt: skip


def run(db, *args, on: str, env: dict | None = None):
    shim = os.pathsep.join([str(HERE / "acceptance" / "clockshim"), os.environ.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    proc = huzhu(*args, env={**as_(db, "zhang", PASS), "HUZHU_TEST_TODAY": on, "PYTHONPATH": shim, **(env or {})})
    assert_no_traceback(proc)
    for code in CODES:
        assert code not in proc.stdout + proc.stderr  # e-codes are never printed in full
    return proc


def ok(db, *args, on: str, **kw):
    proc = run(db, *args, on=on, **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if "--json" in args else proc


def refused(db, *args, on: str, reason: str, code: int = 3):
    proc = run(db, *args, on=on)
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert reason in proc.stderr, proc.stderr
    return proc


def query(db, sql, *params):
    dbmod.unlock(db, "zhang", PASS)
    try:
        return database.execute_sql(sql, params).fetchall()
    finally:
        dbmod.close()


@pytest.fixture(scope="module")
def branch(tmp_path_factory):
    """``huzhu init`` and the 2026 budget with a 服务项目 line of 20,000 yuan, approved."""
    folder = tmp_path_factory.mktemp("projects")
    db = folder / "b.hzdb"
    ok(folder / "b.hzdb", "init", "--branch-code", "004", "--branch-name", "朝阳", "--user", "zhang", on="2026-08-20")
    ok(db, "budget", "add", "--year", "2026", "--line", "service_projects", "--amount", "20000", on="2026-08-20")
    ok(
        db,
        "budget",
        "approve",
        "--year",
        "2026",
        "--meeting-date",
        "2026-08-20",
        "--minutes",
        "纪要8号",
        on="2026-08-20",
    )
    return db


def test_a_whole_project_from_an_empty_database(branch, tmp_path):
    db = branch
    # No budget line, and a plan with blank 附件1 fields: refused with the articles, nothing written.
    refused(
        db, "project", "new", "--name", "观影", "--start", "2026-10-12", "--end", "2026-10-31", *PLAN,
        "--item", "票:50:10", "--budget-line", "publicity_training", on="2026-08-20", reason="六.4",
    )  # fmt: skip
    proc = refused(
        db, "project", "new", "--name", "观影", "--start", "2026-10-12", "--end", "2026-10-31", "--item", "票:50:10",
        on="2026-08-20", reason="附件1",
    )  # fmt: skip
    assert "服务对象" in proc.stderr and "二(二)1" in proc.stderr
    assert query(db, "SELECT count(*) FROM service_project") == [(0,)]

    new = ok(
        db, "project", "new", "--name", "职工健康体检", "--start", "2026-10-12", "--end", "2026-10-31", *PLAN,
        "--item", "体检套餐:300:50", "--json", on="2026-08-20",
    )  # fmt: skip
    pid = str(new["project_id"])
    assert new["state"] == "draft" and "2026-09-12" in new["decisions"][0]["message"]

    # a step without its document is refused with 004 六.3
    proc = refused(db, "project", "advance", pid, "submit", on="2026-08-20", reason="六.3")
    assert "实施方案" in proc.stderr
    ok(db, "project", "advance", pid, "submit", "--doc", "朝互方案〔2026〕1号", on="2026-08-20")
    ok(db, "project", "advance", pid, "review", "--result", "passed", "--doc", "会员服务部初审通知", on="2026-08-26")
    # the 请示 before the minutes and the procurement are on record
    proc = refused(db, "project", "advance", pid, "request", "--doc", "请示1号", on="2026-08-28", reason="六.3")
    assert "会议纪要" in proc.stderr and "采购比选" in proc.stderr
    ok(
        db, "project", "advance", pid, "meeting", "--attendees", "张主任、李会计、王芳", "--decision", "同意开展",
        "--doc", "主管领导办公会纪要2026-9", on="2026-08-28",
    )  # fmt: skip
    # the purchase register's record must exist (and be decided); the documents' reference otherwise
    refused(db, "project", "advance", pid, "procure", "--purchase", "1", on="2026-08-28", reason="采购记录")
    ok(db, "project", "advance", pid, "procure", "--doc", "比选材料2026-3（附件3、附件4）", on="2026-08-28")
    ok(db, "project", "advance", pid, "request", "--doc", "朝互请〔2026〕5号", on="2026-08-31")
    proc = refused(db, "project", "advance", pid, "approve", "--doc", "主任办公会纪要", on="2026-09-01", reason="附件2")
    assert "财务部部长" in proc.stderr
    for dept, signer in (
        ("member_service_clerk", "赵经办"),
        ("member_service_head", "钱部长"),
        ("finance", "孙部长"),
        ("compliance", "李部长"),
        ("it", "周部长"),
        ("member_service_director", "吴主任"),
    ):
        ok(db, "project", "advance", pid, "sign", "--dept", dept, "--signer", signer, on="2026-09-02")
    ok(db, "project", "advance", pid, "approve", "--doc", "主任办公会纪要2026-17", on="2026-09-03")

    view = ok(db, "project", "show", pid, "--json", on="2026-09-10")
    assert view["state"] == "approved"
    (launch,) = [d for d in view["deadlines"] if d["code"] == "R7.7.launch_due"]
    assert launch["due"] == "2026-09-29" and launch["party"] == "branch"  # back over 国庆, 中秋 and the 调休 Saturday

    codes = tmp_path / "codes.csv"
    codes.write_text("电子码,密码\n" + "".join(f"{c},PW{i:04d}\n" for i, c in enumerate(CODES)), encoding="utf-8")
    refused(db, "project", "advance", pid, "launch", "--doc", "实施说明", on="2026-09-29", reason="电子码")
    ok(
        db,
        "project",
        "advance",
        pid,
        "launch",
        "--doc",
        "实施说明、注意事项、咨询电话",
        "--codes-file",
        codes,
        on="2026-09-29",
    )
    refused(db, "project", "advance", pid, "run", on="2026-10-09", reason="2026-10-12")
    ok(db, "project", "advance", pid, "run", on="2026-10-12")
    names = tmp_path / "participants.txt"
    names.write_text("张三\n李四\n王五\n", encoding="utf-8")
    used = tmp_path / "used.txt"
    used.write_text("\n".join(CODES[:3]) + "\n", encoding="utf-8")
    ok(
        db, "project", "advance", pid, "feedback", "--participants-file", names, "--used-file", used,
        "--doc", "会员服务部反馈2026-11", on="2026-11-02",
    )  # fmt: skip
    ok(db, "project", "advance", pid, "evaluate", "--result", "良好", "--doc", "官网通报2026-12", on="2026-11-20")

    view = ok(db, "project", "show", pid, "--json", on="2026-11-20")
    assert view["state"] == "evaluated" and view["deadlines"] == [] and view["next_steps"] == []
    assert view["codes"] == {
        "total": 5,
        "issued": 0,
        "used": 3,
        "unused": 2,
        "masked_sample": ["HZ**********A1", "HZ**********B2", "HZ**********C3"],
    }
    assert view["participants"] == 3 and all(view["signatures"].values())
    assert [s["step"] for s in view["steps"]] == [
        "submit", "review", "meeting", "procure", "request", *["sign"] * 6, "approve", "launch", "run", "feedback",
        "evaluate",
    ]  # fmt: skip
    text = ok(db, "project", "show", pid, on="2026-11-20").stdout
    assert "HZ**********A1" in text and "已使用 3" in text
    # The codes are only in the encrypted database: not in the audit chain, not in the file's bytes.
    events = query(db, "SELECT action, detail FROM audit_event WHERE action LIKE 'project.%' ORDER BY seq")
    assert [a for a, _ in events][:2] == ["project.new", "project.submit"] and len(events) == 17
    assert not any(c in detail for _, detail in events for c in CODES)
    assert query(db, "SELECT count(*) FROM service_project_code WHERE secret LIKE 'PW%'") == [(5,)]
    raw = b"".join(p.read_bytes() for p in db.parent.glob("b.hzdb*") if p.is_file())
    assert not any(c.encode() in raw for c in CODES)
    listing = ok(db, "project", "list", "--json", on="2026-11-20")
    assert [(p["id"], p["state"]) for p in listing["projects"]] == [(int(pid), "evaluated")]
    assert ok(db, "check", on="2026-11-20").returncode == 0


def test_a_first_review_received_before_national_day_is_due_after_it_and_a_termination(branch):
    db = branch
    new = ok(
        db, "project", "new", "--name", "亲子观影", "--start", "2026-10-28", "--end", "2026-11-15", *PLAN,
        "--item", "电影票:50:40", "--json", on="2026-09-28",
    )  # fmt: skip
    pid = str(new["project_id"])
    ok(db, "project", "advance", pid, "submit", "--doc", "方案2号", on="2026-09-28")
    view = ok(db, "project", "show", pid, "--json", on="2026-09-30")
    (review,) = view["deadlines"]
    # received Monday 09-28: 09-29, 09-30, (10-01…10-07 国庆), 10-08, 10-09, Saturday 10-10 (调休上班)
    assert (review["code"], review["party"], review["due"], review["overdue"]) == (
        "R7.4.review_due",
        "office",
        "2026-10-10",
        False,
    )
    assert ok(db, "project", "show", pid, "--json", on="2026-10-12")["deadlines"][0]["overdue"] is True
    late = ok(
        db, "project", "advance", pid, "review", "--result", "passed", "--doc", "初审通知", "--json", on="2026-10-12"
    )
    assert [d["code"] for d in late["decisions"]] == ["R7.review", "R7.4.review_late"]
    refused(
        db,
        "project",
        "terminate",
        pid,
        "--ground",
        "other",
        "--announcement",
        "平台公告1",
        on="2026-10-13",
        reason="具体情形",
    )
    done = ok(
        db, "project", "terminate", pid, "--ground", "force_majeure", "--announcement", "平台终止公告2026-3",
        "--json", on="2026-10-13",
    )  # fmt: skip
    assert done["state"] == "terminated"
    refused(db, "project", "advance", pid, "meeting", "--doc", "x", on="2026-10-14", reason="已终止")


CALENDAR = """
reference = "京互办〔2026〕45号"
title = "关于2027年工作日历的通知"

[[year]]
year = 2027
status = "official"
source = "国务院办公厅关于2027年部分节假日安排的通知（示例）"
holidays = [
  { name = "元旦", from = 2027-01-01, to = 2027-01-03 },
  { name = "春节", from = 2027-02-05, to = 2027-02-12 },
]
workdays = [ { name = "春节调休上班", on = 2027-02-20 } ]
"""


def test_the_office_issues_a_calendar_notice_and_the_branch_installs_it(tmp_path):
    office, branch = tmp_path / "office.hzdb", tmp_path / "branch.hzdb"
    admin.create_database(
        office, branch_name="北京办事处", user="chen", passphrase=PASSPHRASE, kdf=CHEAP_KDF, kind="office"
    )
    admin.create_database(
        branch, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    o = {"HUZHU_USER": "chen", "HUZHU_PASSPHRASE": PASSPHRASE}
    b = {"HUZHU_PASSPHRASE": PASSPHRASE}
    day = "2026-12-06"
    ok(office, "office", "keys", "export", "--out", tmp_path / "office.json", on=day, env=o)
    (tmp_path / "cal.toml").write_text(CALENDAR, encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(CALENDAR.replace("on = 2027-02-20", "on = 2027-02-22"), encoding="utf-8")
    proc = run(office, "office", "calendar", "issue", "--file", bad, "--out", tmp_path / "bad.hzc", on=day, env=o)
    assert proc.returncode == 3 and "calendar.invalid" in proc.stderr and "周一至周五" in proc.stderr
    issued = ok(
        office, "office", "calendar", "issue", "--file", tmp_path / "cal.toml", "--out", tmp_path / "c.hzc", "--json",
        on=day, env=o,
    )  # fmt: skip
    assert issued["years"] == [2027]

    before = ok(branch, "calendar", "show", "--year", "2027", "--json", on=day, env=b)
    assert before["provisional"] and "暂定" in before["note"] and before["make_up_days"] == []
    refused_ = run(branch, "calendar", "install", tmp_path / "c.hzc", "--yes", on=day, env=b)
    assert refused_.returncode == 3 and "calendar.office_not_trusted" in refused_.stderr
    ok(branch, "keys", "trust-office", tmp_path / "office.json", "--yes", on=day, env=b)
    wrong = run(branch, "params", "install", tmp_path / "c.hzc", "--yes", on=day, env=b)
    assert wrong.returncode == 3 and "params.wrong_kind" in wrong.stderr
    tampered = tmp_path / "t.hzc"
    data = bytearray((tmp_path / "c.hzc").read_bytes())
    data[40] ^= 1
    tampered.write_bytes(bytes(data))
    proc = run(branch, "calendar", "install", tampered, "--yes", on=day, env=b)
    assert proc.returncode == 3 and "calendar.bad_signature" in proc.stderr
    dry = ok(branch, "calendar", "install", tmp_path / "c.hzc", "--dry-run", "--json", on=day, env=b)
    assert dry["outcome"] == "dry_run" and dry["years"][0]["before"]["status"] == "provisional"
    done = ok(branch, "calendar", "install", tmp_path / "c.hzc", "--yes", "--json", on=day, env=b)
    assert done["outcome"] == "installed" and done["years"][0]["changed"]
    again = ok(branch, "calendar", "install", tmp_path / "c.hzc", "--yes", "--json", on=day, env=b)
    assert again["outcome"] == "unchanged"
    after = ok(branch, "calendar", "show", "--year", "2027", "--json", on=day, env=b)
    assert after["status"] == "official" and after["origin"] == "京互办〔2026〕45号" and after["note"] == ""
    assert after["make_up_days"] == [{"name": "春节调休上班", "on": "2027-02-20"}]
    # provisional: 7 weekdays off; the notice: 01-01, 02-05, 02-08…02-12 off (7) and Saturday 02-20 worked
    assert after["working_days"] == before["working_days"] + 1 == 255
    listed = ok(branch, "calendar", "list", "--json", on=day, env=b)
    assert [n["reference"] for n in listed["notices"]] == ["京互办〔2026〕45号"]
    # the packaged calendar, without a database
    plain = ok(tmp_path / "none.hzdb", "calendar", "show", "--year", "2026", "--json", on=day, env={"HUZHU_DB": ""})
    assert plain["working_days"] == 248 and plain["status"] == "official"
