"""Shared helpers for the rules tests: rule-set data as plain dicts, to build variants."""

import copy
import tomllib
from importlib import resources

import pytest

_TEXT = resources.files("rules").joinpath("data").joinpath("rulesets.toml").read_text(encoding="utf-8")


@pytest.fixture
def ruleset_data():
    """A fresh, mutable copy of the packaged rule-set data ({"ruleset": [...]})."""
    return copy.deepcopy(tomllib.loads(_TEXT))
