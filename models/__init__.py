"""Storage: the encrypted database, its key slots, schema, audit chain and the services
that write to it. Nothing here imports the UI (checked by import-linter)."""

import sys as _sys

if "peewee" not in _sys.modules and "psycopg" not in _sys.modules:
    # peewee imports psycopg as it is imported, when it is installed: 0.3 s and 10 MB at every start,
    # for PostgreSQL, which only an office's server database uses (issue 15: the unlock screen
    # paints within 1.5x a bare Textual app). ``models.pgdb`` hands psycopg to peewee when needed.
    _sys.modules["psycopg"] = None  # type: ignore[assignment]  # `import psycopg` fails meanwhile
    try:
        import peewee  # noqa: F401
    finally:
        del _sys.modules["psycopg"]

# Rule lookups by date follow the open database's notices from the moment it is opened:
# ``models.db.Session`` activates models/plans.py and models/workcal.py.
