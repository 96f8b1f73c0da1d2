"""Bring an unlocked database to the schema head, after an encrypted backup of it."""

from __future__ import annotations

from pathlib import Path

from playhouse.migrations import Runner

import migrations
from models.db import database
from models.errors import NewerDatabase
from models.keyslots import KeyFile


def runner() -> Runner:
    return Runner(database, migrations.DIRECTORY)


def pending() -> list[str]:
    status = runner().status()
    unknown = [m.name for m in status if m.path is None]
    if unknown:
        raise NewerDatabase(
            f"此数据库由更新版本的 huzhu 写入（含未知的结构版本 {', '.join(unknown)}），请升级程序后再打开",
            f"this database was written by a newer huzhu (unknown migrations {', '.join(unknown)}): upgrade first",
        )
    return [m.name for m in status if not m.applied]


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
