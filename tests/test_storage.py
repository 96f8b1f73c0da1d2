"""The encrypted store: key slots, unlock failures, rekey, backup/restore, audit chain, migrations."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3
from peewee import SqliteDatabase
from playhouse.reflection import Introspector

from models import admin, attempts, audit, lookup, migrate
from models import db as dbmod
from models.db import database, raw_key_literal
from models.errors import (
    BackupError,
    DamagedDatabase,
    EmptyPassphrase,
    KeySlotsDamaged,
    KeySlotsMissing,
    NewerDatabase,
    NotHuzhuDatabase,
    PermissionDenied,
    PlainSqlite,
    RevokedUser,
    SqlCipher3File,
    UnknownUser,
    WrongPassphrase,
)
from models.keyslots import KeyFile, keys_path, pending_keys_path
from models.schema import ALL_MODELS, AuditEvent, Member, Unit
from tests.conftest import CHEAP_KDF, PASSPHRASE

ID_NUMBER = "11010519491231002X"


def _add_member(name="王小明"):
    with dbmod.writing():
        unit = Unit.create(code="U0001", name="北京市朝阳区某某公司工会")
        m = Member.create(
            name=name,
            initials="wxm",
            id_number=ID_NUMBER,
            id_rev=ID_NUMBER[::-1],
            sex="F",
            birth_date=dt.date(1949, 12, 31),
            unit=unit,
            bank_account="6222020200112233445",
        )
        audit.record("member.add", "member", m.id, {"name": name})
    return m


def test_file_holds_no_personal_data_in_plain_bytes(branch_db):
    path, _ = branch_db
    dbmod.unlock(path, "zhang", PASSPHRASE)
    _add_member()
    dbmod.close()
    blobs = [path.read_bytes(), keys_path(path).read_bytes()]
    for needle in ("王小明", ID_NUMBER, "6222020200112233445", "朝阳", "U0001", "某某公司"):
        for blob in blobs:
            assert needle.encode("utf-8") not in blob, needle
    assert not os.path.exists(f"{path}-wal") or os.path.getsize(f"{path}-wal") == 0


def test_keyslot_file_reveals_no_key(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    raw = keys_path(path).read_bytes()
    assert session.key.hex().encode() not in raw and session.key not in raw
    assert PASSPHRASE.encode() not in raw


def test_wrong_passphrase_unknown_user_and_empty_passphrase(branch_db):
    path, _ = branch_db
    with pytest.raises(WrongPassphrase) as exc:
        dbmod.unlock(path, "zhang", "not it")
    assert "口令错误" in exc.value.message_zh and exc.value.exit_code == 10
    with pytest.raises(UnknownUser):
        dbmod.unlock(path, "nobody", PASSPHRASE)
    with pytest.raises(EmptyPassphrase):
        dbmod.unlock(path, "zhang", "")


def test_driver_never_opens_keyless(tmp_path):
    """peewee's driver would create a plaintext file on an empty key; ours refuses."""
    database.init(str(tmp_path / "x.db"), passphrase="")
    with pytest.raises(EmptyPassphrase):
        database.connect()
    assert not (tmp_path / "x.db").exists()


def test_recovery_code_opens_and_can_reset_a_passphrase(branch_db):
    path, recovery = branch_db
    session = dbmod.unlock(path, "recovery", recovery)
    assert session.role == "recovery"
    admin.set_passphrase(session, "zhang", "new passphrase", kdf=CHEAP_KDF)
    dbmod.close()
    with pytest.raises(WrongPassphrase):
        dbmod.unlock(path, "zhang", PASSPHRASE)
    assert dbmod.unlock(path, "zhang", "new passphrase").user == "zhang"


def test_revoked_user_and_deleted_slot_file_cannot_open(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "li", "clerk", "li-pass", kdf=CHEAP_KDF)
    dbmod.close()
    assert dbmod.unlock(path, "li", "li-pass").role == "clerk"
    dbmod.close()
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.revoke_user(session, "li")
    dbmod.close()
    with pytest.raises(RevokedUser) as exc:
        dbmod.unlock(path, "li", "li-pass")
    assert "已" in exc.value.message_zh and "撤销" in exc.value.message_zh
    keys_path(path).unlink()
    with pytest.raises(KeySlotsMissing):
        dbmod.unlock(path, "zhang", PASSPHRASE)


def test_damaged_slot_file(branch_db):
    path, _ = branch_db
    keys_path(path).write_text("{not json", encoding="utf-8")
    with pytest.raises(KeySlotsDamaged):
        dbmod.unlock(path, "zhang", PASSPHRASE)


def test_role_edited_in_slot_file_does_not_grant_it(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "audit", "auditor", "a-pass", kdf=CHEAP_KDF)
    dbmod.close()
    obj = json.loads(keys_path(path).read_text("utf-8"))
    for slot in obj["slots"]:
        if slot["user"] == "audit":
            slot["role"] = "supervisor"
    keys_path(path).write_text(json.dumps(obj), encoding="utf-8")
    session = dbmod.unlock(path, "audit", "a-pass")
    assert session.role == "auditor" and session.read_only
    with pytest.raises(PermissionDenied):
        with dbmod.writing():
            pass


def test_slots_cannot_be_swapped_between_users(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "li", "clerk", "li-pass", kdf=CHEAP_KDF)
    dbmod.close()
    obj = json.loads(keys_path(path).read_text("utf-8"))
    by_user = {s["user"]: s for s in obj["slots"]}
    # li's passphrase material placed under zhang's name must not unlock as zhang
    forged = dict(by_user["li"], user="zhang", role="supervisor")
    obj["slots"] = [forged if s["user"] == "zhang" else s for s in obj["slots"]]
    keys_path(path).write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(WrongPassphrase):
        dbmod.unlock(path, "zhang", "li-pass")


def test_growing_delay_after_repeated_failures(branch_db):
    path, _ = branch_db
    slept: list[float] = []
    for _ in range(6):
        with pytest.raises(WrongPassphrase):
            dbmod.unlock(path, "zhang", "wrong", sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0]  # three free tries, then 1, 2, 4 s
    assert attempts.failures(path) == 6
    dbmod.unlock(path, "zhang", PASSPHRASE, sleep=slept.append)
    assert attempts.failures(path) == 0


def test_plain_sqlite_and_non_huzhu_files_told_apart(tmp_path, branch_db):
    plain = tmp_path / "plain.db"
    con = sqlite3.connect(plain)
    con.execute("create table t(x)")
    con.commit()
    con.close()
    with pytest.raises(PlainSqlite):
        dbmod.unlock(plain, "zhang", PASSPHRASE)
    junk = tmp_path / "junk.hzdb"
    junk.write_bytes(b"hello")
    with pytest.raises(NotHuzhuDatabase):
        dbmod.unlock(junk, "zhang", PASSPHRASE)


def _foreign_db(tmp_path, branch_db, *, compat=None, table="t"):
    """An SQLCipher file keyed with the branch's own key, but not a huzhu database."""
    path, _ = branch_db
    key = dbmod.unlock(path, "zhang", PASSPHRASE).key
    dbmod.close()
    other = tmp_path / f"other{compat or 4}.hzdb"
    con = sqlcipher3.connect(str(other))
    con.execute(f'PRAGMA key = "{raw_key_literal(key)}"')
    if compat:
        con.execute(f"PRAGMA cipher_compatibility = {compat}")
    con.execute(f"create table {table}(x)")
    con.execute(f"insert into {table} values (randomblob(3000))")
    con.commit()
    con.close()
    keys_path(other).write_bytes(keys_path(path).read_bytes())
    return other


def test_sqlcipher3_file_is_named(tmp_path, branch_db):
    with pytest.raises(SqlCipher3File):
        dbmod.unlock(_foreign_db(tmp_path, branch_db, compat=3), "zhang", PASSPHRASE)


def test_encrypted_non_huzhu_file(tmp_path, branch_db):
    with pytest.raises(NotHuzhuDatabase):
        dbmod.unlock(_foreign_db(tmp_path, branch_db), "zhang", PASSPHRASE)


def test_damaged_first_page(branch_db):
    path, _ = branch_db
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabase) as exc:
        dbmod.unlock(path, "zhang", PASSPHRASE)
    assert "第一页" in exc.value.message_zh


def test_newer_database_is_refused(branch_db):
    path, _ = branch_db
    dbmod.unlock(path, "zhang", PASSPHRASE)
    database.execute_sql("INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01')")
    dbmod.close()
    with pytest.raises(NewerDatabase):
        dbmod.unlock(path, "zhang", PASSPHRASE)


def test_wal_and_full_sync(session):
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2


def test_writes_are_attributed_and_chained(session):
    _add_member()
    last = AuditEvent.select().order_by(AuditEvent.seq.desc()).get()
    assert last.user == "zhang" and last.action == "member.add"
    assert audit.verify().ok


def test_audit_row_changed_directly_is_found(session):
    _add_member()
    database.execute_sql("UPDATE audit_event SET detail = '{\"name\":\"李四\"}' WHERE action = 'member.add'")
    items = {i.name: i for i in admin.run_checks()}
    assert not items["audit_chain"].ok
    assert "被改动" in items["audit_chain"].detail
    assert items["integrity_check"].ok


def test_audit_row_deleted_is_found(session):
    _add_member()
    with database.atomic():
        audit.record("x", "y")
    database.execute_sql("DELETE FROM audit_event WHERE action = 'member.add'")
    assert not audit.verify().ok


def test_rekey_old_key_no_longer_opens(branch_db, tmp_path):
    path, recovery = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    _add_member()
    old_key, old_slots = session.key, keys_path(path).read_bytes()
    admin.rekey(session)
    assert session.key != old_key
    dbmod.close()
    assert not dbmod._opens(path, old_key)
    # a departing clerk's old slot file does not open the rekeyed file
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "branch.hzdb").write_bytes(path.read_bytes())
    (stale / "branch.hzdb.keys").write_bytes(old_slots)
    with pytest.raises(DamagedDatabase):
        dbmod.unlock(stale / "branch.hzdb", "zhang", PASSPHRASE)
    # everyone remaining, and the recovery code, still opens it; data intact
    assert dbmod.unlock(path, "recovery", recovery).role == "recovery"
    assert Member.select().count() == 1
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("db_rekeyed", [False, True])
def test_crash_during_rekey_leaves_exactly_one_key(branch_db, db_rekeyed):
    """Simulate a kill after the pending slot file is written, before or after PRAGMA rekey."""
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    new_key = os.urandom(32)
    nxt = session.keyfile.resealed(new_key)
    nxt.save(path, pending=True)
    if db_rekeyed:
        database.execute_sql("PRAGMA journal_mode = DELETE")
        database.execute_sql(f'PRAGMA rekey = "{raw_key_literal(new_key)}"')
    dbmod.close()
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    assert session.key == (new_key if db_rekeyed else session.key)
    assert not pending_keys_path(path).exists()
    assert KeyFile.load(path).key_epoch == (2 if db_rekeyed else 1)
    assert all(i.ok for i in admin.run_checks())


def test_backup_restore_round_trip_with_slots(branch_db, tmp_path):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    _add_member()
    out = tmp_path / "b.hzbak"
    admin.backup(session, out)
    assert "王小明".encode() not in out.read_bytes() and b"U0001" not in out.read_bytes()
    admin.add_user(session, "later", "clerk", "x", kdf=CHEAP_KDF)  # made after the backup
    dbmod.close()

    from models import backup

    header, raw, offset = backup.read_header(out)
    kf = KeyFile.from_bytes(json.dumps(header["keys"]).encode())
    key = dbmod.unwrap_key(out, kf, "zhang", PASSPHRASE)
    info = backup.restore_backup(out, path, key, header, raw, offset)
    assert info["previous_kept_as"]
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    assert Member.get().name == "王小明"
    assert session.keyfile.slot("later") is None  # slots came back as they were
    assert all(i.ok for i in admin.run_checks())


@pytest.mark.parametrize("where", ["header", "body", "end", "truncate"])
def test_tampered_backup_is_refused(branch_db, tmp_path, where):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    _add_member()
    out = tmp_path / "b.hzbak"
    admin.backup(session, out)
    dbmod.close()
    data = bytearray(out.read_bytes())
    from models import backup

    header, raw, offset = backup.read_header(out)
    if where == "header":
        i = raw.index(b'"created"') + 14
        data[len(backup.MAGIC) + 4 + i] ^= 0x01
    elif where == "body":
        data[offset + 5000] ^= 0x01
    elif where == "end":
        data[-1] ^= 0x01
    else:
        del data[-100:]
    out.write_bytes(bytes(data))
    before = path.read_bytes()
    kf = KeyFile.from_bytes(json.dumps(header["keys"]).encode())
    key = dbmod.unwrap_key(out, kf, "zhang", PASSPHRASE)
    with pytest.raises(BackupError) as exc:
        header2, raw2, offset2 = backup.read_header(out)
        backup.restore_backup(out, path, key, header2, raw2, offset2)
    assert "改动" in exc.value.message_zh or "损坏" in exc.value.message_zh
    assert path.read_bytes() == before  # nothing replaced


def test_migrations_keep_every_row(tmp_path):
    """Build at the first schema, fill it, migrate to head: every row survives."""
    from playhouse.migrations import Runner

    import migrations

    path = tmp_path / "old.hzdb"
    key = os.urandom(32)
    database.init(str(path), passphrase=raw_key_literal(key), pragmas=dbmod.PRAGMAS)
    database.connect()
    runner = Runner(database, migrations.DIRECTORY)
    first = migrations.names()[0]
    runner.up(target=first)
    database.execute_sql("INSERT INTO unit (code, name) VALUES ('U1', '甲工会'), ('U2', '乙工会')")
    database.execute_sql("INSERT INTO plan VALUES ('ZYYL', '住院医疗', 'medical', 12, 5000, 90, 1)")
    for i in range(50):
        database.execute_sql(
            "INSERT INTO member (name, initials, id_number, id_rev, sex, birth_date, unit_id) VALUES (?,?,?,?,?,?,?)",
            (f"会员{i}", "hy", f"ID{i:016d}", f"{i:016d}DI", "M", "1980-01-01", 1 + i % 2),
        )
    database.execute_sql(
        "INSERT INTO policy (unit_id, plan_id, start, end, filed, outcome, cover_from, created_by) "
        "VALUES (1, 'ZYYL', '2026-01-01', '2026-12-31', '2025-12-20', 'first_enrolment', '2026-01-01', 't')"
    )
    for i in range(50):
        database.execute_sql(
            "INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, created_by) "
            "VALUES (?, 1, 2, '2026-01-01', '2026-03-31', 'first_enrolment', '2025-12-20', 't')",
            (i + 1,),
        )
    before = {
        t: database.execute_sql(f"SELECT * FROM {t} ORDER BY 1").fetchall()
        for t in ("unit", "member", "coverage", "policy")
    }
    applied = runner.up()
    assert applied == migrations.names()[1:]
    for table, rows in before.items():
        after = database.execute_sql(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        assert len(after) == len(rows)
        assert [r[: len(rows[0])] for r in after] == rows
    # the app's models describe exactly the migrated schema: peewee builds the models' schema in
    # memory and playhouse.reflection reads both (columns, types, NULL, keys, foreign keys, indexes)
    migrated = _schema(database)
    assert migrated.pop("schema_migration")  # the Runner's own record of applied migrations
    reference = SqliteDatabase(":memory:")
    with reference.bind_ctx(ALL_MODELS):
        reference.create_tables(ALL_MODELS)
        models = _schema(reference)
    assert len(models) == len(ALL_MODELS)
    assert migrated == models
    # the lookup reads only its covering indexes: no member or coverage table page
    plans = " ".join(
        str(r)
        for r in database.execute_sql(
            "EXPLAIN QUERY PLAN " + lookup.statement("name", 1, 21), ("会员", "会员\uffff")
        ).fetchall()
    )
    plans += " ".join(
        str(r)
        for r in database.execute_sql("EXPLAIN QUERY PLAN " + lookup.COVERAGE_SQL.format("?,?"), (1, 2)).fetchall()
    )
    assert plans.count("COVERING INDEX") == 2, plans
    dbmod.close()


def _schema(db) -> dict[str, dict]:
    """Each table as peewee's introspection reads it. Partial indexes (``WHERE …``) are left out:
    the migrations build them for particular queries (``migrator.add_index(…, where=…)``) and the
    models do not declare them."""
    meta = Introspector.from_database(db).introspect()
    return {
        table: {
            "columns": {name: (c.field_class.__name__, c.nullable, c.primary_key) for name, c in columns.items()},
            "foreign_keys": sorted((f.column, f.dest_table, f.dest_column) for f in meta.foreign_keys.get(table, [])),
            "indexes": sorted(
                (tuple(i.columns), i.unique)
                for i in meta.indexes.get(table, [])
                if " WHERE " not in (i.sql or "").upper()
            ),
        }
        for table, columns in meta.columns.items()
    }


def test_unlock_backs_up_before_migrating(branch_db):
    path, _ = branch_db
    dbmod.unlock(path, "zhang", PASSPHRASE)
    from playhouse.migrations import Runner

    import migrations

    Runner(database, migrations.DIRECTORY).down()  # back to the schema before head
    dbmod.close()
    dbmod.unlock(path, "zhang", PASSPHRASE)
    assert not migrate.pending()
    backups = list(path.parent.glob("branch.hzdb.pre-*.hzbak"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0


def test_auditor_is_read_only(branch_db):
    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "audit", "auditor", "a", kdf=CHEAP_KDF)
    dbmod.close()
    session = dbmod.unlock(path, "audit", "a")
    with pytest.raises(PermissionDenied):
        admin.add_user(session, "x", "clerk", "y", kdf=CHEAP_KDF)
    with pytest.raises(PermissionDenied):
        with dbmod.writing():
            pass


def test_lost_wal_is_noticed_by_the_high_water_mark(branch_db):
    """Committed work lost with a deleted -wal (integrity checks still pass) opens read-only."""
    from models import hwm

    path, _ = branch_db
    dbmod.unlock(path, "zhang", PASSPHRASE)
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    saved_db = path.read_bytes()  # the main file before the next commit reaches it
    _add_member()
    mark = hwm.read(path, dbmod.current().keyfile.db_id)
    assert mark is not None and mark.seq == audit.head()[0]
    # Losing the -wal before a checkpoint leaves the main file as it was before the commit.
    dbmod.close()
    Path(f"{path}-wal").unlink(missing_ok=True)
    path.write_bytes(saved_db)
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    assert session.read_only and "高水位" in session.warnings[0]
    checks = {i.name: i.ok for i in admin.run_checks()}
    # SQLite's own checks cannot see the loss; the mark does
    assert checks["integrity_check"] and checks["cipher_integrity_check"] and checks["audit_chain"]
    assert checks["high_water_mark"] is False
    with pytest.raises(PermissionDenied):
        with dbmod.writing():
            pass


def test_high_water_mark_follows_commits(session):
    from models import hwm

    _add_member()
    before = hwm.read(session.path, session.keyfile.db_id)
    with dbmod.writing():
        audit.record("x", "y")
    after = hwm.read(session.path, session.keyfile.db_id)
    assert after.seq == before.seq + 1 == audit.head()[0]
    with pytest.raises(RuntimeError):
        with dbmod.writing():
            audit.record("rolled", "back")
            raise RuntimeError
    assert hwm.read(session.path, session.keyfile.db_id) == after


def test_a_killed_backups_temporaries_are_swept_by_the_next_backup(branch_db, tmp_path):
    """A backup killed mid-way leaves a whole copy of the database under the key it had then;
    the next backup in that folder removes it (only if the process that wrote it is gone)."""
    import subprocess
    import sys

    from models.backup import TEMP_PREFIX, sweep_stale

    path, _ = branch_db
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    out = tmp_path / "stick"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale_dir = out / f"{TEMP_PREFIX}{pid}-copy-abc"
    stale_dir.mkdir()
    (stale_dir / "copy.db").write_bytes(b"an old copy")
    stale_file = out / f"{TEMP_PREFIX}{pid}-backup-xyz.tmp"
    stale_file.write_bytes(b"half a backup")
    live = out / f"{TEMP_PREFIX}{os.getppid()}-copy-def"  # our parent is alive: never touched
    live.mkdir()
    other = out / "notes.txt"
    other.write_text("keep")
    admin.backup(session, out / "b.hzbak")
    assert sorted(p.name for p in out.iterdir()) == sorted(["b.hzbak", live.name, "notes.txt"])
    assert sweep_stale(out) == []
