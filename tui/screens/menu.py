"""The home menu: the business screens, in the order clerks reach for them.

Each entry names the home-screen binding that opens it. ``screen`` is None while the
screen is not built yet: opening it then shows ``PendingScreen`` ("尚未提供") instead of
failing. A later screen is added by giving its entry a factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class MenuEntry:
    name: str  # the action argument and the binding id suffix: home.<name>
    key: str  # default key; users may remap it by binding id
    title: str
    summary: str  # one line, shown in the command palette
    screen: Callable[[], Screen] | None = None

    @property
    def binding_id(self) -> str:
        return f"home.{self.name}"


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("todo", "1", "待办", "今天要办的事：续保窗口、未结报案、待签收"),
    MenuEntry("lookup", "2", "会员查询", "按身份证号、姓名或单位查询会员的保障状态"),
    MenuEntry("claim", "3", "报案登记", "登记报案并做初步审核，跟踪上报与打回"),
    MenuEntry("renewal", "4", "续保跟踪", "各单位保单的续保期限与办理情况"),
    MenuEntry("welfare", "5", "互助互济", "生活救助、助学、慰问的登记、审批与签收"),
    MenuEntry("handover", "6", "交接记录", "经办人员变更时的交接清单与监交"),
    MenuEntry("sync", "7", "同步", "与办事处交换月度数据包并核对差异"),
)


def menu_entry(name: str) -> MenuEntry:
    return next(entry for entry in MENU if entry.name == name)
