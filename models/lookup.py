"""The lookup clerks use most: find a member by ID number, its last digits, name or pinyin
initials, and say for each plan whether they are covered on a date (docs/rules.md R1's statuses).

Finding is SQL over indexed columns (``member.id_number``, ``member.id_rev`` for suffixes,
``member.name``, ``member.initials``); the statuses come from ``rules.observation_status``
and ``rules.payable_shares`` — this module only gathers the plain data they need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from models.db import database
from rules import (
    CoverageLine,
    MemberPolicy,
    check_id_number,
    mask_id,
    observation_status,
    payable_shares,
    ruleset_on,
)

DEFAULT_LIMIT = 20
_ID_FULL = re.compile(r"^\d{17}[\dXx]$")
_ID_SUFFIX = re.compile(r"^\d{3,16}[\dXx]$")
_INITIALS = re.compile(r"^[A-Za-z]{1,10}$")

# The SQL each kind of query runs, in order, until the limit is filled; bench/bench_lookup.py
# runs the same statements on plain SQLite. Every statement reads its index in order and stops
# at the limit: exact matches first, then longer names or initials with the same beginning.
# (Ordering by length(...) instead would read and sort every row with the prefix: 0.4 s for
# "zs" among 1,000,000 members.) Each index covers the columns selected (migration 0006), so
# no member table page is read; a full ID is searched reversed, in the same index as suffixes.
# LIMIT is an integer literal, not a parameter: the SQLite in SQLCipher 4.19 (3.53) lets a
# bound LIMIT steer its plan, so it recompiles such a statement on every run (10–15 µs: more
# than the whole cached lookup takes on plain SQLite). A few LIMIT values, a few cached texts.
SELECT = (
    "SELECT m.id, m.name, m.id_number, m.sex, m.retirement_date, u.code, u.name "
    "FROM member m JOIN unit u ON u.id = m.unit_id "
)
SQL = {
    "id": (SELECT + "WHERE m.id_rev = ? LIMIT {limit}",),
    "id_suffix": (SELECT + "WHERE m.id_rev >= ? AND m.id_rev < ? ORDER BY m.id_rev LIMIT {limit}",),
    "name": (
        SELECT + "WHERE m.name = ? ORDER BY m.name, m.id LIMIT {limit}",
        SELECT + "WHERE m.name > ? AND m.name < ? ORDER BY m.name, m.id LIMIT {limit}",
    ),
    "initials": (
        SELECT + "WHERE m.initials = ? ORDER BY m.initials, m.id LIMIT {limit}",
        SELECT + "WHERE m.initials > ? AND m.initials < ? ORDER BY m.initials, m.id LIMIT {limit}",
    ),
    # A unit's members (the palette's "lookup by unit"): by its code, or by part of its name
    # when no member's name matches. Units are few; the member index by unit_id does the rest.
    "unit": (SELECT + "WHERE u.code = ? COLLATE NOCASE ORDER BY m.name, m.id LIMIT {limit}",),
    "unit_name": (SELECT + "WHERE u.name LIKE ? ESCAPE '\\' ORDER BY u.code, m.name, m.id LIMIT {limit}",),
}
_UNIT_CODE = re.compile(r"^[A-Za-z]+\d{2,}$")
_DIGITS = re.compile(r"^\d{1,3}$")
COVERAGE_SQL = (
    "SELECT c.member_id, p.plan_id, p.start, p.end, c.shares, c.cover_start, c.observation_end "
    "FROM coverage c JOIN policy p ON p.id = c.policy_id WHERE c.member_id IN ({})"
)


@dataclass
class PlanStatus:
    plan: str
    plan_name: str
    sample: bool
    status: str
    code: str
    message: str
    citation: str
    ruleset: str
    held: int = 0
    payable: int = 0
    in_observation: int = 0
    observation_end: str | None = None
    days_left: int | None = None
    cover_until: str | None = None


@dataclass
class MemberStatus:
    member_id: int
    name: str
    id_masked: str
    sex: str
    unit_code: str
    unit_name: str
    retirement_date: str | None
    plans: list[PlanStatus] = field(default_factory=list)

    def to_json(self) -> dict:
        d = asdict(self)
        d["unit"] = {"code": d.pop("unit_code"), "name": d.pop("unit_name")}
        return d


@dataclass
class LookupResult:
    query: str
    kind: str
    on: dt.date
    members: list[MemberStatus]
    truncated: bool
    #: Why nothing was searched or found, when the query itself is the problem (Chinese).
    problem: str | None = None

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "kind": self.kind,
            "on": self.on.isoformat(),
            "count": len(self.members),
            "truncated": self.truncated,
            "members": [m.to_json() for m in self.members],
            "problem": self.problem,
        }


def classify_query(query: str) -> tuple[str, str]:
    """(kind, normalised query): id, id_suffix (last 4+ digits), initials, or name."""
    q = re.sub(r"\s+", "", query or "")
    if _DIGITS.match(q):
        return "too_short", q  # not searched: three digits match a tenth of the file
    if _UNIT_CODE.match(q):
        return "unit", q.upper()
    if _ID_FULL.match(q):
        return "id", q.upper()
    if _ID_SUFFIX.match(q) and len(q) >= 4:
        return "id_suffix", q.upper()
    if _INITIALS.match(q):
        return "initials", q.lower()
    return "name", q


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (for index range scans)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def statement(kind: str, step: int, limit: int) -> str:
    """Statement ``step`` of ``SQL[kind]``, stopping after ``limit`` rows."""
    return SQL[kind][step].format(limit=int(limit))


def query_params(kind: str, q: str, step: int = 0) -> tuple:
    """Parameters of statement ``step`` of ``SQL[kind]``."""
    if kind == "id":
        return (q[::-1],)
    if kind == "id_suffix":
        rev = q[::-1]
        return (rev, _next_prefix(rev))
    if kind == "unit":
        return (q,)
    if kind == "unit_name":
        return ("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",)
    return (q,) if step == 0 else (q, _next_prefix(q))


def run_query(execute, kind: str, q: str, limit: int) -> list[tuple]:
    """Run the statements of a kind until ``limit`` rows; ``execute(sql, params)`` returns rows."""
    rows: list[tuple] = []
    for step in range(len(SQL[kind])):
        rows += execute(statement(kind, step, limit - len(rows)), query_params(kind, q, step))
        if len(rows) >= limit:
            break
    return rows


def find(query: str, limit: int = DEFAULT_LIMIT):
    kind, q = classify_query(query)
    if not q or kind == "too_short":
        return kind, q, [], False
    rows = run_query(_execute, kind, q, limit + 1)
    return kind, q, rows[:limit], len(rows) > limit


def coverage_rows(execute, member_ids: list[int]) -> list[tuple]:
    """The coverage lines of these members (``COVERAGE_SQL``); ``execute(sql, params)`` returns rows."""
    if not member_ids:
        return []
    return execute(COVERAGE_SQL.format(",".join("?" * len(member_ids))), list(member_ids))


def lookup_sql(execute, kind: str, q: str, limit: int) -> tuple[list[tuple], list[tuple]]:
    """Every statement a lookup runs: the members found (up to ``limit + 1``, to tell a cut
    list), then the coverage lines of the first ``limit``. bench/bench_lookup.py times this
    same function on the encrypted database and on a plain copy."""
    rows = run_query(execute, kind, q, limit + 1)
    return rows, coverage_rows(execute, [r[0] for r in rows[:limit]])


def _execute(sql: str, params) -> list[tuple]:
    return database.execute_sql(sql, params).fetchall()


def member_policies(member_ids: list[int], rows: list[tuple] | None = None) -> dict[int, dict[str, list[MemberPolicy]]]:
    """Each member's policies per plan, with their coverage lines, as plain rule data
    (from ``rows`` of ``COVERAGE_SQL`` when the caller already has them)."""
    grouped: dict[int, dict[str, dict[tuple, list[CoverageLine]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    if rows is None:
        rows = coverage_rows(_execute, member_ids)
    for mid, plan, start, end, shares, cs, oe in rows:
        grouped[mid][plan][(start, end)].append(
            CoverageLine(shares, dt.date.fromisoformat(cs), dt.date.fromisoformat(oe) if oe else None)
        )
    out: dict[int, dict[str, list[MemberPolicy]]] = {}
    for mid, plans in grouped.items():
        out[mid] = {
            plan: [
                MemberPolicy(dt.date.fromisoformat(s), dt.date.fromisoformat(e), tuple(lines))
                for (s, e), lines in sorted(periods.items())
            ]
            for plan, periods in plans.items()
        }
    return out


def statuses(policies: dict[str, list[MemberPolicy]], on: dt.date, retirement: dt.date | None) -> list[PlanStatus]:
    rs = ruleset_on(on)
    out = []
    for code, params in rs.plans.items():
        held = policies.get(code, [])
        d = observation_status(held, code, on, retirement, rs)
        s = PlanStatus(code, params.name, params.sample, d.outcome, d.code, d.message, str(d.citation), d.ruleset)
        if d.outcome in ("observation", "covered", "retired_pending_exit"):
            pay = payable_shares(held, code, on, "illness", rs)
            s.held, s.payable, s.in_observation = pay.data["held"], pay.data["payable"], pay.data["in_observation"]
        end = d.data.get("observation_end")
        s.observation_end = end.isoformat() if end else None
        s.days_left = d.data.get("days_left")
        until = d.data.get("cover_until")
        s.cover_until = until.isoformat() if until else None
        out.append(s)
    return out


def lookup(query: str, on: dt.date, limit: int = DEFAULT_LIMIT) -> LookupResult:
    kind, q = classify_query(query)
    if kind == "too_short":
        return LookupResult(query, kind, on, [], False, f"身份证号后几位至少 4 位（现为 {len(q)} 位）")
    found, lines = lookup_sql(_execute, kind, q, limit) if q else ([], [])
    if not found and kind == "name" and q:
        kind = "unit_name"
        found, lines = lookup_sql(_execute, kind, q, limit)
    problem = None
    if not found and kind == "id":
        decision = check_id_number(q)
        problem = None if decision.ok else decision.message
    rows, truncated = found[:limit], len(found) > limit
    policies = member_policies([r[0] for r in rows], lines)
    members = []
    for mid, name, idn, sex, retired, ucode, uname in rows:
        retirement = dt.date.fromisoformat(retired) if retired else None
        m = MemberStatus(mid, name, mask_id(idn), sex, ucode, uname, retired)
        m.plans = statuses(policies.get(mid, {}), on, retirement)
        members.append(m)
    return LookupResult(query, kind, on, members, truncated, problem)


# --- the lookup reader's page cache ---------------------------------------------------------------
#
# SQLCipher decrypts and authenticates every page it reads that is not in the connection's page
# cache: a cold lookup costs about twice the same lookup on plain SQLite, whatever the index.
# The TUI therefore runs lookups on one long-lived reader connection (tui/reader.py) whose page
# cache holds what lookups read: the covering indexes and the small tables of the joins, read
# once after unlock, a chunk at a time so a clerk's lookup never waits behind the warm-up.
# bench/bench_lookup.py prepares its encrypted and plain connections the same way.

#: The reader's page cache, KiB. SQLite allocates it only as pages are read, so it costs what
#: the lookup indexes take: about 0.4 KiB per member (≈ 40 MiB for 100,000 members); the cap
#: keeps a very large file from taking more than this, the rest is read on demand.
#: The lookup reader's page cache (issue 15: the TUI stays within 150 MB at a million members,
#: where the lookup indexes alone are ~110 MiB). Lookups keep the indexes' upper levels in it;
#: the leaf pages a lookup reads are decrypted from the OS's file cache (~25 µs each).
READER_CACHE_KIB = 32_768
WARM_CHUNK = 50_000
#: (table, covering index, its leading columns: enough to say where a chunk ends)
WARM_INDEXES = (
    ("member", "member_lookup_id_rev", ("id_rev",)),
    ("member", "member_lookup_name", ("name", "id")),
    ("member", "member_lookup_initials", ("initials", "id")),
    ("coverage", "coverage_lookup_member", ("member_id", "policy_id")),
)
#: (table, a column in no index: reading it reads the table itself)
WARM_TABLES = (("unit", "name"), ("policy", "cover_from"))


def prepare_reader(execute) -> None:
    execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}", ())


def warm_steps(execute, *, indexes: bool = True):
    """Read the lookup's pages into this connection's cache, one chunk per step (a generator:
    the caller runs a waiting lookup between steps). Each chunk is its own statement, so no
    read transaction stays open across steps and a lookup always sees the latest commits.
    ``indexes=False``: the tables only (the reader does so when the indexes would not fit in
    its cache: reading them through would only churn it)."""
    for table, column in WARM_TABLES:
        execute(f'SELECT max("{column}") FROM "{table}"', ())
        yield table
    for table, index, keys in WARM_INDEXES if indexes else ():
        cols = ", ".join(keys)
        last: tuple = ()
        while True:
            # OFFSET steps over a chunk of index entries inside SQLite (reading their pages)
            # and returns only the last one: where the next chunk starts.
            where = f"WHERE ({cols}) > ({', '.join('?' * len(keys))}) " if last else ""
            rows = execute(
                f'SELECT {cols} FROM "{table}" INDEXED BY "{index}" {where}'
                f"ORDER BY {cols} LIMIT 1 OFFSET {WARM_CHUNK - 1}",
                last,
            )
            yield index
            if not rows:
                break
            last = tuple(rows[0])


def warm(execute) -> None:
    for _ in warm_steps(execute):
        pass
