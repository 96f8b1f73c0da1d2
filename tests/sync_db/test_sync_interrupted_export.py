"""An export killed between writing its file and committing its log row leaves a whole bundle
with no record; the next export of the month records that bundle instead of refusing or
building a different one under the same sequence."""

from __future__ import annotations

import shutil

import pytest
from syncdb_kit import export, make_world

from models import db as dbmod
from models.errors import UsageError


def _copy_branch(world, folder):
    folder.mkdir()
    for suffix in ("", ".keys", ".hwm"):
        src = world.branch.with_name(world.branch.name + suffix)
        if src.exists():
            shutil.copy2(src, folder / src.name)
    return folder / world.branch.name


def _sent(world, branch):
    with world.at_branch(branch):
        return dbmod.database.execute_sql("SELECT sequence, sha256 FROM bundle_log WHERE direction = 'out'").fetchall()


def test_orphan_bundle_is_recorded_not_rebuilt(tmp_path):
    world = make_world(tmp_path)
    # The branch as it stood before the export committed: what a kill after the rename leaves.
    before = _copy_branch(world, tmp_path / "before")
    first = export(world, out=world.root)
    orphan = tmp_path / "before" / first.file_name
    orphan.write_bytes(first.path.read_bytes())
    assert _sent(world, before) == []

    result = export(world, out=tmp_path / "before", branch=before)
    assert (result.file_name, result.sha256) == (first.file_name, first.sha256)
    assert orphan.read_bytes() == first.path.read_bytes()  # kept as it is: it may already be on its way
    assert _sent(world, before) == [(1, first.sha256)]


def test_a_foreign_file_under_the_next_name_is_still_refused(tmp_path):
    world = make_world(tmp_path)
    before = _copy_branch(world, tmp_path / "before")
    name = export(world, out=world.root).file_name
    (tmp_path / "before" / name).write_bytes(b"not a bundle")
    with pytest.raises(UsageError):
        export(world, out=tmp_path / "before", branch=before)
    assert _sent(world, before) == []
