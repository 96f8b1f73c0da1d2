"""The home menu: the business screens, in the order clerks reach for them.

Each entry names the home-screen binding that opens it. ``screen`` is None while the
screen is not built yet: opening it then shows ``PendingScreen`` ("尚未提供") instead of
failing. A later screen is added by giving its entry a factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen

from tui.screens.budget import BudgetScreen
from tui.screens.claims import ClaimsScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.disbursements import DisbursementsScreen
from tui.screens.handover import HandoverScreen
from tui.screens.lookup import LookupScreen
from tui.screens.renewals import RenewalsScreen
from tui.screens.reports import ReportsScreen
from tui.screens.selfcheck import SelfcheckScreen
from tui.screens.sync import SyncScreen
from tui.screens.worklog import WorklogScreen


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
    MenuEntry("todo", "1", "待办", "今天要办的事：续保窗口、未结报案、待签收", DashboardScreen),
    MenuEntry("lookup", "2", "会员查询", "按身份证号、姓名或单位查询会员的保障状态", LookupScreen),
    MenuEntry("claim", "3", "报案登记", "登记报案并做初步审核，跟踪上报与打回", ClaimsScreen),
    MenuEntry("renewal", "4", "续保跟踪", "各单位保单的续保期限与办理情况", RenewalsScreen),
    MenuEntry("welfare", "5", "互助互济", "生活救助、助学、慰问的登记、审批与签收", DisbursementsScreen),
    MenuEntry("handover", "6", "交接记录", "经办人员变更时的交接清单与监交", HandoverScreen),
    MenuEntry("sync", "7", "同步", "与办事处交换月度数据包并核对差异", SyncScreen),
    MenuEntry("reports", "8", "报表", "报案登记簿、慰问金发放登记簿及签收单、业务统计与预算执行表", ReportsScreen),
    MenuEntry("worklog", "9", "工作记录", "管委会会议、业务培训、投稿的登记与导入", WorklogScreen),
    MenuEntry("selfcheck", "0", "稽核自查", "年度稽核各项目的自动计算、人工核对清单及应备资料", SelfcheckScreen),
    MenuEntry("budget", "b", "年度预算", "年度预算的编制、修订与管委会批准；各科目批准数、已列支与余额", BudgetScreen),
)


def menu_entry(name: str) -> MenuEntry:
    return next(entry for entry in MENU if entry.name == name)
