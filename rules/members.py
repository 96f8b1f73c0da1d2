"""A member's own record: bank account, phone, retirement date and unit transfers
(docs/rules.md R1.9, R3.2, R3.7, R9.3).

Money goes "一律通过银行转账至个人账户" (003 第九条): an account in the member's own name,
so a form, an import or a failed-direct-pay correction that gives another holder is refused.
A member who moves to another unit gets a transfer record (001 附件1 业务管理 "规范进行会员的
调入调出"); an import never moves them silently. None of these checks depends on a figure of
an effective-dated rule set, so their decisions carry ``RULES_VERSION`` instead of a set's
version. Messages never quote a full account number (R9.2): only its last four digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rules.idcard import mask_account
from rules.result import Citation, Decision, Report, Severity

RULES_VERSION = "member-records-1"
ACCOUNT_CITATION = Citation("003", "第九条")
HOLDER_CITATION = Citation("003", "第九条")
TRANSFER_CITATION = Citation("001", "附件1 业务管理")
RETIREMENT_CITATION = Citation("000", "第十七条1")
REASON_CITATION = Citation("000", "第二十一条")
#: Bank account numbers: digits only, this many of them (bank cards 16–19, passbook and
#: corporate-style personal accounts up to 30; fewer than 12 is a typing slip).
ACCOUNT_MIN_DIGITS = 12
ACCOUNT_MAX_DIGITS = 30
BANK_NAME_MAX = 50
REASON_MAX = 200

#: Where a member-record value came from (``member_change.source``), in Chinese (R3.7).
SOURCES = {
    "member_edit": "会员资料修改",
    "enrolment": "参保名单导入",
    "accounts_import": "账户名单导入",
    "direct_pay": "直赔失败更正",
    "transfer": "单位调动",
    "enrolment_transfer": "参保名单（负责人确认调动）",
}
#: The member-record fields that keep a history (``member_change.field``), in Chinese.
FIELDS = {
    "phone": "手机号",
    "bank_name": "开户行",
    "bank_account": "银行账号",
    "retirement_date": "退休日期",
    "unit": "所在单位",
}


def _error(code: str, message: str, citation: Citation, en: str, **data: Any) -> Decision:
    """A refusal; ``data["en"]`` says the same in English for the command line."""
    return Decision("refused", code, message, citation, RULES_VERSION, Severity.ERROR, {"en": en, **data})


def _ok(code: str, message: str, citation: Citation, **data: Any) -> Decision:
    return Decision("ok", code, message, citation, RULES_VERSION, Severity.INFO, data)


def normalise_account(text: str | None) -> str:
    """An account as typed, without the blanks and dashes people group digits with."""
    return "".join((text or "").replace("-", " ").split())


def check_account_number(text: str | None) -> Decision:
    """R3.7: digits only, ``ACCOUNT_MIN_DIGITS``–``ACCOUNT_MAX_DIGITS`` of them. The message
    says which and why; data holds the normalised number under ``account`` for the caller
    (never put into a message)."""
    value = normalise_account(text)
    if not value:
        return _error("R3.7.account.missing", "请填写银行账号", ACCOUNT_CITATION, "the bank account number is missing")
    if not (value.isascii() and value.isdigit()):
        bad = sorted({ch for ch in value if not (ch.isascii() and ch.isdigit())})
        return _error(
            "R3.7.account.not_digits",
            f"银行账号只能由数字组成，不能含“{''.join(bad[:5])}”（空格和短横线可省略）",
            ACCOUNT_CITATION,
            "a bank account number has digits only (blanks and dashes may be left out)",
        )
    if not ACCOUNT_MIN_DIGITS <= len(value) <= ACCOUNT_MAX_DIGITS:
        return _error(
            "R3.7.account.length",
            f"银行账号应为 {ACCOUNT_MIN_DIGITS}–{ACCOUNT_MAX_DIGITS} 位数字，现为 {len(value)} 位"
            f"（尾号 {mask_account(value)[-4:]}），请核对是否漏输或多输",
            ACCOUNT_CITATION,
            f"a bank account number has {ACCOUNT_MIN_DIGITS}-{ACCOUNT_MAX_DIGITS} digits, this one has {len(value)}",
            digits=len(value),
        )
    return _ok("R3.7.account.ok", f"银行账号格式正确（尾号 {value[-4:]}）", ACCOUNT_CITATION, account=value)


def check_bank_name(text: str | None) -> Decision:
    value = " ".join((text or "").split())
    if not value:
        return _error(
            "R3.7.bank_name.missing",
            "请填写开户行（如：中国工商银行北京朝阳支行）",
            ACCOUNT_CITATION,
            "the bank name is missing",
        )
    if len(value) > BANK_NAME_MAX:
        return _error(
            "R3.7.bank_name.too_long",
            f"开户行过长（{len(value)} 个字，最多 {BANK_NAME_MAX}）",
            ACCOUNT_CITATION,
            f"the bank name is too long ({len(value)} > {BANK_NAME_MAX})",
        )
    return _ok("R3.7.bank_name.ok", "开户行已填写", ACCOUNT_CITATION, bank_name=value)


def _name(text: str | None) -> str:
    return "".join((text or "").split())


def check_account_holder(holder: str | None, member_name: str) -> Decision:
    """R3.7 / 003 第九条: the account is the member's own, in their own name. Blanks inside
    a Chinese name are ignored ("张 三" is 张三); any other difference is another holder."""
    if not _name(holder):
        return _error(
            "R3.7.holder.missing",
            "请填写户名（应为会员本人姓名）",
            HOLDER_CITATION,
            "the account holder's name is missing",
        )
    if _name(holder) != _name(member_name):
        return _error(
            "R3.7.holder.not_member",
            f"户名“{(holder or '').strip()}”与会员姓名“{member_name}”不符：互助金只能转入会员本人账户，不接受他人账户",
            HOLDER_CITATION,
            "the account holder is not the member: payments go only to the member's own account",
        )
    return _ok("R3.7.holder.ok", f"户名与会员姓名一致（{member_name}）", HOLDER_CITATION)


def check_phone(text: str | None) -> Decision:
    value = "".join((text or "").split())
    if not (len(value) == 11 and value.isascii() and value.isdigit() and value.startswith("1")):
        return _error(
            "member.phone.format",
            f"手机号应为以 1 开头的 11 位数字，实为“{value}”（{len(value)} 位）",
            TRANSFER_CITATION,
            "a mobile number has 11 digits and starts with 1",
        )
    return _ok("member.phone.ok", "手机号格式正确", TRANSFER_CITATION, phone=value)


def check_retirement_date(retirement: date, birth: date, today: date) -> Decision:
    """The day the formal retirement procedure was completed (R1.1): after birth, not after today."""
    if retirement <= birth:
        return _error(
            "R1.1.retirement.before_birth",
            f"退休日期 {retirement.isoformat()} 不晚于出生日期 {birth.isoformat()}",
            RETIREMENT_CITATION,
            "the retirement date is not after the birth date",
        )
    if retirement > today:
        return _error(
            "R1.1.retirement.future",
            f"退休日期 {retirement.isoformat()} 晚于今天 {today.isoformat()}：应填已办理正式退休手续的日期",
            RETIREMENT_CITATION,
            "the retirement date is after today: give the day retirement was completed",
        )
    return _ok("R1.1.retirement.ok", f"退休日期 {retirement.isoformat()}", RETIREMENT_CITATION)


def check_reason(text: str | None, what: str = "修改") -> Decision:
    """R9.3: every correction says why."""
    value = " ".join((text or "").split())
    if not value:
        return _error(
            "R9.3.reason.missing", f"请填写{what}原因（--reason）", REASON_CITATION, "a reason is required (--reason)"
        )
    if len(value) > REASON_MAX:
        return _error(
            "R9.3.reason.too_long",
            f"{what}原因过长（{len(value)} 个字，最多 {REASON_MAX}）",
            REASON_CITATION,
            f"the reason is too long ({len(value)} > {REASON_MAX})",
        )
    return _ok("R9.3.reason.ok", f"{what}原因：{value}", REASON_CITATION, reason=value)


@dataclass(frozen=True)
class Transfer:
    """A unit transfer as asked for: the member's present unit, the unit they move to, the
    date and the reason; ``last_transfer_on`` is the date of their latest recorded transfer."""

    from_unit: str
    to_unit: str
    on: date
    reason: str
    last_transfer_on: date | None = None


def check_transfer(t: Transfer, today: date) -> Report:
    """R1.9: another unit, a date not in the future and not before the last transfer, a reason."""
    decisions = []
    if not t.to_unit.strip():
        decisions.append(
            _error(
                "R1.9.transfer.no_unit", "请填写调入单位编码", TRANSFER_CITATION, "the unit to transfer to is missing"
            )
        )
    elif t.to_unit.strip() == t.from_unit.strip():
        decisions.append(
            _error(
                "R1.9.transfer.same_unit",
                f"会员已在单位 {t.from_unit}，无需调动",
                TRANSFER_CITATION,
                f"the member is already in unit {t.from_unit}",
            )
        )
    if t.on > today:
        decisions.append(
            _error(
                "R1.9.transfer.future",
                f"调动日期 {t.on.isoformat()} 晚于今天 {today.isoformat()}",
                TRANSFER_CITATION,
                "the transfer date is after today",
            )
        )
    if t.last_transfer_on is not None and t.on < t.last_transfer_on:
        decisions.append(
            _error(
                "R1.9.transfer.before_last",
                f"调动日期 {t.on.isoformat()} 早于该会员上一次调动（{t.last_transfer_on.isoformat()}）",
                TRANSFER_CITATION,
                "the transfer date is before the member's last transfer",
            )
        )
    reason = check_reason(t.reason, "调动")
    if not reason.ok:
        decisions.append(reason)
    if not decisions:
        decisions.append(
            _ok(
                "R1.9.transfer.ok",
                f"由单位 {t.from_unit} 调入单位 {t.to_unit}（{t.on.isoformat()}）",
                TRANSFER_CITATION,
            )
        )
    return Report(tuple(decisions))


def unit_change_in_import(member_unit: str, row_unit: str) -> Decision:
    """R1.9: an import row that puts a known member under another unit is a transfer, which a
    file never makes by itself: the clerk records it with ``member transfer``, or a 负责人
    confirms it with a written reason (then it is recorded as a transfer)."""
    if member_unit == row_unit:
        return _ok("R1.9.same_unit", f"会员仍在单位 {row_unit}", TRANSFER_CITATION)
    return _error(
        "R1.9.unit_change",
        f"该会员现属单位 {member_unit}，本行为单位 {row_unit}：导入不会自动调动会员，"
        f"请先用 huzhu member transfer 登记调动（或由负责人以 --override-reason 写明理由后导入，记为调动）",
        TRANSFER_CITATION,
        f"the member is in unit {member_unit}, the row says {row_unit}: record the "
        "transfer with 'huzhu member transfer' (or a supervisor's --override-reason)",
        from_unit=member_unit,
        to_unit=row_unit,
    )
