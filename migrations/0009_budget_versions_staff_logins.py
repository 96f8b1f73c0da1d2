"""Budget versions with their approval (docs/rules.md R11.1–R11.3) and the staff's business-system
logins and account history (R4.2, R4.3, R4.5). Frozen inline models: never edit, never
import the app.

``budget_version`` holds every version of a year's budget (draft → approved → superseded
by an approved amendment) with the committee meeting that approved it;
``budget_version_line`` its lines. ``budget_line`` stays the line disbursements are
charged to: one row per year and line code holding the amount of the approved version in
force (``version_id``), written only when a version is approved. Rows already there were
entered before versions existed: each year's rows become an approved version 1 whose
minutes say so (no meeting was recorded), so nothing a payment was checked against changes.

``staff_account`` gets the date the account was created (a new account counts from it,
R4.2) and the date it was disabled; ``staff_login`` the login dates entered or imported
(the last one already on file is kept as the first entry); ``staff_change`` every change of
a clerk's name, phone, username or state with its date and the date reported to the office.
"""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField

MIGRATED_MINUTES = "迁移 0009 前已录入的预算，未记录审批会议"


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ImportBatch(Base):
        kind = CharField()

        class Meta:
            table_name = "import_batch"

    class StaffAccount(Base):
        name = CharField()

        class Meta:
            table_name = "staff_account"

    class BudgetVersion(Base):
        year = IntegerField()
        number = IntegerField()
        state = CharField()
        reason = TextField(null=True)
        drafted_by = CharField()
        drafted_at = CharField()
        approved_by = CharField(null=True)
        approved_at = CharField(null=True)
        meeting_date = DateField(null=True)
        minutes = CharField(null=True)

        class Meta:
            indexes = ((("year", "number"), True),)

    class BudgetVersionLine(Base):
        version = ForeignKeyField(BudgetVersion, index=False)
        code = CharField()
        name = CharField()
        amount_fen = IntegerField()
        note = TextField(null=True)
        reason = TextField(null=True)

        class Meta:
            indexes = ((("version", "code"), True),)

    class StaffLogin(Base):
        account = ForeignKeyField(StaffAccount, index=False)
        on_date = DateField()
        source = CharField()
        batch = ForeignKeyField(ImportBatch, null=True, index=False)
        created_by = CharField()
        created_at = CharField()

        class Meta:
            indexes = ((("account", "on_date"), True),)

    class StaffChange(Base):
        account = ForeignKeyField(StaffAccount, index=True)
        field_name = CharField()
        old_value = CharField(null=True)
        new_value = CharField(null=True)
        on_date = DateField()
        reported_on = DateField(null=True)
        reason = TextField(null=True)
        by_user = CharField()
        at = CharField()

    return [BudgetVersion, BudgetVersionLine, StaffLogin, StaffChange]


def up(migrator, db):
    db.create_tables(_models(db))
    db.execute_sql('ALTER TABLE "budget_line" ADD COLUMN "version_id" INTEGER REFERENCES "budget_version" ("id")')
    db.execute_sql('ALTER TABLE "staff_account" ADD COLUMN "created_on" DATE')
    db.execute_sql('ALTER TABLE "staff_account" ADD COLUMN "disabled_on" DATE')
    # Stamped with the last recorded write, not the clock: a migration interrupted and run
    # again must leave exactly the rows an uninterrupted one leaves.
    last = db.execute_sql("SELECT at FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    now = last[0] if last else "1970-01-01T00:00:00+00:00"
    years = [y for (y,) in db.execute_sql("SELECT DISTINCT year FROM budget_line ORDER BY year").fetchall()]
    for year in years:
        version_id = db.execute_sql(
            "INSERT INTO budget_version (year, number, state, reason, drafted_by, drafted_at, approved_by, "
            "approved_at, meeting_date, minutes) VALUES (?, 1, 'approved', NULL, 'migration', ?, NULL, ?, NULL, ?)",
            (year, now, now, MIGRATED_MINUTES),
        ).lastrowid
        db.execute_sql(
            "INSERT INTO budget_version_line (version_id, code, name, amount_fen, note, reason) "
            "SELECT ?, code, name, amount_fen, NULL, NULL FROM budget_line WHERE year = ?",
            (version_id, year),
        )
        db.execute_sql("UPDATE budget_line SET version_id = ? WHERE year = ?", (version_id, year))
    db.execute_sql(
        "INSERT INTO staff_login (account_id, on_date, source, batch_id, created_by, created_at) "
        "SELECT id, last_login, 'migration', NULL, 'migration', ? FROM staff_account WHERE last_login IS NOT NULL",
        (now,),
    )


def down(migrator, db):
    db.execute_sql('ALTER TABLE "staff_account" DROP COLUMN "disabled_on"')
    db.execute_sql('ALTER TABLE "staff_account" DROP COLUMN "created_on"')
    db.execute_sql('ALTER TABLE "budget_line" DROP COLUMN "version_id"')
    db.drop_tables(list(reversed(_models(db))))
