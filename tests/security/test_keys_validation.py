"""A tampered `.keys` file is "damaged", never exit 70 or a stalled unlock; a forged
`.keys.pending` is reported and set aside and never makes a correct passphrase "wrong"."""

from __future__ import annotations

import json
import time

import pytest
from security_kit import PASSPHRASE, assert_clear, env, run

from models import crypto
from models.keyslots import KeyFile, keys_path, pending_keys_path


def _edit_slot(db, edit):
    path = keys_path(db)
    obj = json.loads(path.read_text("utf-8"))
    slot = next(s for s in obj["slots"] if s["user"] == "zhang")
    edit(slot)
    path.write_text(json.dumps(obj), "utf-8")


@pytest.mark.parametrize(
    "name, edit",
    [
        ("empty salt", lambda s: s.update(salt="")),
        ("short private nonce", lambda s: s["private"].update(nonce=crypto.b64e(b"abc"))),
        ("short key nonce", lambda s: s["key"].update(nonce=crypto.b64e(b"abc"))),
        ("short public key", lambda s: s.update(public=crypto.b64e(b"\x01" * 5))),
        ("empty ciphertext", lambda s: s["private"].update(ct="")),
        ("string kdf memory", lambda s: s["kdf"].update(memory_kib="65536")),
        ("4 GiB kdf", lambda s: s["kdf"].update(memory_kib=4 * 1024 * 1024, iterations=64)),
        ("64 passes", lambda s: s["kdf"].update(iterations=64)),
        ("unknown kind", lambda s: s.update(kind="superuser")),
    ],
)
def test_tampered_slot_fields_are_a_clear_error(branch, name, edit):
    _edit_slot(branch, edit)
    started = time.monotonic()
    proc = run("check", env=env(branch), timeout=60)
    assert time.monotonic() - started < 30, name
    assert_clear(proc, 20, "密钥槽文件已损坏")


def _forged_pending(db) -> None:
    """Slots for the same users under passphrases only the forger knows."""
    real = KeyFile.load(db)
    forged = KeyFile(real.db_id, real.key_epoch + 1, [], list(real.revoked), dict(real.hint))
    for s in real.slots:
        forged.put(
            forged.make_slot(
                s.user, s.role, "the forger's own phrase", b"\x07" * 32, kind=s.kind, created=s.created, kdf=s.kdf
            )
        )
    forged.save(db, pending=True)


def test_forged_pending_slots_do_not_lock_users_out(branch):
    _forged_pending(branch)
    proc = run("check", env=env(branch))
    assert_clear(proc, 0, "伪造")
    assert not pending_keys_path(branch).exists()
    assert list(branch.parent.glob(branch.name + ".keys.pending.rejected-*"))
    again = run("check", env=env(branch))
    assert again.returncode == 0 and "伪造" not in again.stderr


def test_damaged_pending_file_is_set_aside_too(branch):
    pending_keys_path(branch).write_text("{not json", "utf-8")
    proc = run("check", env=env(branch))
    assert_clear(proc, 0, "已移到")
    assert not pending_keys_path(branch).exists()


def test_a_wrong_passphrase_is_still_wrong_with_a_pending_file(branch):
    _forged_pending(branch)
    assert_clear(run("check", env=env(branch, passphrase="the forger's own phrase")), 10, "口令错误")
    assert_clear(run("check", env=env(branch, passphrase=PASSPHRASE)), 0)
