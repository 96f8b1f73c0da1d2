"""Shared fixtures: real SQLCipher databases on temporary files.

Argon2id runs with small parameters here (tests unlock hundreds of times); the
production parameters are measured in bench/bench_unlock.py.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from models import admin, clock, crypto
from models import db as dbmod
from tests.pinclock.sitecustomize import pin

# One day for the whole session (xdist workers inherit the controller's): tests/pinclock says why.
os.environ.setdefault("HZTEST_DAY", dt.date.today().isoformat())
TODAY = dt.date.fromisoformat(os.environ["HZTEST_DAY"])
# Key slots made by the tests' own ``huzhu init`` subprocesses use a cheap Argon2id (tests/pinclock).
os.environ.setdefault("HZTEST_CHEAP_KDF", "1")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).with_name("pinclock")), *filter(None, [os.environ.get("PYTHONPATH")])]
)
pin(TODAY)

CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "correct horse 电池 staple"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    for var in ("HUZHU_DB", "HUZHU_USER", "HUZHU_PASSPHRASE", "HUZHU_NEW_PASSPHRASE", "HUZHU_KEYMAP", "HUZHU_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    yield
    dbmod.close()
    clock.freeze(None)


@pytest.fixture
def branch_db(tmp_path):
    """A fresh branch database (004 朝阳) with supervisor 'zhang'; returns (path, recovery_code)."""
    path = tmp_path / "branch.hzdb"
    created = admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    return path, created.recovery_code


@pytest.fixture
def session(branch_db):
    path, _ = branch_db
    return dbmod.unlock(path, "zhang", PASSPHRASE)


def today() -> dt.date:
    return dt.date(2026, 11, 23)


# --- PostgreSQL (the office's shared database, issue 16) ---------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway cluster per test process (tests/pgserver.py), stopped at the end."""
    from tests import pgserver

    try:
        server = pgserver.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test server; its URL (a Unix socket: no TLS needed)."""
    url = pg_server.new_database()
    yield url
    dbmod.close()
    pg_server.drop_database(url)


#: The office database's backends: every office test runs on both.
OFFICE_BACKENDS = ("sqlite", "postgresql")


def pytest_collection_modifyitems(items):
    """The TUI tests first: ``--dist loadfile`` hands files to the two workers in this order, and
    the TUI files are the longest (database kits, snapshots, pilots); run last, one of them kept
    one worker busy for minutes after the other had finished."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/tui/"))
