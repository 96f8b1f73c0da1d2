"""Handover records (R4.1–R4.3) on a real SQLCipher branch database: a complete handover
writes the record, its checklist, the open work and the account forms, revokes the outgoing
clerk's key slot; an incomplete one is refused with its article and writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import admin, audit, clock, crypto
from models import db as dbmod
from models.db import database
from models.errors import PermissionDenied, RevokedUser, RuleRefused, ValidationFailed
from models.handover import (
    HandoverDraft,
    ItemEntry,
    checklist,
    complete_handover,
    list_handovers,
    mark_reported,
    open_work,
    preview,
)

CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)  # tests/conftest.py's
TODAY = dt.date(2026, 11, 23)
ON = dt.date(2026, 11, 20)
TABLES = ("handover", "handover_item", "account_form", "audit_event")


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(TODAY)


@pytest.fixture
def branch(session):
    """The fresh branch plus a clerk user 'wang' (the outgoing clerk), her business-system
    account, the incoming clerk's old account, and one open claim."""
    admin.add_user(session, "wang", "clerk", "wang pass", kdf=CHEAP_KDF)
    sql = database.execute_sql
    with dbmod.writing():
        sql(
            "INSERT INTO staff_account (name, username, last_login, active) VALUES "
            "('王芳', 'bj004wangfang', '2026-11-01', 1), ('李静', 'bj004lij', '2026-10-01', 1)"
        )
        sql("INSERT INTO unit (code, name) VALUES ('U01', '甲公司工会')")
        sql(
            "INSERT INTO member (name, initials, id_number, id_rev, sex, birth_date, unit_id) VALUES "
            "('会员甲', 'hyj', '110105198001010011', '110010108910501011', 'M', '1980-01-01', 1)"
        )
        sql(
            "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, "
            "shares_claimed, report_date, reporter, channel, materials, state, created_by) VALUES "
            "(1, 1, (SELECT code FROM plan ORDER BY code LIMIT 1), '肺炎', 'illness', '2026-11-01', 1, '2026-11-03', "
            "'本人', 'paper', '[]', 'submitted', 'wang')"
        )
        audit.record("test.fill", "fixture", None, {})
    return session


def full_draft(**changes) -> HandoverDraft:
    items = {
        code: ItemEntry(f"{label}（全部）", 2 if code == "cheques" else 1) for code, label in checklist(ON).items()
    }
    account = database.execute_sql("SELECT id FROM staff_account WHERE username = 'bj004wangfang'").fetchone()[0]
    values = dict(
        outgoing="王芳",
        incoming="李静",
        supervisor="陈建国",
        on=ON,
        items=items,
        outgoing_confirmed_at="2026-11-20T10:00:00+08:00",
        incoming_confirmed_at="2026-11-20T10:01:00+08:00",
        outgoing_account_id=account,
        incoming_username="bj004lijing",
        revoke_user="wang",
        note="王芳调离",
        backdate_reason="交接当日未录入",
    )  # ON < TODAY: back-dated
    values.update(changes)
    return HandoverDraft(**values)


def counts() -> dict[str, int]:
    return {t: database.execute_sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_open_work_lists_the_open_claim(branch):
    work = open_work(TODAY)
    assert [(w.kind, w.ref) for w in work if w.kind == "claim"] == [("claim", "1")]
    assert "会员甲" in work[0].title and "上报" in work[0].title


def test_complete_handover_writes_everything_and_revokes_the_slot(branch, branch_db):
    done = complete_handover(full_draft(), TODAY)
    assert done.revoked == "wang" and done.forms == 2 and done.open_work == 1
    assert done.deadline.outcome == "due" and done.deadline.data["due"] == dt.date(2026, 11, 30)
    row = database.execute_sql(
        "SELECT outgoing, incoming, supervisor, on_date, reported_on, outgoing_confirmed, "
        "incoming_confirmed, open_work, note, created_by FROM handover"
    ).fetchone()
    assert row[:7] == ("王芳", "李静", "陈建国", "2026-11-20", None, 1, 1)
    assert [w["kind"] for w in json.loads(row[7])] == ["claim"] and row[8:] == ("王芳调离", "zhang")
    items = database.execute_sql(
        "SELECT kind, description, quantity, checked FROM handover_item ORDER BY id"
    ).fetchall()
    assert [i[0] for i in items] == list(checklist(ON)) and all(i[3] for i in items)
    assert ("cheques", "支票（全部）", 2, 1) in items
    forms = database.execute_sql(
        "SELECT a.name, f.kind, f.old_username, f.new_username FROM account_form f "
        "JOIN staff_account a ON a.id = f.account_id ORDER BY f.id"
    ).fetchall()
    assert forms == [("王芳", "change", "bj004wangfang", None), ("李静", "change", "bj004lij", "bj004lijing")]
    accounts = database.execute_sql("SELECT username, active FROM staff_account ORDER BY id").fetchall()
    assert accounts == [("bj004wangfang", 0), ("bj004lijing", 1)]
    actions = [r[0] for r in database.execute_sql("SELECT action FROM audit_event ORDER BY seq DESC LIMIT 2")]
    assert actions == ["user.revoke", "handover.complete"]
    detail = json.loads(
        database.execute_sql("SELECT detail FROM audit_event WHERE action = 'handover.complete'").fetchone()[0]
    )
    assert detail["confirmed"]["outgoing"] == {"name": "王芳", "at": "2026-11-20T10:00:00+08:00"}
    assert detail["confirmed"]["recorded_by"] == "zhang" and detail["open_work"]["claim"] == 1
    assert audit.verify().ok
    dbmod.close()
    with pytest.raises(RevokedUser):
        dbmod.unlock(branch_db[0], "wang", "wang pass")


def test_new_incoming_account_is_filed(branch):
    complete_handover(full_draft(incoming="赵新", revoke_user=None, incoming_username="bj004zhaoxin"), TODAY)
    forms = database.execute_sql(
        "SELECT a.name, f.kind, f.old_username, f.new_username FROM account_form f "
        "JOIN staff_account a ON a.id = f.account_id ORDER BY f.id"
    ).fetchall()
    assert forms[-1] == ("赵新", "filing", None, "bj004zhaoxin")


@pytest.mark.parametrize(
    ("changes", "code", "article"),
    [
        (dict(supervisor="王芳"), "R4.1.supervisor_is_outgoing", "第十六条8"),
        (dict(items={}), "R4.1.items_missing", "第十六条8"),
        (dict(incoming_confirmed_at=None), "R4.1.open_work_not_acknowledged", "第十六条8"),
        (dict(incoming=" "), "R4.1.person_missing", "第十六条8"),
    ],
)
def test_incomplete_handover_is_refused_with_its_article_and_writes_nothing(branch, branch_db, changes, code, article):
    before = counts()
    with pytest.raises(RuleRefused) as refused:
        complete_handover(full_draft(**changes), TODAY)
    assert code in [d.code for d in refused.value.decisions]
    assert "依据" in refused.value.message_zh and article in refused.value.message_zh
    assert counts() == before
    assert dbmod.current().keyfile.slot("wang") is not None


def test_other_refusals_write_nothing(branch):
    before = counts()
    with pytest.raises(ValidationFailed, match="尚未确认"):
        complete_handover(full_draft(outgoing_confirmed_at=None), TODAY)
    with pytest.raises(ValidationFailed, match="晚于今天"):
        complete_handover(full_draft(on=TODAY + dt.timedelta(days=1)), TODAY)
    with pytest.raises(ValidationFailed, match="已属于"):
        complete_handover(full_draft(incoming_username="bj004wangfang"), TODAY)
    with pytest.raises(ValidationFailed, match="数量"):
        complete_handover(full_draft(items={**full_draft().items, "seals": ItemEntry("公章", 0)}), TODAY)
    assert counts() == before


def test_only_a_supervisor_may_revoke(branch, branch_db):
    admin.add_user(branch, "li", "clerk", "li pass", kdf=CHEAP_KDF)
    dbmod.close()
    dbmod.unlock(branch_db[0], "li", "li pass")
    before = counts()
    with pytest.raises(PermissionDenied, match="负责人"):
        complete_handover(full_draft(), TODAY)
    assert counts() == before
    complete_handover(full_draft(revoke_user=None, on=TODAY), TODAY)  # a clerk may record the handover itself
    assert counts()["handover"] == 1


def test_auditor_is_refused(branch, branch_db):
    admin.add_user(branch, "audit", "auditor", "audit pass", kdf=CHEAP_KDF)
    dbmod.close()
    dbmod.unlock(branch_db[0], "audit", "audit pass")
    with pytest.raises(PermissionDenied, match="只读"):
        complete_handover(full_draft(revoke_user=None), TODAY)


def test_report_deadline_status_and_marking_reported(branch):
    done = complete_handover(full_draft(on=dt.date(2026, 11, 2), revoke_user=None), TODAY)
    [listed] = list_handovers(TODAY)
    assert listed.status.outcome == "overdue" and "2026-11-12" in listed.status.message
    assert listed.open_work == {"claim": 1, "receipt": 0, "renewal": 0} and len(listed.items) == len(checklist(ON))
    with pytest.raises(ValidationFailed, match="之间"):
        mark_reported(done.handover_id, dt.date(2026, 11, 1), TODAY)
    decision = mark_reported(done.handover_id, dt.date(2026, 11, 15), TODAY)
    assert decision.outcome == "reported_late"
    assert list_handovers(TODAY)[0].status.outcome == "reported_late"
    with pytest.raises(ValidationFailed, match="已于"):
        mark_reported(done.handover_id, dt.date(2026, 11, 16), TODAY)
    assert (
        database.execute_sql("SELECT action FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()[0]
        == "handover.reported"
    )


def test_preview_shows_the_rules_and_the_deadline(branch):
    shown = preview(HandoverDraft(outgoing="王芳", incoming="李静", supervisor="李静", on=ON), TODAY)
    codes = [d.code for d in shown.report.decisions]
    assert "R4.1.supervisor_is_incoming" in codes and "R4.1.items_missing" in codes
    assert shown.deadline.outcome == "due"
    assert preview(HandoverDraft(), TODAY) == preview(HandoverDraft(outgoing="x"), TODAY)
