"""The one service that creates and updates units and members.

Every way a member enters the database (a form, an enrolment import, the demo) goes through
here, so sex, birth date, the reversed ID and the pinyin initials are always derived the
same way (``member_record``), and every ID number typed or imported has passed the full
GB 11643 check of ``rules.idcard`` before anything is written.

Single upserts run in ``models.db.writing()`` (a savepoint when the caller already holds a
transaction) and record one audit event. The bulk variants take plain tuples and use
``executemany``: ``write_units`` / ``write_members`` validate and write on any DB-API
connection inside the caller's transaction (the caller records one audit event for the
batch); ``bulk_upsert_units`` / ``bulk_upsert_members`` wrap them in a transaction and an
audit event of their own. A generator that builds valid ID numbers itself (the demo, a
million rows) passes ``member_record`` rows to ``write_member_records`` and skips re-parsing.
Audit details hold masked ID numbers and counts only, never a full ID, phone or account.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from models import audit, clock
from models.db import database, writing
from models.errors import ValidationFailed
from models.names import id_reversed, initials
from rules.idcard import IdNumber, mask_id, parse_id_number
from rules.result import RuleViolation

#: How ``member.sex`` stores the sex encoded in the ID number (a one-character column).
SEX_CODES = {"male": "M", "female": "F"}
NAME_MAX = 50
#: Rows per ``executemany`` call: large enough to amortise the call, small enough to keep memory flat.
CHUNK = 20_000
#: Problems listed in a refused bulk batch's message; the rest are counted.
MAX_LISTED_PROBLEMS = 20

#: Input of ``write_members`` / ``bulk_upsert_members``: one tuple per member.
#: (id_number, name, unit_code, phone, bank_name, bank_account, retirement_date)
MemberInput = tuple[str, str, str, str | None, str | None, str | None, date | None]
#: Input of ``write_units`` / ``bulk_upsert_units``: (code, name, contact, phone).
UnitInput = tuple[str, str, str | None, str | None]

_UNIT_SQL = (
    "INSERT INTO unit (code, name, contact, phone) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
    "contact = COALESCE(excluded.contact, unit.contact), phone = COALESCE(excluded.phone, unit.phone)"
)
MEMBER_COLUMNS = (
    "name",
    "initials",
    "id_number",
    "id_rev",
    "sex",
    "birth_date",
    "unit_id",
    "phone",
    "bank_name",
    "bank_account",
    "retirement_date",
)
_MEMBER_INSERT_SQL = f"INSERT INTO member ({', '.join(MEMBER_COLUMNS)}) VALUES ({', '.join('?' * len(MEMBER_COLUMNS))})"
_MEMBER_SQL = (
    f"{_MEMBER_INSERT_SQL} ON CONFLICT(id_number) DO UPDATE SET name = excluded.name, initials = excluded.initials, "
    "unit_id = excluded.unit_id, phone = COALESCE(excluded.phone, member.phone), "
    "bank_name = COALESCE(excluded.bank_name, member.bank_name), "
    "bank_account = COALESCE(excluded.bank_account, member.bank_account), "
    "retirement_date = COALESCE(excluded.retirement_date, member.retirement_date)"
)


@dataclass(frozen=True)
class BulkResult:
    """What a bulk upsert did: rows given, rows that created a record, rows that updated one."""

    rows: int
    inserted: int
    updated: int


# --- validation ---------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    """Blank optional fields are stored as NULL (so an upsert never blanks a stored value)."""
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def _check_name(name: str | None, what: str, where: str = "") -> str:
    text = _text(name)
    if text is None:
        raise ValidationFailed(f"{where}{what}不能为空", f"{where}{what}: must not be empty")
    if len(text) > NAME_MAX:
        raise ValidationFailed(
            f"{where}{what}过长（{len(text)} 个字，最多 {NAME_MAX}）",
            f"{where}{what}: too long ({len(text)} > {NAME_MAX})",
        )
    return text


def check_id(id_number: str, today: date | None = None, where: str = "") -> IdNumber:
    """The parsed ID number, or ``ValidationFailed`` with the rule's Chinese message (the
    number masked). ``where`` prefixes the message, e.g. "第 12 行：" in a batch."""
    try:
        return parse_id_number(id_number or "", today or clock.today())
    except RuleViolation as exc:
        decision = exc.decision
        raise ValidationFailed(
            f"{where}{decision.message}",
            f"{where}invalid ID number {mask_id(id_number or '')} ({decision.code})",
            code=decision.code,
        ) from None


def member_record(
    id_number: IdNumber,
    name: str,
    unit_id: int,
    phone: str | None,
    bank_name: str | None,
    bank_account: str | None,
    retirement_date: date | None,
) -> tuple:
    """The ``member`` row (``MEMBER_COLUMNS``) for a checked ID number and name: the one place
    where sex, birth date, reversed ID and initials are derived. Bulk generators that build
    valid numbers themselves (the demo) call it directly; everything else goes through the
    validating functions below."""
    number = id_number.number
    return (
        name,
        initials(name),
        number,
        id_reversed(number),
        SEX_CODES[id_number.sex],
        id_number.birth_date.isoformat(),
        unit_id,
        phone,
        bank_name,
        bank_account,
        retirement_date.isoformat() if retirement_date else None,
    )


def _member_row(row: Sequence, unit_ids: dict[str, int], today: date, where: str) -> tuple:
    """An input tuple turned into a ``member`` row: validated, with the derived columns."""
    id_number, name, unit_code, phone, bank_name, bank_account, retirement_date = row
    parsed = check_id(id_number, today, where)
    name = _check_name(name, "姓名", where)
    unit_id = unit_ids.get(_text(unit_code) or "")
    if unit_id is None:
        raise ValidationFailed(
            f"{where}单位编码 {unit_code} 不存在，请先登记该单位", f"{where}unknown unit code {unit_code}"
        )
    if retirement_date is not None and retirement_date < parsed.birth_date:
        raise ValidationFailed(
            f"{where}退休日期 {retirement_date.isoformat()} 早于出生日期", f"{where}retirement date before birth date"
        )
    account = "".join(bank_account.split()) if bank_account else None
    return member_record(parsed, name, unit_id, _text(phone), _text(bank_name), account or None, retirement_date)


def _unit_row(row: Sequence, where: str) -> tuple:
    code, name, contact, phone = row
    return (_check_name(code, "单位编码", where), _check_name(name, "单位名称", where), _text(contact), _text(phone))


def _prepare(rows: Iterable[Sequence], make) -> list[tuple]:
    """Validate every row before anything is written; refuse the whole batch on any problem,
    listing the first problems by row number (1-based), so a file is fixed and re-imported."""
    prepared: list[tuple] = []
    problems: list[ValidationFailed] = []
    for number, row in enumerate(rows, start=1):
        try:
            prepared.append(make(row, f"第 {number} 行："))
        except ValidationFailed as exc:
            problems.append(exc)
    if problems:
        listed = problems[:MAX_LISTED_PROBLEMS]
        more_zh = f"\n……另有 {len(problems) - len(listed)} 行有误" if len(problems) > len(listed) else ""
        more_en = f"; and {len(problems) - len(listed)} more" if len(problems) > len(listed) else ""
        raise ValidationFailed(
            f"共 {len(problems)} 行有误，未写入任何数据：\n" + "\n".join(p.message_zh for p in listed) + more_zh,
            f"{len(problems)} invalid rows, nothing written: " + "; ".join(p.message_en for p in listed) + more_en,
        )
    return prepared


# --- connection-level bulk writes (inside the caller's transaction) -----------------------------------


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _execute_chunks(conn, sql: str, rows: list[tuple]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.executemany(sql, rows[i : i + CHUNK])


def write_units(conn, rows: Iterable[UnitInput]) -> BulkResult:
    """Insert or update units by code on an open DB-API connection, inside the caller's transaction."""
    prepared = _prepare(rows, _unit_row)
    before = _count(conn, "unit")
    _execute_chunks(conn, _UNIT_SQL, prepared)
    inserted = _count(conn, "unit") - before
    return BulkResult(len(prepared), inserted, len(prepared) - inserted)


def write_members(conn, rows: Iterable[MemberInput], *, today: date | None = None) -> BulkResult:
    """Insert or update members by ID number on an open DB-API connection, inside the caller's
    transaction. All rows are validated first; one bad row refuses the batch (nothing written).
    ``None`` in an optional field leaves a stored value unchanged.
    """
    today = today or clock.today()
    unit_ids = dict(conn.execute("SELECT code, id FROM unit").fetchall())
    return write_member_records(conn, _prepare(rows, lambda row, where: _member_row(row, unit_ids, today, where)))


def write_member_records(conn, records: list[tuple], *, all_new: bool = False) -> BulkResult:
    """Upsert rows made by ``member_record`` (already checked). New members get consecutive
    ids in input order (SQLite assigns max(id) + 1), which bulk generators rely on to
    reference them without reading them back.

    ``all_new`` is for a generator that knows its ID numbers are new: a plain insert, which
    needs no unique index during a bulk load (building it afterwards still refuses duplicates)."""
    if all_new:
        _execute_chunks(conn, _MEMBER_INSERT_SQL, records)
        return BulkResult(len(records), len(records), 0)
    before = _count(conn, "member")
    _execute_chunks(conn, _MEMBER_SQL, records)
    inserted = _count(conn, "member") - before
    return BulkResult(len(records), inserted, len(records) - inserted)


# --- service API (the current session's database) --------------------------------------------------


def bulk_upsert_units(rows: Iterable[UnitInput]) -> BulkResult:
    """Insert or update many units in one transaction, with one audit event for the batch."""
    with writing():
        result = write_units(database.connection(), rows)
        audit.record("unit.bulk_upsert", "unit", None, vars(result))
    return result


def bulk_upsert_members(rows: Iterable[MemberInput], *, today: date | None = None) -> BulkResult:
    """Insert or update many members in one transaction, with one audit event for the batch."""
    with writing():
        result = write_members(database.connection(), rows, today=today)
        audit.record("member.bulk_upsert", "member", None, vars(result))
    return result


def upsert_unit(code: str, name: str, *, contact: str | None = None, phone: str | None = None):
    """Create the unit with this code, or update its name (and contact details when given)."""
    from models.schema import Unit

    code, name, contact, phone = _unit_row((code, name, contact, phone), "")
    with writing():
        existing = Unit.get_or_none(Unit.code == code)
        database.execute_sql(_UNIT_SQL, (code, name, contact, phone))
        unit = Unit.get(Unit.code == code)
        audit.record("unit.update" if existing else "unit.create", "unit", unit.id, {"code": code, "name": name})
    return unit


def upsert_member(
    id_number: str,
    name: str,
    unit_code: str,
    *,
    phone: str | None = None,
    bank_name: str | None = None,
    bank_account: str | None = None,
    retirement_date: date | None = None,
    today: date | None = None,
):
    """Create the member with this ID number, or update the stored one.

    Refuses an invalid ID number (format, region, birth date, check digit) with the rule's
    Chinese message in ``ValidationFailed`` before anything is written. Sex and birth date
    always come from the ID number. ``None`` leaves a stored optional value unchanged.
    """
    from models.schema import Member, Unit

    today = today or clock.today()
    unit = Unit.get_or_none(Unit.code == (_text(unit_code) or ""))
    row = _member_row(
        (id_number, name, unit_code, phone, bank_name, bank_account, retirement_date),
        {unit.code: unit.id} if unit else {},
        today,
        "",
    )
    number = row[2]
    with writing():
        existing = Member.get_or_none(Member.id_number == number)
        database.execute_sql(_MEMBER_SQL, row)
        member = Member.get(Member.id_number == number)
        assert unit is not None  # _member_row refuses a unit that is not registered
        detail: dict[str, object] = {"id": mask_id(number), "unit": unit.code}
        if existing:
            detail["changed"] = sorted(
                field
                for field in ("name", "unit_id", "phone", "bank_name", "bank_account", "retirement_date")
                if getattr(existing, field) != getattr(member, field)
            )
        audit.record("member.update" if existing else "member.create", "member", member.id, detail)
    return member
