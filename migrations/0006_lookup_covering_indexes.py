"""Covering indexes for the lookup (issue #3): every column the lookup reads is in the index
it searches, so a lookup reads one run of index pages instead of one table page per member
found, and a member's coverage lines come from one run of the (member, policy) index.

Each page SQLCipher reads that is not in the page cache is decrypted and authenticated
(AES-256 + HMAC-SHA512) before use; reading fewer pages is what keeps a lookup close to plain
SQLite. At 1,000,000 members the lookup indexes grow by about 110 MiB. ``id_number`` keeps
its own unique index: that is the constraint, and what imports use."""

LOOKUP = {
    # full ID (reversed, exact) and last digits (reversed prefix) both search id_rev
    "member_lookup_id_rev": ("member", "id_rev, id_number, name, sex, retirement_date, unit_id"),
    # ``id`` second: exact and prefix name matches come out in (name, id) order, no sort
    "member_lookup_name": ("member", "name, id, id_number, sex, retirement_date, unit_id"),
    "member_lookup_initials": ("member", "initials, id, name, id_number, sex, retirement_date, unit_id"),
    "coverage_lookup_member": ("coverage", "member_id, policy_id, shares, cover_start, observation_end"),
}
REPLACED = {
    "member_id_rev": ("member", "id_rev"),
    "member_name": ("member", "name"),
    "member_initials": ("member", "initials"),
    "coverage_member_id_policy_id": ("coverage", "member_id, policy_id"),
}


def up(migrator, db):
    for name in REPLACED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for name, (table, columns) in LOOKUP.items():
        db.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ({columns})')


def down(migrator, db):
    for name in LOOKUP:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for name, (table, columns) in REPLACED.items():
        db.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ({columns})')
