"""Shared fixtures: real SQLCipher databases on temporary files.

Argon2id runs with small parameters here (tests unlock hundreds of times); the
production parameters are measured in bench/bench_unlock.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models import admin, clock, crypto
from models import db as dbmod

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
