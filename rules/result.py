"""Decision and report objects returned by every rule.

A regulator must be able to see, for each thing the program allowed or refused, which
rule decided it, under which rule set, and with which figures. So no rule returns a bare
bool: it returns a `Decision` carrying a stable reason code, a concrete Chinese message,
the source article and the rule-set version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

#: Short titles of the source regulations (the seeds a citation names), by number; docs/rules.md lists them.
SEED_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "000": "代办处管理办法",
        "001": "稽核内容及标准",
        "002": "职工互助保障组织监督管理办法",
        "003": "互助互济支出使用办法",
        "004": "代办机构服务项目管理办法",
    }
)


class Severity(StrEnum):
    """How a decision weighs: an error stops the action, a warning needs attention."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from: a seed regulation (or an external standard) and its article.

    `configurable` marks figures the sources leave open (shown as 可配置 in docs/rules.md): the
    article is the one the figure belongs to, the value is the office's choice.
    """

    source: str
    article: str
    configurable: bool = False

    @classmethod
    def parse(cls, text: str, configurable: bool = False) -> Citation:
        """Parse "000 第十七条2" (seed number, one space, article) into a citation."""
        source, sep, article = text.strip().partition(" ")
        if not sep or not article.strip():
            raise ValueError(f"引用格式应为“文件编号 条款”，如“000 第十七条2”：{text!r}")
        if source not in SEED_TITLES:
            raise ValueError(f"未知的来源文件编号 {source!r}（应为 {', '.join(SEED_TITLES)} 之一）")
        return cls(source, article.strip(), configurable)

    @property
    def short(self) -> str:
        """The compact form stored in data files, e.g. "000 第十七条2"."""
        return f"{self.source} {self.article}"

    def __str__(self) -> str:
        title = SEED_TITLES.get(self.source)
        text = f"《{title}》({self.source}) {self.article}" if title else f"{self.source} {self.article}"
        return f"{text}（来源未规定具体数值，可配置）" if self.configurable else text


@dataclass(frozen=True)
class Decision:
    """One rule's verdict on one question.

    `outcome` is the short answer callers branch on (e.g. "renewal", "refused"); `code`
    is the stable reason code for logs and tests; `message` is what the clerk reads.
    """

    outcome: str
    code: str
    message: str
    citation: Citation
    ruleset: str
    severity: Severity = Severity.INFO
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    @property
    def ok(self) -> bool:
        """True unless the decision refuses (severity error)."""
        return self.severity is not Severity.ERROR

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}（依据：{self.citation}；规则集 {self.ruleset}）"


@dataclass(frozen=True)
class Report:
    """The decisions of a check that asks several questions at once."""

    decisions: tuple[Decision, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "decisions", tuple(self.decisions))

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.decisions)

    @property
    def errors(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.severity is Severity.WARNING)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.decisions)

    def __iter__(self) -> Iterator[Decision]:
        return iter(self.decisions)

    def __len__(self) -> int:
        return len(self.decisions)


class RuleViolation(Exception):
    """Raised where a caller must stop: carries the refusing decision (and its report)."""

    def __init__(self, decision: Decision, report: Report | None = None) -> None:
        super().__init__(str(decision))
        self.decision = decision
        self.report = report


def require(result: Decision | Report) -> Decision | Report:
    """Return `result` unchanged if it allows the action, else raise `RuleViolation`.

    For a report, the first error is the violation; the whole report travels with it.
    """
    if isinstance(result, Report):
        if result.errors:
            raise RuleViolation(result.errors[0], result)
        return result
    if not result.ok:
        raise RuleViolation(result)
    return result
