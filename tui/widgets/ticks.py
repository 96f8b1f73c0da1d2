"""Ticked and unticked told apart by the glyph, not only by colour: ``[x]`` and ``[ ]``.

Textual draws a Checkbox or a SelectionList entry as ``▐X▌`` either way and shows the state
by the colour of the X alone: under NO_COLOR, or to a clerk who cannot tell the two
colours apart, every box looked ticked."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList


def _glyph(ticked: bool) -> str:
    return "[x]" if ticked else "[ ]"


class Tick(Checkbox):
    """A Checkbox drawn ``[x]`` / ``[ ]``."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble((_glyph(self.value), style))


class TickList(SelectionList):
    """A SelectionList whose entries start with ``[x]`` / ``[ ]``.

    With no entries (a claim form's materials before a plan is chosen) it has no lines, so Tab
    passes over it: focus on a list with nothing to draw would be invisible. (Focused with nothing highlighted,
    the app highlights the first entry: ``HuzhuApp.on_descendant_focus``.)"""

    def allow_focus(self) -> bool:
        return super().allow_focus() and self.option_count > 0

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[0].text != "▐" or segments[2].text != "▌":
            return strip
        meta = (segments[1].style or RichStyle()).meta or {}
        index = meta.get("option")
        if index is None:
            return strip
        ticked = self.get_option_at_index(index).value in self.selected
        style = (segments[1].style or RichStyle()) + RichStyle(bold=True)
        return Strip([Segment(_glyph(ticked), style), *segments[3:]])
