"""Bring an unlocked database to the schema head, after an encrypted backup of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import migrations
from models.db import database
from models.errors import NewerDatabase
from models.keyslots import KeyFile

if TYPE_CHECKING:
    from playhouse.migrations import Runner

#: playhouse.migrations' history table (``Runner``'s default).
HISTORY = "schema_migration"


def runner() -> Runner:
    # Imported only when a migration runs: playhouse.migrations loads its PostgreSQL and
    # CockroachDB support, and with them psycopg (~0.1 s), which every command's and the TUI's
    # unlock paid only to learn that nothing is pending.
    from playhouse.migrations import Runner

    return Runner(database, migrations.DIRECTORY)


def _number(name: str) -> int:
    match = re.match(r"\d+", name)
    return int(match.group()) if match else -1


def pending() -> list[str]:
    """The migrations not yet applied, in order: ``Runner.status`` read without loading the
    migrator (the files' names against the history table's), as every unlock asks."""
    files = {path.stem for path in Path(migrations.DIRECTORY).glob("[0-9]*.py")}
    applied = (
        {name for (name,) in database.execute_sql(f"SELECT name FROM {HISTORY}")}
        if database.table_exists(HISTORY)
        else set()
    )
    unknown = sorted(applied - files, key=lambda name: (_number(name), name))
    if unknown:
        raise NewerDatabase(
            f"此数据库由更新版本的 huzhu 写入（含未知的结构版本 {', '.join(unknown)}），请升级程序后再打开",
            f"this database was written by a newer huzhu (unknown migrations {', '.join(unknown)}): upgrade first",
        )
    return sorted(files - applied, key=lambda name: (_number(name), name))


def to_head(path: Path, key: bytes, keyfile: KeyFile, *, backup: bool = True) -> list[str]:
    todo = pending()
    if not todo:
        return []
    if backup and "huzhu_meta" in database.get_tables():
        from models.autobackup import copy_before_migration
        from models.backup import write_backup

        write_backup(Path(f"{path}.pre-{todo[0]}.hzbak"), path, key, keyfile)
        copy_before_migration(path, key, keyfile, f"{path.name}.pre-{todo[0]}.hzbak")
    return runner().up()


def to_head_pg() -> list[str]:
    """The same migrations on a PostgreSQL office database, all in one transaction under a table
    lock, so two workstations unlocking a database that needs upgrading never both run them.
    PostgreSQL's DDL is transactional: a failed migration leaves the schema as it was. (No file
    copy first: the server's own backups, pg_dump, keep the office's history.)"""
    if not pending():
        return []
    with database.atomic():
        database.execute_sql("LOCK TABLE huzhu_meta IN SHARE ROW EXCLUSIVE MODE")
        return runner().up() if pending() else []
