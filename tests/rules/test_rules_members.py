"""rules.members: the member's own account (R3.7), phone, retirement date, transfers (R1.9)."""

from datetime import date

import pytest

from rules.members import (
    Transfer,
    check_account_holder,
    check_account_number,
    check_bank_name,
    check_phone,
    check_reason,
    check_retirement_date,
    check_transfer,
    unit_change_in_import,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, code",
    [
        ("6222 0202 0011 2233 445", "R3.7.account.ok"),
        ("6222-0202-0011-2233", "R3.7.account.ok"),
        ("1" * 12, "R3.7.account.ok"),
        ("1" * 30, "R3.7.account.ok"),
        ("1" * 11, "R3.7.account.length"),
        ("1" * 31, "R3.7.account.length"),
        ("62220202001122334X", "R3.7.account.not_digits"),
        ("６２２２０２０２００１１２２３３", "R3.7.account.not_digits"),  # full-width digits are not ASCII digits
        ("", "R3.7.account.missing"),
        (None, "R3.7.account.missing"),
    ],
)
def test_account_number(text, code):
    decision = check_account_number(text)
    assert decision.code == code
    assert decision.ok == code.endswith(".ok")
    if decision.ok:
        assert decision.data["account"].isdigit()
    else:
        assert decision.citation.short == "003 第九条" and decision.data["en"]


def test_account_messages_never_hold_the_whole_number():
    for text in ("1234567890123456789012345678901", "12345678901", "6222020200112233X"):
        decision = check_account_number(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        assert digits not in decision.message and digits not in str(decision.data)


def test_length_message_says_why():
    decision = check_account_number("12345678")
    assert "12–30 位数字" in decision.message and "现为 8 位" in decision.message
    assert "12-30 digits" in decision.data["en"]


def test_holder_is_the_member():
    assert check_account_holder("张三", "张三").ok
    assert check_account_holder("张 三", "张三").ok
    refused = check_account_holder("李四", "张三")
    assert refused.code == "R3.7.holder.not_member" and not refused.ok and "本人" in refused.message
    assert check_account_holder("", "张三").code == "R3.7.holder.missing"


def test_bank_name_phone_reason():
    assert check_bank_name(" 中国银行  北京分行 ").data["bank_name"] == "中国银行 北京分行"
    assert check_bank_name("").code == "R3.7.bank_name.missing"
    assert check_bank_name("银" * 51).code == "R3.7.bank_name.too_long"
    assert check_phone("138 0013 8000").data["phone"] == "13800138000"
    assert not check_phone("23800138000").ok and not check_phone("1380013800").ok
    assert check_reason("  换卡  ").data["reason"] == "换卡"
    assert check_reason(" ").code == "R9.3.reason.missing"


def test_retirement_date():
    birth = date(1966, 5, 1)
    assert check_retirement_date(date(2026, 5, 1), birth, TODAY).ok
    assert check_retirement_date(date(2026, 12, 1), birth, TODAY).code == "R1.1.retirement.future"
    assert check_retirement_date(date(1960, 1, 1), birth, TODAY).code == "R1.1.retirement.before_birth"


def test_transfer():
    ok = check_transfer(Transfer("U1", "U2", date(2026, 11, 1), "调动"), TODAY)
    assert ok.ok and ok.codes == ("R1.9.transfer.ok",) and ok.decisions[0].citation.source == "001"
    same = check_transfer(Transfer("U1", "U1", date(2026, 11, 1), "调动"), TODAY)
    assert same.codes == ("R1.9.transfer.same_unit",)
    bad = check_transfer(Transfer("U1", "U2", date(2026, 12, 1), "", last_transfer_on=date(2026, 12, 5)), TODAY)
    assert set(bad.codes) == {"R1.9.transfer.future", "R1.9.transfer.before_last", "R9.3.reason.missing"}


def test_import_never_moves_silently():
    assert unit_change_in_import("U1", "U1").ok
    refused = unit_change_in_import("U1", "U2")
    assert not refused.ok and "member transfer" in refused.message and refused.data["to_unit"] == "U2"
