"""Numbered schema migrations (``NNNN_slug.py``), run by ``playhouse.migrations.Runner``.

Each module defines ``up(migrator, db)`` and ``down(migrator, db)`` over frozen inline
models; none imports the application's models, so an old migration keeps meaning what
it meant when it was written.

Indexes go through ``playhouse.migrate``'s migrator rather than raw ``CREATE INDEX`` SQL, so the
name, columns and condition are peewee's to render, and a partial index (one a query needs only
for some rows) says so with ``where``::

    from peewee import SQL

    def up(migrator, db):
        migrator.migrate(
            migrator.add_index("coverage", ("batch_id",), where=SQL("batch_id IS NOT NULL")),
        )

    def down(migrator, db):
        migrator.migrate(migrator.drop_index("coverage", "coverage_batch_id"))

``models/schema.py`` declares the full (non-partial) indexes; tests/test_storage.py compares the
migrated database with the models through ``playhouse.reflection`` and leaves partial ones out.
"""

from pathlib import Path

DIRECTORY = str(Path(__file__).resolve().parent)


def names() -> list[str]:
    return sorted(p.stem for p in Path(DIRECTORY).glob("[0-9][0-9][0-9][0-9]_*.py"))


HEAD = names()[-1]


def on_server(db) -> bool:
    """True when ``db`` (or the proxy's database) is PostgreSQL: the office's shared database.
    Migrations are written in standard SQL for both; the few SQLite-only statements (triggers
    on branch-only tables) are skipped there, and binary columns are BYTEA."""
    from peewee import PostgresqlDatabase

    return isinstance(getattr(db, "obj", db), PostgresqlDatabase)


def blob(db) -> str:
    return "BYTEA" if on_server(db) else "BLOB"
