"""The whole claim and disbursement cycle through the ``huzhu`` command in subprocesses,
from a database made by ``huzhu init`` (docs/rules.md R2.3, R3.1–R3.9, R9.3).

Members come from an enrolment import, their own bank accounts from ``huzhu member edit``,
the year's budget from ``huzhu budget add|approve``. The database is built once per module
and copied for each test."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from models.enrolments import COLUMNS
from rules.dates import term_end
from rules.disbursements import CATEGORIES
from rules.idcard import id_check_char
from tests.cli_kit import Branch, copy_database
from tests.conftest import TODAY

PASS = "branch pass"
DAY = TODAY.isoformat()
NAMES = ["张三", "李四", "王五", "赵六", "钱七", "孙八"]


def idn(i: int) -> str:
    body = f"11010519800101{i:03d}"
    return body + id_check_char(body)


CLI = Branch(PASS)
run, ok, refused, query = CLI.run, CLI.ok, CLI.refused, CLI.query


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """``huzhu init`` (supervisor zhang), clerk li, six members of one unit in 住院医疗 from 150
    days ago (past observation), each with an own bank account but 李四; this year's budget
    approved with a line of 100,000 yuan for each 003 kind. Returns the database path."""
    db = CLI.init(tmp_path_factory.mktemp("lifecycle") / "b.hzdb", {"li": "clerk"})
    start = TODAY - dt.timedelta(days=150)
    path = db.parent / "staff.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i, name in enumerate(NAMES, start=1):
            out.writerow(
                [
                    "U0001",
                    "朝阳某公司工会",
                    "ZYYL",
                    start.isoformat(),
                    term_end(start, 12).isoformat(),
                    (start - dt.timedelta(days=5)).isoformat(),
                    name,
                    idn(i),
                    "2",
                    "",
                    "",
                ]
            )
    ok(db, "import", "enrolments", path)
    for code in CATEGORIES:
        ok(db, "budget", "add", "--year", TODAY.year, "--line", code, "--amount", "100000")
    ok(db, "budget", "approve", "--year", TODAY.year, "--meeting-date", DAY, "--minutes", "管委会第1次会议纪要")
    for i, name in enumerate(NAMES, start=1):
        if name != "李四":
            ok(
                db,
                "member",
                "edit",
                idn(i),
                "--bank-name",
                "工商银行",
                "--bank-account",
                f"62220200{i:011d}",
                "--reason",
                "会员书面提供本人账户",
            )
    return db


@pytest.fixture
def branch(template, tmp_path):
    return copy_database(template, tmp_path)


def second_supervisor(db, name="wang"):
    CLI.add_user(db, name, "supervisor")


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


# --- claims ---------------------------------------------------------------------------------------


def test_a_claims_whole_lifecycle_with_a_correction_and_a_return(branch):
    db = branch
    reg = ok(
        db,
        "claim",
        "register",
        "--id-number",
        idn(1),
        "--plan",
        "ZYYL",
        "--diagnosis",
        "肺",
        "--incident-date",
        days_ago(30),
        "--shares",
        "1",
        "--reporter",
        "刘主席",
        "--json",
        user="li",
    )
    n = reg["claim_id"]
    fixed = ok(
        db,
        "claim",
        "correct",
        n,
        "--diagnosis",
        "肺炎",
        "--shares",
        "2",
        "--incident-date",
        days_ago(29),
        "--reason",
        "录入笔误，按病历更正",
        "--json",
        user="li",
    )
    assert fixed["changed"] == ["diagnosis", "incident_date", "shares_claimed"]
    assert fixed["decision"]["code"] == "R9.3.correction_ok"
    shown = ok(db, "claim", "show", n, "--json")
    assert (shown["diagnosis"], shown["shares_claimed"], shown["incident_date"]) == ("肺炎", 2, days_ago(29))
    [correction] = shown["corrections"]
    assert correction["changes"]["diagnosis"] == {"old": "肺", "new": "肺炎"}
    assert correction["changes"]["shares_claimed"] == {"old": 1, "new": 2}
    assert (correction["on"], correction["clerk"], correction["reason"]) == (DAY, "li", "录入笔误，按病历更正")
    text = ok(db, "claim", "show", n).stdout
    assert "更正" in text and "主要诊断 肺 → 肺炎" in text
    # the audit event holds the old and new values (a diagnosis only as changed, as every audit detail)
    [(detail,)] = query(db, "SELECT detail FROM audit_event WHERE action = 'claim.correct'")
    detail = json.loads(detail)
    assert detail["changes"]["shares_claimed"] == [1, 2] and detail["changes"]["incident_date"] == [
        days_ago(30),
        days_ago(29),
    ]
    assert "肺" not in json.dumps(detail["changes"]["diagnosis"], ensure_ascii=False)
    # the printed register shows the entry as corrected, with the date
    register = ok(db, "report", "claims", "--period", str(TODAY.year if TODAY.month > 1 else TODAY.year), "--json")
    row = next(r for r in register["rows"] if r["member"] == "张三")
    assert row["corrected"] == f"更正 {DAY}（主要诊断、出险日期、申报份数）"

    # a correction that would make the entry wrong is refused: incident after the report
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    refused(db, "claim", "correct", n, "--incident-date", tomorrow, "--reason", "x", reason="R2.3.date_backwards")
    # dates never go backwards (the report is dated today), nor into the future
    refused(db, "claim", "submit", n, "--on", days_ago(1), reason="早于上一环节日期")
    refused(db, "claim", "submit", n, "--on", tomorrow, reason="R2.3.date_in_future")
    step = ok(db, "claim", "submit", n, "--json", user="li")
    assert (step["state"], step["on"], step["decision"]["code"]) == ("submitted", DAY, "R2.3.transition_ok")
    # after submission: only the office's return and the resubmission
    proc = refused(
        db, "claim", "correct", n, "--shares", "1", "--reason", "又错了", "--json", reason="上报后只能经办事处打回"
    )
    assert json.loads(proc.stdout)["refused"][0]["code"] == "R2.3.corrected_after_submission"
    assert ok(db, "claim", "show", n, "--json")["shares_claimed"] == 2
    refused(db, "claim", "return", n, code=2)  # the reason is required
    ok(db, "claim", "return", n, "--reason", "缺住院病历首页")
    ok(db, "claim", "resubmit", n)
    refused(db, "claim", "settle", n, "--amount", "abc")
    ok(db, "claim", "settle", n, "--amount", "3000")
    ok(db, "claim", "direct-pay-failed", n, "--note", "账号已销户")
    refused(db, "claim", "direct-pay-failed", n, reason="更正后的银行账号")
    ok(db, "claim", "direct-pay-failed", n, "--account", "6222000011112222")
    shown = ok(db, "claim", "show", n, "--json")
    assert [e["state"] for e in shown["events"]] == ["registered", "submitted", "returned", "resubmitted", "settled"]
    assert shown["events"][2]["note"] == "缺住院病历首页" and shown["events"][4]["amount_fen"] == 300_000
    assert shown["direct_pay"][0]["account_masked"].endswith("2222") and "6222000011112222" not in json.dumps(shown)
    assert shown["direct_pay_next"] == "transferred"
    listed = ok(db, "claim", "list", "--json")["claims"]
    assert [(c["id"], c["state"], c["direct_pay_open"]) for c in listed] == [(n, "settled", True)]
    assert ok(db, "claim", "list", "--state", "registered", "--json")["claims"] == []


def test_claim_commands_refuse_unknown_claims_and_auditors(branch):
    refused(branch, "claim", "submit", 99, reason="没有编号为 99 的报案")
    refused(branch, "claim", "show", 99, reason="没有编号为 99 的报案")
    refused(branch, "claim", "correct", 99, "--reason", "x", code=2)  # nothing to correct named


# --- disbursements --------------------------------------------------------------------------------


def enter(db, category, *args, user="li"):
    return run(db, "disbursement", "enter", "--category", category, "--note", "情况说明", *args, "--json", user=user)


def entered(db, category, *args, user="li"):
    proc = enter(db, category, *args, user=user)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def refused_with(db, code, category, *args, user="li"):
    proc = enter(db, category, *args, user=user)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    codes = [d["code"] for d in json.loads(proc.stdout)["refused"]]
    assert code in codes, codes
    return proc


def count(db) -> int:
    return query(db, "SELECT count(*) FROM disbursement")[0][0]


def test_every_003_kind_at_its_cap(branch):
    db = branch
    second_supervisor(db)
    # 生活救助金 ≤ 5000 per member per year (003 第四条1)
    refused_with(db, "R3.cap.year_exceeded", "hardship_aid", "--id-number", idn(1), "--amount", "5000.01")
    assert entered(db, "hardship_aid", "--id-number", idn(1), "--amount", "5000")["amount_fen"] == 500_000
    refused_with(db, "R3.cap.year_exceeded", "hardship_aid", "--id-number", idn(1), "--amount", "0.01")
    # 子女助学金 ≤ 5000 per student per year (003 第四条2)
    refused_with(
        db,
        "R3.cap.year_exceeded",
        "education_aid",
        "--id-number",
        idn(2),
        "--amount",
        "5000.01",
        "--beneficiary",
        "李小四",
        "--relation",
        "child",
        "--method",
        "cash",
        "--cash-reason",
        "无卡",
        "--visit-place",
        "家中",
    )
    entered(
        db, "education_aid", "--id-number", idn(3), "--amount", "5000", "--beneficiary", "王小五", "--relation", "child"
    )
    # 日常小额慰问品 ≤ 500 per occasion (003 第五条1)
    refused_with(db, "R3.cap.occasion_exceeded", "small_goods", "--id-number", idn(1), "--amount", "500.01")
    assert entered(db, "small_goods", "--id-number", idn(1), "--amount", "500")["method"] == "in_kind"
    # 慰问金 ≤ 2000 per occasion (003 第五条2(3))
    refused_with(db, "R3.cap.occasion_exceeded", "condolence_cash", "--id-number", idn(4), "--amount", "2000.01")
    entered(db, "condolence_cash", "--id-number", idn(4), "--amount", "2000")
    # 会费补助: only with an approved scheme (003 第六条)
    refused_with(db, "R3.fee_subsidy.scheme_required", "fee_subsidy", "--id-number", idn(5), "--amount", "50")
    entered(db, "fee_subsidy", "--id-number", idn(5), "--amount", "50", "--scheme-ref", "朝工〔2026〕3号")
    # 季节性慰问品: one entry with its list; the average ≤ 100, a recipient above 100 is shown
    batch = entered(
        db,
        "weather_goods",
        "--recipient",
        f"{idn(1)}:150",
        "--recipient",
        f"{idn(2)}:50",
        "--recipient",
        f"{idn(3)}:100",
    )
    assert batch["amount_fen"] == 30_000
    shown = next(d for d in batch["warnings"] if d["code"] == "R3.8.recipient_above_average")
    assert shown["message"].startswith("本次高于人均 100.00元：张三")
    refused_with(
        db,
        "R3.8.occasion_average_exceeded",
        "weather_goods",
        "--recipient",
        f"{idn(4)}:150",
        "--recipient",
        f"{idn(5)}:50.01",
        "--recipient",
        f"{idn(6)}:100",
    )
    [(recipients,)] = query(
        db, "SELECT count(*) FROM disbursement_recipient WHERE disbursement_id = ?", batch["disbursement_id"]
    )
    assert recipients == 3
    # 文体活动: prizes ≤ 500, winners ≤ 2/3 of participants; participation award only without prizes, ≤ 100 average
    entered(db, "activity_prize", "--participants", "3", "--winner", f"{idn(1)}:500", "--winner", f"{idn(2)}:500")
    refused_with(
        db,
        "R3.activity.too_many_winners",
        "activity_prize",
        "--participants",
        "3",
        "--winner",
        f"{idn(1)}:10",
        "--winner",
        f"{idn(2)}:10",
        "--winner",
        f"{idn(3)}:10",
    )
    refused_with(
        db, "R3.activity.prize_over_cap", "activity_prize", "--participants", "3", "--winner", f"{idn(1)}:500.01"
    )
    entered(db, "activity_prize", "--participants", "4", *[f"--participant={idn(i)}:100" for i in range(1, 5)])
    refused_with(
        db,
        "R3.activity.participation_over_cap",
        "activity_prize",
        "--participants",
        "4",
        *[f"--participant={idn(i)}:100.01" for i in range(1, 5)],
    )
    refused_with(
        db,
        "R3.activity.prize_and_participation",
        "activity_prize",
        "--participants",
        "10",
        "--winner",
        f"{idn(1)}:100",
        "--participant",
        f"{idn(2)}:50",
    )
    # cash only at an on-site visit, ≤ 1000 per member per day, added up
    refused_with(
        db,
        "R3.2.cash_visit_required",
        "condolence_cash",
        "--id-number",
        idn(6),
        "--amount",
        "600",
        "--method",
        "cash",
        "--cash-reason",
        "行动不便",
    )
    entered(
        db,
        "condolence_cash",
        "--id-number",
        idn(6),
        "--amount",
        "600",
        "--method",
        "cash",
        "--cash-reason",
        "行动不便",
        "--visit-place",
        "会员家中",
    )
    refused_with(
        db,
        "R3.2.goods_in_kind",
        "small_goods",
        "--id-number",
        idn(6),
        "--amount",
        "1",
        "--method",
        "cash",
        "--cash-reason",
        "x",
        "--visit-place",
        "家中",
    )  # goods are never money
    refused_with(
        db,
        "R3.2.cash_over_limit",
        "hardship_aid",
        "--id-number",
        idn(6),
        "--amount",
        "400.01",
        "--method",
        "cash",
        "--cash-reason",
        "行动不便",
        "--visit-place",
        "会员家中",
    )
    entered(
        db,
        "hardship_aid",
        "--id-number",
        idn(6),
        "--amount",
        "400",
        "--method",
        "cash",
        "--cash-reason",
        "行动不便",
        "--visit-place",
        "会员家中",
    )
    # transfer is the rule: 李四 has no own account on file
    refused_with(db, "R3.2.not_own_account", "hardship_aid", "--id-number", idn(2), "--amount", "100")
    assert count(db) == 10
    [listed] = ok(db, "disbursement", "list", "--category", "weather_goods", "--json")["disbursements"]
    assert listed["beneficiary"] == "3人（见名单）" and listed["unit"] == ""
    assert [(r["name"], r["amount_fen"], r["role"]) for r in listed["recipients"]] == [
        ("张三", 15_000, "recipient"),
        ("李四", 5_000, "recipient"),
        ("王五", 10_000, "recipient"),
    ]
    assert listed["recipients"][0]["id_masked"].endswith("0016") and idn(1) not in json.dumps(listed)


def test_a_disbursement_goes_through_its_steps(branch):
    db = branch
    second_supervisor(db)
    n = entered(
        db,
        "hardship_aid",
        "--id-number",
        idn(1),
        "--amount",
        "3000",
        "--cause",
        "重大疾病",
        "--event-date",
        days_ago(3),
    )["disbursement_id"]
    refused(db, "disbursement", "approve", n, user="li", reason="不得审批本人录入的支出")
    refused(
        db,
        "disbursement",
        "approve",
        n,
        "--on",
        (TODAY + dt.timedelta(days=1)).isoformat(),
        user="wang",
        reason="R3.state.date_in_future",
    )
    ok(db, "disbursement", "approve", n, user="wang")
    refused(db, "disbursement", "pay", n, user="li", reason="转账凭证号")
    # The one who entered it does not pay it (000 第十九条2); the approving supervisor may.
    refused(db, "disbursement", "pay", n, "--transfer-ref", "ZZ0001", user="li", reason="R4.sep.payer_is_recorder")
    ok(db, "disbursement", "pay", n, "--transfer-ref", "ZZ0001", "--receipt-no", "QS-1", user="wang")
    assert query(db, "SELECT paid_by FROM disbursement WHERE id = ?", n) == [("wang",)]
    step = ok(db, "disbursement", "sign", n, "--json", user="li")
    assert step["decision"]["code"] == "R3.state.ok"
    [row] = ok(db, "disbursement", "list", "--json")["disbursements"]
    assert (row["state"], row["approved_by"], row["transfer_ref"], row["receipt_no"]) == (
        "signed",
        "wang",
        "ZZ0001",
        "QS-1",
    )
    assert row["account_masked"].endswith("0001") and "62220200" not in json.dumps(row)


def test_a_void_frees_the_cap_and_stays_in_the_register(branch):
    db = branch
    second_supervisor(db)
    first = entered(db, "hardship_aid", "--id-number", idn(1), "--amount", "5000")["disbursement_id"]
    refused_with(db, "R3.cap.year_exceeded", "hardship_aid", "--id-number", idn(1), "--amount", "100")
    # a clerk may not void; a void needs a reason
    proc = run(db, "disbursement", "void", first, "--reason", "金额录错", user="li")
    assert proc.returncode == 30 and "负责人" in proc.stderr
    refused(db, "disbursement", "void", first, code=2)
    refused(db, "disbursement", "void", first, "--reason", " ", reason="作废须写明原因")
    voided = ok(db, "disbursement", "void", first, "--reason", "金额录错，应为 3000 元", "--json", user="wang")
    assert (voided["state"], voided["decision"]["code"]) == ("cancelled", "R9.3.void_ok")
    refused(db, "disbursement", "void", first, "--reason", "again", reason="已作废")
    refused(db, "disbursement", "approve", first, user="wang", reason="已作废")
    # the cap is free again, and the budget line no longer carries it
    second = entered(db, "hardship_aid", "--id-number", idn(1), "--amount", "5000")["disbursement_id"]
    page = ok(db, "disbursement", "list", "--json")
    assert (page["count"], page["total_fen"]) == (1, 500_000)
    rows = {r["id"]: r for r in page["disbursements"]}
    assert rows[first]["state_name"] == "作废" and rows[second]["state"] == "entered"
    assert rows[first]["void"] == {"on": DAY, "by": "wang", "reason": "金额录错，应为 3000 元"}
    assert "作废" in ok(db, "disbursement", "list").stdout
    [(detail,)] = query(db, "SELECT detail FROM audit_event WHERE action = 'disbursement.void'")
    changes = json.loads(detail)["changes"]
    assert changes["state"] == ["entered", "cancelled"] and changes["void_reason"] == [None, "金额录错，应为 3000 元"]
    assert query(db, "SELECT count(*) FROM disbursement")[0][0] == 2  # nothing deleted


def test_an_entry_only_its_own_supervisor_could_approve_is_warned(branch):
    db = branch
    proc = enter(db, "small_goods", "--id-number", idn(1), "--amount", "100", user="zhang")
    assert proc.returncode == 0, proc.stderr
    warned = [d for d in json.loads(proc.stdout)["warnings"] if d["code"] == "R3.5.no_other_approver"]
    assert warned and "唯一在职负责人" in warned[0]["message"]
    assert "增加一名负责人" in proc.stderr and "另一名负责人录入" in proc.stderr
    n = json.loads(proc.stdout)["disbursement_id"]
    refused(db, "disbursement", "approve", n, user="zhang", reason="不得审批本人录入的支出")
    # a clerk's entry with zhang the only supervisor is approvable: no warning
    proc = enter(db, "small_goods", "--id-number", idn(2), "--amount", "100", user="li")
    assert "R3.5.no_other_approver" not in proc.stdout and "增加一名负责人" not in proc.stderr
    second_supervisor(db)
    proc = enter(db, "small_goods", "--id-number", idn(3), "--amount", "100", user="zhang")
    assert "R3.5.no_other_approver" not in proc.stdout
    ok(db, "disbursement", "approve", n, user="wang")


def test_disbursement_bad_input_is_refused_with_nothing_written(branch):
    db = branch
    refused(
        branch,
        "disbursement",
        "enter",
        "--category",
        "hardship_aid",
        "--note",
        "x",
        "--id-number",
        "123",
        "--amount",
        "10",
        reason="没有此身份证号的会员",
    )
    refused(
        db,
        "disbursement",
        "enter",
        "--category",
        "hardship_aid",
        "--note",
        "x",
        "--id-number",
        idn(1),
        "--amount",
        "-1",
        reason="金额不能为负数",
    )
    refused(
        db,
        "disbursement",
        "enter",
        "--category",
        "weather_goods",
        "--note",
        "x",
        "--recipient",
        "abc",
        reason="名单第 1 项",
    )
    refused(
        db,
        "disbursement",
        "enter",
        "--category",
        "hardship_aid",
        "--note",
        "x",
        "--id-number",
        idn(1),
        "--amount",
        "10",
        "--on",
        (TODAY + dt.timedelta(days=2)).isoformat(),
        reason="R0.date.future",
    )
    refused(
        db,
        "disbursement",
        "enter",
        "--category",
        "hardship_aid",
        "--note",
        "x",
        "--id-number",
        idn(1),
        "--amount",
        "10",
        "--budget-line",
        "nope",
        reason="没有科目“nope”",
    )
    assert count(db) == 0
