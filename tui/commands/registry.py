"""Where ``huzhu``'s commands are declared: beside the function each one runs.

Adding a command touches one place, the module that holds its function::

    from tui.commands.registry import JSON, arg, command, group

    group("fee", help="会费 membership fees")           # once, before the first "fee …" command

    @command("fee receive", help="登记收到的会费 record fees received")
    @arg("--unit", required=True, metavar="CODE")
    @arg("--on", metavar="DATE", help="日期，默认今天 date (default today)")
    @JSON
    def cmd_fee_receive(args) -> int:
        ...

- The path names the command as it is typed (``"office params issue"``); every word before the
  last must be a ``group`` (or a ``command`` that also has actions, like ``backup``) declared
  earlier, in this module or one listed before it in ``tui/commands/__init__.py`` ``NAMES``.
  A new module goes into ``NAMES``; the order there and in each module is the order of ``--help``.
- ``@arg`` takes exactly what ``argparse.add_argument`` takes; read the stack top-down: the
  arguments are added in that order. ``@JSON`` is the ``--json`` flag (document its output in
  README.md). ``exclusive(arg(…), arg(…), required=True)`` is a mutually exclusive group.
- ``command(…, db=True)`` (the default) puts ``--db/--user/--passphrase-file`` first; ``db=False``
  for commands that open no database, or to place them yourself with ``@DB``.
- ``help``/``description`` are one bilingual string each (Chinese, then English), as everywhere in
  the CLI; ``defaults={…}`` are extra ``set_defaults`` values (one function serving several
  commands registered in a loop: ``command(path, …, args=[arg(…), …], defaults={"step": s})(fn)``).
- The function gets the parsed ``argparse.Namespace`` and returns the exit code (None = 0). Errors
  are raised as ``models.errors`` exceptions; ``tui/cli.py`` prints them bilingually and exits
  with their code (3 refused, 30 permission, …); argparse's own usage errors exit 2.

This is the only way to declare a command: tests/test_cli_tree.py fails on a module that defines
the former ``register(subparsers)``, and proves the built parser has the same commands, options
and help texts as its snapshot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors, bilingual and exit 2
        from tui.clikit import say

        self.print_usage(sys.stderr)
        say(f"命令用法错误：{message}", f"usage error: {message}")
        raise SystemExit(2)


class Arg:
    """One ``add_argument`` call, kept until the parser is built; also a decorator (``@arg(…)``)."""

    def __init__(self, *names: str, **kwargs: Any) -> None:
        self.names, self.kwargs = names, kwargs

    def apply(self, parser: argparse.ArgumentParser | Any) -> None:
        parser.add_argument(*self.names, **self.kwargs)

    def __call__(self, func: Callable) -> Callable:
        # Decorators apply bottom-up; inserting at the front keeps the stack's reading order.
        func.__dict__.setdefault("_cli_args", []).insert(0, self)
        return func


arg = Arg


class Use(Arg):
    """Options added by a function of the parser (``clikit.add_db_options``), at this place."""

    def __init__(self, adder: Callable[[argparse.ArgumentParser], None]) -> None:
        self.adder = adder

    def apply(self, parser) -> None:
        self.adder(parser)


class exclusive(Arg):  # lower case: written like arg(…)
    """Arguments of which at most one (exactly one when required) may be given."""

    def __init__(self, *args: Arg, required: bool = False) -> None:
        self.args, self.required = args, required

    def apply(self, parser) -> None:
        g = parser.add_mutually_exclusive_group(required=self.required)
        for a in self.args:
            a.apply(g)


def _db(p: argparse.ArgumentParser) -> None:
    from tui.clikit import add_db_options

    add_db_options(p)


def _json(p: argparse.ArgumentParser) -> None:
    from tui.clikit import add_json_option

    add_json_option(p)


DB = Use(_db)
JSON = Use(_json)


@dataclass
class Node:
    path: tuple[str, ...]
    module: str
    help: str | None = None
    description: str | None = None
    func: Callable | None = None
    args: list[Arg] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    is_group: bool = False
    dest: str | None = None  # of its actions' sub-parser list
    metavar: str = "ACTION"
    required: bool | None = None  # actions required: default True unless the group runs a function itself
    options: dict[str, Any] = field(default_factory=dict)  # more add_parser keywords (formatter_class)


NODES: list[Node] = []


def _caller_module() -> str:
    return sys._getframe(2).f_globals.get("__name__", "?")


def group(
    path: str,
    help: str | None = None,
    *,
    description: str | None = None,
    dest: str | None = None,
    metavar: str = "ACTION",
    required: bool | None = None,
    **parser_options: Any,
) -> None:
    """A word that only groups actions (``huzhu claim …``): ``huzhu claim`` alone is a usage error.

    ``dest`` (where the chosen action's name lands) defaults to ``<path>_command``."""
    NODES.append(
        Node(
            tuple(path.split()),
            _caller_module(),
            help=help,
            description=description,
            is_group=True,
            dest=dest,
            metavar=metavar,
            required=required,
            options=parser_options,
        )
    )


def command(
    path: str,
    help: str | None = None,
    *,
    description: str | None = None,
    db: bool = True,
    args: Sequence[Arg] = (),
    defaults: dict[str, Any] | None = None,
    dest: str | None = None,
    metavar: str = "ACTION",
    required: bool | None = None,
    **parser_options: Any,
) -> Callable[[Callable], Callable]:
    """Declare the decorated function as ``huzhu <path>``. ``dest``/``metavar``/``required`` apply
    when the command also has actions beneath it (``huzhu backup`` and ``huzhu backup verify``)."""
    module = _caller_module()

    def decorate(func: Callable) -> Callable:
        declared = list(args) + func.__dict__.pop("_cli_args", [])
        NODES.append(
            Node(
                tuple(path.split()),
                module,
                help=help,
                description=description,
                func=func,
                args=([DB] if db else []) + declared,
                defaults=dict(defaults or {}),
                dest=dest,
                metavar=metavar,
                required=required,
                options=parser_options,
            )
        )
        return func

    return decorate


def _actions(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return a
    return None


def _find(root: argparse.ArgumentParser, path: Sequence[str]) -> argparse.ArgumentParser:
    parser = root
    for i, word in enumerate(path):
        sub = _actions(parser)
        if sub is None or word not in sub.choices:
            raise LookupError(f"huzhu {' '.join(path[: i + 1])} is not declared before its actions")
        parser = sub.choices[word]
    return parser


def _add(root: argparse.ArgumentParser, node: Node, nodes: Iterable[Node]) -> None:
    parent = _find(root, node.path[:-1])
    sub = _actions(parent)
    if sub is None:  # the parent's first action: its sub-command list
        spec = next((n for n in nodes if n.path == node.path[:-1]), None)
        if spec is None:
            raise LookupError(f"huzhu {' '.join(node.path[:-1])} is not declared before its actions")
        required = spec.required if spec.required is not None else spec.func is None
        sub = parent.add_subparsers(
            dest=spec.dest or "_".join(spec.path).replace("-", "_") + "_command",
            metavar=spec.metavar,
            required=required,
            parser_class=Parser,
        )
    kwargs: dict[str, Any] = dict(node.options)
    if node.help is not None:
        kwargs["help"] = node.help
    if node.description is not None:
        kwargs["description"] = node.description
    p = sub.add_parser(node.path[-1], **kwargs)
    for a in node.args:
        a.apply(p)
    if node.func is not None:
        p.set_defaults(func=node.func, **node.defaults)


def build(root: argparse.ArgumentParser, modules: Iterable[ModuleType]) -> None:
    """Add every declared command to ``root``, module by module."""
    assert _actions(root) is not None, "the root parser has its COMMAND list"
    for module in modules:
        for node in [n for n in NODES if n.module == module.__name__]:
            _add(root, node, NODES)
