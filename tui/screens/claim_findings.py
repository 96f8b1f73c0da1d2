"""初审确认: before recording a claim report that the preliminary check finds would not be
paid as reported (no cover on the incident date, more shares than held, every share in
observation — ``rules.claims.recorded_errors``), the clerk sees each finding with its article
and confirms. The register holds every report received (000 第十七条5), so such a report is
recorded, flagged, and declined through the lifecycle; this dialog only makes sure the clerk
has read why. The findings come from the rules; nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from rules import Decision

QUESTION = "初审发现以下问题，仍要登记吗？"


class FindingsDialog(ModalScreen[bool]):
    """The preliminary check's recorded errors, one paragraph each with its article;
    dismisses with True for 仍要登记 (Y), False to go back to the form (N or Esc)."""

    CSS_PATH = "claims.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "仍要登记", id="findings.register"),
        Binding("n,escape", "answer(False)", "返回修改", id="findings.cancel"),
    ]

    def __init__(self, findings: Sequence[Decision]) -> None:
        super().__init__()
        self.findings = list(findings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="findings-box", classes="panel") as box:
            box.border_title = "初审发现问题"
            yield Static(QUESTION, id="findings-question")
            for d in self.findings:
                # markup=False: a message may quote what was typed (a diagnosis) with brackets.
                yield Static(f"✗{d.message}\n 依据：{d.citation}", classes="finding", markup=False)
            yield Static(
                "登记后，此报案在登记簿中标为 ✗初审：按所报内容将不予给付，请核实后按流程上报、拒付。",
                classes="findings-note",
            )
            yield Static("按 Y 仍要登记，按 N 或 Esc 返回修改（不登记）", classes="muted")
        yield Footer()

    def action_answer(self, register: bool) -> None:
        self.dismiss(register)
