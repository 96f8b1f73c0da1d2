"""The claim register (报案登记簿, DOMAIN §2) from the command line: ``huzhu claim register``.

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
from models.tabular import parse_user_date
from tui import clikit

# Far above any plan's limit, far below what SQLite can hold: a typo, not a claim.
MAX_SHARES = 9999
MARKS = {"error": "✗", "warning": "!", "info": "✓"}


def register(sub) -> None:
    p = sub.add_parser("claim", help="报案登记簿 the claim register")
    csub = p.add_subparsers(dest="claim_command", metavar="ACTION", required=True, parser_class=type(p))
    q = csub.add_parser("register", help="登记报案并初审 record a claim report with its preliminary check",
                        description="登记报案（000 第十七条5）并显示初审结果。初审发现按所报内容不予给付的问题时"
                                    "仍登记（退出码 0）并标出；必填项缺失、日期有误等则不登记（退出码 3）。")
    clikit.add_db_options(q)
    q.add_argument("--id-number", metavar="ID", help="出险人身份证号 the insured member's full ID number")
    q.add_argument("--plan", metavar="CODE", help="申报险种代码 plan code, e.g. ZYYL")
    q.add_argument("--diagnosis", metavar="TEXT", help="主要诊断 main diagnosis")
    q.add_argument("--incident-date", metavar="DATE", help="出险日期 incident date")
    q.add_argument("--kind", default="illness", metavar="KIND",
                   help="出险类型 illness（疾病，默认）或 accident（意外）")
    q.add_argument("--shares", type=clikit.positive_int(MAX_SHARES), metavar="N", help="申报份数 shares claimed")
    q.add_argument("--reported-on", metavar="DATE", help="报案日期，默认今天 report date (default today)")
    q.add_argument("--reason", metavar="TEXT",
                   help="补录理由：报案日期早于今天时必填，仅负责人 why a supervisor enters an earlier report date")
    q.add_argument("--reporter", metavar="NAME", help="报案人 who reported it")
    q.add_argument("--channel", default="paper", metavar="CHANNEL", help="申报渠道 paper（纸质，默认）或 app（无纸化APP）")
    q.add_argument("--material", action="append", default=[], metavar="NAME",
                   help="已收申报资料（可重复），名称见 huzhu rules show received material (repeatable)")
    clikit.add_json_option(q)
    q.set_defaults(func=cmd_claim_register)


def _date(text: str | None, what_zh: str, what_en: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return parse_user_date(text, clock.today())
    except ValueError:
        raise UsageError(f"{what_zh}无法识别：“{text}”（可写 2026-11-23、20261123 或 今天）",
                         f"cannot read the {what_en} '{text}' (use 2026-11-23, 20261123 or 今天)") from None


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
        raise UsageError(f"{params.name}的申报资料中没有“{'、'.join(unknown)}”；应为：{listed}",
                         f"unknown material(s) for plan {plan}: {', '.join(unknown)}; expected one of: {listed}")


def _refusal_json(error: ValidationFailed) -> dict:
    from models.claims import finding_record

    return {"recorded": False, "claim_id": None, "flagged": False, "findings": [],
            "refused": [finding_record(d) for d in error.decisions] if isinstance(error, RuleRefused) else [],
            "error": {"code": error.code, "message_zh": error.message_zh, "message_en": error.message_en}}


def cmd_claim_register(args) -> int:
    from models.claims import ClaimDraft, claim_detail, finding_record, member_by_id_number, register_claim

    clikit.open_session(args)
    today = clock.today()
    reported_on = _date(args.reported_on, "报案日期", "report date") or today
    incident_date = _date(args.incident_date, "出险日期", "incident date")
    _check_materials(args.material, args.plan, reported_on)
    try:
        member_id = member_by_id_number(args.id_number) if args.id_number else None
        draft = ClaimDraft(member_id=member_id, plan=args.plan, diagnosis=args.diagnosis, incident_kind=args.kind,
                           incident_date=incident_date, shares_claimed=args.shares, reported_on=reported_on,
                           reporter=args.reporter, channel=args.channel, materials=frozenset(args.material),
                           backdate_reason=args.reason)
        registered = register_claim(draft, today)
    except ValidationFailed as refused:  # nothing written; the message (with articles) goes to stderr
        if args.json:
            clikit.print_json(_refusal_json(refused))
        raise
    detail = claim_detail(registered.claim_id, today)
    findings = registered.findings
    if args.json:
        clikit.print_json({
            "recorded": True, "claim_id": registered.claim_id, "state": detail.state, "member": detail.member_name,
            "id_masked": detail.id_masked, "unit": detail.unit_name, "plan": detail.plan,
            "shares_claimed": detail.shares_claimed, "incident_date": detail.incident_date,
            "report_date": detail.report_date, "flagged": registered.flagged,
            "findings": [finding_record(d) for d in findings], "refused": []})
    else:
        print(f"报案 #{registered.claim_id}：{detail.member_name} {detail.id_masked} {detail.unit_name}；"
              f"{detail.plan} {detail.shares_claimed} 份，出险 {detail.incident_date}，报案 {detail.report_date}")
        print("初审 preliminary check:")
        for d in findings:
            print(f"{MARKS[d.severity.value]} {d}")
        if not findings:
            print("✓ 初步界定通过 passed")
    n = registered.claim_id
    if registered.flagged:
        clikit.say(f"报案 #{n} 已登记，但初审发现问题（见上）：按所报内容将不予给付。请核实后按流程上报、拒付",
                   f"claim {n} is recorded with findings (above): as reported it would not be paid; "
                   f"check it, then submit or decline it through the lifecycle")
    elif findings:
        clikit.say(f"报案 #{n} 已登记，有 {len(findings)} 条提示请跟进", f"claim {n} recorded; {len(findings)} warnings to follow up")
    else:
        clikit.say(f"报案 #{n} 已登记", f"claim {n} recorded")
    return 0
