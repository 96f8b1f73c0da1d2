"""The huzhu TUI: unlock, home, the menu's screens, idle lock, keymap and command palette.

``make_app`` is the one way to build the app, shared by ``huzhu`` (``tui.commands.admin``)
and the tests, so both run the same configuration (keymap file, idle-lock setting).

Threads: the UI thread never touches the database. Screens (and the app, to close it on quit)
read and write it in thread workers through ``tui.workers.DbWorkers``, which hands each newest
result back on the UI thread. ``tui.workers`` explains how those threads share the one peewee
database.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from time import monotonic

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.message import Message
from textual.screen import Screen

from models import clock
from models import db as dbmod
from tui import keyorder
from tui.keymap import load_keymap
from tui.screens.unlock import UnlockScreen
from tui.workers import DbWorkers, auto_backup_on_quit, close_database

keyorder.install()  # before any field reads a key: bursts of keys apply in order

# Start-up imports only what the unlock screen needs (issue 15: launch → unlock screen within
# 1.5× a bare Textual app). The screens after it are imported on a background thread while the
# clerk types the passphrase (``_preload``), or on first use if the Enter comes sooner.
AFTER_UNLOCK_MODULES = (
    "models.schema",
    "sync.keystore",
    "tui.reader",
    "models.dashboard",
    "models.lookup",
    "models.member_detail",
    "tui.screens.warnings",
    "tui.screens.lock",
    "tui.screens.home",
    "tui.screens.dashboard",
    "tui.screens.lookup",
    "tui.screens.menu",
    "tui.screens.pending",
    "textual.command",
)

ENV_IDLE_LOCK = "HUZHU_IDLE_LOCK"
ENV_THEME = "HUZHU_THEME"
#: Seconds after start-up before the screens after the unlock are imported in the background.
PRELOAD_AFTER_SECONDS = 0.5
DEFAULT_IDLE_LOCK_SECONDS = 600.0
#: The whole-file page check after unlock starts this long after the 待办 is filled (time for its
#: paint), or this many seconds after the unlock at the latest (issue 15): on two cores, reading
#: a 1 GB file beside the 待办's queries and first paint slowed them by seconds.
PAGE_CHECK_AFTER_PAINT_SECONDS = 0.3
PAGE_CHECK_AFTER_SECONDS = 3.0
#: App bindings the command palette does not list: opening the palette from itself,
#: Ctrl+C's reminder of how to quit (the palette lists 退出 itself), and F2's 会员查询 (the
#: palette lists the menu's 会员查询 on every screen).
PALETTE_SKIPS = frozenset({"app.command_palette", "app.help_quit", "app.lookup"})


class HuzhuApp(DbWorkers, App[None]):
    """One database file, one clerk: the unlock screen first, then home and its menu.

    The app owns the session, the idle lock and the command palette's contents; screens
    own their data and their bindings."""

    CSS_PATH = "huzhu.tcss"
    TITLE = "互助"
    BINDINGS = [
        Binding("ctrl+q", "quit", "退出", id="app.quit", priority=True),
        Binding("ctrl+l", "lock", "锁定", id="app.lock", priority=True),
        # From any screen, typing fields included (F-keys never type text). Not in the footer:
        # the menu shows 会员查询 and the palette lists it on every screen.
        # priority: the lookup opens as F2 is read, so keys typed right after it reach its search
        # field (LookupScreen.on_key), not the screen below, which got them before it was switched.
        Binding("f2", "lookup", "会员查询", id="app.lookup", show=False, priority=True),
        Binding("ctrl+p", "command_palette", "命令", id="app.command_palette", priority=True, show=False),
        Binding("ctrl+c", "help_quit", "退出提示", id="app.help_quit", show=False, system=True),
    ]

    def __init__(
        self,
        *,
        db_path: Path,
        user: str | None,
        passphrase: str | None,
        today: date | None,
        idle_lock_seconds: float,
        keymap: dict[str, str],
        notices: list[str],
        start: str = "todo",
    ) -> None:
        super().__init__()
        from tui.zh import localise_select

        localise_select()
        self._start = start
        # The terminal's own 16 colours: what clerks over SSH actually see. HUZHU_THEME=light
        # for a terminal with a light background (the default assumes a dark one).
        self.theme = "ansi-light" if os.environ.get(ENV_THEME, "").strip().lower() == "light" else "ansi-dark"
        # With NO_COLOR, Textual greys out colours (Monochrome) when it started in a truecolour
        # theme, which over the ANSI theme drew text black on black. The terminal's default
        # colours instead: always readable; states stay marked by bold, reverse and borders.
        self._no_color_filter: LineFilter | None = NoColor() if self.no_color else None
        if self.no_color:
            self.add_class("-no-color")
        self.db_path = db_path
        self.session: dbmod.Session | None = None
        self.page_check: DeferredPageCheck | None = None
        self.db_kind = "branch"  # "office" once an office database is unlocked: its own screens, no branch menu
        self.idle_lock_seconds = idle_lock_seconds
        self._initial_user = user
        self._initial_passphrase = passphrase
        self._today = today
        self._startup_notices = notices
        self._held_notices: list[tuple[str, str, str, float | None, bool]] = []
        self._last_input = monotonic()
        self._damage_untold = False  # damage found while locked: said at the unlock
        self.set_keymap(keymap)

    def get_line_filters(self):
        filters = super().get_line_filters()
        if self._no_color_filter is None:
            return filters
        return [self._no_color_filter if isinstance(f, Monochrome) else f for f in filters]

    # --- screens --------------------------------------------------------------------------------

    class PagesDamaged(Message):
        """The page check after unlock found damaged pages (posted from its thread)."""

    def on_mount(self) -> None:
        # Pushed (not the default screen) so that the home screen can replace it in place.
        self.push_screen(UnlockScreen(self.db_path, user=self._initial_user, passphrase=self._initial_passphrase))
        self._initial_passphrase = None
        self.set_interval(min(1.0, self.idle_lock_seconds / 4), self._lock_if_idle)
        for notice in self._startup_notices:
            self.notify(notice, title="配置", severity="warning", timeout=15)
        # Not at once: the imports would compete with painting the unlock screen itself.
        self.set_timer(PRELOAD_AFTER_SECONDS, self._preload)

    def _preload(self) -> None:
        threading.Thread(target=preload_after_unlock, name="huzhu-preload", daemon=True).start()

    def today(self) -> date:
        """The working date: fixed by ``make_app(today=...)`` (demos, tests), else the clock."""
        return self._today or clock.today()

    def on_unlock_screen_succeeded(self, message: UnlockScreen.Succeeded) -> None:
        unlocked = message.unlocked
        self.session = unlocked.session
        self.db_kind = unlocked.kind
        self.sub_title = f"{unlocked.branch_code} {unlocked.branch_name}".strip()
        self._last_input = monotonic()
        from tui.screens.warnings import WarningsDialog

        if unlocked.kind == "office":
            from tui.office.screens import OfficeBoardScreen

            self.switch_screen(OfficeBoardScreen())
        else:
            from tui.screens.home import HomeScreen

            self.switch_screen(HomeScreen(unlocked))
        if self._start == "todo" and unlocked.kind != "office":
            # Today's work first (the TUI issue); Esc goes down to the menu beneath it.
            self.open_menu_entry("todo")
        if unlocked.session.warnings:
            # Opened read-only, or behind the bundles already sent: said before any work starts.
            self.push_screen(WarningsDialog(unlocked.session.warnings))
        # The whole file's page check, once the first screen's data is painted (models.db: writes
        # wait for it, or run it first if it has not started). Then, on a branch, every row against
        # its signed event (issue 13 item 3), as the books were when writes were let through; writes
        # do not wait for it (minutes at a million members): rows changed with the raw key outside
        # the program make the session read-only; said as damage is.
        row_check = None
        if unlocked.kind != "office":
            from models import rowseal

            row_check = rowseal.check_at_unlock
        self.page_check = DeferredPageCheck(
            partial(
                dbmod.check_pages_in_background,
                unlocked.session,
                lambda _pages: self.post_message(self.PagesDamaged()),
                row_check,
            )
        )
        # A save before then starts them itself (models.db.writing), the row check's snapshot first.
        unlocked.session.start_checks = self.page_check.start
        self.set_timer(PAGE_CHECK_AFTER_SECONDS, self.page_check.start)

    def on_dashboard_screen_loaded(self, _message: Message) -> None:
        """The 待办 is filled (bubbled up from its screen): the page check may start now."""
        if self.page_check is not None:
            self.set_timer(PAGE_CHECK_AFTER_PAINT_SECONDS, self.page_check.start)

    def on_huzhu_app_pages_damaged(self, _message: PagesDamaged) -> None:
        """Damaged pages (or rows changed outside the program) found after unlock: the session is
        read-only already; say so now, with the unlock's own warning, over whatever screen the
        clerk is on."""
        from tui.screens.warnings import WarningsDialog

        if self.locked:
            # Not over the lock screen: it would take the passphrase's keys (Enter dismissed it)
            # and show the books' state to whoever is at the screen. Said once unlocked.
            self._damage_untold = True
            return
        if self.session is not None and self.session.warnings:
            self.push_screen(WarningsDialog(self.session.warnings[-1:]))

    def open_menu_entry(self, name: str) -> None:
        from tui.screens.menu import menu_entry
        from tui.screens.pending import PendingScreen

        entry = menu_entry(name)
        self.push_screen(entry.screen() if entry.screen else PendingScreen(entry))

    def action_lookup(self) -> None:
        """F2 from anywhere: the member lookup, or back to its search field if already there.

        F2 never stacks a second lookup: with one already open below (a member's record
        opened from it, say), the screens above it are closed and it comes to the front,
        unless one of them is a form with unsaved changes (then a new lookup goes on top, as
        the form must not be dropped unasked)."""
        from tui.screens.lookup import LookupScreen

        stack = self.screen_stack
        if isinstance(self.screen, LookupScreen):
            self.screen.action_focus_search()
            return
        below = [i for i, screen in enumerate(stack) if isinstance(screen, LookupScreen)]
        if below and not any(getattr(screen, "dirty", False) for screen in stack[below[-1] + 1 :]):
            lookup = stack[below[-1]]
            for _ in stack[below[-1] + 1 :]:
                self.pop_screen()
            lookup.action_focus_search()
            return
        self.open_menu_entry("lookup")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A list focused with no line highlighted (Tab into it) highlights its first line: the
        reversed line is how its focus shows, and the line Enter or Space acts on (issue 14)."""
        from textual.widgets import OptionList

        widget = event.widget
        if isinstance(widget, OptionList) and widget.highlighted is None and widget.option_count:
            widget.highlighted = 0

    # --- terminal size --------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        from tui.screens.too_small import TooSmallScreen, too_small

        small = too_small(event.size.width, event.size.height)
        shown = isinstance(self.screen, TooSmallScreen)
        if small and not shown:
            self.push_screen(TooSmallScreen())
        elif small:
            self.screen.show_size(event.size.width, event.size.height)
        elif shown:
            self.pop_screen()

    # --- locking --------------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        if self.session is None:
            return False  # nothing to lock before the first unlock (and no need to import it)
        from tui.screens.lock import LockScreen

        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.InputEvent, events.Paste)):
            self._last_input = monotonic()
        await super().on_event(event)

    def _lock_if_idle(self) -> None:
        if monotonic() - self._last_input >= self.idle_lock_seconds:
            self.action_lock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup" and self.db_kind == "office":
            return False
        if action in ("lock", "lookup"):
            return self.session is not None and not self.locked
        return True

    def action_lock(self) -> None:
        if self.session is None or self.locked:
            return
        # A notice on screen may name a member; it would stay visible over the lock screen.
        self.clear_notifications()
        from tui.screens.lock import LockScreen

        self.push_screen(LockScreen(self.session), callback=self._after_relock)

    def _after_relock(self, _result: None) -> None:
        self._last_input = monotonic()
        if self._damage_untold:
            self._damage_untold = False
            self.post_message(self.PagesDamaged())
        held, self._held_notices = self._held_notices, []
        for message, title, severity, timeout, markup in held:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notices that arrive while locked (from workers still running) wait for the unlock."""
        if self.locked:
            self._held_notices.append((message, title, severity, timeout, markup))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- quitting -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Ctrl+Q asks first when a form holds unsaved changes, as Esc does."""
        if (
            self.session is not None
            and not self.locked
            and any(getattr(screen, "dirty", False) for screen in self.screen_stack)
        ):
            from tui.screens.forms import ConfirmDialog  # only when there is a form to ask about

            if isinstance(self.screen, ConfirmDialog):
                return

            def answered(quit_anyway: bool | None) -> None:
                if quit_anyway:
                    self._close_and_exit()

            self.push_screen(ConfirmDialog("表单有未保存的修改，确定放弃并退出吗？"), answered)
            return
        self._close_and_exit()

    def _close_and_exit(self) -> None:
        """Checkpoint the WAL and close the database off the UI thread (it may wait on a
        busy file), then exit; a second Ctrl+Q meanwhile does not close it twice."""
        if not self.db_busy("closed"):
            self.run_db("closed", _close_for_quit, connect=False)

    def db_closed(self, _result: None) -> None:
        self.exit()

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.exit()  # only the quit's close runs here: leave whatever it could not do

    def action_help_quit(self) -> None:
        """Ctrl+C copies in text fields; when pressed elsewhere, say how to quit instead."""
        key = self._key_display("app.quit")
        self.notify(f"退出请按 {key}", title="要退出吗？")

    def _key_display(self, binding_id: str) -> str:
        for active in self.screen.active_bindings.values():
            if active.binding.id == binding_id:
                return self.get_key_display(active.binding)
        return binding_id

    # --- command palette ------------------------------------------------------------------------

    def action_command_palette(self) -> None:
        from tui.zh import ZhCommandPalette

        if not ZhCommandPalette.is_open(self):
            self.push_screen(ZhCommandPalette(placeholder="搜索命令…", id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action reachable from ``screen``: its own bindings and the app's, then the
        menu's screens from anywhere. Before unlock and while locked: only 退出."""
        if self.session is None or self.locked:
            yield SystemCommand("退出", "关闭数据库并退出", self.action_quit)
            return
        from tui.screens.menu import MENU

        summaries = {entry.binding_id: entry.summary for entry in MENU}
        listed: set[str] = set(PALETTE_SKIPS)
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.id or binding.id in listed or not active.enabled:
                continue
            listed.add(binding.id)
            help_text = f"按键 {self.get_key_display(binding)}"
            if binding.id in summaries:
                help_text += f"：{summaries[binding.id]}"
            yield SystemCommand(binding.description, help_text, partial(self.run_action, binding.action, active.node))
        for entry in MENU if self.db_kind != "office" else ():
            if entry.binding_id not in listed:
                yield SystemCommand(entry.title, entry.summary, partial(self.open_menu_entry, entry.name))
        if screen.query("HelpPanel"):
            yield SystemCommand("隐藏按键说明", "关闭右侧的按键说明栏", self.action_hide_help_panel)
        else:
            yield SystemCommand("按键说明", "在右侧列出本页可用的按键", self.action_show_help_panel)


def _close_for_quit() -> None:
    """The day's automatic backup when it is due, then the checkpoint and close (each opens the
    connection it needs on this thread)."""
    auto_backup_on_quit()
    close_database()


def idle_lock_from_env(notices: list[str]) -> float:
    """``HUZHU_IDLE_LOCK`` seconds, or the default; a bad value is reported, not fatal."""
    raw = os.environ.get(ENV_IDLE_LOCK)
    if not raw:
        return DEFAULT_IDLE_LOCK_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if seconds > 0:
        return seconds
    notices.append(f"{ENV_IDLE_LOCK}={raw} 无效（应为正的秒数），自动锁定仍为 {DEFAULT_IDLE_LOCK_SECONDS:.0f} 秒")
    return DEFAULT_IDLE_LOCK_SECONDS


class DeferredPageCheck:
    """The session's page check (``models.db.check_pages_in_background``), started once: by the
    app when the first screen is painted, by anyone who waits for it, or by a write (which runs
    it first, ``models.db.writing``)."""

    def __init__(self, start: Callable[[], dbmod.PageCheck]) -> None:
        self._start = start
        self._lock = threading.Lock()
        self.check: dbmod.PageCheck | None = None

    def start(self) -> dbmod.PageCheck:
        with self._lock:
            if self.check is None:
                self.check = self._start()
            return self.check

    def wait(self, timeout: float | None = None) -> bool:
        return self.start().wait(timeout)


def preload_after_unlock() -> None:
    """Import what the screens after the unlock need (run on a thread while the clerk types)."""
    for name in AFTER_UNLOCK_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # an import error is reported where the module is first used
            return


class KnownBindingIds(Collection[str]):
    """``binding_ids()``, computed on first use: only a keymap file that names an id needs
    every screen imported, so a start without one imports none of them."""

    def __init__(self) -> None:
        self._ids: set[str] | None = None

    def _all(self) -> set[str]:
        if self._ids is None:
            self._ids = binding_ids()
        return self._ids

    def __contains__(self, item: object) -> bool:
        return item in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def binding_ids() -> set[str]:
    """Every binding id the app and its screens define: what a keymap file may name."""
    import pkgutil

    import tui.office
    import tui.screens
    import tui.zh

    # Screens are imported lazily at start-up; a keymap may name any of them, the office's included.
    for package in (tui.screens, tui.office):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    ids = {binding.id for binding in HuzhuApp.BINDINGS if binding.id}
    pending: list[type] = [Screen]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            ids.update(b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


START_SCREENS = ("todo", "home")


def make_app(
    *,
    db_path: str | os.PathLike,
    user: str | None = None,
    passphrase: str | None = None,
    today: date | None = None,
    idle_lock_seconds: float | None = None,
    keymap: dict[str, str] | None = None,
    start: str | None = None,
) -> HuzhuApp:
    """Build the TUI for one database file.

    ``passphrase`` unlocks at once (tests; the CLI never passes it). ``idle_lock_seconds``
    defaults to ``$HUZHU_IDLE_LOCK`` or 600. ``keymap`` defaults to the user's keymap file
    (see ``tui.keymap``); pass ``{}`` for the built-in keys. ``start`` is the first screen after
    unlock: ``todo`` (待办, the default) or ``home`` (the menu); ``$HUZHU_START`` sets it too."""
    notices: list[str] = []
    start = start or os.environ.get("HUZHU_START") or "todo"
    if start not in START_SCREENS:
        notices.append(f"HUZHU_START 的值“{start}”无效（可选 todo、home），已使用 todo")
        start = "todo"
    if idle_lock_seconds is None:
        idle_lock_seconds = idle_lock_from_env(notices)
    if keymap is None:
        loaded = load_keymap(KnownBindingIds())
        keymap = loaded.keymap
        notices.extend(loaded.problems)
    return HuzhuApp(
        # An office database on a PostgreSQL server stays a URL (models.pgdb); a file is a Path.
        db_path=db_path if dbmod.is_url(db_path) else Path(db_path),
        user=user,
        passphrase=passphrase,
        today=today,
        idle_lock_seconds=idle_lock_seconds,
        keymap=keymap,
        notices=notices,
        start=start,
    )
