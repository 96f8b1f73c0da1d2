"""The member/unit service and its search keys (models.members, models.names), on real SQLCipher."""

from __future__ import annotations

import datetime as dt

import pytest

from models import admin, members
from models import db as dbmod
from models.errors import PermissionDenied, ValidationFailed
from models.names import id_reversed, initials
from models.schema import AuditEvent, Member, Unit
from rules.idcard import id_check_char
from tests.conftest import PASSPHRASE, today


def valid_id(body17: str) -> str:
    return body17 + id_check_char(body17)


ZHANG = valid_id("11010519800101123")  # 1980-01-01, sequence 123 (odd: male)
LI = valid_id("11010819920229004")  # 1992-02-29, sequence 004 (even: female)


def counts() -> tuple[int, int]:
    return Member.select().count(), AuditEvent.select().count()


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("张三", "zs"),
        ("单田芳", "stf"),  # surname 单 is shan, not dan
        ("曾国藩", "zgf"),  # surname 曾 is zeng, not ceng
        ("解晓东", "xxd"),  # surname 解 is xie
        ("仇英", "qy"),
        ("尉迟恭", "ycg"),  # double surname read as one
        ("欧阳修", "oyx"),
        ("王单", "wd"),  # 单 outside the surname keeps its everyday reading
        ("阿依古丽·买买提", "ayglmmt"),  # the middle dot contributes nothing
        (" 李 四 ", "ls"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_id_reversed_normalises_then_reverses():
    assert id_reversed(" 11010519491231002x ") == "X20013219491501011"


# --- units --------------------------------------------------------------------------------------------


def test_upsert_unit_creates_then_updates(session):
    unit = members.upsert_unit("U0001", " 北京市朝阳区 建外街道 工会 ", contact="王芳")
    assert (unit.code, unit.name, unit.contact) == ("U0001", "北京市朝阳区 建外街道 工会", "王芳")
    again = members.upsert_unit("U0001", "建外街道工会")
    assert again.id == unit.id and again.name == "建外街道工会" and again.contact == "王芳"
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.entity == "unit").order_by(AuditEvent.seq)]
    assert actions == ["unit.create", "unit.update"]


def test_upsert_unit_refuses_blank_name(session):
    with pytest.raises(ValidationFailed, match="单位名称不能为空"):
        members.upsert_unit("U0001", "  ")
    assert Unit.select().count() == 0


# --- members ------------------------------------------------------------------------------------------


def test_upsert_member_derives_columns_from_the_id(session):
    members.upsert_unit("U0001", "建外街道工会")
    member = members.upsert_member(
        ZHANG.lower(),
        "单田芳",
        "U0001",
        phone="13800000000",
        bank_name="中国银行",
        bank_account="6216 6100 0000 0000 123",
    )
    assert member.id_number == ZHANG  # trailing x upper-cased
    assert member.sex == "M" and member.birth_date == dt.date(1980, 1, 1)
    assert member.id_rev == ZHANG[::-1] and member.initials == "stf"
    assert member.bank_account == "6216610000000000123"
    event = AuditEvent.get(AuditEvent.action == "member.create")
    assert ZHANG not in event.detail and "13800000000" not in event.detail and "6216610000000000123" not in event.detail
    assert event.entity_id == str(member.id)


def test_upsert_member_updates_and_keeps_unsent_fields(session):
    members.upsert_unit("U0001", "建外街道工会")
    members.upsert_unit("U0002", "双井街道工会")
    first = members.upsert_member(LI, "李静", "U0001", phone="13900000000")
    second = members.upsert_member(LI, "李静", "U0002", retirement_date=dt.date(2047, 3, 1))
    assert second.id == first.id and second.sex == "F" and second.birth_date == dt.date(1992, 2, 29)
    assert second.unit_id == Unit.get(Unit.code == "U0002").id
    assert second.phone == "13900000000"  # None leaves the stored phone
    update = AuditEvent.get(AuditEvent.action == "member.update")
    assert '"changed":["retirement_date","unit_id"]' in update.detail


@pytest.mark.parametrize(
    "bad, why",
    [
        (ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "校验码错误"),
        ("1101051980010112", "格式错误"),
        ("110105198002301230", "出生日期码"),
        (valid_id("11010520990101123"), "晚于当日"),
    ],
)
def test_invalid_id_is_refused_in_chinese_and_nothing_is_written(session, bad, why):
    members.upsert_unit("U0001", "建外街道工会")
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        members.upsert_member(bad, "张三", "U0001", today=today())
    assert why in caught.value.message_zh and "身份证号" in caught.value.message_zh
    assert bad not in caught.value.message_zh and bad not in caught.value.message_en  # masked
    assert counts() == before


def test_unknown_unit_is_refused(session):
    with pytest.raises(ValidationFailed, match="单位编码 U9999 不存在"):
        members.upsert_member(ZHANG, "张三", "U9999")
    assert Member.select().count() == 0


def test_read_only_user_cannot_write(session):
    members.upsert_unit("U0001", "建外街道工会")
    admin.add_user(session, "audit", "auditor", PASSPHRASE)
    dbmod.close()
    dbmod.unlock(session.path, "audit", PASSPHRASE)
    with pytest.raises(PermissionDenied):
        members.upsert_member(ZHANG, "张三", "U0001")
    assert Member.select().count() == 0


# --- bulk -------------------------------------------------------------------------------------------------


def test_bulk_upsert_counts_inserts_and_updates_with_one_audit_event(session):
    result = members.bulk_upsert_units([("U0001", "建外街道工会", None, None), ("U0002", "双井街道工会", "赵敏", None)])
    assert (result.inserted, result.updated) == (2, 0)
    rows = [(ZHANG, "张三", "U0001", None, None, None, None), (LI, "李静", "U0002", "13900000000", None, None, None)]
    assert members.bulk_upsert_members(rows) == members.BulkResult(2, 2, 0)
    rows[0] = (ZHANG, "张三丰", "U0002", None, None, None, None)
    assert members.bulk_upsert_members(rows) == members.BulkResult(2, 0, 2)
    zhang = Member.get(Member.id_number == ZHANG)
    assert (zhang.name, zhang.initials, zhang.unit.code) == ("张三丰", "zsf", "U0002")
    events = list(AuditEvent.select().where(AuditEvent.action == "member.bulk_upsert").order_by(AuditEvent.seq))
    assert [e.detail for e in events] == ['{"inserted":2,"rows":2,"updated":0}', '{"inserted":0,"rows":2,"updated":2}']


def test_bulk_upsert_refuses_the_whole_batch_listing_bad_rows(session):
    members.upsert_unit("U0001", "建外街道工会")
    before = counts()
    rows = [
        (ZHANG, "张三", "U0001", None, None, None, None),
        (ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "李四", "U0001", None, None, None, None),
        (LI, "", "U0001", None, None, None, None),
    ]
    with pytest.raises(ValidationFailed) as caught:
        members.bulk_upsert_members(rows)
    message = caught.value.message_zh
    assert "共 2 行有误，未写入任何数据" in message and "第 2 行" in message and "第 3 行：姓名不能为空" in message
    assert counts() == before


def test_write_members_runs_inside_the_callers_transaction(session):
    members.upsert_unit("U0001", "建外街道工会")
    with pytest.raises(RuntimeError):
        with dbmod.writing():
            members.write_members(dbmod.database.connection(), [(ZHANG, "张三", "U0001", None, None, None, None)])
            raise RuntimeError("the caller fails after the write")
    assert Member.select().count() == 0
