"""Effective-dated rule parameters (规则集): loading, validation and lookup by date.

The figures the rules apply (windows, caps, deadlines, weights, plans) are data shipped in
`rules/data/rulesets.toml`, each with the article it comes from. A later regulation replaces
an earlier one from its effective date (003 第十四条 repealed the 2019 rules), so a decision
is made with the rule set in force on the date it concerns and names that rule set. A change
of figures from a date is a new rule set in the data file, not a code change.

Loading validates everything and refuses a rule set that breaks R3.1's hierarchy
("慰问标准不高于救助标准", 003 第三条3): such a file is invalid configuration.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping

from rules.money import format_fen
from rules.result import Citation, Decision, Severity

PLAN_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {"medical": "医疗类", "critical_illness": "重大疾病类", "accident": "意外伤害类"}
)
SAMPLE_MARKER = "示例配置"


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
        "project_plan_lead_months": FigureSpec("服务项目实施方案提前报送", "月", "count"),
        "project_materials_lead_working_days": FigureSpec("服务项目实施资料提前提供", "工作日", "count"),
        "selfassessment_window_start": FigureSpec("年度自审开始", "月-日", "month_day"),
        "selfassessment_window_end": FigureSpec("年度自审截止（次年）", "月-日", "month_day"),
        "committee_meetings_per_quarter": FigureSpec("管委会会议 每季度至少", "次", "count"),
        "trainings_per_year_min": FigureSpec("业务培训 每年至少", "次", "count"),
        "articles_per_year_min": FigureSpec("向办事处投稿 每年至少", "篇", "count"),
    }
)

#: R3.1: condolence (慰问) caps that must not exceed any aid (救助) cap.
CONDOLENCE_CAPS = (
    "small_goods_occasion_cap_fen",
    "weather_goods_occasion_cap_fen",
    "weather_goods_year_cap_fen",
    "condolence_cash_occasion_cap_fen",
)
AID_CAPS = ("hardship_aid_year_cap_fen", "education_aid_year_cap_fen")
SUPPLIER_WEIGHTS = (
    "supplier_weight_qualification",
    "supplier_weight_price",
    "supplier_weight_quality",
    "supplier_weight_after_sales",
)
HIERARCHY_CITATION = Citation("003", "第三条3")
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

    @property
    def label(self) -> str:
        """Name and code, with the sample-configuration marker where it applies."""
        text = f"{self.name}({self.code})"
        return f"{text}【{SAMPLE_MARKER}】" if self.sample else text


@dataclass(frozen=True)
class RuleSet:
    """All figures in force from `effective_from` until the next rule set."""

    version: str
    effective_from: date
    title: str
    figures: Mapping[str, Figure]
    plans: Mapping[str, PlanParams]

    def __getitem__(self, key: str) -> Any:
        return self.figures[key].value

    def cite(self, key: str) -> Citation:
        return self.figures[key].citation

    def plan(self, code: str) -> PlanParams | None:
        return self.plans.get(code)

    def decide(
        self,
        outcome: str,
        code: str,
        message: str,
        cite: str | Citation,
        severity: Severity = Severity.INFO,
        **data: Any,
    ) -> Decision:
        """A decision made under this rule set; `cite` is a Citation or a figure key."""
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
            raise LookupError(
                f"{d.isoformat()} 早于所有规则集的生效日（最早 {earliest}），无法按当时规则作出判断"
            )
        return in_force[-1]

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self.sets)

    def __len__(self) -> int:
        return len(self.sets)


# ---------------------------------------------------------------------------- loading


def _check_keys(where: str, table: Mapping[str, Any], required: Iterable[str],
                optional: Iterable[str], errors: list[str]) -> bool:
    required, allowed = set(required), set(required) | set(optional)
    missing = sorted(required - table.keys())
    unknown = sorted(table.keys() - allowed)
    if missing:
        errors.append(f"{where}: 缺少 {', '.join(missing)}")
    if unknown:
        errors.append(f"{where}: 未知的键 {', '.join(unknown)}")
    return not missing


def _positive_int(value: Any) -> bool:
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
            errors.append(f"{where}: 应为 0 到 1 之间的分数，如 \"2/3\"，实为 {value!r}")
        return fraction
    if kind == "month_day":
        parsed = _parse_month_day(value)
        if parsed is None:
            errors.append(f"{where}: 应为 \"MM-DD\" 形式的有效月日，实为 {value!r}")
        return parsed
    if kind == "labels":
        if (not isinstance(value, Mapping) or not value
                or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())):
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
        errors.append(f"{where}: 应为 {{ value = …, citation = \"…\" }} 表")
        return None
    if not _check_keys(where, raw, ("value", "citation"), ("configurable",), errors):
        return None
    return raw["value"], _parse_citation(raw, where, errors)


_PLAN_KEYS = ("code", "name", "category", "sample", "term_months", "share_price_fen",
              "illness_subject_to_observation", "observation_days", "required_materials")


def _parse_plan(raw: Any, where: str, term_max_years: Any, errors: list[str]) -> PlanParams | None:
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: 应为表")
        return None
    if not _check_keys(where, raw, _PLAN_KEYS, (), errors):
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
    if _positive_int(raw["term_months"]) and _positive_int(term_max_years) \
            and raw["term_months"] > term_max_years * 12:
        errors.append(f"{where}.term_months: {raw['term_months']} 个月超过保障期限上限 {term_max_years} 年（002 第十五条）")
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
        code=raw["code"], name=raw["name"], category=raw["category"],
        term_months=raw["term_months"], share_price_fen=raw["share_price_fen"],
        observation_days=days, illness_subject_to_observation=raw["illness_subject_to_observation"],
        required_materials=tuple(items), sample=raw["sample"],
        observation_citation=observation_citation, materials_citation=materials_citation,
    )


def _check_consistency(where: str, values: Mapping[str, Any], errors: list[str]) -> None:
    """Cross-figure rules, R3.1's hierarchy first."""
    aid = [key for key in AID_CAPS if _positive_int(values.get(key))]
    for condolence in CONDOLENCE_CAPS:
        if not _positive_int(values.get(condolence)):
            continue
        for aid_key in aid:
            if values[condolence] > values[aid_key]:
                errors.append(
                    f"{where}: R3.1 救助与慰问标准层级不符——{FIGURE_SPECS[condolence].name} "
                    f"{format_fen(values[condolence])} 高于 {FIGURE_SPECS[aid_key].name} "
                    f"{format_fen(values[aid_key])}（{HIERARCHY_CITATION}：慰问标准不高于救助标准）"
                )
    occasion, year = values.get("weather_goods_occasion_cap_fen"), values.get("weather_goods_year_cap_fen")
    if _positive_int(occasion) and _positive_int(year) and occasion > year:
        errors.append(f"{where}: 高温/寒冷/雾霾慰问品每次上限高于年度上限")
    warn, most = values.get("login_warn_days"), values.get("login_max_days")
    if _positive_int(warn) and _positive_int(most) and warn >= most:
        errors.append(f"{where}: 登录间隔提醒天数 {warn} 应小于上限 {most}")
    weights = [values.get(key) for key in SUPPLIER_WEIGHTS]
    if all(_positive_int(w) for w in weights) and sum(weights) != 100:
        errors.append(f"{where}: 供应商评分各项满分之和应为100（004 附件3），实为 {sum(weights)}")


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
    if _check_keys(f"{where}.figures", raw_figures, FIGURE_SPECS, (), errors):
        for key, spec in FIGURE_SPECS.items():
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
    if not isinstance(raw_plans, list) or not raw_plans:
        errors.append(f"{where}.plans: 应至少配置一个保障计划")
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
    return RuleSet(raw["version"], raw["effective_from"], raw["title"],
                   MappingProxyType(figures), MappingProxyType(plans))


def load_rulesets(data: Mapping[str, Any]) -> RuleSets:
    """Validate parsed rule-set data ({"ruleset": [ … ]}) and return the rule sets by date.

    Raises `RuleSetError` listing every problem: wrong types, non-positive figures, unknown
    or missing keys, bad dates, duplicate versions or dates, and R3.1 hierarchy violations.
    """
    errors: list[str] = []
    if not isinstance(data, Mapping) or set(data) != {"ruleset"} or not isinstance(data["ruleset"], list):
        raise RuleSetError("规则集数据应只含一个 ruleset 列表（[[ruleset]]）")
    sets = [rs for i, raw in enumerate(data["ruleset"])
            if (rs := _parse_ruleset(raw, f"ruleset[{i}]", errors)) is not None]
    if not data["ruleset"]:
        errors.append("至少需要一个规则集")
    for attribute, label in (("version", "版本"), ("effective_from", "生效日")):
        seen = [getattr(rs, attribute) for rs in sets]
        duplicates = sorted({str(v) for v in seen if seen.count(v) > 1})
        if duplicates:
            errors.append(f"规则集{label}重复：{', '.join(duplicates)}")
    if errors:
        raise RuleSetError("规则集配置无效：\n- " + "\n- ".join(errors))
    return RuleSets(tuple(sorted(sets, key=lambda rs: rs.effective_from)))


@cache
def packaged_rulesets() -> RuleSets:
    """The rule sets shipped in rules/data/rulesets.toml, loaded and validated once."""
    text = resources.files("rules").joinpath("data").joinpath("rulesets.toml").read_text(encoding="utf-8")
    return load_rulesets(tomllib.loads(text))


def ruleset_on(d: date, rulesets: RuleSets | None = None) -> RuleSet:
    """The rule set in force on `d` (packaged rule sets unless others are given)."""
    return (packaged_rulesets() if rulesets is None else rulesets).on(d)


def resolve(rs: RuleSet | None, d: date) -> RuleSet:
    """`rs` if the caller fixed one, else the packaged rule set in force on `d`."""
    return rs if rs is not None else ruleset_on(d)


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
    rows = [(figure.spec.name, *_format_value(figure), str(figure.citation))
            for figure in (rs.figures[key] for key in FIGURE_SPECS)]
    for plan in rs.plans.values():
        design = f"{SAMPLE_MARKER}（来源未规定保障计划）" if plan.sample else ""
        rows += [
            (f"{plan.label} 险种类别", PLAN_CATEGORIES[plan.category], "", design),
            (f"{plan.label} 保障期限", str(plan.term_months), "月", str(TERM_CITATION)),
            (f"{plan.label} 每份会费", format_fen(plan.share_price_fen).removesuffix("元"), "元", design),
            (f"{plan.label} 观察期", str(plan.observation_days), "天", str(plan.observation_citation)),
            (f"{plan.label} 疾病出险执行观察期", "是" if plan.illness_subject_to_observation else "否", "",
             str(plan.observation_citation)),
            (f"{plan.label} 理赔所需材料", "、".join(plan.required_materials), "项",
             str(plan.materials_citation)),
        ]
    return rows


def ruleset_header(rs: RuleSet) -> str:
    """One line naming the rule set, for the top of a printed table."""
    return f"规则集 {rs.version}（{rs.effective_from.isoformat()} 起施行）{rs.title}"

