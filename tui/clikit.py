"""Shared plumbing of the ``huzhu`` command line: options every command takes, reading
passphrases, opening the database, and printing tables or JSON.

Messages to people go to stderr in Chinese and English; data goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from models import db as dbmod
from models.errors import EmptyPassphrase, UsageError
from models.keyslots import KeyFile
from models.safeout import terminal_text

ENV_DB = "HUZHU_DB"
ENV_USER = "HUZHU_USER"
ENV_PASSPHRASE = "HUZHU_PASSPHRASE"
ENV_NEW_PASSPHRASE = "HUZHU_NEW_PASSPHRASE"


def add_db_options(p: argparse.ArgumentParser, *, user: bool = True) -> None:
    """--db/--user/--passphrase-file; defaults are SUPPRESSed so `huzhu --db X cmd` and `huzhu cmd --db X` both work."""
    p.add_argument(
        "--db",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"数据库文件（办事处也可为 postgresql://用户@主机/库名） database file or office URL (或 {ENV_DB})",
    )
    if user:
        p.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=f"用户名 user name (或 {ENV_USER})")
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"从文件第一行读取口令 read the passphrase from a file (或 {ENV_PASSPHRASE})",
    )


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="输出 JSON（格式见 README） print JSON (see README)")


def db_path(args, *, required: bool = True) -> Path | None:
    value = getattr(args, "db", None) or os.environ.get(ENV_DB)
    if not value:
        if required:
            raise UsageError(
                f"请用 --db FILE 或环境变量 {ENV_DB} 指定数据库文件", f"give the database with --db FILE or {ENV_DB}"
            )
        return None
    if value.startswith(("postgresql://", "postgres://")):
        return value  # type: ignore[return-value]  # an office database on a PostgreSQL server (models.pgdb)
    return Path(value)


def user_name(args) -> str | None:
    return getattr(args, "user", None) or os.environ.get(ENV_USER) or None


def _read_file_secret(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            line = fh.readline()
    except OSError as exc:
        raise UsageError(
            f"无法读取口令文件 {path}：{exc.strerror}", f"cannot read passphrase file {path}: {exc.strerror}"
        ) from None
    return line.rstrip("\r\n")


def read_secret(args, prompt_zh: str = "口令", *, confirm: bool = False) -> str:
    """--passphrase-file, then HUZHU_PASSPHRASE, then the terminal (twice when confirming)."""
    path = getattr(args, "passphrase_file", None)
    if path:
        secret = _read_file_secret(path)
    elif os.environ.get(ENV_PASSPHRASE) is not None:
        secret = os.environ[ENV_PASSPHRASE]
    else:
        secret = prompt_secret(prompt_zh, confirm=confirm)
    if not secret:
        raise EmptyPassphrase("口令不能为空", "the passphrase must not be empty")
    return secret


def read_new_secret(args, who: str) -> str:
    """A new passphrase for another user or a reset: --new-passphrase-file, HUZHU_NEW_PASSPHRASE, or asked twice."""
    path = getattr(args, "new_passphrase_file", None)
    if path:
        secret = _read_file_secret(path)
    elif os.environ.get(ENV_NEW_PASSPHRASE) is not None:
        secret = os.environ[ENV_NEW_PASSPHRASE]
    else:
        secret = prompt_secret(f"{who} 的新口令", confirm=True)
    if not secret:
        raise EmptyPassphrase("口令不能为空", "the passphrase must not be empty")
    return secret


def prompt_secret(label_zh: str, *, confirm: bool) -> str:
    if not sys.stdin.isatty():
        raise UsageError(
            f"需要口令，但没有终端可以询问：请设置 {ENV_PASSPHRASE} 或使用 --passphrase-file",
            f"a passphrase is needed and there is no terminal to ask: set {ENV_PASSPHRASE} or use --passphrase-file",
        )
    first = getpass.getpass(f"{label_zh} / passphrase: ")
    if confirm:
        again = getpass.getpass(f"再次输入{label_zh} / repeat: ")
        if first != again:
            raise UsageError("两次输入的口令不一致", "the two passphrases differ")
    return first


def open_session(args, **kwargs) -> dbmod.Session:
    """Check the file and the user before asking for a passphrase, then unlock."""
    path = db_path(args)
    if dbmod.is_url(path):
        # The office's PostgreSQL database: its slots are read from the server (models.pgdb).
        dbmod.open_pg(str(path))
        try:
            keyfile = dbmod.load_pg_keyfile(str(path))
        finally:
            dbmod.close()
    else:
        dbmod.check_file_shape(path)
        keyfile = KeyFile.load(path)
    user = dbmod.pick_user(keyfile, user_name(args))
    if keyfile.slot(user) is None:
        dbmod.unwrap_key(path, keyfile, user, "x")  # raises the precise unknown/revoked error
    secret = read_secret(args, "恢复码" if user == "recovery" else "口令")
    from tui.progress import progress

    # At a million members the unlock's whole-file page check alone reads 1 GB (3–4 s).
    with progress("正在打开数据库", "opening the database"):
        session = dbmod.unlock(path, user, secret, **kwargs)
    for zh, en in zip(session.warnings, session.warnings_en, strict=True):
        say(f"警告：{zh}", f"warning: {en}")
    return session


def user_date(text: str | None, what_zh: str, what_en: str = "date"):
    """A date typed on the command line (2026-11-23, 20261123, 今天 …; models.tabular bounds the
    year), or None when the option was not given. Unreadable: a usage error naming the option."""
    if text is None:
        return None
    from models import clock
    from models.tabular import parse_user_date

    try:
        return parse_user_date(text, clock.today())
    except ValueError:
        raise UsageError(
            f"{what_zh}无法识别：“{text}”（可写 2026-11-23、20261123 或 今天）",
            f"cannot read the {what_en} '{text}' (use 2026-11-23, 20261123 or 今天)",
        ) from None


def say(zh: str, en: str | None = None) -> None:
    """A message to the person at the terminal (stderr), in Chinese and English."""
    print(terminal_text(zh if en is None else f"{zh}\n{en}"), file=sys.stderr)


def confirm(args, question: str, no_terminal_zh: str, no_terminal_en: str) -> None:
    """Go on when ``--yes`` was given or the person answers yes to ``question`` at a terminal;
    otherwise a UsageError (nothing changed). Without a terminal nobody can answer: say to add --yes."""
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(no_terminal_zh, no_terminal_en)
    if input(question).strip().lower() not in ("y", "yes", "是"):
        raise UsageError("未确认，未做任何改动", "not confirmed; nothing changed")


def print_problems(title: str, problems: Iterable[Any]) -> None:
    """An import's errors or warnings (each with its line, column and reason), under ``title``."""
    problems = list(problems)
    if problems:
        print(title)
        print_table([(p.line, p.column, p.reason) for p in problems], ["行", "列", "原因"])


def import_refused(args, result: Any) -> bool:
    """Show an all-or-nothing import's outcome (its JSON, or its errors and warnings) and say
    when errors kept it from writing anything; True then (the command exits 3)."""
    if args.json:
        print_json(result.to_json())
    else:
        print_problems("错误：", result.errors)
        print_problems("提示：", result.warnings)
    if result.errors:
        say(
            f"共 {len(result.errors)} 处错误，未写入任何数据（全部改正后重新导入）",
            f"{len(result.errors)} problems found; nothing was written",
        )
    return bool(result.errors)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> None:
    from tabulate import tabulate  # here, not at start: the TUI prints no tables

    # A name or diagnosis may hold ESC/OSC sequences (imported, or from a bundle): never let the
    # terminal act on them.
    cleaned = [[terminal_text(v) if isinstance(v, str) else v for v in row] for row in rows]
    print(tabulate(cleaned, headers=[terminal_text(h) for h in headers], tablefmt="simple", disable_numparse=True))


class TerminalSafe:
    """stdout/stderr of the CLI: every write loses its terminal control sequences, so no print
    path (tables, one-line summaries, messages quoting what a clerk typed) can pass one on.
    JSON output is unaffected: ``json.dump`` already escapes control characters."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_text(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def raw_terminal():
    """The real streams back, for the TUI: Textual's own escape sequences must reach the terminal."""
    saved = sys.stdout, sys.stderr
    sys.stdout = getattr(sys.stdout, "_stream", sys.stdout)
    sys.stderr = getattr(sys.stderr, "_stream", sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def positive_int(maximum: int, *, minimum: int = 1):
    """An argparse ``type``: a plain decimal whole number within [minimum, maximum].

    ``int()`` alone accepts ``9223372036854775808`` (which SQLite cannot hold: exit 70 later),
    ``+5``, ``1_000`` and full-width digits; here those are usage errors (exit 2)."""

    def parse(text: str) -> int:
        t = (text or "").strip()
        if not (t.isascii() and t.isdigit()) or len(t) > len(str(maximum)) or not minimum <= int(t) <= maximum:
            raise argparse.ArgumentTypeError(
                f"应为 {minimum}–{maximum} 的整数，收到 “{terminal_text(text)}” / "
                f"expected a whole number from {minimum} to {maximum}"
            )
        return int(t)

    parse.__name__ = "整数"
    return parse


YEAR = positive_int(2199, minimum=1900)


def output_file(text: str | os.PathLike) -> Path:
    """An --out FILE to write: its folder must exist and it must not be a folder itself
    (checked before any passphrase is asked, so nothing is done for nothing)."""
    path = Path(text)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"输出文件所在的文件夹不存在：{parent}", f"the output file's folder does not exist: {parent}")
    if path.is_dir():
        raise UsageError(f"输出文件是一个文件夹：{path}", f"the output file is a folder: {path}")
    return path


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
