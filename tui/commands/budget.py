"""The yearly budget (docs/rules.md R3.4, R11.1–R11.3) from the command line: ``huzhu budget
add|list|amend|approve``.

A clerk or a supervisor drafts lines; a supervisor approves the draft with the committee
meeting that reviewed it (a clerk is refused, exit 30); an amendment needs a reason and a new
approval. Spending is checked against the approved version only. Refusals: exit 3 with the
reason and article, nothing written. ``--json`` of ``list`` is documented in the README.
"""

from __future__ import annotations

from models.money import parse_yuan
from rules.budget import line_catalogue
from tui import clikit
from tui.commands.registry import JSON, arg, command, group


def _amount(text: str) -> int:
    return parse_yuan(text)


_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


LINE_CODES = "|".join(line_catalogue())

group("budget", help="年度预算：编制、修订、批准 the yearly budget")


@command(
    "budget add",
    help="在年度预算草稿中增加科目 add a line to the year's draft",
    description=f"预算科目代码 line codes: {LINE_CODES}",
)
@arg("--year", type=int, required=True, metavar="YYYY", help="预算年度")
@arg("--line", required=True, metavar="CODE", help="预算科目代码（见 huzhu budget add -h）")
@arg("--amount", required=True, metavar="YUAN", help="金额（元）")
@arg("--note", metavar="TEXT", help="备注")
def cmd_add(args) -> int:
    from models.budget import add_line

    clikit.open_session(args)
    written = add_line(args.year, args.line, _amount(args.amount), args.note)
    clikit.say(
        f"已加入{written.year}年度预算第 {written.version} 版草稿：{written.name} {clikit.yuan(written.amount_fen)} 元"
        "（经管委会审议后用 huzhu budget approve 批准，批准前不得支出）",
        f"added to the {written.year} draft (version {written.version}): {written.code} "
        f"{clikit.yuan(written.amount_fen)} yuan; approve it with huzhu budget approve before spending",
    )
    return 0


@command("budget list", help="列出年度预算：批准数、已列支、余额及待批准的修订 list a year's budget")
@arg("--year", type=int, required=True, metavar="YYYY", help="预算年度")
@JSON
def cmd_list(args) -> int:
    from models.budget import read_year

    clikit.open_session(args)
    budget = read_year(args.year)
    if args.json:
        clikit.print_json(budget.to_json())
        return 0
    print(f"{budget.year}年度预算：{budget.status.message}（{budget.status.citation.short}）")
    rows = [
        (
            line.code,
            line.name,
            clikit.yuan(line.approved_fen),
            clikit.yuan(line.committed_fen),
            clikit.yuan(line.remaining_fen),
            clikit.yuan(line.draft_fen) if budget.pending else "",
        )
        for line in budget.lines
    ]
    totals = budget.totals()
    if rows:
        rows.append(
            (
                "",
                "合计",
                clikit.yuan(totals["approved_fen"]),
                clikit.yuan(totals["committed_fen"]),
                clikit.yuan(totals["remaining_fen"]),
                clikit.yuan(totals["draft_fen"]),
            )
        )
        pending = f"第{budget.pending}版草稿" if budget.pending else "待批准"
        clikit.print_table(rows, ["科目代码", "预算科目", "批准数（元）", "已列支（元）", "余额（元）", pending])
    for v in budget.versions:
        met = (
            f"，管委会 {v.meeting_date} 审议（{v.minutes}），{v.approved_by} 批准"
            if v.state != "draft" and v.minutes
            else ""
        )
        why = f"，修订理由：{v.reason}" if v.reason else ""
        print(f"第 {v.number} 版 {v.state_name}：合计 {clikit.yuan(v.total_fen)} 元，{v.drafted_by} 编制{why}{met}")
    if not budget.lines:
        clikit.say(f"{budget.year}年度还没有预算科目：用 huzhu budget add 编制", f"no budget lines for {budget.year}")
    return 0


@command(
    "budget amend",
    help="修订预算科目（须写明理由，修订后须重新批准） amend a line",
    description=f"预算科目代码 line codes: {LINE_CODES}",
)
@arg("--year", type=int, required=True, metavar="YYYY", help="预算年度")
@arg("--line", required=True, metavar="CODE", help="预算科目代码")
@arg("--amount", required=True, metavar="YUAN", help="修订后的金额（元）")
@arg("--reason", required=True, metavar="TEXT", help="修订理由")
def cmd_amend(args) -> int:
    from models.budget import amend_line

    clikit.open_session(args)
    written = amend_line(args.year, args.line, _amount(args.amount), args.reason)
    clikit.say(
        f"{written.year}年度预算第 {written.version} 版（修订草稿）：{written.name} 改为 "
        f"{clikit.yuan(written.amount_fen)} 元；须经管委会审议后重新批准，批准前仍按已批准的版本执行",
        f"{written.year} budget version {written.version} (draft): {written.code} set to "
        f"{clikit.yuan(written.amount_fen)} yuan; it needs a new approval, until then the approved version applies",
    )
    return 0


@command("budget approve", help="按管委会审议结果批准预算草稿（仅负责人） approve the draft (supervisor)")
@arg("--year", type=int, required=True, metavar="YYYY", help="预算年度")
@arg("--meeting-date", required=True, metavar="DATE", help="审议预算的管委会会议日期")
@arg("--minutes", required=True, metavar="TEXT", help="会议纪要编号或记录")
def cmd_approve(args) -> int:
    from models.budget import approve

    clikit.open_session(args)
    meeting = _date(args.meeting_date, "会议日期", "meeting date")
    done = approve(args.year, meeting, args.minutes)
    for w in done.warnings:
        clikit.say(f"提示：{w.message}（{w.citation.short}）", f"note: {w.code}")
    clikit.say(
        f"{done.decision.message}：第 {done.version} 版自即日起执行",
        f"the {done.year} budget version {done.version} is approved ({done.lines} lines, "
        f"{clikit.yuan(done.total_fen)} yuan)",
    )
    return 0
