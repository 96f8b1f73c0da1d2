"""Import batches: the file hash of every enrolment import, so re-importing the same
file is recognised and changes nothing; coverage lines point at the batch they came from."""

from peewee import CharField, ForeignKeyField, IntegerField, Model, TextField


def _batch(db):
    class ImportBatch(Model):
        kind = CharField()
        file_name = CharField()
        file_sha256 = CharField(index=True)
        rows = IntegerField()
        summary = TextField()
        imported_at = CharField()
        imported_by = CharField()

        class Meta:
            database = db
            table_name = "import_batch"

    return ImportBatch


def up(migrator, db):
    batch = _batch(db)
    db.create_tables([batch])
    migrator.migrate(migrator.add_column("coverage", "batch_id", ForeignKeyField(batch, null=True, field=batch.id)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("coverage", "coverage_batch_id"), migrator.drop_column("coverage", "batch_id"))
    db.drop_tables([_batch(db)])
