"""Rule sets: loading, validation (incl. R3.1), selection by date, display rows; result objects."""

import copy
import dataclasses
from datetime import date

import pytest

from rules import (
    FIGURE_SPECS,
    SAMPLE_MARKER,
    Citation,
    Decision,
    Report,
    RuleSetError,
    RuleViolation,
    Severity,
    check_caps,
    load_rulesets,
    packaged_rulesets,
    require,
    ruleset_on,
    ruleset_rows,
)


def test_packaged_ruleset_2022_12_carries_the_documented_figures():
    rs = ruleset_on(date(2024, 6, 1))
    assert rs.version == "2022-12"
    assert rs["renewal_window_before_days"] == 15 and rs["renewal_window_after_days"] == 15
    assert rs["term_max_years"] == 3
    assert rs["hardship_aid_year_cap_fen"] == 500_000
    assert rs["weather_goods_occasion_cap_fen"] == 10_000 and rs["weather_goods_year_cap_fen"] == 30_000
    assert rs["condolence_cash_occasion_cap_fen"] == 200_000
    assert rs["cash_payment_max_fen"] == 100_000
    assert (rs["login_warn_days"], rs["login_max_days"]) == (150, 180)
    assert rs.cite("condolence_cash_occasion_cap_fen") == Citation("003", "第五条2(3)")
    assert {code: p.observation_days for code, p in rs.plans.items()} == {"ZYYL": 90, "ZJB": 180, "YWSH": 0}
    assert all(p.sample for p in rs.plans.values())
    assert not rs.plan("YWSH").illness_subject_to_observation


def test_every_figure_has_a_seed_citation():
    rs = ruleset_on(date(2024, 6, 1))
    assert set(rs.figures) == set(FIGURE_SPECS)
    for figure in rs.figures.values():
        assert figure.citation.source in {"000", "001", "002", "003", "004"}
        assert str(figure.citation).startswith("《")


def test_ruleset_on_before_every_ruleset_is_a_clear_error():
    with pytest.raises(LookupError, match="早于所有规则集的生效日"):
        ruleset_on(date(2016, 12, 31))
    assert ruleset_on(date(2022, 12, 1)).version == "2022-12"


def test_rule_sets_go_back_to_2017_with_only_the_figures_then_in_force():
    """000 第三十一条: rules from 2017-01-01; 002's term limit from 2020-03-02; 003's caps from 2022-12."""
    from rules.params import NoFigureInForce

    early, middle = ruleset_on(date(2017, 1, 1)), ruleset_on(date(2020, 3, 2))
    assert (early.version, middle.version) == ("2017-01", "2020-03")
    assert early["renewal_window_after_days"] == 15 and not early.has("term_max_years")
    assert middle["term_max_years"] == 3 and not middle.has("hardship_aid_year_cap_fen")
    with pytest.raises(NoFigureInForce, match="无当时数值"):
        early["hardship_aid_year_cap_fen"]
    # No plan figure before the sample plans' date; the codes are still known (R1.10).
    assert not early.plans and early.plan_or_no_figure("ZYYL").no_figure
    assert early.plan_or_no_figure("NOPE") is None
    rows = {row[0]: row for row in ruleset_rows(early)}
    assert rows["生活救助金 每人每年上限"][1] == "无当时数值"
    history = packaged_rulesets().for_record(date(2016, 5, 1))
    assert history.unchecked_history and not history.figures


def test_a_figure_left_out_is_no_figure_in_force_not_an_error(ruleset_data):
    from rules.params import NoFigureInForce

    ruleset_data["ruleset"][0]["figures"].pop("cash_payment_max_fen")
    rs = load_rulesets(ruleset_data).on(date(2024, 1, 1))
    with pytest.raises(NoFigureInForce):
        rs["cash_payment_max_fen"]


def test_cap_change_from_a_date_needs_no_code_change(ruleset_data):
    later = copy.deepcopy(ruleset_data["ruleset"][0])
    later["version"] = "2026-07"
    later["effective_from"] = date(2026, 7, 1)
    later["figures"]["condolence_cash_occasion_cap_fen"]["value"] = 300_000
    ruleset_data["ruleset"].append(later)
    sets = load_rulesets(ruleset_data)
    before, after = sets.on(date(2026, 6, 30)), sets.on(date(2026, 7, 1))
    assert (before.version, after.version) == ("2022-12", "2026-07")

    refused = check_caps("condolence_cash", 250_000, date(2026, 6, 30), [], before)
    allowed = check_caps("condolence_cash", 250_000, date(2026, 7, 1), [], after)
    assert refused.code == "R3.cap.occasion_exceeded" and refused.ruleset == "2022-12"
    assert allowed.ok and allowed.ruleset == "2026-07"


def test_rule_sets_are_ordered_by_date_whatever_the_file_order(ruleset_data):
    earlier = copy.deepcopy(ruleset_data["ruleset"][0])
    earlier["version"] = "2019"
    earlier["effective_from"] = date(2019, 1, 1)
    ruleset_data["ruleset"].append(earlier)
    sets = load_rulesets(ruleset_data)
    assert [rs.version for rs in sets] == ["2019", "2022-12"]
    assert sets.on(date(2022, 11, 30)).version == "2019"


def test_r3_1_is_not_a_load_time_check_of_the_configuration(ruleset_data):
    """R3.1 as revised (003 第三条3 "原则上"): a condolence cap above an aid cap is not invalid
    configuration; the hierarchy is a per-case warning (rules.disbursements.check_hierarchy)."""
    ruleset_data["ruleset"][0]["figures"]["condolence_cash_occasion_cap_fen"]["value"] = 600_000
    ruleset_data["ruleset"][0]["figures"]["education_aid_year_cap_fen"]["value"] = 150_000
    loaded = load_rulesets(ruleset_data)
    assert loaded.sets[0]["condolence_cash_occasion_cap_fen"] == 600_000


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda r: r["figures"].__setitem__("surprise_days", {"value": 1, "citation": "000 第一条"}),
            "未知的键 surprise_days",
        ),
        (lambda r: r["figures"]["term_max_years"].__setitem__("value", 0), "应为正整数"),
        (lambda r: r["figures"]["term_max_years"].__setitem__("value", "3"), "应为正整数"),
        (lambda r: r["figures"]["cash_payment_max_fen"].__setitem__("value", 1000.0), "应为正整数"),
        (lambda r: r["figures"]["term_max_years"].__setitem__("citation", "999 第一条"), "未知的来源文件编号"),
        (lambda r: r["figures"]["term_max_years"].__setitem__("note", "x"), "未知的键 note"),
        (lambda r: r.__setitem__("effective_from", "2022-12-01"), "effective_from"),
        (lambda r: r["figures"]["activity_winners_max_share"].__setitem__("value", "3/2"), "分数"),
        (lambda r: r["figures"]["selfassessment_window_start"].__setitem__("value", "13-01"), "月日"),
        (lambda r: r["figures"]["login_warn_days"].__setitem__("value", 200), "应小于上限"),
        (lambda r: r["figures"]["supplier_weight_price"].__setitem__("value", 31), "之和应为100"),
        (lambda r: r["plans"][0].__setitem__("category", "life"), "category"),
        (lambda r: r["plans"][0]["observation_days"].__setitem__("value", -1), "非负整数"),
        (lambda r: r["plans"][0].__setitem__("term_months", 48), "超过保障期限上限"),
        (lambda r: r["plans"][1].__setitem__("code", "ZYYL"), "重复"),
        (lambda r: r["plans"][0]["required_materials"].__setitem__("value", []), "材料"),
    ],
)
def test_invalid_configuration_is_refused_with_a_clear_message(ruleset_data, mutate, expected):
    mutate(ruleset_data["ruleset"][0])
    with pytest.raises(RuleSetError, match=expected):
        load_rulesets(ruleset_data)


def test_duplicate_effective_dates_are_refused(ruleset_data):
    twin = copy.deepcopy(ruleset_data["ruleset"][0])
    twin["version"] = "twin"
    ruleset_data["ruleset"].append(twin)
    with pytest.raises(RuleSetError, match="生效日重复"):
        load_rulesets(ruleset_data)


def test_ruleset_rows_give_figure_value_unit_citation_and_mark_sample_plans():
    rows = ruleset_rows(packaged_rulesets().on(date(2024, 1, 1)))
    assert all(len(row) == 4 for row in rows)
    by_name = {row[0]: row for row in rows}
    assert by_name["慰问金 每人每次上限"] == (
        "慰问金 每人每次上限",
        "2000.00",
        "元",
        "《互助互济支出使用办法》(003) 第五条2(3)",
    )
    observation = [row for row in rows if row[0].endswith("观察期") and "ZJB" in row[0]]
    assert observation and SAMPLE_MARKER in observation[0][0] and observation[0][1] == "180"


def _decision(severity):
    return Decision("x", "T.code", "消息", Citation("000", "第十七条2"), "2022-12", severity, {"a": 1})


def test_decision_is_frozen_and_ok_depends_on_severity():
    decision = _decision(Severity.WARNING)
    assert decision.ok and not _decision(Severity.ERROR).ok
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.code = "other"
    with pytest.raises(TypeError):
        decision.data["a"] = 2
    assert str(decision.citation) == "《代办处管理办法》(000) 第十七条2"


def test_report_and_require():
    report = Report((_decision(Severity.INFO), _decision(Severity.WARNING)))
    assert report.ok and len(report.warnings) == 1 and require(report) is report
    failing = Report((_decision(Severity.WARNING), _decision(Severity.ERROR)))
    assert not failing.ok and len(failing.errors) == 1
    with pytest.raises(RuleViolation) as caught:
        require(failing)
    assert caught.value.decision is failing.errors[0] and caught.value.report is failing
    with pytest.raises(RuleViolation):
        require(_decision(Severity.ERROR))
