"""The office's register of branches and their lifecycle steps (docs/rules.md R8; 000 第七–十条).
Office databases use it; a branch database carries the empty tables. Frozen inline models:
never edit, never import the app."""

from peewee import BooleanField, CharField, DateField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class OfficeBranch(Base):
        code = CharField(unique=True)
        name = CharField()
        full_name = CharField(null=True)
        state = CharField()
        source = CharField()
        applied_on = DateField(null=True)
        decided_on = DateField(null=True)
        certificate_no = CharField(null=True)
        certified_on = DateField(null=True)
        announced_on = DateField(null=True)
        started_on = DateField(null=True)
        excuse = TextField(null=True)
        docs = TextField(default="[]")
        change_item = CharField(null=True)
        change_value = TextField(null=True)
        change_applied_on = DateField(null=True)
        change_decided_on = DateField(null=True)
        change_announce_pending = BooleanField(default=False)
        termination_ground = TextField(null=True)
        termination_applied_on = DateField(null=True)
        termination_approved_on = DateField(null=True)
        stopped_on = DateField(null=True)
        created_at = CharField()
        updated_at = CharField()

    class OfficeBranchEvent(Base):
        branch_code = CharField(index=True)
        step = CharField()
        on_date = DateField()
        detail = TextField()
        by_user = CharField()
        at = CharField()

    return [OfficeBranch, OfficeBranchEvent]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
