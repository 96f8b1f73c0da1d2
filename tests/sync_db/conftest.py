"""Fixtures for the database side of sync; helpers live in syncdb_kit."""

import pytest
from syncdb_kit import World, make_world


@pytest.fixture
def world(tmp_path) -> World:
    return make_world(tmp_path)
