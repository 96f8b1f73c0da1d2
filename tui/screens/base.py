"""What every screen opened from the home menu shares: Esc goes back; and the typed app."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

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
