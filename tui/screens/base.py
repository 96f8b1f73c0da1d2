"""What every screen opened from the home menu shares: Esc goes back; and the typed app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App
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


class SubScreen(OnHuzhuApp, Screen[None]):
    """A screen pushed on top of the home screen (or another sub-screen)."""

    BINDINGS = [Binding("escape", "back", "返回", id="screen.back")]

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
