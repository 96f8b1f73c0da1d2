"""The claim register (报案登记簿, docs/rules.md R2) from the command line: ``huzhu claim register``,
the lifecycle (``submit|return|resubmit|settle|decline``), the failed-direct-pay follow-up
(``direct-pay-failed``), ``correct`` before submission, ``list`` and ``show``.

A report is recorded with what the preliminary check found (R2.2). An entry that is itself
incomplete or wrong (a required field missing, a date in the future or before the incident,
an unknown plan or channel, no such member) is refused with exit 3 and nothing is written.
A report the check finds would not be paid as reported (not covered on the incident date,
more shares than held, every share in observation) is recorded, flagged, and the command
says so and exits 0: the register holds every report received, and such a report is
declined through the lifecycle. Every decision comes from ``rules`` via ``models.claims``.
The ``--json`` output is documented in docs/claims.md.
"""

from __future__ import annotations

import datetime as dt

from models import clock
from models.errors import RuleRefused, UsageError, ValidationFailed
from rules.claims import CLAIM_STATES as CLAIM_STATE_NAMES
from rules.claims import DIRECT_PAY_STEPS as DIRECT_PAY_STEP_NAMES
from tui import clikit
from tui.commands.registry import JSON, arg, command, group

# Far above any plan's limit, far below what SQLite can hold: a typo, not a claim.
MAX_SHARES = 9999

MARKS = {"error": "✗", "warning": "!", "info": "✓"}


_date = clikit.user_date  # (text, what_zh, what_en): None when the option was not given


def _check_materials(names: list[str], plan: str | None, on: dt.date) -> None:
    """Received materials must be named as the plan's checklist names them (a typo would
    otherwise be stored and still count as missing)."""
    from rules import ruleset_on

    try:
        params = ruleset_on(on).plan(plan) if plan else None
    except LookupError:  # a date before every rule set: register_claim says so
        return
    if params is None:
        return
    unknown = [n for n in names if n not in params.required_materials]
    if unknown:
        listed = "、".join(params.required_materials)
        raise UsageError(
            f"{params.name}的申报资料中没有“{'、'.join(unknown)}”；应为：{listed}",
            f"unknown material(s) for plan {plan}: {', '.join(unknown)}; expected one of: {listed}",
        )


def _refusal_json(error: ValidationFailed) -> dict:
    from models.claims import finding_record

    return {
        "recorded": False,
        "claim_id": None,
        "flagged": False,
        "findings": [],
        "refused": [finding_record(d) for d in error.decisions] if isinstance(error, RuleRefused) else [],
        "error": {"code": error.code, "message_zh": error.message_zh, "message_en": error.message_en},
    }


group("claim", help="报案登记簿 the claim register")


@command(
    "claim register",
    help="登记报案并初审 record a claim report with its preliminary check",
    description="登记报案（000 第十七条5）并显示初审结果。初审发现按所报内容不予给付的问题时"
    "仍登记（退出码 0）并标出；必填项缺失、日期有误等则不登记（退出码 3）。",
)
@arg("--id-number", metavar="ID", help="出险人身份证号 the insured member's full ID number")
@arg("--plan", metavar="CODE", help="申报险种代码 plan code, e.g. ZYYL")
@arg("--diagnosis", metavar="TEXT", help="主要诊断 main diagnosis")
@arg("--incident-date", metavar="DATE", help="出险日期 incident date")
@arg("--kind", default="illness", metavar="KIND", help="出险类型 illness（疾病，默认）或 accident（意外）")
@arg("--shares", type=clikit.positive_int(MAX_SHARES), metavar="N", help="申报份数 shares claimed")
@arg("--reported-on", metavar="DATE", help="报案日期，默认今天 report date (default today)")
@arg(
    "--reason",
    metavar="TEXT",
    help="补录理由：报案日期早于今天时必填，仅负责人 why a supervisor enters an earlier report date",
)
@arg("--reporter", metavar="NAME", help="报案人 who reported it")
@arg("--channel", default="paper", metavar="CHANNEL", help="申报渠道 paper（纸质，默认）或 app（无纸化APP）")
@arg(
    "--material",
    action="append",
    default=[],
    metavar="NAME",
    help="已收申报资料（可重复），名称见 huzhu rules show received material (repeatable)",
)
@JSON
def cmd_claim_register(args) -> int:
    from models.claims import ClaimDraft, claim_detail, finding_record, member_by_id_number, register_claim

    clikit.open_session(args)
    today = clock.today()
    reported_on = _date(args.reported_on, "报案日期", "report date") or today
    incident_date = _date(args.incident_date, "出险日期", "incident date")
    _check_materials(args.material, args.plan, reported_on)
    try:
        member_id = member_by_id_number(args.id_number) if args.id_number else None
        draft = ClaimDraft(
            member_id=member_id,
            plan=args.plan,
            diagnosis=args.diagnosis,
            incident_kind=args.kind,
            incident_date=incident_date,
            shares_claimed=args.shares,
            reported_on=reported_on,
            reporter=args.reporter,
            channel=args.channel,
            materials=frozenset(args.material),
            backdate_reason=args.reason,
        )
        registered = register_claim(draft, today)
    except ValidationFailed as refused:  # nothing written; the message (with articles) goes to stderr
        if args.json:
            clikit.print_json(_refusal_json(refused))
        raise
    detail = claim_detail(registered.claim_id, today)
    findings = registered.findings
    if args.json:
        clikit.print_json(
            {
                "recorded": True,
                "claim_id": registered.claim_id,
                "state": detail.state,
                "member": detail.member_name,
                "id_masked": detail.id_masked,
                "unit": detail.unit_name,
                "plan": detail.plan,
                "shares_claimed": detail.shares_claimed,
                "incident_date": detail.incident_date,
                "report_date": detail.report_date,
                "flagged": registered.flagged,
                "findings": [finding_record(d) for d in findings],
                "refused": [],
            }
        )
    else:
        print(
            f"报案 #{registered.claim_id}：{detail.member_name} {detail.id_masked} {detail.unit_name}；"
            f"{detail.plan} {detail.shares_claimed} 份，出险 {detail.incident_date}，报案 {detail.report_date}"
        )
        print("初审 preliminary check:")
        for d in findings:
            print(f"{MARKS[d.severity.value]} {d}")
        if not findings:
            print("✓ 初步界定通过 passed")
    n = registered.claim_id
    if registered.flagged:
        clikit.say(
            f"报案 #{n} 已登记，但初审发现问题（见上）：按所报内容将不予给付。请核实后按流程上报、拒付",
            f"claim {n} is recorded with findings (above): as reported it would not be paid; "
            f"check it, then submit or decline it through the lifecycle",
        )
    elif findings:
        clikit.say(
            f"报案 #{n} 已登记，有 {len(findings)} 条提示请跟进",
            f"claim {n} recorded; {len(findings)} warnings to follow up",
        )
    else:
        clikit.say(f"报案 #{n} 已登记", f"claim {n} recorded")
    return 0


# --- the lifecycle, corrections and the register ---------------------------------------------


def _error_json(error: ValidationFailed) -> dict:
    from models.claims import finding_record

    return {
        "ok": False,
        "refused": [finding_record(d) for d in error.decisions] if isinstance(error, RuleRefused) else [],
        "error": {"code": error.code, "message_zh": error.message_zh, "message_en": error.message_en},
    }


def _refusing_json(args, work):
    """Run ``work()``; with --json a refusal is printed as JSON too (the message still goes
    to stderr and the exit code is the error's)."""
    try:
        return work()
    except ValidationFailed as refused:
        if args.json:
            clikit.print_json(_error_json(refused))
        raise


def cmd_claim_step(args) -> int:
    from models.claims import ACTIONS, finding_record, transition_claim
    from models.money import parse_yuan

    clikit.open_session(args)
    on = _date(args.on, "日期", "date") or clock.today()
    benefit = None
    if getattr(args, "amount", None) is not None:
        benefit = _refusing_json(args, lambda: parse_yuan(args.amount))
    decision = _refusing_json(
        args,
        lambda: transition_claim(
            args.claim_id, args.action, on, reason=getattr(args, "reason", None), benefit_fen=benefit
        ),
    )
    state, name = ACTIONS[args.action]
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "claim_id": args.claim_id,
                "action": args.action,
                "state": state,
                "on": on,
                "amount_fen": benefit,
                "decision": finding_record(decision),
            }
        )
    clikit.say(f"报案 #{args.claim_id}：{decision.message}", f"claim {args.claim_id}: {args.action} on {on}")
    return 0


# One function records each step; each is its own command (help, --reason, --amount).
CLAIM_STEPS = {  # action: (help, --reason help or None, takes --amount)
    "submit": ("上报办事处 submit to the office", None, False),
    "return": ("记录办事处打回 record the office's return", "打回原因 the office's reason", False),
    "resubmit": ("更正后重新上报 resubmit after a return", None, False),
    "settle": ("结案给付 record the settlement", None, True),
    "decline": ("拒付 record a decline", "拒付原因 the reason", False),
}
for _action, (_help, _reason_help, _amount) in CLAIM_STEPS.items():
    command(
        f"claim {_action}",
        help=_help,
        description=f"{_help}（000 第十七条5，R2.3）。日期不得早于上一环节，不得晚于今天。",
        defaults={"action": _action},
        args=[
            arg("claim_id", type=int, metavar="ID", help="报案编号 claim number"),
            arg("--on", metavar="DATE", help="日期，默认今天 date (default today)"),
            *([arg("--reason", metavar="TEXT", required=True, help=_reason_help)] if _reason_help else []),
            *(
                [arg("--amount", metavar="YUAN", required=True, help="给付互助金（元） benefit paid, in yuan")]
                if _amount
                else []
            ),
            JSON,
        ],
    )(cmd_claim_step)


@command(
    "claim direct-pay-failed",
    help="直赔失败跟进 follow up a failed direct payment",
    description="直赔失败跟进（000 第十七条7，R2.4）：依次记录 notice 收到失败短信、corrected 更正账号、"
    "transferred 到办事处转账、handed_down 下拨基层、signed 职工签字。",
)
@arg("claim_id", type=int, metavar="ID", help="报案编号 claim number")
@arg("--step", choices=list(DIRECT_PAY_STEP_NAMES), help="环节，默认下一环节 step (default: the next one)")
@arg("--on", metavar="DATE", help="日期，默认今天 date (default today)")
@arg("--account", metavar="DIGITS", help="更正后的银行账号（corrected 环节） corrected account")
@arg("--note", metavar="TEXT", help="失败原因等说明（notice 环节） note")
@JSON
def cmd_claim_direct_pay(args) -> int:
    from models.claims import claim_detail, finding_record, record_direct_pay_step

    clikit.open_session(args)
    today = clock.today()
    on = _date(args.on, "日期", "date") or today
    step = args.step
    if step is None:
        step = _refusing_json(args, lambda: claim_detail(args.claim_id, today)).direct_pay_next
        if step is None:
            raise ValidationFailed(
                f"报案 {args.claim_id} 尚未结案给付，没有直赔可跟进",
                f"claim {args.claim_id} is not settled: no direct pay to follow up",
            )
    decision = _refusing_json(
        args, lambda: record_direct_pay_step(args.claim_id, step, on, account=args.account, note=args.note)
    )
    if args.json:
        clikit.print_json(
            {"ok": True, "claim_id": args.claim_id, "step": step, "on": on, "decision": finding_record(decision)}
        )
    clikit.say(f"报案 #{args.claim_id}：{decision.message}", f"claim {args.claim_id}: direct pay step {step} on {on}")
    return 0


@command(
    "claim correct",
    help="上报前更正报案 correct a claim before submission",
    description="上报前更正报案登记（R2.3、R9.3）：原值保留在报案记录中，登记簿显示“更正”及日期。"
    "上报后只能经办事处打回、重新上报。",
)
@arg("claim_id", type=int, metavar="ID", help="报案编号 claim number")
@arg("--plan", metavar="CODE", help="申报险种代码 plan code")
@arg("--diagnosis", metavar="TEXT", help="主要诊断 main diagnosis")
@arg("--kind", metavar="KIND", help="出险类型 illness 或 accident")
@arg("--incident-date", metavar="DATE", help="出险日期 incident date")
@arg("--shares", type=int, metavar="N", help="申报份数 shares claimed")
@arg("--reporter", metavar="NAME", help="报案人 reporter")
@arg("--channel", metavar="CHANNEL", help="申报渠道 paper 或 app")
@arg("--reason", metavar="TEXT", required=True, help="更正原因 why")
@JSON
def cmd_claim_correct(args) -> int:
    from models.claims import correct_claim, finding_record

    clikit.open_session(args)
    changes: dict[str, object] = {}
    for key, value in (
        ("plan", args.plan),
        ("diagnosis", args.diagnosis),
        ("incident_kind", args.kind),
        ("shares_claimed", args.shares),
        ("reporter", args.reporter),
        ("channel", args.channel),
    ):
        if value is not None:
            changes[key] = value
    if args.incident_date is not None:
        changes["incident_date"] = _date(args.incident_date, "出险日期", "incident date")
    if not changes:
        raise UsageError(
            "请给出要更正的字段，如 --diagnosis、--shares、--incident-date、--reporter、--plan",
            "give at least one field to correct, e.g. --diagnosis, --shares, --incident-date",
        )
    corrected = _refusing_json(args, lambda: correct_claim(args.claim_id, changes, args.reason))
    if args.json:
        clikit.print_json(
            {
                "ok": True,
                "claim_id": args.claim_id,
                "correction_id": corrected.correction_id,
                "changed": sorted(corrected.decision.data.get("fields", [])),
                "decision": finding_record(corrected.decision),
                "findings": [finding_record(d) for d in corrected.report.errors + corrected.report.warnings],
            }
        )
    else:
        for d in corrected.report.errors + corrected.report.warnings:
            print(f"{MARKS[d.severity.value]} {d}")
    clikit.say(f"报案 #{args.claim_id}：{corrected.decision.message}", f"claim {args.claim_id} corrected")
    return 0


@command("claim list", help="报案登记簿列表 list the register")
@arg("--state", choices=list(CLAIM_STATE_NAMES), help="状态 state")
@arg("--unit", metavar="TEXT", help="单位编码或名称的一部分 unit code or part of its name")
@arg("--plan", metavar="CODE", help="险种代码 plan code")
@arg("--from", dest="date_from", metavar="DATE", help="报案日期起 reported from")
@arg("--to", dest="date_to", metavar="DATE", help="报案日期止 reported until")
@arg("--overdue", action="store_true", help="仅逾期未上报/未重新上报 overdue only")
@arg("--direct-pay-open", action="store_true", help="仅直赔失败待办 open failed direct pays only")
@JSON
def cmd_claim_list(args) -> int:
    from models.claims import ClaimFilter, claim_register

    clikit.open_session(args)
    today = clock.today()
    filters = ClaimFilter(
        state=args.state,
        unit=args.unit,
        plan=args.plan,
        date_from=_date(args.date_from, "起始日期", "start date"),
        date_to=_date(args.date_to, "截止日期", "end date"),
        overdue_only=args.overdue,
        direct_pay_open=args.direct_pay_open,
    )
    page = claim_register(filters, today)
    if args.json:
        clikit.print_json(
            {
                "claims": [
                    {
                        "id": r.id,
                        "report_date": r.report_date,
                        "unit": r.unit_name,
                        "member": r.member_name,
                        "plan": r.plan,
                        "diagnosis": r.diagnosis,
                        "shares_claimed": r.shares_claimed,
                        "state": r.state,
                        "state_name": r.state_name,
                        "overdue": r.overdue is not None and r.overdue.outcome == "overdue",
                        "direct_pay_open": r.direct_pay_open,
                        "flagged": r.flagged,
                    }
                    for r in page.rows
                ],
                "truncated": page.truncated,
            }
        )
        return 0
    clikit.print_table(
        [
            (
                r.id,
                r.report_date,
                r.unit_name,
                r.member_name,
                r.plan,
                r.diagnosis,
                r.shares_claimed,
                r.state_name,
                " ".join(
                    f
                    for f, on in (
                        ("✗初审", r.flagged),
                        ("逾期", r.overdue is not None and r.overdue.outcome == "overdue"),
                        ("直赔", r.direct_pay_open),
                    )
                    if on
                ),
            )
            for r in page.rows
        ],
        ["编号", "报案日期", "单位", "出险人", "险种", "诊断", "份数", "状态", "提示"],
    )
    if page.truncated:
        clikit.say(f"只列出最近 {len(page.rows)} 件，请用条件缩小范围", f"only the latest {len(page.rows)} shown")
    return 0


def detail_json(detail) -> dict:
    """``claim show --json``: the claim, its steps, its corrections and direct-pay items."""
    from models.claims import finding_record

    return {
        "id": detail.id,
        "member": detail.member_name,
        "id_masked": detail.id_masked,
        "unit": detail.unit_name,
        "plan": detail.plan,
        "diagnosis": detail.diagnosis,
        "incident_kind": detail.incident_kind,
        "incident_date": detail.incident_date,
        "shares_claimed": detail.shares_claimed,
        "report_date": detail.report_date,
        "reporter": detail.reporter,
        "channel": detail.channel,
        "materials": detail.materials,
        "state": detail.state,
        "state_name": CLAIM_STATE_NAMES[detail.state],
        "actions": detail.actions,
        "flagged": detail.flagged,
        "findings": [finding_record(d) for d in detail.findings or []],
        "events": [
            {"state": e.state, "on": e.on, "clerk": e.clerk, "note": e.note, "amount_fen": e.amount_fen}
            for e in detail.events
        ],
        "corrections": [
            {
                "id": c.id,
                "on": c.on,
                "clerk": c.clerk,
                "reason": c.reason,
                "changes": {k: {"old": old, "new": new} for k, (old, new) in c.changes.items()},
            }
            for c in detail.corrections
        ],
        "overdue": finding_record(detail.overdue) if detail.overdue is not None else None,
        "direct_pay": [
            {
                "id": item.id,
                "steps": [{"step": s, "on": on} for s, on in item.steps],
                "account_masked": item.account_masked,
                "status": item.status.outcome,
                "next_step": item.status.data.get("next_step"),
                "message": item.status.message,
            }
            for item in detail.direct_pay
        ],
        "direct_pay_next": detail.direct_pay_next,
    }


@command("claim show", help="一件报案及其全部记录 one claim with its history")
@arg("claim_id", type=int, metavar="ID", help="报案编号 claim number")
@JSON
def cmd_claim_show(args) -> int:
    from models.claims import claim_detail

    clikit.open_session(args)
    detail = _refusing_json(args, lambda: claim_detail(args.claim_id, clock.today()))
    if args.json:
        clikit.print_json(detail_json(detail))
        return 0
    print(f"报案 #{detail.id} {detail.member_name} {detail.id_masked} {detail.unit_name}")
    kind = {"illness": "疾病", "accident": "意外"}.get(detail.incident_kind, detail.incident_kind)
    print(
        f"{detail.plan} {detail.shares_claimed} 份 {detail.diagnosis}（{kind}）出险 {detail.incident_date} "
        f"报案 {detail.report_date} 报案人 {detail.reporter} 渠道 {detail.channel}"
    )
    print(f"状态：{CLAIM_STATE_NAMES[detail.state]}；可办理：{'、'.join(detail.actions) or '无'}")
    print("记录 history:")
    for e in detail.events:
        extra = f"（{e.note}）" if e.note else ""
        money = f" {clikit.yuan(e.amount_fen)}元" if e.amount_fen else ""
        print(f"  {e.on} {CLAIM_STATE_NAMES[e.state]}{extra}{money} 经办人 {e.clerk}")
    for c in detail.corrections:
        print(f"  {c.summary}")
    for d in detail.findings or []:
        print(f"{MARKS[d.severity.value]} {d}")
    if detail.overdue is not None and detail.overdue.outcome == "overdue":
        print(f"! {detail.overdue.message}")
    for item in detail.direct_pay:
        print(f"直赔失败 #{item.id}：{item.status.message}")
    return 0
