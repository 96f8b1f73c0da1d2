"""Errors a user can meet, each with its own exit code and a message in Chinese and English.

The CLI prints ``message_zh`` and ``message_en`` and exits with ``exit_code``; the TUI
shows ``message_zh``. No error message ever contains a passphrase, key or full ID number.
"""

from __future__ import annotations

import functools


class HuzhuError(Exception):
    exit_code = 1
    code = "error"

    def __init__(self, message_zh: str, message_en: str, *, exit_code: int | None = None, code: str | None = None):
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        if exit_code is not None:
            self.exit_code = exit_code
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class UsageError(HuzhuError):
    exit_code = 2
    code = "usage"


class UnlockError(HuzhuError):
    """Base of every reason a database could not be opened (exit codes 10–29, see README)."""


def _unlock(code: str, exit_code: int):
    return type(
        "".join(part.title() for part in code.split("_")),
        (UnlockError,),
        {"code": code, "exit_code": exit_code},
    )


WrongPassphrase = _unlock("wrong_passphrase", 10)
UnknownUser = _unlock("unknown_user", 11)
RevokedUser = _unlock("revoked_user", 12)
EmptyPassphrase = _unlock("empty_passphrase", 13)
DatabaseMissing = _unlock("database_missing", 14)
NotHuzhuDatabase = _unlock("not_huzhu_database", 15)
PlainSqlite = _unlock("plain_sqlite", 16)
SqlCipher3File = _unlock("sqlcipher3_file", 17)
DamagedDatabase = _unlock("damaged_database", 18)
KeySlotsMissing = _unlock("keyslots_missing", 19)
KeySlotsDamaged = _unlock("keyslots_damaged", 20)
NewerDatabase = _unlock("newer_database", 21)
DatabaseLocked = _unlock("database_locked", 22)
UserRequired = _unlock("user_required", 23)
# 24: read_only_folder (models.db.check_writable_folder)
UngrantedUser = _unlock("ungranted_user", 25)  # a key slot no supervisor's signed grant stands behind
StaleKeySlot = _unlock("stale_key_slot", 26)  # an older slot file put back after a passphrase change
ServerUnavailable = _unlock("server_unavailable", 27)  # a PostgreSQL office database: no connection or login refused


class PermissionDenied(HuzhuError):
    exit_code = 30
    code = "permission_denied"


class BackupError(HuzhuError):
    exit_code = 31
    code = "backup_error"


class CheckFailed(HuzhuError):
    exit_code = 32
    code = "check_failed"


class ValidationFailed(HuzhuError):
    """Input refused by a rule; nothing was written."""

    exit_code = 3
    code = "validation_failed"


class RuleRefused(ValidationFailed):
    """A rule's ERROR decisions refused an action; nothing was written.

    ``decisions`` keeps them (with their reason codes, articles and any ``field`` they
    concern) so a form can put each message beside its field; the Chinese message quotes
    every refusal with its source article."""

    def __init__(self, decisions) -> None:
        self.decisions = tuple(decisions)
        super().__init__(
            "；".join(f"{d.message}（依据：{d.citation}）" for d in self.decisions),
            "refused by rule " + ", ".join(d.code for d in self.decisions),
        )


def refuses_undated(fn):
    """Decorator for services that decide by the rule set in force on a typed date: a date
    before every rule set (``rules.ruleset_on`` raises LookupError with a Chinese message)
    is the clerk's typing mistake, so it becomes ``ValidationFailed``, not an internal error."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LookupError as exc:
            if type(exc) is not LookupError:  # KeyError, IndexError: bugs, not typing mistakes
                raise
            raise ValidationFailed(str(exc).strip("'\""), "date before every rule set") from None

    return wrapper
