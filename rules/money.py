"""Money is integer fen (分) everywhere; these helpers only render it."""

from __future__ import annotations


def format_fen(fen: int) -> str:
    """Integer fen as a yuan amount for messages, e.g. 123456 -> "1234.56元"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}元"
