"""The home menu: the business screens, in the order clerks reach for them.

Each entry names the home-screen binding that opens it. ``screen`` is None while the
screen is not built yet: opening it then shows ``PendingScreen`` ("尚未提供") instead of
failing. A later screen is added by giving its entry a factory."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


def _screen(module: str, name: str) -> Callable[[], Screen]:
    """A factory that imports the screen's module on first use: the app starts without
    importing every screen (issue 15)."""

    def make() -> Screen:
        return getattr(importlib.import_module(f"tui.screens.{module}"), name)()

    make.__qualname__ = name
    return make


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
    MenuEntry("todo", "1", "待办", "今天要办的事：续保窗口、未结报案、待签收", _screen("dashboard", "DashboardScreen")),
    MenuEntry("lookup", "2", "会员查询", "按身份证号、姓名或单位查询会员的保障状态", _screen("lookup", "LookupScreen")),
    MenuEntry("claim", "3", "报案登记", "登记报案并做初步审核，跟踪上报与打回", _screen("claims", "ClaimsScreen")),
    MenuEntry("renewal", "4", "续保跟踪", "各单位保单的续保期限与办理情况", _screen("renewals", "RenewalsScreen")),
    MenuEntry(
        "welfare",
        "5",
        "互助互济",
        "生活救助、助学、慰问的登记、审批与签收",
        _screen("disbursements", "DisbursementsScreen"),
    ),
    MenuEntry("handover", "6", "交接记录", "经办人员变更时的交接清单与监交", _screen("handover", "HandoverScreen")),
    MenuEntry("sync", "7", "同步", "与办事处交换月度数据包并核对差异", _screen("sync", "SyncScreen")),
    MenuEntry(
        "reports",
        "8",
        "报表",
        "报案登记簿、慰问金发放登记簿及签收单、业务统计与预算执行表",
        _screen("reports", "ReportsScreen"),
    ),
    MenuEntry(
        "worklog", "9", "工作记录", "管委会会议、业务培训、投稿的登记与导入", _screen("worklog", "WorklogScreen")
    ),
    MenuEntry(
        "selfcheck",
        "0",
        "稽核自查",
        "年度稽核各项目的自动计算、人工核对清单及应备资料",
        _screen("selfcheck", "SelfcheckScreen"),
    ),
    MenuEntry(
        "budget",
        "b",
        "年度预算",
        "年度预算的编制、修订与管委会批准；各科目批准数、已列支与余额",
        _screen("budget", "BudgetScreen"),
    ),
    MenuEntry(
        "purchases",
        "a",
        "采购与资产",
        "大宗商品采购的报价、评分与价格对比，固定资产登记、处置与年度盘点",
        _screen("purchases", "PurchasesScreen"),
    ),
    MenuEntry(
        "projects",
        "p",
        "服务项目",
        "会员服务平台服务项目：实施方案、初审、请示、审批、实施资料、反馈与评价（004）",
        _screen("projects", "ProjectsScreen"),
    ),
    MenuEntry(
        "fees",
        "f",
        "会费收缴",
        "各单位应缴、已缴与欠缴会费，登记缴费与代开票据，上交办事处",
        _screen("fees", "FeesScreen"),
    ),
    MenuEntry(
        "mgmt",
        "m",
        "管理费账",
        "管理费收入与各预算科目的支出、余额；登记收入、录入支出",
        _screen("mgmt_fee", "MgmtFeeScreen"),
    ),
)


def menu_entry(name: str) -> MenuEntry:
    return next(entry for entry in MENU if entry.name == name)
