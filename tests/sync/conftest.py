"""Fixtures for the sync tests; helpers live in sync_testkit."""

import pytest
from sync_testkit import Parties, new_parties


@pytest.fixture(scope="session")
def parties() -> Parties:
    return new_parties()
