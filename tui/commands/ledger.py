"""The management-fee accounts from the command line (DOMAIN §11, docs/mgmt-fee.md):

* ``huzhu ledger income|spend|approve|pay|void|list|account`` — income (回拨管理费, other),
  spending other than welfare against the approved budget lines, and the year's account;
* ``huzhu decision add|list`` — collective decisions (002 第三十条) large payments rest on;
* ``huzhu custody assign|return|list`` — the custody register of seals and cheques (R4.4).

Every decision is ``rules.mgmt_fee``'s through ``models.mgmt_fee``; refusals exit 3 with the
reason and article, nothing written; a role refusal exits 30.
"""

from __future__ import annotations

from models import clock
from models.money import parse_yuan
from rules.mgmt_fee import DECISION_BODIES, INCOME_KINDS, SPEND_CATEGORIES, SPEND_STATES
from rules.staff import CUSTODY_ITEMS
from tui import clikit
from tui.commands.registry import JSON, arg, command, group

_date = clikit.user_date


def _labels(mapping) -> str:
    return " | ".join(f"{k} {v}" for k, v in mapping.items())


def _decision_json(d) -> dict:
    return {"code": d.code, "message": d.message, "citation": d.citation.short, "severity": str(d.severity)}


group("ledger", help="管理费账：收入、支出、审批、支付 the management-fee accounts")


@command("ledger income", help="登记管理费收入 record income (回拨管理费 or other)")
@arg("--kind", default="office_return", choices=list(INCOME_KINDS), help=_labels(INCOME_KINDS))
@arg("--amount", required=True, metavar="YUAN", help="金额（元）")
@arg("--on", metavar="DATE", help="到账日期，默认今天")
@arg("--reference", metavar="REF", help="办事处下拨申请/批复文号（回拨管理费必填）")
@arg("--period", metavar="TEXT", help="所属期间，如 2026 或 2026上半年")
@arg("--voucher", metavar="NO", help="记账凭证号（R11.6）")
@arg("--note", metavar="TEXT", help="备注")
@JSON
def cmd_income(args) -> int:
    from models.mgmt_fee import record_income

    amount = parse_yuan(args.amount)
    on = _date(args.on, "到账日期", "date") or clock.today()
    clikit.open_session(args)
    new_id = record_income(
        args.kind, on, amount, reference=args.reference, period=args.period, voucher_no=args.voucher, note=args.note
    )
    if args.json:
        clikit.print_json({"ok": True, "income_id": new_id, "kind": args.kind, "on": on, "amount_fen": amount})
    clikit.say(
        f"已登记收入 #{new_id}：{on} {INCOME_KINDS[args.kind]} {clikit.yuan(amount)} 元",
        f"income {new_id} recorded: {args.kind} {clikit.yuan(amount)} yuan on {on}",
    )
    return 0


@command(
    "ledger spend",
    help="录入管理费支出（互助互济支出用 huzhu disbursement） enter a payment",
    description="录入一笔互助互济以外的管理费支出，列入批准的预算科目；审批（负责人，非录入人）、"
    "支付（非录入人，非会计）另行办理。类别 categories: " + _labels(SPEND_CATEGORIES),
)
@arg("--category", required=True, choices=list(SPEND_CATEGORIES), help=_labels(SPEND_CATEGORIES))
@arg("--amount", required=True, metavar="YUAN", help="金额（元）")
@arg("--payee", required=True, metavar="NAME", help="收款方")
@arg("--note", required=True, metavar="TEXT", help="用途说明")
@arg("--on", metavar="DATE", help="日期，默认今天")
@arg("--line", metavar="CODE", help="预算科目代码（huzhu budget list）；只有一个可列支的科目时可省略")
@arg("--voucher", metavar="NO", help="记账凭证号（R11.6）")
@JSON
def cmd_spend(args) -> int:
    from models.mgmt_fee import SpendDraft, enter_spending

    amount = parse_yuan(args.amount)
    on = _date(args.on, "日期", "date") or clock.today()
    clikit.open_session(args)
    entered = enter_spending(SpendDraft(args.category, on, amount, args.payee, args.note, args.line, args.voucher))
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "spending_id": entered.spending_id,
                "needs_decision": entered.needs_decision,
                "decisions": [_decision_json(d) for d in entered.report],
            }
        )
    tail = "；金额超过大额资金起点，审批前须记录集体决策（huzhu decision add）" if entered.needs_decision else ""
    clikit.say(
        f"已录入管理费支出 #{entered.spending_id}：{entered.report.decisions[-1].message}{tail}",
        f"spending {entered.spending_id} entered" + ("; needs a collective decision before approval" if tail else ""),
    )
    return 0


def cmd_step(args) -> int:
    from models.mgmt_fee import approve_spending, pay_spending

    on = _date(args.on, "日期", "date") or clock.today()
    clikit.open_session(args)
    if args.step == "approve":
        decision = approve_spending(args.spending_id, on, decision_id=args.decision)
    else:
        decision = pay_spending(args.spending_id, on, payment_ref=args.ref, voucher_no=args.voucher)
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "spending_id": args.spending_id,
                "step": args.step,
                "on": on,
                "decision": _decision_json(decision),
            }
        )
    clikit.say(f"支出 #{args.spending_id}：{decision.message}", f"spending {args.spending_id}: {args.step} on {on}")
    return 0


command(
    "ledger approve",
    help="审批支出（负责人，非录入人） approve (supervisor)",
    defaults={"step": "approve"},
    args=[
        arg("spending_id", type=clikit.positive_int(10**12), metavar="ID", help="支出编号"),
        arg("--on", metavar="DATE", help="审批日期，默认今天"),
        arg("--decision", type=clikit.positive_int(10**12), metavar="ID", help="集体决策编号（超过大额起点时必填）"),
        JSON,
    ],
)(cmd_step)


command(
    "ledger pay",
    help="办理支付（非录入人，非会计） record the payment",
    defaults={"step": "pay"},
    args=[
        arg("spending_id", type=clikit.positive_int(10**12), metavar="ID", help="支出编号"),
        arg("--on", metavar="DATE", help="支付日期，默认今天"),
        arg("--ref", required=True, metavar="REF", help="转账凭证号或支票号"),
        arg("--voucher", metavar="NO", help="记账凭证号（R11.6）"),
        JSON,
    ],
)(cmd_step)


@command("ledger void", help="作废收入或支出（负责人） void an entry (supervisor)")
@arg("what", choices=["income", "spend"], help="income 收入 | spend 支出")
@arg("entry_id", type=clikit.positive_int(10**12), metavar="ID", help="编号")
@arg("--reason", required=True, metavar="TEXT", help="作废原因")
@arg("--on", metavar="DATE", help="作废日期，默认今天")
def cmd_void(args) -> int:
    from models.mgmt_fee import void_income, void_spending

    on = _date(args.on, "作废日期", "date")
    clikit.open_session(args)
    (void_income if args.what == "income" else void_spending)(args.entry_id, args.reason, on)
    clikit.say(f"已作废 #{args.entry_id}（记录保留）", f"{args.what} {args.entry_id} voided (the row stays)")
    return 0


@command("ledger list", help="列出一年的收入与支出 list a year's income and spending")
@arg("--year", type=clikit.YEAR, metavar="YYYY", help="年度，默认今年")
@arg("--state", choices=list(SPEND_STATES), help="只列此状态的支出")
@JSON
def cmd_list(args) -> int:
    from models.mgmt_fee import incomes, spendings

    clikit.open_session(args)
    year = args.year or clock.today().year
    ins, outs = incomes(year), spendings(year, state=args.state)
    if args.json:
        clikit.print_json({"year": year, "income": [r.to_json() for r in ins], "spending": [r.to_json() for r in outs]})
        return 0
    print(f"{year}年度管理费收入")
    clikit.print_table(
        [
            (
                r.id,
                r.on,
                INCOME_KINDS.get(r.kind, r.kind),
                clikit.yuan(r.amount_fen),
                r.reference or "",
                r.voucher_no or "",
                "作废" if r.voided else "",
            )
            for r in ins
        ],
        ["编号", "日期", "类别", "金额（元）", "文号", "凭证号", "状态"],
    )
    print(f"\n{year}年度管理费支出（互助互济支出见 huzhu disbursement list）")
    clikit.print_table(
        [
            (
                r.id,
                r.on,
                SPEND_CATEGORIES.get(r.category, r.category),
                clikit.yuan(r.amount_fen),
                r.payee,
                r.line_code,
                SPEND_STATES.get(r.state, r.state),
                r.entered_by,
                r.approved_by or "",
                r.paid_by or "",
            )
            for r in outs
        ],
        ["编号", "日期", "类别", "金额（元）", "收款方", "预算科目", "状态", "录入", "审批", "支付"],
    )
    return 0


@command("ledger account", help="年度管理费账：期初、收入、各科目支出、余额 the year's account")
@arg("--year", type=clikit.YEAR, metavar="YYYY", help="年度，默认今年")
@JSON
def cmd_account(args) -> int:
    from models.mgmt_fee import year_account

    clikit.open_session(args)
    account = year_account(args.year or clock.today().year)
    if args.json:
        clikit.print_json(account.to_json())
        return 0
    f = account.figures
    print(
        f"{account.year}年度管理费：期初余额 {clikit.yuan(f.opening_fen)}，收入 {clikit.yuan(f.income_fen)}，"
        f"支出 {clikit.yuan(f.spent_fen)}，余额 {clikit.yuan(f.closing_fen)}（元）"
    )
    clikit.print_table(
        [
            (
                line.code,
                line.name,
                clikit.yuan(line.approved_fen),
                clikit.yuan(line.welfare_paid_fen),
                clikit.yuan(line.other_paid_fen),
                clikit.yuan(line.pending_fen),
                clikit.yuan(line.remaining_fen),
                f"{line.rate * 100:.1f}%" if line.rate is not None else "",
            )
            for line in account.lines
        ],
        ["科目代码", "预算科目", "批准数", "互助互济已付", "其他已付", "待付", "余额", "执行率"],
    )
    if not account.balance.ok:
        clikit.say(f"提示：{account.balance.message}", f"note: {account.balance.code}")
    return 0


group("decision", help="集体决策记录（大额资金） collective decisions")


@command("decision add", help="记录一次集体决策 record a collective decision")
@arg("--on", required=True, metavar="DATE", help="会议日期")
@arg("--body", default="committee", choices=list(DECISION_BODIES), help=_labels(DECISION_BODIES))
@arg("--attendee", action="append", default=[], metavar="NAME", help="参会人员（可重复，至少 3 人）")
@arg("--decision", required=True, metavar="TEXT", help="决策事项及结果")
@arg("--amount", metavar="YUAN", help="决定的金额（元）")
@arg("--minutes", metavar="REF", help="会议纪要编号")
@JSON
def cmd_decision_add(args) -> int:
    from models.mgmt_fee import add_decision

    on = _date(args.on, "会议日期", "meeting date")
    amount = parse_yuan(args.amount) if args.amount else None
    clikit.open_session(args)
    new_id = add_decision(on, args.body, args.attendee, args.decision, amount_fen=amount, minutes_ref=args.minutes)
    if args.json:
        clikit.print_json({"ok": True, "decision_id": new_id})
    clikit.say(
        f"已记录集体决策 #{new_id}（{on} {DECISION_BODIES[args.body]}）；审批大额支出时用 --decision {new_id}",
        f"collective decision {new_id} recorded; approve with --decision {new_id}",
    )
    return 0


@command("decision list", help="列出集体决策 list decisions")
@JSON
def cmd_decision_list(args) -> int:
    from models.mgmt_fee import decisions

    clikit.open_session(args)
    rows = decisions()
    if args.json:
        clikit.print_json([r.to_json() for r in rows])
        return 0
    clikit.print_table(
        [
            (
                r.id,
                r.on,
                DECISION_BODIES.get(r.body, r.body),
                "、".join(r.attendees),
                r.decision,
                clikit.yuan(r.amount_fen),
                r.minutes_ref or "",
            )
            for r in rows
        ],
        ["编号", "日期", "决策机构", "参会人员", "决策事项", "金额（元）", "纪要"],
    )
    return 0


group("custody", help="印章、支票保管登记 custody of seals and cheques (R4.4)")


@command("custody assign", help="交由某人保管（原保管人同日交出） assign an item")
@arg("--kind", required=True, choices=list(CUSTODY_ITEMS), help=_labels(CUSTODY_ITEMS))
@arg("--item", metavar="NAME", help="物品名称，如 王主任人名章；默认为类别名称")
@arg("--holder", required=True, metavar="NAME", help="保管人（系统用户写用户名）")
@arg("--joint", metavar="NAME", help="共同保管人")
@arg("--on", metavar="DATE", help="起始日期，默认今天")
@arg("--note", metavar="TEXT", help="备注")
def cmd_custody_assign(args) -> int:
    from models.mgmt_fee import assign_custody

    on = _date(args.on, "日期", "date") or clock.today()
    clikit.open_session(args)
    item = args.item or CUSTODY_ITEMS[args.kind]
    report = assign_custody(args.kind, item, args.holder, on, joint_holder=args.joint, note=args.note)
    who = f"{args.holder}、{args.joint}共同" if args.joint else args.holder
    clikit.say(f"{item} 自 {on} 起由 {who} 保管；{report.decisions[-1].message}", f"{item} now held by {who}")
    return 0


@command("custody return", help="保管结束（交回） end a custody")
@arg("holding_id", type=clikit.positive_int(10**12), metavar="ID", help="保管记录编号")
@arg("--on", metavar="DATE", help="交回日期，默认今天")
def cmd_custody_return(args) -> int:
    from models.mgmt_fee import return_custody

    on = _date(args.on, "日期", "date") or clock.today()
    clikit.open_session(args)
    return_custody(args.holding_id, on)
    clikit.say(f"保管记录 #{args.holding_id} 已于 {on} 交回", f"custody {args.holding_id} ended on {on}")
    return 0


@command("custody list", help="保管清单及检查 list the register")
@arg("--all", action="store_true", help="含已交回的记录")
@JSON
def cmd_custody_list(args) -> int:
    from models.mgmt_fee import custody

    clikit.open_session(args)
    rows, report = custody(all_rows=args.all)
    if args.json:
        clikit.print_json(
            {"holdings": [r.to_json() for r in rows], "check": [_decision_json(d) for d in report], "ok": report.ok}
        )
        return 0
    clikit.print_table(
        [
            (
                r.id,
                CUSTODY_ITEMS.get(r.kind, r.kind),
                r.item,
                r.holder,
                r.joint_holder or "",
                r.from_date,
                r.to_date or "",
            )
            for r in rows
        ],
        ["编号", "类别", "物品", "保管人", "共同保管人", "起", "止"],
    )
    for d in report:
        print(f"{'✓' if d.ok else '✗'} {d.message}（{d.citation.short}）")
    return 0
