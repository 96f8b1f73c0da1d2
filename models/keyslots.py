"""Key slots: how each user's passphrase (and the recovery code) reaches the database key.

The database key is 32 random bytes given to SQLCipher as a raw key. It is never
derived from a passphrase. The slot file (``FILE.keys``, JSON, beside the database)
holds one slot per user:

* an X25519 key pair; the private half is encrypted with AES-256-GCM under a key derived
  from the user's passphrase with Argon2id (parameters stored in the slot);
* the database key sealed to the slot's public half (ephemeral X25519 + HKDF + AES-GCM).

The indirection lets ``rekey`` re-seal a new database key to every remaining user without
knowing their passphrases, and lets a passphrase change rewrite only that user's slot.
Nothing in the file reveals the key or a passphrase. Associated data binds each ciphertext
to the database id, the user name and the slot kind, so slots cannot be swapped between
users or files. Roles are kept inside the encrypted database; the role shown here is only
a label.

Each slot also holds the user's Ed25519 signing key (``sign``): the public half in clear,
the private half encrypted under the same passphrase-derived key (its own associated data).
Every audit event the user causes is signed with it (``models.audit``); which public key
belongs to which user, and with which role, is decided by signed grant events inside the
database (``models.grants``), never by this file. Slots written before signing existed have
no ``sign`` entry; one is added at the user's next unlock.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from models import crypto
from models import secret as keymem
from models.errors import KeySlotsDamaged, KeySlotsMissing
from models.fsutil import atomic_write_bytes

FORMAT = "huzhu-keyslots"
VERSION = 1
RECOVERY_USER = "recovery"
# Crockford base32 without I, L, O, U: unambiguous when read aloud or copied from paper.
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _on_server(db_path: object) -> bool:
    """A PostgreSQL office database keeps its slots in its own ``huzhu_meta`` (``models.pgdb``)."""
    return isinstance(db_path, str) and db_path.startswith(("postgresql://", "postgres://"))


def keys_path(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + ".keys")


def pending_keys_path(db_path: str | os.PathLike) -> Path:
    """Slots re-sealed to a new key, written before ``PRAGMA rekey`` so a crash mid-rekey
    leaves exactly one key that opens the file and a slot file for it."""
    return Path(str(db_path) + ".keys.pending")


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(24))  # 120 bits
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def normalise_recovery_code(code: str) -> str:
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


@dataclass
class Slot:
    user: str
    role: str
    kind: str  # "user" | "recovery"
    created: str
    kdf: crypto.KdfParams
    salt: bytes
    public: bytes
    private_nonce: bytes
    private_ct: bytes
    sealed_key: crypto.Sealed
    sign_public: bytes | None = None
    sign_nonce: bytes | None = None
    sign_ct: bytes | None = None

    @property
    def slot_id(self) -> str:
        """Names this slot generation: a new passphrase makes a new X25519 pair, so a new id."""
        return self.public.hex()[:32]

    def to_json(self) -> dict:
        extra = {}
        if self.sign_public is not None:
            extra["sign"] = {
                "public": crypto.b64e(self.sign_public),
                "nonce": crypto.b64e(self.sign_nonce),
                "ct": crypto.b64e(self.sign_ct),
            }
        return extra | {
            "user": self.user,
            "role": self.role,
            "kind": self.kind,
            "created": self.created,
            "kdf": self.kdf.to_json(),
            "salt": crypto.b64e(self.salt),
            "public": crypto.b64e(self.public),
            "private": {"nonce": crypto.b64e(self.private_nonce), "ct": crypto.b64e(self.private_ct)},
            "key": {
                "ephemeral": crypto.b64e(self.sealed_key.ephemeral_public),
                "nonce": crypto.b64e(self.sealed_key.nonce),
                "ct": crypto.b64e(self.sealed_key.ciphertext),
            },
        }

    @classmethod
    def from_json(cls, obj: dict) -> Slot:
        slot = cls._parse(obj)
        # Every field has the one length this code writes: an empty salt or a short nonce from
        # a tampered file must be "damaged slot file", not an exception inside Argon2 or AES-GCM.
        sizes = {
            "salt": (slot.salt, 16, 64),
            "public": (slot.public, 32, 32),
            "private.nonce": (slot.private_nonce, crypto.NONCE_BYTES, crypto.NONCE_BYTES),
            "private.ct": (slot.private_ct, 48, 1024),  # room for more sealed key material
            "key.ephemeral": (slot.sealed_key.ephemeral_public, 32, 32),
            "key.nonce": (slot.sealed_key.nonce, crypto.NONCE_BYTES, crypto.NONCE_BYTES),
            "key.ct": (slot.sealed_key.ciphertext, crypto.KEY_BYTES + 16, crypto.KEY_BYTES + 16),
        }
        if slot.sign_public is not None:
            sizes.update(
                {
                    "sign.public": (slot.sign_public, 32, 32),
                    "sign.nonce": (slot.sign_nonce, crypto.NONCE_BYTES, crypto.NONCE_BYTES),
                    "sign.ct": (slot.sign_ct, 48, 48),
                }
            )
        for name, (value, low, high) in sizes.items():
            if not low <= len(value) <= high:
                raise ValueError(f"slot field {name} has length {len(value)}")
        if slot.kind not in ("user", "recovery") or not slot.user:
            raise ValueError("slot kind or user")
        return slot

    @classmethod
    def _parse(cls, obj: dict) -> Slot:
        sign = obj.get("sign")
        return cls(
            user=str(obj["user"]),
            role=str(obj["role"]),
            kind=str(obj["kind"]),
            created=str(obj["created"]),
            kdf=crypto.KdfParams.from_json(obj["kdf"]),
            salt=crypto.b64d(obj["salt"]),
            public=crypto.b64d(obj["public"]),
            private_nonce=crypto.b64d(obj["private"]["nonce"]),
            private_ct=crypto.b64d(obj["private"]["ct"]),
            sealed_key=crypto.Sealed(
                crypto.b64d(obj["key"]["ephemeral"]),
                crypto.b64d(obj["key"]["nonce"]),
                crypto.b64d(obj["key"]["ct"]),
            ),
            sign_public=crypto.b64d(sign["public"]) if sign else None,
            sign_nonce=crypto.b64d(sign["nonce"]) if sign else None,
            sign_ct=crypto.b64d(sign["ct"]) if sign else None,
        )


@dataclass
class KeyFile:
    db_id: str
    key_epoch: int = 1
    slots: list[Slot] = field(default_factory=list)
    revoked: list[dict] = field(default_factory=list)
    hint: dict = field(default_factory=dict)  # e.g. {"demo": true}: shown on the unlock screen
    # True once FILE.hwm has been written beside this database: if the mark is then missing
    # (deleted together with -wal and -shm, losing the last commits silently), unlock says so.
    hwm: bool = False

    # --- lookups -----------------------------------------------------------------
    def slot(self, user: str) -> Slot | None:
        return next((s for s in self.slots if s.user == user), None)

    def user_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.kind == "user"]

    def was_revoked(self, user: str) -> dict | None:
        return next((r for r in reversed(self.revoked) if r.get("user") == user), None)

    # --- serialisation -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        obj = {
            "format": FORMAT,
            "version": VERSION,
            "db_id": self.db_id,
            "key_epoch": self.key_epoch,
            "hint": self.hint,
            "slots": [s.to_json() for s in self.slots],
            "revoked": self.revoked,
        }
        if self.hwm:
            obj["hwm"] = True
        return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, *, where: str = "") -> KeyFile:
        try:
            obj = json.loads(data.decode("utf-8"))
            if obj.get("format") != FORMAT:
                raise ValueError("format")
            if int(obj.get("version", 0)) > VERSION:
                raise ValueError("version")
            kf = cls(
                db_id=str(obj["db_id"]),
                key_epoch=int(obj.get("key_epoch", 1)),
                slots=[Slot.from_json(s) for s in obj["slots"]],
                revoked=list(obj.get("revoked", [])),
                hint=dict(obj.get("hint", {})),
                hwm=obj.get("hwm", False) is True,
            )
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise KeySlotsDamaged(
                f"密钥槽文件已损坏，无法读取：{where}",
                f"the key-slot file is damaged and cannot be read: {where}",
            ) from exc
        return kf

    @classmethod
    def load(cls, db_path: str | os.PathLike) -> KeyFile:
        if _on_server(db_path):
            from models import db as dbmod

            return dbmod.load_pg_keyfile(str(db_path))
        path = keys_path(db_path)
        if path.exists() and not path.is_file():  # a FIFO would block read_bytes for ever
            raise KeySlotsDamaged(f"密钥槽文件不是普通文件：{path}", f"the key-slot file is not a regular file: {path}")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeySlotsMissing(
                f"找不到密钥槽文件 {path}（它与数据库文件放在一起；请用 huzhu restore 从备份恢复）",
                f"key-slot file {path} is missing (it lives beside the database; restore it from a backup)",
            ) from None
        return cls.from_bytes(data, where=str(path))

    def save(self, db_path: str | os.PathLike, *, pending: bool = False) -> None:
        if _on_server(db_path):
            from models import db as dbmod

            if pending:
                raise ValueError("a PostgreSQL database has no pending slot file (rekey is for SQLCipher files)")
            dbmod.save_pg_keyfile(self)
            return
        atomic_write_bytes(pending_keys_path(db_path) if pending else keys_path(db_path), self.to_bytes())

    # --- slot operations ------------------------------------------------------------
    def _aad(self, user: str, kind: str, public: bytes) -> bytes:
        return f"huzhu-slot|{self.db_id}|{kind}|{user}|".encode() + public

    def _sign_aad(self, user: str, kind: str, sign_public: bytes) -> bytes:
        return f"huzhu-slot-sign|{self.db_id}|{kind}|{user}|".encode() + sign_public

    def _key_context(self, user: str, kind: str) -> bytes:
        return f"huzhu-dbkey|{self.db_id}|{self.key_epoch}|{kind}|{user}".encode()

    def make_slot(
        self,
        user: str,
        role: str,
        secret: str,
        db_key: bytes,
        *,
        kind: str = "user",
        created: str,
        kdf: crypto.KdfParams | None = None,
        signing_private: bytes | None = None,
    ) -> Slot:
        """A new slot; a new signing key pair unless ``signing_private`` (the user's own, kept
        across a passphrase change) is given."""
        kdf = kdf or crypto.KdfParams()
        salt = os.urandom(16)
        private, public = crypto.x25519_generate()
        kek = crypto.derive_passphrase_key(secret, salt, kdf)
        nonce, ct = crypto.aead_encrypt(kek, private, self._aad(user, kind, public))
        sealed = crypto.seal(public, db_key, self._key_context(user, kind))
        slot = Slot(user, role, kind, created, kdf, salt, public, nonce, ct, sealed)
        self._seal_signing(slot, kek, signing_private or crypto.ed25519_generate()[0])
        return slot

    def _seal_signing(self, slot: Slot, kek: bytes, signing_private: bytes) -> None:
        slot.sign_public = crypto.ed25519_public(signing_private)
        slot.sign_nonce, slot.sign_ct = crypto.aead_encrypt(
            kek, signing_private, self._sign_aad(slot.user, slot.kind, slot.sign_public)
        )

    def open_slot(self, slot: Slot, secret: str) -> tuple[bytes, bytes | None] | None:
        """(X25519 private, Ed25519 signing private or None for an old slot), or None when the
        passphrase is wrong. One Argon2id derivation opens both."""
        kek = crypto.derive_passphrase_key(secret, slot.salt, slot.kdf)
        try:
            private = crypto.aead_decrypt(
                kek, slot.private_nonce, slot.private_ct, self._aad(slot.user, slot.kind, slot.public)
            )
        except crypto.DecryptionFailed:
            return None
        signing = None
        if slot.sign_public is not None:
            try:
                signing = crypto.aead_decrypt(
                    kek, slot.sign_nonce, slot.sign_ct, self._sign_aad(slot.user, slot.kind, slot.sign_public)
                )
            except crypto.DecryptionFailed:
                raise KeySlotsDamaged(
                    f"用户 {slot.user} 的密钥槽中的签名密钥已损坏或被改动",
                    f"the signing key in the key slot of user {slot.user} is damaged or was altered",
                ) from None
            if len(signing) != 32 or crypto.ed25519_public(signing) != slot.sign_public:
                raise KeySlotsDamaged("密钥槽中的签名密钥无效", "the signing key in the key slot is invalid")
        return private, signing

    def add_signing(self, slot: Slot, secret: str) -> bytes:
        """Give a slot written before signing existed its signing key pair; returns the private half."""
        signing = crypto.ed25519_generate()[0]
        self._seal_signing(slot, crypto.derive_passphrase_key(secret, slot.salt, slot.kdf), signing)
        return signing

    def put(self, slot: Slot) -> None:
        self.slots = [s for s in self.slots if s.user != slot.user] + [slot]

    def remove(self, user: str, *, at: str, by: str) -> None:
        self.slots = [s for s in self.slots if s.user != user]
        self.revoked.append({"user": user, "at": at, "by": by})

    def unlock_private(self, slot: Slot, secret: str) -> bytes | None:
        """The slot's private key, or None when the passphrase is wrong."""
        opened = self.open_slot(slot, secret)
        return None if opened is None else opened[0]

    def open_db_key(self, slot: Slot, private: bytes) -> bytearray:
        try:
            opened = crypto.open_sealed(private, slot.sealed_key, self._key_context(slot.user, slot.kind))
            # One mutable copy; the immutable one the cipher returned is overwritten (models.secret).
            key = bytearray(opened)
            keymem.wipe(opened)
        except crypto.DecryptionFailed:
            raise KeySlotsDamaged(
                f"用户 {slot.user} 的密钥槽已损坏（口令正确，但数据库密钥无法解出）",
                f"the key slot of user {slot.user} is damaged (passphrase correct, database key unreadable)",
            ) from None
        if len(key) != crypto.KEY_BYTES:
            raise KeySlotsDamaged("密钥槽内容无效", "key slot content is invalid")
        return key

    def resealed(self, new_key: bytes) -> KeyFile:
        """A copy for the next key epoch, every slot's database key re-sealed to its own public key."""
        nxt = KeyFile(self.db_id, self.key_epoch + 1, [], list(self.revoked), dict(self.hint), self.hwm)
        for s in self.slots:
            sealed = crypto.seal(s.public, new_key, nxt._key_context(s.user, s.kind))
            nxt.slots.append(
                Slot(
                    s.user,
                    s.role,
                    s.kind,
                    s.created,
                    s.kdf,
                    s.salt,
                    s.public,
                    s.private_nonce,
                    s.private_ct,
                    sealed,
                    s.sign_public,
                    s.sign_nonce,
                    s.sign_ct,
                )
            )
        return nxt
