"""Member record history (docs/rules.md R1.9, R3.7, R9.3): every change of a member's phone, bank,
account or retirement date keeps its old and new value with source, reason, date and clerk
(``member_change``), and a move to another unit is an explicit, dated transfer
(``member_transfer``). Frozen inline models: never edit, never import the app. ``Unit``,
``Member`` and ``ImportBatch`` are stand-ins for the foreign keys only (not created here)."""

from peewee import CharField, DateField, ForeignKeyField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Unit(Base):
        code = CharField()

    class Member(Base):
        name = CharField()

    class ImportBatch(Base):
        kind = CharField()

    class MemberChange(Base):
        member = ForeignKeyField(Member, index=True)
        field = CharField()
        old_value = TextField(null=True)
        new_value = TextField(null=True)
        source = CharField()
        reason = TextField()
        on_date = DateField()
        batch = ForeignKeyField(ImportBatch, null=True, index=False)
        by_user = CharField()
        at = CharField()

    class MemberTransfer(Base):
        member = ForeignKeyField(Member, index=True)
        from_unit = ForeignKeyField(Unit, index=True)
        to_unit = ForeignKeyField(Unit, index=True)
        on_date = DateField()
        reason = TextField()
        source = CharField()
        batch = ForeignKeyField(ImportBatch, null=True, index=False)
        by_user = CharField()
        at = CharField()

    return [MemberChange, MemberTransfer]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
