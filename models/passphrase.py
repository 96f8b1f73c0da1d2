"""What a new passphrase must be. A slot file copied off a branch PC can be attacked offline
at the Argon2id cost of each guess: a one-letter passphrase fell in 30 guesses.

Checked wherever a person chooses a passphrase (``init``, ``office init``, ``user add``,
``user passwd`` including a reset with the recovery code). The demo database keeps its
published passphrase ``demo``: it holds invented people only, and says so at unlock.
"""

from __future__ import annotations

from models.errors import ValidationFailed

MIN_LENGTH = 10


def check_new_passphrase(secret: str, user: str) -> str:
    """``secret`` if acceptable; otherwise ValidationFailed (exit 3) saying what to change.
    The message never quotes the passphrase."""
    text = secret or ""
    if len(text) < MIN_LENGTH:
        raise ValidationFailed(
            f"口令太短：至少 {MIN_LENGTH} 个字符（可用几个词组成一句话，如“春天 西山 1987 桃花”）",
            f"the passphrase is too short: at least {MIN_LENGTH} characters (a few words make a good one)",
            code="weak_passphrase",
        )
    if len(set(text)) == 1:
        raise ValidationFailed(
            "口令不能全部是同一个字符", "the passphrase must not be one character repeated", code="weak_passphrase"
        )
    if user and text.strip().casefold() in {user.casefold(), (user * 2).casefold()}:
        raise ValidationFailed(
            "口令不能与用户名相同", "the passphrase must not be the user name", code="weak_passphrase"
        )
    return secret
