"""models.member_edit in-process: a failed direct payment's corrected account becomes the
member's (R2.4 → R3.7) with its history; an edit refused by a rule writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from models import clock
from models.claims import ClaimDraft, record_direct_pay_step, register_claim, transition_claim
from models.db import database
from models.enrolments import COLUMNS, import_enrolments
from models.errors import RuleRefused
from models.member_edit import edit_member, member_record
from models.schema import Member, MemberChange
from rules import ruleset_on
from rules.idcard import id_check_char

D = dt.date
TODAY = D(2026, 11, 23)


def idn(i: int) -> str:
    body = f"11010519800101{i:03d}"
    return body + id_check_char(body)


@pytest.fixture
def member(session, tmp_path):
    clock.freeze(TODAY)
    path = tmp_path / "staff.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerow(
            [
                "U0001",
                "朝阳某公司工会",
                "ZYYL",
                "2026-01-01",
                "2026-12-31",
                "2025-12-20",
                "张三",
                idn(1),
                "2",
                "",
                "",
                "中国银行",
                "6217000010001234567",
            ]
        )
    assert import_enrolments(path).written
    return Member.get(Member.id_number == idn(1)).id


def test_direct_pay_correction_updates_the_member_account_with_history(member):
    materials = frozenset(ruleset_on(TODAY).plan("ZYYL").required_materials)
    cid = register_claim(
        ClaimDraft(
            member_id=member,
            plan="ZYYL",
            diagnosis="肺炎",
            incident_kind="illness",
            incident_date=D(2026, 11, 2),
            shares_claimed=2,
            reported_on=D(2026, 11, 5),
            reporter="刘主席",
            channel="app",
            materials=materials,
            backdate_reason="按纸质登记簿补录",
        )
    ).claim_id
    transition_claim(cid, "submit", D(2026, 11, 6))
    transition_claim(cid, "settle", D(2026, 11, 10), benefit_fen=50000)
    record_direct_pay_step(cid, "notice", D(2026, 11, 12), note="原账户已销户")
    with pytest.raises(RuleRefused) as short:  # the member's account rules apply to a correction too
        record_direct_pay_step(cid, "corrected", D(2026, 11, 13), account="62220200")
    assert short.value.decisions[0].code == "R3.7.account.length"
    assert Member.get_by_id(member).bank_account == "6217000010001234567"
    record_direct_pay_step(cid, "corrected", D(2026, 11, 13), account="6222 0200 1234 5678 901")
    assert Member.get_by_id(member).bank_account == "6222020012345678901"
    change = MemberChange.get((MemberChange.member == member) & (MemberChange.source == "direct_pay"))
    assert (change.field, change.old_value, change.new_value, change.on_date) == (
        "bank_account",
        "6217000010001234567",
        "6222020012345678901",
        D(2026, 11, 13),
    )
    assert "直赔失败" in change.reason and f"#{cid}" in change.reason
    record = member_record(member)
    assert record.history[0]["source_name"] == "直赔失败更正" and record.history[0]["new"].endswith("8901")
    corrected = json.loads(
        database.execute_sql("SELECT detail FROM audit_event WHERE action = 'claim.direct_pay.corrected'").fetchone()[0]
    )
    assert corrected["member_changes"] == [
        {"field": "bank_account", "old": "*" * 15 + "4567", "new": "*" * 15 + "8901"}
    ]
    details = " ".join(r[0] for r in database.execute_sql("SELECT detail FROM audit_event"))
    assert "6222020012345678901" not in details and "6217000010001234567" not in details


def test_refused_edit_writes_nothing(member):
    before = database.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0]
    with pytest.raises(RuleRefused) as refused:
        edit_member(member, phone="13800138000", bank_account="6217000010009999", holder="李四", reason="换卡")
    assert [d.code for d in refused.value.decisions] == ["R3.7.holder.not_member"]
    assert "not the member" in refused.value.message_en
    assert Member.get_by_id(member).phone is None
    assert MemberChange.select().where(MemberChange.source == "member_edit").count() == 0
    assert database.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0] == before


def test_clearing_a_phone_needs_a_reason_and_keeps_the_old_value(member):
    edit_member(member, phone="13800138000")
    with pytest.raises(RuleRefused):
        edit_member(member, phone="")
    result = edit_member(member, phone="", reason="会员停用此号")
    assert result.changes == [{"field": "phone", "old": "13800138000", "new": None}]
    audit = json.loads(
        database.execute_sql(
            "SELECT detail FROM audit_event WHERE action = 'member.edit' ORDER BY seq DESC LIMIT 1"
        ).fetchone()[0]
    )
    assert audit["changes"] == [{"field": "phone", "old": "138****8000", "new": None}]


def test_a_transferred_member_is_not_carried_by_the_old_units_renewal(member, tmp_path):
    from models.enrolments import renew_unit
    from models.member_edit import transfer_member

    path = tmp_path / "u2.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerow(["U0002", "另一工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "李四", idn(2), "1"])
    assert import_enrolments(path).written
    transfer_member(member, "U0002", D(2026, 11, 1), "调至另一单位")
    clock.freeze(D(2026, 12, 20))
    renewed = renew_unit("U0001", "ZYYL", D(2026, 12, 20), dry_run=True)
    assert renewed.carried == []
    assert [(name, "U0002" in reason) for _, name, reason in renewed.dropped] == [("张三", True)]
