"""会员查询: F2 from anywhere, search as you type (masked IDs), the member's record."""

from __future__ import annotations

import dataclasses
import threading

from demo_kit import DEMO_PASSPHRASE, DEMO_USER
from textual import events
from textual.widgets import Input
from tui_testkit import screen_text, settle

import tui.screens.lookup as lookup_module
from models.lookup import lookup
from models.member_detail import member_detail
from rules import mask_id
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.lookup import LookupScreen, MemberScreen
from tui.screens.renewals import RenewalsScreen

SIZE = (80, 24)


def demo_app(small_demo):
    return make_app(db_path=small_demo.path, user=DEMO_USER, passphrase=DEMO_PASSPHRASE, keymap={}, today=TODAY)


async def search(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause(0.4)  # past the debounce
    await settle(pilot)


async def test_search_by_initials_and_id_suffix_shows_masked_ids_and_opens_the_record(small_demo):
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        await search(pilot, small_demo.initials)
        text = screen_text(app)
        assert small_demo.name in text and mask_id(small_demo.id_number) in text
        assert small_demo.id_number not in text and "按拼音首字母查询" in text
        query = app.screen.query_one("#lookup-query", Input)
        query.value = ""
        await search(pilot, small_demo.id_number[-6:])
        text = screen_text(app)
        assert "按身份证号后几位查询：1 位" in text and small_demo.name in text
        await pilot.press("enter", "enter")  # into the results, then open the member
        await settle(pilot)
        assert isinstance(app.screen, MemberScreen) and app.screen.member_id == small_demo.member_id
        text = screen_text(app)
        assert "保障状态" in text and "依据 《代办处管理办法》(000)" in text
        assert small_demo.id_number not in text and mask_id(small_demo.id_number) in text
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert "报案记录" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)


async def test_typing_fast_searches_once_and_shows_only_the_last_query(small_demo):
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        started = []
        original = app.screen.search
        app.screen.search = lambda query, today: (started.append(query), original(query, today))
        # Keys that arrive together, as a terminal delivers fast typing or an input method's
        # commit: the first may start a search at once (no timer holds the last key back), the
        # rest wait for it and are searched as one; only the last query's answer is shown.
        for ch in "zzzq":
            app.post_message(events.Key(ch, ch))
        await pilot.pause(0.4)
        await settle(pilot)
        assert started[-1] == "zzzq" and len(started) <= 2, started
        assert "按拼音首字母没有找到“zzzq”" in screen_text(app)


def slow_first(monkeypatch, target, stale):
    """The lookup screen's first call of ``target`` (through ``tui.reader.read``) finishes only
    when the returned event is set, and answers ``stale(answer)``: what a read made before a
    change would have said."""
    release = threading.Event()
    real_read = lookup_module.read
    calls = []

    def read(fn, *args):
        answer = real_read(fn, *args)
        if fn is target:
            calls.append(args)
            if len(calls) == 1:
                release.wait(10)
                return stale(answer)
        return answer

    monkeypatch.setattr(lookup_module, "read", read)
    return release, calls


async def shown(pilot, text: str, seconds: float = 10.0) -> str:
    """The screen's text once it shows ``text`` (``settle`` would wait for the hanging worker)."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause(0.05)
        if text in (now := screen_text(pilot.app)):
            return now
    raise AssertionError(f"{text!r} not shown: {screen_text(pilot.app)}")


async def test_a_search_overtaken_by_a_newer_one_is_not_shown_when_it_finishes_last(small_demo, monkeypatch):
    """Stale results are dropped by run, not by query text: the clerk typed a key and took it
    back, so the newer search has the same text as the slow one."""
    release, calls = slow_first(monkeypatch, lookup, lambda r: dataclasses.replace(r, members=[]))
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        field = app.screen.query_one("#lookup-query", Input)
        field.value = small_demo.initials  # as one burst of keys: one search, which hangs
        await pilot.pause(0.3)
        field.value = small_demo.initials + "9"
        await pilot.pause(0.3)
        field.value = small_demo.initials
        await shown(pilot, small_demo.name)
        assert [query for query, *_ in calls] == [small_demo.initials, small_demo.initials + "9", small_demo.initials]
        release.set()
        await settle(pilot)
        text = screen_text(app)
        assert small_demo.name in text and "没有找到" not in text


async def test_a_member_read_overtaken_by_a_newer_one_is_not_shown(small_demo, monkeypatch):
    def renamed(detail):  # the record as read before the member's name was corrected
        return dataclasses.replace(detail, member=dataclasses.replace(detail.member, name="旧名字"))

    release, calls = slow_first(monkeypatch, member_detail, renamed)
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(MemberScreen(small_demo.member_id))  # its first read hangs
        await pilot.pause(0.3)
        await pilot.press("f5")
        await shown(pilot, "保障状态")
        assert len(calls) == 2
        release.set()
        await settle(pilot)
        text = screen_text(app)
        assert small_demo.name in text and "旧名字" not in text


async def test_f2_works_from_any_screen_and_returns_to_the_search_field(small_demo):
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        # Keys typed right after F2, before the lookup is mounted, are kept: they search.
        for key, character in (("f2", None), ("z", "z"), ("h", "h")):
            app.post_message(events.Key(key, character))
        await pilot.pause(0.4)
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        query = app.screen.query_one("#lookup-query", Input)
        assert query.value == "zh" and "按拼音首字母查询" in screen_text(app)
        query.value = ""
        await settle(pilot)
        await pilot.press("down")  # nothing to go into yet; the field keeps the focus
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen) and len(app.screen_stack) == 4  # default, home, renewals, lookup
        assert isinstance(app.focused, Input)


async def test_f2_does_nothing_before_unlock(small_demo):
    app = make_app(db_path=small_demo.path, keymap={}, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert type(app.screen).__name__ == "UnlockScreen"


def test_lookup_snapshot(snap_compare, small_demo):
    async def find(pilot) -> None:
        await settle(pilot)
        await pilot.press("f2")
        await search(pilot, "zh")
        app = pilot.app
        app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(demo_app(small_demo), terminal_size=SIZE, run_before=find)


def test_member_record_snapshot(snap_compare, small_demo):
    async def open_member(pilot) -> None:
        await settle(pilot)
        await pilot.press("f2")
        await search(pilot, small_demo.id_number[-6:])
        await pilot.press("enter", "enter")
        await settle(pilot)

    assert snap_compare(demo_app(small_demo), terminal_size=SIZE, run_before=open_member)


async def test_an_empty_result_list_says_why_when_tabbed_into(small_demo):
    """#14: Tab into the empty list showed nothing at all; it says what to type, and after a search
    that found nobody, that it found nobody; Enter on that line opens nothing."""
    app = demo_app(small_demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        results = app.screen.query_one("#lookup-results")
        assert app.focused is results
        assert "无结果：在上方输入姓名、身份证号" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        await pilot.press("slash")
        await search(pilot, "查无此人")
        assert "没有找到“查无此人”" in screen_text(app)
        await pilot.press("down")  # nothing to enter: the focus stays in the field
        await pilot.pause()
        assert isinstance(app.focused, Input)
        query = app.screen.query_one("#lookup-query", Input)
        query.value = ""
        await pilot.pause(0.4)
        await settle(pilot)
        assert "无结果：在上方输入姓名" in screen_text(app)
