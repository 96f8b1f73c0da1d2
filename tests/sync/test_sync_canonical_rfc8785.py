"""sync/canonical.py against an independent RFC 8785 (JCS) implementation, on random documents.

Generated only inside what sync/FORMAT.md ("Canonical JSON") accepts; outside it the format
deliberately departs from RFC 8785 or refuses: floats, NaN and Infinity (JCS serialises
floats; the format refuses them), integers beyond ±(2**53 - 1) (JCS cannot represent them
exactly either), strings with lone surrogates (not Unicode text), nesting deeper than 32.
"""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, canonical_dumps, canonical_loads

# st.text() never yields lone surrogates; the alphabet below adds the characters that need
# escaping, astral characters (UTF-16 surrogate pairs decide key order) and U+2028/2029.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029\ufeff\uff61\U0001f600é名'),
    ),
    max_size=12,
)
_SCALARS = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | _TEXT
DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=40,
)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


@settings(deadline=None)  # the default 100 documents; the clock of a loaded machine is no measure
@given(DOCUMENTS)
def test_same_bytes_as_rfc8785(document):
    if _depth(document) > MAX_DEPTH:
        return  # outside the format (never reached with these sizes)
    encoded = canonical_dumps(document)
    assert encoded == rfc8785.dumps(document)
    assert canonical_loads(encoded) == document
