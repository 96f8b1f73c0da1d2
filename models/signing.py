"""Bringing signing keys and the grant root into being at unlock (issue 13, items 1–2).

A database created by this version has its root (``init``) from the start. An older one is
upgraded at the first unlock by a user who may write: every existing row is sealed and the
roles and key slots found are recorded in one signed ``audit.upgrade`` event, the root from
then on. A slot written before signing gets its signing key at its user's next unlock; that
key is registered once with a ``user.key`` event it signs itself.
"""

from __future__ import annotations

from models import audit, crypto, grants, rowseal
from models import db as dbmod
from models.db import Session, database


def settle_at_unlock(session: Session, secret: str, signing: bytes | None) -> None:
    slot = session.keyfile.slot(session.user)
    if slot is None:
        return
    if signing is None:
        try:
            signing = session.keyfile.add_signing(slot, secret)
            session.keyfile.save(session.path)
        except OSError:
            return  # a read-only folder: stays unsigned (and cannot write anyway)
    session.signer = crypto.Signer(signing)
    if not session.can_write:
        return
    start = grants.signed_from()
    if start is None:
        upgrade(session)
        return
    granted = grants.walk().grants.get(session.user)
    if granted is None:
        return
    if granted.sign is None:
        with dbmod.writing():
            audit.record("user.key", "app_user", session.user, grants.grant_detail(slot))
    elif granted.sign != session.signer.public:
        session.read_only = True
        session.warn(
            f"用户 {session.user} 的密钥槽中的签名密钥不是授权给此用户的那一个（密钥文件被改动）。已以只读方式打开，"
            "请负责人重设此用户的口令",
            f"the signing key in {session.user}'s key slot is not the one granted to this user (the key file was "
            "altered): opened read-only; a supervisor should reset this user's passphrase",
        )


def upgrade(session: Session) -> None:
    """The first signed event of an older database: its grant root and a seal of every row."""
    found = {}
    for name, role, active in database.execute_sql("SELECT name, role, active FROM app_user ORDER BY id"):
        slot = session.keyfile.slot(name)
        if active and slot is not None:
            found[name] = {"role": role, **grants.grant_detail(slot)}
    with dbmod.writing():
        legacy, _ = audit.head()
        dbmod.upsert_meta(grants.META_SIGNED_FROM, str(legacy + 1))
        rowseal.seal_everything()
        audit.record("audit.upgrade", "database", None, {"grants": found, "legacy_events": legacy})
