"""Registers and statistics (``report``), the work log (``worklog``) and the yearly audit
self-check (``audit selfcheck|tick``). ``--json`` outputs are documented in docs/reports.md."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from models.errors import UsageError
from models.reports import REPORTS
from models.worklog import KINDS
from tui import clikit
from tui.commands.registry import JSON, arg, command, group
from tui.progress import progress

WORKLOG_KINDS = "|".join(KINDS)


def _report_help() -> str:
    return "；".join(f"{k.name}={k.title}" for k in REPORTS.values())


# --- report ------------------------------------------------------------------------------------------


@command(
    "report",
    help="登记簿与统计报表（屏幕、.xlsx、.csv） registers and statistics",
    description=f"报表 reports: {_report_help()}",
    formatter_class=argparse.RawDescriptionHelpFormatter,
)
@arg("name", choices=list(REPORTS), metavar="NAME", help=f"报表名称：{'|'.join(REPORTS)}")
@arg("--period", required=True, metavar="YYYY-MM|YYYY", help="某月（2026-03）或全年（2026）")
@arg("--out", metavar="FILE", help="写入 .xlsx（A4 打印）或 .csv；不写则显示在屏幕上")
@JSON
def cmd_report(args) -> int:
    from models import reports

    period = reports.parse_period(args.period)  # a bad period is refused before asking for a passphrase
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".xlsx", ".csv"):
            raise UsageError(
                f"输出文件应以 .xlsx 或 .csv 结尾：{out.name}", f"the output file must end in .xlsx or .csv: {out.name}"
            )
        clikit.output_file(out)
    clikit.open_session(args)
    report = reports.build(args.name, period)
    if args.out:
        reports.write(report, args.out)
    if args.json:
        clikit.print_json(report.to_json())
    elif not args.out:
        print(f"{report.title}　{report.branch}　{report.period.label}")
        clikit.print_table(report.text_rows(), [c.title for c in report.columns])
        for note in report.notes:
            print(note)
    if args.out:
        clikit.say(f"已写入 {args.out}（{len(report.rows)} 行）", f"written: {args.out} ({len(report.rows)} rows)")
    return 0


# --- worklog -----------------------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    return clikit.user_date(text, "日期")


group("worklog", help="工作记录：管委会会议、业务培训、投稿 work log")


@command("worklog add", help="登记一条 add an entry")
@arg("--kind", required=True, metavar=WORKLOG_KINDS, help=f"类别：{'、'.join(f'{k}={v}' for k, v in KINDS.items())}")
@arg("--date", required=True, metavar="DATE", help="日期（2026-03-18、20260318 或 今天）")
@arg("--title", required=True, metavar="TEXT", help="会议、培训或稿件标题")
@arg("--with", dest="attendees", metavar="TEXT", help="参加人员；投稿则写投稿去向（如 办事处门户网站）")
@arg("--note", metavar="TEXT", help="备注")
@JSON
def cmd_worklog_add(args) -> int:
    from models.worklog import KINDS, add_entry, kind_code

    kind = kind_code(args.kind)
    if kind is None:
        raise UsageError(
            f"类别应为 {'、'.join(KINDS)}（{'、'.join(KINDS.values())}）", f"--kind must be one of {', '.join(KINDS)}"
        )
    on = _date(args.date)
    clikit.open_session(args)
    entry = add_entry(kind, on, args.title, args.attendees, args.note)
    if args.json:
        clikit.print_json(entry.to_json())
    clikit.say(f"已登记：{entry.on_date} {KINDS[entry.kind]}“{entry.title}”", f"recorded: {entry.on_date} {entry.kind}")
    return 0


@command("worklog list", help="列出 list entries")
@arg("--year", type=clikit.YEAR, metavar="YYYY", help="只列某年")
@arg("--kind", choices=list(KINDS), metavar=WORKLOG_KINDS)
@JSON
def cmd_worklog_list(args) -> int:
    from models.worklog import KINDS, list_entries

    clikit.open_session(args)
    entries = list_entries(year=args.year, kind=args.kind)
    if args.json:
        clikit.print_json([e.to_json() for e in entries])
    else:
        clikit.print_table(
            [(e.on_date, KINDS[e.kind], e.title, e.attendees_or_outlet or "", e.note or "") for e in entries],
            ["日期", "类别", "标题", "参加人员或投稿去向", "备注"],
        )
    if not entries:
        clikit.say("没有工作记录", "no entries")
        return 1
    return 0


@command("worklog import", help="从 .csv（UTF-8/GBK）或 .xlsx 导入，有错则全部不写入 import a file")
@arg("file", metavar="FILE")
@arg("--dry-run", action="store_true", help="只检查，不写入")
@JSON
def cmd_worklog_import(args) -> int:
    from models.worklog import import_worklog

    clikit.open_session(args)
    with progress("正在导入", "importing"):
        result = import_worklog(args.file, dry_run=args.dry_run)
    if clikit.import_refused(args, result):
        return 3
    if result.dry_run:
        clikit.say(
            f"试运行：可导入 {len(result.entries)} 条，已登记跳过 {result.skipped} 条，未写入",
            f"dry run: {len(result.entries)} new, {result.skipped} already held; nothing written",
        )
    else:
        clikit.say(
            f"已导入 {len(result.entries)} 条，已登记跳过 {result.skipped} 条",
            f"imported {len(result.entries)}, skipped {result.skipped} already held",
        )
    return 0


@command("worklog template", help="写出导入模板 write the import template", db=False)
@arg("--out", metavar="FILE", default="工作记录模板.xlsx", help="输出文件（.xlsx 或 .csv）")
def cmd_worklog_template(args) -> int:
    from models.worklog import write_template

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(
            f"模板文件应以 .xlsx 或 .csv 结尾：{out.name}", f"the template must end in .xlsx or .csv: {out.name}"
        )
    write_template(clikit.output_file(out))
    clikit.say(f"已写入模板 {out}", f"template written: {out}")
    return 0


# --- audit -------------------------------------------------------------------------------------------


group("audit", help="年度稽核自查 yearly audit self-check")


@command("audit selfcheck", help="计算可计量的稽核项目，列出人工核对清单及应准备的资料")
@arg("--year", type=clikit.YEAR, required=True, metavar="YYYY", help="自查的年度")
@arg("--out", metavar="FILE", help="写入 .xlsx（自查表及资料清单）")
@arg("--materials", metavar="DIR", help="在此文件夹生成资料清单中本程序可生成的报表")
@JSON
def cmd_selfcheck(args) -> int:
    from models import reports, selfcheck

    if args.out and Path(args.out).suffix.lower() != ".xlsx":
        raise UsageError("自查表只能写入 .xlsx 文件", "the self-check is written as .xlsx only")
    if args.out:
        clikit.output_file(args.out)
    clikit.open_session(args)
    check = selfcheck.run(args.year)
    if args.out:
        reports.write(selfcheck.as_reports(check), args.out)
    produced = selfcheck.produce_materials(args.year, args.materials) if args.materials else []
    if args.json:
        out = check.to_json()
        out["materials_written"] = [str(p) for p in produced]
        clikit.print_json(out)
    else:
        print(f"{args.year}年度稽核自查（{check.today}）：{check.due.message}")
        clikit.print_table([(i.code, i.status_name, i.summary) for i in check.items], ["编号", "结果", "说明"])
        print("\n稽核前应准备的资料（001 附件3）：")
        clikit.print_table(
            [(m.number, m.text[:40], "、".join(m.reports) or "—") for m in selfcheck.MATERIALS],
            ["序号", "资料", "本程序生成（huzhu report NAME）"],
        )
    if args.out:
        clikit.say(f"已写入 {args.out}", f"written: {args.out}")
    for path in produced:
        clikit.say(f"已生成 {path}", f"written: {path}")
    return 0


@command("audit tick", help="勾选人工核对的项目 tick a checklist item")
@arg("code", metavar="CODE", help="项目编号，如 org.1（见 huzhu audit selfcheck）")
@arg("--year", type=clikit.YEAR, required=True, metavar="YYYY")
@arg("--note", metavar="TEXT", help="核对说明")
@arg("--untick", action="store_true", help="取消勾选")
def cmd_tick(args) -> int:
    from models import selfcheck

    clikit.open_session(args)
    selfcheck.tick(args.year, args.code, ticked=not args.untick, note=args.note)
    clikit.say(
        f"{args.year}年 {args.code} 已{'取消勾选' if args.untick else '勾选'}",
        f"{args.year} {args.code} {'unticked' if args.untick else 'ticked'}",
    )
    return 0


@command("audit submit", help="向办事处报送年度自审材料（签名加密的数据包） send the yearly package")
@arg("--year", type=clikit.YEAR, required=True, metavar="YYYY", help="自审的年度")
@arg("--out", default=".", metavar="DIR", help="输出文件夹（默认当前文件夹）")
@arg("--replace", action="store_true", help="该年度已报送过：重新报送替换之前的（须 --reason）")
@arg("--reason", metavar="TEXT", help="重新报送的理由")
@JSON
def cmd_submit(args) -> int:
    from sync import yearly

    if not Path(args.out).is_dir():
        raise UsageError(f"输出文件夹不存在：{args.out}", f"output folder does not exist: {args.out}")
    if args.reason and not args.replace:
        raise UsageError("--reason 只与 --replace 一起使用", "--reason goes with --replace")
    clikit.open_session(args)
    already = bool(yearly.sent_for_year(args.year))
    if already and not args.replace:
        raise UsageError(
            f"{args.year} 年度自审材料已报送过；重新报送请加 --replace --reason 理由",
            f"the {args.year} package was already sent; use --replace --reason TEXT to send it again",
        )
    if args.replace and not already:
        raise UsageError(
            f"{args.year} 年度尚未报送过，无需 --replace", f"nothing sent for {args.year} yet: drop --replace"
        )
    result = yearly.submit(args.year, args.out, reason=args.reason)
    if args.json:
        clikit.print_json(result.to_json())
        return 0
    late = "（逾期）" if result.late else ""
    again = f"，替换第 {result.replaces} 号" if result.replaces else ""
    clikit.say(
        f"已写出并读回核验 {args.year} 年度自审数据包{late}：{result.path}（第 {result.sequence} 号{again}）",
        f"yearly package for {args.year} written and verified: {result.path}",
    )
    return 0
