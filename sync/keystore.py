"""This database's own key pairs and the other side's pinned keys (database side of sync).

A branch and the office each hold an Ed25519 key (signing what they send) and an X25519
key (opening what is sealed to them), generated at ``create_database`` and stored inside
the encrypted file. The other side's public keys are pinned once, after the fingerprint
was read over the phone, and every bundle is checked against the pinned bytes, never
against a key id or a key the file brings along.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models import audit, clock
from models.db import database
from sync.errors import TrustError, WrongDatabaseKind

if TYPE_CHECKING:
    from models.schema import TrustedKey
from sync.keys import (
    BranchRegistration,
    KeyPair,
    OfficeKeys,
    fingerprint,
    generate_exchange_keypair,
    generate_signing_keypair,
)

SIGNING = "signing"
EXCHANGE = "exchange"
ROLE_OFFICE = "office"
ROLE_BRANCH = "branch"


# --- which end is this database ----------------------------------------------------------


def db_kind() -> str:
    """``office`` or ``branch`` (a database without the ``kind`` row predates sync: a branch)."""
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'kind'").fetchone()
    return row[0] if row and row[0] in ("office", "branch") else "branch"


def require_office() -> None:
    if db_kind() != "office":
        raise WrongDatabaseKind(
            "这是代办处数据库，不能执行办事处命令（huzhu office …）；请用 --db 指定办事处数据库",
            "this is a branch database; office commands (huzhu office …) need the office database",
        )


def require_branch() -> None:
    if db_kind() != "branch":
        raise WrongDatabaseKind(
            "这是办事处数据库，不能执行代办处命令；请用 --db 指定代办处数据库",
            "this is the office database; this command runs on a branch database",
        )


def branch_identity() -> tuple[str, str]:
    row = database.execute_sql("SELECT code, name FROM branch ORDER BY id LIMIT 1").fetchone()
    if row is None:
        raise WrongDatabaseKind("数据库中没有代办处信息", "the database holds no branch record")
    return row[0], row[1]


def office_name() -> str:
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'office_name'").fetchone()
    return row[0] if row else "办事处"


# --- own keys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalKeys:
    signing: KeyPair
    exchange: KeyPair

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing.public, self.exchange.public)


def generate_local_keys() -> LocalKeys:
    """Create both key pairs; must run inside the caller's transaction. Refuses to replace keys."""
    from models.schema import LocalKey

    if not database.in_transaction():
        raise RuntimeError("generate_local_keys must run inside a transaction")
    if LocalKey.select().exists():
        raise TrustError("本数据库已有密钥，不会重新生成", "this database already has its keys")
    now = clock.stamp()
    signing, exchange = generate_signing_keypair(), generate_exchange_keypair()
    for purpose, pair in ((SIGNING, signing), (EXCHANGE, exchange)):
        LocalKey.create(
            purpose=purpose, private_raw=_stored_private(purpose, pair.private), public_raw=pair.public, created_at=now
        )
    keys = LocalKeys(signing, exchange)
    audit.record("keys.generate", "local_key", None, {"fingerprint": keys.fingerprint})
    return keys


def load_local_keys() -> LocalKeys | None:
    from models.schema import LocalKey

    rows = {k.purpose: k for k in LocalKey.select()}
    if SIGNING not in rows or EXCHANGE not in rows:
        return None
    return LocalKeys(
        KeyPair(_read_private(SIGNING, bytes(rows[SIGNING].private_raw)), bytes(rows[SIGNING].public_raw)),
        KeyPair(_read_private(EXCHANGE, bytes(rows[EXCHANGE].private_raw)), bytes(rows[EXCHANGE].public_raw)),
    )


#: A private key as a PostgreSQL office database stores it: sealed, never raw (``models.pgdb``).
_SEALED_PREFIX = b"hzv1"


def _vault_aad(purpose: str) -> bytes:
    from models.db import current

    return f"huzhu-local-key|{current().keyfile.db_id}|{purpose}".encode()


def _stored_private(purpose: str, private: bytes) -> bytes:
    """On an encrypted file the row is inside the encryption; on a server everyone with a login
    could read it, so it is sealed (AES-256-GCM) under the vault key the users' slots open."""
    from models import crypto
    from models.db import current, is_pg

    if not is_pg():
        return private
    nonce, ct = crypto.aead_encrypt(bytes(current().key), private, _vault_aad(purpose))
    return _SEALED_PREFIX + nonce + ct


def _read_private(purpose: str, stored: bytes) -> bytes:
    from models import crypto
    from models.db import current, is_pg

    if not is_pg():
        return stored
    if not stored.startswith(_SEALED_PREFIX):
        raise TrustError(
            "服务器数据库中的私钥未加密封存，拒绝使用", "a private key on the server is not sealed: refused"
        )
    body = stored[len(_SEALED_PREFIX) :]
    try:
        return crypto.aead_decrypt(
            bytes(current().key), body[: crypto.NONCE_BYTES], body[crypto.NONCE_BYTES :], _vault_aad(purpose)
        )
    except crypto.DecryptionFailed:
        raise TrustError(
            "无法用本用户密钥槽中的密钥解开办事处私钥（密钥槽与数据库不配套或被改动）",
            "the office's private keys do not open with the key from this user's slot (slots altered?)",
        ) from None


def local_keys() -> LocalKeys:
    keys = load_local_keys()
    if keys is None:
        raise TrustError(
            "本数据库还没有签名密钥（由旧版程序创建）：请先运行 huzhu keys show 生成",
            "this database has no keys yet (created by an older version): run huzhu keys show to create them",
        )
    return keys


def ensure_local_keys() -> tuple[LocalKeys, bool]:
    """Own keys, creating them (one transaction, audited) in a database made before sync existed."""
    from models.db import writing

    keys = load_local_keys()
    if keys is not None:
        return keys, False
    with writing():
        return generate_local_keys(), True


def own_registration() -> BranchRegistration:
    code, name = branch_identity()
    keys = local_keys()
    return BranchRegistration(code, name[:64], keys.signing.public, keys.exchange.public)


def own_office_keys() -> OfficeKeys:
    keys = local_keys()
    return OfficeKeys(keys.signing.public, keys.exchange.public)


# --- pinned keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinned:
    branch_code: str | None
    name: str
    ed25519_public: bytes
    x25519_public: bytes
    fingerprint: str
    enrolled_at: str


def _pinned(row: TrustedKey) -> Pinned:
    return Pinned(
        row.branch_code, row.name, bytes(row.ed25519_public), bytes(row.x25519_public), row.fingerprint, row.enrolled_at
    )


def trusted_office() -> Pinned | None:
    from models.schema import TrustedKey

    row = TrustedKey.get_or_none(TrustedKey.role == ROLE_OFFICE)
    return _pinned(row) if row else None


def require_trusted_office() -> Pinned:
    office = trusted_office()
    if office is None:
        raise TrustError(
            "尚未安装办事处公钥：请先运行 huzhu keys trust-office 文件（并电话核对指纹）",
            "the office's public keys are not installed: run huzhu keys trust-office FILE first",
        )
    return office


def enrolled_branches() -> dict[str, Pinned]:
    from models.schema import TrustedKey

    return {
        r.branch_code: _pinned(r)
        for r in TrustedKey.select().where(TrustedKey.role == ROLE_BRANCH).order_by(TrustedKey.branch_code)
        if r.branch_code is not None  # a branch's row always has its code (only the office's has none)
    }


def _same_keys(pinned: Pinned, ed: bytes, x: bytes) -> bool:
    return hmac.compare_digest(pinned.ed25519_public, ed) and hmac.compare_digest(pinned.x25519_public, x)


def _norm_fingerprint(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isalnum()).upper()


def require_replacement_allowed(new_fingerprint: str, reason: str | None, typed_fingerprint: str | None) -> str:
    """Replacing a pinned key decides whom every later bundle trusts (seen: a clerk re-pinned
    the office key; an office clerk re-pinned a branch to an impostor). Only a supervisor,
    with a written reason, after typing the new fingerprint read out over the phone."""
    from models.db import current

    current().require_role("supervisor")
    reason = (reason or "").strip()
    if not reason:
        raise TrustError(
            "更换已登记的公钥须写明原因（--reason），原因会记入审计日志",
            "replacing a pinned key needs a reason (--reason); it goes into the audit log",
            exit_code=2,
            code="usage",
        )
    if _norm_fingerprint(typed_fingerprint) != _norm_fingerprint(new_fingerprint):
        raise TrustError(
            "更换已登记的公钥须输入电话核对过的新指纹（--fingerprint），且须与文件中的一致；未做任何改动",
            "replacing a pinned key needs the new fingerprint typed in (--fingerprint), as read out "
            "by phone, and it must match the file; nothing changed",
            exit_code=2,
            code="usage",
        )
    return reason


def _require_key_pinner(what_zh: str, what_en: str) -> None:
    from models.db import ROLE_NAMES, current
    from models.errors import PermissionDenied

    session = current()
    if session.role != "supervisor":
        raise PermissionDenied(
            f"{what_zh}须由负责人操作；当前用户 {session.user} 的角色是 {ROLE_NAMES.get(session.role, session.role)}，"
            "未做任何改动",
            f"{what_en} needs a supervisor; user {session.user} is {session.role}; nothing changed",
        )


def require_office_key_installer() -> None:
    """Pinning the office's key decides whose answers, notices and parameter files the branch
    trusts from then on, the first time as much as a replacement: a supervisor's act, in the CLI
    as on the 同步 screen (seen: a clerk could make the first install from the CLI)."""
    _require_key_pinner("安装办事处公钥", "installing the office's public keys")


def require_branch_enroller() -> None:
    """Enrolling a branch's keys decides whose bundles the office imports under that branch's
    code from then on, the first enrolment as much as a re-pinning: a supervisor's act (seen: an
    office clerk could make a branch's first enrolment)."""
    _require_key_pinner("登记代办处公钥", "enrolling a branch's public keys")


def fingerprint_matches(expected: str, typed: str) -> bool:
    """A fingerprint as read out by phone: case, spaces and dashes do not matter."""
    return hmac.compare_digest(_norm_fingerprint(typed), _norm_fingerprint(expected))


def trust_office(
    keys: OfficeKeys, *, replace: bool = False, reason: str | None = None, fingerprint: str | None = None
) -> str:
    """Pin the office's keys at a branch: ``pinned``, ``unchanged`` or ``replaced``. Only a
    supervisor; the caller has shown the fingerprint and had it confirmed (or typed in)."""
    from models.db import current, writing
    from models.schema import TrustedKey

    require_branch()
    require_office_key_installer()
    old = trusted_office()
    if old is not None and _same_keys(old, keys.ed25519_public, keys.x25519_public):
        return "unchanged"
    if old is not None and not replace:
        raise TrustError(
            f"已安装的办事处公钥（指纹 {old.fingerprint}）与此文件（{keys.fingerprint}）不同；"
            "确认办事处更换了密钥后，由负责人加 --replace --reason 原因 --fingerprint 新指纹",
            "a different office key is already pinned; after confirming the office changed its keys, a supervisor "
            "adds --replace --reason TEXT --fingerprint NEW",
        )
    if old is not None:
        reason = require_replacement_allowed(keys.fingerprint, reason, fingerprint)
    with writing():
        TrustedKey.delete().where(TrustedKey.role == ROLE_OFFICE).execute()
        TrustedKey.create(
            role=ROLE_OFFICE,
            branch_code=None,
            name="办事处",
            ed25519_public=keys.ed25519_public,
            x25519_public=keys.x25519_public,
            fingerprint=keys.fingerprint,
            enrolled_at=clock.stamp(),
            enrolled_by=current().user,
        )
        audit.record(
            "keys.trust_office",
            "trusted_key",
            "office",
            {
                "fingerprint": keys.fingerprint,
                "replaced": old.fingerprint if old else None,
                **({"reason": reason} if old else {}),
            },
        )
    return "replaced" if old else "pinned"


def enroll_branch(
    registration: BranchRegistration,
    *,
    replace: bool = False,
    reason: str | None = None,
    fingerprint: str | None = None,
) -> str:
    """Pin a branch's keys at the office: ``pinned``, ``unchanged`` or ``replaced``. Only a
    supervisor; the caller has shown the fingerprint and had it confirmed (or typed in). A
    replacement also queues a notice to the branch, so the office's next answer tells it."""
    from models.db import current, writing
    from models.schema import TrustedKey

    require_office()
    require_branch_enroller()
    old = enrolled_branches().get(registration.branch_code)
    if old is not None and _same_keys(old, registration.ed25519_public, registration.x25519_public):
        return "unchanged"
    if old is not None and not replace:
        raise TrustError(
            f"代办处 {registration.branch_code} 已登记了另一组公钥（指纹 {old.fingerprint}），此文件为 "
            f"{registration.fingerprint}；电话确认该代办处更换了密钥后，由负责人加 --replace --reason 原因 --fingerprint 新指纹",
            f"branch {registration.branch_code} is enrolled with different keys; after confirming by phone, a supervisor "
            "adds --replace --reason TEXT --fingerprint NEW",
        )
    if old is not None:
        reason = require_replacement_allowed(registration.fingerprint, reason, fingerprint)
    for other in enrolled_branches().values():
        if other.branch_code != registration.branch_code and (
            hmac.compare_digest(other.ed25519_public, registration.ed25519_public)
            or hmac.compare_digest(other.x25519_public, registration.x25519_public)
        ):
            raise TrustError(
                f"此公钥已登记给代办处 {other.branch_code}，不能再登记给 {registration.branch_code}",
                f"these keys are already enrolled for branch {other.branch_code}",
            )
    with writing():
        TrustedKey.delete().where(
            (TrustedKey.role == ROLE_BRANCH) & (TrustedKey.branch_code == registration.branch_code)
        ).execute()
        TrustedKey.create(
            role=ROLE_BRANCH,
            branch_code=registration.branch_code,
            name=registration.branch_name,
            ed25519_public=registration.ed25519_public,
            x25519_public=registration.x25519_public,
            fingerprint=registration.fingerprint,
            enrolled_at=clock.stamp(),
            enrolled_by=current().user,
        )
        audit.record(
            "office.enroll",
            "trusted_key",
            registration.branch_code,
            {
                "branch_name": registration.branch_name,
                "fingerprint": registration.fingerprint,
                "replaced": old.fingerprint if old else None,
                **({"reason": reason} if old else {}),
            },
        )
        if old is not None:
            from sync.answer import queue_notice

            queue_notice(
                registration.branch_code,
                clock.today().strftime("%Y-%m"),
                "other",
                f"办事处已更换贵代办处登记的公钥：旧指纹 {old.fingerprint}，新指纹 {registration.fingerprint}，"
                f"原因：{reason}。如非贵代办处申请，请立即电话联系办事处。",
                ref="key-change",
            )
    return "replaced" if old else "pinned"
