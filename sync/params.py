"""Office parameter notices (参数通知): issued and signed at the office, installed at a branch.

Plans, prices, terms, observation days, claim materials and APP conditions are the office's
(001 fin.7 "按照总会统一下发的各保障计划收费标准"; R12.1, the office's parameter notices: docs/params.md). The office writes them
in a TOML file, ``huzhu office params issue`` checks it with the same rules the branch will
apply and signs it with the office's Ed25519 key (the key sync already uses); a branch runs
``huzhu params install``, which verifies the signature over the exact bytes with the office
key pinned by ``huzhu keys trust-office`` *before* reading anything in them, shows what
changes, and stores the signed file as a new effective-dated rule set.

A notice that does not verify is refused whole with a reason code (``REASONS``) and changes
nothing. The byte layout and the TOML schema are in sync/FORMAT.md ("Parameter notices").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import struct
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from models.errors import HuzhuError
from rules.params import (
    NoticeSource,
    ParamNotice,
    RuleSet,
    RuleSetError,
    notice_to_data,
    packaged_rulesets,
    parse_notice,
)
from sync.canonical import CanonicalJSONError, strict_loads
from sync.keys import signing_public_key
from sync.reasons import PARAMS_MESSAGES

MAGIC = b"HZPARAMS"
VERSION = 1
PAYLOAD_FORMAT = "huzhu-params-notice"
SIGNING_DOMAIN = b"huzhu params notice v1\x00"
KEY_ID_BYTES = 8
SIGNATURE_BYTES = 64
_HEADER = struct.Struct(">8sB8sI")  # magic, version, signer key id, payload length
MAX_NOTICE_BYTES = 1024 * 1024
MAX_TOML_BYTES = 256 * 1024

#: Reason codes of a refused notice with their meaning (sync.reasons.PARAMS_MESSAGES; docs/params.md repeats them).
_MEANINGS: dict[str, tuple[str, str]] = {str(k): v for k, v in PARAMS_MESSAGES.items()}
REASONS: dict[str, str] = {k: zh for k, (zh, _en) in _MEANINGS.items()}


class ParamsRefused(HuzhuError):
    """A parameter notice (or its TOML source) is refused; nothing was written."""

    exit_code = 3

    def __init__(self, reason: str, detail_zh: str = "", detail_en: str = "") -> None:
        meaning_zh, meaning_en = _MEANINGS.get(reason, (reason, reason))
        zh = f"参数通知被拒绝（{reason}）：{meaning_zh}" + (f"：{detail_zh}" if detail_zh else "")
        en = f"parameter notice refused ({reason}): {meaning_en}" + (f": {detail_en}" if detail_en else "")
        super().__init__(zh, en, code=reason)
        self.reason = reason


def key_id(ed25519_public: bytes) -> bytes:
    """The signer's key id in the header: a hint for the message, never trusted on its own."""
    return hashlib.sha256(ed25519_public).digest()[:KEY_ID_BYTES]


# --- the office side -------------------------------------------------------------------------------


def read_toml(data: bytes) -> ParamNotice:
    """Parse and check the office's TOML source; raises ParamsRefused("params.invalid")."""
    if len(data) > MAX_TOML_BYTES:
        raise ParamsRefused("params.invalid", f"TOML 文件超过 {MAX_TOML_BYTES // 1024} KiB", "TOML file too large")
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ParamsRefused("params.invalid", f"TOML 格式错误：{exc}", f"not valid UTF-8 TOML: {exc}") from None
    return _parse(raw)


def _term_limit(effective_from: object) -> int | None:
    """R1.6's limit for a notice's plans: the strictest in force on any date the notice may
    govern (from its date on, until a later notice), None if 002 never applies in that span."""
    if not isinstance(effective_from, (dt.date, str)):
        return None
    try:
        day = effective_from if isinstance(effective_from, dt.date) else dt.date.fromisoformat(effective_from)
    except ValueError:
        return None
    sets = packaged_rulesets().sets
    spans = [rs for i, rs in enumerate(sets) if i + 1 == len(sets) or sets[i + 1].effective_from > day]
    limits = [rs["term_max_years"] for rs in spans if rs.has("term_max_years")]
    return min(limits) if limits else None


def _parse(raw: object) -> ParamNotice:
    limit = _term_limit(raw.get("effective_from") if isinstance(raw, dict) else None)
    try:
        return parse_notice(raw, limit)
    except RuleSetError as exc:
        raise ParamsRefused(
            "params.invalid", str(exc), "the notice's data is invalid (see the Chinese message)"
        ) from None


def payload_bytes(notice: ParamNotice, issued_at: str, office: str) -> bytes:
    """The signed JSON body: UTF-8, sorted keys, no spaces, so it is the same bytes every time."""
    body = {
        "format": PAYLOAD_FORMAT,
        "version": VERSION,
        "issued_at": issued_at,
        "office": office,
        "notice": notice_to_data(notice),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(payload: bytes, signing_private: bytes, *, magic: bytes = MAGIC, domain: bytes = SIGNING_DOMAIN) -> bytes:
    """Header + payload + Ed25519 signature over the domain tag, header and payload.

    ``magic`` and ``domain`` tell one kind of office notice from another (the working-day
    calendar's, sync/calendar.py), so a signature made for one kind never verifies as another."""
    private = Ed25519PrivateKey.from_private_bytes(signing_private)
    public = signing_public_key(signing_private)
    head = _HEADER.pack(magic, VERSION, key_id(public), len(payload)) + payload
    return head + private.sign(domain + head)


@dataclass(frozen=True)
class Issued:
    reference: str
    effective_from: str
    plans: int
    sha256: str
    fingerprint: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def issue(toml_data: bytes) -> tuple[bytes, Issued]:
    """Check and sign a notice at the office (one transaction, audited). Returns the file bytes."""
    from models import audit, clock
    from models.db import writing
    from sync.keystore import local_keys, office_name, require_office

    require_office()
    notice = read_toml(toml_data)
    keys = local_keys()
    data = seal(payload_bytes(notice, clock.stamp(), office_name()), keys.signing.private)
    issued = Issued(
        notice.reference,
        notice.effective_from.isoformat(),
        len(notice.plans),
        hashlib.sha256(data).hexdigest(),
        keys.fingerprint,
        len(data),
    )
    with writing():
        audit.record("office.params_issue", "param_notice", notice.reference, issued.to_json())
    return data, issued


# --- the branch side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    notice: ParamNotice
    issued_at: str
    office: str
    sha256: str


def verify(data: bytes, office_ed25519_public: bytes | None) -> Verified:
    """Check a notice file: shape, signer, signature over the exact bytes, then its content.

    Nothing of the payload is read before the signature verifies with the pinned office key.
    Raises ParamsRefused with the first reason found.
    """
    try:
        body = strict_loads(open_signed(data, office_ed25519_public))
    except CanonicalJSONError as exc:
        raise ParamsRefused("params.malformed", f"内容不是合法 JSON：{exc.reason}", str(exc)) from None
    if (
        not isinstance(body, dict)
        or body.keys() != {"format", "version", "issued_at", "office", "notice"}
        or body["format"] != PAYLOAD_FORMAT
        or body["version"] != VERSION
        or not isinstance(body["issued_at"], str)
        or not isinstance(body["office"], str)
    ):
        raise ParamsRefused("params.malformed", "签名内容的字段不符", "payload fields differ from the format")
    return Verified(_parse(body["notice"]), body["issued_at"], body["office"], hashlib.sha256(data).hexdigest())


def open_signed(
    data: bytes,
    office_ed25519_public: bytes | None,
    *,
    magic: bytes = MAGIC,
    domain: bytes = SIGNING_DOMAIN,
    prefix: str = "params",
    refused: Callable[..., HuzhuError] = ParamsRefused,
) -> bytes:
    """The payload bytes of a signed office notice, once shape, signer and signature check out
    (the first failure raises ``refused(f"{prefix}.<reason>", zh, en)``). Shared by parameter
    notices and calendar notices (sync/calendar.py), which differ by ``magic`` and ``domain``."""
    if not isinstance(data, bytes) or len(data) > MAX_NOTICE_BYTES:
        raise refused(f"{prefix}.too_large")
    if len(data) < len(magic) or data[: len(magic)] != magic:
        raise refused(f"{prefix}.wrong_kind")
    if len(data) < _HEADER.size + SIGNATURE_BYTES:
        raise refused(f"{prefix}.malformed", "文件过短", "file truncated")
    _, version, signer, length = _HEADER.unpack_from(data)
    if version != VERSION:
        raise refused(f"{prefix}.unsupported_version", f"版本 {version}", f"version {version}")
    if _HEADER.size + length + SIGNATURE_BYTES != len(data):
        raise refused(f"{prefix}.malformed", "长度与内容不符", "declared length does not match the file")
    if office_ed25519_public is None:
        raise refused(
            f"{prefix}.office_not_trusted",
            "请先运行 huzhu keys trust-office 文件（并电话核对指纹）",
            "pin the office's keys first: huzhu keys trust-office FILE",
        )
    if not hmac.compare_digest(signer, key_id(office_ed25519_public)):
        raise refused(
            f"{prefix}.unknown_key",
            "签发者不是本代办处已安装的办事处密钥",
            "signed by a key other than the pinned office key",
        )
    signed, signature = data[:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    try:
        Ed25519PublicKey.from_public_bytes(office_ed25519_public).verify(signature, domain + signed)
    except InvalidSignature:
        raise refused(f"{prefix}.bad_signature") from None
    return signed[_HEADER.size :]


def payload_of(data: bytes) -> bytes:
    """The payload of a notice stored after it was verified at install."""
    _, _, _, length = _HEADER.unpack_from(data)
    return data[_HEADER.size : _HEADER.size + length]


def notice_from_signed(data: bytes) -> ParamNotice:
    """Read back a notice stored after it was verified at install (no key needed: the stored
    bytes are the verified ones, inside the encrypted, audited database)."""
    _, _, _, length = _HEADER.unpack_from(data)
    return _parse(json.loads(data[_HEADER.size : _HEADER.size + length].decode("utf-8"))["notice"])


@dataclass
class InstallResult:
    outcome: str  # installed | unchanged | dry_run
    reference: str
    title: str
    effective_from: str
    fingerprint: str
    issued_at: str
    diff: list[tuple[str, str, str, str]]
    replaces: str
    compared_on: str = ""
    records_after: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reference": self.reference,
            "title": self.title,
            "effective_from": self.effective_from,
            "office_fingerprint": self.fingerprint,
            "issued_at": self.issued_at,
            "replaces": self.replaces,
            "compared_on": self.compared_on,
            "records_filed_since": self.records_after,
            "changes": [dict(zip(("plan", "item", "before", "after"), row, strict=True)) for row in self.diff],
        }


def check_install(data: bytes) -> tuple[Verified, InstallResult]:
    """Verify a notice against this branch's pinned office key and what is installed; nothing written."""
    from models import clock
    from models.db import database
    from models.plans import rulesets_in_force
    from rules.params import notice_diff
    from sync.keystore import require_branch, trusted_office

    require_branch()
    office = trusted_office()
    verified = verify(data, office.ed25519_public if office else None)
    assert office is not None  # verify refuses every notice while no office key is pinned
    notice = verified.notice
    same = database.execute_sql("SELECT sha256 FROM param_notice WHERE reference = ?", (notice.reference,)).fetchone()
    if same is not None and same[0] != verified.sha256:
        raise ParamsRefused(
            "params.reference_reused",
            f"文号 {notice.reference} 已安装，内容不同",
            f"reference {notice.reference} is installed with other content",
        )
    latest = database.execute_sql(
        "SELECT reference, effective_from FROM param_notice ORDER BY effective_from DESC LIMIT 1"
    ).fetchone()
    outcome = "unchanged" if same is not None else "dry_run"
    if same is None and latest is not None and dt.date.fromisoformat(str(latest[1])) >= notice.effective_from:
        raise ParamsRefused(
            "params.not_after_installed",
            f"本通知 {notice.effective_from} 起，已安装的 {latest[0]} 自 {latest[1]} 起",
            f"effective {notice.effective_from}; {latest[0]} already in force from {latest[1]}",
        )
    # "The parameters in force": today's for a notice already in effect (it replaces them, and
    # whatever applied before, from its date), else those on its effective date.
    compared_on = max(notice.effective_from, clock.today())
    try:
        current: RuleSet | None = rulesets_in_force().on(compared_on)
    except LookupError:
        current = None
    records = database.execute_sql(
        "SELECT count(*) FROM coverage WHERE filed >= ?", (notice.effective_from.isoformat(),)
    ).fetchone()[0]
    result = InstallResult(
        outcome,
        notice.reference,
        notice.title,
        notice.effective_from.isoformat(),
        office.fingerprint,
        verified.issued_at,
        notice_diff(current, notice) if same is None else [],
        current.version if current else "",
        compared_on.isoformat(),
        records,
    )
    return verified, result


def install(data: bytes, verified: Verified, result: InstallResult) -> InstallResult:
    """Store a verified notice and its plans (one transaction, audited)."""
    from models import audit, clock
    from models.db import current as session
    from models.db import writing
    from models.plans import forget_installed, upsert_plans
    from models.schema import ParamNotice as Row

    if result.outcome == "unchanged":
        return result
    notice = verified.notice
    with writing():
        row = Row.create(
            reference=notice.reference,
            title=notice.title,
            effective_from=notice.effective_from,
            signed_file=data,
            sha256=verified.sha256,
            office_fingerprint=result.fingerprint,
            installed_by=session().user,
            installed_at=clock.stamp(),
        )
        upsert_plans(notice.plans.values())
        audit.record(
            "params.install",
            "param_notice",
            row.id,
            {
                "reference": notice.reference,
                "effective_from": notice.effective_from,
                "sha256": verified.sha256,
                "office_fingerprint": result.fingerprint,
                "plans": sorted(notice.plans),
                "changes": len(result.diff),
            },
        )
    forget_installed()
    result.outcome = "installed"
    return result


def installed_sources(rows: Iterable[Sequence[Any]]) -> list[tuple[ParamNotice, NoticeSource]]:
    """(notice, provenance) of stored rows (reference, title, effective_from, signed_file,
    office_fingerprint, installed_by, installed_at)."""
    out = []
    # The date shown is the signed notice's own; the stored column only serves queries.
    for reference, title, _effective, signed, fingerprint, by, at in rows:
        notice = notice_from_signed(bytes(signed))
        out.append((notice, NoticeSource(reference, title, notice.effective_from, fingerprint, by, at)))
    return out
