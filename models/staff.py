"""The clerks' accounts in the office's business system (docs/rules.md R4.2, R4.3, R4.5): who holds
each account, its changes, and the dates it was used.

The tool cannot see the business system, so the branch enters what happens there: a new
account (with the 《业务系统用户名备案表》 record), a change of holder, username or phone, or
the account disabled (each with its 《业务系统用户名变更表》 record where the username form
applies, R4.3, and every change in ``staff_change`` with the date it took effect and the
date it was reported to the office, R4.5), and the dates each clerk logged in, one by one or
from the office's account list (all-or-nothing, like every import). The 180-day item
(R4.2) is computed from these entries by ``rules.staff``: a new account counts from its
creation date. ``staff_account.last_login`` is kept equal to the latest login entry, so the
待办 list reads one row per account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from models import audit, clock
from models.db import database, writing
from models.errors import ValidationFailed
from models.schema import AccountForm, ImportBatch, StaffAccount, StaffChange, StaffLogin
from models.tabular import parse_date, read_table
from rules import Decision
from rules.staff import login_status

NAME_MAX = 50
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,22}[0-9]$")
REASON_MAX = 200
#: What a change touches, with its Chinese name.
FIELDS = {
    "account": "账号",
    "name": "持有人",
    "phone": "联系电话",
    "username": "用户名",
    "active": "状态",
    "created_on": "建立日期",
}
#: Accepted headers of a login file, by the column they mean.
LOGIN_HEADERS = {"username": ("用户名", "username", "user"), "date": ("登录日期", "date", "login_date", "日期")}


def _fail(zh: str, en: str, field_name: str | None = None) -> ValidationFailed:
    return ValidationFailed(f"{FIELDS.get(field_name, field_name)}：{zh}" if field_name else zh, en)


def _name(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise _fail("不能为空", "the name is empty", "name")
    if len(value) > NAME_MAX:
        raise _fail(f"不超过 {NAME_MAX} 字", f"the name is longer than {NAME_MAX}", "name")
    return value


def _username(value: str | None) -> str:
    value = (value or "").strip()
    if not USERNAME_RE.match(value):
        raise _fail(
            f"“{value}”无效：应为 1–64 个字母、数字或 . _ @ -，以字母或数字开头",
            f"invalid username '{value}'",
            "username",
        )
    return value


def _phone(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not PHONE_RE.match(value):
        raise _fail(f"“{value}”无效：应为 7–24 位数字（可含空格、- 和开头的 +）", f"invalid phone '{value}'", "phone")
    return value


def _not_future(on: dt.date, today: dt.date, what_zh: str, what_en: str) -> dt.date:
    if on > today:
        raise ValidationFailed(f"{what_zh} {on} 晚于今天 {today}", f"the {what_en} {on} is after today")
    return on


def find_account(who: str) -> StaffAccount:
    """An account by its username, or by the name of its (active) holder."""
    who = (who or "").strip()
    row = StaffAccount.get_or_none(StaffAccount.username == who)
    if row is not None:
        return row
    rows = list(
        StaffAccount.select().where(StaffAccount.name == who).order_by(StaffAccount.active.desc(), StaffAccount.id)
    )
    active = [r for r in rows if r.active]
    if len(active) > 1:
        listed = "、".join(r.username for r in active)
        raise ValidationFailed(
            f"{who} 有多个在用账号（{listed}），请用用户名指定", f"{who} holds several accounts: give the username"
        )
    if active or rows:
        return (active or rows)[0]
    raise ValidationFailed(
        f"没有经办人或用户名“{who}”的业务系统账号（用 huzhu staff add 登记）",
        f"no business-system account '{who}' (add it with huzhu staff add)",
    )


def _change(
    account: StaffAccount,
    field_name: str,
    old,
    new,
    on: dt.date,
    reported_on: dt.date | None,
    reason: str | None,
    user: str,
) -> StaffChange:
    return StaffChange.create(
        account=account,
        field_name=field_name,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
        on_date=on,
        reported_on=reported_on,
        reason=reason,
        by_user=user,
        at=clock.stamp(),
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    on: dt.date
    field_name: str
    old: str | None
    new: str | None
    reported_on: dt.date | None
    reason: str | None
    by_user: str

    def to_json(self) -> dict:
        return {
            "on": self.on.isoformat(),
            "field": self.field_name,
            "field_name": FIELDS.get(self.field_name),
            "old": self.old,
            "new": self.new,
            "reported_on": self.reported_on.isoformat() if self.reported_on else None,
            "reason": self.reason,
            "by": self.by_user,
        }


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    username: str
    phone: str | None
    active: bool
    created_on: dt.date | None
    disabled_on: dt.date | None
    last_login: dt.date | None
    logins: int
    status: Decision | None
    changes: list[ChangeView] = field(default_factory=list)

    def to_json(self) -> dict:
        d = self.status
        return {
            "id": self.id,
            "name": self.name,
            "username": self.username,
            "phone": self.phone,
            "active": self.active,
            "created_on": _iso(self.created_on),
            "disabled_on": _iso(self.disabled_on),
            "last_login": _iso(self.last_login),
            "logins": self.logins,
            "login_status": None
            if d is None
            else {"outcome": d.outcome, "code": d.code, "message": d.message, "citation": d.citation.short},
            "changes": [c.to_json() for c in self.changes],
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def list_accounts(today: dt.date, *, include_inactive: bool = True) -> list[StaffView]:
    """Every account (active first, by name) with its login status as of ``today`` (active
    accounts only) and its change history, oldest first."""
    query = StaffAccount.select().order_by(StaffAccount.active.desc(), StaffAccount.name, StaffAccount.id)
    if not include_inactive:
        query = query.where(StaffAccount.active)
    accounts = list(query)
    counts = dict(database.execute_sql("SELECT account_id, count(*) FROM staff_login GROUP BY account_id").fetchall())
    changes: dict[int, list[ChangeView]] = {}
    for c in StaffChange.select().order_by(StaffChange.on_date, StaffChange.id):
        changes.setdefault(c.account_id, []).append(
            ChangeView(c.on_date, c.field_name, c.old_value, c.new_value, c.reported_on, c.reason, c.by_user)
        )
    return [
        StaffView(
            a.id,
            a.name,
            a.username,
            a.phone,
            bool(a.active),
            a.created_on,
            a.disabled_on,
            a.last_login,
            counts.get(a.id, 0),
            login_status(a.last_login, today, created_on=a.created_on) if a.active else None,
            changes.get(a.id, []),
        )
        for a in accounts
    ]


# --- writing ---------------------------------------------------------------------------------


def add_account(
    name: str,
    username: str,
    *,
    phone: str | None = None,
    created_on: dt.date | None = None,
    today: dt.date | None = None,
) -> StaffView:
    """A new business-system account, filed with its 《业务系统用户名备案表》 record."""
    today = today or clock.today()
    name, username, phone = _name(name), _username(username), _phone(phone)
    created_on = _not_future(created_on or today, today, "账号建立日期", "creation date")
    with writing() as session:
        taken = StaffAccount.get_or_none(StaffAccount.username == username)
        if taken is not None:
            raise _fail(f"{username} 已属于 {taken.name}", f"username {username} is taken", "username")
        row = StaffAccount.create(name=name, username=username, phone=phone, active=True, created_on=created_on)
        AccountForm.create(
            account=row,
            kind="filing",
            on_date=created_on,
            old_username=None,
            new_username=username,
            note=f"新建账号：{name}",
        )
        _change(row, "account", None, username, created_on, None, "新建账号", session.user)
        audit.record(
            "staff.add",
            "staff_account",
            row.id,
            {"name": name, "username": username, "phone": phone, "created_on": created_on},
        )
    return next(a for a in list_accounts(today) if a.id == row.id)


def edit_account(
    who: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    username: str | None = None,
    created_on: dt.date | None = None,
    disable: bool = False,
    on: dt.date | None = None,
    reported_on: dt.date | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> list[ChangeView]:
    """Change an account: each changed field is a history line with its date (``on``,
    default today) and the date it was reported to the office; a new holder, a new username
    and a disabled account each get a 《业务系统用户名变更表》 record (R4.3)."""
    today = today or clock.today()
    on = _not_future(on or today, today, "变更日期", "change date")
    if reported_on is not None and not on <= reported_on <= today:
        raise ValidationFailed(
            f"上报日期 {reported_on} 应在变更日期 {on} 与今天之间",
            "the report date must lie between the change date and today",
        )
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed(f"变更原因不超过 {REASON_MAX} 字", f"the reason is longer than {REASON_MAX}")
    new_name = _name(name) if name is not None else None
    new_username = _username(username) if username is not None else None
    new_phone = _phone(phone) if phone is not None else None
    if created_on is not None:
        _not_future(created_on, today, "账号建立日期", "creation date")
    with writing() as session:
        row = find_account(who)
        if not row.active and not disable:
            raise ValidationFailed(
                f"账号 {row.username} 已于 {row.disabled_on or '此前'} 停用，不能再修改",
                f"account {row.username} is disabled",
            )
        if row.created_on is not None and on < row.created_on and created_on is None:
            raise ValidationFailed(
                f"变更日期 {on} 早于账号 {row.username} 的建立日期 {row.created_on}",
                "the change date is before the account was created",
            )
        made: list[StaffChange] = []
        user = session.user
        if new_name is not None and new_name != row.name:
            AccountForm.create(
                account=row,
                kind="change",
                on_date=on,
                old_username=row.username,
                new_username=row.username,
                note=f"持有人变更：{row.name} → {new_name}",
            )
            made.append(_change(row, "name", row.name, new_name, on, reported_on, reason, user))
            row.name = new_name
        if phone is not None and new_phone != row.phone:
            made.append(_change(row, "phone", row.phone, new_phone, on, reported_on, reason, user))
            row.phone = new_phone
        if new_username is not None and new_username != row.username:
            taken = StaffAccount.get_or_none(StaffAccount.username == new_username)
            if taken is not None:
                raise _fail(f"{new_username} 已属于 {taken.name}", f"username {new_username} is taken", "username")
            AccountForm.create(
                account=row,
                kind="change",
                on_date=on,
                old_username=row.username,
                new_username=new_username,
                note=f"用户名变更（{row.name}）",
            )
            made.append(_change(row, "username", row.username, new_username, on, reported_on, reason, user))
            row.username = new_username
        if created_on is not None and created_on != row.created_on:
            first = row.logins.select().order_by(StaffLogin.on_date).first()
            if first is not None and first.on_date < created_on:
                raise ValidationFailed(
                    f"建立日期 {created_on} 晚于已登记的登录日期 {first.on_date}",
                    "the creation date is after a recorded login",
                )
            made.append(_change(row, "created_on", row.created_on, created_on, on, reported_on, reason, user))
            row.created_on = created_on
        if disable and row.active:
            AccountForm.create(
                account=row,
                kind="change",
                on_date=on,
                old_username=row.username,
                new_username=None,
                note=f"账号停用（{row.name}）" + (f"：{reason}" if reason else ""),
            )
            made.append(_change(row, "active", "在用", "停用", on, reported_on, reason, user))
            row.active, row.disabled_on = False, on
        if not made:
            raise ValidationFailed("没有要修改的内容（与现有记录相同）", "nothing to change")
        row.save()
        audit.record(
            "staff.edit",
            "staff_account",
            row.id,
            {
                "changes": {c.field_name: [c.old_value, c.new_value] for c in made},
                "on": on,
                "reported_on": reported_on,
                "reason": reason,
            },
        )
    return [
        ChangeView(c.on_date, c.field_name, c.old_value, c.new_value, c.reported_on, c.reason, c.by_user) for c in made
    ]


def _login_problem(account: StaffAccount, on: dt.date, today: dt.date) -> str | None:
    if on > today:
        return f"登录日期 {on} 晚于今天 {today}"
    if account.created_on is not None and on < account.created_on:
        return (
            f"登录日期 {on} 早于账号 {account.username} 的建立日期 {account.created_on}"
            f"（建立日期有误可用 huzhu staff edit {account.username} --created-on DATE 更正）"
        )
    if account.disabled_on is not None and on > account.disabled_on:
        return f"账号 {account.username} 已于 {account.disabled_on} 停用"
    return None


def _insert_logins(
    pairs: list[tuple[StaffAccount, dt.date]], source: str, user: str, batch: ImportBatch | None = None
) -> None:
    now = clock.stamp()
    latest: dict[int, dt.date] = {}
    for account, on in pairs:
        StaffLogin.create(account=account, on_date=on, source=source, batch=batch, created_by=user, created_at=now)
        latest[account.id] = max(on, latest.get(account.id, on))
    for account_id, on in latest.items():
        database.execute_sql(
            "UPDATE staff_account SET last_login = ? WHERE id = ? AND (last_login IS NULL OR last_login < ?)",
            (on.isoformat(), account_id, on.isoformat()),
        )


def record_login(who: str, on: dt.date, *, today: dt.date | None = None) -> tuple[StaffView, bool]:
    """One login date of a clerk's account; False (nothing written) when it was already entered."""
    today = today or clock.today()
    with writing() as session:
        account = find_account(who)
        problem = _login_problem(account, on, today)
        if problem:
            raise ValidationFailed(problem, f"login date {on} refused for {account.username}")
        if StaffLogin.get_or_none((StaffLogin.account == account.id) & (StaffLogin.on_date == on)) is not None:
            new = False
        else:
            _insert_logins([(account, on)], "entered", session.user)
            audit.record("staff.login", "staff_account", account.id, {"username": account.username, "on": on})
            new = True
    view = next(a for a in list_accounts(today) if a.id == account.id)
    return view, new


# --- the login file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    reason: str


@dataclass
class LoginImport:
    file: str
    rows: int
    new: int = 0
    skipped: int = 0
    accounts: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "rows": self.rows,
            "ok": self.ok,
            "written": self.written,
            "dry_run": self.dry_run,
            "new": self.new,
            "skipped": self.skipped,
            "accounts": self.accounts,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }


def _column(headers: list[str], key: str) -> str | None:
    wanted = {h.lower() for h in LOGIN_HEADERS[key]}
    return next((h for h in headers if h.strip().lower() in wanted), None)


def import_logins(path: str | Path, *, dry_run: bool = False, today: dt.date | None = None) -> LoginImport:
    """Check every row of a CSV/XLSX of ``用户名,登录日期`` (or ``username,date``) and write
    them all in one transaction, or nothing when any row is bad. A login already entered is
    skipped, so the same list imported twice changes nothing."""
    today = today or clock.today()
    path = Path(path)
    sheet = read_table(path)
    result = LoginImport(file=path.name, rows=len(sheet.rows), dry_run=dry_run)
    columns = {key: _column(sheet.headers, key) for key in LOGIN_HEADERS}
    missing = [LOGIN_HEADERS[k][0] for k, c in columns.items() if c is None]
    if missing:
        result.errors.append(
            RowProblem(
                1, "、".join(missing), f"缺少列：{'、'.join(missing)}（表头应为 用户名,登录日期 或 username,date）"
            )
        )
        return result
    if not sheet.rows:
        result.errors.append(RowProblem(1, "", "文件中没有数据行"))
        return result
    accounts = {a.username: a for a in StaffAccount.select()}
    known = {
        (account_id, on)
        for account_id, on in (
            (r[0], dt.date.fromisoformat(str(r[1])[:10]))
            for r in database.execute_sql("SELECT account_id, on_date FROM staff_login").fetchall()
        )
    }
    seen: dict[tuple[int, dt.date], int] = {}
    planned: list[tuple[StaffAccount, dt.date]] = []
    ucol, dcol = columns["username"], columns["date"]
    for line, raw in sheet.rows:
        username = str(raw.get(ucol, "") or "").strip()
        text = raw.get(dcol, "")
        problems = []
        account = accounts.get(username)
        if not username:
            problems.append((ucol, "用户名不能为空"))
        elif account is None:
            problems.append((ucol, f"没有用户名为“{username}”的账号（先用 huzhu staff add 登记）"))
        try:
            on = parse_date(text)
        except ValueError:
            on = None
        if on is None:
            problems.append((dcol, f"日期无法识别：“{text}”（应为 2026-11-23 或 20261123）"))
        elif account is not None:
            problem = _login_problem(account, on, today)
            if problem:
                problems.append((dcol, problem))
        for column, reason in problems:
            result.errors.append(RowProblem(line, column, reason))
        if problems:
            continue
        key = (account.id, on)
        if key in seen:
            result.warnings.append(RowProblem(line, "", f"与第 {seen[key]} 行重复，跳过"))
            result.skipped += 1
            continue
        seen[key] = line
        if key in known:
            result.skipped += 1
            continue
        planned.append((account, on))
    result.accounts = len({a.id for a, _ in planned})
    if result.errors:
        return result
    result.new = len(planned)
    if dry_run or not planned:
        return result
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with writing() as session:
        batch = ImportBatch.create(
            kind="logins",
            file_name=path.name,
            file_sha256=digest,
            rows=result.rows,
            summary=json.dumps({"new": result.new, "skipped": result.skipped}),
            imported_at=clock.stamp(),
            imported_by=session.user,
        )
        _insert_logins(planned, "import", session.user, batch)
        audit.record(
            "import.logins",
            "import_batch",
            batch.id,
            {
                "file": result.file,
                "rows": result.rows,
                "new": result.new,
                "skipped": result.skipped,
                "accounts": result.accounts,
            },
        )
    result.written = True
    return result
