"""Numbered schema migrations (``NNNN_slug.py``), run by ``playhouse.migrations.Runner``.

Each module defines ``up(migrator, db)`` and ``down(migrator, db)`` over frozen inline
models; none imports the application's models, so an old migration keeps meaning what
it meant when it was written.
"""

from pathlib import Path

DIRECTORY = str(Path(__file__).resolve().parent)


def names() -> list[str]:
    return sorted(p.stem for p in Path(DIRECTORY).glob("[0-9][0-9][0-9][0-9]_*.py"))


HEAD = names()[-1]
