"""Monthly bundles: keys, export, the office's commands, and receiving the office's answer.

Branch: ``keys show|export|trust-office``, ``export``, ``sync receive|notices|reconcile-restore``.
Office: ``office init|keys|enroll|branches|verify|import|reconcile|notice|return``.
``--json`` outputs are documented in sync/FORMAT.md ("Command-line JSON").
"""

from __future__ import annotations

from pathlib import Path

from models import admin, clock
from models.errors import UsageError
from models.fsutil import atomic_write_bytes
from models.passphrase import check_new_passphrase
from sync.errors import BundleHeld, BundleRefused, TrustError
from sync.keys import KeyFileError, parse_branch_registration, parse_office_keys
from tui import clikit
from tui.commands.registry import JSON, Use, arg, command, group
from tui.progress import progress

# --- helpers ---------------------------------------------------------------------------------------


def _read_key_file(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(64 * 1024)
    except OSError as exc:
        raise UsageError(f"无法读取文件 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}") from None


def _key_file_error(exc: KeyFileError) -> TrustError:
    return TrustError(exc.message_zh, exc.message_en, exit_code=40, code="bad_key_file")


def _key_options(fingerprint_help: str):
    """--reason and --fingerprint, shared by the commands that pin or replace a key."""

    def add(q) -> None:
        q.add_argument(
            "--reason", metavar="TEXT", help="更换公钥的原因（--replace 时必填，记入审计） why the key is replaced"
        )
        q.add_argument("--fingerprint", metavar="FP", help=fingerprint_help)

    return add


_pin_options = _key_options(
    "电话核对过的指纹（代替确认；--replace 时必填） the fingerprint as read out by phone (confirms it; needed with --replace)"
)


def _confirm_fingerprint(args, what_zh: str, fp: str) -> None:
    clikit.say(
        f"{what_zh}的指纹：\n    {fp}\n请与对方电话逐组核对。",
        f"fingerprint: {fp} — compare it with the other side by phone.",
    )
    clikit.confirm(
        args,
        "指纹与对方电话念出的一致吗？/ does it match? [y/N] ",
        "没有终端可以确认指纹：核对无误后加 --yes",
        "no terminal to confirm the fingerprint: add --yes after checking it",
    )


def _fingerprint_confirmed(args, what_zh: str, fp: str) -> None:
    """The fingerprint typed in with --fingerprint (as read out by phone) stands for the
    confirmation; without it the fingerprint is shown and confirmed (or --yes)."""
    from sync.keystore import fingerprint_matches

    if args.fingerprint and not args.replace:
        if not fingerprint_matches(fp, args.fingerprint):
            raise UsageError(
                f"输入的指纹与文件中的不一致（文件：{fp}）；未做任何改动",
                f"the fingerprint given does not match the file's ({fp}); nothing changed",
            )
        clikit.say(f"{what_zh}的指纹：\n    {fp}\n与输入的一致。", f"fingerprint {fp} matches")
    else:
        _confirm_fingerprint(args, what_zh, fp)


def _write_new(path: str, data: bytes) -> None:
    target = Path(path)
    if target.exists():
        raise UsageError(f"文件已存在，不会覆盖：{target}", f"file exists, will not overwrite: {target}")
    if not target.parent.exists():
        raise UsageError(f"文件夹不存在：{target.parent}", f"folder does not exist: {target.parent}")
    atomic_write_bytes(target, data, mode=0o644)


# --- keys ----------------------------------------------------------------------------------------


group("keys", help="本代办处的签名密钥与办事处公钥 keys of this branch and the office")


@command("keys show", help="显示公钥与指纹 show public keys and the fingerprint")
@JSON
def cmd_keys_show(args) -> int:
    from models.crypto import b64e
    from sync.keystore import branch_identity, db_kind, ensure_local_keys, require_office, trusted_office

    session = clikit.open_session(args)
    if getattr(args, "office_keys_command", None):
        require_office()
    if not session.can_write:
        from sync.keystore import local_keys

        keys, created = local_keys(), False
    else:
        keys, created = ensure_local_keys()
    kind = db_kind()
    out = {
        "kind": kind,
        "ed25519_public": b64e(keys.signing.public),
        "x25519_public": b64e(keys.exchange.public),
        "fingerprint": keys.fingerprint,
        "created_now": created,
    }
    if kind == "branch":
        out["branch_code"], out["branch_name"] = branch_identity()
        office = trusted_office()
        out["trusted_office"] = (
            None if office is None else {"fingerprint": office.fingerprint, "pinned_at": office.enrolled_at}
        )
    if args.json:
        clikit.print_json(out)
        return 0
    if created:
        clikit.say("本数据库原来没有密钥，已生成。", "this database had no keys; they were created now.")
    who = f"代办处 {out['branch_code']} {out['branch_name']}" if kind == "branch" else "办事处"
    print(
        f"{who}\n签名公钥 Ed25519: {out['ed25519_public']}\n加密公钥 X25519:  {out['x25519_public']}\n"
        f"指纹 fingerprint: {out['fingerprint']}"
    )
    if kind == "branch":
        office = out["trusted_office"]
        print(f"办事处公钥: {'未安装 not installed' if office is None else '已安装，指纹 ' + office['fingerprint']}")
    return 0


@command("keys export", help="写出交给办事处的登记文件 write the registration file for the office")
@arg("--out", required=True, metavar="FILE")
def cmd_keys_export(args) -> int:
    from sync.keystore import own_registration, require_branch

    clikit.open_session(args)
    require_branch()
    registration = own_registration()
    _write_new(args.out, registration.to_json_bytes())
    clikit.say(
        f"已写出登记文件 {args.out}（只含公钥）。请交给办事处，并电话核对指纹：\n    {registration.fingerprint}",
        f"registration file written (public keys only); read the fingerprint to the office: {registration.fingerprint}",
    )
    return 0


@command("keys trust-office", help="安装办事处公钥（电话核对指纹） pin the office's public keys")
@arg("file", metavar="FILE")
@arg("--yes", action="store_true", help="已电话核对指纹，不再询问 fingerprint confirmed by phone")
@arg("--replace", action="store_true", help="替换已安装的另一组办事处公钥（仅负责人） replace a different pinned key")
@Use(_pin_options)
def cmd_trust_office(args) -> int:
    from sync.keystore import require_branch, require_office_key_installer, trust_office

    data = _read_key_file(args.file)
    try:
        keys = parse_office_keys(data)
    except KeyFileError as exc:
        raise _key_file_error(exc) from None
    clikit.open_session(args)
    require_branch()
    require_office_key_installer()  # before asking anyone to read out a fingerprint
    _fingerprint_confirmed(args, "办事处公钥", keys.fingerprint)
    outcome = trust_office(keys, replace=args.replace, reason=args.reason, fingerprint=args.fingerprint)
    text = {
        "pinned": ("已安装办事处公钥", "office keys pinned"),
        "unchanged": ("办事处公钥已安装过，未改动", "already pinned; unchanged"),
        "replaced": ("已替换办事处公钥", "office keys replaced"),
    }[outcome]
    clikit.say(*text)
    return 0


# --- export ----------------------------------------------------------------------------------------


def _totals_table(summary: dict) -> None:
    t = summary["totals"]
    clikit.print_table(
        [
            ("参保人数 members", t["members"]),
            ("份数 shares", t["shares"]),
            ("应缴会费 fees due (元)", clikit.yuan(t["fees_due_fen"])),
            ("报案 claims reported", t["claims_reported"]),
            ("上报 submitted", t["claims_submitted"]),
            ("打回 returned", t["claims_returned"]),
            ("给付 settled", t["claims_settled"]),
            ("拒付 declined", t["claims_declined"]),
            ("给付金额 benefit (元)", clikit.yuan(t["benefit_fen"])),
            ("慰问救助支出 disbursed (元)", clikit.yuan(summary["disbursed_fen"])),
            ("单位×险种 rows", summary["counts"]["figures"]),
            ("案件记录 claims", summary["counts"]["claims"]),
            ("支出记录 disbursements", summary["counts"]["disbursements"]),
            ("交接记录 handovers", summary["counts"]["handovers"]),
        ],
        ["项目 item", "合计 total"],
    )


@command("export", help="生成本月上报办事处的数据包 write the monthly bundle for the office")
@arg("--period", required=True, metavar="YYYY-MM")
@arg("--out", default=".", metavar="DIR", help="输出文件夹（默认当前文件夹） output folder")
@arg("--dry-run", action="store_true", help="只显示将要签名的合计，不写文件 show the totals only")
@arg(
    "--replace",
    action="store_true",
    help="重新导出已发送过的月份，作为替换包（须 --reason） send a month again as a replacement",
)
@arg("--reason", metavar="TEXT", help="替换的理由 why the month is sent again")
@JSON
def cmd_export(args) -> int:
    from sync.export import export_period

    clikit.open_session(args)
    with progress("正在生成数据包", "exporting"):
        result = export_period(args.period, args.out, dry_run=args.dry_run, replace=args.replace, reason=args.reason)
    if args.json:
        clikit.print_json(
            {
                "dry_run": result.dry_run,
                "branch_code": result.branch_code,
                "period": result.period,
                "sequence": result.sequence,
                "file": result.file_name,
                "path": None if result.path is None else str(result.path),
                "sha256": result.sha256,
                "bytes": result.bytes,
                "totals": result.summary["totals"],
                "counts": result.summary["counts"],
                "disbursed_fen": result.summary["disbursed_fen"],
                "replaces": result.replaces,
            }
        )
        return 0
    _totals_table(result.summary)
    if result.replaces:
        clikit.say(
            f"替换包：替换 {result.period} 的第 {result.replaces} 号数据包",
            f"replacement: replaces bundle {result.replaces} of {result.period}",
        )
    if result.dry_run:
        clikit.say(
            f"试运行：将写出 {result.file_name}（第 {result.sequence} 号），未写任何文件",
            f"dry run: would write {result.file_name} (sequence {result.sequence}); nothing written",
        )
    else:
        clikit.say(
            f"已写出并读回核验 {result.path}（第 {result.sequence} 号，{result.bytes} 字节）",
            f"written and verified by reading back: {result.path}",
        )
    return 0


# --- branch: answers ----------------------------------------------------------------------------------


def _diff_table(diffs: list[dict]) -> None:
    from sync.reconcile import MONEY_ITEMS

    def v(d, x):
        return clikit.yuan(x) if d["item"] in MONEY_ITEMS else str(x)

    clikit.print_table(
        [
            (
                d["branch_code"],
                d["unit_code"],
                d["plan_code"],
                d["item_zh"],
                v(d, d["branch_value"]),
                v(d, d["office_value"]),
                v(d, d["difference"]),
            )
            for d in diffs
        ],
        ["代办处", "单位", "险种", "项目", "代办处数据", "办事处数据", "差额"],
    )


group("sync", help="接收办事处回执 the office's answers")


@command("sync receive", help="核验并接收办事处回执 verify and receive an answer bundle")
@arg("file", metavar="FILE")
@JSON
def cmd_sync_receive(args) -> int:
    from sync.answer import receive

    clikit.open_session(args)
    result = receive(args.file)
    if args.json:
        clikit.print_json(result.to_json())
        return 0
    if result.status == "duplicate":
        clikit.say("此回执已接收过，未做任何改动", "this answer was already received; nothing changed")
        return 0
    clikit.say(
        f"已接收办事处 {result.period} 回执（第 {result.sequence} 号）：{len(result.notices)} 条通知",
        f"answer for {result.period} received: {len(result.notices)} notice(s)",
    )
    if result.differences:
        clikit.say(f"与本代办处数据有 {len(result.differences)} 处差异：", f"{len(result.differences)} difference(s):")
        _diff_table(result.differences)
    else:
        clikit.say("办事处数据与本代办处一致（上下一致）", "the office's figures match ours")
    accepted = result.accepted_audit
    if accepted is not None and accepted["check"] != "holds":
        # The office accepted a head this chain no longer holds: rewritten or rolled back here.
        clikit.say(
            f"警告：办事处确认接受的审计链第 {accepted['count']} 条与本数据库的不同或已不存在"
            "（审计记录被改写或数据库被回退？），请负责人运行 huzhu check",
            f"warning: the office accepted audit event {accepted['count']}, which this chain no longer holds "
            "(rewritten or rolled back?); a supervisor should run huzhu check",
        )
    return 0


@command("sync notices", help="办事处通知 notices from the office")
@arg("--done", type=clikit.positive_int(2**63 - 1), metavar="ID", help="标记为已处理 mark as done")
@JSON
def cmd_sync_notices(args) -> int:
    from sync.answer import mark_notice_done, open_notices
    from sync.keystore import require_branch

    clikit.open_session(args)
    require_branch()
    if args.done is not None:
        mark_notice_done(args.done)
        clikit.say(f"通知 {args.done} 已标记为已处理", f"notice {args.done} marked done")
        return 0
    notices = open_notices()
    if args.json:
        clikit.print_json(notices)
    else:
        clikit.print_table(
            [(n["id"], n["period"], n["kind_zh"], n["ref"] or "", n["text"]) for n in notices],
            ["编号", "期间", "类型", "案件", "内容"],
        )
    return 0


def _restore_value(item: str, value: int) -> str:
    from sync.restore import MONEY_ITEMS

    return clikit.yuan(value) if item in MONEY_ITEMS else str(value)


@command(
    "sync reconcile-restore",
    help="恢复较早的备份后，核对并补记办事处已收到的数据包（负责人） reconcile after restoring an older backup",
)
@arg(
    "--accept-differences",
    action="store_true",
    help="数据与已发送的不一致也补记（须写明原因） re-record even though figures differ (needs --reason)",
)
@arg("--reason", metavar="TEXT", help="确认差异的原因，记入审计 why the differences are accepted")
@JSON
def cmd_sync_reconcile_restore(args) -> int:
    from sync.errors import RestoreDifferences
    from sync.restore import reconcile_restore

    if args.accept_differences and not (args.reason or "").strip():
        raise UsageError(
            "确认差异（--accept-differences）必须用 --reason 写明原因",
            "--accept-differences needs a reason: --reason TEXT",
        )
    clikit.open_session(args)
    result = reconcile_restore(accept_differences=args.accept_differences, reason=args.reason)
    if args.json:
        clikit.print_json(result.to_json())
    elif result.bundles:
        check_zh = {
            "match": "一致",
            "differ": "不一致",
            "no_figures": "无已发送数据可比",
            "superseded": "同期已重发，不比较",
        }
        clikit.print_table(
            [(b.sequence, b.period, b.file_name, check_zh.get(b.check, b.check)) for b in result.bundles],
            ["序号", "期间", "文件", "核对结果"],
        )
        diffs = [
            (
                b.sequence,
                b.period,
                d.item_zh,
                _restore_value(d.item, d.sent),
                _restore_value(d.item, d.now),
                _restore_value(d.item, d.difference),
            )
            for b in result.bundles
            for d in b.differences
        ]
        if diffs:
            print()
            clikit.print_table(diffs, ["序号", "期间", "项目", "已发送", "本数据库", "差额"])
    if result.status == "nothing_to_do":
        clikit.say(
            "本数据库没有落后于已发给办事处的数据包，无需核对",
            "nothing to reconcile: this database is not behind the bundles sent",
        )
        return 0
    if result.status == "differences":
        clikit.say(
            "错误：本数据库的数据与已发给办事处的不一致（见上表），未做任何改动。请补录丢失的工作后重试；"
            "确认差异无误时，负责人可加 --accept-differences --reason 原因",
            "error: figures differ from those sent (see above); nothing was written. Re-enter the lost work "
            "and retry, or accept the differences with --accept-differences --reason TEXT",
        )
        return RestoreDifferences.exit_code
    first, last = result.recorded[0], result.recorded[-1]
    span = str(first) if first == last else f"{first}–{last}"
    how = "（已确认差异，原因已记入审计）" if result.accepted_differences else "（数据一致）"
    clikit.say(
        f"已补记第 {span} 号数据包的发送记录{how}；下一次导出为第 {result.next_sequence} 号",
        f"bundle(s) {span} re-recorded as sent; the next export is sequence {result.next_sequence}",
    )
    return 0


# --- office ----------------------------------------------------------------------------------------


# ``huzhu office`` alone opens the office's screens (the TUI on an office database).
@command("office", help="办事处：登记代办处、导入、对账、回执 office side")
def cmd_office_tui(args) -> int:
    from sync.keystore import require_office
    from tui.launch import open_tui

    if clikit.db_path(args, required=False) is None:
        raise UsageError("请用 --db FILE 或 HUZHU_DB 指定办事处数据库", "give the office database with --db FILE")
    clikit.open_session(args)  # refuses a branch database before the screen opens
    require_office()
    from models import db as dbmod

    dbmod.close()
    return open_tui(args)


@command("office board", help="代办处 × 月份报送情况 every branch × month")
@arg("--months", type=int, default=6, metavar="N", help="最近 N 个已结束的月份（默认 6）")
@JSON
def cmd_office_board(args) -> int:
    from sync import office_board

    clikit.open_session(args)
    if not 1 <= args.months <= 36:
        raise UsageError("--months 应在 1 到 36 之间", "--months must be 1 to 36")
    board = office_board.board(clock.today(), args.months)
    if args.json:
        clikit.print_json(board.to_json())
        return 0
    clikit.print_table(
        [(code, name, *(c.zh for c in cells)) for code, name, cells in board.rows], ["编码", "代办处", *board.periods]
    )
    return 0


@command("office todo", help="办事处待办 the office's to-do list")
@JSON
def cmd_office_todo(args) -> int:
    from sync import office_board

    clikit.open_session(args)
    items = office_board.todo(clock.today())
    if args.json:
        clikit.print_json([i.to_json() for i in items])
        return 0
    clikit.print_table([("!" if i.overdue else "", i.title, i.detail) for i in items], ["", "事项", "说明"])
    return 0


@command("office totals", help="各代办处汇总（按险种、月份） totals across branches per plan and month")
@arg("--from", dest="first", metavar="YYYY-MM", help="起始月份（默认：最近 12 个已结束的月份）")
@arg("--to", dest="last", metavar="YYYY-MM", help="截止月份（默认：上个月）")
@arg("--out", type=clikit.output_file, metavar="FILE.xlsx", help="另存为 Excel 表")
@JSON
def cmd_office_totals(args) -> int:
    from sync import office_board, office_totals

    last = office_totals.check_period(args.last, "--to") if args.last else None
    first = office_totals.check_period(args.first, "--from") if args.first else None
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise UsageError("汇总表文件名须以 .xlsx 结尾", "the totals file name must end in .xlsx")
    clikit.open_session(args)
    ended = office_board.ended_periods(clock.today(), 12)
    result = office_totals.totals(first or ended[0], last or ended[-1])
    if args.out is not None:
        office_totals.write_xlsx(result, args.out)
        clikit.say(f"汇总表已保存：{args.out}", f"totals saved: {args.out}")
    if args.json:
        clikit.print_json(result.to_json())
        return 0
    if args.out is None:
        money = [office_totals.is_money(c) for c in result.columns]
        clikit.print_table(
            [
                (
                    r.period,
                    r.plan_code,
                    r.branches,
                    *(
                        clikit.yuan(r.figures[c]) if m else r.figures[c]
                        for c, m in zip(result.columns, money, strict=True)
                    ),
                    "" if r.disbursed_fen is None else clikit.yuan(r.disbursed_fen),
                )
                for r in result.rows
            ],
            result.headers(),
        )
    return 0


@command("office yearly", help="各代办处年度自审材料 the branches' yearly self-assessment packages")
@arg("--year", type=clikit.YEAR, required=True, metavar="YYYY", help="自审的年度")
@JSON
def cmd_office_yearly(args) -> int:
    from sync import yearly

    clikit.open_session(args)
    board = yearly.yearly_board(args.year, clock.today())
    if args.json:
        clikit.print_json(board.to_json())
        return 0
    rows = []
    for r in board.rows:
        if r.submitted_at is None:
            rows.append((r.branch_code, r.name, "未报送", "", "", "", ""))
            continue
        c = r.counts
        rows.append(
            (
                r.branch_code,
                r.name,
                r.submitted_at[:10] + ("" if r.on_time else " 逾期"),
                c.get("ok", 0),
                c.get("fail", 0),
                c.get("attention", 0) + c.get("no_record", 0),
                c.get("open", 0),
            )
        )
    clikit.print_table(rows, ["编码", "代办处", "报送", "符合", "不符合", "需关注", "待核对"])
    clikit.say(
        f"{args.year} 年度自审期 {board.window_start} 至 {board.window_end}",
        f"{args.year} self-assessment window {board.window_start} to {board.window_end}",
    )
    return 0


@command("office settings", help="办事处设置 office settings")
@arg("--due-day", type=int, required=True, metavar="N", help="每月数据包的报送截止日：次月第 N 日（1–28，默认 10）")
def cmd_office_settings(args) -> int:
    from sync import office_board

    clikit.open_session(args)
    office_board.set_due_day(args.due_day)
    clikit.say(
        f"报送截止日已设为次月第 {args.due_day} 日", f"bundles are now due on day {args.due_day} of the next month"
    )
    return 0


@command("office init", help="新建办事处数据库 create the office database")
@arg("--name", default="北京办事处", help="办事处名称（默认 北京办事处）")
def cmd_office_init(args) -> int:
    path = clikit.db_path(args)
    user = clikit.user_name(args)
    if not user:
        raise UsageError("请用 --user NAME 指定第一位用户", "give the first user with --user NAME")
    admin.validate_user_name(user)
    secret = check_new_passphrase(clikit.read_secret(args, f"用户 {user} 的口令", confirm=True), user)
    created = admin.create_database(path, branch_name=args.name, user=user, passphrase=secret, kind="office")
    clikit.say(
        f"已创建办事处数据库 {path}（{args.name}），用户 {user}（负责人），已生成签名与加密密钥",
        f"created the office database {path}; user {user} (supervisor); signing and encryption keys generated",
    )
    clikit.say(
        "恢复码（只显示这一次，请抄写并锁在柜中）：", "recovery code (shown once; write it down and lock it away):"
    )
    print(created.recovery_code)
    return 0


group("office keys", help="办事处公钥 the office's public keys")
command("office keys show", help="显示公钥与指纹 show public keys and the fingerprint", args=[JSON])(cmd_keys_show)


@command("office keys export", help="写出交给各代办处的公钥文件 write the public-keys file for branches")
@arg("--out", required=True, metavar="FILE")
def cmd_office_keys_export(args) -> int:
    from sync.keystore import own_office_keys, require_office

    clikit.open_session(args)
    require_office()
    keys = own_office_keys()
    _write_new(args.out, keys.to_json_bytes())
    clikit.say(
        f"已写出办事处公钥文件 {args.out}（只含公钥）。各代办处安装时请电话核对指纹：\n    {keys.fingerprint}",
        f"office public-keys file written; branches must confirm the fingerprint by phone: {keys.fingerprint}",
    )
    return 0


@command("office enroll", help="登记代办处公钥（电话核对指纹） pin a branch's keys")
@arg("file", metavar="FILE")
@arg("--yes", action="store_true", help="已电话核对指纹 fingerprint confirmed by phone")
@arg("--replace", action="store_true", help="替换该代办处已登记的另一组公钥（仅负责人） replace its pinned keys")
@Use(_pin_options)
def cmd_office_enroll(args) -> int:
    from sync.keystore import enroll_branch, require_branch_enroller, require_office

    data = _read_key_file(args.file)
    try:
        registration = parse_branch_registration(data)
    except KeyFileError as exc:
        raise _key_file_error(exc) from None
    clikit.open_session(args)
    require_office()
    require_branch_enroller()  # before asking anyone to read out a fingerprint
    _fingerprint_confirmed(
        args, f"代办处 {registration.branch_code} {registration.branch_name} 公钥", registration.fingerprint
    )
    outcome = enroll_branch(registration, replace=args.replace, reason=args.reason, fingerprint=args.fingerprint)
    zh = {"pinned": "已登记", "unchanged": "已登记过，公钥相同，未改动", "replaced": "已替换公钥"}[outcome]
    clikit.say(
        f"代办处 {registration.branch_code} {registration.branch_name}：{zh}",
        f"branch {registration.branch_code}: {outcome}",
    )
    return 0


@command("office branches", help="已登记的代办处 enrolled branches")
@JSON
def cmd_office_branches(args) -> int:
    from sync.keystore import enrolled_branches, require_office
    from sync.office import last_imported

    clikit.open_session(args)
    require_office()
    rows = []
    for code, p in enrolled_branches().items():
        seq, sha = last_imported(code)
        period = None
        if seq is not None:
            from models.db import database

            period = database.execute_sql(
                "SELECT period FROM received_bundle WHERE sha256 = ? AND status = 'imported'", (sha,)
            ).fetchone()[0]
        rows.append(
            {
                "branch_code": code,
                "name": p.name,
                "fingerprint": p.fingerprint,
                "enrolled_at": p.enrolled_at,
                "last_sequence": seq,
                "last_period": period,
            }
        )
    if args.json:
        clikit.print_json(rows)
    else:
        clikit.print_table(
            [
                (r["branch_code"], r["name"], r["last_sequence"] or "", r["last_period"] or "", r["fingerprint"])
                for r in rows
            ],
            ["编码", "名称", "最后序号", "最后期间", "指纹"],
        )
    return 0


def _outcome_rows(outcomes) -> list[tuple]:
    rows = []
    for o in outcomes:
        status_zh = {
            "imported": "已导入",
            "duplicate": "重复，未改动",
            "held": "暂存",
            "refused": "拒绝",
            "verified": "校验通过",
        }.get(o.status, o.status)
        rows.append((o.file, o.branch_code or "", o.period or "", o.sequence or "", status_zh, o.reason, o.message_zh))
        for a in o.also_imported:
            rows.append(
                (
                    "  ↳ " + a.file,
                    a.branch_code or "",
                    a.period or "",
                    a.sequence or "",
                    "已导入（原暂存）" if a.status == "imported" else "拒绝（原暂存）",
                    a.reason,
                    a.message_zh,
                )
            )
    return rows


def _exit_for(outcomes) -> int:
    statuses = {o.status for o in outcomes} | {a.status for o in outcomes for a in o.also_imported}
    if "refused" in statuses:
        return BundleRefused.exit_code
    if "held" in statuses:
        return BundleHeld.exit_code
    return 0


def _print_outcomes(args, outcomes) -> int:
    if args.json:
        clikit.print_json([o.to_json() for o in outcomes])
    else:
        clikit.print_table(_outcome_rows(outcomes), ["文件", "代办处", "期间", "序号", "结果", "原因代码", "说明"])
    return _exit_for(outcomes)


def _each_bundle(files: list[str], handle, zh: str, en: str) -> list:
    """``handle(file)`` for each bundle in order, under one progress bar; their outcomes."""
    outcomes = []
    with progress(zh, en, total=len(files)) as step:
        for done, f in enumerate(files, 1):
            outcomes.append(handle(f))
            step(done)
    return outcomes


@command("office verify", help="只核验数据包，不导入 verify bundles without importing")
@arg("files", nargs="+", metavar="FILE")
@JSON
def cmd_office_verify(args) -> int:
    from sync.keystore import require_office
    from sync.office import verify_file

    clikit.open_session(args, read_only=True)
    require_office()
    return _print_outcomes(args, _each_bundle(args.files, verify_file, "正在核验数据包", "verifying bundles"))


@command("office import", help="核验并导入数据包 verify and import bundles")
@arg("files", nargs="+", metavar="FILE")
@JSON
def cmd_office_import(args) -> int:
    from sync.keystore import require_office
    from sync.office import import_file

    clikit.open_session(args)
    require_office()
    return _print_outcomes(args, _each_bundle(args.files, import_file, "正在导入数据包", "importing bundles"))


@command("office reconcile", help="与办事处台账对账（上下一致） reconcile against the office ledger")
@arg("--period", required=True, metavar="YYYY-MM")
@arg("--ledger", metavar="FILE", help="办事处业务系统导出的台账 .csv/.xlsx（替换本期已导入的台账）")
@arg("--csv", metavar="FILE", help="差异另存为 CSV")
@arg("--xlsx", metavar="FILE", help="差异另存为 Excel")
@JSON
def cmd_office_reconcile(args) -> int:
    from sync.keystore import require_office
    from sync.reconcile import difference_rows, import_ledger, missing_rows, reconcile, write_csv, write_xlsx

    for out in (args.csv, args.xlsx):
        if out:
            clikit.output_file(out)
    clikit.open_session(args)
    require_office()
    ledger = None
    if args.ledger:
        with progress("正在导入台账", "importing the ledger"):
            ledger = import_ledger(args.ledger, args.period)
        clikit.say(
            f"已导入 {args.period} 办事处台账：{ledger['rows']} 行，{ledger['branches']} 个代办处",
            f"office ledger for {args.period} imported: {ledger['rows']} rows",
        )
    with progress("正在对账", "reconciling"):
        report = reconcile(args.period)
    if args.csv:
        write_csv(report, args.csv)
    if args.xlsx:
        write_xlsx(report, args.xlsx)
    if args.json:
        clikit.print_json({**report.to_json(), "ledger_imported": ledger})
        return 0
    if report.ledger_rows == 0:
        clikit.say(
            f"{args.period} 还没有办事处台账（用 --ledger 文件 导入）；以下差异即代办处报送的全部数据",
            f"no office ledger for {args.period} yet (import one with --ledger FILE)",
        )
    if report.differences:
        clikit.print_table(
            difference_rows(report), ["代办处", "单位", "险种", "项目", "代办处数据", "办事处数据", "差额"]
        )
    if report.not_reported:
        print()
        clikit.print_table(missing_rows(report), ["代办处", "名称", "说明"])
    if report.fee_differences:
        from sync.reconcile import FEE_HEADERS, fee_rows

        print()
        clikit.print_table(fee_rows(report), FEE_HEADERS)
    withheld = sum(max(d.unremitted_fen, 0) for d in report.fee_differences)
    if withheld:
        clikit.say(
            f"代办处已收未上交会费合计 {clikit.yuan(withheld)} 元（000 第二十五条：不得截留）",
            f"fees collected but not remitted: {clikit.yuan(withheld)} yuan",
        )
    clikit.say(
        f"{args.period}：已报送 {len(report.branches_reported)} 个代办处，差异 {len(report.differences)} 处，"
        f"会费差异 {len(report.fee_differences)} 处，未报送 {len(report.not_reported)} 个",
        f"{args.period}: {len(report.branches_reported)} branch(es) reported, "
        f"{len(report.differences)} difference(s), {len(report.not_reported)} not reported",
    )
    return 0


@command("office notice", help="登记发给代办处的通知 queue a notice for a branch's next answer")
@arg("--branch", required=True, metavar="CODE")
@arg("--period", required=True, metavar="YYYY-MM")
@arg("--kind", required=True, choices=["claim_returned", "direct_pay_failed", "other"])
@arg("--ref", metavar="ID", help="案件编号等 e.g. the claim id 004-claim-17")
@arg("--text", required=True, help="通知内容（如打回原因）")
def cmd_office_notice(args) -> int:
    from sync.answer import queue_notice

    clikit.open_session(args)
    uid = queue_notice(args.branch, args.period, args.kind, args.text, args.ref)
    clikit.say(
        f"已登记通知 {uid}，将随下一份回执发给代办处 {args.branch}", f"notice {uid} queued for branch {args.branch}"
    )
    return 0


@command("office return", help="写出给代办处的回执数据包 write the signed answer for a branch")
@arg("--branch", required=True, metavar="CODE")
@arg("--period", required=True, metavar="YYYY-MM")
@arg("--out", default=".", metavar="DIR")
@JSON
def cmd_office_return(args) -> int:
    from sync.answer import build_return

    clikit.open_session(args)
    result = build_return(args.branch, args.period, args.out)
    if args.json:
        clikit.print_json(
            {
                "branch_code": result.branch_code,
                "period": result.period,
                "sequence": result.sequence,
                "file": result.file_name,
                "path": str(result.path),
                "sha256": result.sha256,
                "bytes": result.bytes,
                "figures": result.figures,
                "notices": result.notices,
            }
        )
        return 0
    clikit.say(
        f"已写出并读回核验回执 {result.path}：{result.figures} 行数据，{result.notices} 条通知",
        f"answer written and verified: {result.path}",
    )
    return 0
