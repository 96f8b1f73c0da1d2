"""Rules, templates, enrolment import, renewal and the lookup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models import clock
from models.errors import ValidationFailed, refuses_undated
from tui import clikit
from tui.commands.registry import JSON, arg, command, group
from tui.progress import progress


def _date(text: str | None, what: str) -> dt.date:
    """A typed date; today when the option was not given."""
    return clikit.user_date(text, what) or clock.today()


group("rules", help="规则集 the rule set")


@command("rules show", help="列出某日适用的规则集及依据 show the rule set in force")
@arg("--on", metavar="DATE", help="日期，默认今天")
@JSON
def cmd_rules_show(args) -> int:
    from rules import ruleset_header, ruleset_on, ruleset_rows
    from rules.params import ruleset_source

    if clikit.db_path(args, required=False) is not None:
        clikit.open_session(args)  # the office notices installed in this database are in force
    on = _date(args.on, "日期")
    try:
        rs = ruleset_on(on)
    except LookupError as exc:
        raise ValidationFailed(str(exc), f"no rule set in force on {on}") from None
    rows = ruleset_rows(rs)
    source = ruleset_source(rs)
    if args.json:
        n = rs.notice
        clikit.print_json(
            {
                "on": on.isoformat(),
                "version": rs.version,
                "effective_from": rs.effective_from.isoformat(),
                "title": rs.title,
                "source": source,
                "sample": rs.uses_sample,
                "notice": None
                if n is None
                else {
                    "reference": n.reference,
                    "title": n.title,
                    "effective_from": n.effective_from.isoformat(),
                    "office_fingerprint": n.office_fingerprint,
                    "installed_by": n.installed_by,
                    "installed_at": n.installed_at,
                },
                "figures": [dict(zip(("figure", "value", "unit", "citation"), r, strict=True)) for r in rows],
            }
        )
        return 0
    print(ruleset_header(rs))
    print(source)
    clikit.print_table(rows, ["项目", "数值", "单位", "依据"])
    return 0


@command("template", help="导入模板 write an import template", db=False)
@arg("kind", choices=["enrolments", "ledger", "accounts"])
@arg(
    "--out",
    metavar="FILE",
    help="输出文件（.xlsx 或 .csv），默认 参保名单模板.xlsx / 办事处台账模板.xlsx / 会员账户模板.xlsx",
)
def cmd_template(args) -> int:
    if args.kind == "enrolments":
        from models.enrolments import write_template

        out = clikit.output_file(args.out or "参保名单模板.xlsx")
        write_template(out)
    elif args.kind == "accounts":
        from models.member_edit import write_accounts_template

        out = Path(args.out or "会员账户模板.xlsx")
        write_accounts_template(out)
    else:
        from sync.reconcile import write_ledger_template

        out = clikit.output_file(args.out or "办事处台账模板.xlsx")
        write_ledger_template(out)
    clikit.say(f"已写入模板 {out}", f"template written: {out}")
    return 0


group("import", help="导入 import data", metavar="KIND")


@command("import enrolments", help="导入参保/续保名单（.csv UTF-8/GBK 或 .xlsx）")
@arg("file", metavar="FILE")
@arg("--dry-run", action="store_true", help="只检查并统计，不写入")
@arg(
    "--override-reason",
    metavar="TEXT",
    help="负责人书面理由：允许保障期内新增人员（000 第十七条3），或确认名单中会员的单位调动"
    "（记为调动，001 调入调出）；仅负责人可用",
)
@JSON
def cmd_import_enrolments(args) -> int:
    from models.enrolments import KIND_NAMES, import_enrolments

    clikit.open_session(args)
    with progress("正在导入", "importing"):
        result = import_enrolments(args.file, dry_run=args.dry_run, override_reason=args.override_reason)
    if args.json:
        clikit.print_json(result.to_json())
    elif result.already_imported_at:
        pass
    else:
        clikit.print_table([(KIND_NAMES[k], n) for k, n in result.counts.items() if n], ["结果", "行数"])
        if result.transfers:
            print("单位调动（负责人确认）：")
            clikit.print_table(
                [(t["line"], t["id"], t["from_unit"], t["to_unit"], t["on"]) for t in result.transfers],
                ["行", "身份证号", "调出单位", "调入单位", "日期"],
            )
        clikit.print_problems("错误：", result.errors)
        clikit.print_problems("提示：", result.warnings)
    if result.already_imported_at:
        clikit.say(
            f"此文件已于 {result.already_imported_at} 导入过，本次未作任何更改",
            f"this file was already imported at {result.already_imported_at}; nothing changed",
        )
        return 0
    if result.errors:
        clikit.say(
            f"共 {len(result.errors)} 处错误，未写入任何数据（全部改正后重新导入）",
            f"{len(result.errors)} problems found; nothing was written",
        )
        return 3
    if result.dry_run:
        clikit.say(
            f"试运行：{result.rows} 行均可导入，未写入",
            f"dry run: all {result.rows} rows would import; nothing written",
        )
    elif not result.written:
        clikit.say(
            "文件中的内容均已在数据库中，未作任何更改", "everything in the file is already held; nothing changed"
        )
    else:
        clikit.say(
            f"已导入 {result.rows} 行：新增会员 {result.new_members}、单位 {result.new_units}、保单 {result.new_policies}、"
            f"保障记录 {result.new_lines}",
            f"imported {result.rows} rows",
        )
    return 0


@command("renew", help="单位续保 renew a unit's policy")
@arg("--unit", required=True, metavar="CODE")
@arg("--plan", required=True, metavar="CODE")
@arg("--filed", required=True, metavar="DATE", help="办理日期：不得晚于今天；早于今天（补录）须负责人办理并填 --reason")
@arg("--reason", metavar="TEXT", help="补录理由（办理日期早于今天时必填，仅负责人）")
@arg("--dry-run", action="store_true", help="只显示结果，不写入")
@JSON
@refuses_undated  # a date before every rule set is the clerk's typing mistake, not exit 70
def cmd_renew(args) -> int:
    from models.enrolments import renew_unit

    clikit.open_session(args)
    result = renew_unit(
        args.unit,
        args.plan,
        _date(args.filed, "办理日期"),
        dry_run=args.dry_run,
        today=clock.today(),
        backdate_reason=args.reason,
    )
    d = result.decision
    if args.json:
        clikit.print_json(result.to_json())
    else:
        print(
            f"单位 {result.unit} 险种 {result.plan}：上期 {result.previous[0]} 至 {result.previous[1]}，"
            f"本期 {result.start} 至 {result.end}，办理日 {result.filed}"
        )
        print(f"结果：{d.message}\n依据：{d.citation}（规则集 {d.ruleset}）")
        if result.backdated:
            print(f"补录：办理日期 {result.filed} 早于今天，理由已记入稽核记录")
        if d.ok:
            print(f"转入下期 {len(result.carried)} 人；不再续保 {len(result.dropped)} 人")
            if result.dropped:
                clikit.print_table(result.dropped, ["身份证号", "姓名", "原因"])
    if not d.ok:
        clikit.say("未续保：不符合续保规定", "not renewed: refused by the renewal rules")
        return 3
    if args.dry_run:
        clikit.say("试运行，未写入", "dry run: nothing written")
    return 0


@command("lookup", help="会员查询：身份证号、后几位、姓名或拼音首字母")
@arg("query", metavar="QUERY")
@arg("--on", metavar="DATE", help="查询日期，默认今天")
@arg("--limit", type=clikit.positive_int(1000), default=20, help="最多显示几位 at most this many (1–1000)")
@JSON
@refuses_undated
def cmd_lookup(args) -> int:
    from models.lookup import lookup

    clikit.open_session(args)
    on = _date(args.on, "查询日期")
    result = lookup(args.query, on, limit=max(1, args.limit))
    if args.json:
        clikit.print_json(result.to_json())
    else:
        for m in result.members:
            print(
                f"{m.name}  {m.id_masked}  {m.unit_code} {m.unit_name}"
                + (f"  退休 {m.retirement_date}" if m.retirement_date else "")
            )
            clikit.print_table(
                [
                    (
                        f"{p.plan_name}({p.plan})" + ("【示例配置】" if p.sample else ""),
                        STATUS_ZH.get(p.status, p.status),
                        p.held or "",
                        p.payable or "",
                        p.observation_end or "",
                        "" if p.days_left is None else p.days_left,
                        p.message,
                        p.citation,
                    )
                    for p in m.plans
                ],
                ["险种", "状态", "持有", "可赔", "观察期止", "剩余天数", "说明", "依据"],
            )
            print()
        if result.truncated:
            clikit.say(f"仅显示前 {len(result.members)} 位，请输入更完整的条件", "more matches: refine the query")
    if result.problem:
        clikit.say(result.problem, "the query itself is wrong (too short, or an ID number whose check digit is wrong)")
        return 1
    if not result.members:
        clikit.say(f"没有找到“{args.query}”", f"no member matches '{args.query}'")
        return 1
    return 0


STATUS_ZH = {
    "not_covered": "未参保",
    "observation": "观察期",
    "covered": "保障中",
    "grace": "宽限期",
    "lapsed": "已脱保",
    "retired_pending_exit": "退休待退保",
}
