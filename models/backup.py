"""Encrypted backups: one file holding a consistent copy of the database and its key slots.

Layout: ``HZBAK1\\n`` | u32 header length | header JSON | STREAM AES-256-GCM body.
The header carries the slot file (so ``restore`` can unlock with any user's passphrase
or the recovery code, as of the backup) and is authenticated as associated data; the
body is the SQLCipher copy, encrypted again under a key derived from the database key.
Any change to any byte makes ``restore`` refuse the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

import sqlcipher3

from models import clock, crypto
from models import secret as keymem
from models.db import _opens, database
from models.errors import BackupError
from models.fsutil import atomic_write_bytes, fsync_dir
from models.keyslots import KeyFile, keys_path
from models.version import VERSION

MAGIC = b"HZBAK1\n"
MAX_HEADER = 1 << 20


def _backup_key(db_key: bytes, header: bytes) -> bytes:
    return crypto.hkdf(db_key, b"huzhu backup v1", salt=hashlib.sha256(header).digest())


def snapshot(target: Path, db_key: bytes) -> None:
    """A consistent encrypted copy of the open database (same key), via sqlcipher_export."""
    target.unlink(missing_ok=True)
    conn = database.connection()
    # The key as a bound value from a buffer we wipe: no statement text holds it (models.secret).
    literal = keymem.literal(db_key)
    try:
        conn.execute("ATTACH DATABASE ? AS hz_backup KEY ?", (str(target), literal))
    finally:
        keymem.wipe(literal)
    try:
        conn.execute("SELECT sqlcipher_export('hz_backup')")
    finally:
        conn.execute("DETACH DATABASE hz_backup")


#: Temporaries of a backup or restore carry this prefix and the writing process's id, so a
#: later backup or restore in the same folder can remove those of a process that was killed:
#: each is a whole copy of the database under the key it had then, which after a ``rekey``
#: is a key a revoked clerk may still hold.
TEMP_PREFIX = ".huzhu-tmp-"


def _temp_name(kind: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}-{kind}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporaries left in ``folder`` by killed backups and restores (their process
    is gone); never those of a process still running. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).glob(f"{TEMP_PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        try:
            pid = int(entry.name[len(TEMP_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


#: Files that belong to a database ``FILE``: a backup written over any of them destroys it.
OWN_SUFFIXES = ("", ".keys", ".keys.pending", ".sent", ".hwm", "-wal", "-shm", "-journal", ".attempts")


def refuse_own_file(out: Path, db_path: Path) -> None:
    """Refuse an output path that is the database or one of the files beside it (seen:
    ``backup --out FILE.keys`` replaced the slot file, and the database no longer opened)."""
    target = os.path.realpath(out)
    for suffix in OWN_SUFFIXES:
        own = Path(f"{db_path}{suffix}")
        same = os.path.realpath(own) == target
        if not same and out.exists() and own.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(out, own)
        if same:
            raise BackupError(
                f"备份文件不能写在数据库自己的文件上：{out}（{own.name}）",
                f"a backup must not be written over the database's own file: {out} ({own.name})",
            )


def write_backup(out: str | os.PathLike, db_path: Path, db_key: bytes, keyfile: KeyFile) -> dict:
    out = Path(out)
    refuse_own_file(out, Path(db_path))
    if out.parent.exists():
        sweep_stale(out.parent)
    header_obj = {
        "format": "huzhu-backup",
        "version": 1,
        "db_id": keyfile.db_id,
        "created": clock.stamp(),
        "program": VERSION,
        "keys": json.loads(keyfile.to_bytes().decode("utf-8")),
    }
    header = json.dumps(header_obj, ensure_ascii=False, sort_keys=True).encode("utf-8")
    with tempfile.TemporaryDirectory(
        prefix=_temp_name("copy"), dir=out.parent if out.parent.exists() else None
    ) as tmpdir:
        copy = Path(tmpdir) / "copy.db"
        snapshot(copy, db_key)
        fd, tmp = tempfile.mkstemp(prefix=_temp_name("backup"), suffix=".tmp", dir=out.parent)
        try:
            with os.fdopen(fd, "wb") as dst, open(copy, "rb") as src:
                dst.write(MAGIC + struct.pack(">I", len(header)) + header)
                crypto.stream_encrypt(_backup_key(db_key, header), src, dst, MAGIC + header)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    fsync_dir(out.parent)
    return {"file": str(out), "bytes": out.stat().st_size, "created": header_obj["created"]}


def read_header(path: str | os.PathLike) -> tuple[dict, bytes, int]:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(len(MAGIC))
            raw_len = fh.read(4)
            if magic != MAGIC or len(raw_len) != 4:
                raise ValueError
            (n,) = struct.unpack(">I", raw_len)
            if not 0 < n <= MAX_HEADER:
                raise ValueError
            header = fh.read(n)
            obj = json.loads(header.decode("utf-8"))
            if obj.get("format") != "huzhu-backup":
                raise ValueError
    except FileNotFoundError:
        raise BackupError(f"备份文件不存在：{path}", f"backup file not found: {path}") from None
    except (ValueError, UnicodeDecodeError, struct.error):
        raise BackupError(
            f"{path} 不是 huzhu 备份文件，或文件头已损坏", f"{path} is not a huzhu backup, or its header is damaged"
        ) from None
    return obj, header, len(MAGIC) + 4 + n


def restore_backup(
    src: str | os.PathLike, db_path: Path, db_key: bytes, header_obj: dict, header: bytes, body_offset: int
) -> dict:
    """Decrypt into a temporary file, prove it opens, then move it and its slots into place.

    The database that was there (if any) is kept as ``FILE.before-restore-<time>``."""
    db_path = Path(db_path)
    keyfile_bytes = json.dumps(header_obj["keys"], ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n"
    sweep_stale(db_path.parent)
    fd, tmp = tempfile.mkstemp(prefix=_temp_name("restore"), suffix=".restore", dir=db_path.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
            fh.seek(body_offset)
            for chunk in crypto.stream_decrypt(_backup_key(db_key, header), fh, MAGIC + header):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if not _opens(Path(tmp), db_key):
            raise BackupError("备份中的数据库无法打开", "the database inside the backup does not open")
        conn = sqlcipher3.connect(tmp)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            keymem.apply_key(conn, db_key)
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(
                    "备份中的数据库未通过完整性检查", "the database inside the backup fails integrity_check"
                )
            restored_head = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
        finally:
            conn.close()
        kept = None
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.name}.before-restore-{clock.now().strftime('%Y%m%d%H%M%S')}")
            os.replace(db_path, kept)
            # Not FILE.sent (models.sentmark): it records what the office already holds, which a
            # restore cannot undo; kept in place, it lets the restored database notice it is behind.
            for suffix in (".keys", ".hwm"):
                if Path(f"{db_path}{suffix}").exists():
                    os.replace(Path(f"{db_path}{suffix}"), Path(f"{kept}{suffix}"))
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(tmp, db_path)
        atomic_write_bytes(keys_path(db_path), keyfile_bytes)
        if restored_head:
            # A fresh high-water mark for what was restored (the old one went with the old file),
            # so a missing mark after this still means something was lost.
            from models import hwm

            hwm.write(db_path, str(header_obj.get("db_id", "")), restored_head[0], restored_head[1])
    except crypto.DecryptionFailed:
        raise BackupError(
            "备份文件已被改动或损坏（认证失败），拒绝恢复",
            "the backup file was altered or damaged (authentication failed): refused",
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(db_path.parent)
    return {
        "restored": str(db_path),
        "from": str(src),
        "created": header_obj.get("created"),
        "previous_kept_as": str(kept) if kept else None,
    }
