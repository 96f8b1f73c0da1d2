"""Stand-in for a menu screen that is not built yet, so every menu key leads somewhere."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Header, Static

from tui.screens.base import SubScreen
from tui.screens.menu import MenuEntry


class PendingScreen(SubScreen):
    def __init__(self, entry: MenuEntry) -> None:
        super().__init__()
        self.entry = entry
        self.sub_title = entry.title

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pending-box", classes="panel"):
            yield Static(f"「{self.entry.title}」尚未提供", id="pending-title")
            yield Static(self.entry.summary, classes="muted")
            yield Static("该功能正在开发，将在后续版本中提供。按 Esc 返回。")
        yield Footer()
