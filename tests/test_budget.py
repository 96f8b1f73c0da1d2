"""The yearly budget from an empty ``huzhu init`` database: drafted, approved, amended and
approved again through the real command; spending checked against the approved version
only, and a payment charged to the budget of the year it is paid in (R3.4, R11.1–R11.3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import admin, clock
from models import db as dbmod
from models.errors import RuleRefused, ValidationFailed
from tests.cli_kit import as_, huzhu, ok, refused
from tests.conftest import CHEAP_KDF, TODAY

PASS = "预算 pass 1"
CLERK_PASS = "li pass"
YEAR = TODAY.year


def run(*args, user="zhang", db=None):
    return huzhu(*args, env=None if db is None else as_(db, user, PASS if user == "zhang" else CLERK_PASS))


def listed(db, year=YEAR):
    return json.loads(ok(run("budget", "list", "--year", year, "--json", db=db)).stdout)


def sql(db, query, *params):
    dbmod.unlock(db, "zhang", PASS)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


@pytest.fixture
def fresh_db(tmp_path):
    """What ``huzhu init`` makes (``admin.create_database``, with cheap Argon2 parameters so
    that each command unlocks quickly), plus a clerk: no other data."""
    db = tmp_path / "b.hzdb"
    admin.create_database(db, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASS, kdf=CHEAP_KDF)
    session = dbmod.unlock(db, "zhang", PASS)
    admin.add_user(session, "li", "clerk", CLERK_PASS, kdf=CHEAP_KDF)
    dbmod.close()
    return db


def test_draft_approve_amend_and_approve_again(fresh_db):
    db = fresh_db
    today = TODAY
    # a clerk drafts; nothing can be spent yet, and the list says why with the article
    ok(
        run(
            "budget",
            "add",
            "--year",
            YEAR,
            "--line",
            "hardship_aid",
            "--amount",
            "50000",
            "--note",
            "困难会员",
            user="li",
            db=db,
        )
    )
    ok(run("budget", "add", "--year", YEAR, "--line", "running_costs", "--amount", "20,000.50", user="li", db=db))
    refused(
        run("budget", "add", "--year", YEAR, "--line", "hardship_aid", "--amount", "1", user="li", db=db), 3, "已有科目"
    )
    refused(run("budget", "add", "--year", YEAR, "--line", "travel", "--amount", "1", db=db), 3, "没有预算科目“travel”")
    refused(run("budget", "add", "--year", YEAR, "--line", "small_goods", "--amount", "-5", db=db), 3, "负数")
    draft = listed(db)
    assert draft["state"] == "refused" and draft["can_spend"] is False
    assert draft["status"]["code"] == "R3.4.budget_not_approved" and draft["status"]["citation"] == "003 第八条"
    assert "尚未经管理委员会审议批准" in draft["status"]["message"]
    assert [(line["code"], line["approved_fen"], line["draft_fen"]) for line in draft["lines"]] == [
        ("hardship_aid", None, 5_000_000),
        ("running_costs", None, 2_000_050),
    ]
    text = ok(run("budget", "list", "--year", YEAR, db=db)).stdout
    assert "尚未经管理委员会审议批准" in text and "生活救助金" in text

    # only a supervisor approves, with the meeting (not in the future) and its minutes
    refused(
        run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "纪要1", user="li", db=db),
        30,
        "负责人",
    )
    future = today + dt.timedelta(days=3)
    refused(
        run("budget", "approve", "--year", YEAR, "--meeting-date", future, "--minutes", "纪要1", db=db), 3, "晚于今天"
    )
    refused(run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", " ", db=db), 3, "会议纪要")
    assert listed(db)["in_force_version"] is None
    approved = ok(
        run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "管委会纪要〔1〕号", db=db)
    )
    assert "审议批准" in approved.stderr and "工作记录中没有" in approved.stderr  # the meeting is not in the log
    first = listed(db)
    assert first["can_spend"] and first["in_force_version"] == 1 and first["pending_version"] is None
    assert [(line["code"], line["approved_fen"], line["remaining_fen"]) for line in first["lines"]] == [
        ("hardship_aid", 5_000_000, 5_000_000),
        ("running_costs", 2_000_050, 2_000_050),
    ]
    assert first["versions"][0]["minutes"] == "管委会纪要〔1〕号" and first["versions"][0]["approved_by"] == "zhang"

    # an approved budget changes only by an amendment with a reason, approved again
    refused(run("budget", "add", "--year", YEAR, "--line", "small_goods", "--amount", "100", db=db), 3, "budget amend")
    refused(
        run("budget", "amend", "--year", YEAR, "--line", "hardship_aid", "--amount", "60000", "--reason", "", db=db),
        3,
        "须写明理由",
    )
    assert run("budget", "amend", "--year", YEAR, "--line", "hardship_aid", "--amount", "60000", db=db).returncode == 2
    ok(
        run(
            "budget",
            "amend",
            "--year",
            YEAR,
            "--line",
            "hardship_aid",
            "--amount",
            "60000",
            "--reason",
            "救助申请增加",
            user="li",
            db=db,
        )
    )
    ok(
        run(
            "budget",
            "amend",
            "--year",
            YEAR,
            "--line",
            "small_goods",
            "--amount",
            "3000",
            "--reason",
            "慰问品",
            user="li",
            db=db,
        )
    )
    pending = listed(db)
    assert pending["in_force_version"] == 1 and pending["pending_version"] == 2 and pending["can_spend"]
    lines = {line["code"]: line for line in pending["lines"]}
    assert lines["hardship_aid"]["approved_fen"] == 5_000_000 and lines["hardship_aid"]["draft_fen"] == 6_000_000
    assert lines["small_goods"]["approved_fen"] is None and lines["small_goods"]["draft_fen"] == 300_000
    assert pending["versions"][1]["reason"] == "救助申请增加；慰问品"
    # still in force: version 1's amounts, in the rows payments are charged to
    assert sorted(sql(db, "SELECT code, amount_fen FROM budget_line WHERE year = ?", YEAR)) == [
        ("hardship_aid", 5_000_000),
        ("running_costs", 2_000_050),
    ]
    refused(
        run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "纪要2", user="li", db=db),
        30,
        "负责人",
    )
    ok(run("worklog", "add", "--kind", "meeting", "--date", today, "--title", "管委会审议预算修订", db=db))
    again = ok(run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "纪要2", db=db))
    assert "工作记录中没有" not in again.stderr
    second = listed(db)
    assert second["in_force_version"] == 2 and second["pending_version"] is None
    assert [v["state"] for v in second["versions"]] == ["superseded", "approved"]
    assert {line["code"]: line["approved_fen"] for line in second["lines"]} == {
        "hardship_aid": 6_000_000,
        "small_goods": 300_000,
        "running_costs": 2_000_050,
    }
    refused(
        run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "纪要3", db=db),
        3,
        "没有待批准的版本",
    )
    # what the database holds: both versions with their lines, the lines in force, the audit trail
    assert sql(db, "SELECT number, state, drafted_by, approved_by, minutes FROM budget_version ORDER BY number") == [
        (1, "superseded", "li", "zhang", "管委会纪要〔1〕号"),
        (2, "approved", "li", "zhang", "纪要2"),
    ]
    assert sql(db, "SELECT count(*) FROM budget_version_line") == [(5,)]
    assert set(sql(db, "SELECT DISTINCT version_id FROM budget_line")) == {(2,)}
    actions = [a for (a,) in sql(db, "SELECT action FROM audit_event WHERE action LIKE 'budget.%' ORDER BY seq")]
    assert actions == ["budget.add", "budget.add", "budget.approve", "budget.amend", "budget.amend", "budget.approve"]
    ok(run("check", db=db))


def test_spending_needs_the_approved_budget_of_the_payment_year(fresh_db):
    from models.budget import line_id_for
    from models.disbursements import DisbursementDraft, enter_disbursement
    from models.schema import Member, Unit

    db = fresh_db
    today = TODAY
    ok(run("budget", "add", "--year", YEAR, "--line", "hardship_aid", "--amount", "10000", db=db))
    ok(run("budget", "add", "--year", YEAR + 1, "--line", "hardship_aid", "--amount", "8000", db=db))

    dbmod.unlock(db, "zhang", PASS)
    try:
        with dbmod.writing():  # a member with an account of their own (member edit is another command)
            unit = Unit.create(code="U1", name="甲工会")
            member = Member.create(
                name="张三",
                initials="zs",
                id_number="110101198001010012",
                id_rev="x",
                sex="M",
                birth_date=dt.date(1980, 1, 1),
                unit=unit,
                bank_name="工商银行",
                bank_account="6222020200001234567",
            )

        def draft(on, line):
            return DisbursementDraft(
                member_id=member.id,
                category="hardship_aid",
                on=on,
                amount_fen=300_000,
                method="transfer",
                note="重大疾病住院",
                budget_line_id=line,
            )

        with pytest.raises(RuleRefused) as before:
            line_id_for(YEAR, "hardship_aid")
        assert before.value.decisions[0].code == "R3.4.budget_not_approved"
        assert "000 第十三条2" in before.value.message_zh and "003" in before.value.message_zh
        with pytest.raises(ValidationFailed):
            enter_disbursement(draft(today, None))
    finally:
        dbmod.close()
    ok(run("budget", "approve", "--year", YEAR, "--meeting-date", today, "--minutes", "纪要1", db=db))
    ok(run("budget", "approve", "--year", YEAR + 1, "--meeting-date", today, "--minutes", "纪要2", db=db))

    dbmod.unlock(db, "zhang", PASS)
    try:
        this_year, next_year = line_id_for(YEAR, "hardship_aid"), line_id_for(YEAR + 1, "hardship_aid")
        with pytest.raises(ValidationFailed) as unknown:
            line_id_for(YEAR, "running_costs")
        assert "hardship_aid" in unknown.value.message_zh
        clock.freeze(dt.date(YEAR, 1, 15))  # each payment entered on its day (no back-dating)
        entered = enter_disbursement(draft(dt.date(YEAR, 1, 15), this_year))
        assert entered.report.ok
        # a payment made next February is charged to next year's budget, never this year's
        paid_next_year = dt.date(YEAR + 1, 2, 1)
        clock.freeze(paid_next_year)
        with pytest.raises(RuleRefused) as wrong:
            enter_disbursement(draft(paid_next_year, this_year))
        assert wrong.value.decisions[0].code == "R3.4.wrong_year"
        assert f"应列入{YEAR + 1}年度预算" in wrong.value.message_zh
        charged = enter_disbursement(draft(paid_next_year, next_year))
        rows = dbmod.database.execute_sql(
            "SELECT d.id, b.year FROM disbursement d JOIN budget_line b ON b.id = d.budget_line_id ORDER BY d.id"
        ).fetchall()
        assert rows == [(entered.disbursement_id, YEAR), (charged.disbursement_id, YEAR + 1)]
    finally:
        clock.freeze(None)
        dbmod.close()
    # the list shows what is committed against each year's line
    assert listed(db)["lines"][0]["committed_fen"] == 300_000
    assert listed(db, YEAR + 1)["lines"][0]["remaining_fen"] == 800_000 - 300_000
    # a line cannot be amended below what is already charged to it
    refused(
        run("budget", "amend", "--year", YEAR, "--line", "hardship_aid", "--amount", "2000", "--reason", "压缩", db=db),
        3,
        "不得低于已列支金额",
    )
