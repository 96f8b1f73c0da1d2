"""Fixtures for the regression tests of the attack run (issue 13); helpers live in security_kit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import OFFICE_BACKENDS

_TESTS = Path(__file__).resolve().parent.parent
for folder in (_TESTS / "sync_db", _TESTS / "sync"):  # syncdb_kit (branch + office worlds), sync_testkit
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from security_kit import fresh_branch  # noqa: E402
from syncdb_kit import World, make_world  # noqa: E402


@pytest.fixture(params=OFFICE_BACKENDS)
def world(request, tmp_path) -> World:
    """A branch and an office, the office on each backend in turn (a file, then PostgreSQL)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return make_world(tmp_path, url)


@pytest.fixture
def branch(tmp_path) -> Path:
    """A database made by `huzhu init` (cheap KDF) holding one imported unit and member."""
    return fresh_branch(tmp_path)
