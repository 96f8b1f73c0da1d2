"""Amounts typed by a clerk, in yuan, turned into the integer fen everything else uses.

Money is never a float anywhere in huzhu: ``0.1 + 0.2`` yuan must be exactly 30 fen, so
the text is parsed digit by digit. Display goes the other way through ``rules.format_fen``.
"""

from __future__ import annotations

import re
import unicodedata

from models.errors import ValidationFailed

#: Largest amount accepted: a hundred million yuan, far above any branch payment, and far
#: inside SQLite's 64-bit integers.
MAX_YUAN_DIGITS = 9
_AMOUNT = re.compile(r"^(\d+)(?:\.(\d*))?$")


def parse_yuan(text: str) -> int:
    """``"1234.5"`` -> 123450. Accepts full-width digits, thousands commas, a leading ¥ and a
    trailing 元; refuses blanks, negatives, more than two decimals and anything else."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    cleaned = raw.removeprefix("¥").removesuffix("元").replace(",", "").replace(" ", "")
    if not cleaned:
        raise ValidationFailed("请填写金额（元）", "amount missing")
    if cleaned.startswith("-"):
        raise ValidationFailed(f"金额不能为负数：{raw}", f"negative amount: {raw}")
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValidationFailed(f"金额格式不对：{raw}（应为元，如 1234.50）", f"not an amount in yuan: {raw}")
    whole, cents = match.group(1), match.group(2) or ""
    if len(cents) > 2:
        raise ValidationFailed(f"金额最多两位小数（到分）：{raw}", f"more than two decimals: {raw}")
    if len(whole.lstrip("0")) > MAX_YUAN_DIGITS:
        raise ValidationFailed(f"金额过大：{raw}", f"amount too large: {raw}")
    return int(whole) * 100 + int(cents.ljust(2, "0"))
