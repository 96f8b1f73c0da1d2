"""The lock screen: covers every other screen until the passphrase is entered again.

Pushed after ``idle_lock_seconds`` without input, or on Ctrl+L. It is a full (not modal)
screen, so nothing underneath is drawn; it shows neither the branch nor any member data,
only the user whose passphrase it asks for. The database key is dropped while locked
(``models.db.drop_key``: no connection can open without it); the passphrase is checked
against the session's key slot (``models.db.unwrap_key``), which gives the key back, in a
thread worker (``tui.workers.DbWorkers``) because it runs Argon2id and the growing delay after
failures.
"""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from models import db as dbmod
from tui.reader import start_reader, stop_reader
from tui.screens.base import PassphraseEntry
from tui.widgets import FieldRow, StatusLine
from tui.workers import DbWorkers, auto_backup_if_due, error_text


class LockScreen(DbWorkers, PassphraseEntry, Screen[None]):
    """Dismissed (popped) once the session user's passphrase checks out."""

    TITLE = "互助"
    SUB_TITLE = "已锁定"
    # Enter after the typed keys, and ctrl+j: see PassphraseEntry. ctrl+j is a line feed: keys typed
    # while the program starts, before the terminal is in raw mode, pass the tty's CR→LF translation.
    BINDINGS = [
        Binding("enter", "submit", "解锁", id="lock.submit", priority=True),
        Binding("ctrl+j", "submit", "解锁", id="lock.submit_lf", show=False, priority=True),
    ]

    def __init__(self, session: dbmod.Session) -> None:
        super().__init__()
        self.session = session
        self._forgotten = threading.Event()
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="lock-box", classes="panel"):
            yield Static("已锁定", id="lock-heading")
            yield Static("为保护会员信息，界面已锁定。请输入口令继续。", classes="muted")
            yield FieldRow("用户", Static(self.session.user, id="lock-user", classes="field-value"))
            yield FieldRow("口令", Input(placeholder="口令", password=True, id="passphrase", select_on_focus=False))
            yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()
        self.run_db("forgotten", self._forget_key, connect=False)

    def _forget_key(self) -> None:
        """The key leaves memory while locked: the lookup reader closes its connection first.
        Locking after changes is the end of a stretch of work too, so the day's automatic backup
        is made first when it is due (it needs the key; at most once a day; it opens its own
        connection)."""
        try:
            stop_reader()
            auto_backup_if_due()
            dbmod.drop_key()
        finally:
            self._forgotten.set()

    def db_forgotten(self, _result: None) -> None:
        """Nothing to show: the screen asked for the passphrase from the start."""

    def _submit(self) -> None:
        if self._busy:
            return
        secret_input = self.query_one("#passphrase", Input)
        if not secret_input.value:
            self.query_one(StatusLine).show_error("请输入口令")
            secret_input.focus()
            return
        self._set_busy(True)
        self.query_one(StatusLine).show_busy("正在验证口令，请稍候…")
        self.run_db("verified", self._verify, secret_input.value, connect=False)

    def _verify(self, secret: str) -> None:
        """The key slot opens without a connection; the key goes back only after it was dropped."""
        session = self.session
        key = dbmod.unwrap_key(session.path, session.keyfile, session.user, secret)
        # Never give the key back before it was dropped (drop_key would wipe the key given back);
        # _forget_key always sets the event, also when the backup before it fails.
        self._forgotten.wait()
        dbmod.restore_key(key)
        start_reader()

    def db_verified(self, _result: None) -> None:
        self.dismiss()

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "forgotten":
            return  # the key is dropped in a finally; a failed backup is the 待办's to report
        self._set_busy(False)
        self.query_one(StatusLine).show_error(error_text(error))  # never a traceback
        secret_input = self.query_one("#passphrase", Input)
        secret_input.value = ""
        secret_input.focus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.query_one("#passphrase", Input).disabled = busy
