"""Bulk purchases and the fixed-asset register (docs/rules.md R13; 000 第十九条5; 001 fin.5; 004 附件3–4).

A purchase from the bulk-purchase amount on (``bulk_purchase_threshold_fen``, the office's
figure) is chosen by comparison: at least three distinct suppliers quote (004 附件4 has three
supplier columns; fewer only with a recorded reason, docs/rules.md R13.1 Interpretation), every
scorer fills and signs a scoring sheet (004 附件3: 资质与实力 ≤ 20, 财务报价 ≤ 30, 产品质量与性能指标
≤ 40, 售后服务 ≤ 10), the price comparison is signed by the 管委会主任, the 代办处主任 and the
经手人, and "总分最高者确定为项目中选单位": the winner is the highest total summed over the
scorers. The program never breaks a tie, and choosing anyone but the single highest total
needs the scorers' recorded reason. Below the amount, the branch buys from the supplier it
names. Fixed assets (R13.2) are disposed of only with a reason and an approval, and a yearly
stocktake marks each asset found or missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from rules.money import format_fen
from rules.params import SUPPLIER_WEIGHTS, RuleSet, resolve
from rules.result import Citation, Decision, Report, Severity

SCORING_CITATION = Citation("004", "附件3")
COMPARISON_CITATION = Citation("004", "附件4")
REQUEST_CITATION = Citation("001", "附件3 6")
ASSET_CITATION = Citation("001", "附件1 财务管理")
THRESHOLD_KEY = "bulk_purchase_threshold_fen"
MIN_QUOTES_KEY = "supplier_min_quotes"

#: The four criteria of 004 附件3, in the form's order, with the figure holding each maximum.
CRITERIA: Mapping[str, str] = MappingProxyType(
    {
        "qualification": "资质与实力",
        "price": "财务报价",
        "quality": "产品质量与性能指标",
        "after_sales": "售后服务",
    }
)
CRITERION_WEIGHT: Mapping[str, str] = MappingProxyType(dict(zip(CRITERIA, SUPPLIER_WEIGHTS, strict=True)))
#: The three who sign the price comparison (004 附件4), in the form's order.
COMPARISON_SIGNERS: Mapping[str, str] = MappingProxyType(
    {"chair": "管委会主任", "director": "代办处主任", "handler": "经手人"}
)
#: A stocktake's verdict on one asset (财产盘点明细表, 001 附件3 6).
COUNT_RESULTS: Mapping[str, str] = MappingProxyType(
    {"found": "账实相符", "differs": "有差异", "missing": "盘亏（未找到）"}
)


@dataclass(frozen=True)
class ScoreRow:
    """One scorer's points for one supplier on the four criteria."""

    scorer: str
    supplier: str
    qualification: int
    price: int
    quality: int
    after_sales: int

    @property
    def total(self) -> int:
        return self.qualification + self.price + self.quality + self.after_sales


@dataclass(frozen=True)
class PurchaseFacts:
    """What a purchase holds when its supplier is chosen.

    ``amount_fen`` is the larger of the estimate and the chosen quote's total, so an estimate
    below the threshold cannot take a purchase out of comparison. ``signers`` maps each of
    COMPARISON_SIGNERS to the name who signed the price comparison (absent: not signed)."""

    amount_fen: int
    suppliers: tuple[str, ...]
    scores: tuple[ScoreRow, ...] = ()
    signers: Mapping[str, str] = field(default_factory=dict)
    few_quotes_reason: str = ""


def _clean(text: str | None) -> str:
    return (text or "").strip()


Points = TypeVar("Points", int, Decimal)


def out_of_range(row: object, rs: RuleSet, *, whole_points: bool = True) -> tuple[str, object, int | None] | None:
    """The first criterion of ``row`` (an object with CRITERIA's attributes) whose points are not a
    number from 0 to that criterion's maximum (004 附件3), as (criterion, value, maximum); else None.
    Without a figure for a maximum only the lower bound holds. ``whole_points=False`` also admits
    Decimal points (a project's own scoring, R7)."""
    for criterion, key in CRITERION_WEIGHT.items():
        value: object = getattr(row, criterion)
        maximum = rs[key] if rs.has(key) else None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0:
            return criterion, value, maximum
        if whole_points and not isinstance(value, int):
            return criterion, value, maximum
        if maximum is not None and value > maximum:
            return criterion, value, maximum
    return None


def by_total(totals: Mapping[str, Points]) -> tuple[list[str], list[str]]:
    """The suppliers highest total first (equal totals keep the given order), and those sharing the
    highest total ("总分最高者确定为项目中选单位"; more than one is a tie the program never breaks)."""
    names = list(totals)
    ordered = sorted(names, key=lambda n: (-totals[n], names.index(n)))
    top = [n for n in ordered if totals[n] == totals[ordered[0]]] if ordered else []
    return ordered, top


def is_bulk(amount_fen: int, on: date, rs: RuleSet | None = None) -> Decision:
    """Whether ``amount_fen`` on ``on`` is a bulk purchase: outcome "bulk" or "small"."""
    rs = resolve(rs, on)
    threshold = rs[THRESHOLD_KEY]
    if amount_fen >= threshold:
        return rs.decide(
            "bulk",
            "R13.1.bulk",
            f"金额 {format_fen(amount_fen)} 达到大宗商品采购标准（{format_fen(threshold)} 以上）：须至少三家报价、"
            "评分表（附件3）和价格对比表（附件4）",
            THRESHOLD_KEY,
            threshold_fen=threshold,
        )
    return rs.decide(
        "small",
        "R13.1.small",
        f"金额 {format_fen(amount_fen)} 低于大宗商品采购标准 {format_fen(threshold)}：无须比选",
        THRESHOLD_KEY,
        threshold_fen=threshold,
    )


def check_quotes(
    amount_fen: int, suppliers: Sequence[str], on: date, few_quotes_reason: str = "", rs: RuleSet | None = None
) -> Decision:
    """A bulk purchase compares at least ``supplier_min_quotes`` distinct suppliers (004 附件4),
    fewer only with a recorded reason (a warning that stays on the record)."""
    rs = resolve(rs, on)
    if is_bulk(amount_fen, on, rs).outcome == "small":
        return rs.decide("ok", "R13.1.quotes_not_required", "低于大宗商品采购标准，报价家数不限", THRESHOLD_KEY)
    if not rs.has(MIN_QUOTES_KEY):
        return rs.decide(
            "skipped", "R13.1.no_figure", "当时没有比选最少报价家数的规定（无当时数值），不作核查", THRESHOLD_KEY
        )
    minimum = rs[MIN_QUOTES_KEY]
    distinct = {_clean(s) for s in suppliers if _clean(s)}
    if len(distinct) >= minimum:
        return rs.decide("ok", "R13.1.quotes_ok", f"已有 {len(distinct)} 家供应商报价", MIN_QUOTES_KEY)
    reason = _clean(few_quotes_reason)
    if reason:
        return rs.decide(
            "few_quotes",
            "R13.1.few_quotes_reason",
            f"大宗商品采购只有 {len(distinct)} 家报价（应至少 {minimum} 家），已记录理由：{reason}",
            MIN_QUOTES_KEY,
            Severity.WARNING,
        )
    return rs.decide(
        "refused",
        "R13.1.quotes_insufficient",
        f"大宗商品采购须有至少 {minimum} 家不同供应商报价，现有 {len(distinct)} 家（不足时须写明理由）",
        MIN_QUOTES_KEY,
        Severity.ERROR,
        minimum=minimum,
        quotes=len(distinct),
    )


def check_score_sheet(
    scorer: str, rows: Sequence[ScoreRow], suppliers: Sequence[str], on: date, rs: RuleSet | None = None
) -> Decision:
    """One scorer's sheet (004 附件3): a named scorer, each point within 0 … the criterion's
    maximum, only suppliers that quoted, each at most once."""
    rs = resolve(rs, on)
    if not _clean(scorer):
        return rs.decide(
            "refused", "R13.1.scorer_missing", "评分表须写明评分人员（签字）", SCORING_CITATION, Severity.ERROR
        )
    if not rows:
        return rs.decide("refused", "R13.1.sheet_empty", f"{scorer} 的评分表没有评分", SCORING_CITATION, Severity.ERROR)
    quoted = {_clean(s) for s in suppliers}
    seen: set[str] = set()
    for row in rows:
        if row.supplier not in quoted:
            return rs.decide(
                "refused",
                "R13.1.unknown_supplier",
                f"“{row.supplier}”没有报价，不能评分（报价：{'、'.join(sorted(quoted)) or '无'}）",
                SCORING_CITATION,
                Severity.ERROR,
            )
        if row.supplier in seen:
            return rs.decide(
                "refused",
                "R13.1.scored_twice",
                f"{scorer} 的评分表中“{row.supplier}”出现两次",
                SCORING_CITATION,
                Severity.ERROR,
            )
        seen.add(row.supplier)
        bad = out_of_range(row, rs)
        if bad is not None:
            criterion, value, maximum = bad
            return rs.decide(
                "refused",
                "R13.1.score_out_of_range",
                f"{scorer} 给 {row.supplier} 的“{CRITERIA[criterion]}”得分 {value} 不在 0 至 {maximum} 分之间",
                CRITERION_WEIGHT[criterion] if maximum is not None else SCORING_CITATION,
                Severity.ERROR,
                criterion=criterion,
            )
    return rs.decide("ok", "R13.1.sheet_ok", f"{scorer} 的评分表有效（{len(rows)} 家）", SCORING_CITATION)


def rank(suppliers: Sequence[str], scores: Sequence[ScoreRow], on: date, rs: RuleSet | None = None) -> Decision:
    """The suppliers by total points summed over every scorer (004 附件3 说明2).

    Outcome "winner" (one highest total), "tie" (several share it: the scorers decide and
    record why) or "refused" (no sheet, or a scorer who did not score every supplier)."""
    rs = resolve(rs, on)
    names = [_clean(s) for s in suppliers]
    scorers = sorted({row.scorer for row in scores})
    if not scorers:
        return rs.decide(
            "refused",
            "R13.1.no_scores",
            "大宗商品采购须由评分人员填写评分表（附件3）",
            SCORING_CITATION,
            Severity.ERROR,
        )
    for scorer in scorers:
        scored = {row.supplier for row in scores if row.scorer == scorer}
        missing = [n for n in names if n not in scored]
        if missing:
            return rs.decide(
                "refused",
                "R13.1.sheet_incomplete",
                f"{scorer} 的评分表缺少对 {'、'.join(missing)} 的评分",
                SCORING_CITATION,
                Severity.ERROR,
                scorer=scorer,
                missing=missing,
            )
    totals = {n: sum(row.total for row in scores if row.supplier == n) for n in names}
    ordered, top = by_total(totals)
    listing = "，".join(f"{n} {totals[n]} 分" for n in ordered)
    ranked = {n: totals[n] for n in ordered}
    if len(top) > 1:
        return rs.decide(
            "tie",
            "R13.1.tie",
            f"总分并列最高：{'、'.join(top)}（{listing}）；程序不代为选择，须由评分人员确定并记录理由",
            SCORING_CITATION,
            Severity.WARNING,
            tied=top,
            totals=ranked,
            scorers=scorers,
        )
    return rs.decide(
        "winner",
        "R13.1.winner",
        f"总分最高者 {top[0]} 中选（{len(scorers)} 位评分人员合计：{listing}）",
        SCORING_CITATION,
        winner=top[0],
        totals=ranked,
        scorers=scorers,
    )


def check_comparison_signed(signers: Mapping[str, str], on: date, rs: RuleSet | None = None) -> Decision:
    """The price comparison (004 附件4) carries the three signatures."""
    rs = resolve(rs, on)
    missing = [title for key, title in COMPARISON_SIGNERS.items() if not _clean(signers.get(key))]
    if missing:
        return rs.decide(
            "refused",
            "R13.1.comparison_unsigned",
            f"价格对比表（附件4）缺少签字：{'、'.join(missing)}",
            COMPARISON_CITATION,
            Severity.ERROR,
            missing=missing,
        )
    return rs.decide("ok", "R13.1.comparison_signed", "价格对比表已由三方签字", COMPARISON_CITATION)


def choose_supplier(
    facts: PurchaseFacts, chosen: str | None, reason: str | None, on: date, rs: RuleSet | None = None
) -> Report:
    """May the purchase be decided for ``chosen`` (None: the program's pick where there is one)?

    The report's last decision, when there is no error, has outcome "chosen" and names the
    supplier in ``data["supplier"]``; a choice other than the single highest total (a tie, or an
    exception) is a warning carrying the recorded reason."""
    rs = resolve(rs, on)
    chosen, reason = _clean(chosen) or None, _clean(reason)
    suppliers = tuple(_clean(s) for s in facts.suppliers)
    decisions: list[Decision] = []
    if not suppliers:
        return Report(
            (
                rs.decide(
                    "refused", "R13.1.no_quotes", "还没有任何报价，不能确定供应商", COMPARISON_CITATION, Severity.ERROR
                ),
            )
        )
    if chosen is not None and chosen not in suppliers:
        return Report(
            (
                rs.decide(
                    "refused",
                    "R13.1.unknown_supplier",
                    f"“{chosen}”没有报价（报价：{'、'.join(suppliers)}）",
                    COMPARISON_CITATION,
                    Severity.ERROR,
                ),
            )
        )
    bulk = is_bulk(facts.amount_fen, on, rs)
    decisions.append(bulk)
    ranking: Decision | None = None
    if bulk.outcome == "bulk":
        decisions.append(check_quotes(facts.amount_fen, suppliers, on, facts.few_quotes_reason, rs))
        ranking = rank(suppliers, facts.scores, on, rs)
        decisions.append(ranking)
        decisions.append(check_comparison_signed(facts.signers, on, rs))
    elif facts.scores:
        ranking = rank(suppliers, facts.scores, on, rs)
        decisions.append(ranking if ranking.outcome != "refused" else _demoted(ranking, rs))
        if ranking.outcome == "refused":
            ranking = None
    if any(not d.ok for d in decisions):
        return Report(tuple(decisions))
    winner = ranking.data.get("winner") if ranking is not None else None
    tied = tuple(ranking.data.get("tied", ())) if ranking is not None else ()
    if chosen is None:
        if winner is not None:
            chosen = winner
        elif tied:
            decisions.append(
                rs.decide(
                    "refused",
                    "R13.1.tie_needs_choice",
                    f"总分并列最高（{'、'.join(tied)}）：须指定评分人员确定的供应商并写明理由",
                    SCORING_CITATION,
                    Severity.ERROR,
                )
            )
            return Report(tuple(decisions))
        elif len(set(suppliers)) == 1:
            chosen = suppliers[0]
        else:
            decisions.append(
                rs.decide(
                    "refused",
                    "R13.1.choose_supplier",
                    f"有 {len(set(suppliers))} 家报价：须指定中选的供应商",
                    COMPARISON_CITATION,
                    Severity.ERROR,
                )
            )
            return Report(tuple(decisions))
    if ranking is not None and chosen != winner:
        totals = ranking.data["totals"]
        if chosen in tied:
            code, what = "R13.1.tie_reason", f"总分并列最高，评分人员确定 {chosen}"
        else:
            code, what = "R13.1.not_highest", f"中选的 {chosen}（{totals[chosen]} 分）不是总分最高者"
        if not reason:
            decisions.append(
                rs.decide(
                    "refused",
                    f"{code}_missing",
                    f"{what}：须写明理由",
                    SCORING_CITATION,
                    Severity.ERROR,
                )
            )
            return Report(tuple(decisions))
        decisions.append(rs.decide("exception", code, f"{what}，理由：{reason}", SCORING_CITATION, Severity.WARNING))
    decisions.append(
        rs.decide(
            "chosen",
            "R13.1.chosen",
            f"确定供应商：{chosen}",
            SCORING_CITATION if ranking is not None else COMPARISON_CITATION,
            supplier=chosen,
            bulk=bulk.outcome == "bulk",
        )
    )
    return Report(tuple(decisions))


def _demoted(ranking: Decision, rs: RuleSet) -> Decision:
    """Below the threshold scoring is optional: an incomplete sheet is noted, not a refusal."""
    return rs.decide(
        "incomplete",
        ranking.code,
        f"{ranking.message}（低于大宗商品采购标准，不作为依据）",
        ranking.citation,
        Severity.WARNING,
    )


# --- fixed assets (R13.2) -----------------------------------------------------------------------


def check_disposal(acquired_on: date, disposed_on: date, reason: str, approval: str, today: date) -> Decision:
    """A fixed asset is disposed of with a reason and the approval behind it (001 fin.5
    "固定资产购置、使用和处置…是否合规"), on a date between its acquisition and today."""
    rs = resolve(None, max(disposed_on, acquired_on))
    if not _clean(reason):
        return rs.decide("refused", "R13.2.disposal_reason", "处置固定资产须写明原因", ASSET_CITATION, Severity.ERROR)
    if not _clean(approval):
        return rs.decide(
            "refused",
            "R13.2.disposal_approval",
            "处置固定资产须写明审批（批准人或会议纪要）",
            ASSET_CITATION,
            Severity.ERROR,
        )
    if disposed_on < acquired_on:
        return rs.decide(
            "refused",
            "R13.2.disposal_before_acquisition",
            f"处置日期 {disposed_on.isoformat()} 早于取得日期 {acquired_on.isoformat()}",
            ASSET_CITATION,
            Severity.ERROR,
        )
    if disposed_on > today:
        return rs.decide(
            "refused",
            "R13.2.disposal_future",
            f"处置日期 {disposed_on.isoformat()} 晚于今天 {today.isoformat()}",
            ASSET_CITATION,
            Severity.ERROR,
        )
    return rs.decide("ok", "R13.2.disposal_ok", f"{disposed_on.isoformat()} 处置：{_clean(reason)}", ASSET_CITATION)


def check_count(year: int, counted_on: date, today: date, earlier_count: date | None) -> Decision:
    """The yearly stocktake (财产盘点, 001 附件3 6): one per year, dated in that year or in the
    January after it (a year-end count; the self-assessment runs 12-15 to 01-15, 000 第二十三条),
    never in the future."""
    rs = resolve(None, counted_on)
    if earlier_count is not None:
        return rs.decide(
            "refused",
            "R13.2.count_exists",
            f"{year}年度已于 {earlier_count.isoformat()} 盘点",
            REQUEST_CITATION,
            Severity.ERROR,
        )
    if counted_on > today:
        return rs.decide(
            "refused",
            "R13.2.count_future",
            f"盘点日期 {counted_on.isoformat()} 晚于今天 {today.isoformat()}",
            REQUEST_CITATION,
            Severity.ERROR,
        )
    if not date(year, 1, 1) <= counted_on <= date(year + 1, 1, 31):
        return rs.decide(
            "refused",
            "R13.2.count_wrong_year",
            f"{year}年度的盘点日期应在 {year}-01-01 至 {year + 1}-01-31 之间，实为 {counted_on.isoformat()}",
            REQUEST_CITATION,
            Severity.ERROR,
        )
    return rs.decide("ok", "R13.2.count_ok", f"{year}年度财产盘点（{counted_on.isoformat()}）", REQUEST_CITATION)
