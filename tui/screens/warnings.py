"""After unlock: what the checks at unlock found, in a dialog the clerk has to acknowledge.

``models.db.unlock`` puts its findings in ``Session.warnings`` (Chinese): damaged pages or an
audit chain behind its high-water mark (the database was opened read-only), or a database
behind the bundles already sent to the office (an older backup restored: export is blocked
until a supervisor reconciles). The command line prints them; the TUI shows them here, over
the first screen, until Enter or Esc.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class WarningsDialog(ModalScreen[None]):
    """The unlock's warnings, one paragraph each; Enter or Esc closes it."""

    CSS_PATH = "warnings.tcss"
    BINDINGS = [Binding("enter,escape", "close", "知道了", id="warnings.close")]

    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = list(warnings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="warnings-box", classes="panel") as box:
            box.border_title = "请注意"
            for text in self.warnings:
                # markup=False: a message may quote text (a damaged page's report) with brackets.
                yield Static(text, classes="warning-text", markup=False)
            yield Static("按 Enter 或 Esc 关闭", classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
