"""The 待办 list's indexes (issue 15): each of its queries reads only the open items.

The latest policy of each unit × plan, kept by the database itself.

The 待办 list needs, for every unit × plan, its latest policy whose renewal window has opened.
Finding the latest one by ``max(start) … GROUP BY unit, plan`` reads every policy ever filed
(192,000 at a million members, 1.1 s with the rules applied to each). ``policy_latest`` holds
one row per unit × plan, written by triggers on ``policy`` in the same transaction as the
policy itself, so no service code has to remember it; its ``("end", …)`` index lets the 待办
read only the policies whose window is open (a few thousand at a million members), whatever
the size of the branch.

Covering indexes over the open rows only (partial: a settled claim or a signed disbursement
is never in them), so the other sections read one run of index pages each instead of the
table rows found through the ``state`` index, plus the events of the listed claims in
(claim, date, id) order. Plain SQL: nothing to freeze, no app import."""

import migrations

#: name → (table, columns, WHERE of a partial index or None). The dashboard's queries name
#: the partial ones with INDEXED BY (their WHERE repeats the index's): without ANALYZE figures
#: SQLite would rather take the ``state`` index and read the table.
INDEXES = {
    "claim_report_open": (
        "claim_report",
        "id, state, member_id, plan_id, report_date, returned_on",
        "state IN ('registered', 'returned')",
    ),
    "claimevent_claim_id_on_date_id_to_state_by_user": (
        "claim_event",
        "claim_id, on_date, id, to_state, by_user",
        None,
    ),
    "disbursement_waiting": (
        "disbursement",
        "on_date, id, state, member_id, beneficiary_name, category, amount_fen",
        "state IN ('entered', 'approved', 'paid')",
    ),
    "disbursement_spent": ("disbursement", "budget_line_id, state, amount_fen", "state IN ('paid', 'signed')"),
    "direct_pay_failure_open": (
        "direct_pay_failure",
        "notice_on, id, claim_id, corrected_on, transferred_on, handed_down_on, signed_on",
        "signed_on IS NULL",
    ),
    # small tables, indexed all the same so that no 待办 query reads a whole table
    "handover_unreported": (
        "handover",
        "on_date, id, outgoing, incoming, supervisor, reported_on",
        "reported_on IS NULL",
    ),
    "staff_account_active": ("staff_account", "last_login, id, name, username, active", "active"),
    "office_notice_open": ("office_notice", "received_at, id, period, kind, text, done_at", "done_at IS NULL"),
    "bundle_log_sent": ("bundle_log", "kind, period, direction", "direction = 'out'"),
}

LATEST_OF = (
    'SELECT unit_id, plan_id, id, start, "end", outcome FROM policy '
    "WHERE unit_id = {0}.unit_id AND plan_id = {0}.plan_id ORDER BY start DESC LIMIT 1"
)
COLUMNS = 'unit_id, plan_id, policy_id, start, "end", outcome'


def up(migrator, db):
    for name, (table, columns, where) in INDEXES.items():
        db.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ({columns})' + (f" WHERE {where}" if where else ""))
    db.execute_sql(
        'CREATE TABLE "policy_latest" ("unit_id" INTEGER NOT NULL, "plan_id" VARCHAR(255) NOT NULL, '
        '"policy_id" INTEGER NOT NULL, "start" DATE NOT NULL, "end" DATE NOT NULL, "outcome" VARCHAR(255) NOT NULL, '
        'PRIMARY KEY ("unit_id", "plan_id"))'
    )
    db.execute_sql(
        'CREATE INDEX "policylatest_end_unit_id_plan_id_start_outcome_policy_id" '
        'ON "policy_latest" ("end", "unit_id", "plan_id", "start", "outcome", "policy_id")'
    )
    db.execute_sql(
        f"INSERT INTO policy_latest ({COLUMNS}) "
        'SELECT p.unit_id, p.plan_id, p.id, p.start, p."end", p.outcome FROM policy p '
        "JOIN (SELECT unit_id, plan_id, max(start) AS latest FROM policy GROUP BY unit_id, plan_id) l "
        "ON l.unit_id = p.unit_id AND l.plan_id = p.plan_id AND l.latest = p.start"
    )
    if migrations.on_server(db):
        # ``policy`` is a branch's table: an office database (the only kind on a server) never
        # holds a policy, so it gets the same empty table without SQLite's trigger syntax.
        return
    # INSERT OR REPLACE on the (unit, plan) key: whatever the statement did to the group, its row
    # is read again from the (unit, plan, start) index, one row.
    db.execute_sql(
        'CREATE TRIGGER "policy_latest_insert" AFTER INSERT ON "policy" BEGIN '
        f"INSERT OR REPLACE INTO policy_latest ({COLUMNS}) {LATEST_OF.format('NEW')}; END"
    )
    db.execute_sql(
        'CREATE TRIGGER "policy_latest_delete" AFTER DELETE ON "policy" BEGIN '
        "DELETE FROM policy_latest WHERE unit_id = OLD.unit_id AND plan_id = OLD.plan_id; "
        f"INSERT OR REPLACE INTO policy_latest ({COLUMNS}) {LATEST_OF.format('OLD')}; END"
    )
    db.execute_sql(
        'CREATE TRIGGER "policy_latest_update" AFTER UPDATE OF unit_id, plan_id, start, "end", outcome ON "policy" BEGIN '
        "DELETE FROM policy_latest WHERE (unit_id = OLD.unit_id AND plan_id = OLD.plan_id) "
        "OR (unit_id = NEW.unit_id AND plan_id = NEW.plan_id); "
        f"INSERT OR REPLACE INTO policy_latest ({COLUMNS}) {LATEST_OF.format('OLD')}; "
        f"INSERT OR REPLACE INTO policy_latest ({COLUMNS}) {LATEST_OF.format('NEW')}; END"
    )


def down(migrator, db):
    for name in INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for trigger in (
        () if migrations.on_server(db) else ("policy_latest_insert", "policy_latest_delete", "policy_latest_update")
    ):
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{trigger}"')
    db.execute_sql('DROP TABLE IF EXISTS "policy_latest"')
