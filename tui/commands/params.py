"""Office parameter notices: ``office params issue`` (office), ``params install|list`` (branch),
and ``app-share`` (R2.5's measure). The notice format is in sync/FORMAT.md."""

from __future__ import annotations

from pathlib import Path

from models.errors import UsageError
from tui import clikit
from tui.commands.registry import JSON, arg, command, group


def _read(path: str, limit: int) -> bytes:
    target = Path(path)
    try:
        if target.stat().st_size > limit:
            return target.read_bytes()[: limit + 1]  # the checks refuse it as too large
        return target.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"文件不存在：{target}", f"file not found: {target}") from None
    except OSError as exc:
        raise UsageError(f"无法读取 {target}：{exc.strerror}", f"cannot read {target}: {exc.strerror}") from None


group("office params", help="保障计划参数通知 plan parameter notices")


@command("office params issue", help="核对并签发参数通知 check and sign a parameter notice")
@arg("file", metavar="FILE.toml")
@arg("--out", required=True, metavar="FILE.hzp")
@JSON
def cmd_office_params_issue(args) -> int:
    from sync.params import MAX_TOML_BYTES, issue
    from tui.commands.sync import _write_new

    data = _read(args.file, MAX_TOML_BYTES)
    clikit.open_session(args)
    signed, issued = issue(data)
    _write_new(args.out, signed)
    if args.json:
        clikit.print_json({**issued.to_json(), "out": args.out})
    clikit.say(
        f"已签发参数通知 {issued.reference}（{issued.effective_from} 起，{issued.plans} 个保障计划）：{args.out}\n"
        f"办事处签名密钥指纹 {issued.fingerprint}",
        f"parameter notice {issued.reference} signed and written to {args.out}",
    )
    return 0


group("params", help="安装办事处参数通知 install the office's parameter notices")


@command("params install", help="核验签名、显示变化并安装 verify, show the changes, install")
@arg("file", metavar="FILE.hzp")
@arg("--yes", action="store_true", help="已核对变化，不再询问 changes reviewed, do not ask")
@arg("--dry-run", action="store_true", help="只核验并显示变化，不安装 verify and show only")
@JSON
def cmd_params_install(args) -> int:
    from sync.params import MAX_NOTICE_BYTES, check_install, install

    data = _read(args.file, MAX_NOTICE_BYTES)
    clikit.open_session(args)
    verified, result = check_install(data)
    if result.outcome == "unchanged":
        if args.json:
            clikit.print_json(result.to_json())
        clikit.say(
            f"参数通知 {result.reference} 已安装过，未作任何更改",
            f"notice {result.reference} already installed; nothing changed",
        )
        return 0
    if not args.json:
        print(
            f"参数通知 {result.reference}《{result.title}》，{result.effective_from} 起施行；"
            f"签发 {result.issued_at}，办事处密钥指纹 {result.fingerprint}"
        )
        print(f"与 {result.compared_on} 现行参数（规则集 {result.replaces or '无'}）相比的变化：")
        clikit.print_table(result.diff, ["保障计划", "项目", "现行", "通知"])
        if result.records_after:
            print(
                f"注意：已有 {result.records_after} 条保障记录办理日在 {result.effective_from} 之后，"
                "按当时的参数办理，安装后不重新计算"
            )
    if args.dry_run:
        if args.json:
            clikit.print_json(result.to_json())
        clikit.say("试运行：签名有效，未安装", "dry run: the signature verifies; nothing installed")
        return 0
    clikit.confirm(
        args,
        "确认安装此参数通知？/ install this notice? [y/N] ",
        "没有终端可以确认：核对变化后加 --yes",
        "no terminal to confirm: add --yes after reviewing the changes",
    )
    result = install(data, verified, result)
    if args.json:
        clikit.print_json(result.to_json())
    clikit.say(
        f"已安装参数通知 {result.reference}：{result.effective_from} 起按此参数办理",
        f"notice {result.reference} installed, in force from {result.effective_from}",
    )
    return 0


@command("params list", help="已安装的参数通知 installed notices")
@JSON
def cmd_params_list(args) -> int:
    from models.plans import installed_notices

    clikit.open_session(args)
    rows = installed_notices()
    if args.json:
        clikit.print_json({"notices": rows})
        return 0
    if not rows:
        clikit.say(
            "尚未安装办事处参数通知：保障计划参数为示例配置",
            "no office notice installed: plan values are sample configuration",
        )
        return 0
    clikit.print_table(
        [
            (
                r["reference"],
                r["title"],
                r["effective_from"],
                r["installed_by"],
                r["installed_at"],
                r["office_fingerprint"],
            )
            for r in rows
        ],
        ["文号", "标题", "生效日", "安装人", "安装时间", "办事处密钥指纹"],
    )
    return 0


@command("app-share", help="无纸化APP申报占比（R2.5） APP share of claims meeting the conditions")
@arg("--year", required=True, type=int, metavar="YYYY")
@JSON
def cmd_app_share(args) -> int:
    from models.claims_app import app_share

    clikit.open_session(args)
    share = app_share(args.year)
    if args.json:
        clikit.print_json(share)
        return 0
    print(f"{args.year} 年无纸化APP申报（001 附件1 业务管理；R2.5 为目标，不作拒绝）")
    clikit.print_table(
        [
            (
                r["plan"],
                r["eligible_claims"],
                r["app_claims"],
                r["app_excluded"],
                "" if r["share"] is None else f"{r['share']:.1%}",
            )
            for r in share["plans"]
        ],
        ["险种", "符合条件的报案", "其中APP申报", "不符合条件的APP申报", "APP占比"],
    )
    total = share["share"]
    print(f"合计：{share['app_claims']} / {share['eligible_claims']}" + ("" if total is None else f" = {total:.1%}"))
    if share["sample"]:
        print("APP申报条件为示例配置（医疗类）：尚未安装办事处参数通知")
    return 0
