"""Backups a branch can rely on (issue 13 item 7): verify one, and keep automatic copies.

A backup nobody has opened is a hope, not a backup: ``verify`` decrypts one into a private
temporary folder, opens it as ``restore`` would and runs every check ``huzhu check`` runs,
then compares its audit head with the live chain. The configured folder (a USB stick or a
share, so a dead disk does not take the copies with it) and the newest verified backup are
kept in ``huzhu_meta``, so the 待办 list reads them with one query and a stat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from models import audit, clock, crypto
from models import db as dbmod
from models.db import Session, database
from models.errors import BackupError, HuzhuError, ValidationFailed

META_DIR = "backup_dir"
META_VERIFIED = "backup_verified"
META_AUTO = "backup_auto"
#: Audit events that do not make a database "changed since the last automatic backup": the
#: backups and verifications themselves would otherwise ask for a backup every day.
QUIET_ACTIONS = ("db.backup", "backup.verify")
KEEP_DAILY = 7
KEEP_MONTHLY = 12
#: Verified backups older than this make the 待办 list warn.
STALE_DAYS = 7


def _meta(*keys: str) -> dict[str, str]:
    marks = ",".join("?" * len(keys))
    return dict(database.execute_sql(f"SELECT key, value FROM huzhu_meta WHERE key IN ({marks})", keys).fetchall())


def _set_meta(key: str, value: str) -> None:
    database.execute_sql("INSERT OR REPLACE INTO huzhu_meta (key, value) VALUES (?, ?)", (key, value))


def _json(value: str | None) -> dict | None:
    if not value:
        return None
    with contextlib.suppress(ValueError):
        obj = json.loads(value)
        return obj if isinstance(obj, dict) else None
    return None


# --- verify ---------------------------------------------------------------------------------------


def verify_file(file: str | os.PathLike, user: str | None, secret: str) -> dict:
    """Open ``file`` as restore would, in a private temporary folder removed afterwards, and run
    every check. Closes whatever database was unlocked. Raises BackupError when the file does not
    decrypt or open; a failing check is returned (``ok`` false), not raised."""
    from models import admin, backup
    from models.keyslots import KeyFile, keys_path

    file = Path(file)
    header, raw_header, offset = backup.read_header(file)
    keyfile = KeyFile.from_bytes(json.dumps(header["keys"]).encode(), where=f"{file} (备份内的密钥槽)")
    user = dbmod.pick_user(keyfile, user)
    key = dbmod.unwrap_key(file, keyfile, user, secret)  # a wrong passphrase is not the backup's fault
    dbmod.close()
    # 0700: only this user can read it. Named like backup's temporaries, so one left by a killed
    # verify (a whole copy under a key a later rekey retires) is swept by the next one.
    backup.sweep_stale(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=backup._temp_name("verify")))
    try:
        copy = folder / "copy.hzdb"
        try:
            with open(copy, "wb") as out, open(file, "rb") as fh:
                fh.seek(offset)
                for chunk in crypto.stream_decrypt(backup._backup_key(key, raw_header), fh, backup.MAGIC + raw_header):
                    out.write(chunk)
        except crypto.DecryptionFailed:
            raise BackupError(
                "备份文件已被改动或损坏（认证失败）", "the backup file was altered or damaged (authentication failed)"
            ) from None
        keys_path(copy).write_bytes(keyfile.to_bytes())
        try:
            session = dbmod.unlock(copy, user, secret, migrate=False, read_only=True)
        except HuzhuError as exc:
            raise BackupError(
                f"备份中的数据库无法打开：{exc.message_zh}",
                f"the database inside the backup does not open: {exc.message_en}",
            ) from None
        try:
            items = admin.run_checks()
            seq, digest = audit.head()
            db_id = session.keyfile.db_id
        finally:
            dbmod.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = [i for i in items if not i.ok]
    return {
        "ok": not failed,
        "file": str(file.resolve()),
        "user": user,
        "db_id": db_id,
        "created": header.get("created"),
        "program": header.get("program"),
        "head": {"seq": seq, "hash": digest},
        "checks": [i.__dict__ for i in items],
        "reason": "；".join(f"{i.name}：{i.detail}" for i in failed) or None,
    }


def compare_live(result: dict) -> dict:
    """With the live database unlocked: is the backup's head a prefix of the live chain?"""
    session = dbmod.current()
    live_seq, live_hash = audit.head()
    same = session.keyfile.db_id == result["db_id"]
    live = {"same_database": same, "seq": live_seq, "hash": live_hash, "prefix": None}
    if same:
        seq = result["head"]["seq"]
        live["prefix"] = seq <= live_seq and (audit.hash_at(seq) if seq else audit.GENESIS) == result["head"]["hash"]
    return live


def record_verified(session: Session, result: dict) -> bool:
    """Note the verification (only a newer backup replaces the note); False when read-only."""
    if not session.can_write:
        return False
    with dbmod.writing():
        old = _json(_meta(META_VERIFIED).get(META_VERIFIED))
        note = {
            "at": clock.stamp(),
            "file": result["file"],
            "created": result["created"],
            "seq": result["head"]["seq"],
            "hash": result["head"]["hash"],
        }
        if old is None or (old.get("created") or "") <= (result["created"] or ""):
            _set_meta(META_VERIFIED, json.dumps(note, ensure_ascii=False, sort_keys=True))
        audit.record(
            "backup.verify",
            "database",
            None,
            {"file": Path(result["file"]).name, "created": result["created"], "seq": note["seq"], "hash": note["hash"]},
        )
    return True


# --- the configured folder ------------------------------------------------------------------------


def configured_dir() -> Path | None:
    value = _meta(META_DIR).get(META_DIR)
    return Path(value) if value else None


def set_dir(session: Session, folder: str | os.PathLike) -> dict:
    session.require_role("supervisor", "recovery")
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise ValidationFailed(f"备份文件夹不存在或不是文件夹：{path}", f"the backup folder does not exist: {path}")
    if not os.access(path, os.W_OK):
        raise ValidationFailed(f"备份文件夹不可写：{path}", f"the backup folder is not writable: {path}")
    if path == session.path.resolve().parent:
        raise ValidationFailed(
            "备份文件夹不能是数据库所在的文件夹（硬盘损坏时会一起丢失），请用 U 盘或网络共享",
            "the backup folder must not be the database's own folder (a dead disk takes both): "
            "use a USB stick or a network share",
        )
    with dbmod.writing():
        old = _meta(META_DIR).get(META_DIR)
        _set_meta(META_DIR, str(path))
        audit.record("backup.config", "huzhu_meta", META_DIR, {"dir": str(path), "previous": old})
    same_disk = path.stat().st_dev == session.path.resolve().parent.stat().st_dev
    return {"dir": str(path), "previous": old, "same_disk_as_database": same_disk}


def show() -> dict:
    meta = _meta(META_DIR, META_VERIFIED, META_AUTO)
    folder = meta.get(META_DIR)
    return {
        "dir": folder,
        "exists": bool(folder and Path(folder).is_dir()),
        "last_auto": _json(meta.get(META_AUTO)),
        "last_verified": _json(meta.get(META_VERIFIED)),
    }


# --- automatic copies -----------------------------------------------------------------------------


def _prefix(db_id: str) -> str:
    return f"huzhu-auto-{db_id[:12]}-"


def auto_name(db_id: str, on: dt.date) -> str:
    return f"{_prefix(db_id)}{on:%Y%m%d}.hzbak"


def _ours(folder: Path, db_id: str) -> dict[dt.date, Path]:
    pattern = re.compile(re.escape(_prefix(db_id)) + r"(\d{8})\.hzbak")
    found = {}
    for entry in folder.iterdir():
        m = pattern.fullmatch(entry.name)
        if m and entry.is_file():
            with contextlib.suppress(ValueError):
                found[dt.datetime.strptime(m.group(1), "%Y%m%d").date()] = entry
    return found


def keep(dates: list[dt.date]) -> set[dt.date]:
    """The 7 newest days, and the newest day of each of the 12 newest months."""
    newest = sorted(dates, reverse=True)
    kept = set(newest[:KEEP_DAILY])
    months: dict[tuple[int, int], dt.date] = {}
    for d in newest:
        months.setdefault((d.year, d.month), d)
    kept.update(sorted(months.values(), reverse=True)[:KEEP_MONTHLY])
    return kept


def prune(folder: Path, db_id: str) -> list[str]:
    """Remove this database's automatic copies beyond the keeping scheme; nothing else is touched."""
    ours = _ours(folder, db_id)
    kept = keep(list(ours))
    removed = []
    for day, path in sorted(ours.items()):
        if day not in kept:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path.name)
    return removed


def changed_since(mark: dict | None) -> bool:
    if mark is None:
        return True
    marks = ",".join("?" * len(QUIET_ACTIONS))
    row = database.execute_sql(
        f"SELECT 1 FROM audit_event WHERE seq > ? AND action NOT IN ({marks}) LIMIT 1",
        (int(mark.get("seq") or 0), *QUIET_ACTIONS),
    ).fetchone()
    return row is not None


def auto_backup(session: Session, *, force: bool = False) -> dict:
    """One automatic copy into the configured folder when the database changed since the last one
    and none was made today (``force``: regardless). Returns what happened; raises BackupError
    when the folder is configured but missing or the copy fails."""
    from models import admin

    meta = _meta(META_DIR, META_AUTO)
    configured = meta.get(META_DIR)
    if not configured:
        return {"written": None, "reason": "not_configured", "removed": []}
    folder = Path(configured)
    if not folder.is_dir():
        raise BackupError(
            f"备份文件夹不存在（U 盘未插入或网络共享未连接？）：{folder}",
            f"the backup folder is missing (USB stick not plugged in, share not connected?): {folder}",
        )
    last = _json(meta.get(META_AUTO))
    today = clock.today()
    if not force:
        if last is not None and str(last.get("at", ""))[:10] == today.isoformat():
            return {"written": None, "reason": "done_today", "removed": []}
        if not changed_since(last):
            return {"written": None, "reason": "unchanged", "removed": []}
    session.require_write()
    db_id = session.keyfile.db_id
    out = folder / auto_name(db_id, today)
    info = admin.backup(session, out, force=True, detail={"auto": True})  # our own name: a second run today
    with dbmod.writing():
        seq, _ = audit.head()
        _set_meta(META_AUTO, json.dumps({"at": clock.stamp(), "file": str(out), "seq": seq}, sort_keys=True))
    removed = prune(folder, db_id)
    return {"written": str(out), "bytes": info["bytes"], "reason": None, "removed": removed}


def copy_before_migration(path: Path, key: bytes, keyfile, name: str) -> Path | None:
    """The pre-migration backup, also into the configured folder when there is one (best effort:
    the copy beside the database is already written)."""
    from models.backup import write_backup

    with contextlib.suppress(Exception):
        folder = configured_dir()
        if folder is not None and folder.is_dir():
            out = folder / name
            write_backup(out, path, key, keyfile)
            return out
    return None


# --- 待办 -------------------------------------------------------------------------------------------


def warning(today: dt.date) -> tuple[str, str] | None:
    """(status, message) when backups need attention; one meta read and one stat."""
    meta = _meta(META_DIR, META_VERIFIED)
    folder = meta.get(META_DIR)
    if not folder:
        return "no_folder", "尚未设置自动备份文件夹（U 盘或网络共享）：负责人运行 huzhu backup config --dir 文件夹"
    if not Path(folder).is_dir():
        return "folder_missing", f"备份文件夹不存在（U 盘未插入或共享未连接？）：{folder}"
    verified = _json(meta.get(META_VERIFIED))
    created = None
    if verified:
        with contextlib.suppress(ValueError, TypeError):
            created = dt.datetime.fromisoformat(str(verified.get("created"))).date()  # none: ValueError
    if created is None:
        return "never_verified", "还没有验证过任何备份：运行 huzhu backup verify 备份文件"
    age = (today - created).days
    if age > STALE_DAYS:
        return "stale", f"最近一份验证过的备份是 {created}（{age} 天前）：运行 huzhu backup verify 最新的备份"
    return None
