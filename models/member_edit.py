"""Changing a member's own record, with its history (docs/rules.md R1.9, R2.4, R3.7, R9.3).

Phone, bank name, bank account and retirement date change only through here: a form or
``huzhu member edit``, the enrolment import's optional account columns, ``huzhu import
accounts`` and a failed direct payment's corrected account. Each change is a
``member_change`` row (old value, new value, source, reason, date, clerk) written in the
transaction that changes the member, with one audit event. A move to another unit is a
``member_transfer`` row (from-unit, to-unit, date, reason, clerk), never a silent update.

Whether a value is acceptable (account format, the holder being the member, the transfer's
date and reason) is decided by ``rules.members``. Audit details hold masked ID numbers,
masked accounts (last 4 digits) and masked phones only (R9.2); the history table keeps the
whole values, inside the encryption like the member row itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from models import audit, clock
from models.db import current, database, writing
from models.errors import RuleRefused, ValidationFailed
from models.members import check_id
from models.safeout import save_csv, save_workbook
from models.tabular import read_table
from rules.idcard import check_id_number, mask_account, mask_id
from rules.members import (
    FIELDS,
    SOURCES,
    Transfer,
    check_account_holder,
    check_account_number,
    check_bank_name,
    check_phone,
    check_reason,
    check_retirement_date,
    check_transfer,
)

#: A field given as CLEAR is emptied (phone, retirement date); None leaves it as it is.
CLEAR = ""
ACCOUNT_COLUMNS = ["身份证号", "姓名", "开户行", "银行账号"]
FIRST_ENTRY_REASON = "首次登记"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def shown(field_name: str, value: str | None) -> str | None:
    """A history value as screens and the audit log may show it: accounts by their last 4 digits."""
    if value and field_name == "bank_account":
        return mask_account(value)
    return value


def audited(field_name: str, value: str | None) -> str | None:
    """A value as the audit log keeps it: accounts and phones masked (R9.2)."""
    if value and field_name == "phone":
        return mask_phone(value)
    return shown(field_name, value)


def _refuse(decisions) -> None:
    errors = [d for d in decisions if not d.ok]
    if errors:
        refused = RuleRefused(errors)
        refused.message_en = "; ".join(f"{d.data.get('en') or 'refused'} ({d.code})" for d in errors)
        raise refused


# --- writing changes (inside the caller's transaction) -------------------------------------------


def _member_row(member_id: int) -> dict:
    row = database.execute_sql(
        "SELECT m.id, m.name, m.id_number, m.birth_date, m.phone, m.bank_name, m.bank_account, m.retirement_date, "
        "m.unit_id, u.code FROM member m JOIN unit u ON u.id = m.unit_id WHERE m.id = ?",
        (member_id,),
    ).fetchone()
    if row is None:
        raise ValidationFailed(f"没有编号为 {member_id} 的会员", f"no member {member_id}")
    keys = (
        "id",
        "name",
        "id_number",
        "birth_date",
        "phone",
        "bank_name",
        "bank_account",
        "retirement_date",
        "unit_id",
        "unit_code",
    )
    return dict(zip(keys, row, strict=True))


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


HISTORY_FIELDS = ("phone", "bank_name", "bank_account", "retirement_date")


def held_values(member_ids) -> dict[int, dict[str, str | None]]:
    """The members' phone, bank name, account and retirement date as stored (text)."""
    held: dict[int, dict[str, str | None]] = {}
    ids = sorted(set(member_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for row in database.execute_sql(
            f"SELECT id, {', '.join(HISTORY_FIELDS)} FROM member WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ):
            held[row[0]] = {name: _as_text(value) for name, value in zip(HISTORY_FIELDS, row[1:], strict=True)}
    return held


def apply_changes_bulk(
    new_values: dict[int, dict[str, object]], *, source: str, reason: str, on: dt.date, batch_id: int | None = None
) -> dict[int, list[dict]]:
    """For each member, write the fields of their ``new_values`` that differ from what is
    stored, each with a history row; inside the caller's transaction, no audit event (the
    caller records one). Returns the changes [{field, old, new}] (whole values) per member
    that changed. One statement per field and one for the history, whatever the count, so an
    import of many members costs a few statements, not a few per member."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    held = held_values(new_values)
    out: dict[int, list[dict]] = {}
    updates: dict[str, list[tuple]] = {}
    session = current()
    now = clock.stamp()
    history = []
    for member_id, values in new_values.items():
        if member_id not in held:
            raise ValidationFailed(f"没有编号为 {member_id} 的会员", f"no member {member_id}")
        changes = []
        for name, value in values.items():
            if name not in HISTORY_FIELDS:
                raise ValueError(f"unknown member field {name!r}")
            old, new = held[member_id][name], _as_text(value)
            if old != new:
                changes.append({"field": name, "old": old, "new": new})
                updates.setdefault(name, []).append((new, member_id))
                history.append((member_id, name, old, new, source, reason, on.isoformat(), batch_id, session.user, now))
        if changes:
            out[member_id] = changes
    conn = database.connection()
    for name, rows in updates.items():  # names come from HISTORY_FIELDS only
        conn.executemany(f"UPDATE member SET {name} = ? WHERE id = ?", rows)
    conn.executemany(
        "INSERT INTO member_change (member_id, field, old_value, new_value, source, reason, on_date, batch_id, "
        "by_user, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        history,
    )
    return out


def apply_changes(
    member_id: int,
    new_values: dict[str, object],
    *,
    source: str,
    reason: str,
    on: dt.date,
    audit_action: str | None = "member.edit",
) -> list[dict]:
    """``apply_changes_bulk`` for one member, with its audit event (``audit_action``; None:
    the caller records the event). Returns the changes [{field, old, new}] (whole values)."""
    changes = apply_changes_bulk({member_id: new_values}, source=source, reason=reason, on=on).get(member_id, [])
    if changes and audit_action:
        audit.record(
            audit_action,
            "member",
            member_id,
            {
                "id": mask_id(_member_row(member_id)["id_number"]),
                "source": source,
                "reason": reason,
                "on": on,
                "changes": [_audit_change(c) for c in changes],
            },
        )
    return changes


def _audit_change(change: dict) -> dict:
    return {
        "field": change["field"],
        "old": audited(change["field"], change["old"]),
        "new": audited(change["field"], change["new"]),
    }


def correct_account(
    member_id: int, account: str, *, bank_name: str | None, source: str, reason: str, on: dt.date
) -> list[dict]:
    """Set the member's own account from a correction (a failed direct pay, R2.4), inside the
    caller's transaction: the account is checked like any other (R3.7); the holder is the
    member (the correction is for the member's own payment). The caller's audit event
    records the returned changes, which are masked (``[{field, old, new}]``)."""
    decision = check_account_number(account)
    values: dict[str, object] = {"bank_account": decision.data.get("account")}
    checks = [decision]
    if bank_name is not None:
        bank = check_bank_name(bank_name)
        checks.append(bank)
        values["bank_name"] = bank.data.get("bank_name")
    _refuse(checks)
    changes = apply_changes(member_id, values, source=source, reason=reason, on=on, audit_action=None)
    return [_audit_change(c) for c in changes]


# --- member edit ------------------------------------------------------------------------------


@dataclass
class EditResult:
    member_id: int
    id_masked: str
    name: str
    changes: list[dict] = field(default_factory=list)
    reason: str = ""

    def to_json(self) -> dict:
        return {
            "member_id": self.member_id,
            "id": self.id_masked,
            "name": self.name,
            "written": bool(self.changes),
            "reason": self.reason,
            "changes": [
                {
                    "field": c["field"],
                    "field_name": FIELDS[c["field"]],
                    "old": shown(c["field"], c["old"]),
                    "new": shown(c["field"], c["new"]),
                }
                for c in self.changes
            ],
        }


def member_by_id_number(id_number: str, today: dt.date | None = None) -> int:
    parsed = check_id(id_number, today)
    row = database.execute_sql("SELECT id FROM member WHERE id_number = ?", (parsed.number,)).fetchone()
    if row is None:
        raise ValidationFailed(
            f"没有身份证号为 {parsed.masked} 的会员（会员由参保名单导入）", f"no member with ID {parsed.masked}"
        )
    return row[0]


def edit_member(
    member_id: int,
    *,
    phone: str | None = None,
    bank_name: str | None = None,
    bank_account: str | None = None,
    holder: str | None = None,
    retirement_date: dt.date | str | None = None,
    reason: str | None = None,
    source: str = "member_edit",
    today: dt.date | None = None,
) -> EditResult:
    """Change the given fields (None: leave as is; ``CLEAR`` empties a phone or retirement
    date). Every value is checked first; one refusal writes nothing. A value that replaces
    another needs a reason (R9.3); a first entry is recorded as 首次登记 when none is given.
    The holder is the member unless another name is given, which is refused (R3.7)."""
    today = today or clock.today()
    with writing():
        member = _member_row(member_id)
        values: dict[str, object] = {}
        checks = []
        if phone is not None:
            if phone.strip() == CLEAR:
                values["phone"] = None
            else:
                d = check_phone(phone)
                checks.append(d)
                values["phone"] = d.data.get("phone")
        if bank_account is not None:
            d = check_account_number(bank_account)
            checks.append(d)
            values["bank_account"] = d.data.get("account")
            checks.append(check_account_holder(member["name"] if holder is None else holder, member["name"]))
            if bank_name is None and not member["bank_name"]:
                checks.append(check_bank_name(None))
        elif holder is not None:
            checks.append(check_account_holder(holder, member["name"]))
        if bank_name is not None:
            d = check_bank_name(bank_name)
            checks.append(d)
            values["bank_name"] = d.data.get("bank_name")
            if bank_account is None and not member["bank_account"]:
                checks.append(check_account_number(None))
        if retirement_date is not None:
            if retirement_date == CLEAR:
                values["retirement_date"] = None
            else:
                birth = dt.date.fromisoformat(str(member["birth_date"]))
                checks.append(check_retirement_date(retirement_date, birth, today))
                values["retirement_date"] = retirement_date
        if not values:
            raise ValidationFailed(
                "没有要修改的内容：请给出 --phone、--bank-name/--bank-account 或 --retirement-date",
                "nothing to change: give --phone, --bank-name/--bank-account or --retirement-date",
                exit_code=2,
            )
        _refuse(checks)
        replaces = [n for n, v in values.items() if _as_text(member[n]) not in (None, _as_text(v))]
        if reason is None or not reason.strip():
            if replaces:
                names = "、".join(FIELDS[n] for n in replaces)
                _refuse([check_reason(None, f"修改{names}的")])
            reason = FIRST_ENTRY_REASON
        decision = check_reason(reason)
        _refuse([decision])
        changes = apply_changes(member_id, values, source=source, reason=decision.data["reason"], on=today)
    return EditResult(member_id, mask_id(member["id_number"]), member["name"], changes, decision.data["reason"])


# --- unit transfer (R1.9) -----------------------------------------------------------------------


@dataclass
class TransferResult:
    member_id: int
    id_masked: str
    name: str
    from_unit: str
    to_unit: str
    on: dt.date
    reason: str
    transfer_id: int

    def to_json(self) -> dict:
        return {
            "transfer_id": self.transfer_id,
            "member_id": self.member_id,
            "id": self.id_masked,
            "name": self.name,
            "from_unit": self.from_unit,
            "to_unit": self.to_unit,
            "on": self.on.isoformat(),
            "reason": self.reason,
        }


def _unit_id(code: str) -> int:
    row = database.execute_sql("SELECT id FROM unit WHERE code = ?", ((code or "").strip(),)).fetchone()
    if row is None:
        raise ValidationFailed(
            f"单位编码 {code} 不存在：调入单位须先登记（参保名单导入时建立）", f"unknown unit code {code}"
        )
    return row[0]


def _last_transfer_on(member_id: int) -> dt.date | None:
    row = database.execute_sql("SELECT max(on_date) FROM member_transfer WHERE member_id = ?", (member_id,)).fetchone()
    return dt.date.fromisoformat(row[0]) if row and row[0] else None


def record_transfer(
    member_id: int,
    from_unit_id: int,
    to_unit_id: int,
    on: dt.date,
    reason: str,
    *,
    source: str,
    batch_id: int | None = None,
) -> int:
    """Move the member and write the transfer row, inside the caller's transaction (no audit)."""
    session = current()
    database.execute_sql("UPDATE member SET unit_id = ? WHERE id = ?", (to_unit_id, member_id))
    return database.execute_sql(
        "INSERT INTO member_transfer (member_id, from_unit_id, to_unit_id, on_date, reason, source, batch_id, by_user, at) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (member_id, from_unit_id, to_unit_id, on.isoformat(), reason, source, batch_id, session.user, clock.stamp()),
    ).lastrowid


def transfer_member(
    member_id: int, to_unit: str, on: dt.date, reason: str, *, today: dt.date | None = None
) -> TransferResult:
    """Record a member's move to another unit (R1.9), dated, with reason and clerk."""
    today = today or clock.today()
    with writing():
        member = _member_row(member_id)
        to_unit = (to_unit or "").strip()
        report = check_transfer(
            Transfer(member["unit_code"], to_unit, on, reason or "", _last_transfer_on(member_id)), today
        )
        _refuse(report.decisions)
        to_id = _unit_id(to_unit)
        text = " ".join(reason.split())
        tid = record_transfer(member_id, member["unit_id"], to_id, on, text, source="transfer")
        audit.record(
            "member.transfer",
            "member",
            member_id,
            {
                "id": mask_id(member["id_number"]),
                "from_unit": member["unit_code"],
                "to_unit": to_unit,
                "on": on,
                "reason": text,
                "transfer_id": tid,
            },
        )
    return TransferResult(
        member_id, mask_id(member["id_number"]), member["name"], member["unit_code"], to_unit, on, text, tid
    )


# --- reading: the record with its history -------------------------------------------------------


@dataclass
class MemberRecord:
    member_id: int
    name: str
    id_masked: str
    sex: str
    unit_code: str
    unit_name: str
    phone: str | None
    bank_name: str | None
    bank_account_masked: str | None
    retirement_date: str | None
    history: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)

    @property
    def has_account(self) -> bool:
        return bool(self.bank_account_masked)

    def to_json(self) -> dict:
        return {
            "member_id": self.member_id,
            "name": self.name,
            "id": self.id_masked,
            "sex": self.sex,
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "phone": self.phone,
            "bank_name": self.bank_name,
            "bank_account": self.bank_account_masked,
            "retirement_date": self.retirement_date,
            "history": self.history,
            "transfers": self.transfers,
        }


def member_record(member_id: int) -> MemberRecord | None:
    """The member's record (account masked) with every change and transfer, newest first."""
    row = database.execute_sql(
        "SELECT m.id, m.name, m.id_number, m.sex, u.code, u.name, m.phone, m.bank_name, m.bank_account, "
        "m.retirement_date FROM member m JOIN unit u ON u.id = m.unit_id WHERE m.id = ?",
        (member_id,),
    ).fetchone()
    if row is None:
        return None
    mid, name, idn, sex, ucode, uname, phone, bank, account, retired = row
    record = MemberRecord(
        mid,
        name,
        mask_id(idn),
        sex,
        ucode,
        uname,
        phone,
        bank,
        mask_account(account) if account else None,
        _as_text(retired),
    )
    for fname, old, new, source, reason, on, by, at in database.execute_sql(
        "SELECT field, old_value, new_value, source, reason, on_date, by_user, at FROM member_change "
        "WHERE member_id = ? ORDER BY at DESC, id DESC",
        (mid,),
    ):
        record.history.append(
            {
                "field": fname,
                "field_name": FIELDS.get(fname, fname),
                "old": shown(fname, old),
                "new": shown(fname, new),
                "source": source,
                "source_name": SOURCES.get(source, source),
                "reason": reason,
                "on": _as_text(on),
                "by": by,
                "at": at,
            }
        )
    for fcode, tcode, on, reason, source, by, at in database.execute_sql(
        "SELECT f.code, t.code, x.on_date, x.reason, x.source, x.by_user, x.at FROM member_transfer x "
        "JOIN unit f ON f.id = x.from_unit_id JOIN unit t ON t.id = x.to_unit_id "
        "WHERE x.member_id = ? ORDER BY x.on_date DESC, x.id DESC",
        (mid,),
    ):
        record.transfers.append(
            {
                "from_unit": fcode,
                "to_unit": tcode,
                "on": _as_text(on),
                "reason": reason,
                "source": source,
                "source_name": SOURCES.get(source, source),
                "by": by,
                "at": at,
            }
        )
    return record


def edit_values(member_id: int) -> dict | None:
    """What the edit form starts from: the whole account (the one place it is shown whole)."""
    row = database.execute_sql(
        "SELECT name, phone, bank_name, bank_account, retirement_date FROM member WHERE id = ?", (member_id,)
    ).fetchone()
    if row is None:
        return None
    name, phone, bank, account, retired = row
    return {
        "name": name,
        "phone": phone or "",
        "bank_name": bank or "",
        "bank_account": account or "",
        "retirement_date": _as_text(retired) or "",
    }


# --- import accounts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountProblem:
    line: int
    column: str
    reason: str
    code: str = ""


@dataclass
class AccountsImportResult:
    file: str
    rows: int
    errors: list[AccountProblem] = field(default_factory=list)
    warnings: list[AccountProblem] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0
    written: bool = False
    dry_run: bool = False
    batch_id: int | None = None

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
            "changed": self.changed,
            "unchanged": self.unchanged,
            "batch_id": self.batch_id,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }


def _cell_text(raw: dict, column: str) -> str:
    value = raw.get(column, "")
    return (value.isoformat() if isinstance(value, dt.date) else str(value or "")).strip()


def import_accounts(path: str | Path, *, dry_run: bool = False, today: dt.date | None = None) -> AccountsImportResult:
    """Set members' own accounts from a file (``ACCOUNT_COLUMNS``), all or nothing: every row
    is checked (ID, the member exists, 姓名 is that member's name — the holder —, bank name,
    account format) and a file with any bad row writes nothing."""
    today = today or clock.today()
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationFailed(f"文件不存在：{path}", f"file not found: {path}") from None
    sheet = read_table(path)
    result = AccountsImportResult(file=path.name, rows=len(sheet.rows), dry_run=dry_run)
    missing = [c for c in ACCOUNT_COLUMNS if c not in sheet.headers]
    if missing:
        result.errors.append(
            AccountProblem(1, "、".join(missing), f"缺少列：{'、'.join(missing)}（应有 {'、'.join(ACCOUNT_COLUMNS)}）")
        )
        return result
    unknown = [h for h in sheet.headers if h and h not in ACCOUNT_COLUMNS]
    if unknown:
        result.warnings.append(AccountProblem(1, "、".join(unknown), "未知的列，已忽略"))
    if not sheet.rows:
        result.errors.append(AccountProblem(1, "", "文件中没有数据行"))
        return result
    planned: dict[int, tuple[int, str, str]] = {}  # member id -> (line, bank name, account)
    seen: dict[str, int] = {}
    for line, raw in sheet.rows:

        def err(column: str, reason: str, code: str = "", *, line: int = line) -> None:  # bound per row
            result.errors.append(AccountProblem(line, column, reason, code))

        text = {c: _cell_text(raw, c) for c in ACCOUNT_COLUMNS}
        bad = len(result.errors)
        for column in ACCOUNT_COLUMNS:
            if not text[column]:
                err(column, f"“{column}”不能为空")
            elif any(ord(ch) < 32 or ord(ch) == 127 for ch in text[column]):
                err(column, f"“{column}”含有换行、制表符等不可见字符")
        if len(result.errors) > bad:
            continue
        decision = check_id_number(text["身份证号"], today)
        if not decision.ok:
            err("身份证号", decision.message, decision.code)
            continue
        number = text["身份证号"].upper()
        if number in seen:
            err("身份证号", f"与第 {seen[number]} 行是同一会员：每人只能有一行")
            continue
        seen[number] = line
        row = database.execute_sql(
            "SELECT id, name, bank_name, bank_account FROM member WHERE id_number = ?", (number,)
        ).fetchone()
        if row is None:
            err("身份证号", f"没有身份证号为 {mask_id(number)} 的会员：请先导入参保名单", "member.unknown")
            continue
        mid, name, old_bank, old_account = row
        for column, d in (
            ("姓名", check_account_holder(text["姓名"], name)),
            ("开户行", check_bank_name(text["开户行"])),
            ("银行账号", check_account_number(text["银行账号"])),
        ):
            if not d.ok:
                err(column, f"{d.message}（{d.citation}）", d.code)
        if len(result.errors) > bad:
            continue
        bank = " ".join(text["开户行"].split())
        account = check_account_number(text["银行账号"]).data["account"]
        if (old_bank, old_account) == (bank, account):
            result.unchanged += 1
        else:
            planned[mid] = (line, bank, account)
    result.changed = len(planned)
    if result.errors or dry_run or not planned:
        return result
    sha = hashlib.sha256(data).hexdigest()
    with writing() as session:
        batch_id = database.execute_sql(
            "INSERT INTO import_batch (kind, file_name, file_sha256, rows, summary, imported_at, imported_by) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                "accounts",
                result.file,
                sha,
                result.rows,
                f"账户变更 {result.changed}；无变化 {result.unchanged}",
                clock.stamp(),
                session.user,
            ),
        ).lastrowid
        changed = apply_changes_bulk(
            {mid: {"bank_name": bank, "bank_account": account} for mid, (_line, bank, account) in planned.items()},
            source="accounts_import",
            reason=f"账户名单 {result.file}",
            on=today,
            batch_id=batch_id,
        )
        audited_changes = [
            {"member_id": mid, "line": planned[mid][0], "changes": [_audit_change(c) for c in changes]}
            for mid, changes in changed.items()
        ]
        audit.record(
            "import.accounts",
            "import_batch",
            batch_id,
            {
                "file": result.file,
                "sha256": sha,
                "rows": result.rows,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "members": audited_changes,
            },
        )
    result.batch_id = batch_id
    result.written = True
    return result


def write_accounts_template(path: str | Path) -> None:
    """The accounts template: header and one example row (.xlsx with text cells, or UTF-8 CSV)."""
    from models.enrolments import _EXAMPLE_ID

    path = Path(path)
    example = [_EXAMPLE_ID, "张三", "中国工商银行北京朝阳支行", "6222020200112233445"]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.worksheets[0]  # a new workbook's one sheet (wb.active is typed as possibly none)
        ws.title = "会员账户"
        ws.append(ACCOUNT_COLUMNS)
        ws.append(example)
        for i, value in enumerate(example):
            ws.column_dimensions[chr(ord("A") + i)].width = max(14, len(value) * 2)
            ws.cell(row=2, column=i + 1).number_format = "@"  # long numbers stay text in Excel
        save_workbook(wb, path)
    else:
        save_csv(path, ACCOUNT_COLUMNS, [example])
