"""Canonical JSON: one byte form per value, floats and duplicates refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.canonical import MAX_SAFE_INTEGER, CanonicalJSONError, canonical_dumps, canonical_loads, strict_loads


def test_sorted_keys_no_whitespace_literal_utf8():
    assert (
        canonical_dumps({"b": 1, "a": [True, False, None], "名": "张三"})
        == '{"a":[true,false,null],"b":1,"名":"张三"}'.encode()
    )


def test_string_escapes_follow_rfc8785():
    assert canonical_dumps('"\\\b\f\n\r\t\x01\x1f\x7f/é') == b'"\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xc3\xa9"'


def test_keys_sort_by_utf16_code_units_not_code_points():
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+FF61 (code-point order says the opposite).
    assert canonical_dumps({"\uff61": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\uff61":1}'.encode()


@pytest.mark.parametrize(
    "value, reason",
    [
        (1.0, "float"),
        (float("nan"), "float"),
        ({"fee": [0.5]}, "float"),
        (MAX_SAFE_INTEGER + 1, "int_range"),
        (-MAX_SAFE_INTEGER - 1, "int_range"),
        ({1: "x"}, "unsupported_type"),
        (b"bytes", "unsupported_type"),
        ("\ud800", "invalid_string"),
        ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "too_deep"),
    ],
)
def test_dumps_refuses(value, reason):
    with pytest.raises(CanonicalJSONError) as caught:
        canonical_dumps(value)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "data, reason",
    [
        (b'{"a":1,"a":1}', "duplicate_key"),
        (b'{"a":1.0}', "float"),
        (b'{"a":1e3}', "float"),
        (b'{"a":NaN}', "float"),
        (b'{"a":-Infinity}', "float"),
        (b'{"a":9007199254740992}', "int_range"),
        (b'{"a":' + b"9" * 5000 + b"}", "int_range"),
        (b'{"a":"\\ud800"}', "invalid_string"),
        (b"\xff", "invalid_utf8"),
        (b"\xef\xbb\xbf{}", "syntax"),
        (b"{", "syntax"),
        (b"[" * 100000, "too_deep"),
        (b'{"a": 1}', "non_canonical"),
        (b'{"b":1,"a":2}', "non_canonical"),
        (b'{"a":-0}', "non_canonical"),
        (b'"\\u0041"', "non_canonical"),
        (b'"\\/"', "non_canonical"),
        (b"{}\n", "non_canonical"),
    ],
)
def test_loads_refuses(data, reason):
    with pytest.raises(CanonicalJSONError) as caught:
        canonical_loads(data)
    assert caught.value.reason == reason


def test_strict_loads_accepts_layout_but_not_floats_or_duplicates():
    assert strict_loads(b'{\n  "b": 1,\n  "a": "\\u0041"\n}\n') == {"a": "A", "b": 1}
    for bad in (b'{"a":1,"a":2}', b'{"a":0.1}'):
        with pytest.raises(CanonicalJSONError):
            strict_loads(bad)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_round_trip_and_unique_encoding(value):
    encoded = canonical_dumps(value)
    assert canonical_loads(encoded) == value
    assert canonical_dumps(canonical_loads(encoded)) == encoded
