"""Fees collected from units, remitted to the office, and the receipts issued for the office
(DOMAIN §12; 000 第十五条4, 第二十五条; 001 fin.7, fin.10). Frozen inline models: never edit,
never import the app.

``fee_payment.remitted_fen`` repeats the sum of its remittance items (written in the same
transaction) so that the 待办 reads the payments not yet fully remitted through a partial
index, without summing every remittance ever made; ``policy (start, …)`` lets it read the
policies whose payment deadline has passed within a bounded window."""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField

PARTIAL = {
    "fee_payment_unremitted": (
        "fee_payment",
        "received_on, id, amount_fen, remitted_fen",
        "voided_on IS NULL AND remitted_fen < amount_fen",
    ),
}


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Unit(Base):
        code = CharField(unique=True)

        class Meta:
            table_name = "unit"

    class Plan(Base):
        code = CharField(primary_key=True)

        class Meta:
            table_name = "plan"

    class Policy(Base):
        start = DateField()

        class Meta:
            table_name = "policy"

    class FeeReceipt(Base):
        number = CharField(unique=True)
        series = CharField()
        serial = IntegerField()
        issued_on = DateField()
        state = CharField()
        voided_on = DateField(null=True)
        voided_by = CharField(null=True)
        void_reason = TextField(null=True)
        created_by = CharField()
        created_at = CharField()

        class Meta:
            indexes = ((("series", "serial"), True),)

    class FeePayment(Base):
        receipt = ForeignKeyField(FeeReceipt, unique=True)
        unit = ForeignKeyField(Unit, index=True)
        plan = ForeignKeyField(Plan, index=False)
        policy = ForeignKeyField(Policy, index=True)
        period = CharField()
        amount_fen = IntegerField()
        received_on = DateField(index=True)
        payer = CharField(null=True)
        remitted_fen = IntegerField(default=0)
        voided_on = DateField(null=True)
        created_by = CharField()
        created_at = CharField()

    class FeeRemittance(Base):
        on_date = DateField(index=True)
        amount_fen = IntegerField()
        bank_ref = CharField(unique=True)
        created_by = CharField()
        created_at = CharField()

    class FeeRemittanceItem(Base):
        remittance = ForeignKeyField(FeeRemittance, index=True)
        payment = ForeignKeyField(FeePayment, index=True)
        amount_fen = IntegerField()

    return [FeeReceipt, FeePayment, FeeRemittance, FeeRemittanceItem]


def up(migrator, db):
    db.create_tables(_models(db)[:4])
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "policy_start_unit_id_plan_id" ON "policy" ("start", "unit_id", "plan_id")'
    )
    for name, (table, columns, where) in PARTIAL.items():
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns}) WHERE {where}')


def down(migrator, db):
    for name in PARTIAL:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('DROP INDEX IF EXISTS "policy_start_unit_id_plan_id"')
    db.drop_tables(list(reversed(_models(db))))
