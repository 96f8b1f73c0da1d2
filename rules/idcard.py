"""Citizen ID numbers (公民身份号码, GB 11643-1999) and masking of personal numbers.

The ID number is how clerks find a member, and a wrong digit would attach a claim to the
wrong person, so every number is checked in full: format, region, birth date, check digit.
ID and bank account numbers are personal information (docs/rules.md R9): messages and reprs here
only ever show them masked.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date

from rules.result import Citation, Decision, RuleViolation, Severity

#: ID checks follow a national standard, not an effective-dated rule set of ours.
ID_STANDARD = "GB 11643-1999"
_CITATION = Citation("GB 11643-1999《公民身份号码》", "第4章 号码的结构和表示形式")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
#: First digit of the address code (GB/T 2260): 1–6 mainland regions, 7 Taiwan, 8 HK/Macau/Taiwan permits.
_REGION_FIRST_DIGITS = frozenset("12345678")


def id_check_char(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("需要17位数字本体码")
    return _CHECK_CHARS[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def normalise_id(text: str) -> str:
    """Strip surrounding blanks and upper-case a trailing x."""
    return text.strip().upper()


def mask_id(text: str) -> str:
    """Masked ID for screens and messages: first 6 and last 4 characters of an 18-character
    number ("110105********123X"). Shorter input reveals proportionally less, and the full
    input is never returned.
    """
    value = normalise_id(text)
    head, tail = min(6, len(value) // 3), min(4, len(value) // 4)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_account(text: str) -> str:
    """Masked bank account: only the last 4 characters (never all of a short input)."""
    value = "".join(text.split())
    tail = min(4, max(0, len(value) - 4))
    return "*" * (len(value) - tail) + value[len(value) - tail :]


@dataclass(frozen=True)
class IdNumber:
    """A valid ID number; its repr shows the number masked."""

    number: str = field(repr=False)
    birth_date: date
    sex: str  # "male" | "female"

    @property
    def masked(self) -> str:
        return mask_id(self.number)

    @property
    def region_code(self) -> str:
        return self.number[:6]

    def __str__(self) -> str:
        return self.masked


def _invalid(code: str, message: str) -> Decision:
    return Decision("invalid", code, message, _CITATION, ID_STANDARD, Severity.ERROR)


def check_id_number(text: str, today: date | None = None) -> Decision:
    """Check an 18-character ID number; with `today`, a birth date after it is refused.

    Outcome "valid" (data: birth_date, sex; never the number, as decisions get logged) or
    "invalid" with the first problem found.
    """
    value = normalise_id(text)
    masked = mask_id(value)
    body, last = value[:17], value[17:]
    if len(value) != 18 or not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        return _invalid(
            "ID.format", f"身份证号 {masked} 格式错误：应为18位，前17位为数字，末位为数字或X（现为{len(value)}位）"
        )
    if value[0] not in _REGION_FIRST_DIGITS:
        return _invalid("ID.region", f"身份证号 {masked} 地址码首位 {value[0]} 不是有效的行政区划代码")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _invalid("ID.birth_date", f"身份证号 {masked} 出生日期码 {value[6:14]} 不是有效日期")
    if today is not None and birth > today:
        return _invalid(
            "ID.birth_in_future", f"身份证号 {masked} 出生日期 {birth.isoformat()} 晚于当日 {today.isoformat()}"
        )
    expected = id_check_char(body)
    if last != expected:
        return _invalid("ID.check_digit", f"身份证号 {masked} 校验码错误：末位应为计算所得的校验码，请核对号码")
    sex = "male" if int(value[16]) % 2 else "female"
    return Decision(
        "valid",
        "ID.valid",
        f"身份证号 {masked} 校验通过（出生日期 {birth.isoformat()}，{'男' if sex == 'male' else '女'}）",
        _CITATION,
        ID_STANDARD,
        Severity.INFO,
        {"birth_date": birth, "sex": sex},
    )


def parse_id_number(text: str, today: date | None = None) -> IdNumber:
    """The valid ID number with its birth date and sex; raises `RuleViolation` otherwise."""
    decision = check_id_number(text, today)
    if not decision.ok:
        raise RuleViolation(decision)
    return IdNumber(normalise_id(text), decision.data["birth_date"], decision.data["sex"])
