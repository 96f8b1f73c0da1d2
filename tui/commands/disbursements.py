"""Welfare disbursements (互助互济支出, docs/rules.md R3) from the command line: ``huzhu disbursement
enter|approve|pay|sign|void|list``, with the same rules, roles and messages as the 互助互济
screen — every decision comes from ``rules.disbursements`` via ``models.disbursements``.

Every 003 kind is entered here: money to one member (hardship_aid, education_aid,
condolence_cash, fee_subsidy), goods to one member (small_goods), a seasonal-goods batch with
its recipient list (weather_goods, ``--recipient``/``--recipients-file``, R3.8), and an
activity with its participant count and winners or participation awards (activity_prize,
``--participants`` with ``--winner``/``--participant``, R3.9). The ``--json`` output is
documented in docs/disbursements.md.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from models import clock
from models.errors import RuleRefused, UsageError, ValidationFailed
from rules.disbursements import CATEGORIES, METHODS
from tui import clikit
from tui.commands.registry import JSON, arg, command, group

MARKS = {"error": "✗", "warning": "!", "info": "✓"}
STEPS = {
    "approve": "审批 approve (a supervisor other than the clerk who entered it, R3.5)",
    "pay": "发放 record the payment (not by the one who entered it, nor by an accountant: 000 第十九条2)",
    "sign": "签收 the beneficiary's signed receipt (附件2) is back",
}


_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


def _decision(d) -> dict:
    from models.claims import finding_record

    return finding_record(d)


def _error_json(error: ValidationFailed) -> dict:
    return {
        "ok": False,
        "refused": [_decision(d) for d in error.decisions] if isinstance(error, RuleRefused) else [],
        "error": {"code": error.code, "message_zh": error.message_zh, "message_en": error.message_en},
    }


def _json_on_refusal(args, work):
    try:
        return work()
    except ValidationFailed as refused:
        if args.json:
            clikit.print_json(_error_json(refused))
        raise


def _file_items(path: str) -> list[str]:
    """A recipients CSV (身份证号, 金额; a header row is skipped) as ``ID:YUAN`` items."""
    raw = Path(path).read_bytes() if Path(path).is_file() else None
    if raw is None:
        raise ValidationFailed(f"找不到名单文件 {path}", f"no such file {path}")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(f"名单文件 {path} 不是 UTF-8 或 GBK 编码", f"{path} is neither UTF-8 nor GBK")
    items = []
    for n, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or (n == 1 and not any(ch.isdigit() for ch in cells[0])):
            continue  # a blank line or the header
        if len(cells) != 2:
            raise ValidationFailed(f"名单文件第 {n} 行应有两列：身份证号,金额", f"line {n} should have two columns")
        items.append(f"{cells[0]}:{cells[1]}")
    return items


def _budget_line(code: str | None, year: int, category: str) -> int:
    """The approved line of the payment's year (R3.4): ``--budget-line``, else the line of the
    category; refused with the reason when the year's budget is not approved."""
    from models.budget import line_id_for

    return line_id_for(year, code or category)


def build_draft(args):
    """The draft as the options give it; bad values are refused here with what is wrong."""
    from models.claims import member_by_id_number
    from models.disbursements import DisbursementDraft, parse_recipients
    from models.money import parse_yuan

    today = clock.today()
    on = _date(args.on, "支出日期", "date") or today
    member_id = member_by_id_number(args.id_number) if args.id_number else None
    amount = parse_yuan(args.amount) if args.amount is not None else None
    recipients = parse_recipients(args.recipient + (_file_items(args.recipients_file) if args.recipients_file else []))
    recipients += parse_recipients(args.winner, "winner") + parse_recipients(args.participant, "participant")
    if recipients and args.category not in ("weather_goods", "activity_prize"):
        raise UsageError(
            "只有季节性慰问品（weather_goods）和文体活动（activity_prize）按名单录入",
            "only weather_goods and activity_prize take a recipient list",
        )
    if args.category == "activity_prize" and args.recipient:
        raise UsageError(
            "文体活动请用 --winner（获奖者）或 --participant（参与奖）列出名单",
            "list an activity's awards with --winner or --participant",
        )
    goods = args.category in ("small_goods", "weather_goods", "activity_prize")
    return DisbursementDraft(
        member_id=member_id,
        category=args.category,
        on=on,
        amount_fen=amount,
        method=args.method or ("in_kind" if goods else "transfer"),
        note=args.note,
        beneficiary=args.beneficiary,
        relation=args.relation,
        cash_reason=args.cash_reason,
        student_kind=args.student_kind,
        scheme_ref=args.scheme_ref,
        budget_line_id=_budget_line(args.budget_line, on.year, args.category),
        visit_place=args.visit_place,
        claim_id=args.claim,
        event_date=_date(args.event_date, "事件日期", "event date"),
        cause=args.cause,
        hierarchy_reason=args.hierarchy_reason,
        recipients=recipients,
        participants=args.participants,
        backdate_reason=args.reason,
    )


group("disbursement", help="互助互济支出 welfare disbursements")


@command(
    "disbursement enter",
    help="录入支出 enter a disbursement",
    description="录入一笔互助互济支出（003），按标准、上限、发放方式与预算核对；不符合的不录入（退出码 3）。"
    "季节性慰问品一次发放为一笔，附领取人名单；文体活动为一笔，附参与人数与获奖者或参与奖名单。",
)
@arg(
    "--category",
    required=True,
    choices=list(CATEGORIES),
    help="类别 " + "，".join(f"{k} {v}" for k, v in CATEGORIES.items()),
)
@arg("--id-number", metavar="ID", help="受益会员身份证号 the member's full ID number")
@arg("--on", metavar="DATE", help="支出日期，默认今天 date (default today)")
@arg("--amount", metavar="YUAN", help="金额（元）；名单类别为名单合计 amount in yuan")
@arg(
    "--method",
    choices=list(METHODS),
    help="发放方式 transfer 转账（默认）| cash 现场现金 | in_kind 实物（慰问品与奖品默认实物）",
)
@arg("--note", metavar="TEXT", required=True, help="情况说明 the situation note (003 第十条)")
@arg("--beneficiary", metavar="NAME", help="受益人，默认会员本人；助学金填学生姓名")
@arg("--relation", default="self", choices=["self", "spouse", "child"], help="受益人关系")
@arg("--cash-reason", metavar="TEXT", help="现金：不能转账的理由")
@arg("--visit-place", metavar="TEXT", help="现金：现场慰问的地点（R3.2）")
@arg("--student-kind", metavar="KIND", help="助学金：学生类别（见 huzhu rules show）")
@arg("--scheme-ref", metavar="TEXT", help="会费补助：批准的补助方案文号")
@arg("--budget-line", metavar="CODE", help="预算科目代码（huzhu budget list），默认与类别同名的科目")
@arg("--claim", type=int, metavar="ID", help="关联报案编号（R3.1、R3.11）")
@arg("--event-date", metavar="DATE", help="事件日期（R3.11）")
@arg("--cause", metavar="TEXT", help="事由：重大疾病、意外事故、自然灾害…（R3.11）")
@arg("--hierarchy-reason", metavar="TEXT", help="高于赔付或救助标准时的理由（R3.1）")
@arg("--reason", metavar="TEXT", help="支出日期早于今天（补录）时的理由，须由负责人办理")
@arg("--recipient", action="append", default=[], metavar="ID:YUAN", help="季节性慰问品领取人 身份证号:价值（可重复）")
@arg("--recipients-file", metavar="CSV", help="领取人名单 CSV（列：身份证号,金额；UTF-8 或 GBK）")
@arg("--participants", type=int, metavar="N", help="文体活动参与人数（R3.9）")
@arg("--winner", action="append", default=[], metavar="ID:YUAN", help="获奖者 身份证号:奖品价值（可重复）")
@arg(
    "--participant",
    action="append",
    default=[],
    metavar="ID:YUAN",
    help="参与奖 身份证号:价值（可重复；仅限不设奖品的活动）",
)
@JSON
def cmd_enter(args) -> int:
    from models.disbursements import enter_disbursement

    clikit.open_session(args)
    entered = _json_on_refusal(args, lambda: enter_disbursement(build_draft(args)))
    shown = [d for d in entered.report.decisions if d.severity.value != "info"]
    from models.schema import Disbursement

    row = Disbursement.get_by_id(entered.disbursement_id)
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "disbursement_id": entered.disbursement_id,
                "state": "entered",
                "category": row.category,
                "amount_fen": row.amount_fen,
                "method": row.method,
                "warnings": [_decision(d) for d in entered.report.warnings],
                "decisions": [_decision(d) for d in entered.report.decisions],
            }
        )
    else:
        for d in shown:
            print(f"{MARKS[d.severity.value]} {d}")
    n = entered.disbursement_id
    clikit.say(
        f"已录入支出 #{n}（{CATEGORIES[row.category]} {clikit.yuan(row.amount_fen)} 元），待负责人审批",
        f"disbursement {n} entered; waiting for a supervisor's approval",
    )
    for d in entered.report.warnings:
        if d.code == "R3.5.no_other_approver":
            clikit.say(
                f"警告：{d.message}",
                "warning: nobody but you could approve this entry: add a second "
                "supervisor, or have another supervisor enter it",
            )
    return 0


def cmd_step(args) -> int:
    from models.disbursements import approve_disbursement, pay_disbursement, sign_receipt

    clikit.open_session(args)
    on = _date(args.on, "日期", "date") or clock.today()
    work = {
        "approve": lambda: approve_disbursement(args.disbursement_id, on, decision_id=args.decision),
        "pay": lambda: pay_disbursement(
            args.disbursement_id,
            on,
            transfer_ref=args.transfer_ref,
            receipt_no=args.receipt_no,
            cash_receipt_signed=args.cash_receipt_signed,
        ),
        "sign": lambda: sign_receipt(args.disbursement_id, on, receipt_no=args.receipt_no),
    }[args.step]
    decision = _json_on_refusal(args, work)
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "disbursement_id": args.disbursement_id,
                "step": args.step,
                "on": on,
                "decision": _decision(decision),
            }
        )
    clikit.say(
        f"支出 #{args.disbursement_id}：{decision.message}", f"disbursement {args.disbursement_id}: {args.step} on {on}"
    )
    return 0


# One function records each step; each is its own command with that step's options.
for _step, _help in STEPS.items():
    command(
        f"disbursement {_step}",
        help=_help,
        defaults={"step": _step},
        args=[
            arg("disbursement_id", type=int, metavar="ID", help="支出编号 disbursement number"),
            arg("--on", metavar="DATE", help="日期，默认今天 date (default today)"),
            *(
                [
                    arg("--transfer-ref", metavar="REF", help="转账凭证号（转账发放必填）"),
                    arg("--cash-receipt-signed", action="store_true", help="现金：受益会员已当场签字"),
                ]
                if _step == "pay"
                else []
            ),
            *([arg("--receipt-no", metavar="NO", help="签收单号")] if _step in ("pay", "sign") else []),
            *(
                [
                    arg(
                        "--decision",
                        type=int,
                        metavar="ID",
                        help="集体决策编号（huzhu decision add）：金额超过大额资金起点时必填（002 第三十条）",
                    )
                ]
                if _step == "approve"
                else []
            ),
            JSON,
        ],
    )(cmd_step)


@command(
    "disbursement void",
    help="作废支出（负责人）void a disbursement (supervisor)",
    description="负责人作废一笔错误的支出（R9.3）：记录保留并标为作废，不再计入上限与预算，不删除任何记录。",
)
@arg("disbursement_id", type=int, metavar="ID", help="支出编号 disbursement number")
@arg("--reason", metavar="TEXT", required=True, help="作废原因 why")
@arg("--on", metavar="DATE", help="作废日期，默认今天")
@JSON
def cmd_void(args) -> int:
    from models.disbursements import void_disbursement

    clikit.open_session(args)
    on = _date(args.on, "作废日期", "date")
    decision = _json_on_refusal(args, lambda: void_disbursement(args.disbursement_id, args.reason, on))
    if args.json:
        clikit.print_json(
            {"ok": True, "disbursement_id": args.disbursement_id, "state": "cancelled", "decision": _decision(decision)}
        )
    clikit.say(f"支出 #{args.disbursement_id}：{decision.message}", f"disbursement {args.disbursement_id} voided")
    return 0


@command("disbursement list", help="支出登记簿 the register of a period")
@arg("--from", dest="date_from", metavar="DATE", help="起始日期，默认当年 1 月 1 日")
@arg("--to", dest="date_to", metavar="DATE", help="截止日期，默认今天")
@arg("--state", choices=["entered", "approved", "paid", "signed", "cancelled"], help="状态")
@arg("--category", choices=list(CATEGORIES), help="类别")
@JSON
def cmd_list(args) -> int:
    from models.disbursements import disbursement_register, recipients_of

    clikit.open_session(args)
    today = clock.today()
    date_from = _date(args.date_from, "起始日期", "start date") or dt.date(today.year, 1, 1)
    date_to = _date(args.date_to, "截止日期", "end date") or today
    page = disbursement_register(date_from, date_to, state=args.state, category=args.category)
    if args.json:
        clikit.print_json(
            {
                "from": date_from,
                "to": date_to,
                "count": page.count,
                "total_fen": page.total_fen,
                "truncated": page.truncated,
                "disbursements": [
                    {
                        "id": r.id,
                        "on": r.on,
                        "member": r.member_name,
                        "beneficiary": r.beneficiary,
                        "relation": r.relation,
                        "unit": r.unit_name,
                        "category": r.category,
                        "amount_fen": r.amount_fen,
                        "method": r.method,
                        "account_masked": r.account_masked,
                        "note": r.reason,
                        "state": r.state,
                        "state_name": r.state_name,
                        "entered_by": r.entered_by,
                        "approved_by": r.approved_by,
                        "paid_on": r.paid_on,
                        "signed_on": r.signed_on,
                        "transfer_ref": r.transfer_ref,
                        "receipt_no": r.receipt_no,
                        "visit_place": r.visit_place,
                        "participants": r.participants,
                        "void": (
                            {"on": r.voided_on, "by": r.voided_by, "reason": r.void_reason}
                            if r.state == "cancelled"
                            else None
                        ),
                        "recipients": [
                            {"name": x.name, "id_masked": x.id_masked, "amount_fen": x.amount_fen, "role": x.role}
                            for x in recipients_of(r.id)
                        ]
                        if r.recipients
                        else [],
                    }
                    for r in page.rows
                ],
            }
        )
        return 0
    clikit.print_table(
        [
            (
                r.id,
                r.on,
                r.beneficiary,
                CATEGORIES.get(r.category, r.category),
                clikit.yuan(r.amount_fen),
                METHODS.get(r.method, r.method),
                r.state_name,
                r.entered_by,
                r.approved_by or "",
                f"{r.voided_on} {r.void_reason}" if r.state == "cancelled" else "",
            )
            for r in page.rows
        ],
        ["编号", "日期", "受益人", "类别", "金额", "方式", "状态", "录入", "审批", "作废"],
    )
    clikit.say(
        f"共 {page.count} 笔，合计 {clikit.yuan(page.total_fen)} 元（不含作废）",
        f"{page.count} disbursements, total {clikit.yuan(page.total_fen)} yuan (voids excluded)",
    )
    return 0
