"""Back-dated entries (rules.entry_dates): a renewal, claim report, disbursement or handover
recorded today with an earlier date, by a supervisor with a written reason. One row per
entry, so the registers can mark it and the audit history can say why. Independent of the
other tables (``entity`` + ``entity_id`` name the row, as in audit_event). Frozen inline
model: never edit, never import the app."""

from peewee import CharField, DateField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BackdatedEntry(Base):
        entity = CharField()
        entity_id = IntegerField()
        kind = CharField()
        entered_date = DateField()
        recorded_on = DateField()
        reason = TextField()
        by_user = CharField()
        at = CharField()

        class Meta:
            indexes = ((("entity", "entity_id"), False),)

    return [BackdatedEntry]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
