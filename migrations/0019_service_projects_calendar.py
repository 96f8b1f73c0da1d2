"""Service projects (docs/rules.md R7, seed 004) with their steps, e-codes and participants, and the office's
working-day calendar notices installed at a branch. Frozen inline models: never edit, never import
the app."""

from peewee import BlobField, CharField, DateField, ForeignKeyField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BudgetLine(Base):
        class Meta:
            table_name = "budget_line"

    class ServiceProject(Base):
        name = CharField()
        applicant = CharField()
        parent_unit = CharField()
        content = TextField()
        target = TextField()
        purpose = TextField()
        funding = TextField()
        items = TextField()
        leader = CharField()
        leader_phone = CharField()
        participation = TextField()
        contact = TextField()
        start = DateField()
        end = DateField()
        cost_fen = IntegerField()
        budget_line = ForeignKeyField(BudgetLine, index=True)
        state = CharField()
        created_by = CharField()
        created_at = CharField()
        updated_at = CharField()

        class Meta:
            indexes = ((("state", "start"), False),)

    class ServiceProjectStep(Base):
        project = ForeignKeyField(ServiceProject, index=True)
        step = CharField()
        on_date = DateField()
        detail = TextField()
        by_user = CharField()
        at = CharField()

    class ServiceProjectCode(Base):
        project = ForeignKeyField(ServiceProject, index=False)
        code = CharField()
        secret = CharField()
        status = CharField()

        class Meta:
            indexes = ((("project", "code"), True),)

    class ServiceProjectParticipant(Base):
        project = ForeignKeyField(ServiceProject, index=True)
        name = CharField()

    class CalendarNotice(Base):
        reference = CharField(unique=True)
        title = CharField()
        years = CharField()
        issued_at = CharField()
        signed_file = BlobField()
        sha256 = CharField()
        office_fingerprint = CharField()
        installed_by = CharField()
        installed_at = CharField()

    return [ServiceProject, ServiceProjectStep, ServiceProjectCode, ServiceProjectParticipant, CalendarNotice]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
