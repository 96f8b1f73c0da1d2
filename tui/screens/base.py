"""What every screen opened from the home menu shares: Esc goes back."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen


class SubScreen(Screen[None]):
    """A screen pushed on top of the home screen (or another sub-screen)."""

    BINDINGS = [Binding("escape", "back", "返回", id="screen.back")]

    def action_back(self) -> None:
        self.dismiss()
