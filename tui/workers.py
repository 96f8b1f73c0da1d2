"""How TUI worker threads use the one database, and how their failures reach the screen.

``models.db.database`` is a peewee ``SqlCipherDatabase``; peewee keeps its connection in a
``threading.local``, so each thread has its own SQLite connection (or none). Textual runs
``@work(thread=True)`` workers on the event loop's default thread pool, whose threads
outlive a worker and are reused by later ones, and the UI thread never touches the
database at all. Hence the rule every TUI worker follows:

* open the calling thread's connection on entry and close it on exit (``db_connection``),
  so no pool thread keeps a connection (and the file's WAL) open behind the app's back;
  opening is cheap: the raw key goes straight to SQLCipher, with no key derivation;
* ``models.db.unlock`` connects on the thread it runs on: the unlock worker closes that
  connection once it has read what it needs (the session itself is process-wide);
* on quit, ``close_database`` runs on a worker thread too: it opens a connection there so
  that ``models.db.close()`` can checkpoint the WAL into the file before closing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from models import db as dbmod
from models.errors import HuzhuError


@contextlib.contextmanager
def db_connection() -> Iterator[None]:
    """This thread's connection for the duration of one worker's reads (or writes)."""
    opened = dbmod.database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened:
            dbmod.database.close()


def auto_backup_if_due() -> None:
    """Issue 13 item 7: on quit and on lock, after a day with changes, a copy into the branch's
    backup folder (``models.autobackup``: at most once a day, only when something changed since
    the last one). Never in the way of quitting or locking: a missing folder or a full stick is
    what the 待办 list warns about at the next start."""
    try:
        session = dbmod.current()
    except RuntimeError:
        return
    if not session.can_write or not session.key:  # read-only, or locked (the key is gone)
        return
    from models import autobackup

    with contextlib.suppress(Exception), db_connection():
        autobackup.auto_backup(session)


auto_backup_on_quit = auto_backup_if_due


def close_database() -> None:
    """Checkpoint the WAL and close the database, from whatever thread calls it.

    ``models.db.close()`` checkpoints through the calling thread's connection and skips
    the checkpoint when that thread has none, which is always the case in the TUI."""
    from tui.reader import stop_reader  # the reader uses this module's db_connection

    stop_reader()
    try:
        dbmod.current()
    except RuntimeError:
        return  # nothing was unlocked
    dbmod.database.connect(reuse_if_open=True)
    dbmod.close()


def error_text(exc: BaseException) -> str:
    """What a clerk is told about a failure: the Chinese message, never a traceback (it may
    quote member data), and for unexpected errors only their kind."""
    if isinstance(exc, HuzhuError):
        return exc.message_zh
    return f"内部错误（{type(exc).__name__}），请联系技术支持"
