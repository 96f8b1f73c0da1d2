"""Sequence continuity decisions, on hand-made manifests and on a real chain of bundles."""

from __future__ import annotations

import hashlib

import pytest
from sync_testkit import make_bundle

from sync import SequenceOutcome, check_sequence, verify_bundle

H1, H2, H3 = ("1" * 64, "2" * 64, "3" * 64)


def manifest(sequence: int, prev: str | None) -> dict:
    return {"sequence": sequence, "prev_sha256": prev}


@pytest.mark.parametrize(
    "last_seq, last_hash, incoming, incoming_hash, outcome, missing",
    [
        (None, None, manifest(1, None), H1, SequenceOutcome.NEXT, []),
        (1, H1, manifest(2, H1), H2, SequenceOutcome.NEXT, []),
        (2, H2, manifest(2, H1), H2, SequenceOutcome.DUPLICATE, []),
        (2, H2, manifest(2, H1), H3, SequenceOutcome.REPLAY, []),
        (2, H2, manifest(1, None), H1, SequenceOutcome.REPLAY, []),
        (None, None, manifest(3, H2), H3, SequenceOutcome.GAP, [1, 2]),
        (2, H2, manifest(5, H3), H1, SequenceOutcome.GAP, [3, 4]),
        (2, H2, manifest(3, H1), H3, SequenceOutcome.CHAIN_BREAK, []),
    ],
    ids=["first", "next", "duplicate", "replay-same-seq", "replay-older", "gap-from-start", "gap", "chain-break"],
)
def test_decisions(last_seq, last_hash, incoming, incoming_hash, outcome, missing):
    decision = check_sequence(last_seq, last_hash, incoming, bundle_sha256=incoming_hash)
    assert decision.outcome == outcome
    assert list(decision.missing) == missing
    assert decision.accept == (outcome == SequenceOutcome.NEXT)
    assert decision.message_zh and decision.message_en


def test_half_known_state_is_a_programming_error():
    with pytest.raises(ValueError):
        check_sequence(1, None, manifest(2, H1), bundle_sha256=H2)


def test_real_chain_of_bundles(parties):
    def verified(data: bytes):
        result = verify_bundle(data, pinned_signers=parties.pinned, recipient_private=None)
        assert result.ok
        return result

    first = verified(make_bundle(parties, sequence=1))
    second = verified(make_bundle(parties, sequence=2, prev_sha256=first.bundle_sha256))
    forged = verified(make_bundle(parties, sequence=2, prev_sha256=hashlib.sha256(b"other").hexdigest()))

    def decide(last, result):
        return check_sequence(
            last and last.manifest["sequence"],
            last and last.bundle_sha256,
            result.manifest,
            bundle_sha256=result.bundle_sha256,
        ).outcome

    assert decide(None, first) == SequenceOutcome.NEXT
    assert decide(first, second) == SequenceOutcome.NEXT
    assert decide(first, forged) == SequenceOutcome.CHAIN_BREAK
    assert decide(second, second) == SequenceOutcome.DUPLICATE
    assert decide(second, forged) == SequenceOutcome.REPLAY
    assert decide(None, second) == SequenceOutcome.GAP
