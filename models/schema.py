"""The branch database's tables (peewee models bound to the one SqlCipherDatabase).

Conventions: money is integer fen (``*_fen``), dates are ``DateField``, times are
UTC ISO strings. Every table is created by a numbered migration in ``migrations/``;
these classes describe the schema at head and must match it (a test compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from models.db import database

if TYPE_CHECKING:
    from peewee import AutoField


class BaseModel(Model):
    if TYPE_CHECKING:
        # peewee adds this primary key to every model that declares none; its stubs cannot see it.
        # (The few models with their own key, e.g. Meta.key, appear to have it too.)
        id: AutoField[int]

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
    name = CharField()
    initials = CharField()  # pinyin initials, lower case: 张三 -> zs
    id_number = CharField(unique=True)
    # The ID reversed, so "last N digits" is an indexed prefix range scan.
    id_rev = CharField()
    sex = CharField(max_length=1)
    birth_date = DateField()
    unit = ForeignKeyField(Unit, backref="members", index=True)
    phone = CharField(null=True)
    bank_name = CharField(null=True)
    bank_account = CharField(null=True)
    retirement_date = DateField(null=True)

    class Meta:
        # The lookup's covering indexes (migration 0006): each holds every column the lookup
        # reads, so finding a member never reads (and decrypts) a table page.
        indexes = (
            (("id_rev", "id_number", "name", "sex", "retirement_date", "unit"), False),
            (("name", "id", "id_number", "sex", "retirement_date", "unit"), False),
            (("initials", "id", "name", "id_number", "sex", "retirement_date", "unit"), False),
        )


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
        # (start, unit, plan): migration 0017, for the fees overdue in the 待办 (a bounded window of starts)
        indexes = ((("unit", "plan", "start"), True), (("start", "unit", "plan"), False))


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

    # No index of its own: the covering (member, policy, …) index below serves lookups by member.
    member = ForeignKeyField(Member, backref="coverage", index=False)
    policy = ForeignKeyField(Policy, backref="coverage", index=True)
    shares = IntegerField()
    cover_start = DateField()
    observation_end = DateField(null=True)
    event = CharField()  # first_enrolment | renewal | late_renewal_as_first | added_shares
    filed = DateField()
    # Indexed by migration 0005 only where not NULL (most lines come from renewals, not files).
    batch = ForeignKeyField(ImportBatch, null=True, backref="lines", index=False)
    created_by = CharField()
    # migration 0011: NULL checked | no_figure | unchecked_history (R1.10)
    basis = CharField(null=True)

    class Meta:
        indexes = ((("member", "policy", "shares", "cover_start", "observation_end"), False),)


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
    # The preliminary check's errors and warnings at registration, JSON (migration 0007):
    # [{code, outcome, severity, message, citation, configurable, ruleset}]; NULL before 0007.
    check_findings = TextField(null=True)


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

    class Meta:
        # covering the 待办's read of the listed claims' histories (migration 0015)
        indexes = ((("claim", "on_date", "id", "to_state", "by_user"), False),)


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


class BudgetVersion(BaseModel):
    """One version of a year's budget (R11.1–R11.3): a draft, then approved by a supervisor
    with the committee meeting that reviewed it (000 第十三条2), then superseded when an
    amendment is approved. Earlier versions stay on record."""

    year = IntegerField()
    number = IntegerField()
    state = CharField()  # draft | approved | superseded
    reason = TextField(null=True)  # why an amendment was made; None for a year's first version
    drafted_by = CharField()
    drafted_at = CharField()
    approved_by = CharField(null=True)
    approved_at = CharField(null=True)
    meeting_date = DateField(null=True)
    minutes = CharField(null=True)

    class Meta:
        indexes = ((("year", "number"), True),)


class BudgetLine(BaseModel):
    """A year's budget line as disbursements are charged to it: the amount of the approved
    version in force (``version``, migration 0009). Written only when a version is approved
    (models.budget), so spending is checked against the approved budget alone."""

    year = IntegerField()
    code = CharField()
    name = CharField()
    amount_fen = IntegerField()
    version = ForeignKeyField(BudgetVersion, null=True, backref="in_force", index=False)

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
    # Migration 0010. A void keeps the row (state "cancelled") with who, when and why (R9.3).
    voided_on = DateField(null=True)
    voided_by = CharField(null=True)
    void_reason = TextField(null=True)
    visit_place = CharField(null=True)  # cash paid at an on-site visit: where (R3.2)
    participants = IntegerField(null=True)  # an activity's participant count (R3.9)
    # The event paid for (R3.11): a plain id, not a foreign key (0010 must be able to drop it).
    claim_id = IntegerField(null=True)
    event_date = DateField(null=True)
    cause = CharField(null=True)
    hierarchy_reason = TextField(null=True)  # why it exceeds the standards hierarchy (R3.1)
    # Migration 0018: who paid it (not who entered it, 000 第十九条2) and, above the large-amount
    # threshold, the collective decision its approval rests on (R11.5): a plain id, like claim_id.
    paid_by = CharField(null=True)
    decision_id = IntegerField(null=True)


class StaffAccount(BaseModel):
    """A clerk's account in the office's business system (not a huzhu user)."""

    name = CharField()
    phone = CharField(null=True)
    username = CharField(unique=True)
    # The latest of the account's ``StaffLogin`` dates, kept with them (the 待办 list reads it).
    last_login = DateField(null=True)
    active = BooleanField(default=True)
    created_on = DateField(null=True)  # a new account counts from here (R4.2); NULL before 0009
    disabled_on = DateField(null=True)


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
    sig = TextField(null=True)  # the acting user's Ed25519 signature over ``hash`` (migration 0013)
    rows = TextField(null=True)  # [[table, pk, row hash or null], …] the event's transaction wrote

    class Meta:
        # the unlock's replay of the grants reads only grant events (migration 0022)
        indexes = ((("action", "seq"), False),)


class RowSeal(BaseModel):
    """Each business row's hash as of the latest signed event that wrote it (``models.rowseal``)."""

    tbl = CharField()
    pk = CharField()
    hash = CharField()
    cols = TextField()  # short per-column hashes: names what differs (not trusted: ``hash`` is signed)
    seq = IntegerField(index=True)

    class Meta:
        table_name = "row_seal"
        primary_key = CompositeKey("tbl", "pk")


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
    Meta,
    Branch,
    AppUser,
    Unit,
    Plan,
    Member,
    Policy,
    ImportBatch,
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
    RowSeal,
]


# --- sync (migration 0003) -------------------------------------------------------------------
# Used at both ends: a database's ``huzhu_meta`` row ``kind`` says whether it is a branch's
# (``branch``, also when missing) or the office's (``office``).


class LocalKey(BaseModel):
    """This database's own key pairs (``signing`` Ed25519, ``exchange`` X25519). The private
    halves live only here, inside the encrypted file, and are never printed or exported."""

    purpose = CharField(unique=True)
    private_raw = BlobField()
    public_raw = BlobField()
    created_at = CharField()


class TrustedKey(BaseModel):
    """Pinned public keys of the other side: at a branch the office (role ``office``), at
    the office each enrolled branch (role ``branch``, one row per branch code)."""

    role = CharField()  # office | branch
    branch_code = CharField(null=True)
    name = CharField()
    ed25519_public = BlobField()
    x25519_public = BlobField()
    fingerprint = CharField()
    enrolled_at = CharField()
    enrolled_by = CharField()
    root_ed25519 = BlobField(null=True)  # the branch's first supervisor's signing key (its registration)

    class Meta:
        indexes = ((("role", "branch_code"), True),)


class ReceivedBundle(BaseModel):
    """Office side: every bundle file offered for import, with what became of it."""

    branch_code = CharField(null=True, index=True)
    kind = CharField(null=True)
    period = CharField(null=True)
    sequence = IntegerField(null=True)
    sha256 = CharField(index=True)
    prev_sha256 = CharField(null=True)
    file_name = CharField()
    status = CharField()  # imported | held | refused
    reason = CharField()  # ok, a sync.reasons code, or replay | chain_break | gap | bad_payload …
    detail = TextField(null=True)
    summary = TextField(null=True)  # the bundle's whole-state digests (canonical JSON)
    held_data = BlobField(null=True)  # the file itself while held for a gap
    received_at = CharField()
    received_by = CharField()
    imported_at = CharField(null=True)


class OfficeFigure(BaseModel):
    """Office side: a branch's reported figures per unit × plan for one period (latest bundle wins)."""

    bundle = ForeignKeyField(ReceivedBundle, backref="figures")
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


class OfficeRecord(BaseModel):
    """Office side: records (claims, disbursements, handovers, units) by their stable id."""

    uid = CharField(unique=True)
    branch_code = CharField(index=True)
    kind = CharField()
    period = CharField()
    bundle = ForeignKeyField(ReceivedBundle, backref="records")
    data = TextField()


class OfficeLedger(BaseModel):
    """Office side: the office's own figures per branch × unit × plan, from its business system."""

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


class OutgoingNotice(BaseModel):
    """Office side: notices queued for a branch's next answer bundle."""

    uid = CharField(unique=True)
    branch_code = CharField(index=True)
    period = CharField()
    kind = CharField()  # claim_returned | direct_pay_failed | other
    ref = CharField(null=True)
    text = TextField()
    created_at = CharField()
    created_by = CharField()
    sent_sha256 = CharField(null=True)


class OfficeNotice(BaseModel):
    """Branch side: notices from the office's answers, shown on the dashboard until done."""

    uid = CharField(unique=True)
    period = CharField()
    kind = CharField()
    ref = CharField(null=True)
    text = TextField()
    bundle_sha256 = CharField()
    received_at = CharField()
    done_at = CharField(null=True)
    done_by = CharField(null=True)


ALL_MODELS += [
    LocalKey,
    TrustedKey,
    ReceivedBundle,
    OfficeFigure,
    OfficeRecord,
    OfficeLedger,
    OutgoingNotice,
    OfficeNotice,
]


# --- work log and audit self-check (migration 0004) ------------------------------------------


class WorkLog(BaseModel):
    """Committee meetings, trainings and articles sent to the office: the audit counts them
    (000 第十六条1; 001 附件1 业务管理)."""

    kind = CharField(index=True)  # meeting | training | article
    on_date = DateField(index=True)
    title = CharField()
    attendees_or_outlet = TextField(null=True)  # who attended; for an article, where it was sent
    note = TextField(null=True)
    created_by = CharField()
    created_at = CharField()


class SelfcheckTick(BaseModel):
    """A clerk's tick on a self-check item the program cannot measure (001 附件1), per year."""

    year = IntegerField()
    item = CharField()
    ticked = BooleanField(default=False)
    note = TextField(null=True)
    by_user = CharField()
    at = CharField()

    class Meta:
        indexes = ((("year", "item"), True),)


ALL_MODELS += [WorkLog, SelfcheckTick]


# --- the office's register of branches (migration 0016, docs/rules.md R8) --------------------------


class OfficeBranch(BaseModel):
    """One branch in the office's register: its state and the dates of its lifecycle steps
    (000 第七–十条). The steps themselves are kept in ``OfficeBranchEvent``."""

    code = CharField(unique=True)
    name = CharField()
    full_name = CharField(null=True)
    state = CharField()
    source = CharField()  # apply | import
    applied_on = DateField(null=True)
    decided_on = DateField(null=True)
    certificate_no = CharField(null=True)
    certified_on = DateField(null=True)
    announced_on = DateField(null=True)
    started_on = DateField(null=True)
    excuse = TextField(null=True)
    docs = TextField(default="[]")  # JSON: document keys received for the open application
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


class OfficeBranchEvent(BaseModel):
    """A dated step of a branch's lifecycle, with its documents and who recorded it."""

    branch_code = CharField(index=True)
    step = CharField()
    on_date = DateField()
    detail = TextField()  # JSON
    by_user = CharField()
    at = CharField()


ALL_MODELS += [OfficeBranch, OfficeBranchEvent]


# --- back-dated entries (migration 0014) -------------------------------------------------------


class BackdatedEntry(BaseModel):
    """An entry recorded with a date before the day it was typed, by a supervisor with a reason
    (rules.entry_dates; 000 第十七条9). ``entity``/``entity_id`` name the row (policy,
    claim_report, disbursement, handover); ``kind`` is the date's kind (``renewal_filed`` …)."""

    entity = CharField()
    entity_id = IntegerField()
    kind = CharField()
    entered_date = DateField()
    recorded_on = DateField()
    reason = TextField()
    by_user = CharField()
    at = CharField()

    class Meta:
        indexes = ((("entity", "entity_id"), False),)


ALL_MODELS += [BackdatedEntry]


# --- budget versions, staff logins and changes (migration 0009) ------------------------------


class BudgetVersionLine(BaseModel):
    version = ForeignKeyField(BudgetVersion, backref="lines", index=False)
    code = CharField()
    name = CharField()
    amount_fen = IntegerField()
    note = TextField(null=True)
    reason = TextField(null=True)  # why the line changed in this version

    class Meta:
        indexes = ((("version", "code"), True),)


class StaffLogin(BaseModel):
    """A date a clerk logged in to the office's business system (R4.2), entered or imported."""

    account = ForeignKeyField(StaffAccount, backref="logins", index=False)
    on_date = DateField()
    source = CharField()  # entered | import | migration
    batch = ForeignKeyField(ImportBatch, null=True, backref="logins", index=False)
    created_by = CharField()
    created_at = CharField()

    class Meta:
        indexes = ((("account", "on_date"), True),)


class StaffChange(BaseModel):
    """A change of a clerk's account (name, phone, username, state, creation date) with the
    date it took effect and the date it was reported to the office (R4.5)."""

    account = ForeignKeyField(StaffAccount, backref="changes", index=True)
    field_name = CharField()
    old_value = CharField(null=True)
    new_value = CharField(null=True)
    on_date = DateField()
    reported_on = DateField(null=True)
    reason = TextField(null=True)
    by_user = CharField()
    at = CharField()


ALL_MODELS += [BudgetVersion, BudgetVersionLine, StaffLogin, StaffChange]


# --- member record history (migration 0008) --------------------------------------------------


class MemberChange(BaseModel):
    """One change of a member's phone, bank name, account or retirement date (R3.7, R9.3):
    the old and the new value, where it came from, why, when and by whom. Accounts are kept
    whole here (inside the encryption, as on the member row) and shown masked."""

    member = ForeignKeyField(Member, backref="changes", index=True)
    field = CharField()  # phone | bank_name | bank_account | retirement_date
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    source = CharField()  # rules.members.SOURCES
    reason = TextField()
    on_date = DateField()
    batch = ForeignKeyField(ImportBatch, null=True, backref="member_changes", index=False)
    by_user = CharField()
    at = CharField()


class MemberTransfer(BaseModel):
    """A member's move to another unit (R1.9): from-unit, to-unit, date, reason, clerk."""

    member = ForeignKeyField(Member, backref="transfers", index=True)
    from_unit = ForeignKeyField(Unit, backref="transfers_out", index=True)
    to_unit = ForeignKeyField(Unit, backref="transfers_in", index=True)
    on_date = DateField()
    reason = TextField()
    source = CharField()  # transfer | enrolment_transfer
    batch = ForeignKeyField(ImportBatch, null=True, backref="member_transfers", index=False)
    by_user = CharField()
    at = CharField()


ALL_MODELS += [MemberChange, MemberTransfer]


# --- 待办 (migration 0015) ------------------------------------------------------------------------


class PolicyLatest(BaseModel):
    """The latest policy of each unit × plan, written only by the triggers on ``policy`` that
    migration 0015 creates (never by the program): the 待办 list reads the ones whose renewal
    window has opened through the ``end`` index, without reading every policy ever filed."""

    unit_id = IntegerField()
    plan_id = CharField()
    policy_id = IntegerField()
    start = DateField()
    end = DateField()
    outcome = CharField()

    class Meta:
        table_name = "policy_latest"
        primary_key = CompositeKey("unit_id", "plan_id")
        indexes = ((("end", "unit_id", "plan_id", "start", "outcome", "policy_id"), False),)


ALL_MODELS += [PolicyLatest]


# --- office parameter notices and deferred share decreases (migration 0011) -----------------


class ParamNotice(BaseModel):
    """Branch side: an office parameter notice (参数通知) installed here, with its signed bytes."""

    reference = CharField(unique=True)
    title = CharField()
    effective_from = DateField(unique=True)
    signed_file = BlobField()
    sha256 = CharField()
    office_fingerprint = CharField()
    installed_by = CharField()
    installed_at = CharField()


class ShareChange(BaseModel):
    """A member's total asked for the next period by a row filed in this period (R1.5)."""

    member = ForeignKeyField(Member, index=False)
    policy = ForeignKeyField(Policy, index=False)  # the (policy, member) index serves it
    shares = IntegerField()
    filed = DateField()
    batch = ForeignKeyField(ImportBatch, null=True, index=False)
    created_by = CharField()
    created_at = CharField()

    class Meta:
        indexes = ((("policy", "member"), False),)


ALL_MODELS += [ParamNotice, ShareChange]


# --- corrections and batches (migration 0010) --------------------------------------------------


class ClaimCorrection(BaseModel):
    """A registered claim corrected before submission (R2.3, R9.3): what changed (JSON
    ``{field: [old, new]}``), when, by whom and why. The claim row holds the new values."""

    claim = ForeignKeyField(ClaimReport, backref="corrections", index=True)
    on_date = DateField()
    reason = TextField()
    changes = TextField()
    by_user = CharField()
    at = CharField()


class DisbursementRecipient(BaseModel):
    """One recipient of a batch disbursement: seasonal goods (R3.8) or an activity's winners
    and participants (R3.9); ``role`` is recipient | winner | participant."""

    disbursement = ForeignKeyField(Disbursement, backref="recipients", index=True)
    member = ForeignKeyField(Member, null=True, backref="batch_disbursements", index=True)
    name = CharField()
    amount_fen = IntegerField()
    role = CharField()


ALL_MODELS += [ClaimCorrection, DisbursementRecipient]


class Purchase(BaseModel):
    """A purchase (docs/rules.md R13.1): the request, the price comparison's signatures (004 附件4)
    and the decision. ``state`` is open | decided; ``chosen_quote`` is the chosen quote's id."""

    title = CharField()
    kind = CharField()  # goods | asset | service
    spec = CharField(null=True)
    requirement = TextField(null=True)
    quantity = IntegerField()
    estimate_fen = IntegerField()
    budget_line = ForeignKeyField(BudgetLine, backref="purchases", index=False)
    requested_on = DateField(index=True)
    requested_by = CharField()
    state = CharField()
    chair = CharField(null=True)  # 管委会主任
    director = CharField(null=True)  # 代办处主任
    handler = CharField(null=True)  # 经手人
    compared_on = DateField(null=True)
    few_quotes_reason = TextField(null=True)
    chosen_quote = IntegerField(null=True)
    decision_reason = TextField(null=True)  # a tie, or a supplier other than the highest total
    amount_fen = IntegerField(null=True)  # the chosen quote's total
    decided_on = DateField(null=True)
    decided_by = CharField(null=True)


class PurchaseQuote(BaseModel):
    """One supplier's quote, as the price comparison (004 附件4) lists it."""

    purchase = ForeignKeyField(Purchase, backref="quotes", index=False)
    supplier = CharField()
    phone = CharField(null=True)
    model = CharField(null=True)  # 商品型号
    unit_price_fen = IntegerField()
    total_fen = IntegerField()
    payment_terms = CharField(null=True)
    tax_invoice = CharField(null=True)
    after_sales = CharField(null=True)
    quoted_on = DateField()
    entered_by = CharField()

    class Meta:
        indexes = ((("purchase", "supplier"), True),)


class PurchaseScore(BaseModel):
    """One scorer's points for one quote on the scoring sheet (004 附件3), signed on a date."""

    quote = ForeignKeyField(PurchaseQuote, backref="scores", index=False)
    scorer = CharField()
    qualification = IntegerField()
    price = IntegerField()
    quality = IntegerField()
    after_sales = IntegerField()
    signed_on = DateField()
    entered_by = CharField()

    class Meta:
        indexes = ((("quote", "scorer"), True),)


class FixedAsset(BaseModel):
    """A fixed asset (docs/rules.md R13.2). ``state`` is in_use | disposed; a disposal keeps the row."""

    name = CharField()
    model = CharField(null=True)
    acquired_on = DateField()
    invoice_no = CharField(null=True)
    amount_fen = IntegerField()
    purchase = ForeignKeyField(Purchase, null=True, backref="assets", index=True)
    title_doc = CharField(null=True)  # 产权证, e.g. 汽车行驶证
    location = CharField()
    keeper = ForeignKeyField(StaffAccount, backref="assets", index=True)
    state = CharField()
    disposed_on = DateField(null=True)
    disposal_reason = TextField(null=True)
    disposal_approval = CharField(null=True)
    disposed_by = CharField(null=True)
    entered_by = CharField()
    note = TextField(null=True)


class AssetMove(BaseModel):
    """A change of an asset's location or keeper; keepers are staff_account ids."""

    asset = ForeignKeyField(FixedAsset, backref="moves", index=True)
    on_date = DateField()
    location_from = CharField()
    location_to = CharField()
    keeper_from = IntegerField()
    keeper_to = IntegerField()
    reason = TextField()
    by_user = CharField()
    at = CharField()


class AssetCount(BaseModel):
    """A year's stocktake (财产盘点明细表, 001 附件3 6)."""

    year = IntegerField(unique=True)
    counted_on = DateField()
    counted_by = CharField()
    note = TextField(null=True)
    by_user = CharField()
    at = CharField()


class AssetCountLine(BaseModel):
    """The stocktake's verdict on one asset: found | differs | missing."""

    count = ForeignKeyField(AssetCount, backref="lines", index=False)
    asset = ForeignKeyField(FixedAsset, backref="counts", index=True)
    result = CharField()
    note = TextField(null=True)

    class Meta:
        indexes = ((("count", "asset"), True),)


ALL_MODELS += [Purchase, PurchaseQuote, PurchaseScore, FixedAsset, AssetMove, AssetCount, AssetCountLine]
# --- service projects and the working-day calendar (migration 0019) --------------------------------


class ServiceProject(BaseModel):
    """A service project on the member service platform (docs/rules.md R7, 004): the 附件1 plan's fields,
    its dates, cost and budget line, and where it stands in R7.1's lifecycle (``state``)."""

    name = CharField()
    applicant = CharField()  # 申请单位工会名称
    parent_unit = CharField()  # 归属上级单位名称
    content = TextField()
    target = TextField()  # 服务对象
    purpose = TextField()
    funding = TextField()  # 项目使用资金来源
    items = TextField()  # JSON: [{name, unit_price_fen, quantity}] (采买物品)
    leader = CharField()
    leader_phone = CharField()
    participation = TextField()  # 参与方式与注意事项
    contact = TextField()  # 咨询与投诉方式
    start = DateField()
    end = DateField()
    cost_fen = IntegerField()
    budget_line = ForeignKeyField(BudgetLine, backref="projects", index=True)
    state = CharField()
    created_by = CharField()
    created_at = CharField()
    updated_at = CharField()

    class Meta:
        indexes = ((("state", "start"), False),)


class ServiceProjectStep(BaseModel):
    """One recorded step of a project (submission, review, meeting, signatures …) with its documents (JSON)."""

    project = ForeignKeyField(ServiceProject, backref="steps", index=True)
    step = CharField()
    on_date = DateField()
    detail = TextField()
    by_user = CharField()
    at = CharField()


class ServiceProjectCode(BaseModel):
    """An e-code and its password (电子码及密码, R7.7, R7.8): secret like a passphrase, never shown in full."""

    project = ForeignKeyField(ServiceProject, backref="codes", index=False)
    code = CharField()
    secret = CharField()
    status = CharField()  # issued | used | unused

    class Meta:
        indexes = ((("project", "code"), True),)


class ServiceProjectParticipant(BaseModel):
    """A member the office's feedback names as having taken part (R7.8)."""

    project = ForeignKeyField(ServiceProject, backref="participants", index=True)
    name = CharField()


class CalendarNotice(BaseModel):
    """Branch side: an office working-day calendar notice installed here, with its signed bytes."""

    reference = CharField(unique=True)
    title = CharField()
    years = CharField()  # "2027" or "2026,2027"
    issued_at = CharField()
    signed_file = BlobField()
    sha256 = CharField()
    office_fingerprint = CharField()
    installed_by = CharField()
    installed_at = CharField()


ALL_MODELS += [ServiceProject, ServiceProjectStep, ServiceProjectCode, ServiceProjectParticipant, CalendarNotice]
# --- fees collected, remitted, and receipts (migration 0017, DOMAIN §12) --------------------------


class FeeReceipt(BaseModel):
    """A number of the register of receipts issued for the office (代开票据, R12.6): issued with
    a payment, or voided (spoilt) with a reason. Never deleted; numbers run without gaps per
    series (the book: the number's prefix)."""

    number = CharField(unique=True)
    series = CharField()
    serial = IntegerField()
    issued_on = DateField()
    state = CharField()  # issued | voided
    voided_on = DateField(null=True)
    voided_by = CharField(null=True)
    void_reason = TextField(null=True)
    created_by = CharField()
    created_at = CharField()

    class Meta:
        indexes = ((("series", "serial"), True),)


class FeePayment(BaseModel):
    """A unit's fee payment to a 非直投 branch (R12.3): the policy it pays and its receipt.
    ``remitted_fen`` is the sum of its remittance items (kept in the same transaction)."""

    receipt = ForeignKeyField(FeeReceipt, unique=True, backref="payment")
    unit = ForeignKeyField(Unit, backref="fee_payments", index=True)
    plan = ForeignKeyField(Plan, backref="fee_payments", index=False)
    policy = ForeignKeyField(Policy, backref="fee_payments", index=True)
    period = CharField()  # as the clerk named it: YYYY or YYYY-MM (the policy's start lies in it)
    amount_fen = IntegerField()
    received_on = DateField(index=True)
    payer = CharField(null=True)
    remitted_fen = IntegerField(default=0)
    voided_on = DateField(null=True)  # its receipt was voided: the money does not count
    created_by = CharField()
    created_at = CharField()


class FeeRemittance(BaseModel):
    """Fees remitted to the office (R12.4): date, amount, the bank reference."""

    on_date = DateField(index=True)
    amount_fen = IntegerField()
    bank_ref = CharField(unique=True)
    created_by = CharField()
    created_at = CharField()


class FeeRemittanceItem(BaseModel):
    """The part of a remittance that covers one payment."""

    remittance = ForeignKeyField(FeeRemittance, backref="items", index=True)
    payment = ForeignKeyField(FeePayment, backref="remitted_by", index=True)
    amount_fen = IntegerField()


ALL_MODELS += [FeeReceipt, FeePayment, FeeRemittance, FeeRemittanceItem]
# --- management-fee accounts (migration 0018) ---------------------------------------------------


class CollectiveDecision(BaseModel):
    """A collective decision (002 第三十条, R11.5): the meeting's date, the body (committee or
    the branch's leadership meeting), who attended, what was decided for how much, the minutes."""

    on_date = DateField(index=True)
    body = CharField()  # committee | leadership
    attendees = TextField()  # JSON list of names
    decision = TextField()
    amount_fen = IntegerField(null=True)
    minutes_ref = CharField(null=True)
    entered_by = CharField()
    entered_at = CharField()


class MgmtIncome(BaseModel):
    """Management fee received (R11.4): the office's 回拨 or other income, with the 下拨/批复
    reference and the accounting voucher number (R11.6). A wrong one is voided, never deleted."""

    on_date = DateField(index=True)
    kind = CharField()  # office_return | other
    amount_fen = IntegerField()
    period = CharField(null=True)
    reference = CharField(null=True)
    voucher_no = CharField(null=True)
    note = TextField(null=True)
    entered_by = CharField()
    entered_at = CharField()
    voided_on = DateField(null=True)
    voided_by = CharField(null=True)
    void_reason = TextField(null=True)


class MgmtSpending(BaseModel):
    """A management-fee payment other than welfare (those are ``Disbursement``): office,
    training, publicity, purchases, assets, projects; charged to an approved budget line,
    entered → approved → paid (or cancelled). ``source_kind``/``source_id`` name the record it
    pays for (a purchase, an asset) when another module books it."""

    on_date = DateField(index=True)
    category = CharField()
    amount_fen = IntegerField()
    payee = CharField()
    note = TextField()
    budget_line = ForeignKeyField(BudgetLine, backref="spendings", index=True)
    state = CharField(index=True)  # entered | approved | paid | cancelled
    voucher_no = CharField(null=True)
    entered_by = CharField()
    approved_by = CharField(null=True)
    approved_on = DateField(null=True)
    paid_by = CharField(null=True)
    paid_on = DateField(null=True)
    payment_ref = CharField(null=True)
    decision = ForeignKeyField(CollectiveDecision, null=True, backref="spendings", index=False)
    source_kind = CharField(null=True)
    source_id = IntegerField(null=True)
    voided_on = DateField(null=True)
    voided_by = CharField(null=True)
    void_reason = TextField(null=True)


class CustodyHolding(BaseModel):
    """Who holds a finance seal, a personal name seal or the cheques, from when to when (R4.4);
    ``joint_holder`` for an item kept under two people's joint custody."""

    kind = CharField(index=True)  # finance_seal | personal_seal | cheques
    item = CharField()
    holder = CharField()
    joint_holder = CharField(null=True)
    from_date = DateField()
    to_date = DateField(null=True)
    note = TextField(null=True)
    entered_by = CharField()
    returned_by = CharField(null=True)


ALL_MODELS += [CollectiveDecision, MgmtIncome, MgmtSpending, CustodyHolding]
