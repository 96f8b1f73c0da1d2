"""Rows bound to their events (issue 13, item 3).

Every business row's canonical hash is held by the latest signed audit event that wrote it:
``audit.record`` calls ``seal(seq)`` inside the writing transaction, which hashes each row
the transaction inserted, updated or deleted, stores the hashes in the event's ``rows``
(covered by the event hash and its signature) and keeps the current one per row in
``row_seal``. ``check`` (``verify``) recomputes every row's hash, so a row changed, inserted
or deleted with the raw key outside the program, which fires no event, is found and named.

Which rows a transaction wrote is learnt generically: the program's own connection carries
TEMP triggers on every business table that note (table, primary key) in ``temp.hz_dirty``.
A connection someone opens with the raw key has no such triggers and writes no event.

A row's hash covers its table, key and every non-NULL column (name and value), so adding a
nullable column in a migration leaves existing rows' hashes unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from models.db import database

#: Not business rows: the chain itself, the seals, the migration log and the file's own facts
#: (written by migrations and at unlock without an event).
#: ``policy_latest`` is derived: the triggers of migration 0015 rebuild it from ``policy`` (whose
#: rows are sealed), never the program, so a seal of it would only repeat the policies'.
EXCLUDED = frozenset({"audit_event", "row_seal", "schema_migration", "huzhu_meta", "policy_latest"})
HASH_CHARS = 32  # 128 bits: a second pre-image is out of reach; keeps each event's list short


def business_tables() -> list[str]:
    return [
        r[0]
        for r in database.execute_sql(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if r[0] not in EXCLUDED
    ]


def _pk_expr(table: str) -> str:
    """SQL for a row's key as it appears in a trigger (NEW./OLD. prefixed by the caller) or a query."""
    info = database.execute_sql(f'PRAGMA main.table_info("{table}")').fetchall()
    pks = sorted((c for c in info if c[5]), key=lambda c: c[5])
    if not pks or (len(pks) == 1 and pks[0][2].upper() == "INTEGER"):
        return "rowid"
    if len(pks) == 1:
        return f'"{pks[0][1]}"'
    return "json_array(" + ", ".join(f'"{c[1]}"' for c in pks) + ")"


def _prefixed(expr: str, prefix: str) -> str:
    if expr == "rowid":
        return f"{prefix}.rowid"
    if expr.startswith("json_array("):
        cols = expr[len("json_array(") : -1].split(", ")
        return "json_array(" + ", ".join(f"{prefix}.{c}" for c in cols) + ")"
    return f"{prefix}.{expr}"


_state: dict[int, tuple[int, int]] = {}


def ensure_triggers(conn=None) -> None:
    """Install the dirty-row triggers on this connection for the current schema (cheap when present)."""
    conn = conn or database.connection()
    version, present = conn.execute(
        "SELECT (SELECT schema_version FROM main.pragma_schema_version), "
        "(SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'hz_dirty_%')"
    ).fetchone()
    if present and _state.get(id(conn)) == (version, present):
        return
    has_seal = conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'row_seal'").fetchone()
    if not has_seal:
        return  # an old schema (before migration 0013): nothing to seal yet
    # No key, so no conflict clause: an outer INSERT OR REPLACE or UPSERT would impose its own on
    # the trigger's insert. Duplicates are folded when sealing.
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hz_dirty (tbl TEXT NOT NULL, pk TEXT NOT NULL)")
    for (name,) in conn.execute(
        "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'hz_dirty_%'"
    ).fetchall():
        conn.execute(f'DROP TRIGGER temp."{name}"')
    appended = _appending.get(id(conn), {})
    for table in business_tables():
        expr = _pk_expr(table)
        for op, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            if op == "INSERT" and table in appended:
                continue  # ``appending``: its new rows are found by rowid
            body = " ".join(
                f"INSERT INTO temp.hz_dirty VALUES ('{table}', CAST({_prefixed(expr, r)} AS TEXT));" for r in rows
            )
            conn.execute(
                f'CREATE TEMP TRIGGER "hz_dirty_{op.lower()}_{table}" AFTER {op} ON main."{table}" BEGIN {body} END'
            )
    version, present = conn.execute(
        "SELECT (SELECT schema_version FROM main.pragma_schema_version), "
        "(SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'hz_dirty_%')"
    ).fetchone()
    _state[id(conn)] = (version, present)


def _value(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"b": bytes(v).hex()}
    return v


def row_hash(table: str, pk: str, names: list[str], values) -> tuple[str, dict[str, str]]:
    """(the row's hash, short hashes per non-NULL column)."""
    body = {n: _value(v) for n, v in zip(names, values, strict=True) if v is not None}
    text = json.dumps([table, pk, body], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Only to name the differing columns (the signed hash is the row's): a CRC is enough and cheap.
    cols = {n: format(zlib.crc32(repr(v).encode("utf-8")), "08x") for n, v in body.items()}
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS], cols


def _current(table: str, pks: list[str] | None):
    """Yield (pk, hash, cols) of the table's rows (all, or those keyed by ``pks``)."""
    expr = _pk_expr(table)
    sql = f'SELECT CAST({expr} AS TEXT), * FROM main."{table}"'
    if pks is None:
        cur = database.execute_sql(sql)
    else:
        # Keyed lookups (rowid or the primary key's index), never a scan of the table per event.
        if expr == "rowid":
            where = "rowid IN (SELECT CAST(value AS INTEGER) FROM json_each(?))"
        elif expr.startswith("json_array("):
            where = f"CAST({expr} AS TEXT) IN (SELECT value FROM json_each(?))"
        else:
            where = f"{expr} IN (SELECT value FROM json_each(?))"
        cur = database.execute_sql(f"{sql} WHERE {where}", (json.dumps(pks),))
    names = [d[0] for d in cur.description][1:]
    for row in cur:
        h, cols = row_hash(table, row[0], names, row[1:])
        yield row[0], h, cols


def seal(seq: int) -> str:
    """Hash what this transaction wrote, hold it in ``row_seal`` under event ``seq``; return the
    event's ``rows`` (canonical JSON, sorted). Must run inside the writing transaction.

    On a PostgreSQL office database nothing is tracked (the dirty-row triggers are SQLite TEMP
    triggers, per connection): the events are chained and signed, their rows not sealed."""
    from models.db import is_pg

    if is_pg():
        return "[]"
    ensure_triggers()
    ranges = _appended_ranges()
    rows = _seal_dirty(seq)
    if not ranges:
        return rows
    return _joined(rows, {table: _seal_range(seq, table, low, high) for table, (low, high) in ranges.items()})


def _seal_dirty(seq: int) -> str:
    """``seal`` of the rows the dirty-row triggers noted."""
    try:
        many = database.execute_sql(f"SELECT count(*) >= {BULK_ROWS} FROM temp.hz_dirty").fetchone()[0]
    except Exception:  # no table: nothing was tracked on this connection
        return "[]"
    if many:
        return _seal_bulk(seq)
    dirty: dict[str, list[str]] = {}
    try:
        for tbl, pk in database.execute_sql("SELECT DISTINCT tbl, pk FROM temp.hz_dirty"):
            dirty.setdefault(tbl, []).append(pk)
    except Exception:  # no table: nothing was tracked on this connection
        return "[]"
    if not dirty:
        return "[]"
    database.execute_sql("DELETE FROM temp.hz_dirty")
    out: list[list] = []
    for table, pks in sorted(dirty.items()):
        found = {pk: (h, cols) for pk, h, cols in _current(table, pks)}
        upserts = []
        for pk in pks:
            if pk in found:
                h, cols = found[pk]
                out.append([table, pk, h])
                upserts.append((table, pk, h, json.dumps(cols, separators=(",", ":")), seq))
            else:
                out.append([table, pk, None])
        gone = [pk for pk in pks if pk not in found]
        if upserts:
            database.cursor().executemany(
                "INSERT OR REPLACE INTO row_seal (tbl, pk, hash, cols, seq) VALUES (?, ?, ?, ?, ?)", upserts
            )
        if gone:
            database.execute_sql(
                "DELETE FROM row_seal WHERE tbl = ? AND pk IN (SELECT value FROM json_each(?))",
                (table, json.dumps(gone)),
            )
    out.sort(key=lambda r: (r[0], r[1]))
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def unsealed() -> dict[str, int]:
    """Rows this connection's transaction wrote after its last event (or with no event at all),
    per table: what ``seal`` has not yet put under a signed event. Empty on PostgreSQL."""
    from models.db import is_pg

    if is_pg():
        return {}
    try:
        return dict(database.execute_sql("SELECT tbl, count(DISTINCT pk) FROM temp.hz_dirty GROUP BY tbl").fetchall())
    except Exception:  # no such table: this connection tracks nothing (a schema before 0013)
        return {}


#: From this many rows written in one transaction (a demo build, a large import, the upgrade's
#: seal of every row) the rows are hashed by ``_seal_bulk``: the same canonical text built in SQL
#: and hashed by a registered function, one statement per table, instead of a Python loop over
#: fetched rows (tests/security/test_rowseal_bulk.py checks the two give the same event rows and
#: seals). Below it the loop is cheaper than the temp tables.
BULK_ROWS = 1000
#: Column CRCs are cached by value in a bulk seal (dates, plans, users repeat down a table); the
#: cache is dropped when it reaches this many values, to bound its memory.
_CRC_CACHE_MAX = 20_000


class _ColumnCrcs(dict):
    """One column's ``"name":"crc"`` member of the ``cols`` JSON by value, computed on a miss (a
    dict subclass: a hit is one C-level lookup inside the row function's list comprehension).
    Emptied at ``_CRC_CACHE_MAX`` values."""

    __slots__ = ("member",)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.member = f'"{name}":"%08x"'

    def __missing__(self, value: object) -> str:
        if len(self) >= _CRC_CACHE_MAX:
            self.clear()
        member = self[value] = self.member % zlib.crc32(repr(value).encode("utf-8"))
        return member


def _row_function(names: list[str], unique: frozenset[str] = frozenset()):
    """``row(text, v1, …)`` for a table with columns ``names``: ``row_hash`` of a row whose
    canonical text SQL built, as one string: the hash (``HASH_CHARS``) then the column CRCs as
    the JSON ``seal`` stores (column order, NULLs left out, ``json.dumps`` spacing). It runs once
    per row sealed (millions in a large demo build): the CRCs of repeated values are cached per
    column; the ``unique`` columns' values seldom repeat, so they are not (a miss costs more
    than computing)."""
    caches = [None if n in unique else _ColumnCrcs(n) for n in names]
    members = [f'"{n}":"%08x"' for n in names]
    crc32 = zlib.crc32
    sha256 = hashlib.sha256

    def row(text: str, *values) -> str:
        cols = ",".join(
            [
                m % crc32(repr(v).encode("utf-8")) if c is None else c[v]
                for c, m, v in zip(caches, members, values, strict=True)
                if v is not None
            ]
        )
        return sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS] + "{" + cols + "}"

    return row


def _register_bulk_functions(conn, names_of: dict[str, list[str]]) -> None:
    """``hz_row(table, text, v1, …)``: ``_row_function``'s row of that table."""
    rows = {t: _row_function(names) for t, names in names_of.items()}

    def row(table: str, text: str, *values) -> str:
        return rows[table](text, *values)

    conn.create_function("hz_row", -1, row, deterministic=True)


def _canonical_sql(table: str, names: list[str], key: str) -> str:
    """SQL for ``row_hash``'s canonical text, ``[table, pk, {non-NULL columns, sorted}]`` compact
    and unescaped: json_quote writes integers and text as ``json.dumps`` does (not every float:
    rows holding a REAL are left out, see ``_seal_bulk``), concat_ws drops the NULL columns."""
    members = ", ".join(f"""iif(t."{n}" IS NULL, NULL, '"{n}":' || json_quote(t."{n}"))""" for n in sorted(names))
    return (
        f"""'[' || json_quote('{table}') || ',' || json_quote({key}) || ',{{' || concat_ws(',', {members}) || '}}]'"""
    )


def _seal_bulk(seq: int) -> str:
    """``seal`` for many rows: what it returns and writes is the same, computed in SQL.

    SQLite and Python agree on integers and text in JSON but not on every float, and a BLOB has
    no JSON form: rows holding a REAL or a BLOB value go through ``_current`` (Python), as do the
    rows no longer there (deleted)."""
    conn = database.connection()
    for ddl in (
        "CREATE TEMP TABLE IF NOT EXISTS hz_keys (tbl TEXT NOT NULL, pk TEXT NOT NULL, PRIMARY KEY (tbl, pk)) "
        "WITHOUT ROWID",
        # sealed: the hash then the column CRCs (hz_row), NULL for a row deleted
        "CREATE TEMP TABLE IF NOT EXISTS hz_sealed (tbl TEXT NOT NULL, pk TEXT NOT NULL, sealed TEXT, "
        "PRIMARY KEY (tbl, pk)) WITHOUT ROWID",
    ):
        conn.execute(ddl)
    conn.execute("DELETE FROM temp.hz_keys")
    conn.execute("DELETE FROM temp.hz_sealed")
    conn.execute("INSERT OR IGNORE INTO temp.hz_keys SELECT tbl, pk FROM temp.hz_dirty")
    conn.execute("DELETE FROM temp.hz_dirty")
    wanted = dict(conn.execute("SELECT tbl, count(*) FROM temp.hz_keys GROUP BY tbl").fetchall())
    tables = list(wanted)
    names_of = {t: [c[1] for c in conn.execute(f'PRAGMA main.table_info("{t}")').fetchall()] for t in tables}
    _register_bulk_functions(conn, names_of)
    for table in tables:
        names = names_of[table]
        expr = _pk_expr(table)
        key = f"CAST({_prefixed(expr, 't')} AS TEXT)"
        keys = "(SELECT {} FROM temp.hz_keys WHERE tbl = ?)"
        if expr == "rowid":
            # Walk the keys (in their order, so hz_sealed fills in key order) and look each row up by
            # rowid, rather than an IN list, which builds an index of the keys first.
            source = f'temp.hz_keys k CROSS JOIN main."{table}" t ON t.rowid = CAST(k.pk AS INTEGER)'
            where = "k.tbl = ?"
        elif expr.startswith("json_array("):
            source, where = f'main."{table}" t', f"{key} IN " + keys.format("pk")
        else:
            source, where = f'main."{table}" t', f"t.{expr} IN " + keys.format("pk")
        columns = ", ".join(f't."{n}"' for n in names)
        plain = " AND ".join(f"typeof(t.\"{n}\") NOT IN ('real', 'blob')" for n in names)
        sealed = conn.execute(
            f"INSERT INTO temp.hz_sealed (tbl, pk, sealed) SELECT ?, {key}, "
            f"hz_row(?, {_canonical_sql(table, names, key)}, {columns}) "
            f"FROM {source} WHERE {where} AND {plain}",
            (table, table, table),
        ).rowcount
        # Every key sealed (the usual case): nothing deleted, nothing left for Python.
        rest = (
            []
            if sealed == wanted[table]
            else [
                r[0]
                for r in conn.execute(
                    "SELECT pk FROM temp.hz_keys k WHERE tbl = ? AND NOT EXISTS "
                    "(SELECT 1 FROM temp.hz_sealed s WHERE s.tbl = k.tbl AND s.pk = k.pk)",
                    (table,),
                )
            ]
        )
        if rest:
            found = {pk: h + json.dumps(cols, separators=(",", ":")) for pk, h, cols in _current(table, rest)}
            conn.executemany(
                "INSERT INTO temp.hz_sealed (tbl, pk, sealed) VALUES (?, ?, ?)",
                [(table, pk, found.get(pk)) for pk in rest],
            )
    conn.execute(
        "INSERT OR REPLACE INTO row_seal (tbl, pk, hash, cols, seq) "
        f"SELECT tbl, pk, substr(sealed, 1, {HASH_CHARS}), substr(sealed, {HASH_CHARS + 1}), ? "
        "FROM temp.hz_sealed WHERE sealed IS NOT NULL",
        (seq,),
    )
    conn.execute("DELETE FROM row_seal WHERE (tbl, pk) IN (SELECT tbl, pk FROM temp.hz_sealed WHERE sealed IS NULL)")
    # hz_sealed is keyed (tbl, pk): read in that order, as ``seal`` sorts its list
    rows = conn.execute(
        f"SELECT json_group_array(json_array(tbl, pk, substr(sealed, 1, {HASH_CHARS}))) FROM "
        "(SELECT tbl, pk, sealed FROM temp.hz_sealed ORDER BY tbl, pk)"
    ).fetchone()[0]
    conn.execute("DELETE FROM temp.hz_keys")
    conn.execute("DELETE FROM temp.hz_sealed")
    return rows


#: Per connection, while ``appending``: each table whose new rows are found by rowid, with the
#: highest rowid sealed so far and how many of its rows were sealed.
_appending: dict[int, dict[str, list[int]]] = {}


@contextlib.contextmanager
def appending() -> Iterator[None]:
    """For a transaction that only inserts, such as a new database's bulk load (the demo build):
    the rows of the tables empty on entry are sealed by rowid range, without the dirty-row
    trigger noting each (at a million members that trigger and the temporary tables behind it
    were most of the seal's time). ``seal`` then seals, per such table, the rows above the
    rowid it sealed last (each event holds the rows inserted since the previous one); tables
    that held rows keep their triggers.

    Safe by refusal, never by trust: an update or delete of those tables' rows while appending
    (their triggers stay) makes ``seal`` raise, and on leaving, each table must hold exactly the
    rows its events sealed (an insert below a sealed rowid, or after the last event, raises), so
    the transaction fails rather than commit a row no event holds."""
    from models.db import is_pg

    if is_pg():
        yield
        return
    conn = database.connection()
    ensure_triggers(conn)
    if not conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'hz_dirty'").fetchone():
        yield  # a schema before row seals: nothing is sealed
        return
    rowid_tables = {r[0] for r in conn.execute("SELECT name FROM pragma_table_list WHERE schema = 'main' AND NOT wr")}
    marks = {
        table: [0, 0]
        for table in business_tables()
        if table in rowid_tables
        and _pk_expr(table) == "rowid"
        and not conn.execute(f'SELECT 1 FROM main."{table}" LIMIT 1').fetchone()
    }
    _appending[id(conn)] = marks
    _state.pop(id(conn), None)
    try:
        ensure_triggers(conn)  # without the insert triggers of ``marks``
        yield
        for table, (_high, sealed) in marks.items():
            (count,) = conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()
            if count != sealed:
                raise RuntimeError(
                    f"rowseal.appending: {table} holds {count} rows, its events sealed {sealed} "
                    "(a row inserted below a sealed rowid, or after the last event)"
                )
    finally:
        del _appending[id(conn)]
        _state.pop(id(conn), None)
        ensure_triggers(conn)


def _appended_ranges() -> dict[str, tuple[int, int]]:
    """While ``appending``: per table, the rowids (low, high] inserted since its last seal."""
    conn = database.connection()
    marks = _appending.get(id(conn))
    if not marks:
        return {}
    touched = sorted({r[0] for r in conn.execute("SELECT DISTINCT tbl FROM temp.hz_dirty")} & marks.keys())
    if touched:
        raise RuntimeError(f"rowseal.appending: rows of {', '.join(touched)} were updated or deleted")
    ranges = {}
    for table, mark in marks.items():
        high = conn.execute(f'SELECT max(rowid) FROM main."{table}"').fetchone()[0] or 0
        if high > mark[0]:
            ranges[table] = (mark[0], high)
            mark[0] = high
    return ranges


def _seal_range(seq: int, table: str, low: int, high: int) -> str:
    """Seal the rows of ``table`` with rowids in (low, high] under ``seq`` (as ``_seal_bulk``
    would, REAL and BLOB values by ``_current``); returns their entries of the event's ``rows``
    as a JSON array, in key order."""
    conn = database.connection()
    names = [c[1] for c in conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()]
    key = "CAST(t.rowid AS TEXT)"
    columns = ", ".join(f't."{n}"' for n in names)
    # Which columns' values seldom repeat, from the first rows: their CRCs are not cached.
    *distinct, sample = conn.execute(
        f"SELECT {', '.join(f'count(DISTINCT {c})' for c in columns.split(', '))}, count(*) "
        f'FROM (SELECT * FROM main."{table}" t WHERE t.rowid > ? ORDER BY t.rowid LIMIT 1000) t',
        (low,),
    ).fetchone()
    unique = frozenset(n for n, d in zip(names, distinct, strict=True) if d * 2 > sample)
    conn.create_function("hz_seal", -1, _row_function(names, unique), deterministic=True)
    plain = " AND ".join(f"typeof(t.\"{n}\") NOT IN ('real', 'blob')" for n in names)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hz_new (pk TEXT PRIMARY KEY, sealed TEXT) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.hz_new")
    # Keyed by the text key, as the event lists them and row_seal's key orders them: no sort
    # of millions of rows (at a million members the sorter outgrew the page cache).
    count = conn.execute(
        f"INSERT INTO temp.hz_new (pk, sealed) SELECT {key}, "
        f"iif({plain}, hz_seal({_canonical_sql(table, names, key)}, {columns}), NULL) "
        f'FROM main."{table}" t WHERE t.rowid > ? AND t.rowid <= ?',
        (low, high),
    ).rowcount
    rest = conn.execute("SELECT pk FROM temp.hz_new WHERE sealed IS NULL").fetchall()
    if rest:
        found = {
            pk: h + json.dumps(cols, separators=(",", ":")) for pk, h, cols in _current(table, [r[0] for r in rest])
        }
        conn.executemany("UPDATE temp.hz_new SET sealed = ? WHERE pk = ?", [(found[pk], pk) for (pk,) in rest])
    conn.execute(
        "INSERT OR REPLACE INTO row_seal (tbl, pk, hash, cols, seq) "
        f"SELECT ?, pk, substr(sealed, 1, {HASH_CHARS}), substr(sealed, {HASH_CHARS + 1}), ? "
        "FROM temp.hz_new ORDER BY pk",
        (table, seq),
    )
    (rows,) = conn.execute(
        f"SELECT json_group_array(json_array(?, pk, substr(sealed, 1, {HASH_CHARS}))) "
        "FROM (SELECT pk, sealed FROM temp.hz_new ORDER BY pk)",
        (table,),
    ).fetchone()
    conn.execute("DELETE FROM temp.hz_new")
    _appending[id(conn)][table][1] += count
    return rows


def _joined(dirty: str, ranges: dict[str, str]) -> str:
    """One event's ``rows`` from the dirty rows' list and the appended tables' (no table in both):
    by table, then key, as ``seal`` lists them."""
    filled = [text for text in ranges.values() if text != "[]"]
    if dirty == "[]" and len(filled) <= 1:
        return filled[0] if filled else "[]"  # one table's list (hundreds of MB at a million members): no copy
    parts = {table: text[1:-1] for table, text in ranges.items() if text != "[]"}
    by_table: dict[str, list] = {}
    for entry in json.loads(dirty):
        by_table.setdefault(entry[0], []).append(entry)
    for table, entries in by_table.items():
        parts[table] = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))[1:-1]
    return "[" + ",".join(parts[t] for t in sorted(parts)) + "]"


def seal_everything() -> None:
    """Mark every business row dirty, so the next event seals the whole database (the upgrade
    event of an older database, whose rows no event has held yet)."""
    from models.db import is_pg

    if is_pg():
        return
    ensure_triggers()
    for table in business_tables():
        database.execute_sql(
            f'INSERT INTO temp.hz_dirty SELECT ?, CAST({_pk_expr(table)} AS TEXT) FROM main."{table}"', (table,)
        )


@dataclass
class RowFinding:
    table: str
    pk: str
    kind: str  # changed | added | deleted | seal_forged
    columns: list[str] = field(default_factory=list)
    seq: int | None = None

    def text(self) -> str:
        what = {
            "changed": "被改动",
            "added": "被添加（无事件记录）",
            "deleted": "被删除（无事件记录）",
            "seal_forged": "的封存记录与签名事件不符",
        }[self.kind]
        cols = f"（列 {'、'.join(self.columns)} 不同）" if self.columns else ""
        by = f"，最后由第 {self.seq} 条事件写入" if self.seq else ""
        return f"{self.table} 第 {self.pk} 行{what}{cols}{by}"

    def to_json(self) -> dict:
        return {"table": self.table, "pk": self.pk, "kind": self.kind, "columns": self.columns, "seq": self.seq}


def expected_from_events() -> dict[tuple[str, str], tuple[str, int]] | None:
    """The row hashes the signed events hold, latest per row; None before any event sealed rows."""
    exp: dict[tuple[str, str], tuple[str, int]] = {}
    any_rows = False
    for seq, rows in database.execute_sql("SELECT seq, rows FROM audit_event WHERE rows IS NOT NULL ORDER BY seq"):
        any_rows = True
        for tbl, pk, h in json.loads(rows):
            if h is None:
                exp.pop((tbl, pk), None)
            else:
                exp[(tbl, pk)] = (h, seq)
    return exp if any_rows else None


#: The row check's page cache, KiB (the connection's own is restored after it): it walks each
#: table and ``row_seal`` side by side in key order, so a few pages of each are enough, and the
#: TUI's memory stays flat while it runs (issue 15: RSS ≤ 150 MB at a million members).
CHECK_CACHE_KIB = 2048
#: An event's ``rows`` longer than this many bytes (a demo build's or a large import's steps:
#: 244 MB for one event at a million members) is read in pieces of about this size by
#: incremental blob I/O, never as one value: ``json_each`` over the whole text held ~2× its size.
PIECE_BYTES = 1 << 20

_PASS = (
    # Each entry an event lists, against the row's seal: counted when the seal names this event
    # and holds this hash; listed when no seal holds the row (a row deleted since, or a seal
    # removed) or the seal names an older event than this one (the seal is stale or forged).
    "SELECT u.seq, count(*) FILTER (WHERE s.seq = u.seq AND s.hash = u.value ->> 2), "
    "json_group_array(json_array(u.value ->> 0, u.value ->> 1, u.value ->> 2, s.seq)) "
    "FILTER (WHERE s.seq IS NULL OR s.seq < u.seq) "
    "FROM {source} u LEFT JOIN row_seal s ON s.tbl = u.value ->> 0 AND s.pk = u.value ->> 1{group}"
)
#: Sources of entries (seq, value) for ``{source}``: the short lists, in one statement; a piece.
_SMALL = (
    "(SELECT e.seq AS seq, j.value AS value FROM audit_event e, json_each(e.rows) j "
    "WHERE e.rows IS NOT NULL AND octet_length(e.rows) <= ?)"
)
_ONE = "(SELECT e.seq AS seq, j.value AS value FROM audit_event e, json_each(e.rows) j WHERE e.seq = ?)"
_PIECE = "(SELECT ? AS seq, j.value AS value FROM json_each(?) j)"


def _units(conn, seq: int | None = None):
    """The events' row lists as (SQL source, parameters) for ``{source}`` in a query over ``e.seq``
    and ``j.value`` (each entry): the short lists in one statement, each long one piece by piece.
    ``seq``: that event's only."""
    if seq is None:
        yield _SMALL, (PIECE_BYTES,)
        big = conn.execute(
            "SELECT seq FROM audit_event WHERE rows IS NOT NULL AND octet_length(rows) > ? ORDER BY seq",
            (PIECE_BYTES,),
        ).fetchall()
    else:
        size = conn.execute("SELECT octet_length(rows) FROM audit_event WHERE seq = ?", (seq,)).fetchone()
        if size is None or size[0] is None:
            return
        if size[0] <= PIECE_BYTES:
            yield _ONE, (seq,)
            return
        big = [(seq,)]
    for (q,) in big:
        for piece in _pieces(conn, q):
            yield _PIECE, (q, piece)


def _pieces(conn, seq: int):
    """Event ``seq``'s ``rows`` (a JSON list of entries) as JSON lists of about ``PIECE_BYTES``,
    cut between two entries. A cut is taken only where the part before it is valid JSON: a
    ``],[`` inside a key's text would leave an unterminated string there, so the piece grows to
    the next cut instead (a whole list in one piece at worst, never a wrong split)."""
    blob = conn.open_blob("audit_event", "rows", seq, readonly=True)
    try:
        buf = b""
        first = True
        while True:
            chunk = blob.read(PIECE_BYTES)
            if not chunk:
                break
            if first:
                chunk, first = chunk.lstrip(), False
                if not chunk.startswith(b"["):
                    raise ValueError(f"event {seq}: rows is not a JSON list")
                chunk = chunk[1:]
            buf += chunk
            cut = buf.rfind(b"],[")
            while cut >= 0:
                piece = "[" + buf[: cut + 1].decode("utf-8") + "]"
                if conn.execute("SELECT json_valid(?)", (piece,)).fetchone()[0]:
                    yield piece
                    buf = buf[cut + 2 :]
                    break
                cut = buf.rfind(b"],[", 0, cut)
        if buf.strip() not in (b"", b"]"):
            yield "[" + buf.decode("utf-8")
    finally:
        blob.close()


def verify(limit: int = 200) -> tuple[list[RowFinding], int]:
    """Compare every business row with the hash its latest signed event holds. Returns
    (findings, rows checked). Relies on the events themselves having been verified.

    In memory bounded by a few pages and one piece of an event's list, whatever the size
    (issue 15: folding every event's list into a temporary table held ~7 million entries at a
    million members, 857 MB with the TUI). ``row_seal`` holds the current hash per row, unsigned,
    so it is first proven equal to the fold of the signed events, in one pass over the events:

    * every seal is found, with its hash, in the event its ``seq`` names (counted per event
      against ``row_seal``'s count per ``seq``), and no event lists a row later than its seal
      names. So the named event is the latest that wrote the row: the seal is the fold's entry;
    * an entry whose row has no seal is kept (latest per row, few: the deleted rows) in
      ``temp.hz_gone``: the row is expected only if its latest entry holds a hash.

    A seal that fails is ``seal_forged``; for those rows the fold's entry is found by a second
    pass over the events (only then), in ``temp.hz_fix`` with the rows ``hz_gone`` expects.
    Then each table is walked beside ``row_seal`` in key order, every row's canonical text built
    in SQL as ``_seal_bulk`` builds it and hashed by a registered function: changed, added, and
    a count of the rows expected against those found for deleted ones.

    An insider with the raw key who changes a row and its seal alike still fails the first
    step: the signed event the seal names holds the old hash. Making the seal name an event
    that does not list the row, or an older one, fails it too. ``_verify_rows`` (Python,
    ``row_hash`` per row, the fold in a dict) gives the same findings
    (tests/security/test_rowseal_verify_sql.py); rows holding a REAL or a BLOB, whose JSON SQL
    does not write as Python does, are hashed by it here too.

    Run inside one read transaction (begun here unless the caller has one): the TUI runs it on
    its own connection while the clerk may be writing, and the check must see one state."""
    from models.db import is_pg

    if is_pg():
        return [], 0  # no row seals on a server database (see ``seal``)
    conn = database.connection()
    if not conn.execute("SELECT 1 FROM audit_event WHERE rows IS NOT NULL LIMIT 1").fetchone():
        return [], 0
    own = not conn.in_transaction
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{CHECK_CACHE_KIB}")
    if own:
        conn.execute("BEGIN")
    for ddl in (
        "CREATE TEMP TABLE IF NOT EXISTS hz_gone (tbl TEXT NOT NULL, pk TEXT NOT NULL, hash TEXT, seq INTEGER, "
        "PRIMARY KEY (tbl, pk)) WITHOUT ROWID",
        # sealed: 1 for a forged seal's row (its fold's entry), 0 for a row only hz_gone expects
        "CREATE TEMP TABLE IF NOT EXISTS hz_fix (tbl TEXT NOT NULL, pk TEXT NOT NULL, hash TEXT, seq INTEGER, "
        "sealed INTEGER NOT NULL, PRIMARY KEY (tbl, pk)) WITHOUT ROWID",
        "CREATE TEMP TABLE IF NOT EXISTS hz_listed (tbl TEXT NOT NULL, pk TEXT NOT NULL, hash TEXT, "
        "PRIMARY KEY (tbl, pk)) WITHOUT ROWID",
    ):
        conn.execute(ddl)
    try:
        forged = _seals_against_events(conn)
        conn.create_function(
            "hz_hash", 1, lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS], deterministic=True
        )
        findings = [RowFinding(tbl, pk, "seal_forged", seq=seq) for tbl, pk, seq in forged]
        checked = 0
        tables = business_tables()
        for table in tables:
            checked += _verify_table(conn, table, findings)
        _vanished_tables(conn, set(tables), findings)
    finally:
        for name in ("hz_gone", "hz_fix", "hz_listed"):
            conn.execute(f"DELETE FROM temp.{name}")
        if own:
            conn.execute("ROLLBACK")
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
    findings.sort(key=lambda f: (f.table, f.pk, f.kind))
    return findings, checked


def _seals_against_events(conn) -> list[tuple[str, str, int]]:
    """Prove ``row_seal`` equal to the fold of the signed events (see ``verify``); return the
    seals that are not (table, key, the seal's seq) and fill ``temp.hz_fix`` with what the
    events expect of those rows and of the rows without a seal."""
    matched: dict[int, int] = {}
    stale: set[tuple[str, str]] = set()
    for source, params in _units(conn):
        # A piece is one event's: no GROUP BY, which would sort its entries first.
        group = "" if source == _PIECE else " GROUP BY u.seq"
        for seq, count, odd in conn.execute(_PASS.format(source=source, group=group), params).fetchall():
            matched[seq] = matched.get(seq, 0) + count
            gone = []
            for tbl, pk, h, sealed_seq in json.loads(odd):
                if sealed_seq is None:
                    gone.append((tbl, pk, h, seq))
                else:
                    stale.add((tbl, pk))
            if gone:
                # latest entry per row; pieces and the short lists come in any order of events
                conn.executemany(
                    "INSERT INTO temp.hz_gone (tbl, pk, hash, seq) VALUES (?, ?, ?, ?) ON CONFLICT (tbl, pk) "
                    "DO UPDATE SET hash = excluded.hash, seq = excluded.seq WHERE excluded.seq >= hz_gone.seq",
                    gone,
                )
    bad = set(stale)
    for seq, count in conn.execute("SELECT seq, count(*) FROM row_seal GROUP BY seq").fetchall():
        if matched.get(seq, 0) == count:
            continue
        # Some seal naming this event is not in it with its hash: which ones (only when tampered).
        conn.execute("DELETE FROM temp.hz_listed")
        for source, params in _units(conn, seq):
            conn.execute(
                "INSERT OR REPLACE INTO temp.hz_listed (tbl, pk, hash) "
                f"SELECT u.value ->> 0, u.value ->> 1, u.value ->> 2 FROM {source} u",
                params,
            )
        bad.update(
            conn.execute(
                "SELECT s.tbl, s.pk FROM row_seal s WHERE s.seq = ? AND NOT EXISTS (SELECT 1 FROM temp.hz_listed l "
                "WHERE l.tbl = s.tbl AND l.pk = s.pk AND l.hash = s.hash)",
                (seq,),
            ).fetchall()
        )
    conn.execute("DELETE FROM temp.hz_listed")
    forged: list[tuple[str, str, int]] = []
    if bad:
        conn.executemany(
            "INSERT INTO temp.hz_fix (tbl, pk, hash, seq, sealed) VALUES (?, ?, NULL, NULL, 1)", sorted(bad)
        )
        forged = conn.execute(
            "SELECT s.tbl, s.pk, s.seq FROM temp.hz_fix x JOIN row_seal s ON s.tbl = x.tbl AND s.pk = x.pk"
        ).fetchall()
        # The fold's entry for those rows: a second pass over the events, for them alone.
        for source, params in _units(conn):
            for seq, tbl, pk, h in conn.execute(
                "SELECT u.seq, u.value ->> 0, u.value ->> 1, u.value ->> 2 "
                f"FROM {source} u JOIN temp.hz_fix x ON x.tbl = u.value ->> 0 AND x.pk = u.value ->> 1",
                params,
            ).fetchall():
                conn.execute(
                    "UPDATE temp.hz_fix SET hash = ?, seq = ? WHERE tbl = ? AND pk = ? AND (seq IS NULL OR seq <= ?)",
                    (h, seq, tbl, pk, seq),
                )
    conn.execute(
        "INSERT INTO temp.hz_fix (tbl, pk, hash, seq, sealed) "
        "SELECT tbl, pk, hash, seq, 0 FROM temp.hz_gone WHERE hash IS NOT NULL"
    )
    return forged


def _expected(fixed: bool) -> tuple[str, str, str]:
    """SQL for the hash and seq a row is expected to hold (its seal's, or ``hz_fix``'s where the
    seal is forged or missing) and the join that gives them, for rows ``r`` keyed ``r.k``."""
    if not fixed:
        return "s.hash", "s.seq", "LEFT JOIN row_seal s ON s.tbl = ? AND s.pk = r.k"
    return (
        "iif(x.pk IS NULL, s.hash, x.hash)",
        "iif(x.pk IS NULL, s.seq, x.seq)",
        # by the table's name, not s.tbl: a row hz_fix expects may have no seal
        "LEFT JOIN row_seal s ON s.tbl = ? AND s.pk = r.k LEFT JOIN temp.hz_fix x ON x.tbl = ? AND x.pk = r.k",
    )


def _verify_table(conn, table: str, findings: list[RowFinding]) -> int:
    """``verify`` for one table: its rows changed or added, then deleted; returns its row count."""
    names = [c[1] for c in conn.execute(f'PRAGMA main.table_info("{table}")').fetchall()]
    expr = _pk_expr(table)
    key = f"CAST({_prefixed(expr, 't')} AS TEXT)"
    plain = " AND ".join(f"typeof(t.\"{n}\") NOT IN ('real', 'blob')" for n in names)
    fixed = conn.execute("SELECT 1 FROM temp.hz_fix WHERE tbl = ? LIMIT 1", (table,)).fetchone() is not None
    eh, es, join = _expected(fixed)
    params = (table, table) if fixed else (table,)
    # One pass: the rows whose hash is not the one expected (changed, or added without an
    # event), and how many rows are expected at all (to count the deleted ones).
    rows, known, differ = conn.execute(
        f"SELECT count(*), count({eh}), json_group_array(json_array(r.k, {eh} IS NOT NULL, {es})) "
        f"FILTER (WHERE {eh} IS NOT r.h) "
        f"FROM (SELECT {key} AS k, hz_hash({_canonical_sql(table, names, key)}) AS h "
        f'FROM main."{table}" t WHERE {plain}) r {join}',
        params,
    ).fetchone()
    rest = [r[0] for r in conn.execute(f'SELECT {key} FROM main."{table}" t WHERE NOT ({plain})')]
    changed = {pk: seq for pk, is_known, seq in json.loads(differ) if is_known}
    added = [pk for pk, is_known, _ in json.loads(differ) if not is_known]
    if rest:  # REAL or BLOB values: hashed in Python, as ``seal`` hashed them
        want = {
            pk: (h, seq)
            for pk, h, seq in conn.execute(
                f"SELECT r.k, {eh}, {es} FROM (SELECT value AS k FROM json_each(?)) r {join}",
                (json.dumps(rest), *params),
            )
            if h is not None
        }
        rows += len(rest)
        known += len(want)
        for pk, h, _cols in _current(table, rest):
            if pk not in want:
                added.append(pk)
            elif want[pk][0] != h:
                changed[pk] = want[pk][1]
    for pk in added:
        findings.append(RowFinding(table, pk, "added"))
    if changed:
        pks = sorted(changed)
        sealed = {
            pk: json.loads(cols)
            for pk, cols in conn.execute(
                "SELECT pk, cols FROM row_seal WHERE tbl = ? AND pk IN (SELECT value FROM json_each(?))",
                (table, json.dumps(pks)),
            )
        }
        for pk, _h, cols in _current(table, pks):
            was = sealed.get(pk)
            diff = sorted(n for n in set(cols) | set(was) if was.get(n) != cols.get(n)) if was is not None else []
            findings.append(RowFinding(table, pk, "changed", diff, changed[pk]))
    live = _live(conn, table)
    if live > known:  # some rows expected are gone: which (rare, so one lookup per expected row)
        exists = _exists_sql(table, expr, "e.pk")
        for pk, seq in conn.execute(
            f"SELECT pk, seq FROM ({_LIVE}) e WHERE NOT EXISTS ({exists})", (table, table)
        ).fetchall():
            findings.append(RowFinding(table, pk, "deleted", seq=seq))
    return rows


#: The rows a table is expected to hold (key, seq): sealed and not forged, or in hz_fix with a hash.
_LIVE = (
    "SELECT s.pk, s.seq FROM row_seal s WHERE s.tbl = ? AND NOT EXISTS "
    "(SELECT 1 FROM temp.hz_fix x WHERE x.tbl = s.tbl AND x.pk = s.pk) "
    "UNION ALL SELECT pk, seq FROM temp.hz_fix WHERE tbl = ? AND hash IS NOT NULL"
)


def _live(conn, table: str) -> int:
    return conn.execute(
        "SELECT (SELECT count(*) FROM row_seal WHERE tbl = ?) - (SELECT count(*) FROM temp.hz_fix WHERE tbl = ? "
        "AND sealed) + (SELECT count(*) FROM temp.hz_fix WHERE tbl = ? AND hash IS NOT NULL)",
        (table, table, table),
    ).fetchone()[0]


def _exists_sql(table: str, expr: str, pk: str) -> str:
    """SQL: the row keyed by the text ``pk`` is in ``table``, found through its key's index."""
    if expr == "rowid":
        match = f"t.rowid = CAST({pk} AS INTEGER)"
    elif expr.startswith("json_array("):
        cols = expr[len("json_array(") : -1].split(", ")
        match = " AND ".join(f"t.{c} = {pk} ->> {i}" for i, c in enumerate(cols))
    else:
        match = f"t.{expr} = {pk}"
    return f'SELECT 1 FROM main."{table}" t WHERE {match} AND CAST({_prefixed(expr, "t")} AS TEXT) = {pk}'


def _vanished_tables(conn, tables: set[str], findings: list[RowFinding]) -> None:
    """Rows expected in a table that is no longer there are deleted (as the fold in Python says)."""
    for (table,) in conn.execute(
        "SELECT DISTINCT tbl FROM row_seal UNION SELECT tbl FROM temp.hz_fix WHERE hash IS NOT NULL"
    ).fetchall():
        if table not in tables:
            for pk, seq in conn.execute(_LIVE, (table, table)).fetchall():
                findings.append(RowFinding(table, pk, "deleted", seq=seq))


def _verify_rows() -> tuple[list[RowFinding], int]:
    """``verify`` in Python, row by row with ``row_hash`` (the reference ``verify`` is compared
    with; minutes at a million members)."""
    from models.db import is_pg

    if is_pg():
        return [], 0  # no row seals on a server database (see ``seal``)
    exp = expected_from_events()
    if exp is None:
        return [], 0
    seals = {
        (t, p): (h, json.loads(c), s)
        for t, p, h, c, s in database.execute_sql("SELECT tbl, pk, hash, cols, seq FROM row_seal")
    }
    findings: list[RowFinding] = []
    checked = 0
    seen: set[tuple[str, str]] = set()
    for table in business_tables():
        for pk, h, cols in _current(table, None):
            checked += 1
            key = (table, pk)
            seen.add(key)
            want = exp.get(key)
            if want is None:
                findings.append(RowFinding(table, pk, "added"))
            elif want[0] != h:
                sealed = seals.get(key)
                diff = (
                    sorted(
                        n
                        for n in set(cols) | set(sealed[1] if sealed else {})
                        if sealed is None or sealed[1].get(n) != cols.get(n)
                    )
                    if sealed
                    else []
                )
                findings.append(RowFinding(table, pk, "changed", diff, want[1]))
    for key, (_h, seq) in exp.items():
        if key not in seen:
            findings.append(RowFinding(key[0], key[1], "deleted", seq=seq))
    for key, (h, _cols, seq) in seals.items():
        want = exp.get(key)
        if want is None or want[0] != h or want[1] != seq:
            findings.append(RowFinding(key[0], key[1], "seal_forged", seq=seq))
    findings.sort(key=lambda f: (f.table, f.pk, f.kind))
    return findings, checked


def check_at_unlock(session) -> list[RowFinding]:
    """The TUI's unlock (issue 13 item 3): the same row findings ``huzhu check`` reports; any one
    opens the database read-only with a warning naming table, row and what differs, so no one
    works on top of books changed outside the program. (Not run by every CLI command: it reads
    every row; ``huzhu check`` is the command line's way.)"""
    findings, _checked = verify()
    if not findings:
        return findings
    texts = [f.text() for f in findings]
    session.read_only = True
    session.row_findings = texts
    more = f"；等共 {len(texts)} 处" if len(texts) > 5 else ""
    session.warn(
        f"账目中有在本程序之外被改动的记录：{'；'.join(texts[:5])}{more}。为免在被改动的账目上继续工作，"
        "已以只读方式打开。请负责人运行 huzhu check 查看全部，并从改动之前的备份恢复（huzhu restore）。",
        f"{len(texts)} business row(s) were changed outside the program (e.g. {findings[0].table} row "
        f"{findings[0].pk}: {findings[0].kind}): opened read-only; a supervisor should run huzhu check and "
        "restore a backup from before the change (huzhu restore)",
    )
    return findings
