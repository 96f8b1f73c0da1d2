"""The office database on a PostgreSQL server (issue 16), beside the default encrypted SQLite file.

An office shared by several staff may keep its database in PostgreSQL 12+ (or a server that
speaks its protocol and SQL: openGauss, KingbaseES, Highgo): ``--db postgresql://USER@HOST/DB``.
The program's SQL is written once, with ``?`` placeholders and standard SQL; this class turns
``?`` into the driver's ``%s`` so the same statements run on both backends.

What the server sees is never a secret: the office's private keys are stored sealed under a
random vault key that only the users' key slots (passphrase-derived, ``models.keyslots``)
open, exactly as the SQLCipher key is on a file. The slots themselves live in ``huzhu_meta``
(row ``keyslots``), so every workstation reads the same ones.

Connection: libpq's own rules (``PGPASSWORD``, ``~/.pgpass``, ``PGSSLROOTCERT`` …). A password
inside the URL is refused (it would sit in shell history and process lists); a server that is
not on this machine must be reached with ``sslmode=verify-full`` (certificate and host name
checked), which is the default we add when the URL names no ``sslmode``.
"""

from __future__ import annotations

import decimal
import hashlib
from typing import Any

import peewee

from models.errors import UsageError


def _give_peewee_psycopg() -> None:
    """What peewee's own import does when psycopg is installed, which ``models/__init__`` keeps it
    from doing at every start (0.3 s): the office's server database is the only one that needs it."""
    if getattr(peewee, "psycopg", None) is not None:
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    peewee.psycopg, peewee.TransactionStatus = psycopg, TransactionStatus  # type: ignore[attr-defined]
    peewee.Json_pg3, peewee.Jsonb_pg3 = Json, Jsonb  # type: ignore[attr-defined]
    adapter = peewee.Psycopg3Adapter  # type: ignore[attr-defined]
    adapter.txn_idle, adapter.txn_inerror = TransactionStatus.IDLE, TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN


SCHEMES = ("postgresql://", "postgres://")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(SCHEMES)


def _conninfo(url: str) -> dict[str, str]:
    from psycopg import conninfo

    try:
        return {k: v for k, v in conninfo.conninfo_to_dict(url).items() if v is not None}
    except Exception:
        raise UsageError(
            "PostgreSQL 连接地址格式不正确（应为 postgresql://用户@主机/数据库名）",
            "malformed PostgreSQL URL (expected postgresql://USER@HOST/DBNAME)",
        ) from None


def is_local(params: dict[str, str]) -> bool:
    """A Unix socket (no host, or a path) or the loopback interface: TLS adds nothing there."""
    hosts = [h for h in params.get("host", "").split(",") if h] or [""]
    return all(h == "" or h.startswith("/") or h in LOCAL_HOSTS for h in hosts)


def connect_params(url: str) -> dict[str, Any]:
    """psycopg keyword arguments for ``url``; refuses a password in it and weak TLS to a remote host."""
    params = _conninfo(url)
    if "password" in params:
        raise UsageError(
            "连接地址中不能写口令：请用环境变量 PGPASSWORD 或 ~/.pgpass 文件提供数据库口令",
            "do not put the password in the URL: use PGPASSWORD or ~/.pgpass",
        )
    if not params.get("dbname"):
        raise UsageError("连接地址中缺少数据库名", "the URL names no database (postgresql://USER@HOST/DBNAME)")
    if not is_local(params):
        mode = params.setdefault("sslmode", "verify-full")
        if mode != "verify-full":
            raise UsageError(
                f"连接非本机的数据库服务器必须使用 sslmode=verify-full（校验证书与主机名），不能用 {mode}",
                f"a server that is not on this machine needs sslmode=verify-full, not {mode}",
            )
    params.setdefault("application_name", "huzhu")
    params.setdefault("connect_timeout", "10")
    return params


def display(url: str) -> str:
    """The URL as it may be shown: who, where, which database (never a password)."""
    params = _conninfo(url)
    host = params.get("host", "") or "local"
    port = f":{params['port']}" if params.get("port") else ""
    who = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{who}{host}{port}/{params.get('dbname', '')}"


def local_name(url: str) -> str:
    """A file name for what this workstation keeps about the database (the failed-unlock counter)."""
    return "pg-" + hashlib.sha256(display(url).encode()).hexdigest()[:20]


def translate(sql: str) -> str:
    """``?`` placeholders (outside quotes) to ``%s``, and every ``%`` escaped for the driver."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append("%%" if ch == "%" else ch)
    return "".join(out)


class _IntegralNumericLoader:
    """``SUM`` over BIGINT is NUMERIC in PostgreSQL: give back an ``int`` (as SQLite does) when whole."""

    @staticmethod
    def make(base):  # type: ignore[no-untyped-def]
        class Loader(base):  # type: ignore[misc,valid-type]
            def load(self, data):  # type: ignore[no-untyped-def]
                value = super().load(data)
                if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
                    return int(value)
                return value

        return Loader


class HuzhuPostgres(peewee.PostgresqlDatabase):
    """PostgreSQL with the program's SQL dialect: ``?`` placeholders, 64-bit integers (sequence
    numbers and sums of fen may pass 2**31), and a transaction per write like SQLite's."""

    field_types = {**peewee.PostgresqlDatabase.field_types, "INT": "BIGINT"}

    def __init__(self, url: str) -> None:
        self.url = url
        _give_peewee_psycopg()
        super().__init__(url, prefer_psycopg3=True, **connect_params(url))

    def _connect(self):  # type: ignore[no-untyped-def]
        from psycopg.types.numeric import NumericLoader

        conn = super()._connect()
        conn.adapters.register_loader("numeric", _IntegralNumericLoader.make(NumericLoader))
        return conn

    def execute_sql(self, sql, params=None):  # type: ignore[no-untyped-def]
        # Peewee's own statements already carry ``%s``; ours carry ``?``.
        if "%s" not in sql:
            sql = translate(sql)
        return super().execute_sql(sql, tuple(params or ()))

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.cursor().executemany(translate(sql), rows)

    def begin(self, lock_type=None):  # type: ignore[no-untyped-def]
        # SQLite's "IMMEDIATE" has no meaning here: writers wait on the row locks they take.
        return super().begin()

    def lock_for_update(self, table: str, where: str, params: tuple) -> None:
        """``SELECT … FOR UPDATE``: hold the rows until the transaction ends (writers queue on them)."""
        self.execute_sql(f"SELECT 1 FROM {table} WHERE {where} FOR UPDATE", params).fetchall()
