"""Signed, encrypted bundles between a branch (代办处) and the Beijing office (办事处).

Bytes in, bytes or result objects out: no database, no clock, no file system (see
``sync.fileio`` for writing). The byte layout, manifest fields, verification order
and reason codes are specified in ``sync/FORMAT.md``; keep the two in step.

Security properties the design rests on:

* Everything is checked against a key the verifier already holds (``pinned_signers``),
  never against a key the file brings along: the header's signer key is only compared
  with the pinned key, so a mismatch can be reported as such rather than as a bare
  "bad signature".
* The signature is verified before the manifest is parsed as JSON, so the JSON parser
  only ever sees bytes produced by a registered key holder.
* The signed manifest fixes the payload's length and SHA-256, so a changed payload is
  refused before any decryption is attempted.
* No personal data in clear: the payload is AES-256-GCM encrypted under a fresh key
  sealed to the recipient's X25519 key; the manifest holds only identifiers, hashes
  and key material.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from models.crypto import (
    KEY_BYTES,
    NONCE_BYTES,
    DecryptionFailed,
    Sealed,
    aead_decrypt,
    aead_encrypt,
    b64d,
    b64e,
    open_sealed,
    seal,
)
from sync.canonical import MAX_SAFE_INTEGER, CanonicalJSONError, canonical_dumps, canonical_loads
from sync.container import MAX_FILES, ContainerError, pack_files, path_problem, unpack_files
from sync.reasons import Reason, messages

FORMAT_VERSION = 1
KIND_BRANCH_MONTHLY = "branch_monthly"
KIND_OFFICE_ANSWER = "office_answer"
#: A branch's yearly self-assessment package (``huzhu audit submit``): its own sequence chain,
#: period ``YYYY-12`` of the assessed year.
KIND_BRANCH_YEARLY = "branch_yearly"
KINDS = (KIND_BRANCH_MONTHLY, KIND_OFFICE_ANSWER, KIND_BRANCH_YEARLY)

MAGIC = b"HZB1\n"
# magic, branch code (3 ASCII digits), signer Ed25519 public key, manifest length.
HEADER = struct.Struct(">5s3s32sI")
SIGNATURE_BYTES = 64
GCM_TAG_BYTES = 16
MIN_MANIFEST_BYTES = 64
MAX_MANIFEST_BYTES = 1 << 20
MIN_BUNDLE_BYTES = HEADER.size + MIN_MANIFEST_BYTES + SIGNATURE_BYTES + GCM_TAG_BYTES
DEFAULT_MAX_BUNDLE_BYTES = 64 << 20

# Prefixed to the manifest before signing, so a branch key's signature over a
# manifest can never be mistaken for a signature over anything else.
SIGNATURE_DOMAIN = b"huzhu bundle manifest v1\x00"
KEY_WRAP_ALG = "x25519-hkdf-sha256-aes256gcm"
PAYLOAD_ALG = "aes-256-gcm"
WRAPPED_KEY_BYTES = KEY_BYTES + GCM_TAG_BYTES

MANIFEST_FIELDS = frozenset(
    {
        "format", "kind", "branch_code", "period", "sequence", "prev_sha256", "created",
        "program_version", "signer_ed25519", "recipient_x25519", "audit_head",
        "key_wrap", "payload", "files",
    }
)  # fmt: skip
#: Optional: a bundle that replaces an earlier one of the same month (sync/FORMAT.md "Replacements").
OPTIONAL_MANIFEST_FIELDS = frozenset({"replaces", "audit_chain"})
REPLACES_FIELDS = frozenset({"sequence", "sha256"})
#: Optional (branch monthly bundles from issue 13 on): the sender's audit chain head with its
#: event count, and the hash this chain has at the count the previous bundle sent, so the
#: receiver can check that the chain extends what it accepted before (sync/FORMAT.md).
AUDIT_CHAIN_FIELDS = frozenset({"count", "head", "since", "restored"})
AUDIT_POINT_FIELDS = frozenset({"count", "hash"})
KEY_WRAP_FIELDS = frozenset({"alg", "ephemeral_x25519", "nonce", "wrapped_key"})
PAYLOAD_FIELDS = frozenset({"alg", "nonce", "length", "sha256"})
FILE_ENTRY_FIELDS = frozenset({"path", "length", "sha256"})

_BRANCH_CODE_RE = re.compile(r"[0-9]{3}")
_HEADER_BRANCH_CODE_RE = re.compile(rb"[0-9]{3}")
_PERIOD_RE = re.compile(r"2[0-9]{3}-(?:0[1-9]|1[0-2])")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_CREATED_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_PROGRAM_VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}")


# --- Results -----------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of ``verify_bundle``; ``manifest`` and ``files`` are set only when ``ok``.

    ``files`` is None when no recipient key was given (signature and payload hash
    verified, payload not opened). ``bundle_sha256`` is the SHA-256 of the whole file,
    the value the next bundle's ``prev_sha256`` must name (None only for size refusals).
    """

    ok: bool
    code: Reason
    message_zh: str
    message_en: str
    manifest: dict[str, Any] | None = None
    # Decrypted personal data: kept out of repr so a logged result cannot leak it.
    files: dict[str, bytes] | None = field(default=None, repr=False)
    bundle_sha256: str | None = None

    def opened(self) -> tuple[dict[str, Any], dict[str, bytes], str]:
        """(manifest, files, bundle_sha256) of a bundle verified and opened with a recipient key."""
        if not self.ok or self.manifest is None or self.files is None or self.bundle_sha256 is None:
            raise ValueError(f"bundle not verified and opened ({self.code})")
        return self.manifest, self.files, self.bundle_sha256


class BundleRejected(Exception):
    """Raised by ``require_verified``; carries the refusing ``VerificationResult``."""

    def __init__(self, result: VerificationResult) -> None:
        super().__init__(f"{result.code}: {result.message_en}")
        self.result = result


class _Refusal(Exception):
    """Internal: stops verification at the first failed check."""

    def __init__(self, reason: Reason, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# --- Building ----------------------------------------------------------------


def bundle_file_name(branch_code: str, period: str, sequence: int, kind: str = KIND_BRANCH_MONTHLY) -> str:
    """File name for a bundle, e.g. ``004-202610-0007.hzb``.

    Office answers get ``-answer`` before the extension so that a branch's bundle and
    the office's answer with the same numbers can sit in one folder.
    """
    for name, problem in (
        ("branch_code", _branch_code_problem(branch_code)),
        ("period", _period_problem(period)),
        ("sequence", _sequence_problem(sequence)),
        ("kind", None if kind in KINDS else "unknown kind"),
    ):
        if problem:
            raise ValueError(f"{name}: {problem}")
    suffix = {KIND_OFFICE_ANSWER: "-answer", KIND_BRANCH_YEARLY: "-yearly"}.get(kind, "")
    return f"{branch_code}-{period.replace('-', '')}-{sequence:04d}{suffix}.hzb"


def build_bundle(
    *,
    kind: str,
    branch_code: str,
    period: str,
    sequence: int,
    prev_sha256: str | None,
    created: str,
    program_version: str,
    audit_head: str,
    files: Mapping[str, bytes],
    signer_private: bytes,
    recipient_public: bytes,
    replaces: Mapping[str, Any] | None = None,
    audit_chain: Mapping[str, Any] | None = None,
) -> bytes:
    """Pack, encrypt and sign ``files``; returns the complete bundle file bytes.

    ``created`` is an ISO 8601 UTC time ``YYYY-MM-DDTHH:MM:SSZ`` supplied by the caller
    (the library has no clock, so bundles are reproducible in tests and the time
    source is the caller's decision). Paths must not contain personal data: they are
    listed in the unencrypted manifest (only ASCII names are accepted, see
    ``sync.container.path_problem``). Files whose path ends in ``.json`` must be
    canonical JSON (integers only), so amounts can never travel as floats.

    Raises ValueError with a description of the first invalid argument.
    """
    for name, problem in (
        ("kind", None if kind in KINDS else "unknown kind"),
        ("branch_code", _branch_code_problem(branch_code)),
        ("period", _period_problem(period)),
        ("sequence", _sequence_problem(sequence)),
        ("prev_sha256", _prev_sha256_problem(prev_sha256, sequence)),
        ("created", _created_problem(created)),
        ("program_version", _program_version_problem(program_version)),
        ("audit_head", _hex64_problem(audit_head)),
        ("signer_private", _raw_key_problem(signer_private)),
        ("recipient_public", _raw_key_problem(recipient_public)),
        ("replaces", None if replaces is None else _replaces_problem(dict(replaces), sequence)),
        ("audit_chain", None if audit_chain is None else _audit_chain_problem(dict(audit_chain), audit_head)),
    ):
        if problem:
            raise ValueError(f"{name}: {problem}")
    _check_files_to_send(files)

    signing_key = Ed25519PrivateKey.from_private_bytes(bytes(signer_private))
    signer_public = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    context = _crypto_context(kind, branch_code, period, sequence)

    payload_key = os.urandom(KEY_BYTES)
    wrapped = seal(bytes(recipient_public), payload_key, b"key|" + context)
    payload_nonce, payload = aead_encrypt(payload_key, pack_files(dict(files)), b"payload|" + context)

    manifest = {
        "format": FORMAT_VERSION,
        "kind": kind,
        "branch_code": branch_code,
        "period": period,
        "sequence": sequence,
        "prev_sha256": prev_sha256,
        "created": created,
        "program_version": program_version,
        "signer_ed25519": b64e(signer_public),
        "recipient_x25519": b64e(bytes(recipient_public)),
        "audit_head": audit_head,
        "key_wrap": {
            "alg": KEY_WRAP_ALG,
            "ephemeral_x25519": b64e(wrapped.ephemeral_public),
            "nonce": b64e(wrapped.nonce),
            "wrapped_key": b64e(wrapped.ciphertext),
        },
        "payload": {
            "alg": PAYLOAD_ALG,
            "nonce": b64e(payload_nonce),
            "length": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
        },
        "files": [
            {"path": path, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for path, data in sorted(files.items(), key=lambda item: item[0].encode("utf-8"))
        ],
    }
    if replaces is not None:
        manifest["replaces"] = {"sequence": replaces["sequence"], "sha256": replaces["sha256"]}
    if audit_chain is not None:
        manifest["audit_chain"] = {k: audit_chain[k] for k in AUDIT_CHAIN_FIELDS}
    manifest_bytes = canonical_dumps(manifest)
    if len(manifest_bytes) > MAX_MANIFEST_BYTES:
        raise ValueError(f"files: manifest would exceed {MAX_MANIFEST_BYTES} bytes; send fewer files")
    signature = signing_key.sign(SIGNATURE_DOMAIN + manifest_bytes)
    header = HEADER.pack(MAGIC, branch_code.encode("ascii"), signer_public, len(manifest_bytes))
    bundle = b"".join([header, manifest_bytes, signature, payload])
    if len(bundle) > DEFAULT_MAX_BUNDLE_BYTES:
        raise ValueError(f"files: bundle would exceed {DEFAULT_MAX_BUNDLE_BYTES} bytes")
    return bundle


def _check_files_to_send(files: Mapping[str, bytes]) -> None:
    if not isinstance(files, Mapping):
        raise ValueError("files: must be a mapping of path to bytes")
    if len(files) > MAX_FILES:
        raise ValueError(f"files: more than {MAX_FILES} files")
    seen: dict[str, str] = {}
    for path, data in files.items():
        problem = path_problem(path)
        if problem:
            raise ValueError(f"files: unsafe path {ascii(path)[:80]}: {problem}")
        if path.casefold() in seen:
            raise ValueError(f"files: {path!r} and {seen[path.casefold()]!r} differ only in case")
        seen[path.casefold()] = path
        if not isinstance(data, bytes):
            raise ValueError(f"files: content of {path!r} must be bytes")
        if path.endswith(".json"):
            try:
                canonical_loads(data)
            except CanonicalJSONError as exc:
                raise ValueError(f"files: {path!r} is not canonical integer-only JSON: {exc}") from None


def _crypto_context(kind: str, branch_code: str, period: str, sequence: int) -> bytes:
    """Binds the sealed key and the payload to this bundle's identity, as AEAD data."""
    return f"huzhu bundle v{FORMAT_VERSION}|{kind}|{branch_code}|{period}|{sequence}".encode("ascii")


# --- Verifying ---------------------------------------------------------------


def verify_bundle(
    data: bytes,
    *,
    pinned_signers: Mapping[str, bytes],
    recipient_private: bytes | None,
    max_size: int = DEFAULT_MAX_BUNDLE_BYTES,
    expected_kind: str | None = None,
) -> VerificationResult:
    """Check a bundle in the order given in FORMAT.md; never raises for bad ``data``.

    ``pinned_signers`` maps a branch code to the Ed25519 public key (raw 32 bytes) that
    must have signed bundles concerning that branch: at the office, each branch's key;
    at a branch verifying an office answer, ``{own_code: office_key}``.
    With ``recipient_private`` None the payload is not decrypted (a branch checking
    the bundle it just wrote cannot open it); ``files`` is then None.
    Raises ValueError/TypeError only for invalid arguments (a programming error).
    """
    _check_verify_arguments(data, pinned_signers, recipient_private, max_size, expected_kind)
    data = bytes(data)
    if len(data) > max_size:
        return _refused(Reason.TOO_LARGE, f"{len(data)} > {max_size} bytes")
    if len(data) < MIN_BUNDLE_BYTES:
        return _refused(Reason.TOO_SMALL, f"{len(data)} < {MIN_BUNDLE_BYTES} bytes")
    digest = hashlib.sha256(data).hexdigest()
    try:
        manifest, files = _verify(data, pinned_signers, recipient_private, expected_kind)
    except _Refusal as refusal:
        return _refused(refusal.reason, refusal.detail, digest)
    return VerificationResult(
        True, Reason.OK, *messages(Reason.OK), manifest=manifest, files=files, bundle_sha256=digest
    )


def require_verified(
    data: bytes,
    *,
    pinned_signers: Mapping[str, bytes],
    recipient_private: bytes | None,
    max_size: int = DEFAULT_MAX_BUNDLE_BYTES,
    expected_kind: str | None = None,
) -> VerificationResult:
    """Like ``verify_bundle`` but raises ``BundleRejected`` unless the bundle is accepted."""
    result = verify_bundle(
        data,
        pinned_signers=pinned_signers,
        recipient_private=recipient_private,
        max_size=max_size,
        expected_kind=expected_kind,
    )
    if not result.ok:
        raise BundleRejected(result)
    return result


def _refused(reason: Reason, detail: str | None, digest: str | None = None) -> VerificationResult:
    return VerificationResult(False, reason, *messages(reason, detail), bundle_sha256=digest)


def _check_verify_arguments(
    data: object, pinned_signers: object, recipient_private: object, max_size: object, expected_kind: object
) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    if not isinstance(pinned_signers, Mapping):
        raise TypeError("pinned_signers must map branch code to a raw Ed25519 public key")
    for code, key in pinned_signers.items():
        if _branch_code_problem(code) or _raw_key_problem(key):
            raise ValueError(f"pinned_signers: invalid entry for {code!r}")
    if recipient_private is not None and _raw_key_problem(recipient_private):
        raise ValueError("recipient_private must be a raw 32-byte X25519 private key")
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < MIN_BUNDLE_BYTES:
        raise ValueError(f"max_size must be an integer >= {MIN_BUNDLE_BYTES}")
    if expected_kind is not None and expected_kind not in KINDS:
        raise ValueError(f"expected_kind must be one of {KINDS} or None")


def _verify(
    data: bytes, pinned_signers: Mapping[str, bytes], recipient_private: bytes | None, expected_kind: str | None
) -> tuple[dict[str, Any], dict[str, bytes] | None]:
    # 1. Framing, from fixed-width fields only.
    magic, header_branch, header_signer, manifest_length = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise _Refusal(Reason.BAD_MAGIC)
    if not _HEADER_BRANCH_CODE_RE.fullmatch(header_branch):
        raise _Refusal(Reason.BAD_HEADER, f"branch code bytes {header_branch!r}")
    if not MIN_MANIFEST_BYTES <= manifest_length <= MAX_MANIFEST_BYTES:
        raise _Refusal(Reason.BAD_MANIFEST_LENGTH, f"{manifest_length} bytes")
    signature_offset = HEADER.size + manifest_length
    payload_offset = signature_offset + SIGNATURE_BYTES
    if len(data) < payload_offset + GCM_TAG_BYTES:
        raise _Refusal(Reason.TRUNCATED, f"{len(data)} bytes")

    # 2. Key pinning and signature, before the manifest is parsed.
    branch_code = header_branch.decode("ascii")
    pinned = pinned_signers.get(branch_code)
    if pinned is None:
        raise _Refusal(Reason.UNKNOWN_BRANCH, branch_code)
    if not hmac.compare_digest(header_signer, bytes(pinned)):
        raise _Refusal(Reason.SIGNER_MISMATCH, f"branch {branch_code}")
    manifest_bytes = data[HEADER.size : signature_offset]
    signature = data[signature_offset:payload_offset]
    try:
        Ed25519PublicKey.from_public_bytes(bytes(pinned)).verify(signature, SIGNATURE_DOMAIN + manifest_bytes)
    except InvalidSignature:
        raise _Refusal(Reason.BAD_SIGNATURE) from None

    # 3. The signed manifest: canonical form, version, kind, fields.
    manifest = _parse_manifest(manifest_bytes)
    version = manifest.get("format")
    if type(version) is not int or version != FORMAT_VERSION:
        raise _Refusal(Reason.UNSUPPORTED_VERSION, ascii(version)[:20])
    kind = manifest.get("kind")
    if kind not in KINDS:
        raise _Refusal(Reason.UNKNOWN_KIND, ascii(kind)[:40])
    if expected_kind is not None and kind != expected_kind:
        raise _Refusal(Reason.UNEXPECTED_KIND, f"{kind}, expected {expected_kind}")
    _check_manifest_fields(manifest)
    if manifest["branch_code"] != branch_code or b64d(manifest["signer_ed25519"]) != header_signer:
        raise _Refusal(Reason.HEADER_MISMATCH)
    _check_file_list(manifest["files"])

    # 4. The encrypted payload, as fixed by the signed manifest.
    payload = data[payload_offset:]
    if len(payload) != manifest["payload"]["length"]:
        raise _Refusal(Reason.PAYLOAD_LENGTH_MISMATCH, f"{len(payload)} != {manifest['payload']['length']}")
    if hashlib.sha256(payload).hexdigest() != manifest["payload"]["sha256"]:
        raise _Refusal(Reason.PAYLOAD_HASH_MISMATCH)
    if recipient_private is None:
        return manifest, None

    # 5. Decryption and the files inside.
    files = _decrypt_files(manifest, payload, bytes(recipient_private))
    _check_files_against_manifest(manifest["files"], files)
    return manifest, files


def _parse_manifest(manifest_bytes: bytes) -> dict[str, Any]:
    try:
        manifest = canonical_loads(manifest_bytes)
    except CanonicalJSONError as exc:
        reason = {
            "duplicate_key": Reason.DUPLICATE_KEY,
            "float": Reason.FLOAT_NOT_ALLOWED,
            "non_canonical": Reason.NON_CANONICAL,
        }.get(exc.reason, Reason.MALFORMED_MANIFEST)
        raise _Refusal(reason, exc.detail) from None
    if not isinstance(manifest, dict):
        raise _Refusal(Reason.MALFORMED_MANIFEST, "not a JSON object")
    return manifest


def _check_manifest_fields(manifest: dict[str, Any]) -> None:
    """Exact field set and each field's type and form (format and kind already checked)."""
    optional = manifest.keys() & OPTIONAL_MANIFEST_FIELDS if isinstance(manifest, dict) else set()
    _require_exact_fields(manifest, MANIFEST_FIELDS | optional, "manifest")
    if "replaces" in manifest:
        problem = _replaces_problem(manifest["replaces"], manifest["sequence"])
        if problem:
            raise _Refusal(Reason.BAD_MANIFEST, f"replaces: {problem}")
    if "audit_chain" in manifest:
        problem = _audit_chain_problem(manifest["audit_chain"], manifest["audit_head"])
        if problem:
            raise _Refusal(Reason.BAD_MANIFEST, f"audit_chain: {problem}")
    checks: tuple[tuple[str, Callable[[Any], str | None]], ...] = (
        ("branch_code", _branch_code_problem),
        ("period", _period_problem),
        ("sequence", _sequence_problem),
        ("prev_sha256", lambda value: _prev_sha256_problem(value, manifest["sequence"])),
        ("created", _created_problem),
        ("program_version", _program_version_problem),
        ("signer_ed25519", lambda value: _b64_problem(value, KEY_BYTES)),
        ("recipient_x25519", lambda value: _b64_problem(value, KEY_BYTES)),
        ("audit_head", _hex64_problem),
    )
    for name, check in checks:
        problem = check(manifest[name])
        if problem:
            raise _Refusal(Reason.BAD_MANIFEST, f"{name}: {problem}")

    key_wrap = manifest["key_wrap"]
    _require_exact_fields(key_wrap, KEY_WRAP_FIELDS, "key_wrap")
    for name, problem in (
        ("alg", None if key_wrap["alg"] == KEY_WRAP_ALG else "unsupported algorithm"),
        ("ephemeral_x25519", _b64_problem(key_wrap["ephemeral_x25519"], KEY_BYTES)),
        ("nonce", _b64_problem(key_wrap["nonce"], NONCE_BYTES)),
        ("wrapped_key", _b64_problem(key_wrap["wrapped_key"], WRAPPED_KEY_BYTES)),
    ):
        if problem:
            raise _Refusal(Reason.BAD_MANIFEST, f"key_wrap.{name}: {problem}")

    payload = manifest["payload"]
    _require_exact_fields(payload, PAYLOAD_FIELDS, "payload")
    for name, problem in (
        ("alg", None if payload["alg"] == PAYLOAD_ALG else "unsupported algorithm"),
        ("nonce", _b64_problem(payload["nonce"], NONCE_BYTES)),
        ("length", _length_problem(payload["length"], minimum=GCM_TAG_BYTES)),
        ("sha256", _hex64_problem(payload["sha256"])),
    ):
        if problem:
            raise _Refusal(Reason.BAD_MANIFEST, f"payload.{name}: {problem}")

    entries = manifest["files"]
    if not isinstance(entries, list) or len(entries) > MAX_FILES:
        raise _Refusal(Reason.BAD_MANIFEST, f"files: must be a list of at most {MAX_FILES} entries")
    for index, entry in enumerate(entries):
        _require_exact_fields(entry, FILE_ENTRY_FIELDS, f"files[{index}]")
        for name, problem in (
            ("path", None if isinstance(entry["path"], str) else "not text"),
            ("length", _length_problem(entry["length"], minimum=0)),
            ("sha256", _hex64_problem(entry["sha256"])),
        ):
            if problem:
                raise _Refusal(Reason.BAD_MANIFEST, f"files[{index}].{name}: {problem}")


def _replaces_problem(value: Any, sequence: Any) -> str | None:
    """The earlier bundle a replacement names: an earlier sequence and its SHA-256."""
    if not isinstance(value, dict) or value.keys() != REPLACES_FIELDS:
        return "must be an object with sequence and sha256"
    earlier = value["sequence"]
    if _sequence_problem(earlier) or not isinstance(sequence, int) or earlier >= sequence:
        return "sequence must be an earlier sequence number"
    return _hex64_problem(value["sha256"])


def _count_problem(value: Any) -> str | None:
    if type(value) is not int or not 0 <= value <= MAX_SAFE_INTEGER:
        return "must be a whole number from 0"
    return None


def _audit_point_problem(value: Any, *, hash_may_be_null: bool) -> str | None:
    if not isinstance(value, dict) or value.keys() != AUDIT_POINT_FIELDS:
        return "must be an object with count and hash"
    if hash_may_be_null and value["hash"] is None:
        return _count_problem(value["count"])
    return _count_problem(value["count"]) or _hex64_problem(value["hash"])


def _audit_chain_problem(value: Any, audit_head: Any) -> str | None:
    """``{"count", "head", "since", "restored"}``: ``head`` is ``audit_head``; ``since`` is null or
    the hash this chain has at the count the previous bundle sent (null hash: the chain is now
    shorter than that); ``restored`` is null or the supervisor's reconcile event after a restore."""
    if not isinstance(value, dict) or value.keys() != AUDIT_CHAIN_FIELDS:
        return f"must be an object with {', '.join(sorted(AUDIT_CHAIN_FIELDS))}"
    problem = _count_problem(value["count"]) or _hex64_problem(value["head"])
    if problem:
        return problem
    if value["head"] != audit_head:
        return "head differs from audit_head"
    if value["since"] is not None:
        problem = _audit_point_problem(value["since"], hash_may_be_null=True)
        if problem:
            return f"since: {problem}"
    if value["restored"] is not None:
        problem = _audit_point_problem(value["restored"], hash_may_be_null=False)
        if problem:
            return f"restored: {problem}"
    return None


def _require_exact_fields(obj: object, expected: frozenset[str], where: str) -> None:
    if not isinstance(obj, dict):
        raise _Refusal(Reason.BAD_MANIFEST, f"{where}: not an object")
    if obj.keys() != expected:
        missing = sorted(expected - obj.keys())
        unexpected = sorted(obj.keys() - expected)
        raise _Refusal(Reason.BAD_MANIFEST, f"{where}: missing {missing}, unexpected {ascii(unexpected)[:80]}")


def _check_file_list(entries: list[dict[str, Any]]) -> None:
    """Paths safe, unique (also ignoring case, for Windows) and in canonical order."""
    seen: set[str] = set()
    previous: bytes | None = None
    for entry in entries:
        path = entry["path"]
        problem = path_problem(path)
        if problem:
            raise _Refusal(Reason.UNSAFE_PATH, f"{ascii(path)[:80]}: {problem}")
        if path.casefold() in seen:
            raise _Refusal(Reason.DUPLICATE_FILE, path)
        seen.add(path.casefold())
        encoded = path.encode("utf-8")
        if previous is not None and encoded < previous:
            raise _Refusal(Reason.BAD_MANIFEST, "files: not sorted by path")
        previous = encoded


def _decrypt_files(manifest: dict[str, Any], payload: bytes, recipient_private: bytes) -> dict[str, bytes]:
    recipient_public = (
        X25519PrivateKey.from_private_bytes(recipient_private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    if b64d(manifest["recipient_x25519"]) != recipient_public:
        raise _Refusal(Reason.WRONG_RECIPIENT)
    context = _crypto_context(manifest["kind"], manifest["branch_code"], manifest["period"], manifest["sequence"])
    key_wrap = manifest["key_wrap"]
    sealed = Sealed(b64d(key_wrap["ephemeral_x25519"]), b64d(key_wrap["nonce"]), b64d(key_wrap["wrapped_key"]))
    try:
        payload_key = open_sealed(recipient_private, sealed, b"key|" + context)
        container = aead_decrypt(payload_key, b64d(manifest["payload"]["nonce"]), payload, b"payload|" + context)
    except DecryptionFailed:
        raise _Refusal(Reason.DECRYPT_FAILED) from None
    try:
        return unpack_files(container)
    except ContainerError as exc:
        raise _Refusal(Reason.BAD_CONTAINER, str(exc)) from None


def _check_files_against_manifest(entries: list[dict[str, Any]], files: dict[str, bytes]) -> None:
    listed = {entry["path"] for entry in entries}
    missing = sorted(listed - files.keys())
    if missing:
        raise _Refusal(Reason.MISSING_FILE, ", ".join(missing)[:120])
    extra = sorted(files.keys() - listed)
    if extra:
        raise _Refusal(Reason.EXTRA_FILE, ascii(extra)[:120])
    for entry in entries:
        if len(files[entry["path"]]) != entry["length"]:
            raise _Refusal(Reason.FILE_LENGTH_MISMATCH, entry["path"])
    for entry in entries:
        if hashlib.sha256(files[entry["path"]]).hexdigest() != entry["sha256"]:
            raise _Refusal(Reason.FILE_HASH_MISMATCH, entry["path"])
    for entry in entries:
        if entry["path"].endswith(".json"):
            try:
                canonical_loads(files[entry["path"]])
            except CanonicalJSONError as exc:
                raise _Refusal(Reason.BAD_PAYLOAD_JSON, f"{entry['path']}: {exc.reason}") from None


# --- Field checks shared by building and verifying ---------------------------
# Each returns a short English description of the problem, or None if the value is fine.


def _branch_code_problem(value: object) -> str | None:
    return None if isinstance(value, str) and _BRANCH_CODE_RE.fullmatch(value) else "must be three digits"


def _period_problem(value: object) -> str | None:
    return None if isinstance(value, str) and _PERIOD_RE.fullmatch(value) else "must be YYYY-MM"


def _sequence_problem(value: object) -> str | None:
    if type(value) is not int or not 1 <= value <= MAX_SAFE_INTEGER:
        return "must be an integer >= 1"
    return None


def _prev_sha256_problem(value: object, sequence: object) -> str | None:
    if sequence == 1:
        return None if value is None else "must be null for sequence 1"
    return "must be the previous bundle's SHA-256" if value is None else _hex64_problem(value)


def _created_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _CREATED_RE.fullmatch(value):
        return "must be UTC time YYYY-MM-DDTHH:MM:SSZ"
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return "not a calendar date and time"
    return None


def _program_version_problem(value: object) -> str | None:
    ok = isinstance(value, str) and _PROGRAM_VERSION_RE.fullmatch(value)
    return None if ok else "must be 1-40 characters of A-Z a-z 0-9 . + _ -"


def _hex64_problem(value: object) -> str | None:
    return None if isinstance(value, str) and _HEX64_RE.fullmatch(value) else "must be 64 lowercase hex digits"


def _length_problem(value: object, *, minimum: int) -> str | None:
    if type(value) is not int or not minimum <= value <= MAX_SAFE_INTEGER:
        return f"must be an integer >= {minimum}"
    return None


def _b64_problem(value: object, length: int) -> str | None:
    """Base64 of exactly ``length`` bytes, in its one canonical spelling."""
    if not isinstance(value, str):
        return "not text"
    try:
        raw = b64d(value)
    except (binascii.Error, ValueError):
        return "not base64"
    if len(raw) != length:
        return f"must encode {length} bytes"
    if b64e(raw) != value:
        return "non-canonical base64"
    return None


def _raw_key_problem(value: object) -> str | None:
    return None if isinstance(value, (bytes, bytearray)) and len(value) == KEY_BYTES else "must be 32 raw bytes"
