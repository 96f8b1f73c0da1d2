"""The lookup reader: one long-lived database connection, on its own thread, for lookups.

Every other TUI worker opens a connection for its work and closes it (``tui.workers``), so
its page cache starts empty and every page it reads is decrypted and authenticated again.
A lookup is what clerks do most, while typing, so lookups and member records run here
instead: on one connection whose page cache keeps the lookup's covering indexes (see
``models.lookup.warm_steps``), read once after unlock, a chunk at a time, and again after
another connection has written (SQLite then drops this connection's cache), never more
often than ``REWARM_SECONDS``. A waiting lookup always goes before the next warm-up chunk.

The screens still call it from their ``@work(thread=True)`` workers, which wait for the
answer, so cancelling and messages work as everywhere else. Without a running reader
(tests that build a screen directly, a lookup before unlock finished) the call runs on
the worker's own connection.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from models import db as dbmod
from models.lookup import READER_CACHE_KIB, prepare_reader, warm_steps
from tui.workers import db_connection

T = TypeVar("T")
REWARM_SECONDS = 60.0
_STOP = object()


def _execute(sql: str, params) -> list[tuple]:
    return dbmod.database.execute_sql(sql, params).fetchall()


def _indexes_fit() -> bool:
    """Whether the whole file fits in the reader's cache (a small branch): then the lookup
    indexes are read in after unlock; a large one keeps only what lookups touch."""
    try:
        size = dbmod.current().path.stat().st_size
    except (OSError, RuntimeError):
        return False
    return size <= READER_CACHE_KIB * 1024


class LookupReader:
    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="huzhu-lookup-reader", daemon=True)
        self.warmed = threading.Event()  # set after each complete warm-up (tests, bench)

    def start(self) -> None:
        self._thread.start()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        future: Future = Future()
        self._jobs.put((fn, args, future))
        return future.result()

    def stop(self, timeout: float = 10.0) -> None:
        self._jobs.put(_STOP)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _data_version(self) -> int:
        return _execute("PRAGMA data_version", ())[0][0]

    def _run(self) -> None:
        try:
            dbmod.database.connect(reuse_if_open=True)
        except Exception:
            return  # no database (locked or closed meanwhile): callers fall back to their own connection
        try:
            prepare_reader(_execute)
            warming = warm_steps(_execute, indexes=_indexes_fit())
            version, warmed_at = self._data_version(), time.monotonic()
            while True:
                try:
                    job = self._jobs.get_nowait() if warming is not None else self._jobs.get(timeout=REWARM_SECONDS)
                except queue.Empty:
                    if warming is None:
                        if dbmod.is_pg():
                            # the process's database is a server now (an office unlocked after
                            # this branch file): this reader's connection is gone with it
                            return
                        # idle: warm again if another connection wrote since (SQLite dropped our cache)
                        now = self._data_version()
                        if now != version and time.monotonic() - warmed_at >= REWARM_SECONDS:
                            version, warming = now, warm_steps(_execute, indexes=_indexes_fit())
                        continue
                    try:
                        next(warming)
                    except StopIteration:
                        warming, warmed_at = None, time.monotonic()
                        self.warmed.set()
                    except Exception:
                        warming = None  # a warm-up is an optimisation: never let it stop lookups
                    continue
                if job is _STOP:
                    return
                fn, args, future = job
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # handed to the waiting worker, which reports it
                        future.set_exception(exc)
        finally:
            with contextlib.suppress(Exception):
                dbmod.database.close()
            # anything still queued is answered on the caller's own connection
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not _STOP:
                    job[2].set_exception(_ReaderStopped())


class _ReaderStopped(Exception):
    pass


_reader: LookupReader | None = None
_lock = threading.Lock()


def start_reader() -> LookupReader:
    """Start the reader for the database just unlocked (replacing any earlier one)."""
    global _reader
    with _lock:
        old, _reader = _reader, LookupReader()
        _reader.start()
        new = _reader
    if old is not None:
        old.stop()
    return new


def stop_reader() -> None:
    global _reader
    with _lock:
        old, _reader = _reader, None
    if old is not None:
        old.stop()


def read(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` on the reader's connection, or on this thread's own without a reader."""
    reader = _reader
    if reader is not None and reader.alive:
        try:
            return reader.call(fn, *args)
        except _ReaderStopped:
            pass
    with db_connection():
        return fn(*args)
