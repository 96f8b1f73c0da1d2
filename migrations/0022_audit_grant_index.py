"""The grant events' index (issue 15): every unlock replays the signed grants
(``models.grants.walk``: the user's role and signing key), which read every signed event of the
chain, one per write the branch ever made, to find the few grant events among them. With
(action, seq) the unlock reads only those, however long the chain. Plain SQL, both backends."""


def up(migrator, db):
    db.execute_sql('CREATE INDEX "auditevent_action_seq" ON "audit_event" ("action", "seq")')


def down(migrator, db):
    db.execute_sql('DROP INDEX IF EXISTS "auditevent_action_seq"')
