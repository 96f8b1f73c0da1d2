"""Holding the database key so that locking can actually forget it (issue 13, item 6).

The key lives in one mutable ``bytearray`` per session (``Session.key``); ``drop_key`` zeroes it
in place. SQLCipher needs it as the text ``x'<64 hex>'`` inside a ``PRAGMA key`` statement, and the
driver takes a Python ``str``; that ``str`` is built from the buffer, executed without entering the
driver's statement cache, and overwritten at once (``wipe``).

What Python cannot promise: ``bytes`` and ``str`` are immutable, and memory freed by Python, by
OpenSSL or by SQLite is not cleared by them. ``wipe`` overwrites our own transient copies in place
(CPython's object layout: documented for ``bytes`` and compact ASCII ``str``); SQLCipher clears its
own key material when a connection closes. A copy the interpreter made that we never saw (for
instance inside a C library's freed buffer) cannot be reached from Python.
"""

from __future__ import annotations

import ctypes
import sys

_HEX = b"0123456789abcdef"


def wipe(obj) -> None:
    """Overwrite a ``bytearray``, ``bytes`` or ASCII ``str`` in place (CPython only; else nothing)."""
    if isinstance(obj, bytearray):
        obj[:] = b"\0" * len(obj)
        return
    # Never small objects: CPython shares those (cached single bytes, interned short strings).
    if sys.implementation.name != "cpython" or len(obj) < 16:
        return
    if isinstance(obj, bytes) or (isinstance(obj, str) and obj.isascii()):
        # bytes and compact ASCII str keep their data at the end of the object, NUL-terminated.
        offset = sys.getsizeof(obj) - len(obj) - 1
        ctypes.memset(id(obj) + offset, 0, len(obj))


def literal(key: bytes | bytearray) -> bytearray:
    """``x'<hex>'``, SQLCipher's raw-key form, in a buffer the caller wipes."""
    buf = bytearray(b"x'" + b"\0" * (2 * len(key)) + b"'")
    for i, b in enumerate(key):
        buf[2 + 2 * i] = _HEX[b >> 4]
        buf[3 + 2 * i] = _HEX[b & 15]
    return buf


def literal_sql(prefix: str, key: bytes | bytearray, suffix: str = "") -> str:
    """``prefix + '"x'<hex>'"' + suffix`` as the one ``str`` the driver needs; the caller must ``wipe`` it."""
    lit = literal(key)
    buf = bytearray(prefix.encode("ascii")) + b'"' + lit + b'"' + suffix.encode("ascii")
    try:
        return buf.decode("ascii")
    finally:
        wipe(lit)
        wipe(buf)


def apply_key(conn, key: bytes | bytearray, statement: str = "PRAGMA key = ") -> None:
    """Run ``statement "x'<hex>'"`` on a raw driver connection, leaving no copy of the literal.

    ``executescript`` prepares and finalises the statement itself: the driver's statement
    cache, which would keep the text, never sees it."""
    sql = literal_sql(statement, key)
    try:
        conn.executescript(sql)
    finally:
        wipe(sql)


class KeyRef:
    """What ``models.db.database`` connects with: a reference to the session's key buffer, so no
    literal string of the key sits in ``connect_params``."""

    __slots__ = ("buf",)

    def __init__(self, buf: bytearray) -> None:
        self.buf = buf

    def __bool__(self) -> bool:
        return any(self.buf)

    def __repr__(self) -> str:
        return "KeyRef(…)"
