"""Bulk purchases and the fixed-asset register (docs/rules.md R13; 001 fin.5, 附件3 6; 004 附件3–4).

- ``purchase``: the request (what, how many, the estimate, the budget line), the price
  comparison's three signatures (004 附件4) and the decision (the chosen quote, the reason
  for a tie, an exception or fewer quotes).
- ``purchase_quote``: each supplier's quote as the comparison lists it.
- ``purchase_score``: one scorer's points for one quote (004 附件3), with the date signed.
- ``fixed_asset``, ``asset_move``: the register (acquisition, purchase, location, keeper,
  disposal) and every move of location or keeper.
- ``asset_count``, ``asset_count_line``: the yearly stocktake and its verdict per asset.

Frozen inline models: never edit, never import the app."""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BudgetLine(Base):
        class Meta:
            table_name = "budget_line"

    class StaffAccount(Base):
        class Meta:
            table_name = "staff_account"

    class Purchase(Base):
        title = CharField()
        kind = CharField()
        spec = CharField(null=True)
        requirement = TextField(null=True)
        quantity = IntegerField()
        estimate_fen = IntegerField()
        budget_line = ForeignKeyField(BudgetLine, index=False)
        requested_on = DateField(index=True)
        requested_by = CharField()
        state = CharField()
        chair = CharField(null=True)
        director = CharField(null=True)
        handler = CharField(null=True)
        compared_on = DateField(null=True)
        few_quotes_reason = TextField(null=True)
        chosen_quote = IntegerField(null=True)
        decision_reason = TextField(null=True)
        amount_fen = IntegerField(null=True)
        decided_on = DateField(null=True)
        decided_by = CharField(null=True)

    class PurchaseQuote(Base):
        purchase = ForeignKeyField(Purchase, index=False)
        supplier = CharField()
        phone = CharField(null=True)
        model = CharField(null=True)
        unit_price_fen = IntegerField()
        total_fen = IntegerField()
        payment_terms = CharField(null=True)
        tax_invoice = CharField(null=True)
        after_sales = CharField(null=True)
        quoted_on = DateField()
        entered_by = CharField()

        class Meta:
            indexes = ((("purchase", "supplier"), True),)

    class PurchaseScore(Base):
        quote = ForeignKeyField(PurchaseQuote, index=False)
        scorer = CharField()
        qualification = IntegerField()
        price = IntegerField()
        quality = IntegerField()
        after_sales = IntegerField()
        signed_on = DateField()
        entered_by = CharField()

        class Meta:
            indexes = ((("quote", "scorer"), True),)

    class FixedAsset(Base):
        name = CharField()
        model = CharField(null=True)
        acquired_on = DateField()
        invoice_no = CharField(null=True)
        amount_fen = IntegerField()
        purchase = ForeignKeyField(Purchase, null=True, index=True)
        title_doc = CharField(null=True)
        location = CharField()
        keeper = ForeignKeyField(StaffAccount, index=True)
        state = CharField()
        disposed_on = DateField(null=True)
        disposal_reason = TextField(null=True)
        disposal_approval = CharField(null=True)
        disposed_by = CharField(null=True)
        entered_by = CharField()
        note = TextField(null=True)

    class AssetMove(Base):
        asset = ForeignKeyField(FixedAsset, index=True)
        on_date = DateField()
        location_from = CharField()
        location_to = CharField()
        keeper_from = IntegerField()
        keeper_to = IntegerField()
        reason = TextField()
        by_user = CharField()
        at = CharField()

    class AssetCount(Base):
        year = IntegerField(unique=True)
        counted_on = DateField()
        counted_by = CharField()
        note = TextField(null=True)
        by_user = CharField()
        at = CharField()

    class AssetCountLine(Base):
        count = ForeignKeyField(AssetCount, index=False)
        asset = ForeignKeyField(FixedAsset, index=True)
        result = CharField()
        note = TextField(null=True)

        class Meta:
            indexes = ((("count", "asset"), True),)

    return [Purchase, PurchaseQuote, PurchaseScore, FixedAsset, AssetMove, AssetCount, AssetCountLine]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
