"""The yearly audit self-check, item by item, on planted data (today 2027-01-05, year 2026)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from reports_kit import CHEAP_KDF

from models import admin, clock, reports, selfcheck, worklog
from models import db as dbmod
from models.db import database, writing
from models.errors import PermissionDenied, UsageError

TODAY = dt.date(2027, 1, 5)
YEAR = 2026


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(TODAY)


def sql(statement, *params):
    return database.execute_sql(statement, params)


@pytest.fixture
def planted(session):
    """One unit, two members, a budget line, and the ticked clerk 'li' who enters payments."""
    with writing():
        sql("INSERT INTO unit (id, code, name) VALUES (1, 'U1', '示例单位工会')")
        for i, account in ((1, "6222020000000001"), (2, None)):
            sql(
                "INSERT INTO member (id, name, initials, id_number, id_rev, sex, birth_date, unit_id, bank_account) "
                "VALUES (?, ?, 'hy', ?, ?, 'F', '1980-01-01', 1, ?)",
                i,
                f"会员{i}",
                f"11010519800101{i:04d}",
                f"{i:04d}10108915010110",
                account,
            )
        sql(
            "INSERT INTO budget_line (id, year, code, name, amount_fen) VALUES (1, ?, 'welfare', '互助互济支出', 1000000)",
            YEAR,
        )
    return session


def pay(
    on,
    amount,
    *,
    member=1,
    category="condolence_cash",
    method="transfer",
    state="signed",
    entered_by="li",
    approved_by="zhang",
    account="6222020000000001",
):
    with writing():
        sql(
            "INSERT INTO disbursement (on_date, member_id, beneficiary_name, relation, unit_id, category, reason, "
            "amount_fen, method, account, budget_line_id, state, entered_by, approved_by, approved_on, paid_on, "
            "signed_on) VALUES (?, ?, '会员1', 'self', 1, ?, '住院慰问', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
            on,
            member,
            category,
            amount,
            method,
            account,
            state,
            entered_by,
            approved_by,
            on,
            on,
            on if state == "signed" else None,
        )


def item(code, year=YEAR):
    return next(i for i in selfcheck.run(year).items if i.code == code)


def test_every_audit_item_is_listed_once():
    codes = [s.code for s in selfcheck.STANDARDS]
    assert len(codes) == len(set(codes)) == 30  # 001 附件1 lists 29; staff changes and logins are judged apart
    assert {s.measure for s in selfcheck.STANDARDS if s.measure} == {
        "meetings",
        "trainings",
        "articles",
        "logins",
        "handovers",
        "claim_register",
        "reconciliation",
        "disbursements",
        "budget_and_approval",
        "budget_rate",
    }


def test_empty_database_says_no_record(session):
    check = selfcheck.run(YEAR)
    measured = {i.code: i.status for i in check.items if i.measured}
    assert set(measured.values()) == {"no_record"}
    assert all(i.summary.startswith("无记录") for i in check.items if i.measured)
    assert check.due.outcome == "open" and check.due.data["assessed_year"] == YEAR


def test_work_log_counts(session):
    for month in (2, 5, 8, 11):
        worklog.add_entry("meeting", dt.date(YEAR, month, 10), f"{month}月管委会会议")
    for day in range(1, 5):
        worklog.add_entry("training", dt.date(YEAR, 3, day), f"培训{day}")
    for day in range(1, 4):
        worklog.add_entry("article", dt.date(YEAR, 6, day), f"稿件{day}")
    worklog.add_entry("article", dt.date(YEAR + 1, 1, 2), "下一年的稿件")
    assert item("org.2").status == "ok" and len(item("org.2").evidence) == 4
    assert item("biz.7").status == "ok"
    articles = item("biz.11")
    assert articles.status == "fail" and "3 篇，少于 4 篇" in articles.summary
    assert articles.rules == ["[R6.articles_short] 《稽核内容及标准》(001) 附件1 业务管理"]


def test_a_missing_quarter_fails_the_meetings(session):
    for month in (2, 5, 11):
        worklog.add_entry("meeting", dt.date(YEAR, month, 10), "管委会会议")
    meetings = item("org.2")
    assert meetings.status == "fail" and "第3季度 0 次" in meetings.summary


def test_shortfall_is_only_attention_while_the_year_runs(session):
    clock.freeze(dt.date(YEAR, 12, 20))
    worklog.add_entry("training", dt.date(YEAR, 3, 1), "培训")
    trainings = item("biz.7")
    assert trainings.status == "attention" and "年度尚未结束" in trainings.summary


def test_monthly_reconciliation_from_the_bundle_log(session):
    with writing():
        for month in range(1, 12):
            sql(
                "INSERT INTO bundle_log (direction, kind, branch_code, period, sequence, file_name, sha256, created_at, "
                "status) VALUES ('out', 'branch_monthly', '004', ?, ?, 'f', 'x', ?, 'sent')",
                f"{YEAR}-{month:02d}",
                month,
                f"{YEAR}-{month + 1:02d}-03T10:00:00+08:00" if month < 12 else "",
            )
        sql(
            "INSERT INTO bundle_log (direction, kind, branch_code, period, sequence, file_name, sha256, created_at, "
            "status) VALUES ('in', 'office_answer', '004', ?, 1, 'f', 'y', 'x', 'received')",
            f"{YEAR}-12",
        )
    rec = item("biz.4")
    assert rec.status == "fail" and rec.summary.endswith(f"{YEAR}-12") and rec.evidence[-1] == f"{YEAR}-12：无记录"
    assert rec.evidence[0] == f"{YEAR}-01：已生成第 1 号月度数据包（{YEAR}-02-03）"


def test_logins_within_180_days(session):
    with writing():
        for name, last in (("王芳", TODAY - dt.timedelta(days=10)), ("赵磊", TODAY - dt.timedelta(days=181))):
            sql(
                "INSERT INTO staff_account (name, username, last_login, active) VALUES (?, ?, ?, 1)",
                name,
                f"u{name}",
                last.isoformat(),
            )
    logins = item("org.7.login")
    assert logins.status == "fail" and "1 个登录间隔超过上限" in logins.summary
    assert any("赵磊" in e and "181 天" in e for e in logins.evidence)
    assert logins.rules[0].startswith("[R4.2.gap_exceeded]")


def test_every_staff_change_needs_a_complete_handover(session):
    with writing():
        sql("INSERT INTO staff_account (name, username, last_login, active) VALUES ('刘洋', 'u1', '2026-06-01', 0)")
        sql("INSERT INTO staff_account (name, username, last_login, active) VALUES ('孙丽', 'u2', '2026-06-01', 0)")
        sql(
            "INSERT INTO handover (id, on_date, outgoing, incoming, supervisor, reported_on, outgoing_confirmed, "
            "incoming_confirmed, open_work, created_by) VALUES (1, '2026-06-01', '刘洋', '王芳', '陈建国', '2026-06-05', "
            "1, 1, '[]', 'zhang')"
        )
        for kind in ("seals", "cheques", "certificates", "archives", "ledgers"):  # system_usernames missing
            sql(
                "INSERT INTO handover_item (handover_id, kind, description, quantity, checked) VALUES (1, ?, ?, 1, 1)",
                kind,
                kind,
            )
    handovers = item("org.7.handover")
    assert handovers.status == "fail"
    assert any("孙丽" in e and "没有其移交的交接记录" in e for e in handovers.evidence)
    assert any("业务系统用户名" in e for e in handovers.evidence)
    assert "[R4.1.items_missing] 《代办处管理办法》(000) 第十六条8（来源未规定具体数值，可配置）" in handovers.rules


def test_claim_register_completeness(planted):
    with writing():
        for reporter, submitted in (("张会计", "2026-03-08"), ("", None)):
            sql(
                "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, "
                "shares_claimed, report_date, reporter, channel, materials, state, submitted_on, created_by) "
                "VALUES (1, 1, 'ZYYL', '肺炎', 'illness', '2026-03-01', 1, '2026-03-05', ?, 'paper', '[]', 'registered', ?, 'zhang')",
                reporter,
                submitted,
            )
        sql(
            "INSERT INTO claim_event (claim_id, action, to_state, on_date, by_user, at) "
            "VALUES (1, 'register', 'registered', '2026-03-05', 'zhang', 'x')"
        )
        sql(
            "INSERT INTO claim_event (claim_id, action, from_state, to_state, on_date, by_user, at) "
            "VALUES (1, 'submit', 'registered', 'submitted', '2026-03-04', 'zhang', 'x')"
        )  # before registration
    claims = item("biz.3")
    assert claims.status == "fail" and "2 件登记不完整" in claims.summary
    assert any("报案人" in e for e in claims.evidence)
    assert any(r.startswith("[R2.1.missing_field]") for r in claims.rules)
    assert any(r.startswith("[R2.3") for r in claims.rules)


def test_disbursements_within_caps_with_receipt(planted):
    pay("2026-03-01", 150000)
    pay("2026-04-01", 50000, state="paid")
    assert item("fin.6").status == "attention"  # paid, not yet signed for
    pay("2026-05-01", 250000)  # over the 2000 yuan condolence cap
    pay("2026-06-01", 120000, member=2, method="cash", account=None)  # cash above 1000 yuan
    found = item("fin.6")
    assert found.status == "fail" and "2 处" in found.summary
    assert {r.split("]")[0] + "]" for r in found.rules} == {"[R3.cap.occasion_exceeded]", "[R3.2.cash_over_limit]"}
    assert not any("6222020000000001" in e for e in found.evidence)


def test_budget_and_approval(planted):
    pay("2026-03-01", 150000)
    assert item("fin.5").status == "ok"
    pay("2026-04-01", 100000, entered_by="zhang", approved_by="zhang")
    with writing():
        sql("UPDATE budget_line SET amount_fen = 200000")
    found = item("fin.5")
    assert found.status == "fail"
    assert {r.split("]")[0] + "]" for r in found.rules} == {"[R3.4.budget_exceeded]", "[R3.5.self_approval]"}


def test_budget_execution_rate_is_information(planted):
    pay("2026-03-01", 150000)
    pay("2026-04-01", 100000, state="entered", approved_by=None)
    rate = item("fin.8")
    assert rate.status == "info" and "15.0%" in rate.summary


def test_ticks_are_kept_per_year_and_only_for_checklist_items(planted, branch_db):
    selfcheck.tick(YEAR, "org.1", note="管理办法已印发")
    ticked = item("org.1")
    assert (ticked.status, ticked.note, ticked.by_user) == ("ticked", "管理办法已印发", "zhang")
    assert item("org.1", YEAR - 1).status == "open"
    selfcheck.tick(YEAR, "org.1", ticked=False)
    assert item("org.1").status == "open"
    with pytest.raises(UsageError, match="由程序根据数据计算"):
        selfcheck.tick(YEAR, "biz.3")
    with pytest.raises(UsageError, match="没有编号"):
        selfcheck.tick(YEAR, "zzz")
    path, _ = branch_db
    admin.add_user(planted, "audit", "auditor", "a", kdf=CHEAP_KDF)
    dbmod.close()
    dbmod.unlock(path, "audit", "a")
    with pytest.raises(PermissionDenied):
        selfcheck.tick(YEAR, "org.1")


def test_xlsx_and_materials(planted, tmp_path):
    pay("2026-03-01", 150000)
    check = selfcheck.run(YEAR)
    path = reports.write(selfcheck.as_reports(check), tmp_path / "s.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [f"{YEAR}年度代办处稽核自查表", "稽核前应准备的资料"]
    codes = [r[0] for r in wb.worksheets[0].iter_rows(min_row=4, max_row=3 + len(check.items), values_only=True)]
    assert codes == [i.code for i in check.items]
    materials = list(wb.worksheets[1].iter_rows(min_row=4, max_row=13, values_only=True))
    assert [m[2] for m in materials].count("否") == 5 and materials[6][
        3
    ] == "会费收入、理赔给付业务统计报表、慰问金发放登记簿"
    assert materials[5][3] == "财产盘点明细表（固定资产）、大宗商品及固定资产购置记录"
    written = selfcheck.produce_materials(YEAR, tmp_path / "材料")
    assert sorted(p.name for p in written) == sorted(
        f"{YEAR}年度{reports.REPORTS[n].title}.xlsx"
        for n in ("budget", "budget_plan", "assets", "purchases", "statistics", "disbursements", "claims", "accounts")
    )
    register = load_workbook(next(p for p in written if "登记簿" in p.name and "慰问金" in p.name)).worksheets[0]
    assert register["I5"].value is not None and round(register["I5"].value * 100) == 150000  # totals row


def test_cli_selfcheck(tmp_path):
    path = tmp_path / "cli.hzdb"
    admin.create_database(path, branch_code="004", branch_name="朝阳", user="zhang", passphrase="p", kdf=CHEAP_KDF)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update(HUZHU_DB=str(path), HUZHU_USER="zhang", HUZHU_PASSPHRASE="p")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True, env=env, timeout=120
        )

    proc = run("worklog", "add", "--kind", "training", "--date", "2026-03-01", "--title", "理赔培训")
    assert proc.returncode == 0, proc.stderr
    assert run("audit", "tick", "org.1", "--year", "2026", "--note", "已核").returncode == 0
    out = tmp_path / "自查.xlsx"
    proc = run("audit", "selfcheck", "--year", "2026", "--out", out, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    items = {i["code"]: i for i in data["items"]}
    assert items["org.1"]["status"] == "ticked" and items["org.1"]["note"] == "已核"
    assert items["biz.7"]["status"] in ("fail", "attention") and items["biz.7"]["evidence"] == ["2026-03-01 理赔培训"]
    assert items["biz.4"]["status"] == "no_record"
    assert len(data["materials"]) == 10 and out.exists()
    proc = run("audit", "tick", "biz.3", "--year", "2026")
    assert proc.returncode == 2 and "不能手工勾选" in proc.stderr
