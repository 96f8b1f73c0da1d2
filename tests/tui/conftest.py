"""Fixtures for the TUI tests: a real SQLCipher branch database per test, a fixed date,
and no user configuration leaking in (keymap file, idle-lock setting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_kit import DEMO_PASSPHRASE, DEMO_USER, DemoFacts, build_small_demo, copy_database
from tui_testkit import DEMO_HINT, TODAY, create_branch_db

from models import clock
from models import db as dbmod


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Frozen clock, no keymap file or idle setting from the developer's environment, and
    no session left behind for the next test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("HUZHU_KEYMAP", raising=False)
    monkeypatch.delenv("HUZHU_IDLE_LOCK", raising=False)
    # Most screen tests start from the menu; tests of the default start (待办) unset this.
    monkeypatch.setenv("HUZHU_START", "home")
    clock.freeze(TODAY)
    yield
    clock.freeze(None)
    dbmod.close()


@pytest.fixture
def branch_db(tmp_path):
    """A fresh branch database (004 朝阳, one supervisor) in a folder of its own, so the
    file name on the unlock screen is always ``branch.hzdb``."""
    folder = tmp_path / "db"
    folder.mkdir()
    return create_branch_db(folder / "branch.hzdb")


@pytest.fixture
def demo_db(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    return create_branch_db(folder / "demo.hzdb", user="demo", passphrase="demo", hint=DEMO_HINT)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> DemoFacts:
    clock.freeze(TODAY)
    path = build_small_demo(tmp_path_factory.mktemp("small_demo") / "demo.hzdb", TODAY)
    dbmod.unlock(path, DEMO_USER, DEMO_PASSPHRASE)
    try:
        member_id, name, id_number, initials = dbmod.database.execute_sql(
            "SELECT m.id, m.name, m.id_number, m.initials FROM member m JOIN coverage c ON c.member_id = m.id "
            "JOIN claim_report r ON r.member_id = m.id GROUP BY m.id ORDER BY m.id LIMIT 1"
        ).fetchone()
    finally:
        dbmod.close()
    return DemoFacts(path, member_id, name, id_number, initials)


@pytest.fixture
def writable_demo(small_demo, tmp_path) -> Path:
    return copy_database(small_demo.path, tmp_path / "writable")


@pytest.fixture(scope="session")
def entered_db(tmp_path_factory) -> Path:
    """A database made by ``huzhu init`` and the clerk's commands only (tests/tui/entered_kit.py)."""
    from entered_kit import build_entered_db

    clock.freeze(TODAY)
    try:
        return build_entered_db(tmp_path_factory.mktemp("entered"), TODAY)
    finally:
        dbmod.close()
