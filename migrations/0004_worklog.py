"""Work log (管委会会议、业务培训、向办事处投稿) and the clerk's ticks on the yearly audit
self-check's checklist items. Independent of 0003's tables. Frozen inline models: never
edit, never import the app."""

from peewee import BooleanField, CharField, DateField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class WorkLog(Base):
        kind = CharField(index=True)
        on_date = DateField(index=True)
        title = CharField()
        attendees_or_outlet = TextField(null=True)
        note = TextField(null=True)
        created_by = CharField()
        created_at = CharField()

    class SelfcheckTick(Base):
        year = IntegerField()
        item = CharField()
        ticked = BooleanField(default=False)
        note = TextField(null=True)
        by_user = CharField()
        at = CharField()

        class Meta:
            indexes = ((("year", "item"), True),)

    return [WorkLog, SelfcheckTick]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
