"""Key remapping by binding id, and the rules every binding follows."""

from __future__ import annotations

import re

from textual.binding import Binding
from tui_testkit import PASSPHRASE, screen_text, settle

import tui.keymap
from tests.tui.textual_private import notification_messages
from tui.app import HuzhuApp, binding_ids, make_app
from tui.keymap import load_keymap
from tui.screens.home import HomeScreen
from tui.screens.lookup import LookupScreen

SIZE = (80, 24)
CJK = re.compile(r"[\u4e00-\u9fff]")


async def test_remapped_key_opens_its_screen_and_the_menu_shows_it(branch_db):
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, keymap={"home.lookup": "f2"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert re.search(r"f2\s+会员查询", screen_text(app))
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # the old key no longer opens it
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)


async def test_keymap_file_is_read_from_huzhu_keymap(branch_db, tmp_path, monkeypatch):
    keymap_file = tmp_path / "keys.toml"
    keymap_file.write_text('"app.lock" = "f12"\n"home.todo" = "t"\n"no.such" = "x"\n', encoding="utf-8")
    monkeypatch.setenv("HUZHU_KEYMAP", str(keymap_file))
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert notification_messages(app) == ["按键配置中的“no.such”不是已知的功能编号，已忽略"]
        await pilot.press("f12")
        await pilot.pause()
        assert type(app.screen).__name__ == "LockScreen"


def test_default_keymap_location_honours_xdg_config_home(tmp_path):
    folder = tmp_path / "config" / "huzhu"  # XDG_CONFIG_HOME is tmp_path/config (conftest)
    folder.mkdir(parents=True)
    (folder / "keymap.toml").write_text('"home.refresh" = "r"\n', encoding="utf-8")
    assert load_keymap(binding_ids()).keymap == {"home.refresh": "r"}


def test_missing_default_file_is_silent_but_a_named_one_is_reported(tmp_path, monkeypatch):
    assert load_keymap(binding_ids()).problems == []
    monkeypatch.setenv("HUZHU_KEYMAP", str(tmp_path / "absent.toml"))
    assert load_keymap(binding_ids()).problems == [f"按键配置文件不存在：{tmp_path / 'absent.toml'}"]


def test_bad_keymap_file_keeps_the_defaults(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('"app.lock" = \n', encoding="utf-8")
    loaded = load_keymap(binding_ids(), bad)
    assert loaded.keymap == {} and "格式有误" in loaded.problems[0]
    wrong_type = tmp_path / "wrong.toml"
    wrong_type.write_text('"app.lock" = 12\n"app.quit" = " ctrl+x , f10 "\n', encoding="utf-8")
    loaded = load_keymap(binding_ids(), wrong_type)
    assert loaded.keymap == {"app.quit": "ctrl+x,f10"} and "app.lock" in loaded.problems[0]


def test_every_binding_has_an_id_and_a_chinese_description():
    from textual.screen import Screen

    classes = [HuzhuApp]
    pending = [Screen]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            classes.append(cls)
    bindings = [b for cls in classes for b in cls.__dict__.get("BINDINGS", ())]
    assert bindings and all(isinstance(b, Binding) for b in bindings)
    for binding in bindings:
        assert binding.id, binding
        assert CJK.search(binding.description), binding
    ids = [b.id for b in bindings]
    assert len(ids) == len(set(ids))


def test_keymap_docstring_lists_exactly_the_binding_ids():
    table_ids = set(re.findall(r"^([a-z_]+\.[a-z_]+)\s{2,}", tui.keymap.__doc__, flags=re.MULTILINE))
    assert table_ids == binding_ids()
