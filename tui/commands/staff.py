"""The clerks' business-system accounts from the command line (docs/rules.md R4.2, R4.3, R4.5):
``huzhu staff add|edit|list|login`` and ``huzhu import logins FILE``.

Each account event is written with its form record (备案表 for a new account, 变更表 for a
new holder, username or a disabled account; ``huzhu report accounts`` prints them) and a
history line; logins are entered one by one or imported, all-or-nothing, from a CSV/XLSX of
``用户名,登录日期`` (or ``username,date``). Bad input: exit 3 with the field (or line and
column) and the reason, nothing written. ``--json`` outputs: docs/budget-staff.md.
"""

from __future__ import annotations

from models import clock
from tui import clikit
from tui.commands.registry import JSON, arg, command, group
from tui.progress import progress

_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


group("staff", help="经办人员的业务系统账号与登录记录 staff business-system accounts")


@command("staff add", help="登记新的业务系统账号（生成用户名备案表记录） add an account")
@arg("name", metavar="NAME", help="经办人姓名")
@arg("--username", required=True, metavar="USERNAME", help="业务系统用户名")
@arg("--phone", metavar="PHONE", help="联系电话")
@arg("--created-on", metavar="DATE", help="账号建立日期，默认今天（登录间隔自此起算）")
def cmd_add(args) -> int:
    from models.staff import add_account

    clikit.open_session(args)
    view = add_account(
        args.name, args.username, phone=args.phone, created_on=_date(args.created_on, "建立日期", "creation date")
    )
    clikit.say(
        f"已登记 {view.name} 的业务系统账号 {view.username}（{view.created_on} 建立），已生成用户名备案表记录",
        f"account {view.username} of {view.name} added (created {view.created_on}), filing form recorded",
    )
    return 0


@command("staff edit", help="变更持有人、电话、用户名或停用账号（保留变更记录） change an account")
@arg("who", metavar="NAME", help="经办人姓名或业务系统用户名")
@arg("--name", metavar="NAME", help="新的持有人姓名")
@arg("--phone", metavar="PHONE", help="新的联系电话（空字符串表示删除）")
@arg("--username", metavar="USERNAME", help="新的业务系统用户名")
@arg("--created-on", metavar="DATE", help="更正账号建立日期")
@arg("--disable", action="store_true", help="停用账号")
@arg("--on", metavar="DATE", help="变更日期，默认今天")
@arg("--reported-on", metavar="DATE", help="上报办事处的日期")
@arg("--reason", metavar="TEXT", help="变更原因")
def cmd_edit(args) -> int:
    from models.staff import FIELDS, edit_account

    clikit.open_session(args)
    changes = edit_account(
        args.who,
        name=args.name,
        phone=args.phone,
        username=args.username,
        created_on=_date(args.created_on, "建立日期", "creation date"),
        disable=args.disable,
        on=_date(args.on, "变更日期", "change date"),
        reported_on=_date(args.reported_on, "上报日期", "report date"),
        reason=args.reason,
    )
    for c in changes:
        clikit.say(
            f"{c.on} {FIELDS[c.field_name]}：{c.old or '—'} → {c.new or '—'}",
            f"{c.on} {c.field_name}: {c.old or '-'} -> {c.new or '-'}",
        )
    if not any(c.reported_on for c in changes):
        clikit.say(
            "提示：变更须及时上报办事处（上报后可用 --reported-on 记录日期）",
            "note: report the change to the office (record the date with --reported-on)",
        )
    return 0


@command("staff list", help="列出账号、登录间隔状态及变更记录 list accounts")
@arg("--active", action="store_true", help="只列在用账号")
@JSON
def cmd_list(args) -> int:
    from models.staff import FIELDS, list_accounts

    clikit.open_session(args)
    accounts = list_accounts(clock.today(), include_inactive=not args.active)
    if args.json:
        clikit.print_json([a.to_json() for a in accounts])
        return 0
    if not accounts:
        clikit.say("还没有业务系统账号：用 huzhu staff add 登记", "no business-system accounts yet: huzhu staff add")
        return 0
    clikit.print_table(
        [
            (
                a.name,
                a.username,
                a.phone or "",
                "在用" if a.active else f"停用 {a.disabled_on or ''}",
                a.created_on or "",
                a.last_login or "",
                a.logins,
                a.status.message if a.status else "",
            )
            for a in accounts
        ],
        ["经办人", "用户名", "电话", "状态", "建立", "最近登录", "登录次数", "登录间隔（R4.2）"],
    )
    for a in accounts:
        for c in a.changes:
            reported = f"，{c.reported_on} 上报" if c.reported_on else ""
            why = f"，{c.reason}" if c.reason else ""
            print(
                f"{a.username} {c.on} {FIELDS.get(c.field_name, c.field_name)}：{c.old or '—'} → {c.new or '—'}"
                f"{why}{reported}（{c.by_user}）"
            )
    return 0


@command("staff login", help="登记一次业务系统登录 record a login")
@arg("who", metavar="NAME", help="经办人姓名或业务系统用户名")
@arg("--on", required=True, metavar="DATE", help="登录日期")
def cmd_login(args) -> int:
    from models.staff import record_login

    clikit.open_session(args)
    view, new = record_login(args.who, _date(args.on, "登录日期", "login date"))
    if new:
        state = view.status.message if view.status else f"账号已于 {view.disabled_on} 停用"
        clikit.say(
            f"已登记 {view.username}（{view.name}）{args.on} 登录；{state}",
            f"login of {view.username} on {args.on} recorded",
        )
    else:
        clikit.say(
            f"{view.username} 的这次登录已登记过，未重复写入", f"that login of {view.username} was already recorded"
        )
    return 0


# ``huzhu import`` is declared in tui.commands.enrolment, listed before this module.
@command("import logins", help="导入业务系统登录记录（用户名,登录日期），有错则全部不写入")
@arg("file", metavar="FILE")
@arg("--dry-run", action="store_true", help="只检查，不写入")
@JSON
def cmd_import_logins(args) -> int:
    from models.staff import import_logins

    clikit.open_session(args)
    with progress("正在导入", "importing"):
        result = import_logins(args.file, dry_run=args.dry_run)
    if args.json:
        clikit.print_json(result.to_json())
    elif result.errors:
        print("错误：")
        clikit.print_table([(p.line, p.column, p.reason) for p in result.errors], ["行", "列", "原因"])
    if result.errors:
        clikit.say(
            f"文件有 {len(result.errors)} 处错误，未导入任何记录（有错则全部不写入）",
            f"{len(result.errors)} bad rows: nothing imported",
        )
        return 3
    if args.dry_run:
        clikit.say(
            f"检查通过：将新增 {result.new} 条，跳过已登记 {result.skipped} 条（未写入）",
            f"dry run: {result.new} new, {result.skipped} already recorded; nothing written",
        )
    else:
        clikit.say(
            f"已导入 {result.new} 条登录记录（{result.accounts} 个账号），跳过已登记 {result.skipped} 条",
            f"{result.new} logins imported for {result.accounts} accounts; {result.skipped} already recorded",
        )
    return 0
