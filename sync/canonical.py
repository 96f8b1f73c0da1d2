"""Canonical JSON (RFC 8785 style) for signed manifests and payload files.

A signature covers bytes, not meaning, so every signed document must have exactly
one byte form. The rules, after RFC 8785 (JSON Canonicalization Scheme):

* object keys sorted by their UTF-16 code units, no duplicate keys;
* no insignificant whitespace; UTF-8 output; strings escaped as ECMAScript's
  ``JSON.stringify`` does (``\\" \\\\ \\b \\f \\n \\r \\t``, other controls as
  lowercase ``\\u00xx``, everything else literal);
* integers only, within +/-(2**53 - 1) so every JSON reader agrees on the value.
  Floats, NaN and Infinity are refused outright: money is integer fen, and a
  float in a document would mean a rounding error somewhere upstream.

``canonical_loads`` is the strict reader used on anything that arrives from outside:
it refuses duplicate keys and floats while parsing (so neither can be silently
collapsed), then re-encodes and requires the result to equal the input bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32

_ESCAPE_RE = re.compile(r'[\x00-\x1f"\\]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class CanonicalJSONError(ValueError):
    """The value or bytes are not acceptable canonical JSON.

    ``reason`` is a stable machine-readable word: ``invalid_utf8``, ``syntax``,
    ``duplicate_key``, ``float``, ``int_range``, ``invalid_string``,
    ``unsupported_type``, ``too_deep`` or ``non_canonical``.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def canonical_dumps(obj: Any) -> bytes:
    """Encode ``obj`` (dict/list/tuple/str/int/bool/None) to canonical JSON bytes."""
    parts: list[str] = []
    _encode(obj, parts, 0)
    return "".join(parts).encode("utf-8")


def canonical_loads(data: bytes) -> Any:
    """Parse bytes that must already be canonical JSON; refuse anything else.

    The office verifies tens of megabytes of payload per run, so bytes are first compared
    with the C encoder's output; only when that cannot prove them canonical does the exact
    pure-Python path run, which also names the precise reason for a refusal."""
    fast = _fast_canonical(data)
    if fast is not _NOT_PROVEN:
        return fast
    obj = strict_loads(data)
    if canonical_dumps(obj) != data:
        raise CanonicalJSONError("non_canonical", "bytes differ from the canonical encoding")
    return obj


_NOT_PROVEN = object()
# Supplementary-plane characters are where the C encoder's code-point key order and
# RFC 8785's UTF-16 order can differ: such documents take the exact path.
_SUPPLEMENTARY = re.compile(rb"[\xf0-\xf4]")


def _fast_canonical(data: bytes) -> Any:
    if _SUPPLEMENTARY.search(data):
        return _NOT_PROVEN
    try:
        # Floats and NaN are refused while parsing; duplicate keys collapse here, so the
        # re-encoded bytes differ and the exact path reports them.
        obj = json.loads(data.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_constant)
        again = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    except (CanonicalJSONError, ValueError, UnicodeError, RecursionError):
        return _NOT_PROVEN
    if again != data or not _within_limits(obj):
        return _NOT_PROVEN
    return obj


def _within_limits(obj: Any) -> bool:
    """Nesting within MAX_DEPTH and every integer within +/-(2**53 - 1), as ``_encode`` demands."""
    if type(obj) not in (dict, list):
        return type(obj) is not int or -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER
    stack = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list:
                if depth + 1 >= MAX_DEPTH:
                    return False
                stack.append((child, depth + 1))
            elif kind is int and not -MAX_SAFE_INTEGER <= child <= MAX_SAFE_INTEGER:
                return False
    return True


def strict_loads(data: bytes) -> Any:
    """Parse UTF-8 JSON refusing duplicate keys, floats, NaN/Infinity and unsafe integers.

    Unlike ``canonical_loads`` the layout need not be canonical; used for files a
    person may open in an editor (key files), where only the meaning must be exact.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalJSONError("invalid_utf8", f"invalid UTF-8 at byte {exc.start}") from None
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except CanonicalJSONError:
        raise
    except json.JSONDecodeError as exc:
        raise CanonicalJSONError("syntax", f"{exc.msg} at character {exc.pos}") from None
    except RecursionError:
        raise CanonicalJSONError("too_deep", "nesting too deep") from None
    except ValueError:  # an integer literal longer than Python's digit limit
        raise CanonicalJSONError("int_range", "integer literal too long") from None
    # Re-encoding checks integer range, depth and lone surrogates in one place.
    canonical_dumps(obj)
    return obj


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise CanonicalJSONError("duplicate_key", f"duplicate key {_shown(key)}")
        obj[key] = value
    return obj


def _refuse_float(literal: str) -> Any:
    raise CanonicalJSONError("float", f"non-integer number {_shown(literal)}")


def _refuse_constant(literal: str) -> Any:
    raise CanonicalJSONError("float", f"non-finite number {literal}")


def _encode(obj: Any, parts: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalJSONError("too_deep", f"nesting deeper than {MAX_DEPTH}")
    if obj is None:
        parts.append("null")
    elif obj is True:
        parts.append("true")
    elif obj is False:
        parts.append("false")
    elif isinstance(obj, int):
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise CanonicalJSONError("int_range", "integer outside +/-(2**53 - 1)")
        parts.append(str(int(obj)))
    elif isinstance(obj, float):
        raise CanonicalJSONError("float", f"float value {obj!r}; use integers (fen)")
    elif isinstance(obj, str):
        parts.append(_encode_string(obj))
    elif isinstance(obj, (list, tuple)):
        parts.append("[")
        for index, item in enumerate(obj):
            if index:
                parts.append(",")
            _encode(item, parts, depth + 1)
        parts.append("]")
    elif isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, str):
                raise CanonicalJSONError("unsupported_type", f"object key of type {type(key).__name__}")
        parts.append("{")
        for index, key in enumerate(sorted(obj, key=_utf16_sort_key)):
            if index:
                parts.append(",")
            parts.append(_encode_string(key))
            parts.append(":")
            _encode(obj[key], parts, depth + 1)
        parts.append("}")
    else:
        raise CanonicalJSONError("unsupported_type", f"type {type(obj).__name__}")


def _utf16_sort_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like the code-unit order RFC 8785 requires.
    return _checked_string(key).encode("utf-16-be")


def _checked_string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalJSONError("invalid_string", "string contains a lone surrogate") from None
    return text


def _encode_string(text: str) -> str:
    escaped = _ESCAPE_RE.sub(lambda m: _SHORT_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), _checked_string(text))
    return f'"{escaped}"'


def _shown(text: str) -> str:
    """A short, escaped rendering of untrusted text for error messages."""
    return ascii(text[:40])
