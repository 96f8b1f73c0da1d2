"""Office parameter notices installed at a branch, deferred share decreases, and the basis
of each coverage line (docs/rules.md R1.5, R1.10; R12.1: docs/params.md).

- ``param_notice``: each signed notice the branch installed, with the exact signed bytes
  (re-verified and re-read on every load, so the stored rules are the signed ones), the
  signing key's fingerprint and who installed it when.
- ``share_change``: the member's total asked for the next period by a row filed in the
  period (a decrease waits for the renewal, R1.5); ``huzhu renew`` carries no more than it.
- ``coverage.basis``: NULL checked under the rules then in force; 'no_figure' no plan figure
  was in force on its date; 'unchecked_history' filed before 2017-01-01 (R1.10).

Frozen inline models: never edit, never import the app."""

from peewee import BlobField, CharField, DateField, ForeignKeyField, IntegerField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Member(Base):
        class Meta:
            table_name = "member"

    class Policy(Base):
        class Meta:
            table_name = "policy"

    class ImportBatch(Base):
        class Meta:
            table_name = "import_batch"

    class ParamNotice(Base):
        reference = CharField(unique=True)
        title = CharField()
        effective_from = DateField(unique=True)
        signed_file = BlobField()
        sha256 = CharField()
        office_fingerprint = CharField()
        installed_by = CharField()
        installed_at = CharField()

    class ShareChange(Base):
        member = ForeignKeyField(Member, index=False)
        policy = ForeignKeyField(Policy, index=False)  # the (policy, member) index serves it
        shares = IntegerField()
        filed = DateField()
        batch = ForeignKeyField(ImportBatch, null=True, index=False)
        created_by = CharField()
        created_at = CharField()

        class Meta:
            indexes = ((("policy", "member"), False),)

    return [ParamNotice, ShareChange]


def up(migrator, db):
    db.create_tables(_models(db))
    # Nullable: NULL for a checked line, so existing rows keep their row-seal hashes (0013).
    db.execute_sql('ALTER TABLE "coverage" ADD COLUMN "basis" VARCHAR(255)')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "coverage" DROP COLUMN "basis"')
    db.drop_tables(list(reversed(_models(db))))
