"""``huzhu handover record|report|list|checklist``: the staff handover (交接记录, 000 第十六条8,
docs/rules.md R4) from the command line, with the same service, rules and messages as the 交接记录
screen (``models.handover``). The open work is listed by the program at the moment of the
handover; both clerks' confirmations are typed options here (``--outgoing-confirms`` and
``--incoming-confirms``), recorded with the time and the user at the keyboard.
"""

from __future__ import annotations

import datetime as dt

from models import clock
from models.errors import UsageError
from tui import clikit
from tui.commands.registry import JSON, arg, command, group

_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


def _items(specs: list[str], on: dt.date):
    from models.handover import ItemEntry, checklist

    known = checklist(on)
    items = {}
    for spec in specs:
        code, _, rest = spec.partition("=")
        code = code.strip()
        if code not in known:
            raise UsageError(
                f"未知的交接清单项“{code}”，可用：{'、'.join(f'{k}（{v}）' for k, v in known.items())}",
                f"unknown checklist item '{code}'; use one of {', '.join(known)}",
            )
        text, _, qty = rest.rpartition(":") if ":" in rest else (rest, "", "")
        try:
            quantity = int(qty) if qty else 1
        except ValueError:
            raise UsageError(f"“{code}”的数量应为整数：“{qty}”", f"the quantity of {code} must be an integer") from None
        if not 1 <= quantity <= 10_000:
            raise UsageError(f"“{code}”的数量应在 1 到 10000 之间", f"the quantity of {code} must be 1 to 10000")
        items[code] = ItemEntry(text.strip(), quantity)
    return items


group("handover", help="交接记录 staff handovers")


@command(
    "handover record",
    help="登记一次完整的交接 record a complete handover",
    description="登记交接（000 第十六条8）：移交人、接交人、监交人、日期、清单各项；程序列出未办结事项，"
    "接交人确认后登记。清单项用 --item CODE[=说明[:数量]]，代码见 huzhu handover checklist。",
)
@arg("--outgoing", required=True, metavar="NAME", help="移交人")
@arg("--incoming", required=True, metavar="NAME", help="接交人")
@arg("--supervisor", required=True, metavar="NAME", help="监交人")
@arg("--on", required=True, metavar="DATE", help="交接日期：不得晚于今天；早于今天（补录）须负责人办理并填 --reason")
@arg("--reason", metavar="TEXT", help="补录理由（交接日期早于今天时必填，仅负责人）")
@arg("--reported-on", metavar="DATE", help="上报办事处日期")
@arg("--item", action="append", default=[], metavar="CODE[=TEXT[:N]]", help="交接清单项（可重复）")
@arg("--outgoing-confirms", action="store_true", help="移交人已确认移交")
@arg("--incoming-confirms", action="store_true", help="接交人已确认接收（含程序列出的未办结事项）")
@arg("--outgoing-username", metavar="USERNAME", help="移交人的业务系统用户名（停用并填变更表）")
@arg("--incoming-username", metavar="USERNAME", help="接交人的业务系统用户名（备案或变更）")
@arg("--revoke-user", metavar="NAME", help="同时撤销移交人在本程序的用户（仅负责人）")
@arg("--note", metavar="TEXT")
@JSON
def cmd_record(args) -> int:
    from models.handover import HandoverDraft, complete_handover
    from models.schema import StaffAccount

    clikit.open_session(args)
    today = clock.today()
    on = _date(args.on, "交接日期")
    account_id = None
    if args.outgoing_username:
        account = StaffAccount.get_or_none(
            (StaffAccount.username == args.outgoing_username.strip()) & StaffAccount.active
        )
        if account is None:
            raise UsageError(
                f"没有在用的业务系统用户名 {args.outgoing_username}", f"no active username {args.outgoing_username}"
            )
        account_id = account.id
    stamp = clock.stamp()
    draft = HandoverDraft(
        outgoing=args.outgoing,
        incoming=args.incoming,
        supervisor=args.supervisor,
        on=on,
        reported_on=_date(args.reported_on, "上报日期"),
        items=_items(args.item, on),
        outgoing_confirmed_at=stamp if args.outgoing_confirms else None,
        incoming_confirmed_at=stamp if args.incoming_confirms else None,
        outgoing_account_id=account_id,
        incoming_username=args.incoming_username or "",
        revoke_user=args.revoke_user,
        note=args.note or "",
        backdate_reason=args.reason,
    )
    done = complete_handover(draft, today)
    if args.json:
        clikit.print_json(
            {
                "id": done.handover_id,
                "open_work": done.open_work,
                "account_forms": done.forms,
                "revoked": done.revoked,
                "deadline": {
                    "outcome": done.deadline.outcome,
                    "code": done.deadline.code,
                    "message": done.deadline.message,
                },
                "warnings": [{"code": d.code, "message": d.message} for d in done.report.warnings],
            }
        )
        return 0
    clikit.say(
        f"已登记交接 #{done.handover_id}：未办结事项 {done.open_work} 项，业务系统账号表 {done.forms} 份"
        + (f"，已撤销用户 {done.revoked}" if done.revoked else ""),
        f"handover #{done.handover_id} recorded ({done.open_work} open items, {done.forms} account forms)",
    )
    for d in done.report.warnings:
        clikit.say(f"注意：{d.message}（依据：{d.citation}）", f"warning: {d.code}")
    clikit.say(done.deadline.message, done.deadline.code)
    return 0


@command("handover report", help="登记交接上报办事处的日期 record the date reported to the office")
@arg("id", type=clikit.positive_int(2**63 - 1), metavar="ID")
@arg("--on", required=True, metavar="DATE")
@JSON
def cmd_report(args) -> int:
    from models.handover import mark_reported

    clikit.open_session(args)
    decision = mark_reported(args.id, _date(args.on, "上报日期"), clock.today())
    if args.json:
        clikit.print_json(
            {"id": args.id, "outcome": decision.outcome, "code": decision.code, "message": decision.message}
        )
    else:
        clikit.say(decision.message, decision.code)
    return 0


@command("handover list", help="全部交接记录 every handover")
@JSON
def cmd_list(args) -> int:
    from models.handover import list_handovers

    clikit.open_session(args)
    rows = list_handovers(clock.today())
    if args.json:
        clikit.print_json(
            [
                {
                    "id": r.id,
                    "on": r.on,
                    "outgoing": r.outgoing,
                    "incoming": r.incoming,
                    "supervisor": r.supervisor,
                    "reported_on": r.reported_on,
                    "confirmed": r.confirmed,
                    "note": r.note,
                    "created_by": r.created_by,
                    "items": [{"name": n, "description": d, "quantity": q} for n, d, q in r.items],
                    "open_work": r.open_work,
                    "status": {"outcome": r.status.outcome, "code": r.status.code, "message": r.status.message},
                }
                for r in rows
            ]
        )
        return 0
    clikit.print_table(
        [(r.id, r.on, r.outgoing, r.incoming, r.supervisor, r.reported_on or "未上报", r.status.message) for r in rows],
        ["编号", "日期", "移交人", "接交人", "监交人", "上报", "状态"],
    )
    return 0


@command("handover checklist", help="交接清单项的代码 the checklist codes")
@arg("--on", metavar="DATE")
@JSON
def cmd_checklist(args) -> int:
    from models.handover import checklist

    clikit.open_session(args)
    items = checklist(_date(args.on, "日期") or clock.today())
    if args.json:
        clikit.print_json(dict(items))
    else:
        clikit.print_table(list(items.items()), ["代码", "清单项"])
    return 0
