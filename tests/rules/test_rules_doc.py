"""docs/rules.md is what rules/ says today (it is generated, never edited by hand)."""

from pathlib import Path

from rules.doc import COMMAND, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), f"docs/rules.md is out of date: run `{COMMAND}` (or make docs)"


def test_rules_doc_lists_every_reason_code_once():
    from rules.reasons import CODES

    text = DOC.read_text(encoding="utf-8")
    assert all(text.count(f"| `{code}` |") == 1 for code in CODES)
