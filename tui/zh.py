"""Textual's own words in Chinese: the few English strings its built-in widgets put on a clerk's
screen (the command palette's key hints and "No matches found", the Select list's "Dismiss
menu"). Everything else on screen is ours and already Chinese.

Textual is pinned below 9 in pyproject.toml; ``_start_no_matches_countdown`` follows its 8.x code
(there is no hook for the text), and tests/tui/test_tui_palette.py fails if an English string comes back.
"""

from __future__ import annotations

from typing import ClassVar

from rich.align import Align
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

NO_MATCHES = "没有匹配的命令"


class ZhCommandPalette(CommandPalette):
    """The command palette with Chinese key hints and "no matches" line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+end, shift+end", "command_list('last')", "到最后", id="palette.last", show=False),
        Binding("ctrl+home, shift+home", "command_list('first')", "到最前", id="palette.first", show=False),
        Binding("down", "cursor_down", "下一个命令", id="palette.down", show=False),
        Binding("escape", "escape", "关闭命令面板", id="palette.close"),
        Binding("pagedown", "command_list('page_down')", "下一页", id="palette.page_down", show=False),
        Binding("pageup", "command_list('page_up')", "上一页", id="palette.page_up", show=False),
        Binding("up", "command_list('cursor_up')", "上一个命令", id="palette.up", show=False),
    ]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


def localise_select() -> None:
    """The open Select list's footer hint ("esc Dismiss menu") in Chinese. The overlay is
    Textual's private class, created inside Select: its class bindings are the only handle."""
    from textual.widgets._select import SelectOverlay

    SelectOverlay.BINDINGS = [Binding("escape", "dismiss", "收起列表")]
    SelectOverlay._merged_bindings = SelectOverlay._merge_bindings()  # Textual merges at class creation
