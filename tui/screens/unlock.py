"""The first screen: user name and passphrase, then the database is unlocked off the UI thread.

Argon2id takes about 0.2 s per try, and after repeated failures ``models.attempts`` makes
each try wait longer (up to a minute), so the unlock always runs in a thread worker and
the form says "请稍候" meanwhile. Nothing from inside the database is shown here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from models import attempts
from models import db as dbmod
from models.errors import HuzhuError
from models.keyslots import KeyFile
from tui.screens.base import PassphraseEntry
from tui.widgets import FieldRow, StatusLine
from tui.workers import error_text


@dataclass(frozen=True)
class Unlocked:
    """What the app needs after a successful unlock (read in the unlock worker)."""

    session: dbmod.Session
    branch_code: str
    branch_name: str
    kind: str = "branch"  # or "office": the office's database opens on the office's screens


def _shown(db_path: Path | str) -> str:
    from models import pgdb

    return pgdb.display(db_path) if dbmod.is_url(db_path) else Path(db_path).name


def key_file_facts(db_path: Path, user: str | None) -> tuple[str, str]:
    """The user to prefill and the demo hint line, from the key file (readable before unlock).

    A damaged or missing key file is not reported here: the unlock itself reports it
    with its proper message."""
    if dbmod.is_url(db_path):
        return user or "", ""  # a server's slots are read by the unlock itself, off the UI thread
    try:
        keyfile = KeyFile.load(db_path)
    except HuzhuError:
        return user or "", ""
    hint = keyfile.hint or {}
    demo_line = ""
    if hint.get("demo"):
        demo_line = f"演示数据库：用户 {hint.get('user', '')}，口令 {hint.get('passphrase', '')}"
    if not user:
        users = keyfile.user_slots()
        if len(users) == 1:
            user = users[0].user
        elif hint.get("demo"):
            user = str(hint.get("user", ""))
    return user or "", demo_line


class UnlockScreen(PassphraseEntry, Screen[None]):
    """Asks for the user and passphrase; posts ``UnlockScreen.Succeeded`` to the app."""

    # Enter after the typed keys, and ctrl+j: see PassphraseEntry. ctrl+j is a line feed: keys typed
    # while the program starts, before the terminal is in raw mode, pass the tty's CR→LF translation.
    BINDINGS = [
        Binding("enter", "submit", "解锁", id="unlock.submit", priority=True),
        Binding("ctrl+j", "submit", "解锁", id="unlock.submit_lf", show=False, priority=True),
    ]

    class Waiting(Message):
        def __init__(self, seconds: float) -> None:
            super().__init__()
            self.seconds = seconds

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Succeeded(Message):
        def __init__(self, unlocked: Unlocked) -> None:
            super().__init__()
            self.unlocked = unlocked

    def __init__(self, db_path: Path, *, user: str | None = None, passphrase: str | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self._user, self._demo_line = key_file_facts(db_path, user)
        self._auto_passphrase = passphrase
        self._busy = False
        self.sub_title = "解锁"
        # Focus the field to type into from the first frame on (not later in on_mount): keys sent
        # while the screen was still mounting went to the first field, the user name.
        self.AUTO_FOCUS = "#passphrase" if self._user else "#user"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="unlock-box", classes="panel"):
            yield Static("代办处互助保障业务", id="unlock-heading")
            yield Static(f"数据库  {_shown(self.db_path)}", classes="muted")
            yield FieldRow("用户", Input(self._user, placeholder="用户名", id="user"))
            yield FieldRow("口令", Input(placeholder="口令", password=True, id="passphrase", select_on_focus=False))
            yield StatusLine(id="status")
            if self._demo_line:
                yield Static(self._demo_line, id="demo-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#passphrase" if self._user else "#user", Input).focus()
        if self._auto_passphrase is not None:
            self.query_one("#passphrase", Input).value = self._auto_passphrase
            self._auto_passphrase = None
            self.action_submit()

    def _submit(self) -> None:
        """Enter: in the user field move on to the passphrase; in the passphrase field unlock."""
        if self._busy:
            return
        user_input = self.query_one("#user", Input)
        secret_input = self.query_one("#passphrase", Input)
        user = user_input.value.strip()
        status = self.query_one(StatusLine)
        if not user:
            status.show_error("请输入用户名")
            user_input.focus()
            return
        if not secret_input.value:
            if self.focused is secret_input:
                status.show_error("请输入口令")
            secret_input.focus()
            return
        self._set_busy(True)
        status.show_busy("正在验证口令，请稍候…")
        self.unlock(user, secret_input.value)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def unlock(self, user: str, secret: str) -> None:
        delay = attempts.delay_for(attempts.failures(self.db_path))
        if delay:
            self.post_message(self.Waiting(delay))
        # Imported here, not at start: the unlock screen paints before these are needed (issue 15).
        from models.schema import Branch
        from tui.reader import start_reader

        try:
            # The whole-file page check runs after the unlock (the app starts it): at a million
            # members it reads 1 GB, which would keep the clerk waiting for seconds.
            session = dbmod.unlock(self.db_path, user, secret, check_pages=False)
            try:
                from sync.keystore import db_kind

                branch = Branch.select().order_by(Branch.id).first()
                kind = db_kind()
                if kind == "office":
                    row = dbmod.database.execute_sql(
                        "SELECT value FROM huzhu_meta WHERE key = 'office_name'"
                    ).fetchone()
                    office_name = row[0] if row else "办事处"
            finally:
                # unlock() connected on this pool thread; later workers open their own.
                dbmod.database.close()
        except Exception as exc:  # every failure is shown in the form, never as a traceback
            self.post_message(self.Failed(error_text(exc)))
            return
        if not dbmod.is_pg():  # a server office database has no member lookups to keep warm
            start_reader()  # lookups get their own warm connection from now on
        if kind == "office":
            self.post_message(self.Succeeded(Unlocked(session, "", office_name, "office")))
            return
        code, name = (branch.code, branch.name) if branch else ("", "（未登记代办处）")
        self.post_message(self.Succeeded(Unlocked(session, code, name)))

    def on_unlock_screen_waiting(self, message: Waiting) -> None:
        self.query_one(StatusLine).show_busy(f"连续失败多次，需等待 {message.seconds:.0f} 秒后再验证，请稍候…")

    def on_unlock_screen_failed(self, message: Failed) -> None:
        message.stop()
        self._set_busy(False)
        self.query_one(StatusLine).show_error(message.text)
        secret_input = self.query_one("#passphrase", Input)
        secret_input.value = ""
        secret_input.focus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in self.query(Input):
            field.disabled = busy
