"""``huzhu office branch …``: the office's register of branches and their lifecycle (DOMAIN §8;
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

DOC_HELP = {step: "；".join(f"{k}={v}" for k, v in docs.items()) for step, docs in rb.DOCUMENTS.items()}


def register(office_sub) -> None:
    p = office_sub.add_parser("branch", help="代办处登记簿：设立、变更、终止 the branch register and lifecycle")
    bs = p.add_subparsers(dest="branch_command", metavar="ACTION", required=True, parser_class=type(p))

    def cmd(name: str, help_text: str, func, *, json_out: bool = True):
        q = bs.add_parser(name, help=help_text)
        clikit.add_db_options(q)
        if json_out:
            clikit.add_json_option(q)
        q.set_defaults(func=func)
        return q

    q = cmd("import", "导入代办处名单（编码、名称），登记为已设立 import the initial register (code, name)", cmd_import)
    q.add_argument("file", metavar="FILE")
    q = cmd("apply", "登记设立申请（000 第八条1） record an application", cmd_apply)
    q.add_argument("--code", required=True, metavar="CODE", help="3 位编码")
    q.add_argument("--name", required=True, metavar="NAME", help="简称，如 朝阳")
    q.add_argument("--full-name", metavar="NAME", help="全称：中国职工保险互助会北京办事处***代办处（第二十七条）")
    q.add_argument("--received", required=True, metavar="DATE", help="收到申请报告的日期")
    q.add_argument("--doc", action="append", default=[], metavar="KEY", help=f"随附材料（可重复）：{DOC_HELP['apply']}")
    q.add_argument("--other-docs", metavar="TEXT", help="办事处要求的其他材料")
    q = cmd("documents", "补交申请材料 documents received later", cmd_documents)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--doc", action="append", required=True, metavar="KEY")
    q.add_argument("--on", required=True, metavar="DATE")
    q = cmd("decide", "核准或驳回设立申请（10 日内，第八条2） approve or reject", cmd_decide)
    q.add_argument("code", metavar="CODE")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    q.add_argument("--on", required=True, metavar="DATE")
    q.add_argument("--reason", metavar="TEXT", help="驳回理由")
    q = cmd("certify", "领取登记证（第八条3） certificate issued", cmd_certify)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--number", required=True, metavar="NO", help="登记证编号")
    q.add_argument("--on", required=True, metavar="DATE")
    q = cmd("announce", "发出设立通告（领证后 20 日内，第八条3） announcement issued", cmd_announce)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--on", required=True, metavar="DATE")
    q.add_argument("--started", metavar="DATE", help="开始开展业务的日期（第八条4）")
    q = cmd("business", "登记开始开展业务的日期（第八条4） first business day", cmd_business)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--on", required=True, metavar="DATE")
    q = cmd("excuse", "认可未按时开展业务的理由（第八条4“无故”） accept a reason for not starting", cmd_excuse)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--reason", required=True, metavar="TEXT")
    q.add_argument("--on", metavar="DATE", help="默认今天")
    q = cmd("change", "变更：申请、核准、通告（第九条） a change: apply, decide, announce", cmd_change)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--step", required=True, choices=["apply", "decide", "announce"])
    q.add_argument("--on", required=True, metavar="DATE")
    q.add_argument("--what", choices=list(rb.CHANGE_ITEMS), help="变更事项")
    q.add_argument("--value", metavar="TEXT", help="变更后的内容")
    q.add_argument("--doc", action="append", default=[], metavar="KEY", help=f"材料：{DOC_HELP['change_apply']}")
    g = q.add_mutually_exclusive_group()
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    q.add_argument("--reason", metavar="TEXT")
    q = cmd("terminate", "终止：申请、核准、停止（第十条） termination: apply, approve, stop", cmd_terminate)
    q.add_argument("code", metavar="CODE")
    q.add_argument("--step", required=True, choices=["apply", "approve", "stop"])
    q.add_argument("--on", required=True, metavar="DATE")
    q.add_argument("--ground", metavar="TEXT", help="终止理由")
    q.add_argument("--doc", action="append", default=[], metavar="KEY", help=f"材料：{DOC_HELP['terminate_apply']}")
    q = cmd("list", "登记簿：状态、期限、缺少的材料 the register with deadlines", cmd_list)
    q.add_argument("--on", metavar="DATE", help="按哪一天计算期限（默认今天）")
    q = cmd("show", "一个代办处的办理经过 one branch's steps", cmd_show)
    q.add_argument("code", metavar="CODE")


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


def cmd_documents(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.add_documents(args.code, args.doc, _date(args.on, "日期")))


def cmd_decide(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.decide(args.code, bool(args.approve), _date(args.on, "决定日期"), args.reason))


def cmd_certify(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.certify(args.code, args.number, _date(args.on, "领证日期")))


def cmd_announce(args) -> int:
    from sync import branches

    clikit.open_session(args)
    started = _date(args.started, "开展业务日期") if args.started else None
    return _report(args, branches.announce(args.code, _date(args.on, "通告日期"), started))


def cmd_business(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.record_business(args.code, _date(args.on, "开展业务日期")))


def cmd_excuse(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(args, branches.excuse(args.code, args.reason, _date(args.on, "日期")))


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


def cmd_terminate(args) -> int:
    from sync import branches

    clikit.open_session(args)
    return _report(
        args, branches.terminate(args.code, args.step, _date(args.on, "日期"), ground=args.ground, docs=args.doc)
    )


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
