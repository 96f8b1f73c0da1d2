"""Corrections and voids instead of deletions (docs/rules.md R9.3, R2.3), and the disbursement
facts the 2022 rules ask for (R3.1, R3.2, R3.8, R3.9, R3.11).

- ``claim_correction``: a registered claim corrected before submission keeps each change
  (field → [old, new], JSON), its date, clerk and reason; the register row holds the new
  values.
- ``disbursement``: a void (date, supervisor, reason) leaves the row in place with state
  ``cancelled``; cash paid at an on-site visit names the place (R3.2); an activity's
  participant count (R3.9); the event a payment is for (linked claim, event date, cause,
  R3.11) and the stated reason when it breaks the standards hierarchy (R3.1). ``claim_id``
  is a plain integer column: SQLite cannot drop a column that carries a foreign key, and
  ``down`` must.
- ``disbursement_recipient``: the recipient list of one batch (seasonal goods, R3.8) or the
  winners and participants of one activity (R3.9), with what each got.

Frozen inline models and plain SQL: never edit, never import the app."""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField

_DISBURSEMENT_COLUMNS = (
    ("voided_on", "DATE"),
    ("voided_by", "VARCHAR(255)"),
    ("void_reason", "TEXT"),
    ("visit_place", "VARCHAR(255)"),
    ("participants", "INTEGER"),
    ("claim_id", "INTEGER"),
    ("event_date", "DATE"),
    ("cause", "VARCHAR(255)"),
    ("hierarchy_reason", "TEXT"),
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Member(Base):
        name = CharField()

    class ClaimReport(Base):
        state = CharField()

    class Disbursement(Base):
        state = CharField()

    class ClaimCorrection(Base):
        claim = ForeignKeyField(ClaimReport, backref="corrections", index=True)
        on_date = DateField()
        reason = TextField()
        changes = TextField()
        by_user = CharField()
        at = CharField()

    class DisbursementRecipient(Base):
        disbursement = ForeignKeyField(Disbursement, backref="recipients", index=True)
        member = ForeignKeyField(Member, null=True, backref="batch_disbursements", index=True)
        name = CharField()
        amount_fen = IntegerField()
        role = CharField()

    return [ClaimCorrection, DisbursementRecipient]


def up(migrator, db):
    for column, kind in _DISBURSEMENT_COLUMNS:
        db.execute_sql(f'ALTER TABLE "disbursement" ADD COLUMN "{column}" {kind}')
    db.create_tables(_models(db), safe=False)


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
    for column, _ in reversed(_DISBURSEMENT_COLUMNS):
        db.execute_sql(f'ALTER TABLE "disbursement" DROP COLUMN "{column}"')
