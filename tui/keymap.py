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
app.lookup             all          f2          会员查询（在任何页面；已在查询页则回到输入框）
unlock.submit          解锁         enter       解锁（在用户名栏按下则跳到口令栏）
lock.submit            已锁定       enter       重新解锁
unlock.submit_lf       解锁         ctrl+j      同回车（程序启动前键入的回车到达时是换行符）
lock.submit_lf         已锁定       ctrl+j      同回车
warnings.close         解锁后提示   enter       关闭解锁后的提示（只读、数据比已发送的旧等；Esc 也可）
home.todo              首页         1           待办
home.lookup            首页         2           会员查询
home.claim             首页         3           报案登记
home.renewal           首页         4           续保跟踪
home.welfare           首页         5           互助互济
home.handover          首页         6           交接记录
home.sync              首页         7           同步
home.reports           首页         8           报表
home.worklog           首页         9           工作记录
home.selfcheck         首页         0           稽核自查
home.budget            首页         b           年度预算
home.purchases         首页         a           采购与资产
home.projects          首页         p           服务项目
home.fees              首页         f           会费收缴
home.mgmt              首页         m           管理费账
home.refresh           首页         f5          刷新概况
screen.back            其他页面     escape      返回上一页
form.save              新增表单     ctrl+s      保存表单（离开未保存的表单前会先确认）
confirm.yes            确认框       y           确定
confirm.no             确认框       n,escape    取消
dialog.save            办理对话框   ctrl+s      保存（也可在输入框按回车）
dialog.cancel          办理对话框   escape      取消
claims.new             报案登记     n           登记新报案
claims.correct         报案登记     c           更正（上报前，须填原因；原值保留）
claims.submit          报案登记     s           上报
claims.return          报案登记     r           打回（须填原因）
claims.resubmit        报案登记     u           重新上报
claims.settle          报案登记     j           结案给付（填互助金金额）
claims.decline         报案登记     d           拒付（须填原因）
claims.direct_pay      报案登记     p           直赔失败跟进（下一环节）
claims.refresh         报案登记     f5          刷新
claim_form.tick_all    新报案表单   ctrl+t      勾选全部申报资料（已全部勾选时取消）
findings.register      初审确认     y           仍要登记（初审发现按所报内容不予给付的问题时）
findings.cancel        初审确认     n,escape    返回报案表单，不登记
welfare.new            互助互济     n           新增支出
welfare.approve        互助互济     a           审批（须为录入人以外的负责人）
welfare.pay            互助互济     p           发放（转账凭证号或现金签收）
welfare.sign           互助互济     g           受益会员签收
welfare.void           互助互济     x           作废（负责人，须填原因；记录保留）
welfare.refresh        互助互济     f5          刷新
handover.new           交接记录     n           新建交接（清单、未办结事项、双方确认、账号变更）
handover.report        交接记录     r           记录所选交接上报办事处的日期
handover.refresh       交接记录     f5          刷新
record.close           整条记录     escape      关闭整条记录（回车也可；在登记簿上按回车打开）
sync.export            同步         ctrl+o      导出所填期间的月度数据包（也可在期间栏按回车）
sync.receive           同步         ctrl+r      接收回执文件栏中的办事处回执
sync.notice_done       同步         d           将所选办事处通知标记为已处理
sync.key_setup         同步         f4          安装办事处公钥（负责人，核对指纹）
sync.refresh           同步         f5          刷新
todo.member            待办         m           查看该项涉及的会员
todo.refresh           待办         f5          刷新待办
lookup.search          会员查询     /           回到查询输入框
member.refresh         会员信息     f5          刷新会员信息
member.edit            会员信息     e           修改资料：手机号、开户行和账号、退休日期（留存修改记录）
renewal.record         续保跟踪     r           办理所选单位险种的续保（也可按回车）
renewal.filter         续保跟踪     f           切换状态筛选（待办、全部、各状态）
renewal.search         续保跟踪     /           搜索单位编码、名称或险种
renewal.import         续保跟踪     i           导入参保名单文件
renewal.refresh        续保跟踪     f5          刷新
renew.confirm          办理续保     ctrl+s      确认办理（先回车核算结果）
renew.import           办理续保     ctrl+o      续保办理后导入新增人员名单
import.confirm         导入参保名单 ctrl+s      确认导入（先回车检查文件）
reports.preview        报表         f5          预览所选报表
reports.export         报表         ctrl+o      导出为 .xlsx 或 .csv（文件栏填写路径）
worklog.save           工作记录     ctrl+s      登记（也可在输入框按回车）
worklog.import         工作记录     ctrl+o      导入文件栏中的 .csv/.xlsx（有错则全部不写入）
worklog.refresh        工作记录     f5          刷新
selfcheck.tick         稽核自查     t           勾选/取消人工核对项目（连同核对说明）
selfcheck.export       稽核自查     ctrl+o      导出自查表 .xlsx
selfcheck.refresh      稽核自查     f5          按所填年度重新计算
budget.add             年度预算     a           在预算草稿中新增科目
budget.amend           年度预算     m           修订科目（须写明理由，修订后须重新批准）
budget.approve         年度预算     p           按管委会审议结果批准草稿（仅负责人）
budget.refresh         年度预算     f5          按所填年度重新读取
purchases.toggle       采购与资产   t           在采购与固定资产之间切换
purchases.new          采购与资产   n           登记新采购（商品、数量、预计金额、预算科目）
purchases.quote        采购与资产   q           登记所选采购的一家供应商报价
purchases.score        采购与资产   s           登记一位评分人员的评分表（附件3）
purchases.compare      采购与资产   c           价格对比表（附件4）三方签字
purchases.decide       采购与资产   d           确定供应商（总分最高者；并列或另选须写明理由）
purchases.asset_add    采购与资产   a           登记固定资产（可取自已确定供应商的采购）
purchases.move         采购与资产   m           变更所选资产的存放地点或保管人
purchases.dispose      采购与资产   x           处置所选资产（须写明原因和审批）
purchases.count        采购与资产   k           年度财产盘点（未找到、有差异）
purchases.refresh      采购与资产   f5          刷新
projects.new           服务项目     n           登记新项目的实施方案（附件1）
projects.advance       服务项目     a           办理所选项目的下一步骤（先选步骤，再填材料）
projects.terminate     服务项目     t           终止所选项目（004 五：情形与平台公告）
projects.refresh       服务项目     f5          刷新
fees.receive           会费收缴     r           登记单位缴费及代开票据号（票据按册连号）
fees.remit             会费收缴     t           登记上交办事处（金额、日期、银行凭证号、涵盖票据）
fees.void              会费收缴     x           作废开错的票据（负责人，须填原因；号码保留）
fees.refresh           会费收缴     f5          刷新
mgmt.income            管理费账     i           登记管理费收入（回拨管理费须填文号）
mgmt.spend             管理费账     s           录入互助互济以外的管理费支出
mgmt.refresh           管理费账     f5          按所填年度重新读取
office_board.open      代办处看板   enter       打开所选代办处（办事处数据库）
office_board.todo      代办处看板   t           办事处待办
office_board.totals    代办处看板   s           各代办处汇总（按险种、月份）
office_board.exchange  代办处看板   i           导入数据包与对账
office_board.yearly    代办处看板   y           各代办处年度自审材料
office_board.refresh   代办处看板   f5          刷新看板
office_branch.back     代办处       escape      返回看板
office_branch.notice   代办处       n           登记发给该代办处的通知（随下一份回执发出）
office_branch.answer   代办处       a           写出给该代办处的回执数据包
office_branch.refresh  代办处       f5          刷新
office_exchange.import  导入与对账  ctrl+o      核验并导入所勾选的数据包
office_exchange.reconcile  导入与对账  ctrl+r  对账（填写台账文件则先导入台账）
office_exchange.rescan  导入与对账  f5          重新列出文件夹中的数据包
office_todo.back       办事处待办   escape      返回看板
office_todo.refresh    办事处待办   f5          刷新
office_totals.back     各代办处汇总 escape      返回看板
office_yearly.back     年度自审材料  escape     返回看板
office_yearly.refresh  年度自审材料  f5         刷新
office_totals.export   各代办处汇总 x           导出 Excel（保存在当前文件夹）
office_totals.refresh  各代办处汇总 f5          刷新
palette.close          命令面板     escape      关闭命令面板
palette.down           命令面板     down        下一个命令
palette.up             命令面板     up          上一个命令
palette.page_down      命令面板     pagedown    下一页
palette.page_up        命令面板     pageup      上一页
palette.first          命令面板     ctrl+home   到最前
palette.last           命令面板     ctrl+end    到最后
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
            loaded.problems.append(f'按键配置中“{binding_id}”的值应为按键名称（如 "f2"），已忽略')
        else:
            loaded.keymap[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return loaded
