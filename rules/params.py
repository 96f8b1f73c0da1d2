"""Effective-dated rule parameters (规则集): loading, validation and lookup by date.

The figures the rules apply (windows, caps, deadlines, weights, plans) are data shipped in
`rules/data/rulesets.toml`, each with the article it comes from. A later regulation replaces
an earlier one from its effective date (003 第十四条 repealed the 2019 rules), so a decision
is made with the rule set in force on the date it concerns and names that rule set. A change
of figures from a date is a new rule set in the data file, not a code change.

Loading validates every figure's type and the figures that must agree with each other. R3.1's
hierarchy ("原则上…慰问标准不高于救助标准", 003 第三条3) is not one of them: 原则上 makes it a
per-case warning that needs a stated reason (``rules.disbursements.check_hierarchy``), not a
refusal of configuration.

Rule sets go back to 2017-01-01 (000 第三十一条). A figure whose source was not yet in force
(003's caps before 2022-12, 002's term limit before 2020-03-02) is simply absent from the
earlier sets: asking for it raises `NoFigureInForce`, and a rule that needs it skips its
check and says so (R1.10), never borrowing a later figure.

Plans, prices, observation days, materials and APP conditions come from the office's
parameter notices (参数通知, `ParamNotice`). The branch's database holds the installed
notices; models load them and hand the combined rule sets in with `use_rulesets`, so every
`ruleset_on` call decides with the notice in force. Until a notice covers a date, the
packaged sample plans (marked 示例配置) apply from 2022-12-01, and none before.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeGuard

from rules.money import format_fen
from rules.result import Citation, Decision, Severity

PLAN_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {"medical": "医疗类", "critical_illness": "重大疾病类", "accident": "意外伤害类"}
)
SAMPLE_MARKER = "示例配置"
NO_FIGURE_MARKER = "无当时数值"
#: 000 第三十一条: the earliest date any rule applies; records before it are unchecked history.
EARLIEST_RULES = date(2017, 1, 1)


@dataclass(frozen=True)
class FigureSpec:
    """What a figure means: Chinese name for tables, unit, and the kind of value it holds."""

    name: str
    unit: str
    kind: str  # "count" (int > 0), "fen" (int > 0), "fraction", "month_day", "labels"


FIGURE_SPECS: Mapping[str, FigureSpec] = MappingProxyType(
    {
        "renewal_window_before_days": FigureSpec("续保办理窗口：保单失效日前", "天", "count"),
        "renewal_window_after_days": FigureSpec("续保宽限：失效日后（超过视为首次参保）", "天", "count"),
        "term_max_years": FigureSpec("保障期限上限", "年", "count"),
        "duplicate_claim_window_days": FigureSpec("疑似重复报案比对期间", "天", "count"),
        "claim_submit_overdue_days": FigureSpec("报案登记后未上报提醒", "天", "count"),
        "claim_resubmit_overdue_days": FigureSpec("打回后未重新上报提醒", "天", "count"),
        "hardship_aid_year_cap_fen": FigureSpec("生活救助金 每人每年上限", "元", "fen"),
        "education_aid_year_cap_fen": FigureSpec("子女助学金 每生每年上限", "元", "fen"),
        "education_aid_excluded_student_kinds": FigureSpec("子女助学金 不在救助范围", "类", "labels"),
        "small_goods_occasion_cap_fen": FigureSpec("日常小额慰问品 每人每次上限", "元", "fen"),
        "weather_goods_occasion_cap_fen": FigureSpec("高温/寒冷/雾霾慰问品 每次人均上限", "元", "fen"),
        "weather_goods_year_cap_fen": FigureSpec("高温/寒冷/雾霾慰问品 年度人均上限", "元", "fen"),
        "condolence_cash_occasion_cap_fen": FigureSpec("慰问金 每人每次上限", "元", "fen"),
        "activity_prize_winner_cap_fen": FigureSpec("文体活动奖品 每人上限", "元", "fen"),
        "activity_winners_max_share": FigureSpec("文体活动获奖人数 占参与人数上限", "比例", "fraction"),
        "activity_participation_avg_cap_fen": FigureSpec("文体活动参与奖 人均上限", "元", "fen"),
        "cash_payment_max_fen": FigureSpec("现场现金发放上限（以上须转账）", "元", "fen"),
        "handover_report_deadline_days": FigureSpec("人员交接后上报办事处期限", "天", "count"),
        "handover_items": FigureSpec("交接清单", "项", "labels"),
        "login_warn_days": FigureSpec("业务系统登录间隔提醒", "天", "count"),
        "login_max_days": FigureSpec("业务系统登录间隔上限", "天", "count"),
        "supplier_weight_qualification": FigureSpec("供应商评分：资质与实力 满分", "分", "count"),
        "supplier_weight_price": FigureSpec("供应商评分：财务报价 满分", "分", "count"),
        "supplier_weight_quality": FigureSpec("供应商评分：产品质量与性能指标 满分", "分", "count"),
        "supplier_weight_after_sales": FigureSpec("供应商评分：售后服务 满分", "分", "count"),
        "supplier_min_quotes": FigureSpec("采购比选最少报价", "家", "count"),
        "bulk_purchase_threshold_fen": FigureSpec("大宗商品采购：须比选的金额（以上须三家报价及评分）", "元", "fen"),
        "project_plan_lead_months": FigureSpec("服务项目实施方案提前报送", "月", "count"),
        "project_materials_lead_working_days": FigureSpec("服务项目实施资料提前提供", "工作日", "count"),
        "selfassessment_window_start": FigureSpec("年度自审开始", "月-日", "month_day"),
        "selfassessment_window_end": FigureSpec("年度自审截止（次年）", "月-日", "month_day"),
        "committee_meetings_per_quarter": FigureSpec("管委会会议 每季度至少", "次", "count"),
        "trainings_per_year_min": FigureSpec("业务培训 每年至少", "次", "count"),
        "articles_per_year_min": FigureSpec("向办事处投稿 每年至少", "篇", "count"),
        "fee_pay_deadline_days": FigureSpec("会费缴纳期限：保单起始后", "天", "count"),
        "fee_remit_deadline_days": FigureSpec("会费上交期限：收款后", "天", "count"),
        "collective_decision_threshold_fen": FigureSpec("大额资金集体决策起点（超过须集体决策）", "元", "fen"),
    }
)

SUPPLIER_WEIGHTS = (
    "supplier_weight_qualification",
    "supplier_weight_price",
    "supplier_weight_quality",
    "supplier_weight_after_sales",
)
TERM_CITATION = Citation("002", "第十五条")


class RuleSetError(ValueError):
    """The rule-set data is invalid configuration; the message lists every problem."""


@dataclass(frozen=True)
class Figure:
    """One parameter of a rule set, with the article it comes from."""

    key: str
    value: Any
    citation: Citation

    @property
    def spec(self) -> FigureSpec:
        return FIGURE_SPECS[self.key]


@dataclass(frozen=True)
class PlanParams:
    """A plan's parameters. The sources define no plan: shipped plans are sample configuration."""

    code: str
    name: str
    category: str
    term_months: int
    share_price_fen: int
    observation_days: int
    illness_subject_to_observation: bool
    required_materials: tuple[str, ...]
    sample: bool
    observation_citation: Citation
    materials_citation: Citation
    #: R2.5: whether a claim in this plan meets the office's APP申报条件, and the conditions' text.
    app_eligible: bool = False
    app_conditions: str = ""
    #: R1.6: the stated reason for a term over the limit (002 第十五条 says 一般), if any.
    term_reason: str = ""
    #: R1.10: the plan is known but no figure of it is in force on the date (stand-in params).
    no_figure: bool = False

    @property
    def label(self) -> str:
        """Name and code, with the sample-configuration or no-figure marker where it applies."""
        text = f"{self.name}({self.code})"
        if self.no_figure:
            return f"{text}【{NO_FIGURE_MARKER}】"
        return f"{text}【{SAMPLE_MARKER}】" if self.sample else text


def no_figure_plan(code: str) -> PlanParams:
    """Stand-in for a plan known from other dates but with no figure in force (R1.10):
    no observation period, no term, no materials; checks needing them are skipped."""
    return PlanParams(
        code=code,
        name=code,
        category="medical",
        term_months=0,
        share_price_fen=0,
        observation_days=0,
        illness_subject_to_observation=True,
        required_materials=(),
        sample=False,
        observation_citation=Citation("000", "第三十一条", True),
        materials_citation=Citation("000", "第三十一条", True),
        no_figure=True,
    )


class NoFigureInForce(LookupError):
    """A figure asked for on a date when no rule set in force states it (R1.10)."""


@dataclass(frozen=True)
class NoticeSource:
    """Where an installed parameter notice came from (provenance shown by `rules show`)."""

    reference: str
    title: str
    effective_from: date
    office_fingerprint: str = ""
    installed_by: str = ""
    installed_at: str = ""


@dataclass(frozen=True)
class RuleSet:
    """All figures in force from `effective_from` until the next rule set."""

    version: str
    effective_from: date
    title: str
    figures: Mapping[str, Figure]
    plans: Mapping[str, PlanParams]
    #: plan codes known from any rule set (a known plan without figures here is R1.10's case)
    known_plans: frozenset[str] = frozenset()
    #: the office parameter notice whose plans this set carries (None: packaged plans)
    notice: NoticeSource | None = None
    #: records dated before 2017-01-01: loaded as unchecked history (R1.10)
    unchecked_history: bool = False

    def __getitem__(self, key: str) -> Any:
        figure = self.figures.get(key)
        if figure is None:
            name = FIGURE_SPECS[key].name if key in FIGURE_SPECS else key
            raise NoFigureInForce(
                f"规则集 {self.version}（{self.effective_from.isoformat()} 起）没有“{name}”的"
                f"当时数值（{NO_FIGURE_MARKER}）"
            )
        return figure.value

    def has(self, key: str) -> bool:
        """Whether the figure is in force in this rule set (R1.10: absent before its source)."""
        return key in self.figures

    def cite(self, key: str) -> Citation:
        figure = self.figures.get(key)
        return figure.citation if figure is not None else Citation("000", "第三十一条")

    def plan(self, code: str) -> PlanParams | None:
        return self.plans.get(code)

    def plan_or_no_figure(self, code: str) -> PlanParams | None:
        """The plan's parameters; a no-figure stand-in for a plan known on other dates; else None."""
        params = self.plans.get(code)
        if params is None and code in self.known_plans:
            return no_figure_plan(code)
        return params

    @property
    def uses_sample(self) -> bool:
        """Whether any plan value in force here is sample configuration (示例配置)."""
        return any(p.sample for p in self.plans.values())

    def decide(
        self,
        outcome: str,
        code: str,
        message: str,
        cite: str | Citation,
        severity: Severity = Severity.INFO,
        /,
        **data: Any,
    ) -> Decision:
        """A decision made under this rule set; `cite` is a Citation or a figure key. The named
        arguments are positional-only so that a key in `data` can never take their place."""
        citation = cite if isinstance(cite, Citation) else self.cite(cite)
        return Decision(outcome, code, message, citation, self.version, severity, data)


@dataclass(frozen=True)
class RuleSets:
    """The rule sets of a data file, ordered by effective date."""

    sets: tuple[RuleSet, ...]

    def on(self, d: date) -> RuleSet:
        """The rule set in force on `d`: the latest whose effective_from is on or before `d`."""
        in_force = [rs for rs in self.sets if rs.effective_from <= d]
        if not in_force:
            earliest = self.sets[0].effective_from if self.sets else None
            raise LookupError(f"{d.isoformat()} 早于所有规则集的生效日（最早 {earliest}），无法按当时规则作出判断")
        return in_force[-1]

    def for_record(self, d: date) -> RuleSet:
        """The rule set for a record dated `d`: `on(d)`, or before 2017-01-01 (000 第三十一条)
        the unchecked-history set with no figures, under which records load unchecked (R1.10)."""
        if d < EARLIEST_RULES or (self.sets and d < self.sets[0].effective_from):
            return RuleSet(
                "未核查历史",
                date.min,
                "2017-01-01 前的历史记录：按原样载入，不作规则核查",
                MappingProxyType({}),
                MappingProxyType({}),
                known_plans=self.known_plans,
                unchecked_history=True,
            )
        return self.on(d)

    @property
    def known_plans(self) -> frozenset[str]:
        return frozenset(code for rs in self.sets for code in rs.plans)

    @property
    def plan_names(self) -> dict[str, str]:
        """Every plan's name (code → name) for lists spanning rule sets: the latest set's name
        of each plan, so a plan a later set no longer offers is still named, not shown as a code."""
        return {code: params.name for rs in self.sets for code, params in rs.plans.items()}

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self.sets)

    def __len__(self) -> int:
        return len(self.sets)


# ---------------------------------------------------------------------------- loading


def _check_keys(
    where: str, table: Mapping[str, Any], required: Iterable[str], optional: Iterable[str], errors: list[str]
) -> bool:
    required, allowed = set(required), set(required) | set(optional)
    missing = sorted(required - table.keys())
    unknown = sorted(table.keys() - allowed)
    if missing:
        errors.append(f"{where}: 缺少 {', '.join(missing)}")
    if unknown:
        errors.append(f"{where}: 未知的键 {', '.join(unknown)}")
    return not missing


def _positive_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _parse_month_day(text: Any) -> tuple[int, int] | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != "-":
        return None
    try:
        date(2000, int(text[:2]), int(text[3:]))  # 2000 is a leap year: 02-29 is allowed
    except ValueError:
        return None
    return int(text[:2]), int(text[3:])


def _parse_value(key: str, kind: str, value: Any, where: str, errors: list[str]) -> Any:
    if kind in ("count", "fen"):
        if not _positive_int(value):
            errors.append(f"{where}: 应为正整数{'（分）' if kind == 'fen' else ''}，实为 {value!r}")
        return value
    if kind == "fraction":
        try:
            fraction = Fraction(value) if isinstance(value, str) else None
        except (ValueError, ZeroDivisionError):
            fraction = None
        if fraction is None or not 0 < fraction <= 1:
            errors.append(f'{where}: 应为 0 到 1 之间的分数，如 "2/3"，实为 {value!r}')
        return fraction
    if kind == "month_day":
        parsed = _parse_month_day(value)
        if parsed is None:
            errors.append(f'{where}: 应为 "MM-DD" 形式的有效月日，实为 {value!r}')
        return parsed
    if kind == "labels":
        if (
            not isinstance(value, Mapping)
            or not value
            or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())
        ):
            errors.append(f"{where}: 应为非空的“代码 = 中文名称”表，实为 {value!r}")
            return MappingProxyType({})
        return MappingProxyType(dict(value))
    raise AssertionError(f"unknown figure kind {kind} for {key}")


def _parse_citation(raw: Mapping[str, Any], where: str, errors: list[str]) -> Citation | None:
    configurable = raw.get("configurable", False)
    if not isinstance(configurable, bool):
        errors.append(f"{where}.configurable: 应为 true/false")
        configurable = False
    if not isinstance(raw.get("citation"), str):
        errors.append(f"{where}.citation: 应为“文件编号 条款”字符串")
        return None
    try:
        return Citation.parse(raw["citation"], configurable)
    except ValueError as exc:
        errors.append(f"{where}.citation: {exc}")
        return None


def _parse_cited(raw: Any, where: str, errors: list[str]) -> tuple[Any, Citation | None] | None:
    if not isinstance(raw, Mapping):
        errors.append(f'{where}: 应为 {{ value = …, citation = "…" }} 表')
        return None
    if not _check_keys(where, raw, ("value", "citation"), ("configurable",), errors):
        return None
    return raw["value"], _parse_citation(raw, where, errors)


_PLAN_KEYS = (
    "code",
    "name",
    "category",
    "sample",
    "term_months",
    "share_price_fen",
    "illness_subject_to_observation",
    "observation_days",
    "required_materials",
)
_PLAN_OPTIONAL = ("app_eligible", "app_conditions", "term_reason")


def _check_plan_term(where: str, term_months: Any, term_max_years: Any, reason: Any, errors: list[str]) -> None:
    """R1.6 on plan data: a term over the limit needs a stated reason (002 第十五条 says 一般)."""
    if (
        _positive_int(term_months)
        and _positive_int(term_max_years)
        and term_months > term_max_years * 12
        and not (isinstance(reason, str) and reason.strip())
    ):
        errors.append(
            f"{where}.term_months: {term_months} 个月超过保障期限上限 {term_max_years} 年"
            f"（002 第十五条“一般”）：须写明理由 term_reason"
        )


def _parse_plan(raw: Any, where: str, term_max_years: Any, errors: list[str]) -> PlanParams | None:
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: 应为表")
        return None
    if not _check_keys(where, raw, _PLAN_KEYS, _PLAN_OPTIONAL, errors):
        return None
    for key in ("code", "name"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            errors.append(f"{where}.{key}: 应为非空字符串")
    if raw["category"] not in PLAN_CATEGORIES:
        errors.append(f"{where}.category: 应为 {', '.join(PLAN_CATEGORIES)} 之一，实为 {raw['category']!r}")
    for key in ("sample", "illness_subject_to_observation"):
        if not isinstance(raw[key], bool):
            errors.append(f"{where}.{key}: 应为 true/false")
    for key in ("term_months", "share_price_fen"):
        if not _positive_int(raw[key]):
            errors.append(f"{where}.{key}: 应为正整数，实为 {raw[key]!r}")
    # Sample plans: the APP conditions' sample is "medical plans" (docs/rules.md R2.5).
    app_eligible = raw.get("app_eligible", raw["category"] == "medical")
    if not isinstance(app_eligible, bool):
        errors.append(f"{where}.app_eligible: 应为 true/false")
    for key in ("app_conditions", "term_reason"):
        if not isinstance(raw.get(key, ""), str):
            errors.append(f"{where}.{key}: 应为字符串")
    _check_plan_term(where, raw["term_months"], term_max_years, raw.get("term_reason"), errors)
    observation = _parse_cited(raw["observation_days"], f"{where}.observation_days", errors)
    materials = _parse_cited(raw["required_materials"], f"{where}.required_materials", errors)
    if observation is None or materials is None:
        return None
    days, observation_citation = observation
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        errors.append(f"{where}.observation_days: 应为非负整数天数，实为 {days!r}")
    items, materials_citation = materials
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        errors.append(f"{where}.required_materials: 应为非空的材料名称列表")
        items = []
    if observation_citation is None or materials_citation is None:
        return None
    return PlanParams(
        code=raw["code"],
        name=raw["name"],
        category=raw["category"],
        term_months=raw["term_months"],
        share_price_fen=raw["share_price_fen"],
        observation_days=days,
        illness_subject_to_observation=raw["illness_subject_to_observation"],
        required_materials=tuple(items),
        sample=raw["sample"],
        observation_citation=observation_citation,
        materials_citation=materials_citation,
        app_eligible=app_eligible is True,
        app_conditions=str(raw.get("app_conditions", "")).strip(),
        term_reason=str(raw.get("term_reason", "")).strip(),
    )


def _check_consistency(where: str, values: Mapping[str, Any], errors: list[str]) -> None:
    """Figures that must agree with each other (R3.1's hierarchy is decided per case, not here)."""
    occasion, year = values.get("weather_goods_occasion_cap_fen"), values.get("weather_goods_year_cap_fen")
    if _positive_int(occasion) and _positive_int(year) and occasion > year:
        errors.append(f"{where}: 高温/寒冷/雾霾慰问品每次上限高于年度上限")
    warn, most = values.get("login_warn_days"), values.get("login_max_days")
    if _positive_int(warn) and _positive_int(most) and warn >= most:
        errors.append(f"{where}: 登录间隔提醒天数 {warn} 应小于上限 {most}")
    weights = [values.get(key) for key in SUPPLIER_WEIGHTS]
    given = [w for w in weights if _positive_int(w)]
    if len(given) == len(weights) and sum(given) != 100:
        errors.append(f"{where}: 供应商评分各项满分之和应为100（004 附件3），实为 {sum(given)}")


def _parse_ruleset(raw: Any, where: str, errors: list[str]) -> RuleSet | None:
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: 应为表")
        return None
    if not _check_keys(where, raw, ("version", "effective_from", "title", "figures", "plans"), (), errors):
        return None
    if not isinstance(raw["version"], str) or not raw["version"].strip():
        errors.append(f"{where}.version: 应为非空字符串")
    if isinstance(raw["version"], str):
        where = f"规则集 {raw['version']}"
    if type(raw["effective_from"]) is not date:
        errors.append(f"{where}.effective_from: 应为日期（如 2022-12-01），实为 {raw['effective_from']!r}")
    if not isinstance(raw["title"], str):
        errors.append(f"{where}.title: 应为字符串")
    raw_figures = raw["figures"]
    if not isinstance(raw_figures, Mapping):
        errors.append(f"{where}.figures: 应为表")
        return None
    figures: dict[str, Figure] = {}
    # A figure whose source is not yet in force is left out of the set (R1.10), not invented.
    if _check_keys(f"{where}.figures", raw_figures, (), FIGURE_SPECS, errors):
        for key, spec in FIGURE_SPECS.items():
            if key not in raw_figures:
                continue
            cited = _parse_cited(raw_figures[key], f"{where}.{key}", errors)
            if cited is None:
                continue
            value, citation = cited
            parsed = _parse_value(key, spec.kind, value, f"{where}.{key}", errors)
            if citation is not None:
                figures[key] = Figure(key, parsed, citation)
    _check_consistency(where, {k: f.value for k, f in figures.items()}, errors)

    plans: dict[str, PlanParams] = {}
    raw_plans = raw["plans"]
    # Before the office's notices (and before the sample plans' date) no plan is in force.
    if not isinstance(raw_plans, list):
        errors.append(f"{where}.plans: 应为保障计划列表")
        raw_plans = []
    term_max = figures["term_max_years"].value if "term_max_years" in figures else None
    for index, raw_plan in enumerate(raw_plans):
        plan = _parse_plan(raw_plan, f"{where}.plans[{index}]", term_max, errors)
        if plan is None:
            continue
        if plan.code in plans:
            errors.append(f"{where}.plans: 计划代码 {plan.code} 重复")
        plans[plan.code] = plan
    if errors:
        return None
    return RuleSet(
        raw["version"], raw["effective_from"], raw["title"], MappingProxyType(figures), MappingProxyType(plans)
    )


def load_rulesets(data: Mapping[str, Any]) -> RuleSets:
    """Validate parsed rule-set data ({"ruleset": [ … ]}) and return the rule sets by date.

    Raises `RuleSetError` listing every problem: wrong types, non-positive figures, unknown
    or missing keys, bad dates, duplicate versions or dates, and figures that contradict each other.
    """
    errors: list[str] = []
    if not isinstance(data, Mapping) or set(data) != {"ruleset"} or not isinstance(data["ruleset"], list):
        raise RuleSetError("规则集数据应只含一个 ruleset 列表（[[ruleset]]）")
    sets = [
        rs for i, raw in enumerate(data["ruleset"]) if (rs := _parse_ruleset(raw, f"ruleset[{i}]", errors)) is not None
    ]
    if not data["ruleset"]:
        errors.append("至少需要一个规则集")
    for attribute, label in (("version", "版本"), ("effective_from", "生效日")):
        seen = [getattr(rs, attribute) for rs in sets]
        duplicates = sorted({str(v) for v in seen if seen.count(v) > 1})
        if duplicates:
            errors.append(f"规则集{label}重复：{', '.join(duplicates)}")
    if errors:
        raise RuleSetError("规则集配置无效：\n- " + "\n- ".join(errors))
    return _with_known_plans(sorted(sets, key=lambda rs: rs.effective_from))


def _with_known_plans(sets: Sequence[RuleSet]) -> RuleSets:
    known = frozenset(code for rs in sets for code in rs.plans)
    return RuleSets(tuple(replace(rs, known_plans=known) for rs in sets))


@cache
def packaged_rulesets() -> RuleSets:
    """The rule sets shipped in rules/data/rulesets.toml, loaded and validated once."""
    text = resources.files("rules").joinpath("data").joinpath("rulesets.toml").read_text(encoding="utf-8")
    return load_rulesets(tomllib.loads(text))


_provider: Callable[[], RuleSets] | None = None


def use_rulesets(provider: Callable[[], RuleSets] | None) -> None:
    """Hand in where the rule sets in force come from (models: packaged + installed notices).

    None restores the packaged rule sets. The provider is called on every lookup by date,
    so it must be cheap (models cache per open database).
    """
    global _provider
    _provider = provider


def active_rulesets() -> RuleSets:
    """The rule sets in force for this process: the provider's, else the packaged ones."""
    return _provider() if _provider is not None else packaged_rulesets()


def ruleset_on(d: date, rulesets: RuleSets | None = None) -> RuleSet:
    """The rule set in force on `d` (the active rule sets unless others are given)."""
    return (active_rulesets() if rulesets is None else rulesets).on(d)


def resolve(rs: RuleSet | None, d: date) -> RuleSet:
    """`rs` if the caller fixed one, else the rule set in force on `d`."""
    return rs if rs is not None else ruleset_on(d)


# ---------------------------------------------------------------------------- office notices

NOTICE_KEYS = ("reference", "title", "effective_from", "plans")
NOTICE_PLAN_KEYS = (
    "code",
    "name",
    "category",
    "share_price_fen",
    "observation_days",
    "term_months",
    "materials",
    "app_eligible",
)
NOTICE_PLAN_OPTIONAL = ("app_conditions", "illness_subject_to_observation", "term_reason")
NOTICE_OBSERVATION_CITATION = Citation("000", "第十七条4", True)
NOTICE_MATERIALS_CITATION = Citation("000", "第十七条5", True)
MAX_NOTICE_PLANS = 100


@dataclass(frozen=True)
class ParamNotice:
    """An office parameter notice (参数通知): plans in force from `effective_from` (R12.1; docs/params.md)."""

    reference: str
    title: str
    effective_from: date
    plans: Mapping[str, PlanParams]


def _text(
    raw: Mapping[str, Any], key: str, where: str, errors: list[str], *, limit: int = 200, required: bool = True
) -> str:
    value = raw.get(key, "")
    if (
        not isinstance(value, str)
        or (required and not value.strip())
        or len(value) > limit
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    ):
        errors.append(f"{where}.{key}: 应为不超过 {limit} 字、不含控制字符的{'非空' if required else ''}文字")
        return ""
    return value.strip()


def parse_notice(raw: Any, term_max_years: int | None = 3) -> ParamNotice:
    """Validate a notice's data (from the office's TOML, or the signed payload) into a notice.

    Raises `RuleSetError` listing every problem. Dates may be `date` objects (TOML) or ISO
    strings (the signed JSON payload). `term_max_years` is R1.6's limit in force on the
    notice's date (None before 002 applied: no limit to check).
    """
    errors: list[str] = []
    if not isinstance(raw, Mapping):
        raise RuleSetError("参数通知应为表（TOML/JSON 对象）")
    _check_keys("参数通知", raw, NOTICE_KEYS, (), errors)
    reference = _text(raw, "reference", "参数通知", errors, limit=80)
    title = _text(raw, "title", "参数通知", errors)
    effective = raw.get("effective_from")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if type(effective) is not date:
        errors.append(f"参数通知.effective_from: 应为日期（如 2027-01-01），实为 {raw.get('effective_from')!r}")
        effective = None
    elif effective < EARLIEST_RULES:
        errors.append(
            f"参数通知.effective_from: {effective.isoformat()} 早于 2017-01-01（000 第三十一条）："
            "此前的记录按未核查历史载入"
        )
    plans: dict[str, PlanParams] = {}
    raw_plans = raw.get("plans")
    if not isinstance(raw_plans, list) or not raw_plans or len(raw_plans) > MAX_NOTICE_PLANS:
        errors.append(f"参数通知.plans: 应为 1 至 {MAX_NOTICE_PLANS} 个保障计划（[[plans]]）")
        raw_plans = []
    for index, item in enumerate(raw_plans):
        where = f"plans[{index}]"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: 应为表")
            continue
        if not _check_keys(where, item, NOTICE_PLAN_KEYS, NOTICE_PLAN_OPTIONAL, errors):
            continue
        code = _text(item, "code", where, errors, limit=20)
        if code and not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
            errors.append(f"{where}.code: 计划代码只能含字母、数字、- 和 _，实为 {code!r}")
        where = f"计划 {code or index}"
        name = _text(item, "name", where, errors, limit=50)
        if item["category"] not in PLAN_CATEGORIES:
            errors.append(f"{where}.category: 应为 {', '.join(PLAN_CATEGORIES)} 之一，实为 {item['category']!r}")
        for key in ("share_price_fen", "term_months"):
            if not _positive_int(item[key]):
                errors.append(f"{where}.{key}: 应为正整数，实为 {item[key]!r}")
        days = item["observation_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
            errors.append(f"{where}.observation_days: 应为 0 至 3650 的整数天数，实为 {days!r}")
        materials = item["materials"]
        if (
            not isinstance(materials, list)
            or not materials
            or len(materials) > 50
            or not all(isinstance(m, str) and m.strip() and len(m) <= 100 for m in materials)
        ):
            errors.append(f"{where}.materials: 应为非空的材料名称列表")
            materials = []
        illness = item.get("illness_subject_to_observation", item["category"] != "accident")
        for key, value in (("app_eligible", item["app_eligible"]), ("illness_subject_to_observation", illness)):
            if not isinstance(value, bool):
                errors.append(f"{where}.{key}: 应为 true/false")
        conditions = _text(item, "app_conditions", where, errors, limit=500, required=False)
        reason = _text(item, "term_reason", where, errors, limit=500, required=False)
        _check_plan_term(where, item["term_months"], term_max_years, reason, errors)
        if code in plans:
            errors.append(f"参数通知.plans: 计划代码 {code} 重复")
        plans[code] = PlanParams(
            code=code,
            name=name,
            category=item["category"],
            term_months=item["term_months"],
            share_price_fen=item["share_price_fen"],
            observation_days=days,
            illness_subject_to_observation=illness is True,
            required_materials=tuple(m.strip() for m in materials),
            sample=False,
            observation_citation=NOTICE_OBSERVATION_CITATION,
            materials_citation=NOTICE_MATERIALS_CITATION,
            app_eligible=item["app_eligible"] is True,
            app_conditions=conditions,
            term_reason=reason,
        )
    if errors or effective is None:  # a missing date is among the errors
        raise RuleSetError("参数通知无效：\n- " + "\n- ".join(errors))
    return ParamNotice(reference, title, effective, MappingProxyType(plans))


def notice_to_data(notice: ParamNotice) -> dict[str, Any]:
    """The notice as plain JSON-able data (the signed payload's body); `parse_notice` reads it back."""
    return {
        "reference": notice.reference,
        "title": notice.title,
        "effective_from": notice.effective_from.isoformat(),
        "plans": [
            {
                "code": p.code,
                "name": p.name,
                "category": p.category,
                "share_price_fen": p.share_price_fen,
                "observation_days": p.observation_days,
                "term_months": p.term_months,
                "materials": list(p.required_materials),
                "app_eligible": p.app_eligible,
                "app_conditions": p.app_conditions,
                "illness_subject_to_observation": p.illness_subject_to_observation,
                "term_reason": p.term_reason,
            }
            for p in notice.plans.values()
        ],
    }


def with_notices(base: RuleSets, notices: Sequence[tuple[ParamNotice, NoticeSource]]) -> RuleSets:
    """The packaged rule sets with the office's notices laid over them.

    On a date, the figures are the packaged set's in force then; the plans are those of the
    latest notice in force then, or, before any notice, the packaged (sample) plans.
    """
    if not notices:
        return base
    ordered = sorted(notices, key=lambda n: n[0].effective_from)
    starts = sorted({rs.effective_from for rs in base} | {n.effective_from for n, _ in ordered})
    sets: list[RuleSet] = []
    for start in starts:
        figures_set = base.on(start) if start >= base.sets[0].effective_from else None
        if figures_set is None:
            continue
        current = [n for n in ordered if n[0].effective_from <= start]
        if current:
            notice, source = current[-1]
            sets.append(
                RuleSet(
                    f"{figures_set.version}+{notice.reference}",
                    start,
                    f"{figures_set.title}；保障计划依{notice.reference}《{notice.title}》",
                    figures_set.figures,
                    notice.plans,
                    notice=source,
                )
            )
        else:
            sets.append(replace(figures_set, effective_from=start))
    return _with_known_plans(sets)


PLAN_DIFF_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "name": "名称",
        "category": "险种类别",
        "share_price_fen": "每份会费（元）",
        "observation_days": "观察期（天）",
        "term_months": "保障期限（月）",
        "required_materials": "理赔所需材料",
        "app_eligible": "符合APP申报条件",
        "app_conditions": "APP申报条件说明",
        "illness_subject_to_observation": "疾病出险执行观察期",
    }
)


def _diff_value(key: str, value: Any) -> str:
    if key == "share_price_fen":
        return format_fen(value).removesuffix("元")
    if key == "category":
        return PLAN_CATEGORIES.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "、".join(value)
    return str(value)


def notice_diff(current: RuleSet | None, notice: ParamNotice) -> list[tuple[str, str, str, str]]:
    """(plan, item, in force now, in the notice) for every value the notice changes.

    `current` is the rule set in force on the notice's effective date before installing it
    (None when no rule set applies then). A sample value in force is shown as such.
    """
    rows: list[tuple[str, str, str, str]] = []
    before = dict(current.plans) if current is not None else {}
    for code, new in notice.plans.items():
        old = before.pop(code, None)
        for key, label in PLAN_DIFF_FIELDS.items():
            after = _diff_value(key, getattr(new, key))
            if old is None:
                rows.append((new.label, label, "（无）", after))
                continue
            was = _diff_value(key, getattr(old, key))
            if was != after or old.sample:
                rows.append((new.label, label, f"{was}【{SAMPLE_MARKER}】" if old.sample else was, after))
    for old in before.values():
        rows.append((old.label, "保障计划", "在用", "通知中未列出：自生效日起不再适用"))
    return rows


# ---------------------------------------------------------------------------- display


def _format_value(figure: Figure) -> tuple[str, str]:
    spec = figure.spec
    if spec.kind == "fen":
        return format_fen(figure.value).removesuffix("元"), spec.unit
    if spec.kind == "fraction":
        return f"{figure.value.numerator}/{figure.value.denominator}", spec.unit
    if spec.kind == "month_day":
        month, day = figure.value
        return f"{month:02d}-{day:02d}", spec.unit
    if spec.kind == "labels":
        return "、".join(figure.value.values()), spec.unit
    return str(figure.value), spec.unit


def ruleset_rows(rs: RuleSet) -> list[tuple[str, str, str, str]]:
    """The rule set as (figure, value, unit, citation) rows for `huzhu rules show`.

    Plans of sample configuration carry the visible "示例配置" marker in their row names.
    """
    rows = [
        (figure.spec.name, *_format_value(figure), str(figure.citation))
        if figure is not None
        else (spec.name, NO_FIGURE_MARKER, spec.unit, "当时尚无规定该数值的文件（R1.10：相关核查跳过）")
        for spec, figure in ((FIGURE_SPECS[key], rs.figures.get(key)) for key in FIGURE_SPECS)
    ]
    for plan in rs.plans.values():
        if plan.sample:
            design = f"{SAMPLE_MARKER}（来源未规定保障计划）"
        elif rs.notice is not None:
            design = f"办事处参数通知 {rs.notice.reference}"
        else:
            design = ""
        rows += [
            (f"{plan.label} 险种类别", PLAN_CATEGORIES[plan.category], "", design),
            (
                f"{plan.label} 保障期限",
                str(plan.term_months),
                "月",
                str(TERM_CITATION) + (f"；超过上限的理由：{plan.term_reason}" if plan.term_reason else ""),
            ),
            (f"{plan.label} 每份会费", format_fen(plan.share_price_fen).removesuffix("元"), "元", design),
            (f"{plan.label} 观察期", str(plan.observation_days), "天", str(plan.observation_citation)),
            (
                f"{plan.label} 疾病出险执行观察期",
                "是" if plan.illness_subject_to_observation else "否",
                "",
                str(plan.observation_citation),
            ),
            (f"{plan.label} 理赔所需材料", "、".join(plan.required_materials), "项", str(plan.materials_citation)),
            (
                f"{plan.label} 符合APP申报条件",
                "是" if plan.app_eligible else "否",
                "",
                "；".join(x for x in (plan.app_conditions, design or "001 附件1 业务管理") if x),
            ),
        ]
    return rows


def ruleset_source(rs: RuleSet) -> str:
    """Where the rule set's plan values come from, in one line (R12.1: the office's notice)."""
    if rs.unchecked_history:
        return "2017-01-01 前：未核查历史"
    if rs.notice is not None:
        n = rs.notice
        who = f"，{n.installed_by} 于 {n.installed_at} 安装" if n.installed_by else ""
        key = f"，办事处签名密钥指纹 {n.office_fingerprint}" if n.office_fingerprint else ""
        return f"保障计划依办事处参数通知 {n.reference}《{n.title}》（{n.effective_from.isoformat()} 起）{key}{who}"
    if rs.uses_sample:
        return f"保障计划为{SAMPLE_MARKER}：尚未安装办事处参数通知（huzhu params install）"
    return f"保障计划：当时无适用的参数（{NO_FIGURE_MARKER}；办事处参数通知可补充）"


def ruleset_header(rs: RuleSet) -> str:
    """One line naming the rule set, for the top of a printed table."""
    return f"规则集 {rs.version}（{rs.effective_from.isoformat()} 起施行）{rs.title}"
