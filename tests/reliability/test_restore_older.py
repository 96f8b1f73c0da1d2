"""Item 7: restoring an older backup must be noticed (its last sent sequence is behind the
last bundle sent) and export blocked until reconciled. NOT IMPLEMENTED yet: the branch keeps
no record of the last bundle sent outside the database (restore even moves FILE.hwm aside),
so after a restore the next export silently reuses sequence numbers the office already has.
This test states the requirement and is expected to fail until that exists (strict xfail:
it turns red the day it passes, so the marker gets removed)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from models import admin, clock
from models import db as dbmod
from models.backup import read_header, restore_backup
from models.errors import HuzhuError
from tests.reliability.kit import PASSPHRASE


@pytest.mark.xfail(strict=True, raises=pytest.fail.Exception, reason="item 7 not implemented: no out-of-database record of the last bundle sent")
def test_export_after_restoring_an_older_backup_is_blocked(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync_db"))
    from syncdb_kit import make_world

    from sync.export import export_period

    world = make_world(tmp_path)
    dbmod.close()
    out = tmp_path / "out"
    out.mkdir()
    session = dbmod.unlock(world.branch, "zhang", PASSPHRASE)
    clock.freeze(dt.date(2026, 12, 5))
    admin.backup(session, tmp_path / "old.hzbak")
    export_period("2026-10", out)
    export_period("2026-11", out)
    key = session.key
    dbmod.close()
    header_obj, header, offset = read_header(tmp_path / "old.hzbak")
    restore_backup(tmp_path / "old.hzbak", world.branch, key, header_obj, header, offset)
    dbmod.unlock(world.branch, "zhang", PASSPHRASE)
    clock.freeze(dt.date(2026, 12, 5))
    with pytest.raises(HuzhuError):
        export_period("2026-11", tmp_path)  # would reuse sequence 1, already sent as 2026-10
