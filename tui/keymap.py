"""User key remapping: a small TOML file of ``binding_id = "key"`` lines.

Clerks work over SSH from terminals that swallow some keys (F-keys on old PuTTY set-ups,
Ctrl+L in some multiplexers), so every binding carries an id and any of them can be moved
to another key without a code change.

Where the file is read from: ``$HUZHU_KEYMAP`` if set, else
``$XDG_CONFIG_HOME/huzhu/keymap.toml`` (``~/.config/huzhu/keymap.toml`` by default).
A missing default file is normal; a missing ``$HUZHU_KEYMAP`` file, a file that is not
valid TOML, an unknown id or a value that is not a string is reported in Chinese when
the TUI starts, and the defaults stay in force for what could not be used.

Values are Textual key names: ``"f2"``, ``"ctrl+o"``, ``"1"``, ``"escape"``; several keys
for one binding are separated by commas: ``"2,f2"``. Example::

    # ~/.config/huzhu/keymap.toml
    "app.lock" = "f12"
    "home.lookup" = "2,f2"

Binding ids (the screen that owns each binding, its default key, what it does):

=====================  ===========  ==========  ==========================================
id                     screen       default     action
=====================  ===========  ==========  ==========================================
app.quit               all          ctrl+q      退出（关闭数据库）
app.lock               all          ctrl+l      锁定（隐藏全部数据，须重新输入口令）
app.command_palette    all          ctrl+p      命令面板（列出所有功能）
app.help_quit          all          ctrl+c      提示如何退出（防止误按 Ctrl+C）
unlock.submit          解锁         enter       解锁（在用户名栏按下则跳到口令栏）
lock.submit            已锁定       enter       重新解锁
home.todo              首页         1           待办
home.lookup            首页         2           会员查询
home.claim             首页         3           报案登记
home.renewal           首页         4           续保跟踪
home.welfare           首页         5           互助互济
home.handover          首页         6           交接记录
home.sync              首页         7           同步
home.refresh           首页         f5          刷新概况
screen.back            其他页面     escape      返回上一页
=====================  ===========  ==========  ==========================================

``tests/tui`` checks that this table lists exactly the ids the screens define.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

ENV_KEYMAP = "HUZHU_KEYMAP"


@dataclass
class LoadedKeymap:
    """The usable part of a keymap file, and what was wrong with the rest (Chinese, for a notice)."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def keymap_path() -> tuple[Path, bool]:
    """The keymap file to read, and whether the user named it explicitly (then it must exist)."""
    explicit = os.environ.get(ENV_KEYMAP)
    if explicit:
        return Path(explicit).expanduser(), True
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "huzhu" / "keymap.toml", False


def load_keymap(known_ids: Collection[str], path: Path | None = None) -> LoadedKeymap:
    """Read the keymap file; never raises, so a bad file cannot stop a clerk from working."""
    explicit = path is not None
    if path is None:
        path, explicit = keymap_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems = [f"按键配置文件不存在：{path}"] if explicit else []
        return LoadedKeymap(problems=problems)
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedKeymap(problems=[f"无法读取按键配置文件 {path}：{getattr(exc, 'strerror', None) or exc}"])
    except tomllib.TOMLDecodeError as exc:
        return LoadedKeymap(problems=[f"按键配置文件格式有误，已使用默认按键：{path}（{exc}）"])

    loaded = LoadedKeymap()
    for binding_id, keys in data.items():
        if binding_id not in known_ids:
            loaded.problems.append(f"按键配置中的“{binding_id}”不是已知的功能编号，已忽略")
        elif not isinstance(keys, str) or not keys.strip():
            loaded.problems.append(f"按键配置中“{binding_id}”的值应为按键名称（如 \"f2\"），已忽略")
        else:
            loaded.keymap[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return loaded
