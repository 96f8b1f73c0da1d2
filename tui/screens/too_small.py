"""Below 80×24 the screens cannot show what they must: say so instead of cutting boxes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    """Covers everything until the terminal is large enough again; the app removes it then.
    Keys typed meanwhile go nowhere (the screens beneath are not visible to check them)."""

    CSS_PATH = "too_small.tcss"

    def compose(self) -> ComposeResult:
        yield Static("", id="too-small")

    def on_mount(self) -> None:
        self.show_size(*self.app.size)

    def show_size(self, width: int, height: int) -> None:
        self.query_one("#too-small", Static).update(
            f"终端至少需要 {MIN_WIDTH}×{MIN_HEIGHT}\n现在是 {width}×{height}，请放大窗口\n（Ctrl+Q 退出）"
        )
