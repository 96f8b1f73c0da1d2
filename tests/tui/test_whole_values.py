"""#14 item 9 on 待办, 会员查询 and 年度预算 at 80×24, over a database made by ``huzhu init`` and
the clerk's commands (entered_kit): the longest budget line's name and unit's name are shown
whole (they were cut to ``高温/寒冷/雾 …`` and ``…有限公司工 …``), and a line longer than the
list goes on under its text instead of being cut."""

from __future__ import annotations

from entered_kit import CLERK, CLERK_PASSPHRASE, UNITS
from rich.cells import cell_len
from rich.text import Text
from tui_testkit import screen_text, settle

from tui.app import make_app
from tui.screens.budget import BudgetScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.lookup import LookupScreen
from tui.widgets.columns import FitTable
from tui.widgets.wrapped import hang

#: The longest of the entered kit's names (entered_kit: ``budget add`` and the enrolment file).
WEATHER = "高温/寒冷/雾霾慰问品"
LONGEST_UNIT = max(UNITS.values(), key=len)


async def open_screen(pilot, key: str, kind: type) -> None:
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause(0.3)
    await settle(pilot)
    assert isinstance(pilot.app.screen, kind)


async def test_names_are_whole_at_80_columns(entered_db):
    app = make_app(db_path=entered_db, user=CLERK, passphrase=CLERK_PASSPHRASE, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        lines = screen_text(app).splitlines()
        budget = [line for line in lines if "已付 0.00元 / 20000.00元" in line]
        assert len(budget) == 2 and WEATHER in budget[1], budget
        # the amounts line up after names of different lengths
        assert len({cell_len(line[: line.index("已付")]) for line in budget}) == 1

        await open_screen(pilot, "2", LookupScreen)
        await pilot.press(*"欧阳")
        await pilot.pause(0.3)
        await settle(pilot)
        assert f"U0011 {LONGEST_UNIT}" in screen_text(app)

        await open_screen(pilot, "b", BudgetScreen)
        table = app.screen.query_one("#budget-table", FitTable)
        text = screen_text(app)
        assert WEATHER in text and "20000.00" in text
        # the line's code goes rather than the name being cut; at 120 columns it comes back
        assert "科目代码" not in table.shown and "预算科目" in table.shown
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.3)
        assert "科目代码" in table.shown and "weather_goods" in screen_text(app)


def test_a_long_line_goes_on_under_its_text():
    line = Text("待续保  U0011 住院医疗 按期至 2026-12-16 北京市朝阳区甲机械制造有限公司工会委员会")
    wrapped = hang(line, 50, 8).plain.splitlines()
    assert wrapped[0] == "待续保  U0011 住院医疗 按期至 2026-12-16"
    assert all(rest.startswith(" " * 8) and rest[8] != " " for rest in wrapped[1:])
    assert "".join(rest.strip() for rest in wrapped[1:]) == "北京市朝阳区甲机械制造有限公司工会委员会"
    # a second line keeps its own indent; a line that fits is left as it is
    two = hang(Text("欧阳振华 " + "很长的单位名称" * 6 + "\n  住院医疗:有效"), 40, 9).plain.splitlines()
    assert two[-1] == "  住院医疗:有效" and all(rest.startswith(" " * 9) for rest in two[1:-1])
    assert hang(Text("短"), 40, 8).plain == "短"


async def test_a_wrapped_list_wraps_again_when_resized():
    from textual.app import App

    from tui.widgets.wrapped import Line, WrappedList

    head = "宽限期  U0003 住院医疗 按期至 2026-12-17 "
    # 77 cells: one more than an 80-column list has beside its scrollbar; tall enough to scroll
    names = ["北京市朝阳区小红门市场监督管理所工会"] * 30

    class One(App[None]):
        CSS = "WrappedList { border: none; }"

        def compose(self):
            yield WrappedList(id="list")

        def on_mount(self) -> None:
            self.query_one(WrappedList).set_lines([Line(Text(head + name), 8, str(n)) for n, name in enumerate(names)])

    app = One()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for size in ((120, 24), (80, 24), (100, 24), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            lines = screen_text(app).splitlines()
            starts = [i for i, line in enumerate(lines) if "U0003" in line]
            assert len(starts) > 5, lines
            for n, i in enumerate(starts[:-1]):  # every continuation line under the text, after the tag
                indent = cell_len(lines[i][: lines[i].index("宽限期")]) + 8
                for line in lines[i + 1 : starts[n + 1]]:
                    assert line[:indent].strip() == "" and line[indent] != " ", (size, line)
            # and nothing is cut: each name is whole once its lines are joined
            joined = "".join(line.strip() for line in lines[starts[0] : starts[1]])
            assert names[0] in joined, (size, lines[starts[0] : starts[1]])
