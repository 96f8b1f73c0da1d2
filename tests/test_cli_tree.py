"""The parser built from the command registry is the one the register() functions built.

tests/data/cli_tree.json was captured before the registry replaced register() (two changes since,
by hand: the parser class tui.cli._Parser is now registry.Parser, and ``huzhu version`` ran a
lambda and now runs ``cmd_version``). A command added or
changed on purpose updates the snapshot: ``COLUMNS=100 python -m tests.cli_tree > tests/data/cli_tree.json``
and review the diff."""

from __future__ import annotations

import argparse
import json

import pytest

from tests.cli_tree import SNAPSHOT, current
from tui.commands import registry


def test_every_command_option_and_help_text_as_before(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps help to the terminal's width
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    got = current()
    assert sorted(got) == sorted(expected), "the same commands"
    for path in expected:
        assert got[path] == expected[path], path


def test_commands_are_declared_only_with_the_registry():
    """One way to declare a command: a module's ``register(subparsers)`` would no longer be called."""
    from tui.commands import MODULES, NAMES

    assert len(MODULES) == len(NAMES)
    old_style = [m.__name__ for m in MODULES if hasattr(m, "register")]
    assert old_style == [], f"declare these with @command/@arg (tui/commands/registry.py): {old_style}"
    declared = {n.module for n in registry.NODES}
    assert declared == {m.__name__ for m in MODULES}, "every command module declares through the registry"


def test_a_command_under_an_undeclared_group_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(registry, "NODES", [])
    registry.command("nowhere thing", help="x", db=False)(lambda args: 0)
    root = registry.Parser(prog="huzhu")
    root.add_subparsers(dest="command", metavar="COMMAND")
    mod = argparse.Namespace(__name__=__name__)
    with pytest.raises(LookupError, match="huzhu nowhere"):
        registry.build(root, [mod])
