"""The shared column layout (tui/widgets/columns.py): which columns a width shows, and values
shortened only where their column allows, never a date; widths in display cells."""

from __future__ import annotations

from rich.cells import cell_len

from tui.widgets.columns import Col, common_prefix, cut_end, cut_middle, plan_widths, shared_prefixes, shorten

COLUMNS = (
    Col("编号"),
    Col("日期"),
    Col("单位名称", 2, "distinct", min_width=8),
    Col("诊断", 1, "end", min_width=6),
    Col("经办", 3),
)
NATURAL = [4, 10, 28, 16, 6]


def test_everything_whole_when_there_is_room():
    assert plan_widths(COLUMNS, NATURAL, 200) == NATURAL


def test_a_narrow_width_cuts_shortenable_columns_then_leaves_out_the_least_important():
    # 4+10+8+6+6 = 34 plus 2 padding each = 44: all fit at their minimum, spare goes to 诊断 first.
    widths = plan_widths(COLUMNS, NATURAL, 50)
    assert widths[:2] == [4, 10] and widths[4] == 6
    assert widths[3] == 12 and widths[2] == 8
    # 40 cells: the least important column (经办, priority 3) goes, dates stay whole.
    widths = plan_widths(COLUMNS, NATURAL, 40)
    assert widths[4] is None and widths[1] == 10
    # Narrower than the columns always shown: nothing is cut below them, the table scrolls.
    assert plan_widths(COLUMNS, NATURAL, 10)[:2] == [4, 10]


def test_a_left_out_column_comes_back_when_it_fits_after_all():
    columns = (Col("a"), Col("wide", 1, min_width=20), Col("n", 2))
    # 2+2 + 20+2 + 3+2 = 31 > 20: "n" (priority 2) goes first but does not make room; "wide" goes;
    # then "n" fits again.
    assert plan_widths(columns, [2, 20, 3], 20) == [2, None, 3]


def test_max_width_is_reached_first_then_spare_cells_widen_further():
    columns = (Col("a", 0, "end", min_width=4, max_width=6), Col("b", 1, "end", min_width=4, max_width=6))
    assert plan_widths(columns, [10, 10], 2 * 2 + 12) == [6, 6]
    assert plan_widths(columns, [10, 10], 2 * 2 + 16) == [10, 6]


def test_shortening_by_display_width():
    assert cut_end("恶性肿瘤（结肠癌）", 9) == "恶性肿瘤…"
    assert cell_len(cut_end("恶性肿瘤（结肠癌）", 9)) <= 9
    assert cut_middle("北京市朝阳区甲机械厂工会", 11) == "北京…厂工会"
    assert shorten("2026-12-16", 4, "whole") == "2026-12-16"


def test_unit_names_lose_their_common_prefix_first():
    units = ["北京市朝阳区甲机械厂工会", "北京市朝阳区乙街道工会", "北京市朝阳区丙物流公司工会"]
    prefix = common_prefix(units)
    assert prefix == "北京市朝阳区"
    shown = [shorten(u, 13, "distinct", prefix) for u in units]
    assert shown == ["…甲机械厂工会", "…乙街道工会", "…丙物流公司…"]
    assert len(set(shown)) == 3
    assert common_prefix(["北京市朝阳区", "北京市朝阳区"]) == ""  # one value: nothing to distinguish
    assert common_prefix(["北京市朝阳区甲", "北京市朝阳区"]) == "北京市朝阳"  # each keeps something


def test_each_unit_name_loses_what_it_shares_with_its_nearest_namesake():
    # The demo's units: some start 北京市朝阳区, others only 北京; with one prefix for the column
    # (北京) five different units all read …市朝阳区… at 80 columns.
    units = [
        "北京市朝阳区小红门市场监督管理所工会",
        "北京市朝阳区左家庄街道办事处工会",
        "北京四通建设工程有限公司工会委员会",
        "北京万迅电脑环境工程有限公司工会委员会",
        "北京万迅电脑文化传媒有限公司工会委员会",
    ]
    assert common_prefix(units) == "北京"
    prefixes = shared_prefixes(units)
    assert prefixes[units[0]] == prefixes[units[1]] == "北京市朝阳区"
    assert prefixes[units[2]] == "北京" and prefixes[units[3]] == "北京万迅电脑"
    shown = [shorten(u, 12, "distinct", prefixes[u]) for u in units]
    assert shown == ["…小红门市场…", "…左家庄街道…", "…四通建设工…", "…环境工程有…", "…文化传媒有…"]
    assert shared_prefixes(["北京市朝阳区", "北京市朝阳区"]) == {"北京市朝阳区": ""}
    assert shared_prefixes(["北京市朝阳区甲", "北京市朝阳区"])["北京市朝阳区"] == "北京市朝阳"


def test_a_wrap_column_goes_on_under_itself_and_the_other_columns_stay_whole():
    from rich.console import Console

    from tui.widgets.columns import FitRichTable

    reason = "退休日不晚于保障起始日：已办理正式退休手续的职工不予承保（第十七条1）"
    assert shorten(reason, 10, "wrap") == reason
    table = FitRichTable(
        "",
        (Col("姓名"), Col("身份证号", 1), Col("续保", 0, "wrap", min_width=16)),
        [
            ("欧阳娜仁高娃一", "110105********1234", reason),
        ],
    )
    console = Console(width=60, file=None, color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(table)
    lines = capture.get().splitlines()
    assert "欧阳娜仁高娃一" in lines[1] and "110105********1234" in lines[1]
    column = cell_len(lines[1][: lines[1].index("退休")])
    assert len(lines) > 3 and all(line[:column].strip() == "" for line in lines[2:])
    assert "".join(line.strip() for line in [lines[1][lines[1].index("退休") :], *lines[2:]]) == reason
    # too narrow for the ID beside a whole name and the reason's 16 cells: the ID goes, nothing is cut
    assert table.widths(30)[1] is None and table.widths(30)[0] == cell_len("欧阳娜仁高娃一")
