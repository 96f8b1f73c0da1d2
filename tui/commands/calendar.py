"""The working-day calendar: ``office calendar issue`` (office), ``calendar show|install|list``
(branch; ``show`` also without a database: the packaged calendar). Format: docs/projects.md
("工作日历"), the signed file's layout as for parameter notices (docs/params.md)."""

from __future__ import annotations

from tui import clikit
from tui.commands.registry import JSON, arg, command, group

group("office calendar", help="工作日历通知 working-day calendar notices")


@command("office calendar issue", help="核对并签发工作日历通知 check and sign a calendar notice")
@arg("--file", required=True, metavar="FILE.toml", help="工作日历 TOML（格式见 docs/projects.md）")
@arg("--out", required=True, metavar="FILE.hzc", help="签发的通知文件（不覆盖已有文件）")
@JSON
def cmd_office_calendar_issue(args) -> int:
    from sync.calendar import MAX_TOML_BYTES, issue
    from tui.commands.params import _read
    from tui.commands.sync import _write_new

    data = _read(args.file, MAX_TOML_BYTES)
    clikit.open_session(args)
    signed, issued = issue(data)
    _write_new(args.out, signed)
    if args.json:
        clikit.print_json({**issued.to_json(), "out": args.out})
    clikit.say(
        f"已签发工作日历通知 {issued.reference}（{'、'.join(map(str, issued.years))}年）：{args.out}\n"
        f"办事处签名密钥指纹 {issued.fingerprint}",
        f"calendar notice {issued.reference} signed and written to {args.out}",
    )
    return 0


def year_view(year: int) -> dict:
    """The year as ``calendar show --json`` prints it, from the calendar in force."""
    from rules.workdays import STATUSES, active_calendar, month_rows, working_days_in_year

    cal = active_calendar()
    y = cal.years.get(year)
    view = {
        "year": year,
        "listed": y is not None,
        "status": y.status if y else None,
        "status_name": STATUSES[y.status] if y else "未列入",
        "provisional": bool(y and y.provisional),
        "source": y.source if y else "",
        "origin": y.origin if y else "",
        "holidays": [{"name": h.name, "from": h.first.isoformat(), "to": h.last.isoformat()} for h in y.holidays]
        if y
        else [],
        "make_up_days": [{"name": n, "on": d.isoformat()} for n, d in y.workdays] if y else [],
        "days": list(month_rows(y)) if y else [],
        "working_days": working_days_in_year(year, cal),
    }
    if y is None:
        view["note"] = f"{year}年未列入工作日历：按周一至周五计算工作日，待办事处发布工作日历通知"
    elif y.provisional:
        view["note"] = f"{year}年为暂定日历：仅列法定节假日当日，没有调休和补休；办事处发布正式工作日历通知后替换"
    else:
        view["note"] = ""
    return view


group("calendar", help="工作日历：法定节假日与调休 working-day calendar")


@command("calendar show", help="某年的节假日、调休上班日与工作日数")
@arg("--year", required=True, type=clikit.YEAR, metavar="YYYY")
@JSON
def cmd_calendar_show(args) -> int:
    if clikit.db_path(args, required=False) is not None:
        clikit.open_session(args)
    view = year_view(args.year)
    if args.json:
        clikit.print_json(view)
        return 0
    print(
        f"{view['year']}年工作日历（{view['status_name']}）：{view['source'] or '—'}"
        + (f"；来源 {view['origin']}" if view["origin"] else "")
    )
    if view["note"]:
        print(f"注意：{view['note']}")
    if view["holidays"]:
        clikit.print_table([(h["name"], h["from"], h["to"]) for h in view["holidays"]], ["假期", "起", "止"])
    if view["make_up_days"]:
        clikit.print_table([(m["on"], m["name"]) for m in view["make_up_days"]], ["调休上班日", "说明"])
    print(f"全年工作日 {view['working_days']} 天")
    return 0


@command("calendar install", help="核验签名并安装办事处的工作日历通知 verify and install a calendar notice")
@arg("file", metavar="FILE.hzc")
@arg("--yes", action="store_true", help="已核对，不再询问 reviewed, do not ask")
@arg("--dry-run", action="store_true", help="只核验并显示变化，不安装")
@JSON
def cmd_calendar_install(args) -> int:
    from sync.calendar import check_install, install
    from sync.params import MAX_NOTICE_BYTES
    from tui.commands.params import _read

    data = _read(args.file, MAX_NOTICE_BYTES)
    clikit.open_session(args)
    verified, result = check_install(data)
    if result.outcome == "unchanged":
        if args.json:
            clikit.print_json(result.to_json())
        clikit.say(f"工作日历通知 {result.reference} 已安装过，未作任何更改", f"{result.reference} already installed")
        return 0
    if not args.json:
        print(
            f"工作日历通知 {result.reference}《{result.title}》；签发 {result.issued_at}，办事处密钥指纹 {result.fingerprint}"
        )
        clikit.print_table(
            [
                (
                    c["year"],
                    "正式" if c["status"] == "official" else "暂定",
                    f"{c['before']['origin']}（{'正式' if c['before']['status'] == 'official' else '暂定'}）"
                    if c["before"]
                    else "未列入",
                    c["holidays"],
                    c["make_up_days"],
                    "是" if c["changed"] else "否",
                )
                for c in result.changes
            ],
            ["年度", "性质", "现行", "假日天数", "调休上班", "有变化"],
        )
    if args.dry_run:
        if args.json:
            clikit.print_json(result.to_json())
        clikit.say("试运行：签名有效，未安装", "dry run: the signature verifies; nothing installed")
        return 0
    clikit.confirm(
        args,
        "确认安装此工作日历通知？/ install? [y/N] ",
        "没有终端可以确认：核对后加 --yes",
        "no terminal to confirm: add --yes after reviewing",
    )
    result = install(data, verified, result)
    if args.json:
        clikit.print_json(result.to_json())
    clikit.say(
        f"已安装工作日历通知 {result.reference}：{'、'.join(str(c['year']) for c in result.changes)}年按此计算工作日",
        f"calendar notice {result.reference} installed",
    )
    return 0


@command("calendar list", help="已安装的工作日历通知")
@JSON
def cmd_calendar_list(args) -> int:
    from models.workcal import installed_notices

    clikit.open_session(args)
    rows = installed_notices()
    if args.json:
        clikit.print_json({"notices": rows})
        return 0
    if not rows:
        clikit.say("尚未安装办事处工作日历通知：使用程序内置的工作日历", "no calendar notice installed")
        return 0
    clikit.print_table(
        [(r["reference"], r["title"], r["years"], r["issued_at"], r["installed_by"], r["installed_at"]) for r in rows],
        ["文号", "标题", "年度", "签发时间", "安装人", "安装时间"],
    )
    return 0
