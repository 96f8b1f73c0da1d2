"""The management-fee accounts (DOMAIN §11, R4.4, R11.4–R11.5): income, spending other than
welfare, collective decisions, the custody register of seals and cheques; who paid each
disbursement and the decision that allowed a large one. Frozen inline models: never edit,
never import the app."""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField

_DISBURSEMENT_COLUMNS = (("paid_by", "VARCHAR(255)"), ("decision_id", "INTEGER"))


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BudgetLine(Base):
        year = IntegerField()
        code = CharField()
        name = CharField()
        amount_fen = IntegerField()

        class Meta:
            table_name = "budget_line"

    class CollectiveDecision(Base):
        on_date = DateField(index=True)
        body = CharField()
        attendees = TextField()
        decision = TextField()
        amount_fen = IntegerField(null=True)
        minutes_ref = CharField(null=True)
        entered_by = CharField()
        entered_at = CharField()

    class MgmtIncome(Base):
        on_date = DateField(index=True)
        kind = CharField()
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

    class MgmtSpending(Base):
        on_date = DateField(index=True)
        category = CharField()
        amount_fen = IntegerField()
        payee = CharField()
        note = TextField()
        budget_line = ForeignKeyField(BudgetLine, backref="spendings", index=True)
        state = CharField(index=True)
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

    class CustodyHolding(Base):
        kind = CharField(index=True)
        item = CharField()
        holder = CharField()
        joint_holder = CharField(null=True)
        from_date = DateField()
        to_date = DateField(null=True)
        note = TextField(null=True)
        entered_by = CharField()
        returned_by = CharField(null=True)

    return [BudgetLine, CollectiveDecision, MgmtIncome, MgmtSpending, CustodyHolding]


def up(migrator, db):
    for column, kind in _DISBURSEMENT_COLUMNS:
        db.execute_sql(f'ALTER TABLE "disbursement" ADD COLUMN "{column}" {kind}')
    db.create_tables(_models(db)[1:], safe=False)


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db)[1:])))
    for column, _ in reversed(_DISBURSEMENT_COLUMNS):
        db.execute_sql(f'ALTER TABLE "disbursement" DROP COLUMN "{column}"')
