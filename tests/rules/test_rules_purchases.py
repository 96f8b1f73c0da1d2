"""docs/rules.md R13 (R13.1 bulk purchases, R13.2 fixed assets) as pure rules: the threshold, three
quotes, the 附件3 scoring sheet and its maxima, the winner summed over scorers, ties and
exceptions with their reasons, the 附件4 signatures, disposals and the yearly count."""

from __future__ import annotations

from datetime import date

from rules.params import ruleset_on
from rules.purchases import (
    PurchaseFacts,
    ScoreRow,
    check_comparison_signed,
    check_count,
    check_disposal,
    check_quotes,
    check_score_sheet,
    choose_supplier,
    is_bulk,
    rank,
)

ON = date(2026, 6, 1)
SIGNED = {"chair": "王主任", "director": "李主任", "handler": "赵经手"}
ABC = ("甲公司", "乙公司", "丙公司")


def sheet(scorer: str, *rows: tuple[str, int, int, int, int]) -> list[ScoreRow]:
    return [ScoreRow(scorer, *row) for row in rows]


def test_the_threshold_is_an_effective_dated_configurable_figure():
    rs = ruleset_on(ON)
    threshold = rs["bulk_purchase_threshold_fen"]
    assert rs.cite("bulk_purchase_threshold_fen").configurable
    assert ruleset_on(date(2017, 1, 1)).has("bulk_purchase_threshold_fen")
    assert is_bulk(threshold, ON).outcome == "bulk"
    below = is_bulk(threshold - 1, ON)
    assert below.outcome == "small" and below.code == "R13.1.small" and below.ok


def test_fewer_than_three_quotes_refused_above_the_threshold_allowed_below_or_with_a_reason():
    big = ruleset_on(ON)["bulk_purchase_threshold_fen"]
    refused = check_quotes(big, ["甲公司", "乙公司", " 甲公司 "], ON)
    assert not refused.ok and refused.code == "R13.1.quotes_insufficient"
    assert str(refused.citation).startswith("《代办机构服务项目管理办法》(004) 附件4")
    assert check_quotes(big - 1, ["甲公司"], ON).ok
    assert check_quotes(big, list(ABC), ON).code == "R13.1.quotes_ok"
    reasoned = check_quotes(big, ["甲公司"], ON, "独家代理")
    assert reasoned.ok and reasoned.severity == "warning" and "独家代理" in reasoned.message


def test_a_score_sheet_refuses_points_out_of_range_unknown_and_repeated_suppliers():
    assert check_score_sheet("张", sheet("张", ("甲公司", 20, 30, 40, 10)), ABC, ON).ok
    over = check_score_sheet("张", sheet("张", ("甲公司", 20, 31, 40, 10)), ABC, ON)
    assert over.code == "R13.1.score_out_of_range" and "财务报价" in over.message and "0 至 30" in over.message
    assert check_score_sheet("张", sheet("张", ("甲公司", -1, 0, 0, 0)), ABC, ON).code == "R13.1.score_out_of_range"
    assert check_score_sheet("张", sheet("张", ("丁公司", 1, 1, 1, 1)), ABC, ON).code == "R13.1.unknown_supplier"
    twice = sheet("张", ("甲公司", 1, 1, 1, 1), ("甲公司", 2, 2, 2, 2))
    assert check_score_sheet("张", twice, ABC, ON).code == "R13.1.scored_twice"
    assert check_score_sheet(" ", sheet(" ", ("甲公司", 1, 1, 1, 1)), ABC, ON).code == "R13.1.scorer_missing"


def test_the_winner_is_the_highest_total_summed_over_the_scorers():
    scores = sheet("张", ("甲公司", 18, 25, 35, 8), ("乙公司", 15, 28, 30, 9), ("丙公司", 10, 20, 20, 5)) + sheet(
        "李", ("甲公司", 16, 24, 33, 8), ("乙公司", 19, 29, 38, 9), ("丙公司", 10, 20, 20, 5)
    )
    decision = rank(ABC, scores, ON)
    assert decision.outcome == "winner" and decision.data["winner"] == "乙公司"
    assert dict(decision.data["totals"]) == {"乙公司": 177, "甲公司": 167, "丙公司": 110}
    incomplete = rank(ABC, scores[:-1], ON)
    assert incomplete.code == "R13.1.sheet_incomplete" and "丙公司" in incomplete.message
    assert rank(ABC, [], ON).code == "R13.1.no_scores"


def test_a_tie_or_another_supplier_needs_a_recorded_reason():
    big = ruleset_on(ON)["bulk_purchase_threshold_fen"]
    tie = sheet("张", ("甲公司", 20, 30, 40, 10), ("乙公司", 20, 30, 40, 10), ("丙公司", 1, 1, 1, 1))
    facts = PurchaseFacts(big, ABC, tuple(tie), SIGNED)
    assert choose_supplier(facts, None, None, ON).errors[0].code == "R13.1.tie_needs_choice"
    assert choose_supplier(facts, "乙公司", None, ON).errors[0].code == "R13.1.tie_reason_missing"
    chosen = choose_supplier(facts, "乙公司", "交货期更短", ON)
    assert chosen.ok and chosen.decisions[-1].data["supplier"] == "乙公司"
    assert "R13.1.tie_reason" in chosen.codes
    assert choose_supplier(facts, "丙公司", None, ON).errors[0].code == "R13.1.not_highest_missing"
    exception = choose_supplier(facts, "丙公司", "唯一能按期供货", ON)
    assert exception.ok and "R13.1.not_highest" in exception.codes
    assert choose_supplier(facts, "丁公司", "x", ON).errors[0].code == "R13.1.unknown_supplier"


def test_a_bulk_purchase_needs_scores_and_the_three_signatures_a_small_one_neither():
    big = ruleset_on(ON)["bulk_purchase_threshold_fen"]
    scores = tuple(sheet("张", ("甲公司", 20, 30, 40, 10), ("乙公司", 1, 1, 1, 1), ("丙公司", 2, 2, 2, 2)))
    unsigned = choose_supplier(PurchaseFacts(big, ABC, scores, {"chair": "王主任"}), None, None, ON)
    assert "R13.1.comparison_unsigned" in [d.code for d in unsigned.errors]
    assert "代办处主任、经手人" in check_comparison_signed({"chair": "王主任"}, ON).message
    assert "R13.1.no_scores" in [
        d.code for d in choose_supplier(PurchaseFacts(big, ABC, (), SIGNED), None, None, ON).errors
    ]
    decided = choose_supplier(PurchaseFacts(big, ABC, scores, SIGNED), None, None, ON)
    assert decided.ok and decided.decisions[-1].data == {"supplier": "甲公司", "bulk": True}
    small = choose_supplier(PurchaseFacts(big - 1, ("甲公司",)), None, None, ON)
    assert small.ok and small.decisions[-1].data["supplier"] == "甲公司"
    two = PurchaseFacts(big - 1, ("甲公司", "乙公司"))
    assert choose_supplier(two, None, None, ON).errors[0].code == "R13.1.choose_supplier"
    assert choose_supplier(two, "乙公司", None, ON).ok


def test_disposal_needs_reason_and_approval_and_the_count_one_per_year():
    acquired, today = date(2024, 3, 1), date(2026, 6, 1)
    assert check_disposal(acquired, today, "报废", "主任办公会纪要3号", today).ok
    assert check_disposal(acquired, today, " ", "批准", today).code == "R13.2.disposal_reason"
    assert check_disposal(acquired, today, "报废", "", today).code == "R13.2.disposal_approval"
    assert check_disposal(acquired, date(2024, 1, 1), "报废", "批准", today).code == "R13.2.disposal_before_acquisition"
    assert check_count(2025, date(2026, 1, 10), today, None).ok
    assert check_count(2025, date(2026, 3, 1), today, None).code == "R13.2.count_wrong_year"
    assert check_count(2026, date(2026, 5, 1), today, date(2026, 4, 1)).code == "R13.2.count_exists"
    assert check_count(2026, date(2026, 7, 1), today, None).code == "R13.2.count_future"
