"""Issue 14, focus and input: Ctrl+Q on an unsaved form asks (item 6), F2 does not stack
lookups (item 7), a terminal below 80×24 is told so (item 8), and a stray space in the member
field keeps the member chosen (item 3)."""

from __future__ import annotations

from demo_kit import DEMO_PASSPHRASE
from textual.widgets import Input
from tui_testkit import screen_text, settle

from tui.app import make_app
from tui.screens.claims import ClaimFormScreen, ClaimsScreen
from tui.screens.forms import ConfirmDialog, MemberPicker
from tui.screens.lookup import LookupScreen, MemberScreen
from tui.screens.too_small import TooSmallScreen

SIZE = (80, 24)


async def wait(pilot, seconds: float = 0.5) -> None:
    await pilot.pause(seconds)
    await settle(pilot)


async def test_ctrl_q_on_an_unsaved_form_asks_first(writable_demo):
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await wait(pilot)
        await pilot.press("n")
        await wait(pilot, 0.1)
        form = app.screen
        assert isinstance(form, ClaimFormScreen)
        form.query_one("#diagnosis", Input).value = "肺炎"
        await pilot.press("ctrl+q")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ConfirmDialog) and "确定放弃并退出" in screen_text(app)
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert app.screen is form and form.query_one("#diagnosis", Input).value == "肺炎"
        await pilot.press("ctrl+q", "y")
        await wait(pilot)
    assert app.return_code == 0  # quit once confirmed


async def test_ctrl_q_without_changes_quits_at_once(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await wait(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
    assert app.return_code == 0


async def test_f2_brings_the_open_lookup_to_the_front(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={}, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        depth = len(app.screen_stack)
        await pilot.press("f2")
        await wait(pilot)
        lookup = app.screen
        assert isinstance(lookup, LookupScreen)
        await pilot.press(*"zs")
        await wait(pilot)
        await pilot.press("down", "enter")
        await wait(pilot)
        assert isinstance(app.screen, MemberScreen)
        for _ in range(5):
            await pilot.press("f2")
            await wait(pilot, 0.1)
            assert app.screen is lookup and len(app.screen_stack) == depth + 1
            assert app.screen.focused is lookup.query_one("#lookup-query", Input)
        await pilot.press("escape")  # one Esc home, not nine
        await wait(pilot, 0.1)
        assert len(app.screen_stack) == depth


async def test_below_80_by_24_the_clerk_is_told(small_demo):
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={}, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.resize_terminal(70, 20)
        await wait(pilot, 0.1)
        assert isinstance(app.screen, TooSmallScreen)
        assert "终端至少需要 80×24" in screen_text(app) and "现在是 70×20" in screen_text(app)
        await pilot.resize_terminal(100, 30)
        await wait(pilot, 0.1)
        assert not isinstance(app.screen, TooSmallScreen)


async def test_a_stray_space_keeps_the_chosen_member(writable_demo):
    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await wait(pilot)
        await pilot.press("n")
        await wait(pilot, 0.1)
        assert isinstance(app.screen, ClaimsScreen) is False
        picker = app.screen.query_one(MemberPicker)
        query = app.screen.query_one("#member-query", Input)
        query.value = "zs"
        await wait(pilot)
        if picker.member_id is None:  # several matches: take the first
            await pilot.press("down", "enter")
            await wait(pilot)
        chosen = picker.member_id
        assert chosen is not None
        query.focus()
        await pilot.press("end", "space")
        await wait(pilot)
        assert picker.member_id == chosen


async def test_ticked_and_unticked_differ_by_glyph(writable_demo):
    from textual.widgets import SelectionList

    app = make_app(db_path=writable_demo, passphrase=DEMO_PASSPHRASE, user="wang", keymap={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await wait(pilot)
        await pilot.press("n")
        await wait(pilot, 0.1)
        form = app.screen
        form.query_one("#plan").value = "ZYYL"
        await wait(pilot, 0.2)
        materials = form.query_one("#materials", SelectionList)
        assert materials.option_count > 1
        text = screen_text(app)
        assert "[x]" not in text and text.count("[ ]") >= materials.option_count
        materials.focus()
        materials.highlighted = 0
        await pilot.press("space")
        await wait(pilot, 0.1)
        assert len(materials.selected) == 1
        text = screen_text(app)
        assert text.count("[x]") == 1 and "▐X▌" not in text


async def test_lookup_by_unit_short_digits_and_a_wrong_check_digit(small_demo):
    from models import db as dbmod
    from rules import id_check_char
    from tui.widgets.wrapped import WrappedList

    dbmod.unlock(small_demo.path, "demo", DEMO_PASSPHRASE)
    try:
        code, name, members = dbmod.database.execute_sql(
            "SELECT u.code, u.name, count(m.id) FROM unit u JOIN member m ON m.unit_id = u.id "
            "GROUP BY u.id ORDER BY u.code LIMIT 1"
        ).fetchone()
    finally:
        dbmod.close()
    app = make_app(db_path=small_demo.path, passphrase=DEMO_PASSPHRASE, user="demo", keymap={}, start="home")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await wait(pilot, 0.1)
        results = app.screen.query_one("#lookup-results", WrappedList)
        status = app.screen.query_one("#status")

        async def search(text: str) -> str:
            app.screen.query_one("#lookup-query", Input).value = text
            await wait(pilot, 0.6)
            return str(status.render())

        said = await search(code.lower())
        assert "按单位编码查询" in said and results.option_count == min(members, 20)
        said = await search(name[2:6])  # part of the unit's name, matching no member's name
        assert "按单位名称查询" in said and results.option_count >= 1
        assert "至少 4 位" in await search("123") and not results.has_lines
        body = "11010519800101001"
        wrong = "0" if id_check_char(body) != "0" else "1"
        assert "校验码错误" in await search(body + wrong)
