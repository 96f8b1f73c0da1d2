"""The one encrypted database of a process, and how it is created, unlocked and closed.

``database`` is a single ``SqlCipherDatabase(None)``; ``unlock`` initialises it with the
raw key from the user's slot. Every way an unlock can fail is told apart before anyone
is told "wrong passphrase" (see ``models.errors`` for the exit codes).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import peewee
import sqlcipher3
from playhouse.sqlcipher_ext import SqlCipherDatabase

from models import attempts, crypto, hwm
from models import secret as keymem
from models.errors import (
    DamagedDatabase,
    DatabaseLocked,
    DatabaseMissing,
    EmptyPassphrase,
    HuzhuError,
    KeySlotsMissing,
    NotHuzhuDatabase,
    PermissionDenied,
    PlainSqlite,
    RevokedUser,
    ServerUnavailable,
    SqlCipher3File,
    StaleKeySlot,
    UngrantedUser,
    UnknownUser,
    UserRequired,
    WrongPassphrase,
)
from models.keyslots import RECOVERY_USER, KeyFile, keys_path, pending_keys_path

SQLITE_HEADER = b"SQLite format 3\x00"
PRAGMAS = (
    ("journal_mode", "wal"),
    # FULL: a claim the clerk saw committed survives a power cut (WAL + NORMAL may lose it).
    ("synchronous", 2),
    ("foreign_keys", 1),
    ("busy_timeout", 5000),
    ("cache_size", -16000),
)
#: Granted roles (models.grants). Accountant (会计) and cashier (出纳) are separate posts (001 fin.3; 000 第十九条2):
#: each user holds one role, so no one is both; both write like a clerk, and the money rules
#: (rules.mgmt_fee) tell them apart where it matters: who records a payment, who pays it.
ROLES = ("clerk", "supervisor", "auditor", "accountant", "cashier")
WRITER_ROLES = ("clerk", "supervisor", "recovery", "accountant", "cashier")
ROLE_NAMES = {
    "clerk": "经办人",
    "supervisor": "负责人",
    "auditor": "稽核（只读）",
    "accountant": "会计",
    "cashier": "出纳",
    "recovery": "恢复码",
}

T = TypeVar("T")


def raw_key_literal(key: bytes) -> str:
    return f"x'{key.hex()}'"


class HuzhuDatabase(SqlCipherDatabase):
    """SqlCipherDatabase that silences SQLCipher's own log lines and never runs keyless."""

    def _connect(self):
        params = dict(self.connect_params)
        passphrase = params.pop("passphrase", "")
        # peewee's driver would open (and create) a plaintext file when given an empty key.
        if not passphrase:
            raise EmptyPassphrase(
                "未提供数据库密钥，拒绝以明文方式打开", "no database key: refusing to open unencrypted"
            )
        conn = _connect_file(Path(self.database), params)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            if isinstance(passphrase, keymem.KeyRef):
                keymem.apply_key(conn, passphrase.buf)  # no literal of the key outlives this line
            else:
                conn.execute(f'PRAGMA key = "{passphrase}"')
            self._add_conn_hooks(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def begin(self, lock_type=None):
        # Every write transaction of the program tracks the rows it writes (models.rowseal).
        from models import rowseal

        rowseal.ensure_triggers(self.connection())
        return super().begin(lock_type)


#: The one database of the process. A proxy: an office database may be a PostgreSQL server
#: (``models.pgdb``) instead of the default encrypted file, chosen at unlock; models and SQL
#: are the same for both. Between sessions it points at the SQLCipher database.
_sqlcipher = HuzhuDatabase(None)
database = peewee.DatabaseProxy()
database.initialize(_sqlcipher)


def is_pg() -> bool:
    """True while a PostgreSQL (office) database is the open one."""
    from models.pgdb import HuzhuPostgres

    return isinstance(database.obj, HuzhuPostgres)


def is_url(target: object) -> bool:
    from models import pgdb

    return pgdb.is_url(str(target)) if isinstance(target, str) else False


def executemany(sql: str, rows: list) -> None:
    """Run one ``?``-placeholder statement for many rows on whichever backend is open."""
    if is_pg():
        database.obj.executemany(sql, rows)
    else:
        database.cursor().executemany(sql, rows)


def upsert_meta(key: str, value: str) -> None:
    """Set one ``huzhu_meta`` row (standard ``ON CONFLICT``: SQLite 3.24+ and PostgreSQL 9.5+)."""
    database.execute_sql(
        "INSERT INTO huzhu_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


_COLUMNS_SEEN: set[tuple[int, str, str]] = set()


def has_column(table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (a column once seen stays: migrations only add them)."""
    # The database object is re-initialised for every file a process opens (tests open old and new
    # schemas one after another): the file is part of the key, or a column seen in one would be
    # taken as present in the next.
    key = (id(database.obj), str(getattr(database.obj, "database", "")), table, column)
    if key in _COLUMNS_SEEN:
        return True
    if any(c.name == column for c in database.get_columns(table)):
        _COLUMNS_SEEN.add(key)
        return True
    return False


@dataclass
class Session:
    path: Path
    user: str
    role: str
    key: bytearray = field(repr=False)  # the one copy; zeroed in place by drop_key (models.secret)
    keyfile: KeyFile = field(repr=False)
    read_only: bool = False
    warnings: list[str] = field(default_factory=list)  # said at unlock, in Chinese (the TUI shows these)
    warnings_en: list[str] = field(default_factory=list)  # the same, in English (the CLI adds these)
    signer: crypto.Signer | None = field(default=None, repr=False)  # signs this user's audit events
    #: Set once the whole file's pages are known to be whole (or the session was made read-only
    #: because they are not). ``writing`` waits for it, so nothing is written on top of a damaged
    #: page while the check runs in the background (``check_pages_in_background``).
    pages_checked: threading.Event = field(default_factory=lambda: _set_event(), repr=False)
    pages_check_claimed: bool = field(default=False, repr=False)  # a thread has started the check
    #: Rows changed, added or deleted outside the program, found at the TUI's unlock
    #: (``models.rowseal.check_at_unlock``): the session is then read-only and 待办 lists them.
    row_findings: list[str] = field(default_factory=list, repr=False)
    #: Starts the session's background checks (the TUI's, page check then row check: ``tui.app``),
    #: so that a save made before they have started comes after the row check's snapshot
    #: (``writing``); None where no background check is to run (the command line).
    start_checks: Callable[[], object] | None = field(default=None, repr=False)
    #: Held while a background check opens its connection with ``key`` and while ``drop_key``
    #: zeroes it; ``key_present`` is clear while locked. A check that opened its connection with
    #: a key being zeroed read every page as failing its HMAC: a lock (Ctrl+L, idle) in the
    #: seconds after an unlock made the session read-only with a false damage warning.
    key_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    key_present: threading.Event = field(default_factory=lambda: _set_event(), repr=False)

    def __post_init__(self) -> None:
        # From now on rule lookups by date use this database's installed parameter notices
        # (models/plans.py) and working days its calendar notices (models/workcal.py). Set here,
        # when a database is opened, not as ``models`` loads: with none open they give the packaged
        # ones anyway, and importing the rules cost every start 40-60 ms (issue 15: the unlock
        # screen paints within 1.5x a bare Textual app).
        from models import plans, workcal

        plans.activate()
        workcal.activate()

    def warn(self, zh: str, en: str) -> None:
        self.warnings.append(zh)
        self.warnings_en.append(en)

    @property
    def can_write(self) -> bool:
        return not self.read_only and self.role in WRITER_ROLES

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            need = "、".join(ROLE_NAMES.get(r, r) for r in roles)
            raise PermissionDenied(
                f"此操作需要以下角色之一：{need}；当前用户 {self.user} 的角色是 {ROLE_NAMES.get(self.role, self.role)}",
                f"this needs one of the roles {', '.join(roles)}; user {self.user} is {self.role}",
            )

    def require_write(self) -> None:
        if self.role == "auditor":  # opened read-only too, but this is the reason to give
            raise PermissionDenied("稽核账户只读，不能修改数据", "the auditor account is read-only")
        if self.read_only:
            raise PermissionDenied("数据库当前为只读状态，不能写入", "the database is open read-only")
        if not self.can_write:
            raise PermissionDenied(
                f"用户 {self.user}（{ROLE_NAMES.get(self.role, self.role)}）只能查看，不能修改数据",
                f"user {self.user} ({self.role}) is read-only",
            )


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


_session: Session | None = None


def current() -> Session:
    if _session is None:
        raise RuntimeError("no database is unlocked")
    return _session


# --- probing files -----------------------------------------------------------------------

#: Databases whose -wal was found damaged in this process: every connection to them is opened
#: read-only and immutable (``mode=ro&immutable=1``), because SQLite checkpoints (and so truncates)
#: the WAL when the last connection closes, destroying the frames after the damage.
_READ_ONLY_FILES: set[str] = set()


def _connect_file(path: Path, params: dict | None = None) -> sqlcipher3.Connection:
    params = dict(params or {})
    if os.path.abspath(path) in _READ_ONLY_FILES:
        from urllib.parse import quote

        # immutable: SQLite then neither reads nor touches the -wal and -shm. mode=ro alone is not
        # enough: when the -wal's valid frames hold no commit, closing the connection "checkpoints"
        # nothing and truncates the -wal to 0 bytes, destroying the frames after the damage.
        return sqlcipher3.connect(
            f"file:{quote(os.path.abspath(path))}?mode=ro&immutable=1",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            **params,
        )
    return sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, **params)


def guard_damaged_wal(path: Path) -> tuple[str, str] | None:
    """Before any connection: a damaged ``-wal`` is copied aside (with the database it belongs
    to) and the database is marked to open read-only; returns the warning to give, or None."""
    from models import clock, walcheck

    wal = Path(f"{path}-wal")
    state = walcheck.inspect(wal)
    if state is None or not state.damaged:
        return None
    stamp = clock.now().strftime("%Y%m%d%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-wal-{stamp}")
    import shutil

    shutil.copy2(path, aside)
    shutil.copy2(wal, Path(f"{aside}-wal"))
    _READ_ONLY_FILES.add(os.path.abspath(path))
    return (
        f"数据库的 -wal 文件已损坏（{state.detail}）：为免丢失其后仍可恢复的数据，程序不会把它并入数据库。"
        f"已将数据库及 -wal 复制为 {aside.name} 和 {aside.name}-wal，并以只读方式打开。请联系技术支持恢复，"
        "或从最近的备份恢复（huzhu restore）",
        f"the database's -wal file is damaged ({state.detail}); it is never checkpointed, so the frames after the "
        f"damage stay recoverable: copied aside as {aside.name} and {aside.name}-wal, opened read-only; get them "
        "recovered or restore the latest backup (huzhu restore)",
    )


def _raw_connect(path: Path, key: bytes, compat: int | None = None) -> sqlcipher3.Connection:
    conn = _connect_file(path)
    conn.execute("PRAGMA cipher_log_level = NONE")
    keymem.apply_key(conn, key)
    conn.execute("PRAGMA busy_timeout = 5000")
    if compat is not None:
        conn.execute(f"PRAGMA cipher_compatibility = {compat}")
    return conn


def _opens(path: Path, key: bytes, compat: int | None = None) -> bool:
    try:
        conn = _raw_connect(path, key, compat)
    except sqlcipher3.DatabaseError:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            # Another program holds the file exclusively (a rekey rewriting every page): that
            # is not a damaged first page.
            raise _busy() from None
        return False
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _busy() -> DatabaseLocked:
    return DatabaseLocked(
        "数据库正被另一个程序独占（例如正在换钥 huzhu rekey），请稍后重试",
        "busy: another program holds the database (a rekey, perhaps); retry shortly",
    )


def check_file_shape(path: Path) -> None:
    """Refuse files that are not encrypted huzhu databases, before any passphrase is tried."""
    if not path.exists():
        raise DatabaseMissing(f"数据库文件不存在：{path}", f"database file not found: {path}")
    if path.is_dir():
        raise NotHuzhuDatabase(f"{path} 是一个文件夹，不是数据库文件", f"{path} is a folder, not a database file")
    if not path.is_file():
        # A FIFO, socket or device: opening it to read the header would wait for ever.
        raise NotHuzhuDatabase(
            f"{path} 不是普通文件（可能是管道或设备），不是数据库文件",
            f"{path} is not a regular file (a pipe or a device), not a database file",
        )
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head == SQLITE_HEADER:
        raise PlainSqlite(
            f"{path} 是未加密的普通 SQLite 文件，不是 huzhu 数据库（huzhu 的数据库总是加密的）",
            f"{path} is a plain, unencrypted SQLite file, not a huzhu database",
        )
    if path.stat().st_size < 1024:
        raise NotHuzhuDatabase(
            f"{path} 不是 huzhu 数据库（文件过小或为空）", f"{path} is not a huzhu database (too small or empty)"
        )


def diagnose_undecryptable(path: Path, key: bytes) -> HuzhuError:
    """The slot gave a key (so the passphrase was right) but the file will not open with it."""
    if _opens(path, key, compat=3):
        return SqlCipher3File(
            f"{path} 是 SQLCipher 3 格式的旧文件；huzhu 只使用 SQLCipher 4，请用旧版程序导出后再导入",
            f"{path} is an SQLCipher 3 file; huzhu uses SQLCipher 4 only",
        )
    return DamagedDatabase(
        f"{path} 无法用其密钥文件中的密钥解密：文件第一页已损坏，或它与密钥文件 {keys_path(path).name} 不配套。"
        "请运行 huzhu restore 从备份恢复",
        f"{path} does not decrypt with the key from {keys_path(path).name}: its first page is damaged, "
        "or it is not the database that key file belongs to; restore from a backup",
    )


# --- unlock --------------------------------------------------------------------------------


def pick_user(keyfile: KeyFile, user: str | None) -> str:
    if user:
        return user
    users = keyfile.user_slots()
    if len(users) == 1:
        return users[0].user
    raise UserRequired(
        "此数据库有多个用户，请用 --user 或 HUZHU_USER 指定用户名",
        "this database has several users: give --user NAME or set HUZHU_USER",
    )


def unwrap_key(
    path: Path, keyfile: KeyFile, user: str, secret: str, sleep: Callable[[float], None] | None = None
) -> bytes:
    """Check the passphrase against the user's slot and return the database key."""
    return unwrap(path, keyfile, user, secret, sleep)[0]


def unwrap(
    path: Path, keyfile: KeyFile, user: str, secret: str, sleep: Callable[[float], None] | None = None
) -> tuple[bytes, bytes | None]:
    """(database key, the user's signing key or None for a slot written before signing)."""
    if not secret:
        raise EmptyPassphrase("口令不能为空", "the passphrase must not be empty")
    slot = keyfile.slot(user)
    if slot is None:
        revoked = keyfile.was_revoked(user)
        if revoked:
            raise RevokedUser(
                f"用户 {user} 已于 {revoked.get('at', '')[:10]} 被撤销，不能再打开此数据库",
                f"user {user} was revoked on {revoked.get('at', '')[:10]} and can no longer open this database",
            )
        raise UnknownUser(f"此数据库没有用户 {user}", f"no user {user} in this database")
    attempts.wait_before_try(path, sleep=sleep)
    opened = keyfile.open_slot(slot, secret)
    if opened is None:
        failures = attempts.record_failure(path)
        delay = attempts.delay_for(failures)
        extra_zh = f"；连续失败 {failures} 次，下次尝试前需等待 {delay:.0f} 秒" if delay else ""
        extra_en = f"; {failures} failures in a row, next try waits {delay:.0f} s" if delay else ""
        what = "恢复码" if slot.kind == "recovery" else "口令"
        raise WrongPassphrase(f"{what}错误（用户 {user}）{extra_zh}", f"wrong passphrase for user {user}{extra_en}")
    attempts.reset(path)
    private, signing = opened
    return keyfile.open_db_key(slot, private), signing


def unlock(
    path: str | os.PathLike,
    user: str | None,
    secret: str,
    *,
    sleep: Callable[[float], None] | None = None,
    migrate: bool = True,
    read_only: bool = False,
    check_pages: bool = True,
) -> Session:
    """Open the database for ``user``. Raises an ``UnlockError`` subclass on every failure.

    ``check_pages``: run SQLCipher's whole-file page check (``damaged_pages``) before anything
    else; at a million members it reads the whole 1 GB file (3–4 s). The TUI passes False and
    runs it after the unlock with ``check_pages_in_background``; it is still run here first
    whenever a migration is due (a migration must never write on top of a damaged page), and
    whenever a read made by the unlock itself fails, to say which pages are damaged."""
    global _session
    if is_url(path):
        return _unlock_pg(str(path), user, secret, sleep=sleep, migrate=migrate, read_only=read_only)
    path = Path(path)
    check_file_shape(path)
    keyfile = KeyFile.load(path)
    check_writable_folder(path)
    # Before the first connection: closing one may checkpoint a damaged WAL.
    wal_warning = guard_damaged_wal(path) if os.path.abspath(path) not in _READ_ONLY_FILES else None
    pending = pending_keys_path(path)
    pending_warnings: list[tuple[str, str]] = []
    if pending.exists():
        keyfile, key, signing = _resolve_pending(path, keyfile, user, secret, sleep, pending_warnings)
        user = pick_user(keyfile, user)
    else:
        user = pick_user(keyfile, user)
        key, signing = unwrap(path, keyfile, user, secret, sleep)
        if not _opens(path, key):
            if _rekeyed_meanwhile(path, keyfile):
                raise _busy()
            raise diagnose_undecryptable(path, key)

    close()
    key = _held(key)
    database.init(str(path), passphrase=keymem.KeyRef(key), pragmas=PRAGMAS)
    bad_pages: list[str] = []
    checked = check_pages
    try:
        database.connect()
        if checked:
            bad_pages = damaged_pages()
        _check_identity(path, keyfile)
        from models import migrate as _migrate  # local: migrate imports schema, which imports this module

        wal_read_only = os.path.abspath(path) in _READ_ONLY_FILES
        if migrate and not checked and not wal_read_only and _migrate.pending():
            bad_pages, checked = damaged_pages(), True
        if migrate and not bad_pages and not wal_read_only:
            _migrate.to_head(path, key, keyfile)
        # Damaged pages: the grant events may be unreadable; the session is read-only anyway.
        role, root_ok = (_role_of(user), True) if bad_pages else _granted_role(user, keyfile)
    except sqlcipher3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            close()
            raise DatabaseLocked(
                "数据库正被另一个程序占用（可能另一位经办人正在使用），请稍后再试",
                "the database is locked by another process; try again shortly",
            ) from None
        bad_pages = bad_pages or _pages_after_failure(checked)
        close()
        if bad_pages:
            raise _damaged(path, bad_pages) from None
        raise
    except (sqlcipher3.DatabaseError, peewee.DatabaseError):
        bad_pages = bad_pages or _pages_after_failure(checked)
        close()
        if bad_pages:
            raise _damaged(path, bad_pages) from None
        raise
    except BaseException:
        close()
        raise
    _session = Session(path, user, role, key, keyfile, read_only=read_only or role == "auditor")
    if not checked:
        _session.pages_checked.clear()  # a write before the background check runs it first (writing)
    for warning in pending_warnings:
        _session.warn(*warning)
    if wal_read_only:
        _session.read_only = True
        _session.warn(
            *(
                wal_warning
                or ("数据库的 -wal 文件已损坏，已以只读方式打开", "the -wal file is damaged: opened read-only")
            )
        )
    if not root_ok:
        _session.read_only = True
        _session.warn(
            "审计链的授权起点（建库或升级事件）被改动，无法确认任何用户的角色。已以只读方式打开；"
            "请运行 huzhu check 查看详情，并由负责人从备份恢复",
            "the audit chain's grant root (the init or upgrade event) was altered, so no role can be trusted: opened "
            "read-only; run huzhu check and have a supervisor restore a backup",
        )
    if not bad_pages:
        from models import signing as _signing  # local: it imports audit, which imports this module

        _signing.settle_at_unlock(_session, secret, signing)
    if bad_pages:
        _mark_damaged(_session, bad_pages)
        return _session
    try:
        check_high_water_mark(_session)
    except (sqlcipher3.DatabaseError, peewee.DatabaseError):
        bad_pages = _pages_after_failure(checked)
        if not bad_pages:
            close()
            raise
        _session.pages_checked.set()
        _mark_damaged(_session, bad_pages)
        return _session
    check_sent_mark(_session)
    return _session


def open_pg(url: str) -> None:
    """Point ``database`` at the PostgreSQL server of ``url`` and connect (no session yet)."""
    from models.pgdb import HuzhuPostgres

    close()
    pg = HuzhuPostgres(url)
    database.initialize(pg)
    try:
        database.connect()
    except peewee.DatabaseError as exc:
        close()
        raise _server_error(url, exc) from None


def _server_error(url: str, exc: Exception) -> HuzhuError:
    from models import pgdb

    # libpq's first line says what failed (no such host, password refused, certificate …);
    # it never holds the password itself.
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return ServerUnavailable(
        f"无法连接数据库服务器 {pgdb.display(url)}：{detail}。请检查地址、网络、PGPASSWORD 或 ~/.pgpass 以及服务器证书",
        f"cannot connect to {pgdb.display(url)}: {detail}; check the URL, the network, PGPASSWORD or ~/.pgpass "
        "and the server's certificate",
    )


def load_pg_keyfile(url: str) -> KeyFile:
    """The key slots of a PostgreSQL database, kept in its own ``huzhu_meta`` (every workstation sees the same)."""
    from models import pgdb

    if "huzhu_meta" not in database.get_tables():
        raise NotHuzhuDatabase(
            f"{pgdb.display(url)} 不是 huzhu 数据库（没有 huzhu_meta 表；请先 huzhu office init --db …）",
            f"{pgdb.display(url)} is not a huzhu database (no huzhu_meta table; run huzhu office init --db … first)",
        )
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'keyslots'").fetchone()
    if row is None:
        raise KeySlotsMissing(
            f"{pgdb.display(url)} 中没有密钥槽（huzhu_meta.keyslots）", f"{pgdb.display(url)} holds no key slots"
        )
    return KeyFile.from_bytes(row[0].encode("utf-8"), where=f"{pgdb.display(url)} huzhu_meta.keyslots")


def save_pg_keyfile(keyfile: KeyFile) -> None:
    """Written inside the caller's transaction, so the slot and its audit event commit together."""
    upsert_meta("keyslots", keyfile.to_bytes().decode("utf-8"))


def _unlock_pg(
    url: str,
    user: str | None,
    secret: str,
    *,
    sleep: Callable[[float], None] | None,
    migrate: bool,
    read_only: bool,
) -> Session:
    """Unlock an office database on a PostgreSQL server. The server's own login (libpq) lets
    the program read the tables; the passphrase opens the user's slot, which gives the vault
    key sealing the office's private keys (``sync.keystore``) and the user's signing key."""
    global _session
    open_pg(url)
    try:
        keyfile = load_pg_keyfile(url)
        user = pick_user(keyfile, user)
        key, signing = unwrap(url, keyfile, user, secret, sleep)
        key = _held(key)
        from models import migrate as _migrate

        if migrate:
            _migrate.to_head_pg()
        role, root_ok = _granted_role(user, keyfile)
    except peewee.OperationalError as exc:
        close()
        raise _server_error(url, exc) from None
    except BaseException:
        close()
        raise
    _session = Session(url, user, role, key, keyfile, read_only=read_only or role == "auditor")  # type: ignore[arg-type]
    if not root_ok:
        _session.read_only = True
        _session.warn(
            "审计链的授权起点（建库或升级事件）被改动，无法确认任何用户的角色。已以只读方式打开",
            "the audit chain's grant root (the init or upgrade event) was altered: opened read-only",
        )
    from models import signing as _signing

    _signing.settle_at_unlock(_session, secret, signing)
    return _session


def check_writable_folder(path: Path) -> None:
    """A WAL database needs its folder writable (-wal, -shm); say so instead of "damaged"."""
    if not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)):
        raise HuzhuError(
            f"数据库所在的文件夹或文件是只读的（例如 U 盘写保护，或没有写权限）：{path}。请复制到可写的位置后再打开",
            f"the database's folder or file is read-only (write-protected stick or no permission): {path}",
            exit_code=24,
            code="read_only_folder",
        )


def storage_error(exc: Exception) -> HuzhuError | None:
    """A clear message for a commit the disk refused (full, read-only, I/O error); None otherwise."""
    # A failed COMMIT may already have rolled back; peewee's ROLLBACK then fails too and
    # hides the first error in __context__.
    parts, seen = [], exc
    while seen is not None and len(parts) < 5:
        parts.append(str(seen).lower())
        seen = seen.__context__
    text = " | ".join(parts)
    if "full" in text:
        return HuzhuError(
            "磁盘空间已满，本次操作未保存（数据库未受影响）。请清理磁盘空间后重试",
            "the disk is full: nothing was saved (the database is unharmed); free some space and retry",
            exit_code=33,
            code="disk_full",
        )
    if "readonly" in text or "read-only" in text or "disk i/o" in text:
        return HuzhuError(
            "无法写入数据库所在的磁盘（只读或读写错误），本次操作未保存。请检查 U 盘或磁盘后重试",
            "the disk refused the write (read-only or I/O error): nothing was saved",
            exit_code=33,
            code="write_failed",
        )
    return None


def damaged_pages() -> list[str]:
    """SQLCipher's page-level HMAC check of the open database: one line per failing page, [] when whole."""
    return [" ".join(str(c) for c in r) for r in database.execute_sql("PRAGMA cipher_integrity_check").fetchall()]


def _pages_after_failure(checked: bool) -> list[str]:
    """A read made by the unlock failed before the page check ran: run it now, to tell a
    damaged page from any other failure."""
    if checked:
        return []
    try:
        return damaged_pages()
    except Exception:
        return []


def _while_unlocked(session: Session, connect: Callable[[], T]) -> T:
    """``connect()`` with the session's key present and not being wiped: a background check
    started, or reaching its connection, while the screen is locked waits for the unlock
    (SQLCipher keeps its own copy of the key once the connection is keyed)."""
    while True:
        session.key_present.wait()
        with session.key_lock:
            if session.key:
                return connect()


def _mark_damaged(session: Session, bad_pages: list[str]) -> None:
    """A page fails its HMAC (a flipped bit, a bad sector): never write on top of it."""
    session.read_only = True
    session.warn(
        f"数据库文件有损坏的页（{'；'.join(bad_pages[:5])}）。已以只读方式打开，"
        "请运行 huzhu check 查看详情，并从最近的备份恢复（huzhu restore）。",
        f"damaged pages in the database file ({'; '.join(bad_pages[:5])}): opened read-only; "
        "run huzhu check for details and restore the latest backup (huzhu restore)",
    )


@dataclass
class PageCheck:
    """The whole-file page check of a session, running on its own thread and connection, and the
    row check after it (``then``) on the same thread."""

    session: Session
    thread: threading.Thread
    bad_pages: list[str] = field(default_factory=list)
    seconds: float | None = None  # how long the check took, once done
    error: str | None = None  # the check itself could not run (the file went away, …)
    row_seconds: float | None = None  # how long the row check after it took, once done

    def wait(self, timeout: float | None = None) -> bool:
        """Until the page check is done (what writes wait for)."""
        return self.session.pages_checked.wait(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Until the row check after it is done too."""
        self.thread.join(timeout)
        return not self.thread.is_alive()


def check_pages_in_background(
    session: Session,
    on_damage: Callable[[list[str]], None] | None = None,
    then: Callable[[Session], list] | None = None,
) -> PageCheck:
    """Run ``PRAGMA cipher_integrity_check`` over the whole file after an unlock made with
    ``check_pages=False``. Until it is done, ``writing`` waits for it; if a page is damaged the
    session becomes read-only with the same warning the unlock gives, and ``on_damage(pages)``
    is called (from the check's thread) so the TUI can say so at once.

    ``then(session)`` runs next on the same thread over whole pages (the TUI's row-seal check,
    ``models.rowseal.check_at_unlock``) inside a read transaction begun *before* writes are let
    through; whatever it returns that is not empty is passed to ``on_damage`` too, and the
    session is then read-only (``check_at_unlock`` makes it so). Writes wait for the page check
    only, not for the row check (issue 15: at a million members it reads ~7 million rows, about
    two minutes; a clerk could not save anything meanwhile). That keeps the guarantee: the row
    check sees the books as they were at unlock, before any save of this session, so a row
    changed outside the program is found and named even if the clerk saves the same row
    meanwhile (which seals and signs it anew); and every save the program makes during the check
    is itself sealed and signed, so nothing written outside the program is hidden by it. A
    finding then switches the session to read-only and opens the warning, as before.

    When a write ran the page check first, ``then`` runs on its own thread (after that write)."""

    def run_then(release: Callable[[], None] = lambda: None) -> list:
        """``then`` on this thread's connection, ``release`` called (writes let through) once its
        read transaction holds the books as they are now, or at once if it cannot run."""
        started = time.perf_counter()
        try:
            if then is None:
                return []
            _while_unlocked(session, lambda: database.connect(reuse_if_open=True))
            try:
                conn = database.connection()
                conn.execute("BEGIN")
                try:
                    conn.execute("SELECT count(*) FROM audit_event WHERE seq < 0").fetchone()  # the snapshot
                    release()
                    return list(then(session))
                finally:
                    conn.execute("ROLLBACK")
            finally:
                database.close()
        except Exception:  # a safety net; huzhu check runs the same check
            return []
        finally:
            release()
            if then is not None:
                check.row_seconds = time.perf_counter() - started

    def run() -> None:
        started = time.perf_counter()
        try:
            conn = _while_unlocked(session, lambda: _raw_connect(session.path, session.key))
            try:
                rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
            finally:
                conn.close()
            check.bad_pages = [" ".join(str(c) for c in r) for r in rows]
        except Exception as exc:  # cannot even read: say so as damage, never leave writes waiting
            check.error = type(exc).__name__
            check.bad_pages = [f"无法完成检查（{type(exc).__name__}）"]
        finally:
            check.seconds = time.perf_counter() - started
            if check.bad_pages:
                _mark_damaged(session, check.bad_pages)
        try:
            found = [] if check.bad_pages else run_then(session.pages_checked.set)
        finally:
            session.pages_checked.set()
        if (check.bad_pages or found) and on_damage is not None:
            on_damage(check.bad_pages or found)

    def only_then() -> None:
        found = run_then()
        if found and on_damage is not None:
            on_damage(found)

    check = PageCheck(session, threading.Thread(target=run, name="huzhu-page-check", daemon=True))
    if not _claim_page_check(session):
        check.seconds = 0.0  # done already (at unlock, or by a write that came first)
        if then is not None:
            check.thread = threading.Thread(target=only_then, name="huzhu-row-check", daemon=True)
            check.thread.start()
        return check
    check.thread.start()
    return check


_claim_lock = threading.Lock()


def _claim_page_check(session: Session) -> bool:
    """True for the one caller that is to run the session's page check."""
    with _claim_lock:
        if session.pages_checked.is_set() or session.pages_check_claimed:
            return False
        session.pages_check_claimed = True
        return True


def _damaged(path: Path, bad_pages: list[str]) -> DamagedDatabase:
    return DamagedDatabase(
        f"{path} 有损坏的页，无法打开（{'；'.join(bad_pages[:5])}）。请从最近的备份恢复（huzhu restore）",
        f"{path} has damaged pages and cannot be opened ({'; '.join(bad_pages[:5])}); restore from a backup",
    )


def _resolve_pending(path, keyfile, user, secret, sleep, warnings):
    """A rekey left ``FILE.keys.pending``: the passphrase is checked against the current slots
    first (so a forged pending file can never make a correct passphrase "wrong"); the pending
    slots are used only when the file no longer opens with the current key, and only if the
    same passphrase opens them. A pending file that is not a leftover of our own rekey is set
    aside and reported."""
    pending = pending_keys_path(path)
    try:
        newer = KeyFile.from_bytes(pending.read_bytes(), where=str(pending))
    except HuzhuError:
        newer = None
    u = pick_user(keyfile, user)
    key, signing = unwrap(path, keyfile, u, secret, sleep)
    if _opens(path, key):
        # The rekey never reached the file. A genuine leftover holds this user's slot unchanged.
        mine, theirs = keyfile.slot(u), newer.slot(u) if newer else None
        if theirs is not None and (theirs.public, theirs.private_ct) == (mine.public, mine.private_ct):
            pending.unlink(missing_ok=True)
        else:
            warnings.append(_set_aside(pending))
        return keyfile, key, signing
    slot = newer.slot(u) if newer else None
    opened = newer.open_slot(slot, secret) if slot is not None else None
    if opened is not None:
        new_key = newer.open_db_key(slot, opened[0])
        if _opens(path, new_key):
            # The rekey reached the file; make its slots the real ones.
            newer.save(path)
            pending.unlink(missing_ok=True)
            return newer, new_key, opened[1]
    warnings.append(_set_aside(pending))
    raise diagnose_undecryptable(path, key)


def _rekeyed_meanwhile(path: Path, keyfile: KeyFile) -> bool:
    """A rekey started or finished between reading the slot file and opening the database."""
    if pending_keys_path(path).exists():
        return True
    try:
        return KeyFile.load(path).key_epoch != keyfile.key_epoch
    except HuzhuError:
        return False


def _set_aside(pending: Path) -> tuple[str, str]:
    from models import clock

    aside = pending.with_name(f"{pending.name}.rejected-{clock.now().strftime('%Y%m%d%H%M%S')}")
    with contextlib.suppress(OSError):
        os.replace(pending, aside)
    return (
        f"密钥槽文件旁有一个无法用本用户口令打开、也不属于上次换钥的 {pending.name}；已移到 {aside.name}，"
        "未使用。若无人在换钥（huzhu rekey），请报告负责人：可能有人放置了伪造的文件",
        f"{pending.name} beside the key-slot file does not open with this user's passphrase and is not left "
        f"from a rekey: moved aside to {aside.name}, unused; if nobody ran huzhu rekey, tell the supervisor",
    )


def _check_identity(path: Path, keyfile: KeyFile) -> None:
    tables = set(database.get_tables())
    if "huzhu_meta" not in tables:
        raise NotHuzhuDatabase(
            f"{path} 是加密的 SQLite 文件，但不是 huzhu 数据库", f"{path} is encrypted SQLite but not a huzhu database"
        )
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = 'db_id'").fetchone()
    if row is None or row[0] != keyfile.db_id:
        raise DamagedDatabase(
            f"密钥文件 {keys_path(path).name} 与数据库 {path.name} 不配套",
            f"the key file does not belong to {path.name}",
        )


def _granted_role(user: str, keyfile: KeyFile) -> tuple[str, bool]:
    """(the role a signed grant gives ``user`` (``models.grants``), whether the grant root holds).
    ``app_user.role`` only for a database no one has unlocked since the upgrade to signed events,
    or one whose grant root was altered (then opened read-only)."""
    from models import grants

    if grants.signed_from() is None:
        return _role_of(user), True
    auth = grants.walk()
    if not auth.root_ok:
        # The chain's grant root itself was altered: no role can be trusted, but the books must
        # stay readable so check can say what happened. The caller opens read-only.
        return _role_of(user), False
    granted = auth.grants.get(user)
    if granted is None:
        raise UngrantedUser(
            f"用户 {user} 的密钥槽没有负责人签发的有效授权（它不是经 huzhu user add 添加的，或已被撤销），拒绝打开",
            f"the key slot of user {user} has no valid grant signed by a supervisor (not added with huzhu user add, "
            "or revoked): refused",
        )
    slot = keyfile.slot(user)
    if granted.slot and slot is not None and slot.slot_id != granted.slot:
        raise StaleKeySlot(
            f"用户 {user} 的密钥槽不是最近一次设置口令时写入的那一个（可能放回了旧的 .keys 密钥文件）。"
            "请用当前口令的密钥文件，或请负责人重设口令",
            f"the key slot of user {user} is not the one written at the last passphrase change (an older key file "
            "was put back?): use the current key file, or ask a supervisor to reset the passphrase",
        )
    return granted.role, True


def _role_of(user: str) -> str:
    if user == RECOVERY_USER:
        return "recovery"
    row = database.execute_sql("SELECT role, active FROM app_user WHERE name = ?", (user,)).fetchone()
    if row is None or not row[1]:
        raise RevokedUser(f"用户 {user} 在数据库中已停用", f"user {user} is deactivated in the database")
    return row[0]


def close(checkpoint: bool = True) -> None:
    """Close the database; fold the WAL back into the file so a copied file is whole."""
    global _session
    hwm.discard()  # a mark noted for this database must never be written beside another
    if not database.is_closed():
        if checkpoint and not is_pg():
            with contextlib.suppress(Exception):
                database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with contextlib.suppress(peewee.DatabaseError) if is_pg() else contextlib.nullcontext():
            database.close()
    if database.obj is not _sqlcipher:
        database.initialize(_sqlcipher)
    _session = None


@contextlib.contextmanager
def writing() -> Iterator[Session]:
    """One transaction for one user action; refuses read-only sessions before touching anything.

    After the outermost transaction commits, the audit high-water mark is moved forward."""
    session = current()
    if not session.pages_checked.is_set():
        session.require_write()  # a read-only session is refused at once, not after the check
        started = False
        if session.start_checks is not None and not session.pages_check_claimed:
            # The TUI's checks have not started (a save within seconds of the unlock): start them
            # and wait like any save, so the row check reads the books before this save (see
            # ``check_pages_in_background``), rather than checking here and the rows after it.
            try:
                session.start_checks()
                started = True
            except Exception:  # then as below: never write without the page check
                started = False
        if not started and _claim_page_check(session):
            # No background check has started (a write made by the unlock itself, or by the
            # command line): check here, before anything is written.
            try:
                pages = damaged_pages()
            except (sqlcipher3.DatabaseError, peewee.DatabaseError) as exc:
                pages = [f"无法完成检查（{type(exc).__name__}）"]
            if pages:
                _mark_damaged(session, pages)
            session.pages_checked.set()
        session.pages_checked.wait()
    session.require_write()
    outermost = not database.in_transaction()
    try:
        # IMMEDIATE: take the write lock at BEGIN, where busy_timeout waits for another clerk's
        # program; a deferred transaction that reads first fails at once with "locked" instead.
        with database.atomic("IMMEDIATE"):
            yield session
            if outermost:
                _seal_the_rest()
    except (sqlcipher3.OperationalError, peewee.OperationalError) as exc:
        if outermost:
            hwm.discard()
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseLocked(
                "数据库正被另一个程序占用（可能另一位经办人正在保存），等待后仍未释放，本次操作未保存，请稍后再试",
                "the database stayed locked by another process; nothing was saved, try again shortly",
            ) from None
        clear = storage_error(exc)
        if clear is not None:
            raise clear from None
        raise
    except BaseException:
        if outermost:
            hwm.discard()
        raise
    if outermost:
        committed(session)


def _seal_the_rest() -> None:
    """Issue 13 item 3: every business row the program writes is held by a signed event. A row
    written after the transaction's last event (or in a transaction without one) would be left
    to ``huzhu check`` as "changed outside the program"; it is put under one more event, signed by
    the same user in the same transaction. Services record their event last, so this is a net:
    tests/security/test_row_seals_everywhere.py drives every write command and finds none."""
    from models import audit, rowseal

    rest = rowseal.unsealed()
    if rest:
        audit.record("rows.sealed", "row_seal", None, {"tables": rest})


def committed(session: Session | None = None) -> None:
    """Write the high-water mark for what the last transaction appended to the audit chain."""
    session = session or _session
    if is_pg():
        hwm.discard()  # the mark guards a file's -wal; a server keeps its own log
        return
    if session is not None and not database.in_transaction():
        hwm.flush(session.path, session.keyfile.db_id)


def check_high_water_mark(session: Session) -> None:
    """At unlock: a chain behind its mark means committed work was lost (e.g. a damaged -wal)."""
    from models import audit

    seq, digest = audit.head()
    mark = hwm.read(session.path, session.keyfile.db_id)
    if mark is None:
        if session.keyfile.hwm:
            session.warn(
                f"数据库旁的高水位标记文件 {hwm.path_for(session.path).name} 不见了，而此数据库曾有过它：如果 -wal 文件"
                "也被删除，最后提交的数据可能已悄悄丢失。请核对最近录入的内容，必要时从最近的备份恢复（huzhu restore）。",
                f"the high-water mark {hwm.path_for(session.path).name} is missing although this database had one: "
                "if the -wal file was deleted too, the last commits may be lost; check the latest work, or restore a backup",
            )
        hwm.write(session.path, session.keyfile.db_id, seq, digest)
        _remember_hwm(session)
        return
    _remember_hwm(session)
    if hwm.behind(mark, seq, digest, audit.hash_at(mark.seq) if seq >= mark.seq else None):
        session.read_only = True
        session.warn(
            f"数据库的审计链（第 {seq} 条）落后于文件外记录的高水位标记（第 {mark.seq} 条）：已提交的数据可能已丢失"
            "（例如 -wal 文件损坏或被删除）。已以只读方式打开，请从最近的备份恢复（huzhu restore）。",
            f"the audit chain (event {seq}) is behind the high-water mark kept outside the database (event {mark.seq}): "
            "committed work may be lost (a damaged or deleted -wal file); opened read-only, restore the latest backup "
            "(huzhu restore)",
        )
    elif seq > mark.seq:
        hwm.write(session.path, session.keyfile.db_id, seq, digest)


def _remember_hwm(session: Session) -> None:
    """Note in the key file that this database has a mark (once), so its loss is noticed."""
    if session.keyfile.hwm or not hwm.path_for(session.path).exists():
        return
    try:
        # Re-read just before writing: another program may have changed the slots meanwhile.
        on_disk = KeyFile.load(session.path)
        if on_disk.db_id == session.keyfile.db_id and not on_disk.hwm:
            on_disk.hwm = True
            on_disk.save(session.path)
    except (OSError, HuzhuError):
        return
    session.keyfile.hwm = True


def check_sent_mark(session: Session) -> None:
    """At unlock: a database behind the bundles already sent to the office (an older backup was
    restored) is told so. It stays writable, so the lost work can be entered again; only export
    is refused until a supervisor reconciles (``models.sentmark``, ``sync.restore``)."""
    from models import sentmark  # local: sentmark imports this module

    try:
        warning = sentmark.check_at_unlock(session.path, session.keyfile.db_id)
    except (sqlcipher3.DatabaseError, peewee.DatabaseError):
        return  # a safety net must never stop an unlock; export checks again itself
    if warning:
        session.warn(*warning)
    check_anchor(session)


def check_anchor(session: Session) -> None:
    """At unlock (issue 13 item 4): the audit heads kept outside the database (the bundles sent, the
    office's last answer, in ``FILE.sent``) must still be on the chain; a chain rewritten, recomputed
    or rolled back with its ``.hwm`` opens read-only with a warning (``models.anchor``)."""
    from models import anchor  # local: anchor imports audit, which imports this module

    try:
        found = anchor.findings(session.path)
    except (sqlcipher3.DatabaseError, peewee.DatabaseError):
        return  # a damaged page is reported by the page check; check runs this again
    if found:
        session.read_only = True
        session.warn(*anchor.warning(found))


def new_db_id() -> str:
    return uuid.uuid4().hex


def _held(key: bytes | bytearray) -> bytearray:
    """The key moved into a mutable buffer; the immutable copy it came in is overwritten."""
    if isinstance(key, bytearray):
        return key
    buf = bytearray(key)
    keymem.wipe(key)
    return buf


def drop_key() -> None:
    """Locked (idle or Ctrl+L): forget the database key. The session keeps who is signed in,
    not the key: its one buffer is zeroed in place (``connect_params`` refers to that buffer,
    so no new connection can open until ``restore_key``), and this thread's connection is
    closed so SQLCipher wipes its copy. See ``models.secret`` for what Python cannot promise."""
    session = current()
    with session.key_lock:  # never while a background check is keying its connection with it
        session.key_present.clear()
        keymem.wipe(session.key)
        session.key = bytearray()
    if is_pg():
        return  # the vault key is the secret here; the server connection holds none
    database.connect_params["passphrase"] = ""
    if not database.is_closed():
        with contextlib.suppress(Exception):
            database.close()


def restore_key(key: bytes | bytearray) -> None:
    """Unlocked again: ``key`` is what ``unwrap_key`` returned for the session's own slot."""
    session = current()
    with session.key_lock:
        session.key = _held(key)
        if not is_pg():
            database.connect_params["passphrase"] = keymem.KeyRef(session.key)
        session.key_present.set()
