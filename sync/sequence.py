"""Sequence continuity: does a verified bundle follow the last one accepted?

Each signer keeps one chain per branch and kind: sequence numbers 1, 2, 3 … with each
bundle naming the SHA-256 of the whole previous bundle file. A pure function decides;
the caller stores the last accepted (sequence, file SHA-256) per (branch, kind) and
acts on the outcome. Only ``next`` may be imported; ``duplicate`` is a harmless no-op
(the same file arrived twice); ``gap`` is held until the missing bundles arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SequenceOutcome(StrEnum):
    NEXT = "next"
    DUPLICATE = "duplicate"
    REPLAY = "replay"
    GAP = "gap"
    CHAIN_BREAK = "chain_break"


@dataclass(frozen=True)
class SequenceDecision:
    """``missing`` lists the sequence numbers still to come (non-empty only for ``gap``)."""

    outcome: SequenceOutcome
    message_zh: str
    message_en: str
    missing: range = range(0)

    @property
    def accept(self) -> bool:
        return self.outcome is SequenceOutcome.NEXT


def check_sequence(
    last_seen_seq: int | None,
    last_seen_sha256: str | None,
    manifest: dict[str, Any],
    *,
    bundle_sha256: str,
) -> SequenceDecision:
    """Classify a verified bundle against the last accepted one of its chain.

    ``last_seen_seq``/``last_seen_sha256`` are both None before the first bundle;
    ``manifest`` is ``VerificationResult.manifest`` and ``bundle_sha256`` is
    ``VerificationResult.bundle_sha256`` (the manifest cannot hold its own file's hash,
    and ``duplicate`` versus ``replay`` depends on it).

    An older sequence number is always ``replay``: only the last file's hash is known
    here, so a genuine re-send of an older bundle cannot be told from a forged one. A
    caller that keeps the full history may look the hash up and treat it as duplicate.
    """
    if (last_seen_seq is None) != (last_seen_sha256 is None):
        raise ValueError("last_seen_seq and last_seen_sha256 must both be set or both be None")
    sequence = manifest["sequence"]
    expected = 1 if last_seen_seq is None else last_seen_seq + 1

    if last_seen_seq is not None and sequence == last_seen_seq and bundle_sha256 == last_seen_sha256:
        return SequenceDecision(
            SequenceOutcome.DUPLICATE,
            f"第 {sequence} 号数据包已导入过，本次不再处理。",
            f"Bundle {sequence} was already imported; nothing to do.",
        )
    if sequence < expected:
        return SequenceDecision(
            SequenceOutcome.REPLAY,
            f"第 {sequence} 号数据包早于或等于已导入的第 {last_seen_seq} 号且内容不同，拒绝导入。",
            f"Bundle {sequence} is not newer than imported bundle {last_seen_seq} and differs from it; refused.",
        )
    if sequence > expected:
        missing = range(expected, sequence)
        return SequenceDecision(
            SequenceOutcome.GAP,
            f"缺少第 {_span(missing)} 号数据包，请先导入缺少的数据包。",
            f"Bundle(s) {_span(missing)} missing; import them first.",
            missing,
        )
    if manifest["prev_sha256"] != last_seen_sha256:
        return SequenceDecision(
            SequenceOutcome.CHAIN_BREAK,
            f"第 {sequence} 号数据包与已导入的上一个数据包衔接不上，拒绝导入，请联系对方核实。",
            f"Bundle {sequence} does not chain to the previously imported bundle; refused, contact the sender.",
        )
    return SequenceDecision(
        SequenceOutcome.NEXT,
        f"第 {sequence} 号数据包顺序正确。",
        f"Bundle {sequence} is next in sequence.",
    )


def _span(numbers: range) -> str:
    return str(numbers.start) if len(numbers) == 1 else f"{numbers.start}–{numbers[-1]}"
