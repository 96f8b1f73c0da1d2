"""``rules`` imports its names on first use (issue 15: start-up); every name still resolves."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import rules


def test_the_lazy_names_are_the_ones_type_checkers_see():
    tree = ast.parse(Path(rules.__file__).read_text("utf-8"))
    checked = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    imported = {
        node.module: tuple(a.name for a in node.names) for node in checked.body if isinstance(node, ast.ImportFrom)
    }
    assert imported == rules._EXPORTS
    assert sorted(rules.__all__) == sorted(rules._HOME)
    for name, module in rules._HOME.items():
        assert getattr(rules, name) is getattr(importlib.import_module(module), name)


def test_submodules_and_unknown_names():
    assert rules.coverage.observation_status is rules.observation_status
    try:
        rules.no_such_rule  # noqa: B018
    except AttributeError as exc:
        assert "no_such_rule" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_importing_rules_or_models_loads_no_rule_module_and_no_psycopg():
    code = (
        "import sys, rules, models, models.db\n"
        "print(sorted(m for m in sys.modules if m.startswith('rules.')), 'psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] False"
