"""Random and exhaustive damage to a valid bundle: never an exception, never accepted."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_testkit import Parties, make_bundle, new_parties

from sync import Reason, VerificationResult, verify_bundle


@lru_cache(maxsize=1)
def _fixture() -> tuple[Parties, bytes]:
    parties = new_parties()
    return parties, make_bundle(parties, files={"a.json": b'{"fee_fen":100}', "b.txt": b"x" * 50})


def _verify(data: bytes) -> VerificationResult:
    parties, _ = _fixture()
    return verify_bundle(data, pinned_signers=parties.pinned, recipient_private=parties.recipient.private)


def _check(mutated: bytes) -> None:
    _, original = _fixture()
    result = _verify(mutated)
    assert isinstance(result, VerificationResult) and isinstance(result.code, Reason)
    if mutated == original:
        assert result.ok
    else:
        assert not result.ok and result.code != Reason.OK and result.files is None


_mutation = st.one_of(
    st.tuples(st.just("xor"), st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("set"), st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
    st.tuples(st.just("insert"), st.integers(min_value=0), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("delete"), st.integers(min_value=0), st.integers(min_value=1, max_value=40)),
    st.tuples(st.just("truncate"), st.integers(min_value=0), st.just(0)),
    st.tuples(st.just("append"), st.just(0), st.binary(min_size=1, max_size=40)),
)


def _apply(data: bytes, mutation: tuple) -> bytes:
    op, position, arg = mutation
    index = position % (len(data) + 1)
    at = min(index, len(data) - 1) if data else 0
    if op == "xor" and data:
        return data[:at] + bytes([data[at] ^ arg]) + data[at + 1 :]
    if op == "set" and data:
        return data[:at] + bytes([arg]) + data[at + 1 :]
    if op == "insert":
        return data[:index] + arg + data[index:]
    if op == "delete":
        return data[:index] + data[index + arg :]
    if op == "truncate":
        return data[:index]
    if op == "append":
        return data + arg
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mutation, min_size=1, max_size=4))
def test_random_mutations_never_raise_and_are_never_accepted(mutations):
    data = _fixture()[1]
    for mutation in mutations:
        data = _apply(data, mutation)
    _check(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    assert not _verify(data).ok
    assert not _verify(b"HZB1\n004" + _fixture()[0].signer.public + data).ok


def test_every_single_bit_flip_is_refused():
    original = _fixture()[1]
    for index in range(len(original)):
        for bit in (0x01, 0x80):
            _check(original[:index] + bytes([original[index] ^ bit]) + original[index + 1 :])
