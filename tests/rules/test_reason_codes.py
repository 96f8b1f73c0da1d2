"""The rules' reason codes: every code a rule can return is declared once in rules/reasons.py.

Codes are found in the source (string literals "R<n>.…" in rules/, and the prefixes given to
rules.lifecycle.check_step), so a typo or a new case fails here before any user sees it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rules.reasons import CODES, STEP_REFUSALS
from rules.result import Citation

RULES = Path(__file__).resolve().parents[2] / "rules"
CODE_RE = re.compile(r"^R\d+(\.[A-Za-z0-9_]+)+$")


def _template(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    return "…中文…"


def used_codes() -> dict[str, tuple[str, str]]:
    """code -> (where, message template) for every code in rules/ outside the catalogue."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(RULES.glob("*.py")):
        if path.name == "reasons.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefixes: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "check_step":
                arg = node.args[1] if len(node.args) > 1 else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("R"):
                    prefixes.add(id(arg))
                    for suffix in STEP_REFUSALS:
                        found.setdefault(f"{arg.value}.{suffix}", (f"rules/{path.name}:{arg.lineno}", "…"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for i, arg in enumerate(node.args):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE_RE.match(arg.value):
                        if id(arg) not in prefixes:
                            message = _template(node.args[i + 1] if i + 1 < len(node.args) else None)
                            found.setdefault(arg.value, (f"rules/{path.name}:{arg.lineno}", message))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_RE.match(node.value):
                if id(node) not in prefixes:
                    found.setdefault(node.value, (f"rules/{path.name}:{node.lineno}", "…中文…"))
    return found


def test_every_code_a_rule_returns_is_declared():
    missing = {code: where for code, where in used_codes().items() if code not in CODES}
    lines = [
        f'    _c("{code}", "{message}", "…English…", "<seed article, e.g. 000 第十七条2, or None>"),  # {where}'
        for code, (where, message) in sorted(missing.items())
    ]
    assert not missing, (
        "reason codes used in rules/ but not declared in rules/reasons.py (a typo, or a new case): "
        "add these lines to CODES there, in their section, then run `python -m rules.doc > docs/rules.md`\n"
        + "\n".join(lines)
    )


def test_every_declared_code_is_used():
    unused = sorted(set(CODES) - set(used_codes()))
    assert not unused, f"declared in rules/reasons.py but no rule returns them any more: remove {unused}"


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_has_its_messages_and_a_valid_citation(code):
    c = CODES[code]
    assert CODE_RE.match(c.code) and c.zh.strip() and c.en.strip(), c
    if c.citation is not None:
        Citation.parse(c.citation)  # raises on a citation that names no seed or no article


def test_step_refusals_are_the_ones_lifecycle_returns():
    source = (RULES / "lifecycle.py").read_text(encoding="utf-8")
    returned = set(re.findall(r'f"\{prefix\}\.(\w+)"', source))
    assert returned == set(STEP_REFUSALS), "rules/reasons.py STEP_REFUSALS must list lifecycle.check_step's refusals"
