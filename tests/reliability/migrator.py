"""Unlock an older database the way ``huzhu`` does (automatic backup, then the migrations),
as a child process the reliability tests SIGKILL at a random moment.

Usage: ``python tests/reliability/migrator.py DB [--trace]``. Everything is imported first;
the process prints ``READY`` immediately before ``models.db.unlock`` (the real unlock of the
program: slot, backup ``DB.pre-NNNN_slug.hzbak``, ``Runner.up()``), then one JSON line
``{"op": "done", "applied": [...]}`` once it returned, and then waits with the database
still open until it is killed, so a kill after the migrations is a kill too.

``--trace`` (only for the unkilled run that measures how long the work takes) also prints
one JSON line as the backup and each migration start and end, with seconds since READY.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playhouse.migrations import Runner

import models.backup  # before READY: unlock imports it
import models.migrate
from models import db as dbmod
from models.db import database

PASSPHRASE = "correct horse 电池 staple"


def say(**fields) -> None:
    sys.stdout.write(json.dumps(fields, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def trace(started: float) -> None:
    write_backup, run = models.backup.write_backup, Runner._run

    def traced_backup(*a, **k):
        say(op="backup-start", t=time.monotonic() - started)
        out = write_backup(*a, **k)
        say(op="backup-end", t=time.monotonic() - started)
        return out

    def traced_run(self, name, *a, **k):
        say(op="migration-start", name=name, t=time.monotonic() - started)
        out = run(self, name, *a, **k)
        say(op="migration-end", name=name, t=time.monotonic() - started)
        return out

    models.backup.write_backup, Runner._run = traced_backup, traced_run


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    started = time.monotonic()
    if "--trace" in argv:
        trace(started)
    print("READY", flush=True)
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    names = [r[0] for r in database.execute_sql("SELECT name FROM schema_migration ORDER BY name")]
    say(op="done", applied=names, t=time.monotonic() - started, warnings=session.warnings)
    while True:  # stay alive, database open, until the parent kills this process
        time.sleep(60)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
