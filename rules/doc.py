"""docs/rules.md, generated from the rules themselves: ``python -m rules.doc > docs/rules.md``.

Every rule (R1.1 …) with what it decides (its reason codes, rules/reasons.py), the functions that
decide it (their docstrings), its figures in each rule set (rules/data/rulesets.toml) and the
regulation and article each comes from. tests/rules/test_rules_doc.py fails when the file is
not what this prints.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from types import ModuleType

from rules import (
    audit,
    branches,
    budget,
    claims,
    coverage,
    disbursements,
    enrolment,
    entry_dates,
    export,
    members,
    projects,
    staff,
)
from rules.params import FIGURE_SPECS, Figure, RuleSet, _format_value, packaged_rulesets
from rules.reasons import CODES, ReasonCode
from rules.result import SEED_TITLES, Citation

COMMAND = "python -m rules.doc > docs/rules.md"
_MODULES: tuple[ModuleType, ...] = (
    entry_dates,
    enrolment,
    members,
    coverage,
    claims,
    disbursements,
    budget,
    staff,
    export,
    audit,
    projects,
    branches,
)
_DOC_RULE = re.compile(r"^(R\d+(?:\.\d+)?)(?:\s*[/,]\s*R\d+(?:\.\d+)?)*\b")


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section[1:].split("."))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _cite(text: str | None) -> str:
    return str(Citation.parse(text)) if text else "（随规则集或保障计划）"


def _deciders() -> dict[str, list[tuple[str, str]]]:
    """section -> [(module.function, first paragraph of its docstring)] for docstrings that open with the rule."""
    out: dict[str, list[tuple[str, str]]] = {}
    for module in _MODULES:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            doc = inspect.getdoc(fn) or ""
            match = _DOC_RULE.match(doc)
            if match:
                first = doc.split("\n\n", 1)[0]
                for section in re.findall(r"R\d+(?:\.\d+)?", match.group(0)):
                    out.setdefault(section, []).append((f"{module.__name__}.{name}", first))
    return out


def _figure_value(figure: Figure | None) -> str:
    if figure is None:
        return "—"
    value, unit = _format_value(figure)
    return f"{value} {unit}".strip()


def _figures_table(keys: list[str], sets: tuple[RuleSet, ...]) -> Iterator[str]:
    yield "| 数值 figure | " + " | ".join(rs.version for rs in sets) + " | 依据 citation |"
    yield "|---|" + "---|" * len(sets) + "---|"
    for key in keys:
        cited = {str(rs.figures[key].citation) for rs in sets if key in rs.figures}
        values = " | ".join(_cell(_figure_value(rs.figures.get(key))) for rs in sets)
        yield f"| {FIGURE_SPECS[key].name} (`{key}`) | {values} | {_cell('；'.join(sorted(cited)))} |"


def render() -> str:
    sets = packaged_rulesets().sets
    by_section: dict[str, list[ReasonCode]] = {}
    for code in CODES.values():
        by_section.setdefault(code.section, []).append(code)
    deciders = _deciders()
    lines = [
        "# 业务规则 Business rules",
        "",
        f"<!-- Generated from rules/ by `{COMMAND}`; do not edit by hand. -->",
        "",
        "Every rule the program applies, as the code applies it: the reason codes it decides with",
        "(rules/reasons.py), the functions that decide it, and the figures it uses in each rule set",
        "(rules/data/rulesets.toml), each with the regulation and article it comes from.",
        "A rule set is in force from its date until the next one.",
        "",
        "## 依据文件 Sources",
        "",
        "| 编号 | 文件 |",
        "|---|---|",
        *(f"| {number} | 《{title}》 |" for number, title in SEED_TITLES.items()),
        "",
        "## 规则集 Rule sets",
        "",
        "| 版本 | 起施行 | 名称 |",
        "|---|---|---|",
        *(f"| {rs.version} | {rs.effective_from.isoformat()} | {_cell(rs.title)} |" for rs in sets),
        "",
        "## 规则 Rules",
    ]
    all_figure_keys = list(FIGURE_SPECS)
    group = ""
    for section in sorted(by_section, key=_section_key):
        codes = sorted(by_section[section], key=lambda c: c.code)
        if section.split(".")[0] != group:
            group = section.split(".")[0]
            lines += ["", f"### {group}"]
        if section != group:
            lines += ["", f"#### {section}"]
        lines.append("")
        for name, first in deciders.get(section, []):
            lines.append(f"- `{name}`: {_cell(first)}")
        if deciders.get(section):
            lines.append("")
        lines += ["| 代码 code | 判定 decides | English | 依据 citation |", "|---|---|---|---|"]
        lines += [f"| `{c.code}` | {_cell(c.zh)} | {_cell(c.en)} | {_cell(_cite(c.citation))} |" for c in codes]
        articles = {c.citation for c in codes if c.citation}
        keys = [
            key
            for key in all_figure_keys
            if any(key in rs.figures and rs.figures[key].citation.short in articles for rs in sets)
        ]
        if keys:
            lines += ["", "Figures under the same articles, per rule set:", ""]
            lines += list(_figures_table(keys, sets))
    lines += ["", "## 全部数值 All figures per rule set", ""]
    lines += list(_figures_table(all_figure_keys, sets))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
