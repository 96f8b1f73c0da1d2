"""The ``huzhu`` command. With no sub-command it opens the TUI.

Exit codes: 0 success; 1 not found / nothing to do; 2 usage; 3 input refused by a rule
(nothing written); 10–23 unlock failures (models.errors); 30 permission; 31 backup;
32 check failed; 40–45 sync (sync/errors.py); 70 unexpected internal error; 130 interrupted.
The README lists them all.
"""

from __future__ import annotations

import argparse
import os
import sys

from models.errors import HuzhuError
from tui import clikit


def build_parser() -> argparse.ArgumentParser:
    from tui.commands import MODULES, registry  # here: the commands import what they need at registration

    parser = registry.Parser(
        prog="huzhu",
        description="互助：代办处互助保障业务工具 / branch-office tool for union mutual-aid plans",
    )
    clikit.add_db_options(parser)
    parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=registry.Parser)
    registry.build(parser, MODULES)
    return parser


def _tui_only(argv: list[str] | None) -> argparse.Namespace | None:
    """The arguments when they only open the TUI (``huzhu [--db F] [--user U] …``), else None.

    Opening the TUI is the most common start and must paint its first screen quickly, so it
    does not build the sub-commands' parsers, which import their modules (reports, worklog, …)."""
    argv = sys.argv[1:] if argv is None else argv
    quick = argparse.ArgumentParser(add_help=False)
    clikit.add_db_options(quick)
    try:
        args, rest = quick.parse_known_args(argv)
    except SystemExit:  # let the full parser say what is wrong
        return None
    if rest:
        return None
    args.command = None
    return args


def main(argv: list[str] | None = None) -> int:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = clikit.TerminalSafe(sys.stdout), clikit.TerminalSafe(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: list[str] | None) -> int:
    args = _tui_only(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            from tui.launch import open_tui

            return open_tui(args)
        return int(args.func(args) or 0)
    except HuzhuError as exc:
        clikit.say(f"错误：{exc.message_zh}", f"error: {exc.message_en}")
        return exc.exit_code
    except KeyboardInterrupt:
        clikit.say("已中断", "interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        # A path the person gave (an --out folder that does not exist, a file they may not
        # read): say which, never "internal error".
        where = exc.filename or ""
        clikit.say(f"错误：无法读写文件 {where}：{exc.strerror}", f"error: cannot use the file {where}: {exc.strerror}")
        return 2
    except Exception as exc:  # never show a traceback (it may quote data); say what kind of failure it was
        if os.environ.get("HUZHU_DEBUG"):
            raise
        clikit.say(
            f"内部错误（{type(exc).__name__}）。设置 HUZHU_DEBUG=1 可查看详情",
            f"internal error ({type(exc).__name__}); set HUZHU_DEBUG=1 for details",
        )
        return 70
    finally:
        from models import db

        db.close()


if __name__ == "__main__":
    sys.exit(main())
