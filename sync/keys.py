"""Key pairs, phone-readable fingerprints, and the public key files exchanged once.

Trust is set up out of band: a branch gives the office its registration file (by USB
stick or e-mail), the office gives each branch its public-keys file, and the two sides
read the fingerprint to each other over the phone before pinning the keys. Files that
fail to parse, or whose fingerprint does not match their keys, are refused with a
message saying exactly what is wrong.

The files hold public keys only; the serialisers below take no private key, so one
cannot be written by mistake.

Each party has two keys: Ed25519 to sign bundles it sends, X25519 to receive
bundles sealed to it (a branch receives the office's answers). One fingerprint covers
both, so a single phone call confirms both keys.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from models.crypto import KEY_BYTES, b64d, b64e, x25519_generate
from sync.canonical import CanonicalJSONError, strict_loads

BRANCH_REGISTRATION_FORMAT = "huzhu-branch-registration"
OFFICE_KEYS_FORMAT = "huzhu-office-keys"
KEY_FILE_VERSION = 1
MAX_KEY_FILE_BYTES = 16 * 1024
MAX_BRANCH_NAME_CHARS = 64

_FINGERPRINT_DOMAIN = b"huzhu key fingerprint v1\x00"
_FINGERPRINT_GROUPS = 6
_BRANCH_CODE_RE = re.compile(r"[0-9]{3}")


class KeyFileError(ValueError):
    """A key file cannot be used; carries messages for the clerk in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class KeyPair:
    """Raw 32-byte keys. The private half is kept out of repr so it never reaches a log."""

    private: bytes = field(repr=False)
    public: bytes


def generate_signing_keypair() -> KeyPair:
    """A fresh Ed25519 key pair for signing bundles."""
    private = Ed25519PrivateKey.generate()
    return KeyPair(
        private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def generate_exchange_keypair() -> KeyPair:
    """A fresh X25519 key pair for receiving sealed bundles."""
    private, public = x25519_generate()
    return KeyPair(private, public)


def signing_public_key(private: bytes) -> bytes:
    """The Ed25519 public key of a raw private key (to rebuild a key file from a key store)."""
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def exchange_public_key(private: bytes) -> bytes:
    """The X25519 public key of a raw private key."""
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(ed25519_public: bytes, x25519_public: bytes) -> str:
    """Thirty decimal digits in six groups of five, e.g. ``"07213 88410 …"``.

    Digits, because they are read aloud over the phone in Chinese without the
    ambiguity of letters. Each group is 5 bytes of SHA-256 reduced modulo 100000,
    about 99.6 bits in total: far beyond what an attacker could match by search.
    """
    _require_raw_key(ed25519_public, "ed25519_public")
    _require_raw_key(x25519_public, "x25519_public")
    digest = hashlib.sha256(_FINGERPRINT_DOMAIN + ed25519_public + x25519_public).digest()
    groups = (int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100_000 for i in range(_FINGERPRINT_GROUPS))
    return " ".join(f"{group:05d}" for group in groups)


# --- Branch registration file --------------------------------------------------


@dataclass(frozen=True)
class BranchRegistration:
    """What the office pins for a branch: its code, name and public keys."""

    branch_code: str
    branch_name: str
    ed25519_public: bytes
    x25519_public: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.branch_code, str) or not _BRANCH_CODE_RE.fullmatch(self.branch_code):
            raise ValueError("branch_code must be three digits")
        name_problem = _branch_name_problem(self.branch_name)
        if name_problem:
            raise ValueError(f"branch_name: {name_problem}")
        _require_raw_key(self.ed25519_public, "ed25519_public")
        _require_raw_key(self.x25519_public, "x25519_public")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ed25519_public, self.x25519_public)

    def to_json_bytes(self) -> bytes:
        return _dump_key_file(
            {
                "format": BRANCH_REGISTRATION_FORMAT,
                "version": KEY_FILE_VERSION,
                "branch_code": self.branch_code,
                "branch_name": self.branch_name,
                "ed25519_public": b64e(self.ed25519_public),
                "x25519_public": b64e(self.x25519_public),
                "fingerprint": self.fingerprint,
            }
        )


def parse_branch_registration(data: bytes) -> BranchRegistration:
    """Parse and check a branch registration file; raises KeyFileError."""
    obj = _load_key_file(
        data,
        BRANCH_REGISTRATION_FORMAT,
        {"format", "version", "branch_code", "branch_name", "ed25519_public", "x25519_public", "fingerprint"},
        "代办处登记文件",
    )
    code = obj["branch_code"]
    if not isinstance(code, str) or not _BRANCH_CODE_RE.fullmatch(code):
        raise KeyFileError("代办处编号必须是三位数字。", "branch_code must be three digits.")
    name = obj["branch_name"]
    name_problem = _branch_name_problem(name)
    if name_problem or not isinstance(name, str):
        raise KeyFileError("代办处名称无效（不能为空、过长或含控制字符）。", f"branch_name: {name_problem}.")
    registration = BranchRegistration(code, name, _key_field(obj, "ed25519_public"), _key_field(obj, "x25519_public"))
    _require_fingerprint(obj, registration.fingerprint)
    return registration


# --- Office public-keys file --------------------------------------------------


@dataclass(frozen=True)
class OfficeKeys:
    """What a branch pins for the office: its signing and receiving public keys."""

    ed25519_public: bytes
    x25519_public: bytes

    def __post_init__(self) -> None:
        _require_raw_key(self.ed25519_public, "ed25519_public")
        _require_raw_key(self.x25519_public, "x25519_public")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ed25519_public, self.x25519_public)

    def to_json_bytes(self) -> bytes:
        return _dump_key_file(
            {
                "format": OFFICE_KEYS_FORMAT,
                "version": KEY_FILE_VERSION,
                "ed25519_public": b64e(self.ed25519_public),
                "x25519_public": b64e(self.x25519_public),
                "fingerprint": self.fingerprint,
            }
        )


def parse_office_keys(data: bytes) -> OfficeKeys:
    """Parse and check an office public-keys file; raises KeyFileError."""
    obj = _load_key_file(
        data,
        OFFICE_KEYS_FORMAT,
        {"format", "version", "ed25519_public", "x25519_public", "fingerprint"},
        "办事处公钥文件",
    )
    keys = OfficeKeys(_key_field(obj, "ed25519_public"), _key_field(obj, "x25519_public"))
    _require_fingerprint(obj, keys.fingerprint)
    return keys


# --- Shared helpers -------------------------------------------------------------


def _dump_key_file(obj: dict[str, object]) -> bytes:
    # Indented with literal Chinese so the file is readable in Notepad; meaning, not
    # layout, is checked on reading.
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _load_key_file(data: bytes, expected_format: str, fields: set[str], file_zh: str) -> dict[str, object]:
    if not isinstance(data, bytes) or len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(
            f"{file_zh}过大或不是文件内容。", f"File too large or not bytes (limit {MAX_KEY_FILE_BYTES})."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise KeyFileError(
            f"{file_zh}被编辑过（含 BOM 标记），请使用原始文件。",
            "File starts with a byte-order mark; it was re-saved by an editor. Use the original file.",
        )
    try:
        obj = strict_loads(data)
    except CanonicalJSONError as exc:
        raise KeyFileError(f"{file_zh}格式错误：{exc.reason}。", f"Not valid strict JSON: {exc}.") from None
    if not isinstance(obj, dict):
        raise KeyFileError(f"{file_zh}格式错误。", "Top level must be a JSON object.")
    if obj.get("format") != expected_format:
        raise KeyFileError(f"这不是{file_zh}。", f"format must be {expected_format!r}.")
    if type(obj.get("version")) is not int or obj["version"] != KEY_FILE_VERSION:
        raise KeyFileError(f"{file_zh}版本不受支持。", f"Unsupported version {ascii(obj.get('version'))[:20]}.")
    if obj.keys() != fields:
        missing = sorted(fields - obj.keys())
        unexpected = sorted(obj.keys() - fields)
        raise KeyFileError(
            f"{file_zh}字段不符：缺少 {missing}，多余 {ascii(unexpected)[:80]}。",
            f"Fields differ: missing {missing}, unexpected {ascii(unexpected)[:80]}.",
        )
    return obj


def _key_field(obj: dict[str, object], name: str) -> bytes:
    value = obj[name]
    try:
        raw = b64d(value) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES or b64e(raw) != value:
        raise KeyFileError(f"公钥 {name} 无效。", f"{name} must be base64 of a 32-byte public key.")
    return raw


def _require_fingerprint(obj: dict[str, object], computed: str) -> None:
    if obj["fingerprint"] != computed:
        raise KeyFileError(
            "指纹与公钥不符，文件已损坏或被改动，请向对方重新索取。",
            "Fingerprint does not match the keys; the file is damaged or altered. Ask for it again.",
        )


def _branch_name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "must be non-empty text"
    if len(name) > MAX_BRANCH_NAME_CHARS:
        return f"longer than {MAX_BRANCH_NAME_CHARS} characters"
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        return "contains control characters"
    return None


def _require_raw_key(value: object, name: str) -> None:
    if not isinstance(value, bytes) or len(value) != KEY_BYTES:
        raise ValueError(f"{name} must be 32 raw bytes")
