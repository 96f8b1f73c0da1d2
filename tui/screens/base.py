"""What every screen opened from the home menu shares: Esc goes back; and the typed app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import events
from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.message_pump import MessagePump
    from textual.widget import Widget

    from tui.app import HuzhuApp


def huzhu_app(node: MessagePump) -> HuzhuApp:
    """The running app of a widget or screen, typed: every screen of huzhu is pushed by HuzhuApp."""
    return cast("HuzhuApp", node.app)


class OnHuzhuApp:
    """For huzhu's screens and their mixins: ``self.huzhu_app`` is the running ``HuzhuApp``,
    typed (its ``today()``, ``db_path``, ``session`` …). Textual types ``self.app`` as a plain
    ``App[object]``, and ``HuzhuApp`` (an ``App[None]``) cannot override that type."""

    if TYPE_CHECKING:
        app: App[object]  # provided by the Screen this is mixed into (as Textual declares it)

    @property
    def huzhu_app(self) -> HuzhuApp:
        return cast("HuzhuApp", self.app)  # as huzhu_app() below


#: The bindings (by id) that write to the database. A user who may not write (an auditor, or a
#: file opened read-only) is not offered them: they are left out of the footer and the palette,
#: and their keys do nothing, rather than being refused after the clerk has filled in a dialog.
WRITE_BINDINGS = frozenset(
    {
        "budget.add", "budget.amend", "budget.approve",
        "claims.new", "claims.correct", "claims.submit", "claims.return", "claims.resubmit", "claims.settle",
        "claims.decline", "claims.direct_pay",
        "fees.receive", "fees.remit", "fees.void",
        "handover.new", "handover.report",
        "import.confirm",
        "member.edit",
        "mgmt.income", "mgmt.spend",
        "projects.advance", "projects.new", "projects.terminate",
        "purchases.asset_add", "purchases.compare", "purchases.count", "purchases.decide", "purchases.dispose",
        "purchases.move", "purchases.new", "purchases.quote", "purchases.score",
        "renew.confirm", "renew.import", "renewal.import", "renewal.record",
        "selfcheck.tick",
        "sync.export", "sync.notice_done", "sync.receive", "sync.key_setup",
        "welfare.approve", "welfare.new", "welfare.pay", "welfare.sign", "welfare.void",
        "worklog.import", "worklog.save",
    }
)  # fmt: skip


def _write_actions(node: DOMNode) -> set[tuple[str, tuple[object, ...]]]:
    """The (action, parameters) of the node's bindings listed in ``WRITE_BINDINGS``."""
    found = set()
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.id in WRITE_BINDINGS:
                _, name, parameters = parse_action(binding.action)
                found.add((name, parameters))
    return found


class SubScreen(OnHuzhuApp, Screen[None]):
    """A screen pushed on top of the home screen (or another sub-screen). Its write bindings are
    hidden from users who may not write: a subclass's own ``check_action`` is wrapped so that it
    need not say so itself."""

    BINDINGS = [Binding("escape", "back", "返回", id="screen.back")]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("check_action")
        if own is None or getattr(own, "_hides_writes", False):
            return

        def check_action(self: SubScreen, action: str, parameters: tuple[object, ...]) -> bool | None:
            if self.write_hidden(action, parameters):
                return False
            return own(self, action, parameters)

        check_action._hides_writes = True  # type: ignore[attr-defined]
        cls.check_action = check_action  # type: ignore[method-assign]

    def write_hidden(self, action: str, parameters: tuple[object, ...]) -> bool:
        session = self.huzhu_app.session
        if session is None or session.can_write:
            return False
        return (action, parameters) in _write_actions(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.write_hidden(action, parameters)

    def action_back(self) -> None:
        self.dismiss()


class PassphraseEntry:
    """What the unlock and lock screens share: Enter submits only after the keys typed ahead of it,
    and a key typed while no field has focus still reaches the passphrase.

    Enter is a priority binding on both screens (so the footer shows it over the field's own Enter),
    and the app handles a priority key as soon as it arrives, before the focused field has taken the
    characters typed just ahead of it: "口令⏎" in one burst (a paste, a fast typist over SSH) was
    checked half-typed or empty. So ``action_submit`` runs the screen's ``_submit`` from the focused
    field's queue, after them. The fields are disabled while a passphrase is checked, which takes
    focus away; when the check fails the passphrase field asks for it back, but a key that comes in
    before it has it went nowhere, and Enter then found an empty field (seen under load in the tmux
    test): ``on_key`` gives such a key to the passphrase field. (The passphrase fields do not select
    their text when focused, or the next key would replace what came before it.)"""

    _busy: bool

    if TYPE_CHECKING:
        focused: Widget | None

        def query_one(self, selector: str, expect_type: type[Input]) -> Input: ...

    def _submit(self) -> None:
        raise NotImplementedError

    def action_submit(self) -> None:
        focused = self.focused
        if focused is not None:
            focused.call_later(self._submit)
        else:
            self._submit()

    def on_key(self, event: events.Key) -> None:
        if self.focused is not None or self._busy or not event.is_printable or event.character is None:
            return
        field = self.query_one("#passphrase", Input)
        field.focus()
        field.insert_text_at_cursor(event.character)
        event.stop()
