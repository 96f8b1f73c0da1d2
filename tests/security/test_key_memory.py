"""Issue 13, item 6: while locked, no copy of the database key stays in process memory.

Seen: three hex copies of the key in /proc/PID/mem while the TUI was locked. The attack run's
method is repeated here on this very process: after the lock, every readable writable mapping
of /proc/self/mem is searched for the key as SQLCipher's hex literal and as raw bytes."""

from __future__ import annotations

import binascii
import gc
import re
import sys

import pytest

from models import admin
from models import db as dbmod
from models.members import upsert_unit
from tests.conftest import CHEAP_KDF, PASSPHRASE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mem (Linux)")


def _memory_hits(needles: list[bytes]) -> dict[bytes, int]:
    hits = {n: 0 for n in needles}
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            start, end, perms = int(m[1], 16), int(m[2], 16), m[3]
            # writable private memory: the heaps and anonymous mappings (not mapped files, not vdso)
            if not perms.startswith("rw") or "[v" in line:
                continue
            # Read into a buffer that is zeroed after use: a stale copy of a region read earlier
            # would otherwise be counted again when the region holding it is read.
            chunk = bytearray(end - start)
            try:
                mem.seek(start)
                got = mem.readinto(chunk)
            except (OSError, ValueError, OverflowError):
                got = 0
            for n in needles:
                hits[n] += chunk[:got].count(n) if got else 0
            chunk[:] = bytes(len(chunk))
    return hits


def test_no_copy_of_the_key_survives_the_lock(tmp_path):
    path = tmp_path / "branch.hzdb"
    admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    upsert_unit("U0001", "朝阳某公司工会")
    admin.backup(session, tmp_path / "b.hzbak")
    key = bytes(session.key)
    hexed = binascii.hexlify(key)  # straight to bytes: key.hex() would leave a str copy of our own
    dbmod.drop_key()  # what the lock screen does (after closing the lookup reader)
    gc.collect()
    hits = _memory_hits([hexed, key])
    # The test's own two needles are found once each; anything more is a copy left behind
    # (before this item: 8 hex copies, from the connect parameters, statement texts and
    # the f-strings of each connection's PRAGMA key).
    assert hits[hexed] <= 1 and hits[key] <= 1, hits
    assert not any(session.key)
