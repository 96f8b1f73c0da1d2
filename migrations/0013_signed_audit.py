"""Signed audit events and rows bound to them (issue 13, items 1–3).

* ``audit_event.sig``: the acting user's Ed25519 signature over the event's hash (hex);
  NULL for events written before this migration (legacy, reported as such by ``check``).
* ``audit_event.rows``: the canonical hashes of the business rows the event's transaction
  wrote (JSON ``[[table, pk, hash-or-null], …]``), covered by the event's hash; NULL before.
* ``row_seal``: for each business row, the hash held by the latest event that wrote it
  (``seq``), so ``check`` finds a row changed, added or removed outside the program;
  ``cols`` holds short per-column hashes, only to say which columns differ.
* ``trusted_key.root_ed25519``: at the office, the branch's first supervisor's signing key
  from its registration (NULL for branches enrolled before).

The ``huzhu_meta`` row ``audit_signed_from`` (the first signed event) is written by the
program at the first unlock after this migration, not here: signing needs a user's key.
Plain SQL plus one frozen model; never imports the app."""

from peewee import CharField, CompositeKey, IntegerField, Model, TextField

import migrations


def _models(db):
    class RowSeal(Model):
        tbl = CharField()
        pk = CharField()
        hash = CharField()
        cols = TextField()
        seq = IntegerField(index=True)

        class Meta:
            database = db
            table_name = "row_seal"
            primary_key = CompositeKey("tbl", "pk")

    return [RowSeal]


def up(migrator, db):
    db.execute_sql('ALTER TABLE "audit_event" ADD COLUMN "sig" TEXT')
    db.execute_sql('ALTER TABLE "audit_event" ADD COLUMN "rows" TEXT')
    db.execute_sql(f'ALTER TABLE "trusted_key" ADD COLUMN "root_ed25519" {migrations.blob(db)}')
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
    db.execute_sql('ALTER TABLE "trusted_key" DROP COLUMN "root_ed25519"')
    db.execute_sql('ALTER TABLE "audit_event" DROP COLUMN "rows"')
    db.execute_sql('ALTER TABLE "audit_event" DROP COLUMN "sig"')
    db.execute_sql("DELETE FROM huzhu_meta WHERE key IN ('audit_signed_from')")
