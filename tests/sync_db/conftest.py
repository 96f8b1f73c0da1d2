"""Fixtures for the database side of sync; helpers live in syncdb_kit."""

import pytest
from syncdb_kit import World, make_world

from tests.conftest import OFFICE_BACKENDS


@pytest.fixture(params=OFFICE_BACKENDS)
def world(request, tmp_path) -> World:
    """A branch and an office, the office on each backend in turn (a file, then PostgreSQL)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return make_world(tmp_path, url)
