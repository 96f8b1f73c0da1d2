"""Item 7: restoring an older backup is noticed (its last sent sequence is behind the last
bundle sent) and export is blocked until reconciled. The branch lists every bundle it sends in
``FILE.sent`` beside the database (``models.sentmark``), which ``restore`` leaves in place; the
restored database is told at unlock that it is behind, and export refuses (exit 44) instead of
reusing a sequence number the office already holds. Reconciling is tested in
tests/sync_db/test_restore_reconcile.py."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from models import admin, clock, sentmark
from models import db as dbmod
from models.backup import read_header, restore_backup
from tests.reliability.kit import PASSPHRASE


def test_export_after_restoring_an_older_backup_is_blocked(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync_db"))
    from syncdb_kit import make_world

    from sync.errors import RestoreNotReconciled
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
    sent_before = sentmark.path_for(world.branch).read_bytes()
    header_obj, header, offset = read_header(tmp_path / "old.hzbak")
    restore_backup(tmp_path / "old.hzbak", world.branch, key, header_obj, header, offset)
    assert sentmark.path_for(world.branch).read_bytes() == sent_before  # restore cannot undo what was sent

    session = dbmod.unlock(world.branch, "zhang", PASSPHRASE)
    clock.freeze(dt.date(2026, 12, 5))
    assert len(session.warnings) == 1 and "第 1 号（2026-10）、第 2 号（2026-11）" in session.warnings[0]
    assert session.can_write  # the lost work can be entered again; only export waits
    files = sorted(p.name for p in out.iterdir())
    with pytest.raises(RestoreNotReconciled) as refused:
        export_period("2026-11", out)  # would reuse sequence 1, already sent as 2026-10
    assert refused.value.exit_code == 44 and "huzhu sync reconcile-restore" in refused.value.message_zh
    assert sorted(p.name for p in out.iterdir()) == files
    assert dbmod.database.execute_sql("SELECT count(*) FROM bundle_log").fetchone()[0] == 0
