"""A small demo branch (``models.demo``) for the 待办, 会员查询 and 续保跟踪 tests.

Built once per test process with the cheap KDF (the tests unlock it dozens of times) and
the same generator and seed as ``huzhu demo``, as of conftest's TODAY, so its contents are
fixed: unit U0003's medical policy is in its grace days, U0004's window is open, U0002 is
past its window, U0005's was renewed early; business-system accounts 赵磊 (158 days) and
孙丽 (196 days) are stale. Tests that only read share the file; tests that write take a
copy (``writable_demo``). The two fixtures live in tests/tui/conftest.py.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tui_testkit import CHEAP_KDF

from models import admin, audit, demo
from models import db as dbmod
from models.keyslots import keys_path

DEMO_MEMBERS = 200
DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo"


@dataclass(frozen=True)
class DemoFacts:
    """Facts read from the demo once, for tests that search or compare."""

    path: Path
    member_id: int
    name: str
    id_number: str
    initials: str


def build_small_demo(path: Path, today) -> Path:
    """``models.demo.build_demo`` with the cheap KDF for every key slot."""

    def on_created(session: dbmod.Session) -> None:
        for name, role in demo.EXTRA_USERS:
            admin.add_user(session, name, role, DEMO_PASSPHRASE, kdf=CHEAP_KDF)
        conn = dbmod.database.connection()
        with demo.bulk_load_pragmas(conn, DEMO_MEMBERS), dbmod.writing():
            demo.fill(
                conn,
                members=DEMO_MEMBERS,
                today=today,
                supervisor=session.user,
                on_step=lambda action, entity, detail: audit.record(action, entity, None, detail),
            )

    admin.create_database(
        path,
        branch_code=demo.BRANCH_CODE,
        branch_name=demo.BRANCH_NAME,
        user=DEMO_USER,
        passphrase=DEMO_PASSPHRASE,
        kdf=CHEAP_KDF,
        hint=None,
        on_created=on_created,
    )
    return path


def copy_database(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    shutil.copy2(keys_path(source), keys_path(target))
    mark = Path(f"{source}.hwm")  # the key file remembers there was one: a copy without it is warned about
    if mark.exists():
        shutil.copy2(mark, Path(f"{target}.hwm"))
    return target
