"""The whole ``huzhu`` argparse tree as plain data, to prove a change of how commands are
declared changed no command, option, default, help text or usage line.

tests/test_cli_tree.py compares it with tests/data/cli_tree.json, captured from the
``register(subparsers)`` declarations before the decorator registry replaced them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "data" / "cli_tree.json"


def _name(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_name(v) for v in value]
    if callable(value) and getattr(value, "__module__", "").startswith("tui."):  # a command's function
        return f"{value.__module__}.{value.__qualname__}"
    return getattr(value, "__name__", type(value).__name__)


def _action(a: argparse.Action) -> dict:
    out = {
        "kind": type(a).__name__,
        "option_strings": a.option_strings,
        "dest": a.dest,
        "nargs": a.nargs,
        "const": _name(a.const),
        "default": "==SUPPRESS==" if a.default == argparse.SUPPRESS else _name(a.default),
        "type": _name(a.type),
        "choices": None if a.choices is None or isinstance(a, argparse._SubParsersAction) else list(a.choices),
        "required": a.required,
        "help": a.help,
        "metavar": _name(a.metavar),
    }
    return out


def tree(parser: argparse.ArgumentParser, path: str = "huzhu") -> dict[str, dict]:
    """{command path: {help text, actions, defaults, exclusive groups}} for the parser and every sub-parser."""
    out = {
        path: {
            "class": type(parser).__name__,
            "help": parser.format_help(),
            # Optionals and positionals apart: parsing and help depend on the order within each
            # kind, not on where a sub-command list sits among the options.
            "optionals": [_action(a) for a in parser._actions if a.option_strings],
            "positionals": [_action(a) for a in parser._actions if not a.option_strings],
            "defaults": {k: _name(v) for k, v in sorted(parser._defaults.items())},
            "exclusive": [
                {"required": g.required, "dests": [a.dest for a in g._group_actions]}
                for g in parser._mutually_exclusive_groups
            ],
        }
    }
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sub in a.choices.items():
                out.update(tree(sub, f"{path} {name}"))
    return out


def current() -> dict[str, dict]:
    from tui.cli import build_parser

    return tree(build_parser())


if __name__ == "__main__":  # python -m tests.cli_tree > tests/data/cli_tree.json (COLUMNS=100)
    json.dump(current(), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
