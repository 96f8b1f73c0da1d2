"""GB 11643-1999 ID numbers and masking."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import RuleViolation, check_id_number, id_check_char, mask_account, mask_id, parse_id_number

# A published sample number of the standard's appendix style: 11010519491231002X.
SAMPLE = "11010519491231002X"


@st.composite
def valid_ids(draw):
    region = draw(st.sampled_from(["110105", "310104", "440305", "650102", "810000"]))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def test_known_number_is_valid_with_birth_date_and_sex():
    decision = check_id_number(SAMPLE)
    assert decision.ok and decision.code == "ID.valid"
    assert decision.data["birth_date"] == date(1949, 12, 31) and decision.data["sex"] == "female"
    assert SAMPLE not in decision.message and SAMPLE not in repr(dict(decision.data))
    assert parse_id_number(SAMPLE.lower()).birth_date == date(1949, 12, 31)


@given(valid_ids())
def test_generated_numbers_pass(number):
    decision = check_id_number(number, today=date(2021, 1, 1))
    assert decision.ok, decision.message
    assert decision.data["birth_date"] == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert decision.data["sex"] == ("male" if int(number[16]) % 2 else "female")


@given(valid_ids(), st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_fails(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    original = number[position]
    replacement = alphabet[(alphabet.index(original) + shift) % len(alphabet)]
    if replacement == original:
        replacement = alphabet[(alphabet.index(original) + 1) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1 :]
    assert not check_id_number(changed).ok


@pytest.mark.parametrize(
    "text, code",
    [
        ("11010519491231002", "ID.format"),
        ("11010519491231002Y", "ID.format"),
        ("01010519491231002X", "ID.region"),
        ("110105194902300021", "ID.birth_date"),
        ("110105194912310021", "ID.check_digit"),
    ],
)
def test_invalid_numbers_give_the_reason(text, code):
    decision = check_id_number(text)
    assert decision.code == code and not decision.ok and decision.ruleset == "GB 11643-1999"
    assert decision.citation.source.startswith("GB 11643-1999")


def test_birth_date_after_today_is_refused():
    body = "11010520300101001"
    number = body + id_check_char(body)
    assert check_id_number(number).ok
    assert check_id_number(number, today=date(2029, 12, 31)).code == "ID.birth_in_future"
    with pytest.raises(RuleViolation):
        parse_id_number(number, today=date(2029, 12, 31))


def test_mask_id_keeps_first_six_and_last_four():
    assert mask_id(SAMPLE) == "110105********002X"
    assert SAMPLE not in repr(parse_id_number(SAMPLE))


@given(st.text(alphabet=st.characters(blacklist_characters="*"), max_size=40))
def test_masking_never_reveals_the_full_input(text):
    for masked, value in ((mask_id(text), text.strip().upper()), (mask_account(text), "".join(text.split()))):
        if value:
            assert masked != value
            assert "*" in masked
        assert len(masked) == len(value)


def test_mask_account_keeps_last_four():
    assert mask_account("6222 0200 1234 5678") == "************5678"
