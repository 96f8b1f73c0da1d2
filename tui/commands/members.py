"""Members: the record with its history, edits, unit transfers and the accounts import."""

from __future__ import annotations

from tui import clikit
from tui.commands.registry import JSON, arg, command, group
from tui.progress import progress

_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


group("member", help="会员资料：查看、修改、调动 member records")


@command("member show", help="会员资料及修改记录（账号只显示后4位） a member's record and its history")
@arg("query", metavar="QUERY", help="身份证号、后几位、姓名或拼音首字母")
@arg("--limit", type=int, default=10, help="最多显示几位会员（默认 10）")
@JSON
def cmd_show(args) -> int:
    from models.lookup import find
    from models.member_edit import member_record

    clikit.open_session(args)
    _kind, _q, rows, truncated = find(args.query, limit=max(1, args.limit))
    records = [r for r in (member_record(row[0]) for row in rows) if r is not None]
    if args.json:
        clikit.print_json(
            {
                "query": args.query,
                "count": len(records),
                "truncated": truncated,
                "members": [r.to_json() for r in records],
            }
        )
    else:
        for r in records:
            _print_record(r)
        if truncated:
            clikit.say(f"仅显示前 {len(records)} 位，请输入更完整的条件", "more matches: refine the query")
    if not records:
        clikit.say(f"没有找到“{args.query}”", f"no member matches '{args.query}'")
        return 1
    return 0


def _print_record(r) -> None:
    sex = {"M": "男", "F": "女"}.get(r.sex, r.sex)
    print(f"{r.name}  {r.id_masked}  {sex}  单位 {r.unit_code} {r.unit_name}")
    print(f"手机号：{r.phone or '未登记'}")
    if r.has_account:
        print(f"银行账户：{r.bank_name or '（未填开户行）'} {r.bank_account_masked}")
    else:
        print("银行账户：未登记（huzhu member edit ID --bank-name N --bank-account A）")
    print(f"退休日期：{r.retirement_date or '无'}")
    events = [
        (
            h["at"],
            h["on"],
            h["field_name"],
            h["old"] or "（空）",
            h["new"] or "（空）",
            h["source_name"],
            h["reason"],
            h["by"],
        )
        for h in r.history
    ]
    events += [
        (t["at"], t["on"], "所在单位", t["from_unit"], t["to_unit"], t["source_name"], t["reason"], t["by"])
        for t in r.transfers
    ]
    if events:
        print("修改记录：")
        clikit.print_table(
            [e[1:] for e in sorted(events, key=lambda e: e[0], reverse=True)],
            ["日期", "项目", "原值", "新值", "来源", "原因", "经办人"],
        )
    else:
        print("修改记录：无")
    print()


def _report(result_json: dict, as_json: bool) -> None:
    if as_json:
        clikit.print_json(result_json)


@command("member edit", help="修改手机号、开户行和账号、退休日期（保留修改记录） edit a member's record")
@arg("id_number", metavar="ID_NUMBER", help="会员的18位身份证号")
@arg("--phone", metavar="P", help='手机号；写空字符串 "" 表示清除')
@arg("--bank-name", metavar="N", help="开户行")
@arg("--bank-account", metavar="A", help="银行账号（12–30位数字，须为会员本人账户）")
@arg("--holder", metavar="NAME", help="户名（默认会员本人；与会员姓名不符则拒绝）")
@arg("--retirement-date", metavar="D", help='退休日期（已办理正式退休手续之日）；"" 表示清除')
@arg("--reason", metavar="TEXT", help="修改原因（修改已有内容时必填）")
@JSON
def cmd_edit(args) -> int:
    from models.member_edit import FIELDS, edit_member, member_by_id_number

    clikit.open_session(args)
    retirement = args.retirement_date
    if retirement is not None and retirement.strip():
        retirement = _date(retirement, "退休日期")
    member_id = member_by_id_number(args.id_number)
    result = edit_member(
        member_id,
        phone=args.phone,
        bank_name=args.bank_name,
        bank_account=args.bank_account,
        holder=args.holder,
        retirement_date=retirement,
        reason=args.reason,
    )
    data = result.to_json()
    if args.json:
        clikit.print_json(data)
    elif data["changes"]:
        clikit.print_table(
            [(c["field_name"], c["old"] or "（空）", c["new"] or "（空）") for c in data["changes"]],
            ["项目", "原值", "新值"],
        )
    if not result.changes:
        clikit.say(
            f"{result.name} {result.id_masked}：所给内容与现有资料相同，未作更改",
            "the values given are already on file; nothing changed",
        )
        return 0
    names = "、".join(FIELDS[c["field"]] for c in result.changes)
    clikit.say(
        f"已修改 {result.name} {result.id_masked} 的{names}（原因：{result.reason}）",
        f"changed {len(result.changes)} fields",
    )
    return 0


@command("member transfer", help="会员调入另一单位（登记调动记录） transfer a member to another unit")
@arg("id_number", metavar="ID_NUMBER", help="会员的18位身份证号")
@arg("--to-unit", required=True, metavar="CODE", help="调入单位编码")
@arg("--on", required=True, metavar="DATE", help="调动日期")
@arg("--reason", required=True, metavar="TEXT", help="调动原因")
@JSON
def cmd_transfer(args) -> int:
    from models.member_edit import member_by_id_number, transfer_member

    clikit.open_session(args)
    on = _date(args.on, "调动日期")
    result = transfer_member(member_by_id_number(args.id_number), args.to_unit, on, args.reason)
    if args.json:
        clikit.print_json(result.to_json())
    clikit.say(
        f"已登记调动：{result.name} {result.id_masked} 由单位 {result.from_unit} 调入 {result.to_unit}"
        f"（{result.on}，原因：{result.reason}）",
        f"transfer recorded: {result.from_unit} -> {result.to_unit}",
    )
    return 0


# ``huzhu import`` is declared in tui.commands.enrolment, listed before this module.
@command("import accounts", help="导入会员本人银行账户（身份证号、姓名、开户行、银行账号；.csv UTF-8/GBK 或 .xlsx）")
@arg("file", metavar="FILE")
@arg("--dry-run", action="store_true", help="只检查，不写入")
@JSON
def cmd_import_accounts(args) -> int:
    from models.member_edit import import_accounts

    clikit.open_session(args)
    with progress("正在导入", "importing"):
        result = import_accounts(args.file, dry_run=args.dry_run)
    if clikit.import_refused(args, result):
        return 3
    if result.dry_run:
        clikit.say(
            f"试运行：{result.rows} 行均可导入（账户变更 {result.changed}，无变化 {result.unchanged}），未写入",
            f"dry run: {result.changed} accounts would change; nothing written",
        )
    elif not result.written:
        clikit.say(
            "文件中的账户均已登记，未作任何更改", "every account in the file is already on record; nothing changed"
        )
    else:
        clikit.say(
            f"已导入 {result.rows} 行：账户变更 {result.changed}，无变化 {result.unchanged}",
            f"imported {result.rows} rows: {result.changed} accounts changed",
        )
    return 0
