"""Bundle building and verification: round trip, confidentiality, and every refusal."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable

import pytest
from sync_testkit import ID_NUMBER, NAMES, Parties, Parts, forge, make_bundle, pack_container, sample_files

from sync import (
    BundleRejected,
    Reason,
    bundle_file_name,
    canonical_dumps,
    generate_exchange_keypair,
    generate_signing_keypair,
    require_verified,
    verify_bundle,
)
from sync.bundle import MAX_MANIFEST_BYTES, MIN_MANIFEST_BYTES


def verify(parties: Parties, data: bytes, **overrides):
    arguments = dict(pinned_signers=parties.pinned, recipient_private=parties.recipient.private)
    arguments.update(overrides)
    return verify_bundle(data, **arguments)


# --- Accepting ---------------------------------------------------------------


def test_round_trip_returns_identical_files(parties):
    data = make_bundle(parties)
    result = verify(parties, data, expected_kind="branch_monthly")
    assert result.ok and result.code == Reason.OK
    assert result.files == sample_files()
    assert result.bundle_sha256 == hashlib.sha256(data).hexdigest()
    assert result.manifest["branch_code"] == "004" and result.manifest["sequence"] == 1
    assert [entry["path"] for entry in result.manifest["files"]] == ["claims/2026-10.json", "members.json", "notes.txt"]


def test_round_trip_of_empty_file_set(parties):
    result = verify(parties, make_bundle(parties, files={}))
    assert result.ok and result.files == {}


def test_office_answer_round_trip_to_branch():
    office, branch = generate_signing_keypair(), generate_exchange_keypair()
    data = make_bundle(
        Parties(office, branch), kind="office_answer", sequence=3, prev_sha256="cd" * 32, files={"answer.json": b"{}"}
    )
    result = verify_bundle(
        data, pinned_signers={"004": office.public}, recipient_private=branch.private, expected_kind="office_answer"
    )
    assert result.ok and result.files == {"answer.json": b"{}"}


def test_without_recipient_key_signature_is_checked_but_payload_stays_closed(parties):
    result = verify(parties, make_bundle(parties), recipient_private=None)
    assert result.ok and result.files is None and result.manifest is not None


def test_require_verified_returns_result_or_raises(parties):
    data = make_bundle(parties)
    kwargs = dict(pinned_signers=parties.pinned, recipient_private=parties.recipient.private)
    assert require_verified(data, **kwargs).ok
    with pytest.raises(BundleRejected) as caught:
        require_verified(data[:-1], **kwargs)
    assert caught.value.result.code == Reason.PAYLOAD_LENGTH_MISMATCH


def test_result_repr_never_shows_decrypted_files(parties):
    result = verify(parties, make_bundle(parties))
    assert NAMES[0] not in repr(result) and ID_NUMBER not in repr(result)


def test_bundle_file_name():
    assert bundle_file_name("004", "2026-10", 7) == "004-202610-0007.hzb"
    assert bundle_file_name("004", "2026-10", 7, "office_answer") == "004-202610-0007-answer.hzb"
    assert bundle_file_name("117", "2027-01", 12345) == "117-202701-12345.hzb"
    for bad in [("4", "2026-10", 1), ("004", "2026-13", 1), ("004", "2026-10", 0), ("004", "202610", 1)]:
        with pytest.raises(ValueError):
            bundle_file_name(*bad)


# --- Confidentiality -----------------------------------------------------------


def test_file_contains_no_plaintext_personal_data(parties):
    data = make_bundle(parties)
    needles = [ID_NUMBER.encode("ascii"), ID_NUMBER[-8:].encode("ascii")]
    for name in NAMES:
        needles += [
            name.encode("utf-8"),
            name.encode("gbk"),
            name.encode("utf-16-le"),
            json.dumps(name).encode("ascii"),
        ]
    for needle in needles:
        assert needle not in data, needle


def test_manifest_holds_only_the_documented_fields(parties):
    manifest = Parts.split(make_bundle(parties)).manifest
    assert set(manifest) == {
        "format", "kind", "branch_code", "period", "sequence", "prev_sha256", "created", "program_version",
        "signer_ed25519", "recipient_x25519", "audit_head", "key_wrap", "payload", "files",
    }  # fmt: skip


def test_two_builds_of_the_same_files_differ(parties):
    # Fresh payload key and nonces each time: equal plaintexts are not recognisable.
    assert Parts.split(make_bundle(parties)).payload != Parts.split(make_bundle(parties)).payload


# --- Building refuses bad input ------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"files": {"x.json": b'{"fee":1.5}'}}, "canonical"),
        ({"files": {"x.json": b'{"b":1, "a":2}'}}, "canonical"),
        ({"files": {"../x": b""}}, "unsafe path"),
        ({"files": {"张三.txt": b""}}, "unsafe path"),
        ({"files": {"A.txt": b"", "a.txt": b""}}, "case"),
        ({"files": {"a.txt": "text"}}, "bytes"),
        ({"sequence": 2, "prev_sha256": None}, "prev_sha256"),
        ({"sequence": 1, "prev_sha256": "00" * 32}, "prev_sha256"),
        ({"sequence": 0}, "sequence"),
        ({"sequence": True}, "sequence"),
        ({"period": "2026-1"}, "period"),
        ({"created": "2026-11-02 01:30:00"}, "created"),
        ({"created": "2026-02-30T01:30:00Z"}, "created"),
        ({"audit_head": "AB" * 32}, "audit_head"),
        ({"kind": "monthly"}, "kind"),
        ({"branch_code": "04"}, "branch_code"),
        ({"signer_private": b"short"}, "signer_private"),
    ],
)
def test_build_refuses_invalid_arguments(parties, overrides, message):
    with pytest.raises(ValueError, match=message):
        make_bundle(parties, **overrides)


# --- Every refusal has its own code, produced by a crafted bundle --------------


def _with_manifest_bytes(edit: Callable[[bytes], bytes]) -> Callable[[Parties, bytes], bytes]:
    """Edit the raw manifest bytes and re-sign them with the genuine branch key."""

    def craft(parties: Parties, data: bytes) -> bytes:
        parts = Parts.split(data)
        edited = edit(parts.manifest_bytes)
        assert edited != parts.manifest_bytes
        return parts.resign(parties.signer.private, edited).join()

    return craft


def _with_manifest(edit: Callable[[dict], None]) -> Callable[[Parties, bytes], bytes]:
    """Edit the manifest as JSON, re-encode canonically and re-sign with the branch key."""

    def change(raw: bytes) -> bytes:
        manifest = json.loads(raw)
        edit(manifest)
        return canonical_dumps(manifest)

    return _with_manifest_bytes(change)


def _with_parts(edit: Callable[[Parts], None]) -> Callable[[Parties, bytes], bytes]:
    def craft(parties: Parties, data: bytes) -> bytes:
        parts = Parts.split(data)
        edit(parts)
        return parts.join()

    return craft


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _set_path(path: str) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        manifest["files"][0]["path"] = path

    return edit


def _forged(container: Callable[[], bytes], edit: Callable[[dict], None] = lambda m: None):
    return lambda parties, data: forge(parties, container=container(), edit=edit)


def _genuine_container() -> bytes:
    return pack_container(sorted(sample_files().items(), key=lambda item: item[0].encode()))


def _set_entry(index: int, **values) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        manifest["files"][index].update(values)

    return edit


def _other_signer(parties: Parties, data: bytes) -> bytes:
    impostor = generate_signing_keypair()
    parts = Parts.split(data)
    parts.signer = impostor.public
    return parts.resign(impostor.private).join()


def _header_branch(parties: Parties, data: bytes) -> bytes:
    parts = Parts.split(data)
    parts.branch = b"007"
    return parts.join()


def _append_sibling(manifest: dict) -> None:
    manifest["files"].append(dict(manifest["files"][-1], path="zz.txt"))


def _duplicate_first(manifest: dict) -> None:
    manifest["files"].insert(1, dict(manifest["files"][0]))


def _duplicate_by_case(manifest: dict) -> None:
    manifest["files"].insert(0, dict(manifest["files"][0], path="CLAIMS/2026-10.json"))


# code -> [(label, craft(parties, valid_bundle) -> bytes, extra verify arguments or a function of parties giving them)]
CASES: dict[Reason, list[tuple[str, Callable[[Parties, bytes], bytes], dict | Callable[[Parties], dict]]]] = {
    Reason.TOO_LARGE: [("over max_size", lambda p, d: d, {"max_size": 1000})],
    Reason.TOO_SMALL: [("first 150 bytes", lambda p, d: d[:150], {}), ("empty", lambda p, d: b"", {})],
    Reason.BAD_MAGIC: [("HZB2", lambda p, d: b"HZB2" + d[4:], {}), ("zip", lambda p, d: b"PK\x03\x04\n" + d[5:], {})],
    Reason.BAD_HEADER: [("letters as branch code", _with_parts(lambda parts: setattr(parts, "branch", b"0a4")), {})],
    Reason.BAD_MANIFEST_LENGTH: [
        ("too short", lambda p, d: Parts.split(d).join(length=MIN_MANIFEST_BYTES - 1), {}),
        ("too long", lambda p, d: Parts.split(d).join(length=MAX_MANIFEST_BYTES + 1), {}),
    ],
    Reason.TRUNCATED: [
        ("cut inside signature", lambda p, d: d[: 44 + len(Parts.split(d).manifest_bytes) + 30], {}),
        ("length claims the whole file", lambda p, d: Parts.split(d).join(length=len(d) - 44 - 40), {}),
    ],
    Reason.UNKNOWN_BRANCH: [("branch not pinned", lambda p, d: d, {"pinned_signers": {"007": b"\x01" * 32}})],
    Reason.SIGNER_MISMATCH: [
        ("signed by another key", _other_signer, {}),
        ("pinned key differs", lambda p, d: d, {"pinned_signers": {"004": generate_signing_keypair().public}}),
    ],
    Reason.BAD_SIGNATURE: [
        ("flipped signature byte", lambda p, d: _flip(d, 44 + len(Parts.split(d).manifest_bytes) + 5), {}),
        ("flipped manifest byte", lambda p, d: _flip(d, 60), {}),
    ],
    Reason.MALFORMED_MANIFEST: [
        ("not JSON", _with_manifest_bytes(lambda raw: b"{" * len(raw)), {}),
        ("array, not object", _with_manifest_bytes(lambda raw: b"[" + b"1," * 40 + b"1]"), {}),
        ("invalid UTF-8", _with_manifest_bytes(lambda raw: raw.replace(b'"0.1.0"', b'"\xff.1.0"')), {}),
    ],
    Reason.DUPLICATE_KEY: [
        (
            "repeated key",
            _with_manifest_bytes(lambda raw: raw.replace(b'{"audit_head"', b'{"audit_head":"x","audit_head"', 1)),
            {},
        )
    ],
    Reason.FLOAT_NOT_ALLOWED: [
        ("float sequence", _with_manifest_bytes(lambda raw: raw.replace(b'"sequence":1', b'"sequence":1.0')), {}),
        ("exponent", _with_manifest_bytes(lambda raw: raw.replace(b'"sequence":1', b'"sequence":1e0')), {}),
        ("NaN", _with_manifest_bytes(lambda raw: raw.replace(b'"sequence":1', b'"sequence":NaN')), {}),
    ],
    Reason.NON_CANONICAL: [
        ("whitespace", _with_manifest_bytes(lambda raw: raw.replace(b'"sequence":1', b'"sequence": 1')), {}),
        (
            "unsorted keys",
            _with_manifest_bytes(lambda raw: b'{"sequence":1,' + raw[1:].replace(b',"sequence":1', b"")),
            {},
        ),
        ("escaped ASCII", _with_manifest_bytes(lambda raw: raw.replace(b'"004"', b'"\\u0030\\u00304"')), {}),
    ],
    Reason.UNSUPPORTED_VERSION: [
        ("format 2", _with_manifest(lambda m: m.update(format=2)), {}),
        ("format missing", _with_manifest(lambda m: m.pop("format")), {}),
        ("format true", _with_manifest(lambda m: m.update(format=True)), {}),
    ],
    Reason.UNKNOWN_KIND: [("kind misspelt", _with_manifest(lambda m: m.update(kind="branch_montly")), {})],
    Reason.UNEXPECTED_KIND: [("monthly where answer expected", lambda p, d: d, {"expected_kind": "office_answer"})],
    Reason.BAD_MANIFEST: [
        ("extra field", _with_manifest(lambda m: m.update(comment="x")), {}),
        ("missing field", _with_manifest(lambda m: m.pop("audit_head")), {}),
        ("sequence 0", _with_manifest(lambda m: m.update(sequence=0)), {}),
        ("prev hash for sequence 1", _with_manifest(lambda m: m.update(prev_sha256="00" * 32)), {}),
        ("period 13", _with_manifest(lambda m: m.update(period="2026-13")), {}),
        (
            "non-canonical base64",
            _with_manifest(lambda m: m.update(recipient_x25519=m["recipient_x25519"][:-2] + "F=")),
            {},
        ),
        ("unknown algorithm", _with_manifest(lambda m: m["payload"].update(alg="chacha20")), {}),
        ("negative file length", _with_manifest(_set_entry(0, length=-1)), {}),
        ("files unsorted", _with_manifest(lambda m: m["files"].reverse()), {}),
    ],
    Reason.HEADER_MISMATCH: [
        ("header names another branch", _header_branch, lambda p: {"pinned_signers": {"007": p.signer.public}}),
        ("manifest names another branch", _with_manifest(lambda m: m.update(branch_code="007")), {}),
    ],
    Reason.UNSAFE_PATH: [
        (f"path {path!r}", _with_manifest(_set_path(path)), {})
        for path in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\\b",
            "C:/x",
            "c:x",
            "a//b",
            "a/",
            "",
            "a\x00b",
            "./a",
            ".hidden",
            "con.txt",
            "张三.json",
            "a b",
        ]
    ],  # fmt: skip
    Reason.DUPLICATE_FILE: [
        ("same path twice", _with_manifest(_duplicate_first), {}),
        ("paths differing only in case", _with_manifest(_duplicate_by_case), {}),
    ],
    Reason.PAYLOAD_LENGTH_MISMATCH: [
        ("truncated payload", lambda p, d: d[:-1], {}),
        ("extended by one byte", lambda p, d: d + b"\x00", {}),
        ("extended by a second bundle", lambda p, d: d + d, {}),
    ],
    Reason.PAYLOAD_HASH_MISMATCH: [("flipped payload byte", lambda p, d: _flip(d, len(d) - 20), {})],
    Reason.WRONG_RECIPIENT: [
        ("another office key", lambda p, d: d, {"recipient_private": generate_exchange_keypair().private})
    ],
    Reason.DECRYPT_FAILED: [
        ("wrapped key changed", _forged(_genuine_container, lambda m: m["key_wrap"].update(nonce="A" * 16)), {}),
        ("payload nonce changed", _forged(_genuine_container, lambda m: m["payload"].update(nonce="A" * 16)), {}),
        ("context changed (period)", _forged(_genuine_container, lambda m: m.update(period="2026-09")), {}),
    ],
    Reason.BAD_CONTAINER: [
        ("garbage", _forged(lambda: b"not a container"), {}),
        ("trailing bytes", _forged(lambda: _genuine_container() + b"\x00"), {}),
        ("entry length past the end", _forged(lambda: _genuine_container()[:-1]), {}),
        ("entries out of order", _forged(lambda: pack_container([("b.txt", b""), ("a.txt", b"")])), {}),
        ("count too high", _forged(lambda: b"HZC1" + struct.pack(">I", 2**32 - 1)), {}),
    ],
    Reason.MISSING_FILE: [("listed but absent", _forged(_genuine_container, _append_sibling), {})],
    Reason.EXTRA_FILE: [
        ("present but unlisted", _forged(_genuine_container, lambda m: m["files"].pop()), {}),
    ],
    Reason.FILE_LENGTH_MISMATCH: [("length off by one", _forged(_genuine_container, _set_entry(1, length=1)), {})],
    Reason.FILE_HASH_MISMATCH: [
        ("hash of other content", _forged(_genuine_container, _set_entry(2, sha256="0" * 64)), {})
    ],
    Reason.BAD_PAYLOAD_JSON: [
        (
            "float amount in a JSON file",
            _forged(
                lambda: pack_container([("x.json", b'{"fee":1.5}')]),
                lambda m: m.update(
                    files=[{"path": "x.json", "length": 11, "sha256": hashlib.sha256(b'{"fee":1.5}').hexdigest()}]
                ),
            ),
            {},
        )
    ],
}

# Codes that cannot come from verify_bundle's input alone (tested in test_sync_fileio).
NOT_FROM_VERIFY = {Reason.OK, Reason.READBACK_MISMATCH}


def test_every_reason_code_has_a_crafted_bundle():
    assert set(CASES) | NOT_FROM_VERIFY == set(Reason)


def test_every_reason_code_has_messages_in_both_languages():
    from sync.reasons import MESSAGES

    assert set(MESSAGES) == set(Reason)
    assert all(zh and en and zh != en for zh, en in MESSAGES.values())


@pytest.mark.parametrize(
    "expected, craft, extra",
    [
        pytest.param(code, craft, extra, id=f"{code}-{label}")
        for code, cases in CASES.items()
        for label, craft, extra in cases
    ],
)
def test_crafted_bundle_is_refused_with_its_code(parties, expected, craft, extra):
    data = craft(parties, make_bundle(parties))
    result = verify(parties, data, **(extra(parties) if callable(extra) else extra))
    assert (result.ok, result.code) == (False, expected), result.message_en
    assert result.manifest is None and result.files is None
    assert result.message_zh and result.message_en


def test_verify_rejects_invalid_arguments_loudly(parties):
    data = make_bundle(parties)
    with pytest.raises(ValueError):
        verify(parties, data, pinned_signers={"4": parties.signer.public})
    with pytest.raises(ValueError):
        verify(parties, data, recipient_private=b"short")
    with pytest.raises(ValueError):
        verify(parties, data, expected_kind="monthly")
    with pytest.raises(ValueError):
        verify(parties, data, max_size=10)
    with pytest.raises(TypeError):
        verify(parties, "text")
