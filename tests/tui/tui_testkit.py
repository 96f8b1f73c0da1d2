"""Helpers for the TUI tests: cheap-KDF branch databases and the screen as plain text."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from rich.console import Console
from textual.app import App

from models import admin, crypto
from tests.tui.textual_private import screen_render

#: The TUI tests' fixed day (tests/tui/conftest.py freezes the clock on it). Test files import it
#: from here: a bare ``from conftest import TODAY`` could find tests/conftest.py's session day.
TODAY = dt.date(2026, 3, 2)

#: Argon2id at its floor: the tests unlock dozens of times; real files use the defaults.
CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
BRANCH_CODE = "004"
BRANCH_NAME = "朝阳"
USER = "张三"
PASSPHRASE = "correct horse"
DEMO_HINT = {"demo": True, "user": "demo", "passphrase": "demo"}


def create_branch_db(
    path: Path, *, user: str = USER, passphrase: str = PASSPHRASE, role: str = "supervisor", hint: dict | None = None
) -> Path:
    admin.create_database(
        path,
        branch_code=BRANCH_CODE,
        branch_name=BRANCH_NAME,
        user=user,
        passphrase=passphrase,
        role=role,
        hint=hint,
        kdf=CHEAP_KDF,
    )
    return path


def screen_text(app: App) -> str:
    """Everything visible on the terminal right now, as text (what a passer-by could read)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
    )
    console.print(screen_render(app))
    return console.export_text()


async def settle(pilot) -> None:
    """Let workers finish and the messages they posted be handled (twice: a handler may
    start another worker, as the home screen does once the unlock has switched to it)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def unlock_with(pilot, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase into the focused field and press Enter, as a clerk does."""
    await pilot.press(*passphrase, "enter")
    await settle(pilot)


def fixed_fingerprints(monkeypatch) -> None:
    """The branch's keys are made at random by each init: snapshots show fixed fingerprints."""
    import tui.screens.sync as sync_screen

    real = sync_screen.key_state

    def fixed():
        k = real()
        return sync_screen.KeyState(
            "11111 22222 33333 44444 55555 66666" if k.own else None,
            "77777 88888 99999 00000 11111 22222" if k.office else None,
        )

    monkeypatch.setattr(sync_screen, "key_state", fixed)
