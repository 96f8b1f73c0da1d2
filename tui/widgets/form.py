"""Form building blocks: a label column of fixed width, and one status line per form.

Chinese labels are two cells per character; a fixed-width label column keeps the fields of
a form lined up whatever the label length (Textual measures wide characters correctly).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static


class FieldRow(Horizontal):
    """A label in the form's label column, then its field."""

    def __init__(self, label: str, field: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = label
        self._field = field

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field-label")
        yield self._field


class StatusLine(Static):
    """The one line under a form that says what is going on: busy, failed, or nothing.

    The state is a CSS class (``-busy`` / ``-error``) so that it stays visible without
    colour too (the styles make errors bold and busy text italic)."""

    def show_busy(self, text: str) -> None:
        self.set_classes("-busy")
        self.update(text)

    def show_error(self, text: str) -> None:
        self.set_classes("-error")
        self.update(text)

    def clear(self) -> None:
        self.set_classes("")
        self.update("")
