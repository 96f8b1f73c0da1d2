"""Creating a database and managing who can open it: users, passphrases, rekey, backup, check."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from models import audit, clock, crypto, grants
from models import db as dbmod
from models import secret as keymem
from models.db import ROLES, Session, database
from models.errors import BackupError, UsageError
from models.keyslots import RECOVERY_USER, KeyFile, keys_path, new_recovery_code, pending_keys_path
from models.version import VERSION

_USER_RE = re.compile(r"^[\w.\-\u4e00-\u9fff]{1,32}$")


def validate_user_name(name: str) -> str:
    name = (name or "").strip()
    if not _USER_RE.match(name) or name == RECOVERY_USER:
        raise UsageError(
            f"用户名无效：“{name}”（1–32 个汉字、字母、数字、点、横线或下划线；“{RECOVERY_USER}”保留给恢复码）",
            f"invalid user name '{name}' (1-32 letters, digits, CJK, . - _; '{RECOVERY_USER}' is reserved)",
        )
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"角色无效：{role}（可选 {' / '.join(ROLES)}）", f"invalid role {role} ({'|'.join(ROLES)})")
    return role


def validate_branch(code: str, name: str) -> tuple[str, str]:
    if not re.fullmatch(r"\d{3}", code or ""):
        raise UsageError(
            f"代办处编码必须是三位数字（如 004），收到：{code}",
            f"branch code must be three digits (e.g. 004), got {code}",
        )
    if not (name or "").strip():
        raise UsageError("代办处名称不能为空", "branch name must not be empty")
    return code, name.strip()


@dataclass
class Created:
    path: Path
    recovery_code: str


def create_database(
    path: str | os.PathLike,
    *,
    branch_code: str = "",
    branch_name: str,
    user: str,
    passphrase: str,
    role: str = "supervisor",
    hint: dict | None = None,
    kdf: crypto.KdfParams | None = None,
    on_created=None,
    kind: str = "branch",
) -> Created:
    """Create an encrypted branch database (or, with ``kind="office"``, the office's: then
    ``branch_name`` is the office's name and ``branch_code`` is unused) and its slot file
    (first user + recovery code). Both kinds get their Ed25519/X25519 key pairs here.

    ``on_created(session)`` runs inside the first session (the demo fills data there)."""
    from models import migrate, plans
    from models.schema import AppUser, Branch, Meta
    from sync.keystore import generate_local_keys

    on_server = dbmod.is_url(path)
    if on_server and kind != "office":
        raise UsageError(
            "PostgreSQL 只用于办事处数据库（huzhu office init --db postgresql://…）；代办处数据库总是加密文件",
            "PostgreSQL is for the office database only; a branch's database is always an encrypted file",
        )
    path = path if on_server else Path(path)  # type: ignore[assignment]
    if kind not in ("branch", "office"):
        raise ValueError(f"kind must be branch or office, not {kind!r}")
    if kind == "branch":
        validate_branch(branch_code, branch_name)
    elif not (branch_name or "").strip():
        raise UsageError("办事处名称不能为空", "the office name must not be empty")
    branch_name = branch_name.strip()
    user = validate_user_name(user)
    validate_role(role)
    if not passphrase:
        raise dbmod.EmptyPassphrase("口令不能为空", "the passphrase must not be empty")
    for p in () if on_server else (path, keys_path(path), Path(f"{path}-wal")):
        if p.exists():
            raise UsageError(f"文件已存在，不会覆盖：{p}", f"file exists, will not overwrite: {p}")
    if not on_server and not path.parent.exists():
        raise UsageError(f"文件夹不存在：{path.parent}", f"folder does not exist: {path.parent}")

    key = bytearray(os.urandom(crypto.KEY_BYTES))
    db_id = dbmod.new_db_id()
    now = clock.stamp()
    keyfile = KeyFile(db_id=db_id, hint=dict(hint or {}))
    recovery = new_recovery_code()
    signing = crypto.ed25519_generate()[0]
    first = keyfile.make_slot(user, role, passphrase, key, created=now, kdf=kdf, signing_private=signing)
    rescue = keyfile.make_slot(RECOVERY_USER, "recovery", recovery, key, kind="recovery", created=now, kdf=kdf)
    keyfile.put(first)
    keyfile.put(rescue)
    # The grant root: the first supervisor's and the recovery slot's signing keys (models.grants).
    root = {
        user: {"role": role, **grants.grant_detail(first)},
        RECOVERY_USER: {"role": "recovery", **grants.grant_detail(rescue)},
    }

    def populate() -> None:
        dbmod._session = Session(path, user, role, key, keyfile, signer=crypto.Signer(signing))
        with database.atomic():
            Meta.insert_many(
                [
                    {"key": "db_id", "value": db_id},
                    {"key": "created", "value": now},
                    {"key": "created_by_version", "value": VERSION},
                    {"key": "kind", "value": kind},
                    {"key": grants.META_SIGNED_FROM, "value": "1"},
                ]
                + ([{"key": "office_name", "value": branch_name}] if kind == "office" else [])
            ).execute()
            if kind == "branch":
                Branch.create(code=branch_code, name=branch_name, created_on=clock.today())
            AppUser.create(name=user, role=role, created_at=now)
            AppUser.create(name=RECOVERY_USER, role="recovery", created_at=now)
            plans.sync_plans(clock.today())
            if kind == "branch":
                audit.record(
                    "init",
                    "branch",
                    branch_code,
                    {"branch_name": branch_name, "user": user, "role": role, "grants": root},
                )
            else:
                audit.record(
                    "init", "office", None, {"office_name": branch_name, "user": user, "role": role, "grants": root}
                )
            generate_local_keys()
            if on_server:
                keyfile.save(str(path))  # the slots live in the database itself (models.pgdb)

    if on_server:
        _create_on_server(str(path), populate)
        return Created(path, recovery)
    tmp = path.with_name(f".{path.name}.creating")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    dbmod.close()
    database.init(str(tmp), passphrase=keymem.KeyRef(key), pragmas=dbmod.PRAGMAS)
    try:
        database.connect()
        migrate.runner().up()
        populate()
        if on_created:
            on_created(dbmod._session)
    except BaseException:
        dbmod.close(checkpoint=False)
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        raise
    dbmod.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    keyfile.save(path)
    os.replace(tmp, path)
    return Created(path, recovery)


def _create_on_server(url: str, populate) -> None:
    """The office's database in an empty PostgreSQL database: schema, first rows and key slots in
    one transaction (PostgreSQL's DDL is transactional), so a failure leaves the database empty."""
    from models import migrate, pgdb

    dbmod.open_pg(url)
    try:
        if "huzhu_meta" in database.get_tables():
            raise UsageError(
                f"{pgdb.display(url)} 已经是 huzhu 数据库，不会覆盖", f"{pgdb.display(url)} is a huzhu database already"
            )
        with database.atomic():
            migrate.runner().up()
            populate()
    finally:
        dbmod.close()


# --- users ----------------------------------------------------------------------------------


def list_users(session: Session) -> list[dict]:
    from models.schema import AppUser

    slots = {s.user: s for s in session.keyfile.slots}
    auth = grants.walk()
    signed = auth.signed_from is not None
    out = []
    for u in AppUser.select().order_by(AppUser.id):
        slot = slots.pop(u.name, None)
        granted = auth.role(u.name) if signed else u.role
        out.append(
            {
                "user": u.name,
                # The role that counts is the granted one; an edited app_user.role shows as such.
                "role": granted or u.role,
                "role_zh": dbmod.ROLE_NAMES.get(granted or u.role, granted or u.role),
                "active": bool(u.active and slot is not None and granted is not None),
                "granted": granted is not None,
                "stored_role": u.role,
                "created_at": u.created_at,
                "revoked_at": u.revoked_at,
                "kdf": slot.kdf.to_json() if slot else None,
            }
        )
    # Key slots that no app_user row names (planted with the raw key): listed, never usable.
    for name, slot in slots.items():
        granted = auth.role(name) if signed else None
        out.append(
            {
                "user": name,
                "role": granted or slot.role,
                "role_zh": "无授权" if granted is None else dbmod.ROLE_NAMES.get(granted, granted),
                "active": False,
                "granted": granted is not None,
                "stored_role": None,
                "created_at": slot.created,
                "revoked_at": None,
                "kdf": slot.kdf.to_json(),
            }
        )
    return out


def add_user(session: Session, name: str, role: str, passphrase: str, *, kdf: crypto.KdfParams | None = None) -> None:
    from models.schema import AppUser

    session.require_role("supervisor", "recovery")
    session.require_write()
    name = validate_user_name(name)
    validate_role(role)
    if not passphrase:
        raise dbmod.EmptyPassphrase("新用户的口令不能为空", "the new user's passphrase must not be empty")
    if session.keyfile.slot(name):
        raise UsageError(f"用户 {name} 已存在", f"user {name} already exists")
    slot = session.keyfile.make_slot(name, role, passphrase, session.key, created=clock.stamp(), kdf=kdf)
    with dbmod.writing():
        existing = AppUser.get_or_none(AppUser.name == name)
        if existing:
            existing.role, existing.active, existing.revoked_at = role, True, None
            existing.save()
        else:
            AppUser.create(name=name, role=role, created_at=clock.stamp())
        audit.record("user.add", "app_user", name, {"role": role, **grants.grant_detail(slot)})
        session.keyfile.put(slot)
        session.keyfile.save(session.path)


def set_passphrase(session: Session, name: str, passphrase: str, *, kdf: crypto.KdfParams | None = None) -> None:
    """Rewrite one slot. Users change their own; a supervisor or the recovery code may reset another's."""
    if name != session.user:
        session.require_role("supervisor", "recovery")
    old = session.keyfile.slot(name)
    if old is None:
        raise UsageError(f"没有用户 {name}", f"no user {name}")
    if not passphrase:
        raise dbmod.EmptyPassphrase("口令不能为空", "the passphrase must not be empty")
    # Your own passphrase keeps your signing key; a reset by a supervisor gives a new one, which
    # that supervisor's signed event binds to the user (models.grants).
    own = session.signer.raw() if name == session.user and session.signer is not None else None
    slot = session.keyfile.make_slot(
        name, old.role, passphrase, session.key, kind=old.kind, created=clock.stamp(), kdf=kdf, signing_private=own
    )
    with database.atomic():  # not writing(): a read-only auditor may change their own passphrase
        audit.record("user.passwd", "app_user", name, {"by": session.user, **grants.grant_detail(slot)})
        session.keyfile.put(slot)
        session.keyfile.save(session.path)
    dbmod.committed(session)


def revoke_user(session: Session, name: str) -> None:
    from models.schema import AppUser

    session.require_role("supervisor", "recovery")
    session.require_write()
    if name == session.user:
        raise UsageError("不能撤销自己", "you cannot revoke yourself")
    if name == RECOVERY_USER:
        raise UsageError("恢复码槽不能撤销，可用 huzhu rekey 后重新生成", "the recovery slot cannot be revoked")
    if session.keyfile.slot(name) is None:
        raise UsageError(f"没有用户 {name}", f"no user {name}")
    remaining = [s for s in session.keyfile.user_slots() if s.user != name]
    if not any(_role(s.user) == "supervisor" for s in remaining):
        raise UsageError("不能撤销最后一位负责人", "cannot revoke the last supervisor")
    with dbmod.writing():
        AppUser.update(active=False, revoked_at=clock.stamp()).where(AppUser.name == name).execute()
        slot_id = session.keyfile.slot(name).slot_id
        audit.record("user.revoke", "app_user", name, {"slot": slot_id})
        at = clock.stamp()
        session.keyfile.remove(name, at=at, by=session.user)
        # Kept beside the slots, signed, so a restore of an older backup re-applies it (restore_guard).
        entry = session.keyfile.revoked[-1]
        entry["slot"] = slot_id
        if session.signer is not None:
            entry["sign"] = session.signer.public.hex()
            entry["sig"] = session.signer.sign(revocation_message(session.keyfile.db_id, entry)).hex()
        session.keyfile.save(session.path)


def _role(name: str) -> str | None:
    if grants.signed_from() is not None:
        return grants.walk().role(name)
    row = database.execute_sql("SELECT role FROM app_user WHERE name = ? AND active", (name,)).fetchone()
    return row[0] if row else None


def rekey(session: Session) -> None:
    """Re-encrypt the file under a new random key and re-seal every remaining slot to it.

    Order for crash safety: pending slot file (new key) first, then PRAGMA rekey, then the
    pending file replaces the old one. At unlock the pending file is tried first, so after a
    crash at any point exactly one consistent pair opens the database."""
    session.require_role("supervisor", "recovery")
    session.require_write()
    new_key = bytearray(os.urandom(crypto.KEY_BYTES))
    # A slot no signed grant stands behind (planted with the raw key) gets no share of the new key.
    dropped = []
    if grants.signed_from() is not None:
        auth = grants.walk()
        dropped = [s.user for s in session.keyfile.slots if s.user not in auth.grants]
    kept = KeyFile(
        session.keyfile.db_id,
        session.keyfile.key_epoch,
        [s for s in session.keyfile.slots if s.user not in dropped],
        list(session.keyfile.revoked),
        dict(session.keyfile.hint),
        session.keyfile.hwm,
    )
    nxt = kept.resealed(new_key)
    # SQLCipher cannot rekey a database in WAL mode, and leaving WAL needs every other
    # connection closed: busy_timeout waits for them; past it, refuse before anything is
    # written (seen: exit 70 with db.rekey already in the audit chain and the key unchanged).
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        mode = database.execute_sql("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite_errors() as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        mode = "wal"
    if str(mode).lower() != "delete":
        with contextlib.suppress(*sqlite_errors()):
            database.execute_sql("PRAGMA journal_mode = WAL")
        raise dbmod.DatabaseLocked(
            "数据库正被另一个程序打开（例如另一位经办人的界面或查询），无法换钥；请关闭其他程序后重试。未作任何更改",
            "busy: another program has the database open, so it cannot be re-keyed; close it and retry. Nothing changed",
        )
    try:
        nxt.save(session.path, pending=True)
        keymem.apply_key(database.connection(), new_key, "PRAGMA rekey = ")
        nxt.save(session.path)
        pending_keys_path(session.path).unlink(missing_ok=True)
    finally:
        database.execute_sql("PRAGMA journal_mode = WAL")
    keymem.wipe(session.key)
    database.connect_params["passphrase"] = keymem.KeyRef(new_key)
    session.key = new_key
    session.keyfile = nxt
    # Recorded once it has happened, under the new key.
    with dbmod.writing():
        audit.record(
            "db.rekey", "database", None, {"key_epoch": nxt.key_epoch, **({"dropped": dropped} if dropped else {})}
        )


def revocation_message(db_id: str, entry: dict) -> bytes:
    return (
        f"huzhu-revoke-v1|{db_id}|{entry.get('user')}|{entry.get('slot')}|{entry.get('at')}|{entry.get('by')}".encode()
    )


# --- restore: who may, and what it must not bring back ------------------------------------------


def restore_permission(target: Path, user: str, secret: str) -> KeyFile | None:
    """Only a supervisor (or the recovery code) of the database being replaced may restore over it.

    Returns the slot file being replaced (its revocations are re-applied after the restore), or
    None when there is none. A database that is missing or unreadable is not asked (restoring is
    the remedy); its slot file's revocations still count."""
    from models.errors import (
        DamagedDatabase,
        KeySlotsDamaged,
        KeySlotsMissing,
        NotHuzhuDatabase,
        PermissionDenied,
        RevokedUser,
        StaleKeySlot,
        UngrantedUser,
        UnknownUser,
        WrongPassphrase,
    )

    target = Path(target)
    try:
        current = KeyFile.load(target)  # also when the database itself is gone: its revocations count
    except (KeySlotsMissing, KeySlotsDamaged):
        current = None
    if not target.exists() or current is None:
        return current
    try:
        session = dbmod.unlock(target, user, secret, migrate=False)
    except (DamagedDatabase, NotHuzhuDatabase):
        return current
    except (RevokedUser, UnknownUser, UngrantedUser, StaleKeySlot, WrongPassphrase) as exc:
        raise PermissionDenied(
            f"只有当前数据库的负责人可以用备份覆盖它（用户 {user}：{exc.message_zh}）",
            f"only a supervisor of the current database may restore over it (user {user}: {exc.message_en})",
        ) from None
    try:
        if session.role not in ("supervisor", "recovery"):
            raise PermissionDenied(
                f"只有负责人可以恢复备份；用户 {user} 的角色是 {dbmod.ROLE_NAMES.get(session.role, session.role)}",
                f"only a supervisor may restore a backup; user {user} is {session.role}",
            )
    finally:
        dbmod.close()
    return current


def reapply_revocations(target: Path, previous: KeyFile | None) -> list[str]:
    """After a restore: every revocation of the replaced slot file is kept, and a revoked slot the
    backup brought back is removed again. Returns the users whose slot came back (then the
    database still has a key they once held: the caller must rekey)."""
    if previous is None or not previous.revoked:
        return []
    restored = KeyFile.load(target)
    known = {(r.get("user"), r.get("slot"), r.get("at")) for r in restored.revoked}
    for r in previous.revoked:
        if (r.get("user"), r.get("slot"), r.get("at")) not in known:
            restored.revoked.append(dict(r))
    came_back = []
    for r in previous.revoked:
        slot = restored.slot(r.get("user", ""))
        if slot is None:
            continue
        # The very slot that was revoked (or, for an entry without a slot id, the user is still
        # revoked in the replaced file): a user re-added later has a new slot.
        if r.get("slot") == slot.slot_id or (r.get("slot") is None and previous.slot(slot.user) is None):
            restored.slots = [s for s in restored.slots if s.user != slot.user]
            came_back.append(slot.user)
    restored.save(target)
    return came_back


def enforce_revocations(session: Session, users: list[str]) -> None:
    """The restored database predates these revocations: revoke again (signed) and rekey, so the
    key the revoked users held no longer opens it."""
    from models.schema import AppUser

    session.require_role("supervisor", "recovery")
    with dbmod.writing():
        for name in users:
            AppUser.update(active=False, revoked_at=clock.stamp()).where(AppUser.name == name).execute()
            audit.record("user.revoke", "app_user", name, {"reapplied_after_restore": True})
    rekey(session)


# --- backup and check -----------------------------------------------------------------------------


def backup(session: Session, out: str | os.PathLike, *, force: bool = False, detail: dict | None = None) -> dict:
    from models.backup import refuse_own_file, write_backup

    out = Path(out)
    if not out.parent.exists():
        raise BackupError(f"文件夹不存在：{out.parent}", f"folder does not exist: {out.parent}")
    refuse_own_file(out, session.path)
    if out.is_dir() or (out.exists() and not force):
        raise BackupError(
            f"文件已存在，不会覆盖：{out}（确认覆盖请加 --force）",
            f"file exists, will not overwrite: {out} (add --force to replace it)",
        )
    try:
        info = write_backup(out, session.path, session.key, session.keyfile)
    except OSError as exc:
        raise BackupError(f"备份写入失败：{exc.strerror}（{out}）", f"backup failed: {exc.strerror} ({out})") from None
    except sqlite_errors() as exc:  # the snapshot's own writes: disk full, read-only folder
        raise BackupError(f"备份写入失败：{exc}（{out}）；数据库未受影响", f"backup failed: {exc} ({out})") from None
    info["recorded"] = False
    if session.can_write:
        # The backup is whole on disk by now. Another program's long write (a large import)
        # may hold the lock past busy_timeout: the backup stays valid, only its event is missing.
        try:
            with dbmod.writing():
                audit.record(
                    "db.backup", "database", None, {"file": out.name, "bytes": info["bytes"], **(detail or {})}
                )
            info["recorded"] = True
        except dbmod.DatabaseLocked:
            pass
    return info


def sqlite_errors() -> tuple[type[Exception], ...]:
    import peewee
    import sqlcipher3

    return (sqlcipher3.OperationalError, peewee.OperationalError)


@dataclass
class CheckItem:
    name: str
    ok: bool
    detail: str


def run_checks() -> list[CheckItem]:
    import peewee
    import sqlcipher3

    unreadable = (peewee.DatabaseError, sqlcipher3.DatabaseError)

    items = []
    if dbmod.is_pg():
        # A server database: its pages, WAL and foreign keys are the server's to keep (and it
        # enforces them on every write); what is ours to prove is the chain and its signatures.
        return _chain_checks()
    # The page-level HMAC check first: it names the damaged pages and never stops at one.
    pages = dbmod.damaged_pages()
    items.append(
        CheckItem(
            "cipher_integrity_check",
            not pages,
            "ok" if not pages else "; ".join(pages[:20]) + "：请从备份恢复（huzhu restore）",
        )
    )
    try:
        rows = [r[0] for r in database.execute_sql("PRAGMA integrity_check").fetchall()]
    except unreadable as exc:  # a page that fails its HMAC cannot even be read
        rows = [f"无法读取：{exc}"]
    items.append(CheckItem("integrity_check", rows == ["ok"], "ok" if rows == ["ok"] else "; ".join(rows[:20])))
    try:
        rows = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        items.append(CheckItem("foreign_key_check", not rows, "ok" if not rows else f"{len(rows)} 行外键不一致"))
    except unreadable as exc:
        items.append(CheckItem("foreign_key_check", False, f"无法读取：{exc}"))
    if pages:
        try:
            return items + _chain_checks()
        except unreadable as exc:
            return items + [CheckItem("audit_chain", False, f"无法读取：{exc}")]
    return items + _chain_checks()


def _chain_checks() -> list[CheckItem]:
    items = []
    from models import hwm

    mark = None if dbmod.is_pg() else hwm.read(dbmod.current().path, dbmod.current().keyfile.db_id)
    seq, digest = audit.head()
    lost = hwm.behind(mark, seq, digest, audit.hash_at(mark.seq) if mark and seq >= mark.seq else None)
    items.append(
        CheckItem(
            "high_water_mark",
            not lost,
            f"审计链第 {seq} 条，文件外标记第 {mark.seq if mark else '—'} 条"
            + ("：已提交的数据丢失，请从备份恢复" if lost else ""),
        )
    )
    chain = audit.verify()
    items.append(
        CheckItem(
            "audit_chain",
            chain.ok,
            f"{chain.events} 条，链头 {chain.head[:16]}…"
            if chain.ok
            else f"{chain.reason}（已验证 {chain.events} 条）",
        )
    )
    items.append(_anchor_check())
    import peewee
    import sqlcipher3

    try:
        return items + signature_checks()
    except (peewee.DatabaseError, sqlcipher3.DatabaseError) as exc:  # a damaged page
        return items + [CheckItem("audit_signatures", False, f"无法读取：{exc}")]


def _anchor_check() -> CheckItem:
    """Issue 13 item 4: the heads sent to the office and the one its last answer accepted
    (kept in ``FILE.sent``) are still on the chain."""
    from models import anchor, sentmark

    found = anchor.findings(dbmod.current().path)
    lost = anchor.lost_bundles(dbmod.current().path)
    if found or lost:
        texts = [f.text() for f in found[:20]]
        if lost:
            texts.append(
                f"办事处已收到{sentmark.describe(lost)}月度数据包，本数据库却没有（恢复了较早的备份或被回退）："
                f"补录后请负责人运行 {sentmark.RECONCILE_COMMAND}"
            )
        return CheckItem("audit_anchor", False, "；".join(texts))
    mark = sentmark.mark_for_this_branch(dbmod.current().path)
    heads = [b for b in (mark.bundles if mark else ()) if b.audit_head is not None]
    if not heads:
        return CheckItem("audit_anchor", True, "尚未向办事处发送带审计链位置的数据包")
    accepted = mark.office_accepted if mark else None
    said = f"，办事处回执确认至第 {accepted['count']} 条" if accepted else ""
    return CheckItem("audit_anchor", True, f"审计链包含已发给办事处的 {len(heads)} 个位置{said}")


def signature_checks() -> list[CheckItem]:
    """Issue 13: every event signed by its user's granted key; roles and slots as granted; every
    business row as its latest signed event holds it."""
    from models import rowseal

    auth = grants.walk(verify_all=True)
    legacy = f"；{auth.legacy} 条为升级前的旧事件（无签名，不视为篡改）" if auth.legacy else ""
    if auth.signed_from is None:
        sig = CheckItem(
            "audit_signatures",
            not auth.problems,
            "; ".join(auth.problems)
            if auth.problems
            else f"旧版数据库，尚未升级为签名审计（{auth.legacy} 条无签名事件）；有写权限的用户解锁一次即升级",
        )
        return [sig]
    items = [
        CheckItem(
            "audit_signatures",
            not auth.problems,
            "；".join(auth.problems[:20]) if auth.problems else f"{auth.signed} 条签名均有效{legacy}",
        )
    ]
    users = grants.check_users(auth, dbmod.current().keyfile)
    items.append(
        CheckItem(
            "user_grants",
            not users,
            "；".join(users[:20]) if users else f"{len(auth.grants)} 个授权，与用户表和密钥槽一致",
        )
    )
    findings, checked = rowseal.verify()
    items.append(
        CheckItem(
            "row_seals",
            not findings,
            "；".join(f.text() for f in findings[:20]) + (f"；等共 {len(findings)} 处" if len(findings) > 20 else "")
            if findings
            else f"{checked} 行与其最近的签名事件一致",
        )
    )
    return items
