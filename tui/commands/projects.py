"""Service projects (服务项目, docs/rules.md R7, seed 004) from the command line: ``huzhu project
new|show|list|advance|terminate``. Every decision is ``rules.projects``'s, through
``models.projects``; a refused step exits 3 with its reason and article, nothing written.
Forms, steps and the ``--json`` output are in docs/projects.md."""

from __future__ import annotations

import csv
from pathlib import Path

from models import clock
from models.errors import UsageError, ValidationFailed
from rules.projects import DEPARTMENTS, PROJECT_STATES, STEPS, TERMINATION_GROUNDS
from tui import clikit
from tui.commands.registry import JSON, arg, command, group

#: ``advance`` steps (terminate has its own command).
ADVANCE_STEPS = tuple(s for s in STEPS if s != "terminate")
_STEP_NAMES = "；".join(f"{k} {STEPS[k].name}" for k in ADVANCE_STEPS)


def _rows(path: str) -> list[list[str]]:
    """The non-blank rows of a CSV or plain list (UTF-8 or GBK); a header naming 码/名/code/name is skipped."""
    target = Path(path)
    if not target.is_file():
        raise UsageError(f"找不到文件 {path}", f"no such file {path}")
    raw = target.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(f"文件 {path} 不是 UTF-8 或 GBK 编码", f"{path} is neither UTF-8 nor GBK")
    rows = [[c.strip() for c in row] for row in csv.reader(text.splitlines()) if any(c.strip() for c in row)]
    if rows and any(word in rows[0][0].lower() for word in ("码", "名", "code", "name")):
        rows = rows[1:]
    return rows


def _codes(path: str) -> list[tuple[str, str]]:
    out = []
    for n, row in enumerate(_rows(path), start=1):
        if len(row) < 2 or not row[0] or not row[1]:
            raise ValidationFailed(f"电子码文件第 {n} 行应有两列：电子码,密码", f"line {n} needs code,password")
        out.append((row[0], row[1]))
    return out


def _error_json(error: ValidationFailed) -> dict:
    from models.claims import finding_record

    decisions = getattr(error, "decisions", ())
    return {
        "ok": False,
        "refused": [finding_record(d) for d in decisions],
        "error": {"code": error.code, "message_zh": error.message_zh, "message_en": error.message_en},
    }


def _run(args, work):
    try:
        return work()
    except ValidationFailed as refused:
        if args.json:
            clikit.print_json(_error_json(refused))
        raise


def _written_json(written) -> dict:
    from models.claims import finding_record

    return {
        "ok": True,
        "project_id": written.project_id,
        "state": written.state,
        "state_name": PROJECT_STATES.get(written.state, written.state),
        "decisions": [finding_record(d) for d in written.decisions],
    }


def _report(args, written) -> int:
    if args.json:
        clikit.print_json(_written_json(written))
    for w in written.warnings:
        clikit.say(f"提示：{w.message}（{w.citation.short}）", f"note: {w.code}")
    clikit.say(
        f"服务项目 #{written.project_id}：{written.message}",
        f"service project {written.project_id}: now {written.state}",
    )
    return 0


group("project", help="服务项目（004） service projects on the member service platform")


@command(
    "project new",
    help="登记服务项目实施方案（附件1） record a project's plan",
    description="按《项目实施方案》（004 附件1）登记服务项目：各栏须填写完整，并须列支于当年已批准的预算科目"
    "（默认 service_projects 服务项目），余额足够（004 六.4）；否则不予登记（退出码 3）。",
)
@arg("--name", metavar="TEXT", default="", help="项目名称")
@arg("--applicant", metavar="TEXT", default="", help="申请单位工会名称")
@arg("--parent-unit", metavar="TEXT", default="", help="归属上级单位名称")
@arg("--content", metavar="TEXT", default="", help="项目内容")
@arg("--start", metavar="DATE", required=True, help="项目搭载时间：开始日期")
@arg("--end", metavar="DATE", required=True, help="项目搭载时间：结束日期")
@arg("--target", metavar="TEXT", default="", help="服务对象")
@arg("--purpose", metavar="TEXT", default="", help="项目目的")
@arg("--funding", metavar="TEXT", default="", help="项目使用资金来源")
@arg("--item", action="append", default=[], metavar="NAME:YUAN:QTY", help="采买物品 名称:单价(元):数量（可重复）")
@arg("--leader", metavar="NAME", default="", help="项目负责人")
@arg("--leader-phone", metavar="PHONE", default="", help="项目负责人电话")
@arg("--participation", metavar="TEXT", default="", help="参与方式与注意事项")
@arg("--contact", metavar="TEXT", default="", help="咨询与投诉方式")
@arg("--budget-line", metavar="CODE", default="service_projects", help="预算科目代码（默认 service_projects）")
@JSON
def cmd_new(args) -> int:
    from models.projects import ProjectDraft, create, parse_item

    start = clikit.user_date(args.start, "开始日期", "start date")
    end = clikit.user_date(args.end, "结束日期", "end date")
    clikit.open_session(args)
    draft = ProjectDraft(
        name=args.name,
        start=start,
        end=end,
        applicant=args.applicant,
        parent_unit=args.parent_unit,
        content=args.content,
        target=args.target,
        purpose=args.purpose,
        funding=args.funding,
        items=[parse_item(i) for i in args.item],
        leader=args.leader,
        leader_phone=args.leader_phone,
        participation=args.participation,
        contact=args.contact,
        budget_line=args.budget_line,
    )
    return _report(args, _run(args, lambda: create(draft)))


def _yuan(fen: int | None) -> str:
    return "" if fen is None else clikit.yuan(fen)


@command("project show", help="项目详情：方案、步骤、期限、电子码（只显示数量与遮盖后的样例）")
@arg("project_id", type=clikit.positive_int(10**9), metavar="ID")
@JSON
def cmd_show(args) -> int:
    from models.projects import show

    clikit.open_session(args)
    view = show(args.project_id)
    if args.json:
        clikit.print_json(view)
        return 0
    plan = view["plan"]
    line = view["budget_line"]
    print(f"服务项目 #{view['id']} {view['name']}：{view['state_name']}")
    rows = [
        ("申请单位工会名称", plan["applicant"]),
        ("归属上级单位名称", plan["parent_unit"]),
        ("项目内容", plan["content"]),
        ("项目搭载时间", f"{plan['start']} 至 {plan['end']}"),
        ("服务对象", plan["target"]),
        ("项目目的", plan["purpose"]),
        ("项目使用资金来源", plan["funding"]),
        (
            "采买物品",
            "；".join(f"{i['name']} 单价 {clikit.yuan(i['unit_price_fen'])} × {i['quantity']}" for i in plan["items"]),
        ),
        ("项目费用（元）", _yuan(view["cost_fen"])),
        ("预算科目", f"{line['year']} {line['code']} {line['name']}，可用余额 {_yuan(line['left_fen'])} 元"),
        ("项目负责人及电话", f"{plan['leader']} {plan['leader_phone']}"),
        ("参与方式与注意事项", plan["participation"]),
        ("咨询与投诉方式", plan["contact"]),
    ]
    clikit.print_table(rows, ["栏目（附件1）", "内容"])
    if view["steps"]:
        print()
        clikit.print_table(
            [
                (s["on"], s["name"], "，".join(f"{k}={v}" for k, v in s["detail"].items()), s["by"])
                for s in view["steps"]
            ],
            ["日期", "步骤", "材料与内容", "登记人"],
        )
    signed = view["signatures"]
    print("申请表会签（附件2）：" + "，".join(f"{DEPARTMENTS[k]} {v or '未签'}" for k, v in signed.items()))
    codes = view["codes"]
    if codes["total"]:
        print(
            f"电子码 {codes['total']} 个（已使用 {codes['used']}，未使用 {codes['unused']}，待反馈 {codes['issued']}）"
            f"；样例（已遮盖）：{'、'.join(codes['masked_sample'])}"
        )
    if view["participants"]:
        print(f"成功参与人数：{view['participants']}")
    for d in view["deadlines"]:
        print(("！" if d["overdue"] else "·") + f" {d['message']}（{d['citation']}）")
    if view["calendar_basis"]:
        print(f"工作日历：{view['calendar_basis']}")
    if view["next_steps"]:
        print("下一步可办理：" + "、".join(f"{s} {STEPS[s].name}" for s in view["next_steps"]))
    return 0


@command("project list", help="服务项目一览及最近的期限")
@arg("--state", choices=list(PROJECT_STATES), help="状态")
@arg("--year", type=clikit.YEAR, metavar="YYYY", help="搭载开始的年度")
@JSON
def cmd_list(args) -> int:
    from models.projects import listing

    clikit.open_session(args)
    rows = listing(state=args.state, year=args.year)
    if args.json:
        clikit.print_json({"projects": rows})
        return 0
    if not rows:
        clikit.say("还没有服务项目：用 huzhu project new 登记", "no service projects yet")
        return 0
    clikit.print_table(
        [
            (
                r["id"],
                r["name"],
                r["state_name"],
                f"{r['start']}～{r['end']}",
                _yuan(r["cost_fen"]),
                (("！" if r["next_deadline"]["overdue"] else "") + r["next_deadline"]["message"])
                if r["next_deadline"]
                else "",
            )
            for r in rows
        ],
        ["编号", "项目名称", "状态", "搭载时间", "费用（元）", "最近期限"],
    )
    return 0


@command(
    "project advance",
    help="登记项目的下一步骤 record a step",
    description=f"步骤 steps：{_STEP_NAMES}。会签部门 --dept：" + "，".join(f"{k} {v}" for k, v in DEPARTMENTS.items()),
)
@arg("project_id", type=clikit.positive_int(10**9), metavar="ID")
@arg("step", choices=ADVANCE_STEPS, metavar="STEP", help="步骤：" + "|".join(ADVANCE_STEPS))
@arg("--on", metavar="DATE", help="日期，默认今天")
@arg("--doc", metavar="REF", help="该步骤的文件（文号、纪要编号、材料编号）")
@arg("--result", metavar="TEXT", help="review: passed|failed；evaluate: 评价结果")
@arg("--attendees", metavar="TEXT", help="meeting: 参会人员")
@arg("--decision", metavar="TEXT", help="meeting: 会议决定")
@arg("--purchase", type=clikit.positive_int(10**9), metavar="ID", help="procure: 采购记录编号")
@arg("--dept", choices=list(DEPARTMENTS), help="sign: 会签部门")
@arg("--signer", metavar="NAME", help="sign: 签字人")
@arg("--reason", metavar="TEXT", help="refuse: 不予批准的理由")
@arg("--codes-file", metavar="CSV", help="launch: 电子码及密码详单（两列：电子码,密码；UTF-8 或 GBK）")
@arg("--participants-file", metavar="FILE", help="feedback: 成功参与活动的人员名单（每行一人）")
@arg("--used-file", metavar="FILE", help="feedback: 已使用的电子码（每行一个；其余为未使用）")
@arg("--problem", metavar="TEXT", help="problem: 发现的问题")
@arg("--action", metavar="TEXT", help="problem: 处理措施")
@JSON
def cmd_advance(args) -> int:
    from models.projects import advance

    on = clikit.user_date(args.on, "日期", "date") or clock.today()
    given: dict = {}
    for key in ("doc", "result", "attendees", "decision", "purchase", "dept", "signer", "reason", "problem", "action"):
        value = getattr(args, key)
        if value is not None:
            given[key] = value
    if args.codes_file:
        given["codes"] = _codes(args.codes_file)
    if args.participants_file:
        given["participants"] = [row[0] for row in _rows(args.participants_file)]
    if args.used_file:
        given["used"] = [row[0] for row in _rows(args.used_file)]
    clikit.open_session(args)
    return _report(args, _run(args, lambda: advance(args.project_id, args.step, on, given)))


@command(
    "project terminate",
    help="终止项目（004 五） terminate a project",
    description="情形 grounds：" + "；".join(f"{k} {v}" for k, v in TERMINATION_GROUNDS.items()),
)
@arg("project_id", type=clikit.positive_int(10**9), metavar="ID")
@arg("--on", metavar="DATE", help="终止日期，默认今天")
@arg("--ground", required=True, choices=list(TERMINATION_GROUNDS), help="终止情形")
@arg("--announcement", metavar="REF", help="平台终止公告")
@arg("--reason", metavar="TEXT", help="具体情形（other 必填）")
@JSON
def cmd_terminate(args) -> int:
    from models.projects import terminate

    on = clikit.user_date(args.on, "终止日期", "date") or clock.today()
    clikit.open_session(args)
    return _report(
        args, _run(args, lambda: terminate(args.project_id, on, args.ground, args.announcement or "", args.reason))
    )
