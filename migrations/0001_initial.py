"""Initial schema. Frozen: these inline models describe the schema as it was at 0001
and must never be edited or import the app's models."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
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

    class Meta(Base):
        key = CharField(primary_key=True)
        value = TextField()

        class Meta:
            table_name = "huzhu_meta"

    class Branch(Base):
        code = CharField(max_length=3)
        name = CharField()
        created_on = DateField()

    class AppUser(Base):
        name = CharField(unique=True)
        role = CharField()
        active = BooleanField(default=True)
        created_at = CharField()
        revoked_at = CharField(null=True)

    class Unit(Base):
        code = CharField(unique=True)
        name = CharField()
        contact = CharField(null=True)
        phone = CharField(null=True)
        note = TextField(null=True)

    class Plan(Base):
        code = CharField(primary_key=True)
        name = CharField()
        category = CharField()
        term_months = IntegerField()
        share_price_fen = IntegerField()
        observation_days = IntegerField()
        sample = BooleanField(default=True)

    class Member(Base):
        name = CharField(index=True)
        initials = CharField(index=True)
        id_number = CharField(unique=True)
        id_rev = CharField(index=True)
        sex = CharField(max_length=1)
        birth_date = DateField()
        unit = ForeignKeyField(Unit, index=True)
        phone = CharField(null=True)
        bank_name = CharField(null=True)
        bank_account = CharField(null=True)
        retirement_date = DateField(null=True)

    class Policy(Base):
        unit = ForeignKeyField(Unit)
        plan = ForeignKeyField(Plan)
        start = DateField()
        end = DateField()
        filed = DateField()
        renews = ForeignKeyField("self", null=True)
        outcome = CharField()
        cover_from = DateField()
        created_by = CharField()

        class Meta:
            indexes = ((("unit", "plan", "start"), True),)

    class Coverage(Base):
        member = ForeignKeyField(Member)
        policy = ForeignKeyField(Policy, index=True)
        shares = IntegerField()
        cover_start = DateField()
        observation_end = DateField(null=True)
        event = CharField()
        filed = DateField()
        created_by = CharField()

        class Meta:
            indexes = ((("member", "policy"), False),)

    class ClaimReport(Base):
        member = ForeignKeyField(Member, index=True)
        unit = ForeignKeyField(Unit, index=True)
        plan = ForeignKeyField(Plan)
        diagnosis = CharField()
        incident_kind = CharField()
        incident_date = DateField()
        shares_claimed = IntegerField()
        report_date = DateField()
        reporter = CharField()
        channel = CharField(default="paper")
        materials = TextField(default="[]")
        state = CharField(index=True)
        submitted_on = DateField(null=True)
        returned_on = DateField(null=True)
        return_reason = TextField(null=True)
        resubmitted_on = DateField(null=True)
        settled_on = DateField(null=True)
        benefit_fen = IntegerField(null=True)
        declined_on = DateField(null=True)
        decline_reason = TextField(null=True)
        created_by = CharField()

    class ClaimEvent(Base):
        claim = ForeignKeyField(ClaimReport, index=True)
        action = CharField()
        from_state = CharField(null=True)
        to_state = CharField()
        on_date = DateField()
        amount_fen = IntegerField(null=True)
        note = TextField(null=True)
        by_user = CharField()
        at = CharField()

    class DirectPayFailure(Base):
        claim = ForeignKeyField(ClaimReport, index=True)
        notice_on = DateField()
        corrected_on = DateField(null=True)
        corrected_account = CharField(null=True)
        transferred_on = DateField(null=True)
        handed_down_on = DateField(null=True)
        signed_on = DateField(null=True)
        note = TextField(null=True)
        created_by = CharField()

    class BudgetLine(Base):
        year = IntegerField()
        code = CharField()
        name = CharField()
        amount_fen = IntegerField()

        class Meta:
            indexes = ((("year", "code"), True),)

    class Disbursement(Base):
        on_date = DateField(index=True)
        member = ForeignKeyField(Member, null=True, index=True)
        beneficiary_name = CharField()
        relation = CharField(default="self")
        unit = ForeignKeyField(Unit, null=True)
        category = CharField()
        reason = TextField()
        amount_fen = IntegerField()
        method = CharField()
        account = CharField(null=True)
        transfer_ref = CharField(null=True)
        receipt_no = CharField(null=True)
        cash_reason = TextField(null=True)
        scheme_ref = CharField(null=True)
        budget_line = ForeignKeyField(BudgetLine)
        state = CharField(index=True)
        entered_by = CharField()
        approved_by = CharField(null=True)
        approved_on = DateField(null=True)
        paid_on = DateField(null=True)
        signed_on = DateField(null=True)

    class StaffAccount(Base):
        name = CharField()
        phone = CharField(null=True)
        username = CharField(unique=True)
        last_login = DateField(null=True)
        active = BooleanField(default=True)

    class AccountForm(Base):
        account = ForeignKeyField(StaffAccount)
        kind = CharField()
        on_date = DateField()
        old_username = CharField(null=True)
        new_username = CharField(null=True)
        note = TextField(null=True)

    class Handover(Base):
        on_date = DateField()
        outgoing = CharField()
        incoming = CharField()
        supervisor = CharField()
        reported_on = DateField(null=True)
        outgoing_confirmed = BooleanField(default=False)
        incoming_confirmed = BooleanField(default=False)
        open_work = TextField(default="[]")
        note = TextField(null=True)
        created_by = CharField()

    class HandoverItem(Base):
        handover = ForeignKeyField(Handover)
        kind = CharField()
        description = CharField()
        quantity = IntegerField(default=1)
        checked = BooleanField(default=False)

    class AuditEvent(Base):
        seq = IntegerField(primary_key=True)
        at = CharField()
        user = CharField()
        action = CharField()
        entity = CharField()
        entity_id = CharField(null=True)
        detail = TextField()
        prev_hash = CharField()
        hash = CharField()

    class BundleLog(Base):
        direction = CharField()
        kind = CharField()
        branch_code = CharField()
        period = CharField()
        sequence = IntegerField()
        file_name = CharField()
        sha256 = CharField()
        prev_sha256 = CharField(null=True)
        created_at = CharField()
        status = CharField()
        note = TextField(null=True)

    return [
        Meta,
        Branch,
        AppUser,
        Unit,
        Plan,
        Member,
        Policy,
        Coverage,
        ClaimReport,
        ClaimEvent,
        DirectPayFailure,
        BudgetLine,
        Disbursement,
        StaffAccount,
        AccountForm,
        Handover,
        HandoverItem,
        AuditEvent,
        BundleLog,
    ]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
