"""Shared helpers for the rules tests: rule-set data as plain dicts, to build variants."""

import copy
import tomllib
from importlib import resources

import pytest

_TEXT = resources.files("rules").joinpath("data").joinpath("rulesets.toml").read_text(encoding="utf-8")


@pytest.fixture
def ruleset_data():
    """A fresh, mutable copy of the packaged rule-set data ({"ruleset": [...]}), holding only
    the latest rule set (2022-12, the one with every figure and the sample plans)."""
    data = copy.deepcopy(tomllib.loads(_TEXT))
    data["ruleset"] = [max(data["ruleset"], key=lambda r: r["effective_from"])]
    return data
