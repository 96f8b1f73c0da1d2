"""Who may do what, decided by signed events, not by ``app_user.role`` (issue 13, items 1–2).

The root of authority is the first signed event: ``init`` for a database created by this
version (it names the first supervisor's and the recovery slot's signing keys; the first
supervisor's key is also in the branch registration the office pins, ``huzhu keys export``),
or ``audit.upgrade`` for an older database (a snapshot of the roles and slots found at the
first unlock after the upgrade, signed by the user who unlocked). From there:

* ``user.add`` grants a role and binds a signing key and a key-slot generation to a name;
  it counts only when signed by a supervisor (or the recovery code);
* ``user.passwd`` moves a user to a new slot generation (and, when a supervisor resets
  another's passphrase, a new signing key): an older slot file put back no longer opens;
* ``user.revoke`` ends a grant; ``user.key`` lets a user of an upgraded database register
  the signing key made at their first unlock after the upgrade (only once, only for a
  name the upgrade snapshot holds without a key).

``walk`` replays these and, with ``verify_all``, checks every event's signature against the
key its user held at that point. ``huzhu check`` reports what it finds; unlock refuses a
slot without a valid grant and takes the role from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from models import audit, crypto
from models.db import database

GRANT_ACTIONS = ("init", "audit.upgrade", "user.add", "user.passwd", "user.revoke", "user.key")
GRANTORS = ("supervisor", "recovery")
META_SIGNED_FROM = "audit_signed_from"


@dataclass
class Grant:
    role: str
    sign: bytes | None
    slot: str | None
    seq: int


@dataclass
class Authority:
    signed_from: int | None
    grants: dict[str, Grant] = field(default_factory=dict)
    legacy: int = 0
    signed: int = 0
    problems: list[str] = field(default_factory=list)
    problems_en: list[str] = field(default_factory=list)
    root_sign: bytes | None = None
    root_ok: bool = False  # the root event's hash and signature hold: the grants mean something

    def problem(self, zh: str, en: str) -> None:
        self.problems.append(zh)
        self.problems_en.append(en)

    def role(self, user: str) -> str | None:
        g = self.grants.get(user)
        return g.role if g else None


def signed_from() -> int | None:
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = ?", (META_SIGNED_FROM,)).fetchone()
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def _db_id() -> str:
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'db_id'").fetchone()
    return row[0] if row else ""


def grant_detail(slot) -> dict:
    """What a grant event says about a key slot: its signing key and slot generation."""
    return {"sign": slot.sign_public.hex() if slot.sign_public is not None else None, "slot": slot.slot_id}


def _hex(value) -> bytes | None:
    try:
        return bytes.fromhex(value) if isinstance(value, str) and len(value) == 64 else None
    except ValueError:
        return None


def walk(verify_all: bool = False) -> Authority:
    """Replay the grants (only grant events, unless ``verify_all``: then every event's signature)."""
    start = signed_from()
    auth = Authority(start)
    db_id = _db_id()
    if start is None:
        if verify_all:
            auth.legacy = database.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0]
            if database.execute_sql("SELECT count(*) FROM audit_event WHERE sig IS NOT NULL").fetchone()[0]:
                auth.problem(
                    "审计链中有签名事件，但数据库缺少签名起点标记（huzhu_meta 被改动）",
                    "the chain has signed events but the database lacks its signing start mark",
                )
        return auth
    where = "" if verify_all else f"WHERE seq >= ? AND action IN ({','.join('?' * len(GRANT_ACTIONS))})"
    params = () if verify_all else (start, *GRANT_ACTIONS)
    for seq, at, user, action, entity, eid, detail, prev_hash, digest, sig, rows in audit.events(where, params):
        if seq < start:
            auth.legacy += 1
            if sig is not None:
                auth.problem(
                    f"第 {seq} 条在签名起点之前却带有签名", f"event {seq} is signed but precedes the signing start"
                )
            continue
        # Bind the event's content to its hash here too (unlock reads only grant events).
        if audit._digest(prev_hash, seq, at, user, action, entity, eid, detail, rows) != digest:
            auth.problem(f"第 {seq} 条内容与其哈希不符", f"event {seq} does not match its hash")
            continue
        try:
            info = json.loads(detail)
        except ValueError:
            info = {}
        root = _root(auth, seq, user, action, info) if seq == start else None
        key = root[user].sign if root and user in root else auth.grants[user].sign if user in auth.grants else None
        if action in ("user.key", "user.passwd") and eid == user and user in auth.grants and key is None:
            key = _hex(info.get("sign"))  # the legacy user's first key signs its own registration
        if sig is None:
            auth.problem(
                f"第 {seq} 条（{action}，用户 {user}）没有签名", f"event {seq} ({action}, user {user}) is unsigned"
            )
            continue
        if key is None:
            auth.problem(
                f"第 {seq} 条（{action}）的用户 {user} 没有有效的签名授权",
                f"event {seq} ({action}): user {user} holds no valid signing grant",
            )
            continue
        try:
            sig_bytes = bytes.fromhex(sig)
        except ValueError:
            sig_bytes = b""
        if not crypto.ed25519_verify(key, sig_bytes, audit.signed_message(db_id, digest)):
            auth.problem(
                f"第 {seq} 条（{action}）的签名不是用户 {user} 的：该事件被伪造或改动",
                f"event {seq} ({action}) is not signed by user {user}: forged or altered",
            )
            continue
        auth.signed += 1
        if root is not None:
            auth.grants, auth.root_ok = root, True
            auth.root_sign = key
        elif action in GRANT_ACTIONS:
            _apply(auth, seq, user, action, eid, info)
    return auth


def _root(auth: Authority, seq: int, user: str, action: str, info: dict) -> dict[str, Grant] | None:
    """The grants the root event names (taken only once its signature holds)."""
    grants = info.get("grants")
    if action not in ("init", "audit.upgrade") or not isinstance(grants, dict):
        auth.problem(
            f"签名起点第 {seq} 条不是建库或升级事件", f"the signing start (event {seq}) is not an init or upgrade event"
        )
        return None
    return {
        name: Grant(g["role"], _hex(g.get("sign")), g.get("slot"), seq)
        for name, g in grants.items()
        if isinstance(g, dict) and isinstance(g.get("role"), str)
    }


def _apply(auth: Authority, seq: int, user: str, action: str, eid: str | None, info: dict) -> None:
    by = auth.role(user)
    target = eid or ""
    if action == "user.key":
        g = auth.grants.get(user)
        if g is not None and g.sign is None and target == user:
            g.sign, g.seq = _hex(info.get("sign")), seq
        return
    if action == "user.passwd" and target == user:
        g = auth.grants.get(user)
        if g is not None:
            g.sign = _hex(info.get("sign")) or g.sign
            g.slot, g.seq = info.get("slot", g.slot), seq
        return
    if by not in GRANTORS:
        auth.problem(
            f"第 {seq} 条（{action} {target}）由非负责人 {user} 签发，不予承认",
            f"event {seq} ({action} {target}) was issued by {user}, who is no supervisor: not honoured",
        )
        return
    if action == "user.add":
        role = info.get("role")
        if isinstance(role, str):
            auth.grants[target] = Grant(role, _hex(info.get("sign")), info.get("slot"), seq)
    elif action == "user.passwd":
        g = auth.grants.get(target)
        if g is not None:
            g.sign, g.slot, g.seq = _hex(info.get("sign")), info.get("slot"), seq
    elif action == "user.revoke":
        auth.grants.pop(target, None)


def check_users(auth: Authority, keyfile) -> list[str]:
    """``app_user`` rows and key slots that disagree with the grants (what raw edits leave behind)."""
    if auth.signed_from is None:
        return []
    out = []
    for name, role, active in database.execute_sql("SELECT name, role, active FROM app_user ORDER BY id"):
        granted = auth.role(name)
        if active and granted is None:
            out.append(f"app_user 中的用户 {name}（{role}）没有签名授权")
        elif active and granted != role:
            out.append(f"app_user 中用户 {name} 的角色为 {role}，但签名授权的角色是 {granted}（表被改动，不予承认）")
    for slot in keyfile.slots:
        g = auth.grants.get(slot.user)
        if g is None:
            out.append(f"密钥槽文件中的用户 {slot.user} 没有有效授权（未经负责人添加，或已撤销）")
        elif g.slot and g.slot != slot.slot_id:
            out.append(f"用户 {slot.user} 的密钥槽不是最近一次授权或改口令时的那一个（旧的或被替换的密钥槽文件）")
    return out
