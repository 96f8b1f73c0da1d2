"""Issue 14 item 3: every focusable widget on the main screens and forms shows focus by more than
colour, and ticked materials differ from unticked ones by their glyph.

Each screen is opened at 80×24 on one database made by ``huzhu init`` and CLI entries
(tests/tui/cli_branch_kit.py); Tab walks its focusable widgets, and for each the widget's cells are
compared focused and unfocused with every colour taken out: what is left (the glyphs and the
bold, italic, underline, reverse and strike attributes) must differ in at least two cells, so a
text cursor alone (one reversed cell) does not count as showing focus."""

from __future__ import annotations

import pytest
from cli_branch_kit import PASSES, build_branch, copy_branch
from rich.cells import cell_len
from textual.widget import Widget
from textual.widgets import Input, Select
from tui_testkit import TODAY, screen_text, settle

from tests.tui.textual_private import screen_strips
from tui.app import make_app

SIZE = (80, 24)
#: From the menu: the keys that open each screen or form (a form from its register screen).
SCREENS = {
    "工作记录": ("9",),
    "报案登记": ("3",),
    "报案登记/新报案": ("3", "n"),
    "互助互济": ("5",),
    "互助互济/新增支出": ("5", "n"),
    "续保跟踪": ("4",),
    "续保跟踪/办理续保": ("4", "r"),
    "会员查询": ("2", "z", "s"),
    "会员查询/无结果": ("2",),  # the empty result list, Tab from the search field: its placeholder line
    "同步": ("7",),
    "年度预算": ("b",),
    "交接记录/新建交接": ("6", "n"),
}
#: A cell as a clerk without colour sees it: its glyph and its text attributes.
Cell = tuple[str, bool, bool, bool, bool, bool]
MAX_WIDGETS = 40


@pytest.fixture(scope="module")
def branch(tmp_path_factory) -> dict:
    """One database for the module: the walks only move the focus, they write nothing."""
    template = build_branch(tmp_path_factory.mktemp("focus_branch"))
    return {**template, "db": copy_branch(template["db"], tmp_path_factory.mktemp("focus_copy"))}


def cells(app) -> list[list[Cell]]:
    rows = []
    for strip in screen_strips(app):
        row: list[Cell] = []
        for segment in strip:
            style = segment.style
            attrs = (
                (bool(style.bold), bool(style.italic), bool(style.underline), bool(style.reverse), bool(style.strike))
                if style is not None
                else (False,) * 5
            )
            for char in segment.text:
                row.append((char, *attrs))
                row.extend([("", *attrs)] * (cell_len(char) - 1))  # the second cell of a wide glyph
        rows.append(row)
    return rows


async def painted(pilot) -> list[list[Cell]]:
    """The screen's cells once a change of focus has been painted (its styles are applied when
    the app is next idle): two reads in a row alike."""
    last = None
    for _ in range(20):
        await pilot.pause(0.02)
        now = cells(pilot.app)
        if now == last:
            return now
        last = now
    raise AssertionError("the screen did not settle")


def region_cells(grid: list[list[Cell]], widget: Widget) -> list[Cell]:
    region = widget.region
    return [
        cell
        for y in range(max(region.y, 0), min(region.bottom, len(grid)))
        for cell in grid[y][max(region.x, 0) : region.right]
    ]


def name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


async def walk(pilot) -> tuple[list[str], list[str]]:
    """Tab through the screen's focusable widgets: (every widget seen, those whose focus shows
    by colour only)."""
    app = pilot.app
    screen = app.screen
    seen: list[Widget] = []
    colour_only: list[str] = []
    for _ in range(MAX_WIDGETS):
        widget = app.focused
        if widget is None or widget in seen:
            break
        seen.append(widget)
        for field in app.screen.query(Input):
            field.cursor_blink = False
        focused = region_cells(await painted(pilot), widget)
        screen.set_focus(None)
        blurred = region_cells(await painted(pilot), widget)
        if sum(a != b for a, b in zip(focused, blurred, strict=False)) < 2:
            colour_only.append(name(widget))
        screen.set_focus(widget)
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        if app.screen is not screen:
            break
    return [name(w) for w in seen], colour_only


@pytest.mark.parametrize("title", list(SCREENS))
async def test_focus_shows_by_more_than_colour(branch, title):
    app = make_app(db_path=branch["db"], user="zhang", passphrase=PASSES["zhang"], keymap={}, today=TODAY, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in SCREENS[title]:
            await pilot.press(key)
            await pilot.pause(0.3)
            await settle(pilot)
        if app.focused is None:
            await pilot.press("tab")
            await pilot.pause()
        seen, colour_only = await walk(pilot)
        assert seen, (title, screen_text(app))
        assert colour_only == [], f"{title}: focus shown by colour only on {colour_only} (of {seen})"


async def test_ticked_materials_differ_by_glyph_and_the_focused_one_shows(branch):
    """Ticked ``[x]``, unticked ``[ ]``: told apart without colour; the line Space ticks is marked."""
    app = make_app(db_path=branch["db"], user="zhang", passphrase=PASSES["zhang"], keymap={}, today=TODAY, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#plan", Select).value = "ZYYL"
        await settle(pilot)
        materials = app.screen.query_one("#materials")
        materials.focus()
        await settle(pilot)
        seen, colour_only = await walk(pilot)
        assert seen[0] == "TickList#materials" and "TickList#materials" not in colour_only
        materials.focus()
        await pilot.press("space")
        await settle(pilot)
        lines = [line.strip().lstrip("▊") for line in screen_text(app).splitlines() if "[x]" in line or "[ ]" in line]
        assert lines and lines[0].startswith("[x]") and all(line.startswith("[ ]") for line in lines[1:]), lines
