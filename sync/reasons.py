"""Stable reason codes for bundle verification, each with a Chinese and English message.

The code is what programs and logs key on and must never change meaning; the messages
are what the clerk sees. Each refusal has its own code so that an operator (or an
auditor reading the import log) can tell a damaged USB stick (``payload_hash_mismatch``)
from a key problem (``signer_mismatch``) from a replayed file without guessing.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    OK = "ok"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    BAD_MAGIC = "bad_magic"
    BAD_HEADER = "bad_header"
    BAD_MANIFEST_LENGTH = "bad_manifest_length"
    TRUNCATED = "truncated"
    UNKNOWN_BRANCH = "unknown_branch"
    SIGNER_MISMATCH = "signer_mismatch"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_MANIFEST = "malformed_manifest"
    DUPLICATE_KEY = "duplicate_key"
    FLOAT_NOT_ALLOWED = "float_not_allowed"
    NON_CANONICAL = "non_canonical"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_KIND = "unknown_kind"
    UNEXPECTED_KIND = "unexpected_kind"
    BAD_MANIFEST = "bad_manifest"
    HEADER_MISMATCH = "header_mismatch"
    UNSAFE_PATH = "unsafe_path"
    DUPLICATE_FILE = "duplicate_file"
    PAYLOAD_LENGTH_MISMATCH = "payload_length_mismatch"
    PAYLOAD_HASH_MISMATCH = "payload_hash_mismatch"
    WRONG_RECIPIENT = "wrong_recipient"
    DECRYPT_FAILED = "decrypt_failed"
    BAD_CONTAINER = "bad_container"
    MISSING_FILE = "missing_file"
    EXTRA_FILE = "extra_file"
    FILE_LENGTH_MISMATCH = "file_length_mismatch"
    FILE_HASH_MISMATCH = "file_hash_mismatch"
    BAD_PAYLOAD_JSON = "bad_payload_json"
    READBACK_MISMATCH = "readback_mismatch"


MESSAGES: dict[Reason, tuple[str, str]] = {
    Reason.OK: ("数据包校验通过。", "Bundle verified."),
    Reason.TOO_SMALL: ("文件过小，不是完整的数据包。", "File too small to be a bundle."),
    Reason.TOO_LARGE: ("文件超过允许的大小，拒绝处理。", "File exceeds the allowed size; refused."),
    Reason.BAD_MAGIC: ("不是互助数据包文件（文件头不符）。", "Not a huzhu bundle (wrong file signature)."),
    Reason.BAD_HEADER: ("数据包文件头中的代办处编号无效。", "Invalid branch code in the bundle header."),
    Reason.BAD_MANIFEST_LENGTH: ("数据包清单长度超出范围。", "Manifest length out of range."),
    Reason.TRUNCATED: ("数据包不完整（文件被截断）。", "Bundle is truncated."),
    Reason.UNKNOWN_BRANCH: ("未登记的代办处，无法核验签名。", "Branch not registered; no key to verify with."),
    Reason.SIGNER_MISMATCH: (
        "签名密钥与登记的密钥不一致，请电话核对密钥指纹。",
        "Signing key differs from the registered key; check the fingerprint by phone.",
    ),
    Reason.BAD_SIGNATURE: ("数字签名无效，文件可能被篡改。", "Invalid signature; the file may have been altered."),
    Reason.MALFORMED_MANIFEST: ("数据包清单格式错误。", "Manifest is not valid JSON."),
    Reason.DUPLICATE_KEY: ("数据包清单含重复字段。", "Manifest contains a duplicate key."),
    Reason.FLOAT_NOT_ALLOWED: (
        "数据含小数，金额必须以整数（分）表示。",
        "Non-integer number found; amounts must be integer fen.",
    ),
    Reason.NON_CANONICAL: ("数据包清单不是规范格式。", "Manifest is not in canonical form."),
    Reason.UNSUPPORTED_VERSION: (
        "数据包格式版本不受支持，请升级程序。",
        "Unsupported bundle format version; upgrade the program.",
    ),
    Reason.UNKNOWN_KIND: ("未知的数据包类型。", "Unknown bundle kind."),
    Reason.UNEXPECTED_KIND: ("数据包类型与预期不符。", "Bundle kind is not the expected one."),
    Reason.BAD_MANIFEST: ("数据包清单内容不合规定。", "Manifest content is invalid."),
    Reason.HEADER_MISMATCH: ("文件头与签名清单不一致。", "Header does not match the signed manifest."),
    Reason.UNSAFE_PATH: ("数据包含不安全的文件路径。", "Bundle lists an unsafe file path."),
    Reason.DUPLICATE_FILE: ("数据包清单中文件重复。", "Bundle lists the same file twice."),
    Reason.PAYLOAD_LENGTH_MISMATCH: (
        "加密数据长度与清单不符，文件可能损坏。",
        "Payload length differs from the manifest; file damaged?",
    ),
    Reason.PAYLOAD_HASH_MISMATCH: (
        "加密数据校验值不符，文件已损坏或被篡改。",
        "Payload hash differs from the manifest; file damaged or altered.",
    ),
    Reason.WRONG_RECIPIENT: (
        "此数据包不是发给本单位的，无法解密。",
        "Bundle is addressed to a different recipient key.",
    ),
    Reason.DECRYPT_FAILED: ("解密失败。", "Decryption failed."),
    Reason.BAD_CONTAINER: ("解密后的数据结构无效。", "Decrypted container is malformed."),
    Reason.MISSING_FILE: ("数据包缺少清单列出的文件。", "A file listed in the manifest is missing."),
    Reason.EXTRA_FILE: ("数据包含清单未列出的文件。", "Bundle holds a file not listed in the manifest."),
    Reason.FILE_LENGTH_MISMATCH: ("文件长度与清单不符。", "File length differs from the manifest."),
    Reason.FILE_HASH_MISMATCH: ("文件校验值与清单不符。", "File hash differs from the manifest."),
    Reason.BAD_PAYLOAD_JSON: (
        "数据包中的 JSON 文件不是规范格式或含小数。",
        "A JSON file in the bundle is not canonical or holds a non-integer.",
    ),
    Reason.READBACK_MISMATCH: (
        "写入后读回的内容与原数据不一致，请更换存储介质后重新导出。",
        "Read-back differs from what was written; use another medium and export again.",
    ),
}


def messages(reason: Reason, detail: str | None = None) -> tuple[str, str]:
    """Return (message_zh, message_en), with a short technical detail appended if given."""
    zh, en = MESSAGES[reason]
    if detail:
        return f"{zh}（{detail}）", f"{en} ({detail})"
    return zh, en
