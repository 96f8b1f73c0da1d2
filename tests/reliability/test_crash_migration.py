"""Item 3, migrations: SIGKILL while an unlock migrates an older database.

A branch database is built at the first schema version (``migrations.names()[0]``) and
filled with real rows in the tables later migrations change (6,000 members with two
coverage lines each, units, policies, claims, the audit chain …). Every later migration is
taken from the ``migrations`` package, so a new one is covered without editing this file.
Two unkilled unlocks of a copy measure how long the work takes (automatic backup, then
every pending migration). Then, ``RUNS`` times, a fresh copy is unlocked by a child process
(``migrator.py``: the program's own ``models.db.unlock``) that is SIGKILLed: half the time
at a moment spread over that whole duration, half the time at a moment spread over the
migrations alone (timed from the backup file's appearance), since the backup takes most of
the time.

What the kill left is checked before anything reopens it (on a copy): the history table
is a prefix of the migrations, and the schema is exactly the schema of that prefix (no
table, column or index of a migration that is not recorded, nothing missing of one that
is); both integrity checks pass. Every backup under its final name restores, and holds the
database as it was before the migrations. Then the normal unlock reopens it: it opens
without warnings, finishes the migrations (each recorded exactly once), its schema and every
row equal those of the unkilled migration, every row that was there before is unchanged,
``integrity_check``, ``cipher_integrity_check``, ``foreign_key_check``, the audit chain and the
high-water mark pass (``huzhu check``), and the backup it wrote first holds the state the
kill left. Kills: ``HUZHU_RELIABILITY_MIGRATION_RUNS``, else ``HUZHU_RELIABILITY_ADMIN_RUNS``
(8 in CI; the long run sets more)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from playhouse.migrations import Runner

import migrations
from models import admin, audit, crypto, migrate
from models import db as dbmod
from models.backup import read_header, restore_backup
from models.db import _raw_connect, database, raw_key_literal
from models.keyslots import RECOVERY_USER, KeyFile, new_recovery_code
from tests.reliability.kit import PASSPHRASE, ROOT, kill_after, record

RUNS = int(os.environ.get("HUZHU_RELIABILITY_MIGRATION_RUNS", os.environ.get("HUZHU_RELIABILITY_ADMIN_RUNS", "8")))
MIGRATOR = Path(__file__).resolve().parent / "migrator.py"
NAMES = migrations.names()
FIRST = NAMES[0]
UNITS, MEMBERS, CLAIMS = 40, 6_000, 300
DB_NAME = "branch.hzdb"


# --- the old database ---------------------------------------------------------------------------


def _idn(n: int) -> str:
    from rules.idcard import id_check_char

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=37 * (n // 1000))
    body = f"110105{birth:%Y%m%d}{n % 1000:03d}"
    return body + id_check_char(body)


def build_old(path: Path) -> bytes:
    """A branch database at schema ``FIRST`` with a slot for zhang and real rows; returns its key."""
    from tests.conftest import CHEAP_KDF

    key = os.urandom(crypto.KEY_BYTES)
    now = "2026-01-05T09:00:00"
    keyfile = KeyFile(db_id=dbmod.new_db_id(), hint={})
    keyfile.put(keyfile.make_slot("zhang", "supervisor", PASSPHRASE, key, created=now, kdf=CHEAP_KDF))
    keyfile.put(
        keyfile.make_slot(
            RECOVERY_USER, "recovery", new_recovery_code(), key, kind="recovery", created=now, kdf=CHEAP_KDF
        )
    )
    dbmod.close()
    database.init(str(path), passphrase=raw_key_literal(key), pragmas=dbmod.PRAGMAS)
    database.connect()
    try:
        Runner(database, migrations.DIRECTORY).up(target=FIRST)
        sql = database.execute_sql

        def many(q, rows):
            database.cursor().executemany(q, rows)

        with database.atomic():
            many(
                "INSERT INTO huzhu_meta (key, value) VALUES (?, ?)",
                [("db_id", keyfile.db_id), ("created", now), ("created_by_version", "0.1.0"), ("kind", "branch")],
            )
            sql("INSERT INTO branch (code, name, created_on) VALUES ('004', '朝阳', '2026-01-05')")
            many(
                "INSERT INTO app_user (name, role, active, created_at) VALUES (?, ?, 1, ?)",
                [("zhang", "supervisor", now), (RECOVERY_USER, "recovery", now)],
            )
            audit.record(
                "init", "branch", "004", {"branch_name": "朝阳", "user": "zhang", "role": "supervisor"}, user="zhang"
            )
            many(
                "INSERT INTO plan VALUES (?, ?, ?, 12, ?, ?, 1)",
                [("ZYYL", "住院医疗", "medical", 5000, 90), ("ZDJB", "重大疾病", "critical", 10000, 180)],
            )
            many(
                "INSERT INTO unit (code, name, contact, phone) VALUES (?, ?, ?, ?)",
                [(f"U{u:04d}", f"朝阳某公司{u}工会", f"联系人{u}", f"1381000{u:04d}") for u in range(1, UNITS + 1)],
            )
            for u in range(1, UNITS + 1):
                audit.record("unit.add", "unit", u, {"code": f"U{u:04d}"}, user="zhang")
            many(
                "INSERT INTO member (name, initials, id_number, id_rev, sex, birth_date, unit_id, phone, bank_account) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f"会员{i}",
                        "hy",
                        _idn(i),
                        _idn(i)[::-1],
                        "MF"[i % 2],
                        "1970-01-01",
                        1 + i % UNITS,
                        f"139{i:08d}",
                        f"62220200{i:011d}" if i % 3 == 0 else None,
                    )
                    for i in range(MEMBERS)
                ],
            )
            many(
                "INSERT INTO policy (unit_id, plan_id, start, end, filed, outcome, cover_from, created_by) "
                "VALUES (?, ?, '2026-01-01', '2026-12-31', '2025-12-20', 'first_enrolment', '2026-01-01', 'zhang')",
                [(u, plan) for u in range(1, UNITS + 1) for plan in ("ZYYL", "ZDJB")],
            )
            # Two coverage lines per member (one per plan): the table 0002 and 0005 change.
            many(
                "INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, "
                "created_by) VALUES (?, ?, ?, '2026-01-01', '2026-03-31', 'first_enrolment', '2025-12-20', 'zhang')",
                [(m + 1, 2 * (m % UNITS) + 1 + p, 1 + (m + p) % 3) for m in range(MEMBERS) for p in (0, 1)],
            )
            audit.record("import.enrolments", "coverage", None, {"rows": 2 * MEMBERS}, user="zhang")
            for c in range(1, CLAIMS + 1):
                m = (c * 37) % MEMBERS + 1
                sql(
                    "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, "
                    "shares_claimed, report_date, reporter, channel, materials, state, created_by) "
                    "VALUES (?, ?, 'ZYYL', '肺炎', 'illness', '2026-03-02', 2, '2026-03-05', '刘主席', 'app', '[]', "
                    "'registered', 'zhang')",
                    (m, 1 + (m - 1) % UNITS),
                )
                sql(
                    "INSERT INTO claim_event (claim_id, action, to_state, on_date, by_user, at) "
                    "VALUES (?, 'register', 'registered', '2026-03-05', 'zhang', ?)",
                    (c, now),
                )
                audit.record("claim.register", "claim_report", c, {"member": m}, user="zhang")
            sql(
                "INSERT INTO budget_line (year, code, name, amount_fen) VALUES (2026, 'welfare', '互助互济支出', 1000000)"
            )
            sql(
                "INSERT INTO bundle_log (direction, kind, branch_code, period, sequence, file_name, sha256, created_at, "
                "status) VALUES ('out', 'monthly', '004', '2026-01', 1, '004-202601-0001.hzb', ?, ?, 'sent')",
                ("ab" * 32, now),
            )
    finally:
        dbmod.close()
    keyfile.save(path)
    return key


# --- looking at a database file -----------------------------------------------------------------


def copy_db(db: Path, dst_dir: Path, suffixes=("", ".keys", "-wal")) -> Path:
    """The database, its slot file and its -wal (a killed process's -shm is rebuilt on open)."""
    dst_dir.mkdir()
    for suffix in suffixes:
        if Path(f"{db}{suffix}").exists():
            shutil.copy2(f"{db}{suffix}", dst_dir / f"{db.name}{suffix}")
    return dst_dir / db.name


def schema(conn) -> list[tuple]:
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def history(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM schema_migration ORDER BY id")]


def tables(conn) -> dict[str, list[str]]:
    """Every table but the history (whose timestamps differ) and SQLite's own, with its columns."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migration' ORDER BY name"
        )
    ]
    return {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in names}


def rows(conn) -> dict[str, list[tuple]]:
    return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables(conn)}


def without_upgrade(got: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """What the first unlock after migration 0013 adds, set aside: the signed ``audit.upgrade``
    event (the grant root), its mark in ``huzhu_meta`` and the row seals (models.signing). The
    reference migrates with the bare runner, which records no event."""
    out = dict(got)
    out["row_seal"] = []
    out["huzhu_meta"] = [r for r in got["huzhu_meta"] if r[0] != "audit_signed_from"]
    start = next((int(r[1]) for r in got["huzhu_meta"] if r[0] == "audit_signed_from"), None)
    if start is not None:
        out["audit_event"] = [r for r in got["audit_event"] if r[0] < start]
    return out


def project(got: dict[str, list[tuple]], got_cols: dict[str, list[str]], cols: dict[str, list[str]]):
    """``got``'s rows cut down to the tables and columns in ``cols`` (the old database's)."""
    out = {}
    for t, names in cols.items():
        where = [got_cols[t].index(c) for c in names]
        out[t] = [tuple(r[j] for j in where) for r in got[t]]
    return out


def integrity(conn, *, full: bool = True) -> list[str]:
    problems = [r[0] for r in conn.execute("PRAGMA integrity_check")] if full else ["ok"]
    problems = [] if problems == ["ok"] else problems
    return problems + [" ".join(map(str, r)) for r in conn.execute("PRAGMA cipher_integrity_check")]


def look(path: Path, key: bytes, *, full: bool = True) -> tuple[list[str], list[tuple], list[str]]:
    """History, schema and integrity problems of a database (whose -wal, if any, lies beside it)."""
    conn = _raw_connect(path, key)
    try:
        return history(conn), schema(conn), integrity(conn, full=full)
    finally:
        conn.close()


def reference(base: Path, key: bytes, work: Path):
    """The schema after each migration (applied one at a time), and all rows at head."""
    db = copy_db(base, work)
    schemas = {}
    database.init(str(db), passphrase=raw_key_literal(key), pragmas=dbmod.PRAGMAS)
    database.connect()
    try:
        runner = Runner(database, migrations.DIRECTORY)
        for name in NAMES:
            runner.up(target=name)
            conn = database.connection()
            assert history(conn)[-1] == name
            schemas[name] = schema(conn)
        head_rows, head_cols = rows(database.connection()), tables(database.connection())
    finally:
        dbmod.close()
    return schemas, head_rows, head_cols


# --- the test -----------------------------------------------------------------------------------


def _measure(base: Path, work: Path) -> tuple[float, list[dict]]:
    """One unkilled unlock of a copy in the child: seconds from READY to done, and its trace."""
    db = copy_db(base, work)
    proc = subprocess.Popen(
        [sys.executable, str(MIGRATOR), str(db), "--trace"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    events, ready_at = [], None
    try:
        for line in proc.stdout:
            if line.strip() == "READY":
                ready_at = time.monotonic()
                continue
            events.append(json.loads(line))
            if events[-1]["op"] == "done":
                took = time.monotonic() - ready_at
                break
        else:
            raise AssertionError(f"the unkilled migration failed: {proc.stderr.read()[-3000:]}")
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert events[-1]["applied"] == NAMES and not events[-1]["warnings"], events[-1]
    return took, events


def _restored(backup: Path, key: bytes, scratch: Path) -> Path:
    """Restore a backup into ``scratch`` (raises on any damage; restore runs integrity_check)."""
    scratch.mkdir()
    header_obj, header, offset = read_header(backup)
    restore_backup(backup, scratch / DB_NAME, key, header_obj, header, offset)
    return scratch / DB_NAME


def test_sigkill_during_migration(tmp_path):
    assert len(NAMES) >= 2, "no migration after the first: nothing to kill"
    base = tmp_path / "base" / DB_NAME
    base.parent.mkdir()
    key = build_old(base)
    conn = _raw_connect(base, key)
    try:
        assert history(conn) == [FIRST]
        base_cols, base_rows = tables(conn), rows(conn)
    finally:
        conn.close()
    schemas, head_rows, head_cols = reference(base, key, tmp_path / "reference")
    # The unkilled migration keeps every old row as it was; each killed one must end equal to it.
    assert project(head_rows, head_cols, base_cols) == base_rows
    # The quicker of two unkilled runs: a busy machine stretches one, and kills after the end are wasted.
    took, trace = min((_measure(base, tmp_path / f"measure{n}") for n in range(2)), key=lambda m: m[0])
    phases = {e["op"] + e.get("name", ""): e["t"] for e in trace}
    backup_s = phases["backup-end"] - phases["backup-start"]
    migrating_s = phases["done"] - phases["backup-end"]

    # Half the kills anywhere in the unlock (READY + [0, took]: mostly the backup, which is most of
    # the time), half in the migrations (the backup file's appearance + [0, migrating_s]); each
    # half stratified, so every part of its window is hit.
    rnd = random.Random(f"migration-{RUNS}")
    plan = []
    for kind, n in (("anywhere", (RUNS + 1) // 2), ("migrating", RUNS // 2)):
        window = took if kind == "anywhere" else migrating_s
        slots = [window * (j + rnd.random()) / n for j in range(n)]
        plan += [(kind, d) for d in slots]
    rnd.shuffle(plan)
    found = collections.Counter()
    temp_leftovers = leftover_dirs = final_backups = 0
    started = time.monotonic()
    for i, (kind, delay) in enumerate(plan):
        run_dir = tmp_path / f"run{i}"
        db = copy_db(base, run_dir)
        first_backup = run_dir / f"{DB_NAME}.pre-{NAMES[1]}.hzbak"
        run = kill_after(
            [sys.executable, str(MIGRATOR), str(db)],
            delay,
            start_when=first_backup.exists if kind == "migrating" else None,
        )
        finished = any(a.get("op") == "done" for a in run.acks)

        # 1. What the kill left, on a copy, before anything reopens it: exactly the schema of the
        #    migrations its history records, nothing of one it does not, and both integrity checks.
        seen, shape, problems = look(copy_db(db, tmp_path / f"look{i}", ("", "-wal")), key)
        shutil.rmtree(tmp_path / f"look{i}")
        assert not problems, (i, problems)
        assert seen == NAMES[: len(seen)] and len(seen) >= 1, f"run {i}: history {seen} is not a prefix"
        assert shape == schemas[seen[-1]], (
            f"run {i}: killed with {seen[-1]} recorded as the last migration, the schema is not that version's: "
            f"extra {sorted(set(shape) - set(schemas[seen[-1]]))[:5]}, "
            f"missing {sorted(set(schemas[seen[-1]]) - set(shape))[:5]}"
        )
        assert not finished or seen == NAMES

        # 2. The automatic backup: a file under a final name restores, to the state before migrating.
        finals = sorted(p for p in run_dir.iterdir() if p.name.startswith(DB_NAME) and ".hzbak" in p.name)
        assert finals in ([], [first_backup]), finals
        for b in finals:
            got_history, got_schema, problems = look(_restored(b, key, tmp_path / f"restore{i}"), key, full=False)
            assert got_history == [FIRST] and got_schema == schemas[FIRST] and not problems, (i, b.name, problems)
        final_backups += len(finals)
        # The database's own companions (-wal, .keys, .hwm, .sent …) start with its name; so does a
        # backup under its final name; the backup's temporaries do not (.huzhu-tmp-PID-…).
        leftovers = [p.name for p in run_dir.iterdir() if not p.name.startswith(DB_NAME)]
        assert not any(name.endswith(".hzbak") for name in leftovers), leftovers
        temp_leftovers += len(leftovers)
        leftover_dirs += sum((run_dir / name).is_dir() for name in leftovers)
        found[(len(seen) - 1, "final" if finals else ("temporary" if leftovers else "none"))] += 1

        # 3. The normal unlock reopens it and finishes the migrations; then what huzhu check checks.
        session = dbmod.unlock(db, "zhang", PASSPHRASE)
        try:
            assert not session.warnings and not session.read_only, (i, session.warnings)
            assert not migrate.pending()
            conn = database.connection()
            counted = conn.execute("SELECT name, count(*) FROM schema_migration GROUP BY name ORDER BY name").fetchall()
            assert counted == [(n, 1) for n in NAMES], (i, counted)
            assert schema(conn) == schemas[NAMES[-1]], i
            failed = [(c.name, c.detail) for c in admin.run_checks() if not c.ok]
            assert not failed, (i, failed)
            # (so every row that was there before is there, unchanged: checked on the reference above)
            assert without_upgrade(rows(conn)) == head_rows, (
                f"run {i}: rows differ from those of the unkilled migration"
            )
        finally:
            dbmod.close()
        # The killed process's temporaries (whole copies of the database) are gone once this
        # unlock has backed up again; a kill after the last migration left none to begin with.
        # (A small atomic-write temporary of FILE.hwm may stay: it holds a sequence and a hash.)
        stale = [p.name for p in run_dir.iterdir() if p.name.startswith(".huzhu-tmp-")]
        assert not stale, (i, stale)
        # The backup this unlock wrote before the migrations it had left holds the state the kill left.
        if seen != NAMES:
            pre = run_dir / f"{DB_NAME}.pre-{NAMES[len(seen)]}.hzbak"
            assert pre.exists(), (i, sorted(p.name for p in run_dir.iterdir()))
            got_history, got_schema, problems = look(
                _restored(pre, key, tmp_path / f"restore{i}-after"), key, full=False
            )
            assert got_history == seen and got_schema == schemas[seen[-1]] and not problems, (i, pre.name)
        shutil.rmtree(run_dir)
    took_all = time.monotonic() - started

    state = {"none": "no backup file yet", "temporary": "a temporary backup file", "final": "the backup written"}
    by_step = collections.defaultdict(list)
    for (k, b), n in sorted(found.items()):
        by_step[k].append(f"{n} {state[b]}")
    landed = "; ".join(f"{k}/{len(NAMES) - 1} migrations done: {', '.join(parts)}" for k, parts in by_step.items())
    timing = (
        f"an unkilled unlock of it takes {took:.2f} s after start-up: backup {backup_s:.2f} s, "
        f"{len(NAMES) - 1} migrations {migrating_s:.2f} s"
    )
    print(f"\n{RUNS} kills in {took_all:.1f} s; {timing}; left: {landed}; {temp_leftovers} temporary leftovers")
    record(
        "SIGKILL during migration",
        RUNS,
        f"unlocking a {FIRST} database ({MEMBERS:,} members, {2 * MEMBERS:,} coverage lines) migrates it to "
        f"{NAMES[-1]}; {timing}. Half the kills anywhere in that time, half in the migrations; they left: {landed}. "
        "Every time the schema was exactly that of the recorded migrations (none half applied); it reopened "
        "without warnings and finished the migrations, each recorded once; schema and every row equal to an "
        "unkilled migration's, no old row changed; integrity_check, cipher_integrity_check, foreign_key_check, "
        f"audit chain, high-water mark ok. Backup files left under a final name: {final_backups}, each restoring "
        f"to the pre-migration state; {temp_leftovers} temporary backup leftovers, never under a final name "
        f"({leftover_dirs} of them folders holding the backup's whole encrypted copy of the database), each "
        "removed by the next unlock's backup",
    )
