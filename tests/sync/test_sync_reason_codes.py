"""The sync module's reason codes: one catalogue per family in sync/reasons.py, every code with its
two messages, and every reason written as a string in sync/ declared there (a typo fails here)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sync.reasons import IMPORT_MESSAGES, MESSAGES, PARAMS_MESSAGES, ImportReason, ParamsReason, Reason

SYNC = Path(__file__).resolve().parents[2] / "sync"
FAMILIES = {
    "Reason": (Reason, MESSAGES),
    "ImportReason": (ImportReason, IMPORT_MESSAGES),
    "ParamsReason": (ParamsReason, PARAMS_MESSAGES),
}
DECLARED = {str(code) for enum, _ in FAMILIES.values() for code in enum}
#: Where sync/ names a reason: (function, positional index of the reason, keyword).
REASON_ARGS = {
    "_msg": (0, None),
    "_refuse": (0, None),
    "ParamsRefused": (0, None),
    "_PayloadProblem": (0, None),
    "_require": (2, "reason"),
    "ImportOutcome": (2, "reason"),
    "BundleHeld": (None, "code"),
}


def reasons_in_source() -> dict[str, str]:
    """reason -> where, for every string literal sync/ passes as a reason."""
    found: dict[str, str] = {}
    for path in sorted(SYNC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in REASON_ARGS:
                continue
            index, keyword = REASON_ARGS[name]
            args = [node.args[index]] if index is not None and len(node.args) > index else []
            args += [k.value for k in node.keywords if k.arg == keyword]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"sync/{path.name}:{arg.lineno}")
    return found


def test_reasons_written_in_sync_are_declared():
    found = reasons_in_source()
    assert len(found) >= 10, found  # the scan still sees the call sites
    missing = {code: where for code, where in found.items() if code not in DECLARED}
    assert not missing, (
        "reasons used in sync/ but declared in no catalogue of sync/reasons.py (a typo, or a new reason): "
        "add a member to the right enum and its (中文, English) messages to its table: "
        + ", ".join(f"{code!r} at {where}" for code, where in sorted(missing.items()))
    )


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_has_both_messages_for_every_code(family):
    enum, table = FAMILIES[family]
    assert set(table) == set(enum), f"{family}: codes without messages {set(enum) - set(table)}"
    for code, (zh, en) in table.items():
        assert zh.strip() and en.strip(), code


def test_families_do_not_share_a_code():
    values = [str(code) for enum, _ in FAMILIES.values() for code in enum]
    assert len(values) == len(set(values))


@pytest.mark.parametrize("code", sorted(DECLARED))
def test_code_listed_with_its_message(code):
    messages = next(table for enum, table in FAMILIES.values() if code in {str(c) for c in enum})
    zh, en = {str(k): v for k, v in messages.items()}[code]
    assert zh and en
