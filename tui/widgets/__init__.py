"""Small widgets shared by the screens: labelled form rows, a status line, a facts table."""

from tui.widgets.facts import Facts
from tui.widgets.form import FieldRow, StatusLine

__all__ = ["Facts", "FieldRow", "StatusLine"]
