"""Sync: own key pairs, pinned keys of the other side, the office's received bundles and
imported figures/records, the office's ledger and outgoing notices, and the branch's
notices from the office's answers. Frozen inline models: never edit, never import the app."""

from peewee import (
    BlobField,
    CharField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class LocalKey(Base):
        purpose = CharField(unique=True)
        private_raw = BlobField()
        public_raw = BlobField()
        created_at = CharField()

    class TrustedKey(Base):
        role = CharField()
        branch_code = CharField(null=True)
        name = CharField()
        ed25519_public = BlobField()
        x25519_public = BlobField()
        fingerprint = CharField()
        enrolled_at = CharField()
        enrolled_by = CharField()

        class Meta:
            indexes = ((("role", "branch_code"), True),)

    class ReceivedBundle(Base):
        branch_code = CharField(null=True, index=True)
        kind = CharField(null=True)
        period = CharField(null=True)
        sequence = IntegerField(null=True)
        sha256 = CharField(index=True)
        prev_sha256 = CharField(null=True)
        file_name = CharField()
        status = CharField()
        reason = CharField()
        detail = TextField(null=True)
        summary = TextField(null=True)
        held_data = BlobField(null=True)
        received_at = CharField()
        received_by = CharField()
        imported_at = CharField(null=True)

    class OfficeFigure(Base):
        bundle = ForeignKeyField(ReceivedBundle)
        branch_code = CharField()
        period = CharField()
        unit_code = CharField()
        plan_code = CharField()
        members = IntegerField()
        shares = IntegerField()
        fees_due_fen = IntegerField()
        claims_reported = IntegerField()
        claims_submitted = IntegerField()
        claims_returned = IntegerField()
        claims_settled = IntegerField()
        claims_declined = IntegerField()
        benefit_fen = IntegerField()

        class Meta:
            indexes = ((("branch_code", "period", "unit_code", "plan_code"), True),)

    class OfficeRecord(Base):
        uid = CharField(unique=True)
        branch_code = CharField(index=True)
        kind = CharField()
        period = CharField()
        bundle = ForeignKeyField(ReceivedBundle)
        data = TextField()

    class OfficeLedger(Base):
        period = CharField()
        branch_code = CharField()
        unit_code = CharField()
        plan_code = CharField()
        members = IntegerField()
        shares = IntegerField()
        fees_due_fen = IntegerField()
        claims_settled = IntegerField()
        benefit_fen = IntegerField()
        source_file = CharField()
        source_sha256 = CharField()
        imported_at = CharField()

        class Meta:
            indexes = ((("period", "branch_code", "unit_code", "plan_code"), True),)

    class OutgoingNotice(Base):
        uid = CharField(unique=True)
        branch_code = CharField(index=True)
        period = CharField()
        kind = CharField()
        ref = CharField(null=True)
        text = TextField()
        created_at = CharField()
        created_by = CharField()
        sent_sha256 = CharField(null=True)

    class OfficeNotice(Base):
        uid = CharField(unique=True)
        period = CharField()
        kind = CharField()
        ref = CharField(null=True)
        text = TextField()
        bundle_sha256 = CharField()
        received_at = CharField()
        done_at = CharField(null=True)
        done_by = CharField(null=True)

    return [
        LocalKey,
        TrustedKey,
        ReceivedBundle,
        OfficeFigure,
        OfficeRecord,
        OfficeLedger,
        OutgoingNotice,
        OfficeNotice,
    ]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
