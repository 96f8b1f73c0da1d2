"""Database life-cycle commands: init, demo, user, rekey, backup, restore, check, version; and the TUI."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from models import admin
from models import db as dbmod
from models.errors import CheckFailed, UsageError
from models.keyslots import RECOVERY_USER, KeyFile, keys_path
from models.passphrase import MIN_LENGTH, check_new_passphrase
from models.version import VERSION
from tui import clikit
from tui.commands.registry import JSON, arg, command, exclusive, group
from tui.launch import DEFAULT_DEMO_DB, open_tui
from tui.progress import progress

# --- commands -------------------------------------------------------------------------------


@command("init", help="新建加密的代办处数据库 create a new encrypted branch database")
@arg("--branch-code", required=True, help="三位代办处编码，如 004")
@arg("--branch-name", required=True, help="代办处名称，如 朝阳")
def cmd_init(args) -> int:
    path = clikit.db_path(args)
    user = clikit.user_name(args)
    if not user:
        raise UsageError("请用 --user NAME 指定第一位用户", "give the first user with --user NAME")
    admin.validate_branch(args.branch_code, args.branch_name)
    admin.validate_user_name(user)
    secret = check_new_passphrase(clikit.read_secret(args, f"用户 {user} 的口令", confirm=True), user)
    created = admin.create_database(
        path, branch_code=args.branch_code, branch_name=args.branch_name, user=user, passphrase=secret
    )
    clikit.say(
        f"已创建代办处数据库 {path}（{args.branch_code} {args.branch_name}），用户 {user}（负责人）",
        f"created {path}; user {user} (supervisor)",
    )
    clikit.say(
        "恢复码（只显示这一次，请抄写并锁在柜中；忘记全部口令时用它打开：--user recovery）：",
        "recovery code (shown once; write it down and lock it away; use it with --user recovery):",
    )
    print(created.recovery_code)
    return 0


@command("demo", help="生成演示数据库并打开界面 build a demo database and open the TUI", db=False)
@arg("--db", metavar="FILE", default=argparse.SUPPRESS, help=f"默认 {DEFAULT_DEMO_DB}")
@arg("--members", type=clikit.positive_int(1_000_000), default=2000, help="会员人数 number of members (默认 2000)")
@arg("--seed", type=clikit.positive_int(2**31 - 1, minimum=0), default=2026, help="随机种子 random seed")
@arg("--no-tui", action="store_true", help="只生成，不打开界面 build only")
@arg("--fresh", action="store_true", help="已存在时删除重建 rebuild if it exists")
def cmd_demo(args) -> int:
    from models import demo

    path = Path(getattr(args, "db", None) or DEFAULT_DEMO_DB)
    if args.members < 1:
        raise UsageError("--members 必须是正整数", "--members must be a positive whole number")
    if path.exists() and args.fresh:
        for p in (path, keys_path(path), Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.attempts")):
            p.unlink(missing_ok=True)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        clikit.say(f"正在生成演示数据库 {path}（{args.members} 名会员）…", f"building demo database {path}…")
        started = time.perf_counter()
        with progress("正在生成演示数据库", "building the demo") as step:
            demo.build_demo(
                path, members=args.members, seed=args.seed, progress=lambda stage, done, total: step(done, total, stage)
            )
        seconds = time.perf_counter() - started
        clikit.say(
            f"完成：{seconds:.1f} 秒。用户 demo，口令 demo（公开的演示口令，只用于虚构数据；"
            f"真实数据库的口令至少 {MIN_LENGTH} 个字符）",
            f"done in {seconds:.1f} s. user demo, passphrase demo (published, for invented data only; "
            f"a real database needs at least {MIN_LENGTH} characters)",
        )
    else:
        clikit.say(
            f"使用已有的演示数据库 {path}（--fresh 可重建）。用户 demo，口令 demo",
            f"using the existing demo database {path} (--fresh rebuilds it); user demo, passphrase demo",
        )
    if args.no_tui:
        return 0
    args.db = str(path)
    return open_tui(args)


group("user", help="用户与口令 users and passphrases")


@command("user add", help="新增用户 add a user")
@arg("name")
@arg(
    "--role",
    default="clerk",
    choices=dbmod.ROLES,
    help="clerk 经办人 | supervisor 负责人 | auditor 稽核 | accountant 会计 | cashier 出纳",
)
@arg("--new-passphrase-file", metavar="FILE", help=f"新用户口令文件 (或 {clikit.ENV_NEW_PASSPHRASE})")
def cmd_user_add(args) -> int:
    session = clikit.open_session(args)
    name = admin.validate_user_name(args.name)
    secret = check_new_passphrase(clikit.read_new_secret(args, f"用户 {name}"), name)
    admin.add_user(session, name, args.role, secret)
    clikit.say(f"已新增用户 {name}（{dbmod.ROLE_NAMES[args.role]}）", f"added user {name} ({args.role})")
    return 0


@command("user passwd", help="修改口令 change a passphrase")
@arg("name", nargs="?", help="默认为当前用户 default: yourself")
@arg("--new-passphrase-file", metavar="FILE", help=f"新口令文件 (或 {clikit.ENV_NEW_PASSPHRASE})")
def cmd_user_passwd(args) -> int:
    session = clikit.open_session(args)
    name = args.name or session.user
    secret = clikit.read_new_secret(args, f"用户 {name}")
    if name != RECOVERY_USER:  # the recovery slot keeps its generated code (see huzhu rekey)
        check_new_passphrase(secret, name)
    admin.set_passphrase(session, name, secret)
    clikit.say(f"已更新用户 {name} 的口令", f"passphrase of {name} changed")
    return 0


@command("user revoke", help="撤销用户（删除其密钥槽） revoke a user")
@arg("name")
def cmd_user_revoke(args) -> int:
    session = clikit.open_session(args)
    admin.revoke_user(session, args.name)
    clikit.say(
        f"已撤销用户 {args.name}：其密钥槽已删除。如该用户可能保留了数据库文件及密钥文件的副本，请立即运行 huzhu rekey",
        f"revoked {args.name}; if they may have kept copies of the files, run huzhu rekey now",
    )
    return 0


@command("user list", help="列出用户 list users")
@JSON
def cmd_user_list(args) -> int:
    session = clikit.open_session(args)
    users = admin.list_users(session)
    if args.json:
        clikit.print_json(users)
    else:
        clikit.print_table(
            [
                (
                    u["user"],
                    u["role_zh"],
                    "有效" if u["active"] else "已撤销",
                    u["created_at"][:10],
                    u["revoked_at"] or "",
                )
                for u in users
            ],
            ["用户", "角色", "状态", "创建", "撤销"],
        )
    return 0


@command("rekey", help="换用新的数据库密钥 re-encrypt under a new key")
def cmd_rekey(args) -> int:
    session = clikit.open_session(args)
    with progress("正在重新加密", "re-encrypting"):
        admin.rekey(session)
    clikit.say(
        f"已换用新密钥，{len(session.keyfile.slots)} 个密钥槽已重新封装；旧副本和旧密钥槽不能打开当前文件",
        "re-encrypted under a new key; slots re-sealed; old copies of the slot file no longer open this file",
    )
    return 0


@command("backup", help="加密备份 encrypted backup")
@arg("--out", metavar="FILE", help="备份文件 backup file (不用子命令时必填)")
@arg("--force", action="store_true", help="覆盖已存在的文件 replace an existing file")
def cmd_backup(args) -> int:
    if not args.out:
        raise UsageError(
            "请用 --out FILE 指定备份文件，或使用子命令 verify / config / auto",
            "give --out FILE, or one of the actions verify / config / auto",
        )
    session = clikit.open_session(args)
    with progress("正在备份", "backing up"):
        info = admin.backup(session, args.out, force=args.force)
    clikit.say(f"已写入加密备份 {info['file']}（{info['bytes']} 字节）", f"encrypted backup written: {info['file']}")
    if session.can_write and not info["recorded"]:
        clikit.say(
            "警告：数据库正被另一个程序写入，本次备份未记入审计日志（备份文件完整可用）",
            "warning: the database was busy with another program's write; the backup is whole, "
            "but its audit event was not recorded",
        )
    return 0


@command("backup verify", help="验证备份可恢复且通过全部检查 prove a backup restores and passes every check")
@JSON
@arg("file", metavar="FILE")
def cmd_backup_verify(args) -> int:
    from models import autobackup
    from models.errors import BackupError, HuzhuError

    secret = clikit.read_secret(args, "口令")
    with progress("正在验证备份", "verifying the backup"):
        result = autobackup.verify_file(args.file, clikit.user_name(args), secret)
    result["live"], result["recorded"] = None, False
    live = clikit.db_path(args, required=False)
    session = None
    if live is not None and live.exists():
        try:  # the backup stands on its own; the live chain is a comparison when it can be opened
            keyfile = KeyFile.load(live)
            session = dbmod.unlock(live, dbmod.pick_user(keyfile, clikit.user_name(args) or result["user"]), secret)
        except HuzhuError as exc:
            clikit.say(
                f"警告：无法打开当前数据库进行比较（{exc.message_zh}）",
                f"warning: the live database could not be opened to compare ({exc.message_en})",
            )
    if session is not None:
        result["live"] = autobackup.compare_live(result)
        if result["live"]["prefix"] is False:
            result["ok"] = False
            result["reason"] = (
                f"备份的最后一条审计事件（第 {result['head']['seq']} 条）不在当前数据库的审计链上"
                f"（当前第 {result['live']['seq']} 条）"
            )
        if result["ok"]:
            result["recorded"] = autobackup.record_verified(session, result)
    if args.json:
        clikit.print_json(result)
    else:
        clikit.print_table(
            [(c["name"], "通过" if c["ok"] else "未通过", c["detail"]) for c in result["checks"]],
            ["检查", "结果", "说明"],
        )
    if not result["ok"]:
        raise BackupError(f"备份验证未通过：{result['reason']}", f"backup verification failed: {result['reason']}")
    head = result["head"]
    clikit.say(
        f"备份可以恢复并通过全部检查：{args.file}（{result['created']}），审计链第 {head['seq']} 条，"
        f"链头 {head['hash'][:16]}…",
        f"the backup restores and passes every check; audit head {head['seq']} {head['hash'][:16]}…",
    )
    if result["live"] and result["live"]["same_database"]:
        clikit.say(
            f"与当前数据库的审计链一致（当前第 {result['live']['seq']} 条）",
            f"it is a prefix of the live audit chain (now at {result['live']['seq']})",
        )
    return 0


@command("backup config", help="自动备份文件夹 the automatic backup folder")
@JSON
@exclusive(
    arg("--dir", metavar="DIR", help="U 盘或网络共享上的文件夹 a folder on a USB stick or share"),
    arg("--show", action="store_true", help="显示当前设置 show the setting"),
    required=True,
)
def cmd_backup_config(args) -> int:
    from models import autobackup

    session = clikit.open_session(args)
    if args.show:
        info = autobackup.show()
        if args.json:
            clikit.print_json(info)
        else:
            auto, verified = info["last_auto"] or {}, info["last_verified"] or {}
            clikit.print_table(
                [
                    (
                        "备份文件夹",
                        info["dir"] or "（未设置）",
                        "存在" if info["exists"] else "不存在" if info["dir"] else "",
                    ),
                    ("最近自动备份", auto.get("file", "—"), auto.get("at", "")),
                    ("最近验证的备份", verified.get("file", "—"), verified.get("created", "")),
                ],
                ["项目", "值", "说明"],
            )
        return 0
    info = autobackup.set_dir(session, args.dir)
    if args.json:
        clikit.print_json(info)
    clikit.say(f"自动备份文件夹已设为 {info['dir']}", f"automatic backups now go to {info['dir']}")
    if info["same_disk_as_database"]:
        clikit.say(
            "注意：此文件夹与数据库在同一块磁盘上，硬盘损坏时备份会一起丢失",
            "note: this folder is on the same disk as the database; a dead disk takes both",
        )
    return 0


@command("backup auto", help="需要时写一份自动备份 write an automatic backup when one is due")
@JSON
@arg("--force", action="store_true", help="今天已备份或无改动也写 write even if done today or unchanged")
def cmd_backup_auto(args) -> int:
    from models import autobackup

    session = clikit.open_session(args)
    info = autobackup.auto_backup(session, force=args.force)
    if args.json:
        clikit.print_json(info)
    reasons = {
        "not_configured": (
            "尚未设置备份文件夹（huzhu backup config --dir DIR），未写备份",
            "no backup folder configured (huzhu backup config --dir DIR): nothing written",
        ),
        "done_today": ("今天已有自动备份", "an automatic backup was already made today"),
        "unchanged": ("自上次自动备份以来数据库没有改动", "nothing changed since the last automatic backup"),
    }
    if info["written"]:
        clikit.say(f"已写入自动备份 {info['written']}", f"automatic backup written: {info['written']}")
        if info["removed"]:
            clikit.say(
                f"按保留规则删除了 {len(info['removed'])} 份旧的自动备份",
                f"removed {len(info['removed'])} older automatic backups (7 daily, 12 monthly kept)",
            )
    else:
        clikit.say(*reasons[info["reason"]])
    return 0


@command("restore", help="从备份恢复 restore from a backup")
@arg("file", metavar="FILE")
@arg("--yes", action="store_true", help="覆盖现有数据库（原文件会保留副本）")
def cmd_restore(args) -> int:
    from models import backup

    target = clikit.db_path(args)
    header, raw_header, offset = backup.read_header(args.file)
    keyfile = KeyFile.from_bytes(json.dumps(header["keys"]).encode(), where=f"{args.file} (备份内的密钥槽)")
    user = dbmod.pick_user(keyfile, clikit.user_name(args))
    if keyfile.slot(user) is None:
        dbmod.unwrap_key(target, keyfile, user, "x")
    if target.exists() and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"{target} 已存在；确认覆盖请加 --yes（原文件会保留副本）",
                f"{target} exists; add --yes to replace it (the old file is kept)",
            )
        answer = input(f"{target} 已存在，用备份覆盖？原文件会改名保留。[y/N] ")
        if answer.strip().lower() not in ("y", "yes", "是"):
            clikit.say("已取消", "cancelled")
            return 1
    secret = clikit.read_secret(args, "口令")
    previous = admin.restore_permission(target, user, secret)  # only a supervisor replaces a database
    key = dbmod.unwrap_key(Path(args.file), keyfile, user, secret)
    dbmod.close()
    with progress("正在恢复", "restoring"):
        info = backup.restore_backup(args.file, target, key, header, raw_header, offset)
    clikit.say(f"已从 {args.file}（{info['created']}）恢复到 {target}", f"restored {target} from {args.file}")
    if info["previous_kept_as"]:
        clikit.say(
            f"原数据库保留为 {info['previous_kept_as']}", f"the previous file was kept as {info['previous_kept_as']}"
        )
    came_back = admin.reapply_revocations(target, previous)
    if came_back:
        names = "、".join(came_back)
        session = dbmod.unlock(target, user, secret)
        admin.enforce_revocations(session, came_back)
        dbmod.close()
        clikit.say(
            f"备份中有已撤销用户的密钥槽（{names}）：已重新撤销并换用新密钥，他们持有的旧密钥不能打开恢复后的数据库",
            f"the backup held slots of revoked users ({', '.join(came_back)}): revoked again and rekeyed",
        )
    return 0


@command("check", help="完整性与审计链检查 integrity and audit-chain check")
@JSON
def cmd_check(args) -> int:
    clikit.open_session(args)
    with progress("正在检查", "checking"):
        items = admin.run_checks()
    ok = all(i.ok for i in items)
    if args.json:
        clikit.print_json({"ok": ok, "checks": [i.__dict__ for i in items]})
    else:
        clikit.print_table([(i.name, "通过" if i.ok else "未通过", i.detail) for i in items], ["检查", "结果", "说明"])
    if not ok:
        raise CheckFailed(
            "数据库检查未通过；请勿继续写入，并从备份恢复（huzhu restore）",
            "database check failed; stop writing and restore from a backup",
        )
    return 0


@command("version", help="版本 version", db=False)
def cmd_version(args) -> None:
    print(f"huzhu {VERSION}")
