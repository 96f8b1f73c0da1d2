"""``huzhu office branch …``: the office's register of branches and their lifecycle (docs/rules.md R8;
000 第七–十条). Each step is one transaction with its audit event; a step out of order, dated
in the future or before the step it follows, or an approval with documents missing is refused
(exit 3); a step taken after its deadline is recorded and flagged. ``list --json`` and
``show --json`` are documented in docs/office.md.
"""

from __future__ import annotations

import datetime as dt

from models import clock
from rules import branches as rb
from tui import clikit
from tui.commands.registry import JSON, arg, command, exclusive, group

DOC_HELP = {step: "；".join(f"{k}={v}" for k, v in docs.items()) for step, docs in rb.DOCUMENTS.items()}


def _date(text: str | None, what: str) -> dt.date:
    """A typed date; today when the option was not given."""
    return clikit.user_date(text, what) or clock.today()


def _report(args, result) -> int:
    if args.json:
        clikit.print_json(result.to_json())
        return 0
    clikit.say(
        f"代办处 {result.code}：{rb.STEP_LABELS.get(result.step, result.step)}，现为“{rb.STATES[result.state]}”",
        f"branch {result.code}: {result.step} recorded; state {result.state}",
    )
    for d in result.warnings:
        clikit.say(f"注意：{d.message}（依据：{d.citation}）", f"warning: {d.code}")
    if result.missing:
        clikit.say(
            "尚缺材料：" + "、".join(n for _, n in result.missing),
            "documents still missing: " + ", ".join(k for k, _ in result.missing),
        )
    return 0


# ``huzhu office`` is declared in tui.commands.sync, listed before this module.
group("office branch", help="代办处登记簿：设立、变更、终止 the branch register and lifecycle", dest="branch_command")


@command(
    "office branch import", help="导入代办处名单（编码、名称），登记为已设立 import the initial register (code, name)"
)
@JSON
@arg("file", metavar="FILE")
def cmd_import(args) -> int:
    from sync import branches

    clikit.open_session(args)
    added, problems = branches.import_register(args.file)
    if problems:
        if args.json:
            clikit.print_json(
                {
                    "ok": False,
                    "added": 0,
                    "problems": [
                        {"line": p.line, "column": p.column, "reason": p.reason_zh, "reason_en": p.reason_en}
                        for p in problems
                    ],
                }
            )
        for p in problems:
            clikit.say(f"第 {p.line} 行“{p.column}”：{p.reason_zh}", f"line {p.line}, column {p.column}: {p.reason_en}")
        clikit.say("文件有错误，未导入任何一行", "the file has errors; nothing was imported")
        return 3
    if args.json:
        clikit.print_json({"ok": True, "added": added, "problems": []})
    else:
        clikit.say(f"已登记 {added} 个代办处（已设立）", f"{added} branches registered as active")
    return 0


@command("office branch apply", help="登记设立申请（000 第八条1） record an application")
@JSON
@arg("--code", required=True, metavar="CODE", help="3 位编码")
@arg("--name", required=True, metavar="NAME", help="简称，如 朝阳")
@arg("--full-name", metavar="NAME", help="全称：中国职工保险互助会北京办事处***代办处（第二十七条）")
@arg("--received", required=True, metavar="DATE", help="收到申请报告的日期")
@arg("--doc", action="append", default=[], metavar="KEY", help=f"随附材料（可重复）：{DOC_HELP['apply']}")
@arg("--other-docs", metavar="TEXT", help="办事处要求的其他材料")
def cmd_apply(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(
        args,
        branches.apply(
            args.code,
            args.name,
            _date(args.received, "收件日期"),
            args.doc,
            full_name=args.full_name,
            other_docs=args.other_docs,
        ),
    )


@command("office branch documents", help="补交申请材料 documents received later")
@JSON
@arg("code", metavar="CODE")
@arg("--doc", action="append", required=True, metavar="KEY")
@arg("--on", required=True, metavar="DATE")
def cmd_documents(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.add_documents(args.code, args.doc, _date(args.on, "日期")))


@command("office branch decide", help="核准或驳回设立申请（10 日内，第八条2） approve or reject")
@JSON
@arg("code", metavar="CODE")
@exclusive(arg("--approve", action="store_true"), arg("--reject", action="store_true"), required=True)
@arg("--on", required=True, metavar="DATE")
@arg("--reason", metavar="TEXT", help="驳回理由")
def cmd_decide(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.decide(args.code, bool(args.approve), _date(args.on, "决定日期"), args.reason))


@command("office branch certify", help="领取登记证（第八条3） certificate issued")
@JSON
@arg("code", metavar="CODE")
@arg("--number", required=True, metavar="NO", help="登记证编号")
@arg("--on", required=True, metavar="DATE")
def cmd_certify(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.certify(args.code, args.number, _date(args.on, "领证日期")))


@command("office branch announce", help="发出设立通告（领证后 20 日内，第八条3） announcement issued")
@JSON
@arg("code", metavar="CODE")
@arg("--on", required=True, metavar="DATE")
@arg("--started", metavar="DATE", help="开始开展业务的日期（第八条4）")
def cmd_announce(args) -> int:
    from sync import branches

    clikit.open_session(args)
    started = _date(args.started, "开展业务日期") if args.started else None
    return _report(args, branches.announce(args.code, _date(args.on, "通告日期"), started))


@command("office branch business", help="登记开始开展业务的日期（第八条4） first business day")
@JSON
@arg("code", metavar="CODE")
@arg("--on", required=True, metavar="DATE")
def cmd_business(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.record_business(args.code, _date(args.on, "开展业务日期")))


@command("office branch excuse", help="认可未按时开展业务的理由（第八条4“无故”） accept a reason for not starting")
@JSON
@arg("code", metavar="CODE")
@arg("--reason", required=True, metavar="TEXT")
@arg("--on", metavar="DATE", help="默认今天")
def cmd_excuse(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.excuse(args.code, args.reason, _date(args.on, "日期")))


@command("office branch change", help="变更：申请、核准、通告（第九条） a change: apply, decide, announce")
@JSON
@arg("code", metavar="CODE")
@arg("--step", required=True, choices=["apply", "decide", "announce"])
@arg("--on", required=True, metavar="DATE")
@arg("--what", choices=list(rb.CHANGE_ITEMS), help="变更事项")
@arg("--value", metavar="TEXT", help="变更后的内容")
@arg("--doc", action="append", default=[], metavar="KEY", help=f"材料：{DOC_HELP['change_apply']}")
@exclusive(arg("--approve", action="store_true"), arg("--reject", action="store_true"))
@arg("--reason", metavar="TEXT")
def cmd_change(args) -> int:
    from sync import branches

    clikit.open_session(args)
    approve = True if args.approve else (False if args.reject else None)
    return _report(
        args,
        branches.change(
            args.code,
            args.step,
            _date(args.on, "日期"),
            item=args.what,
            value=args.value,
            docs=args.doc,
            approve=approve,
            reason=args.reason,
        ),
    )


@command("office branch terminate", help="终止：申请、核准、停止（第十条） termination: apply, approve, stop")
@JSON
@arg("code", metavar="CODE")
@arg("--step", required=True, choices=["apply", "approve", "stop"])
@arg("--on", required=True, metavar="DATE")
@arg("--ground", metavar="TEXT", help="终止理由")
@arg("--doc", action="append", default=[], metavar="KEY", help=f"材料：{DOC_HELP['terminate_apply']}")
def cmd_terminate(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(
        args, branches.terminate(args.code, args.step, _date(args.on, "日期"), ground=args.ground, docs=args.doc)
    )


@command("office branch list", help="登记簿：状态、期限、缺少的材料 the register with deadlines")
@JSON
@arg("--on", metavar="DATE", help="按哪一天计算期限（默认今天）")
def cmd_list(args) -> int:
    from sync import branches

    clikit.open_session(args)
    rows = branches.listing(_date(args.on, "日期"))
    if args.json:
        clikit.print_json(rows)
        return 0
    table = []
    for r in rows:
        nxt = r["deadlines"][0] if r["deadlines"] else None
        due = (
            ""
            if nxt is None
            else (
                f"{nxt['label']} {nxt['due']}"
                + (f"（已逾期 {-nxt['days_left']} 天）" if nxt["overdue"] else f"（剩 {nxt['days_left']} 天）")
            )
        )
        missing = "、".join(m["name"] for m in r["missing_documents"])
        table.append((r["branch_code"], r["name"], r["state_zh"], due, missing))
    clikit.print_table(table, ["编码", "名称", "状态", "下一期限", "缺少材料"])
    return 0


@command("office branch show", help="一个代办处的办理经过 one branch's steps")
@JSON
@arg("code", metavar="CODE")
def cmd_show(args) -> int:
    from sync import branches

    clikit.open_session(args)
    events = branches.history(args.code)
    if args.json:
        clikit.print_json(events)
        return 0
    clikit.print_table(
        [(e["on"], e["step_zh"], e["by"], ", ".join(f"{k}={v}" for k, v in e["detail"].items() if v)) for e in events],
        ["日期", "环节", "经办", "内容"],
    )
    return 0
