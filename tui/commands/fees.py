"""Fees (会费, DOMAIN §12) from the command line: ``huzhu fee receive|remit|void-receipt|list``.

Every decision comes from ``rules.fees`` via ``models.fees``; amounts are typed in yuan and
kept in fen. The ``--json`` output is documented in docs/fees.md.
"""

from __future__ import annotations

from models import clock
from models.errors import RuleRefused, ValidationFailed
from tui import clikit
from tui.commands.registry import JSON, arg, command, group


def _decision(d) -> dict:
    from models.claims import finding_record

    return finding_record(d)


def _run(args, work):
    """Refusals as JSON too (with ``--json``), then the usual bilingual message and exit code."""
    try:
        return work()
    except ValidationFailed as refused:
        if args.json:
            clikit.print_json(
                {
                    "ok": False,
                    "refused": [_decision(d) for d in refused.decisions] if isinstance(refused, RuleRefused) else [],
                    "error": {"code": refused.code, "message_zh": refused.message_zh, "message_en": refused.message_en},
                }
            )
        raise


def _amount(text: str) -> int:
    from models.money import parse_yuan

    return parse_yuan(text)


group("fee", help="会费收缴与上交 fees collected and remitted")


@command(
    "fee receive",
    help="登记单位缴费并开具票据 record a unit's payment and its receipt",
    description="登记基层单位缴纳的会费（000 第十五条4）及代开票据号（001 fin.10）。期间为所缴保单起始的"
    "年份或月份；金额不得超过该保单未缴余额；票据须按册连号（退出码 3，不写入任何内容）。",
)
@arg("--unit", required=True, metavar="CODE", help="单位编码 unit code")
@arg("--plan", required=True, metavar="CODE", help="保障计划代码 plan code")
@arg("--period", required=True, metavar="YYYY|YYYY-MM", help="所缴保单起始的年或月")
@arg("--amount", required=True, metavar="YUAN", help="金额（元）amount in yuan")
@arg("--on", required=True, metavar="DATE", help="收款日期 date received")
@arg("--receipt", required=True, metavar="NO", help="代开票据号 receipt number (e.g. A0000123)")
@arg("--payer", metavar="NAME", help="缴款人 who paid")
@JSON
def cmd_receive(args) -> int:
    from models.fees import receive

    amount = _amount(args.amount)
    on = clikit.user_date(args.on, "收款日期", "date received")
    clikit.open_session(args)
    done = _run(
        args,
        lambda: receive(
            unit_code=args.unit.strip(),
            plan_code=args.plan.strip(),
            period=args.period,
            amount_fen=amount,
            on=on,
            receipt_no=args.receipt,
            payer=args.payer,
        ),
    )
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "payment_id": done.payment_id,
                "receipt_no": done.receipt_no,
                "policy_id": done.policy_id,
                "amount_fen": amount,
                "due_fen": done.due_fen,
                "paid_fen": done.paid_fen,
                "balance_fen": done.balance_fen,
                "decisions": [_decision(d) for d in done.decisions],
            }
        )
    for d in done.decisions:
        if not d.ok or d.severity.value == "warning":
            clikit.say(f"提示：{d.message}（{d.citation}）", f"note: {d.code}")
    balance = "（无当时收费标准）" if done.balance_fen is None else f"，余额 {clikit.yuan(done.balance_fen)} 元"
    clikit.say(
        f"已登记缴费 {clikit.yuan(amount)} 元，票据 {done.receipt_no}{balance}",
        f"payment {done.payment_id} recorded with receipt {done.receipt_no}",
    )
    return 0


@command(
    "fee remit",
    help="登记上交办事处 record a remittance to the office",
    description="登记向办事处上交的会费（001 fin.7：及时、足额上交）。--covers 列出所上交的收款："
    "票据号（A0000123）、同一册的号段（A0000123..A0000130）或 单位/计划/期间（U001/ZYYL/2026），"
    "可重复或用逗号分隔；不写则按收款先后上交尚未上交的全部收款。",
)
@arg("--amount", required=True, metavar="YUAN", help="金额（元）amount in yuan")
@arg("--on", required=True, metavar="DATE", help="上交日期 date remitted")
@arg("--bank-ref", required=True, metavar="REF", help="银行凭证号 bank reference")
@arg(
    "--covers",
    action="append",
    default=[],
    metavar="ITEMS",
    help="票据号、号段 A0001..A0010 或 单位/计划/期间，逗号分隔或重复 receipts, ranges or UNIT/PLAN/PERIOD",
)
@JSON
def cmd_remit(args) -> int:
    from models.fees import remit

    amount = _amount(args.amount)
    on = clikit.user_date(args.on, "上交日期", "date remitted")
    covers = [item.strip() for raw in args.covers for item in raw.replace("，", ",").split(",") if item.strip()]
    clikit.open_session(args)
    done = _run(args, lambda: remit(amount_fen=amount, on=on, bank_ref=args.bank_ref, covers=covers))
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "remittance_id": done.remittance_id,
                "amount_fen": done.amount_fen,
                "covers": [{"receipt_no": no, "amount_fen": fen} for no, fen in done.covers],
                "decision": _decision(done.decision),
            }
        )
    if done.decision.severity.value == "warning":
        clikit.say(f"提示：{done.decision.message}（{done.decision.citation}）", f"note: {done.decision.code}")
    clikit.say(
        f"已登记上交 {clikit.yuan(done.amount_fen)} 元，涵盖票据 {'、'.join(no for no, _ in done.covers)}",
        f"remittance {done.remittance_id} recorded over {len(done.covers)} payment(s)",
    )
    return 0


@command(
    "fee void-receipt",
    help="作废票据（负责人）void a spoilt receipt (supervisor)",
    description="作废开错或损坏的代开票据（R12.6、R9.3）：号码保留在登记簿中并注明原因；已开出的票据"
    "所登记的收款同时作废；未用的号码须是本册下一号。已上交的收款不能作废。",
)
@arg("number", metavar="NO", help="票据号 receipt number")
@arg("--reason", required=True, metavar="TEXT", help="作废原因 why")
@arg("--on", metavar="DATE", help="作废日期，默认今天")
@JSON
def cmd_void_receipt(args) -> int:
    from models.fees import void_receipt

    on = clikit.user_date(args.on, "作废日期", "date")
    clikit.open_session(args)
    decision = _run(args, lambda: void_receipt(args.number, args.reason, on))
    if args.json:
        clikit.print_json(
            {"ok": True, "number": args.number.strip(), "state": "voided", "decision": _decision(decision)}
        )
    clikit.say(f"票据 {args.number.strip()}：{decision.message}", f"receipt {args.number.strip()} voided")
    return 0


@command(
    "fee list",
    help="应缴、已缴、已上交与余额 what each unit owes, has paid, and what was remitted",
    description="每个保单的应缴（按保单起始日适用的收费标准）、已缴、余额、已上交，单位合计，"
    "收款与上交记录，以及代开票据登记簿（连号检查、作废号码）。",
)
@arg("--unit", metavar="CODE", help="只列一个单位 one unit only")
@JSON
def cmd_list(args) -> int:
    from models.fees import fee_lines, payments, receipt_book, remittances, unit_totals

    clikit.open_session(args)
    today = clock.today()
    lines = fee_lines(today, unit_code=args.unit)
    totals = unit_totals(lines)
    where, params = ("WHERE u.code = ?", (args.unit,)) if args.unit else ("", ())
    paid = payments(today, where=where, params=params)
    sent = remittances()
    book = receipt_book()
    if args.json:
        clikit.print_json(
            {
                "today": today.isoformat(),
                "units": [t.to_json() for t in totals],
                "policies": [line.to_json() for line in lines],
                "payments": [p.to_json() for p in paid],
                "remittances": [r.to_json() for r in sent],
                "receipts": book.to_json(),
                "totals": {
                    "due_fen": sum(t.due_fen for t in totals),
                    "paid_fen": sum(t.paid_fen for t in totals),
                    "remitted_fen": sum(r.amount_fen for r in sent),
                    "unremitted_fen": sum(p.open_fen for p in paid),
                },
            }
        )
        return 0
    print("单位应缴、已缴与余额 / per unit")
    clikit.print_table(
        [
            [
                t.unit_code,
                t.unit_name,
                clikit.yuan(t.due_fen),
                clikit.yuan(t.paid_fen),
                clikit.yuan(t.balance_fen),
                clikit.yuan(t.overdue_fen),
                clikit.yuan(t.remitted_fen),
            ]
            for t in totals
        ],
        ["单位", "名称", "应缴（元）", "已缴（元）", "余额（元）", "逾期（元）", "已上交（元）"],
    )
    print("\n保单 / per policy")
    clikit.print_table(
        [
            [
                line.unit_code,
                line.plan_code,
                line.period,
                str(line.shares),
                clikit.yuan(line.price_fen),
                clikit.yuan(line.due_fen),
                clikit.yuan(line.paid_fen),
                clikit.yuan(line.balance_fen),
                clikit.yuan(line.remitted_fen),
                line.message,
            ]
            for line in lines
        ],
        ["单位", "计划", "保单期间", "份数", "每份（元）", "应缴", "已缴", "余额", "已上交", "状态"],
    )
    print("\n收款 / payments")
    clikit.print_table(
        [
            [
                p.receipt_no,
                p.received_on.isoformat(),
                p.unit_code,
                p.plan_code,
                p.period,
                clikit.yuan(p.amount_fen),
                clikit.yuan(p.remitted_fen),
                p.remit_message,
            ]
            for p in paid
        ],
        ["票据号", "收款日期", "单位", "计划", "期间", "金额", "已上交", "上交状态"],
    )
    print("\n上交 / remittances")
    clikit.print_table(
        [[r.on_date.isoformat(), clikit.yuan(r.amount_fen), r.bank_ref, "、".join(r.receipts)] for r in sent],
        ["上交日期", "金额（元）", "银行凭证号", "涵盖票据"],
    )
    print("\n代开票据登记簿 / receipts")
    clikit.print_table(
        [
            [s["series"] or "（无前缀）", s["first"], s["last"], s["issued"], s["voided"], "、".join(s["gaps"]) or "无"]
            for s in book.series
        ],
        ["册（前缀）", "起号", "止号", "已开", "作废", "缺号"],
    )
    for v in book.voided:
        print(f"作废 {v['number']}  {v['voided_on']}  {v['voided_by']}：{v['reason']}")
    print(f"缺号 gaps: {book.gaps or '无 none'}")
    return 0
