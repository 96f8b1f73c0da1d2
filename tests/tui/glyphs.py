"""Counting glyphs drawn in the colour of their own background (issue 14 item 4).

A terminal's default foreground and background are two different colours, whatever they
are; an ANSI colour is one of 16 fixed slots. So a glyph is invisible when its foreground
and background name the same slot, or when one is the terminal's default and the other is
the slot that default is on this kind of terminal (black for a dark terminal's background,
white for a light one's)."""

from __future__ import annotations

from rich.color import Color, ColorType
from textual.app import App

from tests.tui.textual_private import screen_strips

#: The ANSI slots a terminal's default background (and foreground) look like.
DEFAULT_LOOKS = {"dark": ({0}, {7, 15}), "light": ({7, 15}, {0})}


def _slot(color: Color | None, default: set[int]) -> set[int] | tuple | None:
    if color is None or color.type is ColorType.DEFAULT:
        return set(default)
    if color.type in (ColorType.STANDARD, ColorType.EIGHT_BIT) and color.number is not None and color.number < 16:
        return {color.number}
    return color.get_truecolor()


def invisible_glyphs(app: App, terminal: str = "dark") -> list[tuple[int, str]]:
    """(line, text) of every run of visible characters whose foreground equals its background."""
    default_bg, default_fg = DEFAULT_LOOKS[terminal]
    found = []
    for y, strip in enumerate(screen_strips(app)):
        for segment in strip:
            text, style = segment.text, segment.style
            if not text.strip() or style is None:
                continue
            fg, bg = style.color, style.bgcolor
            if style.reverse:
                fg, bg = bg, fg
            fg_slot, bg_slot = _slot(fg, default_fg), _slot(bg, default_bg)
            same = (fg_slot & bg_slot) if isinstance(fg_slot, set) and isinstance(bg_slot, set) else fg_slot == bg_slot
            if same:
                found.append((y, text))
    return found
