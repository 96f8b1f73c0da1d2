"""The branch database's tables (peewee models bound to the one SqlCipherDatabase).

Conventions: money is integer fen (``*_fen``), dates are ``DateField``, times are
UTC ISO strings. Every table is created by a numbered migration in ``migrations/``;
these classes describe the schema at head and must match it (a test compares them).
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from models.db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value facts about the file itself: schema version, database id, writer version."""

    key = CharField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "huzhu_meta"


class Branch(BaseModel):
    code = CharField(max_length=3)
    name = CharField()
    created_on = DateField()


class AppUser(BaseModel):
    """A person who unlocks this database. Roles live here (inside the encryption),
    not in the key-slot file, so editing that file cannot raise anyone's role."""

    name = CharField(unique=True)
    role = CharField()  # clerk | supervisor | auditor | recovery
    active = BooleanField(default=True)
    created_at = CharField()
    revoked_at = CharField(null=True)


class Unit(BaseModel):
    code = CharField(unique=True)
    name = CharField()
    contact = CharField(null=True)
    phone = CharField(null=True)
    note = TextField(null=True)


class Plan(BaseModel):
    code = CharField(primary_key=True)
    name = CharField()
    category = CharField()  # medical | critical_illness | accident
    term_months = IntegerField()
    share_price_fen = IntegerField()
    observation_days = IntegerField()
    sample = BooleanField(default=True)


class Member(BaseModel):
    name = CharField(index=True)
    initials = CharField(index=True)  # pinyin initials, lower case: 张三 -> zs
    id_number = CharField(unique=True)
    # The ID reversed, so "last N digits" is an indexed prefix range scan.
    id_rev = CharField(index=True)
    sex = CharField(max_length=1)
    birth_date = DateField()
    unit = ForeignKeyField(Unit, backref="members", index=True)
    phone = CharField(null=True)
    bank_name = CharField(null=True)
    bank_account = CharField(null=True)
    retirement_date = DateField(null=True)


class Policy(BaseModel):
    """One unit's enrolment in one plan for one period (start…end inclusive)."""

    unit = ForeignKeyField(Unit, backref="policies")
    plan = ForeignKeyField(Plan, backref="policies")
    start = DateField()
    end = DateField()
    filed = DateField()
    renews = ForeignKeyField("self", null=True, backref="renewed_by")
    outcome = CharField()  # first_enrolment | renewal | late_renewal_as_first
    cover_from = DateField()
    created_by = CharField()

    class Meta:
        indexes = ((("unit", "plan", "start"), True),)


class ImportBatch(BaseModel):
    kind = CharField()
    file_name = CharField()
    file_sha256 = CharField(index=True)
    rows = IntegerField()
    summary = TextField()
    imported_at = CharField()
    imported_by = CharField()


class Coverage(BaseModel):
    """One enrolment event of a member in a policy; each line keeps its own observation end."""

    member = ForeignKeyField(Member, backref="coverage")
    policy = ForeignKeyField(Policy, backref="coverage", index=True)
    shares = IntegerField()
    cover_start = DateField()
    observation_end = DateField(null=True)
    event = CharField()  # first_enrolment | renewal | late_renewal_as_first | added_shares
    filed = DateField()
    batch = ForeignKeyField(ImportBatch, null=True, backref="lines")
    created_by = CharField()

    class Meta:
        indexes = ((("member", "policy"), False),)


class ClaimReport(BaseModel):
    member = ForeignKeyField(Member, backref="claims", index=True)
    unit = ForeignKeyField(Unit, backref="claims", index=True)
    plan = ForeignKeyField(Plan, backref="claims")
    diagnosis = CharField()
    incident_kind = CharField()  # illness | accident
    incident_date = DateField()
    shares_claimed = IntegerField()
    report_date = DateField()
    reporter = CharField()
    channel = CharField(default="paper")  # app | paper
    materials = TextField(default="[]")  # JSON list of materials received
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


class ClaimEvent(BaseModel):
    claim = ForeignKeyField(ClaimReport, backref="events", index=True)
    action = CharField()
    from_state = CharField(null=True)
    to_state = CharField()
    on_date = DateField()
    amount_fen = IntegerField(null=True)
    note = TextField(null=True)
    by_user = CharField()
    at = CharField()


class DirectPayFailure(BaseModel):
    claim = ForeignKeyField(ClaimReport, backref="pay_failures", index=True)
    notice_on = DateField()
    corrected_on = DateField(null=True)
    corrected_account = CharField(null=True)
    transferred_on = DateField(null=True)
    handed_down_on = DateField(null=True)
    signed_on = DateField(null=True)
    note = TextField(null=True)
    created_by = CharField()


class BudgetLine(BaseModel):
    year = IntegerField()
    code = CharField()
    name = CharField()
    amount_fen = IntegerField()

    class Meta:
        indexes = ((("year", "code"), True),)


class Disbursement(BaseModel):
    on_date = DateField(index=True)
    member = ForeignKeyField(Member, null=True, backref="disbursements", index=True)
    beneficiary_name = CharField()
    relation = CharField(default="self")  # self | spouse | child
    unit = ForeignKeyField(Unit, null=True, backref="disbursements")
    category = CharField()
    reason = TextField()
    amount_fen = IntegerField()
    method = CharField()  # transfer | cash
    account = CharField(null=True)
    transfer_ref = CharField(null=True)
    receipt_no = CharField(null=True)
    cash_reason = TextField(null=True)
    scheme_ref = CharField(null=True)
    budget_line = ForeignKeyField(BudgetLine, backref="disbursements")
    state = CharField(index=True)  # entered | approved | paid | signed | cancelled
    entered_by = CharField()
    approved_by = CharField(null=True)
    approved_on = DateField(null=True)
    paid_on = DateField(null=True)
    signed_on = DateField(null=True)


class StaffAccount(BaseModel):
    """A clerk's account in the office's business system (not a huzhu user)."""

    name = CharField()
    phone = CharField(null=True)
    username = CharField(unique=True)
    last_login = DateField(null=True)
    active = BooleanField(default=True)


class AccountForm(BaseModel):
    """《业务系统用户名变更表》/《业务系统用户名备案表》 kept for every account change (001)."""

    account = ForeignKeyField(StaffAccount, backref="forms")
    kind = CharField()  # change | filing
    on_date = DateField()
    old_username = CharField(null=True)
    new_username = CharField(null=True)
    note = TextField(null=True)


class Handover(BaseModel):
    on_date = DateField()
    outgoing = CharField()
    incoming = CharField()
    supervisor = CharField()
    reported_on = DateField(null=True)
    outgoing_confirmed = BooleanField(default=False)
    incoming_confirmed = BooleanField(default=False)
    open_work = TextField(default="[]")  # JSON, listed by the program at handover time
    note = TextField(null=True)
    created_by = CharField()


class HandoverItem(BaseModel):
    handover = ForeignKeyField(Handover, backref="items")
    kind = CharField()  # seals | cheques | certificates | archives | ledgers | usernames | other
    description = CharField()
    quantity = IntegerField(default=1)
    checked = BooleanField(default=False)


class AuditEvent(BaseModel):
    """Append-only, hash-chained log; each row is written in the transaction it records."""

    seq = IntegerField(primary_key=True)
    at = CharField()
    user = CharField()
    action = CharField()
    entity = CharField()
    entity_id = CharField(null=True)
    detail = TextField()
    prev_hash = CharField()
    hash = CharField()


class BundleLog(BaseModel):
    direction = CharField()  # out | in
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


ALL_MODELS = [
    Meta, Branch, AppUser, Unit, Plan, Member, Policy, ImportBatch, Coverage, ClaimReport,
    ClaimEvent, DirectPayFailure, BudgetLine, Disbursement, StaffAccount, AccountForm,
    Handover, HandoverItem, AuditEvent, BundleLog,
]
