"""The ``huzhu`` command in a subprocess, as the CLI tests run it (``from tests.cli_kit import …``).

``huzhu(*args, env=…)`` runs ``python -m tui`` with the caller's HUZHU_* variables removed (a test
names its database, user and passphrase itself, ``as_(db, user, passphrase)``); ``ok``/``refused``
check an outcome and that nothing printed a traceback or "内部错误" (an internal error). A test module
whose commands all run against one database as one of a few users binds them once with ``Branch``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.conftest import PASSPHRASE

Proc = subprocess.CompletedProcess[str]


def huzhu(
    *args: object,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: str | Path | None = None,
    timeout: float = 300,
) -> Proc:
    full = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tui", *map(str, args)],
        capture_output=True,
        text=True,
        env=full,
        input=input,
        cwd=cwd,
        timeout=timeout,
    )


def as_(db: str | Path, user: str = "zhang", passphrase: str = PASSPHRASE) -> dict[str, str]:
    """The environment that opens ``db`` as ``user``."""
    return {"HUZHU_DB": str(db), "HUZHU_USER": user, "HUZHU_PASSPHRASE": passphrase}


def assert_no_traceback(proc: Proc) -> Proc:
    assert "Traceback" not in proc.stderr + proc.stdout and "内部错误" not in proc.stderr, proc.stderr
    return proc


def ok(proc: Proc) -> Proc:
    assert proc.returncode == 0, proc.stderr
    return assert_no_traceback(proc)


def refused(proc: Proc, code: int, zh: str) -> Proc:
    """Exit ``code`` with ``zh`` in the message on stderr."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert zh in proc.stderr, proc.stderr
    return assert_no_traceback(proc)


def sql(db: str | Path, passphrase: str, query: str, *params: object, user: str = "zhang") -> list[tuple]:
    """Rows of ``query`` read through the application's own unlock."""
    from models import db as dbmod

    dbmod.unlock(db, user, passphrase)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


class Branch:
    """``run``/``ok``/``refused``/``query`` for a module whose databases open with one passphrase
    for the supervisor zhang and ``passphrase_of(user)`` for the others it adds."""

    def __init__(self, passphrase: str, passphrase_of: Callable[[str], str] = lambda user: f"{user} passphrase"):
        self.passphrase, self.passphrase_of = passphrase, passphrase_of

    def run(self, db: str | Path, *args: object, user: str = "zhang", **env: str) -> Proc:
        secret = self.passphrase if user == "zhang" else self.passphrase_of(user)
        return assert_no_traceback(huzhu(*args, env={**as_(db, user, secret), **env}))

    def ok(self, db: str | Path, *args: object, **kw: Any) -> Any:
        """The parsed output of a ``--json`` command, else the process; exit 0."""
        proc = self.run(db, *args, **kw)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout) if "--json" in args else proc

    def refused(self, db: str | Path, *args: object, code: int = 3, reason: str | None = None, **kw: Any) -> Proc:
        proc = self.run(db, *args, **kw)
        assert proc.returncode == code, (proc.returncode, proc.stderr)
        if reason:
            assert reason in proc.stderr + proc.stdout, proc.stderr
        return proc

    def query(self, db: str | Path, query: str, *params: object) -> list[tuple]:
        return sql(db, self.passphrase, query, *params)

    def init(self, db: Path, users: Mapping[str, str] | None = None) -> Path:
        """``huzhu init`` (branch 004 朝阳, supervisor zhang), then ``huzhu user add USER --role ROLE``
        for each of ``users``, granted by zhang."""
        ok(
            huzhu(
                *("init", "--db", db, "--branch-code", "004", "--branch-name", "朝阳", "--user", "zhang"),
                env={"HUZHU_PASSPHRASE": self.passphrase},
            )
        )
        for user, role in (users or {}).items():
            self.add_user(db, user, role)
        return db

    def add_user(self, db: Path, user: str, role: str) -> None:
        new = {"HUZHU_NEW_PASSPHRASE": self.passphrase_of(user)}
        ok(huzhu("user", "add", user, "--role", role, env={**as_(db, "zhang", self.passphrase), **new}))


def copy_database(template: Path, folder: Path) -> Path:
    """A copy of a module's template database with its key slots and sidecars, in ``folder``."""
    for source in template.parent.glob(template.name + "*"):
        shutil.copy2(source, folder / source.name)
    return folder / template.name
