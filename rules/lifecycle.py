"""Common checks of the rules' state machines (claims, failed direct pay, disbursements).

Every step of a register must follow the allowed order, name the clerk who made it
("谁操作谁负责", 000 第二十一条) and never be dated before the step it follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from rules.params import RuleSet
from rules.result import Citation, Decision, Severity


def check_step(
    rs: RuleSet,
    prefix: str,
    citation: Citation,
    transitions: Mapping[str | None, frozenset[str]],
    labels: Mapping[str, str],
    current: str | None,
    last_on: date | None,
    state: str,
    on: date,
    clerk: str,
) -> Decision | None:
    """The refusal of an illegal, undated-backwards or anonymous step, or None if the step may follow.

    Reason codes: `{prefix}.illegal_transition`, `{prefix}.date_backwards`, `{prefix}.clerk_required`.
    """
    allowed = transitions.get(current, frozenset())
    if state not in allowed:
        after = f"“{labels[current]}”之后" if current else "首个环节"
        permitted = "、".join(labels[s] for s in sorted(allowed)) or "无（已办结）"
        return rs.decide(
            "refused",
            f"{prefix}.illegal_transition",
            f"{after}不能进入“{labels.get(state, state)}”，可进入：{permitted}",
            citation,
            Severity.ERROR,
            current=current,
            requested=state,
        )
    if last_on is not None and on < last_on:
        return rs.decide(
            "refused",
            f"{prefix}.date_backwards",
            f"“{labels[state]}”日期 {on.isoformat()} 早于上一环节日期 {last_on.isoformat()}",
            citation,
            Severity.ERROR,
            earliest=last_on,
        )
    if not clerk.strip():
        return rs.decide(
            "refused", f"{prefix}.clerk_required", f"“{labels[state]}”须记录经办人", citation, Severity.ERROR
        )
    return None
