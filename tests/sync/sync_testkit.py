"""Helpers for the bundle tests (a uniquely named module, so it cannot clash with other
test folders' helpers on sys.path).

The forging helpers re-implement the byte layout from sync/FORMAT.md independently of
sync.bundle, so the tests also check that the document matches the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from models.crypto import aead_encrypt, b64e, seal
from sync import build_bundle, canonical_dumps, generate_exchange_keypair, generate_signing_keypair
from sync.keys import KeyPair

HEADER = struct.Struct(">5s3s32sI")
SIGNATURE_DOMAIN = b"huzhu bundle manifest v1\x00"

NAMES = ["张三", "李四", "王小明"]
ID_NUMBER = "110101199003071234"


def sample_files() -> dict[str, bytes]:
    members = [{"name": name, "id_number": ID_NUMBER, "shares": 2, "fee_fen": 3000} for name in NAMES]
    return {
        "members.json": canonical_dumps({"members": members}),
        "claims/2026-10.json": canonical_dumps({"claims": [{"name": NAMES[0], "amount_fen": 150000}]}),
        "notes.txt": f"{NAMES[1]} 身份证 {ID_NUMBER}".encode(),
    }


@dataclass(frozen=True)
class Parties:
    signer: KeyPair  # the branch's Ed25519 key
    recipient: KeyPair  # the office's X25519 key

    @property
    def pinned(self) -> dict[str, bytes]:
        return {"004": self.signer.public}


def new_parties() -> Parties:
    return Parties(generate_signing_keypair(), generate_exchange_keypair())


def make_bundle(parties: Parties, **overrides) -> bytes:
    arguments = dict(
        kind="branch_monthly",
        branch_code="004",
        period="2026-10",
        sequence=1,
        prev_sha256=None,
        created="2026-11-02T01:30:00Z",
        program_version="0.1.0",
        audit_head="ab" * 32,
        files=sample_files(),
        signer_private=parties.signer.private,
        recipient_public=parties.recipient.public,
    )
    arguments.update(overrides)
    return build_bundle(**arguments)


@dataclass
class Parts:
    """A bundle taken apart along the documented layout."""

    magic: bytes
    branch: bytes
    signer: bytes
    manifest_bytes: bytes
    signature: bytes
    payload: bytes

    @classmethod
    def split(cls, data: bytes) -> Parts:
        magic, branch, signer, length = HEADER.unpack_from(data)
        start = HEADER.size
        return cls(
            magic, branch, signer, data[start : start + length],
            data[start + length : start + length + 64], data[start + length + 64 :],
        )  # fmt: skip

    @property
    def manifest(self) -> dict:
        return json.loads(self.manifest_bytes)

    def join(self, length: int | None = None) -> bytes:
        declared = len(self.manifest_bytes) if length is None else length
        header = HEADER.pack(self.magic, self.branch, self.signer, declared)
        return header + self.manifest_bytes + self.signature + self.payload

    def resign(self, private: bytes, manifest_bytes: bytes | None = None) -> Parts:
        if manifest_bytes is not None:
            self.manifest_bytes = manifest_bytes
        self.signature = Ed25519PrivateKey.from_private_bytes(private).sign(SIGNATURE_DOMAIN + self.manifest_bytes)
        return self


def context(manifest: dict) -> bytes:
    m = manifest
    return f"huzhu bundle v1|{m['kind']}|{m['branch_code']}|{m['period']}|{m['sequence']}".encode("ascii")


def pack_container(entries: list[tuple[str, bytes]]) -> bytes:
    out = [b"HZC1", struct.pack(">I", len(entries))]
    for path, data in entries:
        raw = path.encode("utf-8")
        out += [struct.pack(">H", len(raw)), raw, struct.pack(">Q", len(data)), data]
    return b"".join(out)


def forge(
    parties: Parties,
    *,
    container: bytes,
    edit: Callable[[dict], None] = lambda manifest: None,
    base: bytes | None = None,
) -> bytes:
    """A correctly signed and encrypted bundle around an arbitrary container and manifest."""
    parts = Parts.split(base if base is not None else make_bundle(parties))
    manifest = parts.manifest
    key = os.urandom(32)
    wrapped = seal(parties.recipient.public, key, b"key|" + context(manifest))
    nonce, payload = aead_encrypt(key, container, b"payload|" + context(manifest))
    manifest["key_wrap"].update(
        ephemeral_x25519=b64e(wrapped.ephemeral_public), nonce=b64e(wrapped.nonce), wrapped_key=b64e(wrapped.ciphertext)
    )
    manifest["payload"].update(nonce=b64e(nonce), length=len(payload), sha256=hashlib.sha256(payload).hexdigest())
    edit(manifest)
    parts.payload = payload
    return parts.resign(parties.signer.private, canonical_dumps(manifest)).join()
