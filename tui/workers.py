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

Screens do their database work through ``DbWorkers.run_db`` (below), built on Textual's own
worker API: the call's return value is the worker's result, and the screen learns of it from
``Worker.StateChanged``. A thread cannot be stopped, so cancelling a thread worker only marks it
cancelled while the call runs on; posting a message from inside the thread (what the screens did
before) therefore let a slow, superseded load overwrite the newer one that had already been shown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerState

from models import db as dbmod
from models.errors import HuzhuError, UsageError


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


def write_file(write: Callable[[], object], path: object) -> None:
    """Run ``write`` (a file output); a failing disk or folder becomes a message naming the file."""
    try:
        write()
    except OSError as exc:
        raise UsageError(
            f"无法写入 {path}：{exc.strerror or type(exc).__name__}", f"cannot write {path}: {exc}"
        ) from None


def error_text(exc: BaseException) -> str:
    """What a clerk is told about a failure: the Chinese message, never a traceback (it may
    quote member data), and for unexpected errors only their kind."""
    if isinstance(exc, HuzhuError):
        return exc.message_zh
    return f"内部错误（{type(exc).__name__}），请联系技术支持"


class DbWorkers:
    """Mixin for a screen (or widget): ``run_db(tag, fn, *args)`` runs ``fn`` in a thread worker
    inside ``db_connection`` and hands its value to ``self.db_<tag>(value)``, or its exception to
    ``self.db_failed(tag, error)``.

    Each tag is one exclusive worker group (``group=`` lets several tags share one, e.g. a load and
    a write that reloads): starting a run cancels the group's running one, and only the newest run
    of a group is ever handed over, so a result that a newer run has overtaken is dropped even when
    its thread finishes last."""

    if TYPE_CHECKING:  # provided by the node this is mixed into (Textual's DOMNode)
        run_worker: Callable[..., Worker[Any]]

    def run_db(
        self,
        tag: str,
        fn: Callable[..., Any],
        *args: Any,
        group: str | None = None,
        connect: bool = True,
        **kwargs: Any,
    ) -> Worker[Any]:
        """``connect=False`` for a call that opens no connection on the worker's thread: one that
        goes through the lookup reader's own (``tui.reader.read``), checks a passphrase, or
        closes the database."""

        def call() -> Any:
            if not connect:
                return fn(*args, **kwargs)
            with db_connection():
                return fn(*args, **kwargs)

        group_name = f"db-{group or tag}"
        worker = self.run_worker(call, name=tag, group=group_name, thread=True, exclusive=True, exit_on_error=False)
        self.__dict__.setdefault("_db_newest", {})[group_name] = worker
        return worker

    def db_busy(self, group: str) -> bool:
        """Whether a run of ``group`` (a tag, or the group it was given) has not been handed over yet."""
        return f"db-{group}" in self.__dict__.get("_db_newest", {})

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        newest = self.__dict__.get("_db_newest", {})
        if newest.get(worker.group) is not worker:
            return  # not ours, or overtaken by a newer run of its group
        if event.state is WorkerState.SUCCESS:
            del newest[worker.group]
            getattr(self, f"db_{worker.name}")(worker.result)
        elif event.state is WorkerState.ERROR:
            del newest[worker.group]
            assert worker.error is not None
            self.db_failed(worker.name, worker.error)
        elif event.state is WorkerState.CANCELLED:  # the screen went away: nothing to show
            del newest[worker.group]

    def db_failed(self, tag: str, error: BaseException) -> None:
        raise NotImplementedError
