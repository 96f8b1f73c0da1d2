"""Lists whose lines are shown whole (#14 item 9): a line wider than the list goes on under itself.

待办 and 会员查询 list one item per line with its tag or name in front; cutting the rest at the
list's edge made ``高温/寒冷/雾霾慰问品`` read ``高温/寒冷/雾 …``. Here a long line wraps, and its
continuation starts under the text after the item's fixed-width head (a hanging indent), so the
heads still read down the left edge. The wrapping is done for the list's width and again when
the terminal is resized: Textual's own wrapping knows no hanging indent, and a Rich table per
line (which would) makes a list of a thousand lines take seconds to lay out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

#: Wrapping measures text only; this console is never printed to.
_CONSOLE = Console(width=200, file=None, color_system=None, legacy_windows=False)


def hang(text: Text, width: int, indent: int) -> Text:
    """``text`` wrapped to ``width`` cells, the continuation of its first line indented by
    ``indent`` cells (the first ``indent`` cells of ``text`` are its head), that of a later line
    (``text`` may hold several) by the spaces it starts with. Nothing is cut: a word longer than
    a line is folded."""
    if width <= 0 or ("\n" not in text.plain and text.cell_len <= width):
        return text
    out = text[:0]
    for number, part in enumerate(text.split("\n")):
        if number:
            out.append("\n")
        lead = indent if number == 0 else len(part.plain) - len(part.plain.lstrip(" "))
        out.append_text(_hang_line(part, width, lead))
    return out


def _hang_line(text: Text, width: int, indent: int) -> Text:
    if text.cell_len <= width or indent >= width:
        return text
    # The head is the line's first ``indent`` cells (a tag padded to them).
    split, taken = 0, 0
    while split < len(text.plain) and taken < indent:
        taken += cell_len(text.plain[split])
        split += 1
    head, body = text[:split], text[split:]
    out = head.copy()
    for number, line in enumerate(body.wrap(_CONSOLE, width - taken, overflow="fold")):
        if number:
            out.append("\n" + " " * taken)
        line.rstrip()
        out.append_text(line)
    return out


@dataclass(frozen=True)
class Line:
    """One line of a ``WrappedList``: its text, how many of its first cells stay in front of
    its continuation lines, and the option's id (None for a heading nobody selects)."""

    text: Text
    indent: int = 0
    id: str | None = None
    disabled: bool = False


class WrappedList(OptionList):
    """An ``OptionList`` of ``Line``s, each wrapped for the list's width with a hanging indent,
    again when the width changes (the highlighted line stays highlighted).

    With a ``placeholder``, a list without lines shows it as a line nobody selects and has the
    class ``-empty``: an empty list Tab lands on would otherwise show neither what it is for nor
    that it has the focus (huzhu.tcss reverses the placeholder while the list is focused)."""

    def __init__(self, *args: object, placeholder: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # OptionList's own arguments, passed on
        self._source: list[Line] = []
        self._wrapped_for = 0
        self._placeholder = placeholder

    @property
    def placeholder(self) -> str:
        return self._placeholder

    @placeholder.setter
    def placeholder(self, text: str) -> None:
        self._placeholder = text
        if not self._source:
            self._lay_out()

    @property
    def has_lines(self) -> bool:
        """Whether the list has lines of its own (the placeholder is not one)."""
        return bool(self._source)

    def on_mount(self) -> None:
        if self._placeholder and not self._source:
            self._lay_out()

    def text_width(self) -> int:
        """The cells an option's text has: the list's inside less the options' padding and a
        scrollbar, whether or not one is shown (wrapping may make the list tall enough for one,
        and a width that changed with the scrollbar would need another layout)."""
        padding = self.get_component_styles("option-list--option").padding.width
        inside = self.content_region.width - self.styles.scrollbar_size_vertical
        return max(inside - self._get_left_gutter_width() - padding, 0)

    def set_lines(self, lines: Sequence[Line]) -> None:
        """The list's lines (replacing those there were); the highlight stays on the line of
        the same id if there still is one."""
        self._source = list(lines)
        self._lay_out()

    def clear_options(self) -> WrappedList:
        self._source = []
        if self._placeholder:
            self._lay_out()
        else:
            super().clear_options()
        return self

    def _lay_out(self) -> None:
        highlighted = self.highlighted_option.id if self.highlighted_option is not None else None
        width = self.text_width()
        self._wrapped_for = width
        super().clear_options()
        lines = self._source
        if not lines and self._placeholder:
            lines = [Line(Text(self._placeholder, style="italic"), disabled=True)]
        self.set_class(not self._source and bool(self._placeholder), "-empty")
        # One call for all: thousands of lines on a large branch (issue 15).
        self.add_options(
            [Option(hang(line.text, width, line.indent), id=line.id, disabled=line.disabled) for line in lines]
        )
        if highlighted is not None:
            try:
                self.highlighted = self.get_option_index(highlighted)
            except OptionDoesNotExist:  # that line is gone: the caller chooses another
                pass

    def on_resize(self, event: events.Resize) -> None:
        # Textual calls OptionList's own handler (which clears its caches) after this one.
        if (self._source or self._placeholder) and self.text_width() != self._wrapped_for:
            scroll = self.scroll_y
            with self.prevent(OptionList.OptionHighlighted):
                self._lay_out()
            self.scroll_to(y=scroll, animate=False, immediate=True)
