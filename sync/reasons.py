"""The sync module's reason codes, one catalogue per family, each code with its Chinese and
English message: ``Reason`` (a bundle's verification), ``ImportReason`` (the office's import of a
verified bundle) and ``ParamsReason`` (a parameter notice). sync/FORMAT.md and docs/params.md
list them for the other side.

Adding a code: a member in its enum and its two messages in the family's table below; the
tables must cover their enum (tests/sync/test_sync_reason_codes.py), and a reason written as a
string literal in sync/ must be a member of one of the enums (the same test, which names the
file and line).

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


class ImportReason(StrEnum):
    """Why the office imported, held or refused a bundle that verified (or could not be read)."""

    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    ALREADY_HELD = "already_held"
    GAP = "gap"
    REPLAY = "replay"
    CHAIN_BREAK = "chain_break"
    PAYLOAD_MISMATCH = "payload_mismatch"
    BAD_PAYLOAD = "bad_payload"
    UNREADABLE = "unreadable"
    DISQUALIFIED = "R8.5.disqualified"
    REJECTED = "R8.3.rejected"
    TERMINATED = "R8.7.terminated"
    GAP_TOO_LARGE = "gap_too_large"
    PERSONAL_DATA = "personal_data"
    CONTROL_CHARACTERS = "control_characters"
    FORMULA_TEXT = "formula_text"
    SUMMARY_MISMATCH = "summary_mismatch"
    # Issue 13 item 4: the branch's audit chain must extend the head the office accepted last.
    AUDIT_REWRITTEN = "audit_rewritten"
    AUDIT_REWOUND = "audit_rewound"
    AUDIT_ANCHOR_MISSING = "audit_anchor_missing"
    AUDIT_ANCHOR_MISMATCH = "audit_anchor_mismatch"


IMPORT_MESSAGES: dict[ImportReason, tuple[str, str]] = {
    ImportReason.IMPORTED: ("已导入。", "Imported."),
    ImportReason.DUPLICATE: (
        "此数据包已导入过，本次未做任何改动。",
        "This bundle was already imported; nothing changed.",
    ),
    ImportReason.ALREADY_HELD: (
        "此数据包已在等待中（缺少更早的数据包），本次未做任何改动。",
        "This bundle is already held (earlier bundles missing); nothing changed.",
    ),
    ImportReason.GAP: (
        "缺少更早的数据包，此数据包已暂存，收到缺少的数据包后自动导入。",
        "Earlier bundles are missing; this one is held and will be imported when they arrive.",
    ),
    ImportReason.REPLAY: (
        "数据包序号不新于已导入的数据包且内容不同（重放或旧文件），拒绝导入。",
        "Sequence is not newer than an imported bundle and the file differs (replay or older file); refused.",
    ),
    ImportReason.CHAIN_BREAK: (
        "数据包与已导入的上一个数据包衔接不上，拒绝导入，请联系代办处核实。",
        "Bundle does not chain to the previously imported one; refused, contact the branch.",
    ),
    ImportReason.PAYLOAD_MISMATCH: (
        "数据包内容所属的代办处或期间与清单不符，拒绝导入。",
        "The payload names a different branch or period than the manifest; refused.",
    ),
    ImportReason.BAD_PAYLOAD: (
        "数据包内容不符合格式要求，拒绝导入。",
        "Payload contents do not follow the format; refused.",
    ),
    ImportReason.UNREADABLE: ("无法读取文件。", "Cannot read the file."),
    # The branch register (sync/branches.py, docs/rules.md R8): a branch that may no longer send bundles.
    ImportReason.DISQUALIFIED: (
        "该代办处已被取消资格（核准后 3 个月内未开展业务，000 第八条4），拒绝导入。",
        "The branch lost its status (no business within 3 months of approval, 000 art. 8(4)); refused.",
    ),
    ImportReason.REJECTED: (
        "该代办处的设立申请已被驳回（000 第八条2），拒绝导入。",
        "The branch's application was rejected (000 art. 8(2)); refused.",
    ),
    ImportReason.TERMINATED: (
        "该代办处已终止，不接收其终止后期间的数据包（000 第十条），拒绝导入。",
        "The branch has terminated; bundles for later periods are refused (000 art. 10).",
    ),
    ImportReason.GAP_TOO_LARGE: (
        "数据包序号比已导入的超前太多（最多暂存相差 24 号以内的数据包），拒绝导入，请联系代办处核实。",
        "The sequence number is too far ahead of the last imported bundle (at most 24 are held); "
        "refused, contact the branch.",
    ),
    ImportReason.PERSONAL_DATA: (
        "数据包含有完整的身份证号，拒绝导入（上报数据只应有脱敏号码），请联系代办处。",
        "The payload holds a full ID number (only masked numbers may be sent); refused.",
    ),
    ImportReason.CONTROL_CHARACTERS: (
        "数据包的文字中含有控制字符，拒绝导入。",
        "Text in the payload holds control characters; refused.",
    ),
    ImportReason.FORMULA_TEXT: (
        "数据包中的单位编码或名称以 = + - @ 开头（电子表格会当作公式），拒绝导入。",
        "A unit code or name in the payload begins with = + - @ (a spreadsheet formula); refused.",
    ),
    ImportReason.SUMMARY_MISMATCH: (
        "数据包 summary.json 的合计与明细不符，拒绝导入。",
        "The totals in summary.json do not match the payload's rows; refused.",
    ),
    ImportReason.AUDIT_REWRITTEN: (
        "代办处的审计记录与办事处上次接受的不符（审计链被改写或重算），拒绝导入，请联系代办处负责人核实。",
        "The branch's audit history does not extend the head the office accepted last (rewritten or "
        "recomputed); refused, contact the branch's supervisor.",
    ),
    ImportReason.AUDIT_REWOUND: (
        "代办处的审计记录比办事处上次接受的还短（数据库被回退），拒绝导入，请联系代办处负责人核实。",
        "The branch's audit history is shorter than the head the office accepted last (database rolled "
        "back); refused, contact the branch's supervisor.",
    ),
    ImportReason.AUDIT_ANCHOR_MISSING: (
        "数据包没有说明代办处审计记录与办事处上次接受的是否衔接，而该代办处以前的数据包都有，拒绝导入。",
        "The bundle does not show that the branch's audit history extends the head accepted last, "
        "although its earlier bundles did; refused.",
    ),
    ImportReason.AUDIT_ANCHOR_MISMATCH: (
        "数据包所衔接的审计记录位置不是办事处上次接受的位置，拒绝导入，请联系代办处核实。",
        "The bundle anchors its audit history at another point than the head the office accepted last; refused.",
    ),
}


class ParamsReason(StrEnum):
    """Why a parameter notice (or its TOML source) was refused (exit 3, nothing written)."""

    TOO_LARGE = "params.too_large"
    WRONG_KIND = "params.wrong_kind"
    UNSUPPORTED_VERSION = "params.unsupported_version"
    MALFORMED = "params.malformed"
    OFFICE_NOT_TRUSTED = "params.office_not_trusted"
    UNKNOWN_KEY = "params.unknown_key"
    BAD_SIGNATURE = "params.bad_signature"
    INVALID = "params.invalid"
    REFERENCE_REUSED = "params.reference_reused"
    NOT_AFTER_INSTALLED = "params.not_after_installed"


PARAMS_MESSAGES: dict[ParamsReason, tuple[str, str]] = {
    ParamsReason.TOO_LARGE: ("文件超过 1 MiB，不是参数通知", "larger than 1 MiB: not a parameter notice"),
    ParamsReason.WRONG_KIND: (
        "不是参数通知（文件头不符，可能是数据包、公钥文件或其他文件）",
        "not a parameter notice (wrong file signature: a bundle, a key file or another file?)",
    ),
    ParamsReason.UNSUPPORTED_VERSION: ("参数通知版本不受支持", "unsupported notice version"),
    ParamsReason.MALFORMED: (
        "参数通知结构损坏（长度不符、截断或内容不是合法 JSON）",
        "the notice's structure is damaged (length, truncation or invalid JSON)",
    ),
    ParamsReason.OFFICE_NOT_TRUSTED: (
        "尚未安装办事处公钥（huzhu keys trust-office）",
        "the office's keys are not installed (huzhu keys trust-office)",
    ),
    ParamsReason.UNKNOWN_KEY: ("不是由已安装的办事处密钥签发", "not issued by the installed office key"),
    ParamsReason.BAD_SIGNATURE: ("签名无效：文件被改动或损坏", "invalid signature: the file was changed or damaged"),
    ParamsReason.INVALID: (
        "参数内容不符合规定（签名有效，但数据无效）",
        "the parameters break the rules (the signature is valid, the data is not)",
    ),
    ParamsReason.REFERENCE_REUSED: (
        "已安装过同一文号但内容不同的通知",
        "a notice with the same reference and other content is installed",
    ),
    ParamsReason.NOT_AFTER_INSTALLED: (
        "生效日不晚于已安装的通知：通知须按生效日先后安装",
        "effective no later than an installed notice: notices are installed in date order",
    ),
}


def messages(reason: Reason, detail: str | None = None) -> tuple[str, str]:
    """Return (message_zh, message_en), with a short technical detail appended if given."""
    zh, en = MESSAGES[reason]
    if detail:
        return f"{zh}（{detail}）", f"{en} ({detail})"
    return zh, en
