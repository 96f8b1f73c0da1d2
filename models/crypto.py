"""Cryptographic building blocks shared by key slots, backups and sync bundles.

Everything here comes from the ``cryptography`` package; nothing is hand-rolled
beyond the framing. Keys are bytes and never appear in exceptions or logs.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """Authenticated decryption failed: wrong key, or the data was changed."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


KDF_MIN_KIB = 8 * 1024
KDF_MAX_KIB = 1024 * 1024  # 1 GiB
KDF_MAX_ITERATIONS = 10
KDF_MAX_LANES = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored in each key slot so they can be raised later.

    Defaults: 64 MiB, 3 passes, 4 lanes: about 0.2 s on the branch PCs' 2 cores
    (see bench/bench_unlock.py), which keeps unlock under 0.5 s while making
    offline guessing of a stolen slot file expensive.
    """

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def to_json(self) -> dict:
        return {"alg": "argon2id", "memory_kib": self.memory_kib, "iterations": self.iterations, "lanes": self.lanes}

    @classmethod
    def from_json(cls, obj: dict) -> KdfParams:
        if obj.get("alg") != "argon2id":
            raise ValueError("unsupported kdf")
        values = (obj["memory_kib"], obj["iterations"], obj["lanes"])
        if not all(type(v) is int for v in values):
            raise ValueError("kdf parameters must be integers")
        params = cls(*values)
        # Refuse values a tampered file could use to stall unlock (seen: 4 GiB × 64 passes)
        # or to weaken it. The defaults are 64 MiB × 3; the bounds leave 16× headroom to raise them.
        if not (
            KDF_MIN_KIB <= params.memory_kib <= KDF_MAX_KIB
            and 1 <= params.iterations <= KDF_MAX_ITERATIONS
            and 1 <= params.lanes <= KDF_MAX_LANES
        ):
            raise ValueError("kdf parameters out of range")
        return params


def derive_passphrase_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase.encode("utf-8"))


def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def aead_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise DecryptionFailed() from exc


def hkdf(secret: bytes, info: bytes, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def x25519_generate() -> tuple[bytes, bytes]:
    """Return (private_raw, public_raw)."""
    priv = X25519PrivateKey.generate()
    return (
        priv.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def ed25519_generate() -> tuple[bytes, bytes]:
    """Return (private_raw, public_raw) of a fresh Ed25519 key: a user's signing key."""
    priv = Ed25519PrivateKey.generate()
    return (
        priv.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def ed25519_public(private_raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_verify(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


class Signer:
    """A user's Ed25519 private key, held for the session. Kept out of repr."""

    __slots__ = ("_key", "public")

    def __init__(self, private_raw: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_raw)
        self.public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def raw(self) -> bytes:
        """The private half, only to re-seal it under a new passphrase."""
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def __repr__(self) -> str:
        return f"Signer(public={self.public.hex()[:16]}…)"


@dataclass(frozen=True)
class Sealed:
    """A secret sealed to an X25519 public key (ephemeral ECDH + HKDF + AES-256-GCM)."""

    ephemeral_public: bytes
    nonce: bytes
    ciphertext: bytes


def seal(recipient_public: bytes, plaintext: bytes, context: bytes) -> Sealed:
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    # Binding both public keys into the KDF stops a sealed box being re-pointed at another recipient.
    key = hkdf(shared, b"huzhu seal v1|" + context, salt=eph_pub + recipient_public)
    nonce, ct = aead_encrypt(key, plaintext, context)
    return Sealed(eph_pub, nonce, ct)


def open_sealed(recipient_private: bytes, sealed: Sealed, context: bytes) -> bytes:
    priv = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient_public = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral_public))
    except ValueError as exc:
        raise DecryptionFailed() from exc
    key = hkdf(shared, b"huzhu seal v1|" + context, salt=sealed.ephemeral_public + recipient_public)
    return aead_decrypt(key, sealed.nonce, sealed.ciphertext, context)


# --- Streaming AEAD for large files (backups) -------------------------------
# A STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as used by age:
# fixed-size chunks, nonce = 7-byte random prefix || 4-byte counter || 1-byte last flag,
# so chunks cannot be reordered, dropped or truncated without detection.

CHUNK = 1 << 20


def _chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def stream_encrypt(key: bytes, src: BinaryIO, dst: BinaryIO, aad: bytes) -> None:
    prefix = os.urandom(7)
    dst.write(prefix)
    aes = AESGCM(key)
    counter = 0
    chunk = src.read(CHUNK)
    while True:
        nxt = src.read(CHUNK)
        last = not nxt
        dst.write(aes.encrypt(_chunk_nonce(prefix, counter, last), chunk, aad))
        if last:
            return
        counter += 1
        chunk = nxt


def stream_decrypt(key: bytes, src: BinaryIO, aad: bytes) -> Iterator[bytes]:
    """Yield plaintext chunks; raises DecryptionFailed on any change, truncation or extension."""
    prefix = src.read(7)
    if len(prefix) != 7:
        raise DecryptionFailed()
    aes = AESGCM(key)
    counter = 0
    block = src.read(CHUNK + 16)
    while True:
        nxt = src.read(CHUNK + 16)
        last = not nxt
        try:
            yield aes.decrypt(_chunk_nonce(prefix, counter, last), block, aad)
        except InvalidTag as exc:
            raise DecryptionFailed() from exc
        if last:
            return
        counter += 1
        block = nxt
