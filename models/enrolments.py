"""Enrolment and renewal import: staff lists from units and exports from the office's system.

The file says who is in which unit's policy for which plan and period; what each row *means*
(first enrolment, on-time renewal, late renewal treated as first enrolment, added shares, no
change) is decided by ``rules.classify_enrolment`` from what the database already holds and
the row's 办理日期. The import is all-or-nothing: every row is checked first, and only a file
without a single bad row is written, in one transaction with one audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from models import audit, clock
from models.backdating import audit_detail, check_typed_date, record_backdated
from models.db import current, database, writing
from models.errors import ValidationFailed
from models.member_edit import apply_changes_bulk, held_values, record_transfer
from models.members import write_members, write_units
from models.safeout import save_csv, save_workbook
from models.tabular import parse_date, read_table
from rules import (
    ENROLMENT_KINDS,
    CoverageLine,
    EnrolmentRow,
    MemberPolicy,
    SupervisorOverride,
    check_id_number,
    check_term,
    classify_enrolment,
    classify_renewal,
)
from rules.dates import expiry, term_end
from rules.idcard import id_check_char, mask_id
from rules.members import TRANSFER_CITATION, check_account_number, check_bank_name, unit_change_in_import
from rules.params import active_rulesets
from rules.result import Decision

SHARES_TEXT = re.compile(r"[0-9]{1,6}")
MAX_SHARES = 9999
COLUMNS = [
    "单位编码",
    "单位名称",
    "险种代码",
    "生效日期",
    "终止日期",
    "办理日期",
    "姓名",
    "身份证号",
    "份数",
    "退休日期",
    "手机号",
    "开户行",
    "银行账号",
]
REQUIRED = COLUMNS[:9]
KIND_NAMES = {
    "first_enrolment": "首次参保",
    "renewal": "按期续保",
    "late_renewal_as_first": "逾期续保（视为首次参保）",
    "added_shares": "新增份数",
    "unchanged": "无变化",
    "shares_decrease_deferred": "减少份数（下期生效）",
}
# Which column a refused rule decision points at, by reason-code prefix.
_CODE_COLUMN = [
    ("R1.1", "退休日期"),
    ("R1.3", "办理日期"),
    ("R1.4", "办理日期"),
    ("R1.8", "办理日期"),
    ("R1.5", "份数"),
    ("R1.6", "终止日期"),
    ("R1.2.term", "终止日期"),
    ("R1.2.period", "终止日期"),
    ("R1.2", "生效日期"),
    ("R1.plan", "险种代码"),
]


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    reason: str
    code: str = ""


@dataclass
class ImportResult:
    file: str
    rows: int
    counts: Counter = field(default_factory=Counter)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    already_imported_at: str | None = None
    batch_id: int | None = None
    new_members: int = 0
    new_units: int = 0
    new_policies: int = 0
    new_lines: int = 0
    #: Unit transfers this file makes (R1.9; only with a 负责人's override): masked ID, from, to, date.
    transfers: list[dict] = field(default_factory=list)

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
            "already_imported_at": self.already_imported_at,
            "counts": {k: self.counts.get(k, 0) for k in ENROLMENT_KINDS},
            "new": {
                "units": self.new_units,
                "members": self.new_members,
                "policies": self.new_policies,
                "coverage_lines": self.new_lines,
                "transfers": len(self.transfers),
            },
            "transfers": self.transfers,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }


@dataclass
class _Row:
    line: int
    unit_code: str
    unit_name: str
    plan: str
    start: dt.date
    end: dt.date
    filed: dt.date
    name: str
    id_number: str
    shares: int
    retirement: dt.date | None
    phone: str | None
    bank_name: str | None = None
    bank_account: str | None = None


@dataclass
class _PolicyGroup:
    """A unit's policy for one plan and period, as the file asks for it."""

    unit_code: str
    plan: str
    start: dt.date
    end: dt.date
    filed: dt.date
    existing_id: int | None = None
    renews_id: int | None = None
    outcome: str = "first_enrolment"
    cover_from: dt.date | None = None
    new_id: int | None = None


def _column_for(code: str) -> str:
    return next((col for prefix, col in _CODE_COLUMN if code.startswith(prefix)), "")


def _parse_rows(sheet, today: dt.date, result: ImportResult, override: SupervisorOverride | None = None) -> list[_Row]:
    rows: list[_Row] = []
    terms: dict[tuple, object] = {}  # rows share a handful of periods; decide each once
    for line, raw in sheet.rows:
        bad = len(result.errors)

        def err(col, reason, code="", *, line=line):  # bound now: a closure would see the last line
            result.errors.append(RowProblem(line, col, reason, code))

        text = {c: str(raw.get(c, "") if not isinstance(raw.get(c), dt.date) else raw.get(c)).strip() for c in COLUMNS}
        for col in REQUIRED:
            if not text[col]:
                err(col, f"“{col}”不能为空")
        for col in COLUMNS:
            # Codes, names and numbers never hold control characters; stored ones would never match again.
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in text[col]):
                err(col, f"“{col}”含有换行、制表符等不可见字符，请删除后重新导入")
        dates = {}
        for col in ("生效日期", "终止日期", "办理日期", "退休日期"):
            try:
                dates[col] = parse_date(raw.get(col, ""))
            except ValueError:
                err(col, f"日期无法识别：“{text[col]}”（应为 2026-11-23 或 20261123）")
                dates[col] = None
        start, end, filed = dates["生效日期"], dates["终止日期"], dates["办理日期"]
        if start and end and end < start:
            err("终止日期", f"终止日期 {end} 早于生效日期 {start}")
        if filed and filed > today:
            err("办理日期", f"办理日期 {filed} 晚于今天 {today}")
        shares = None
        if text["份数"]:
            # Plain digits only: float() read "1e3" as 1000 shares and "99999999999999999999999"
            # as a number no database column holds. (An Excel number cell 2.0 arrives as "2".)
            if SHARES_TEXT.fullmatch(text["份数"]) and 0 < int(text["份数"]) <= MAX_SHARES:
                shares = int(text["份数"])
            else:
                err("份数", f"份数应为 1–{MAX_SHARES} 的整数，实为“{text['份数']}”")
        if text["身份证号"]:
            decision = check_id_number(text["身份证号"], today)
            if not decision.ok:
                err("身份证号", decision.message, decision.code)
        phone = text["手机号"] or None
        if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            err("手机号", f"手机号应为以1开头的11位数字，实为“{phone}”")
        bank_name = bank_account = None
        if text["银行账号"] or text["开户行"]:
            for col, decision in (
                ("开户行", check_bank_name(text["开户行"])),
                ("银行账号", check_account_number(text["银行账号"])),
            ):
                if not decision.ok:
                    err(col, f"{decision.message}（{decision.citation}）", decision.code)
                else:
                    bank_name = decision.data.get("bank_name", bank_name)
                    bank_account = decision.data.get("account", bank_account)
        if len(text["姓名"]) > 50:
            err("姓名", "姓名超过50个字符")
        if filed:
            # Records before 2017-01-01 load as unchecked history; a plan known on other dates
            # but without figures on this one is accepted and marked (R1.10).
            rs = active_rulesets().for_record(filed)
            if text["险种代码"] and rs.plan_or_no_figure(text["险种代码"]) is None:
                err("险种代码", f"险种代码“{text['险种代码']}”不在 {filed} 适用的规则集中", "R1.plan.unknown")
            if start and end and end >= start:
                term = terms.get((start, end, rs.version))
                if term is None:
                    term = terms[(start, end, rs.version)] = check_term(start, end, rs, override)
                if not term.ok:
                    err("终止日期", f"{term.message}（{term.citation}）", term.code)
        if "__extra__" in raw:
            result.warnings.append(RowProblem(line, "", "表头之外还有内容，已忽略"))
        if len(result.errors) == bad:
            rows.append(
                _Row(
                    line,
                    text["单位编码"],
                    text["单位名称"],
                    text["险种代码"],
                    start,
                    end,
                    filed,
                    text["姓名"],
                    text["身份证号"].upper(),
                    shares,
                    dates["退休日期"],
                    phone,
                    bank_name,
                    bank_account,
                )
            )
    return rows


def _check_file_consistency(rows: list[_Row], result: ImportResult) -> None:
    names: dict[str, tuple[str, int]] = {}
    units: dict[str, tuple[str, int]] = {}
    seen: dict[tuple, int] = {}
    for r in rows:
        first = names.setdefault(r.id_number, (r.name, r.line))
        if first[0] != r.name:
            result.errors.append(
                RowProblem(r.line, "姓名", f"同一身份证号在第 {first[1]} 行的姓名为“{first[0]}”，本行为“{r.name}”")
            )
        unit = units.setdefault(r.unit_code, (r.unit_name, r.line))
        if unit[0] != r.unit_name:
            result.errors.append(
                RowProblem(r.line, "单位名称", f"单位编码 {r.unit_code} 在第 {unit[1]} 行的名称为“{unit[0]}”")
            )
        key = (r.id_number, r.plan, r.start)
        if key in seen:
            result.errors.append(RowProblem(r.line, "身份证号", f"与第 {seen[key]} 行重复（同一会员、险种、保障期）"))
        seen.setdefault(key, r.line)


def _chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _load_state(rows: list[_Row]):
    """What the database holds for the members, units and plans in the file."""
    ids = sorted({r.id_number for r in rows})
    members: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(ids):
        q = ",".join("?" * len(chunk))
        for mid, idn, name, ucode in database.execute_sql(
            f"SELECT m.id, m.id_number, m.name, u.code FROM member m JOIN unit u ON u.id = m.unit_id "
            f"WHERE m.id_number IN ({q})",
            chunk,
        ):
            members[idn] = (mid, name, ucode)
    history: dict[tuple[str, str], dict[tuple, list[CoverageLine]]] = defaultdict(lambda: defaultdict(list))
    pending: dict[tuple, int] = {}  # (id number, plan, start, end) -> total asked for the next period
    plans = sorted({r.plan for r in rows})
    by_id = {mid: idn for idn, (mid, *_) in members.items()}
    mids = sorted(by_id)
    for chunk in _chunks(mids):
        q = ",".join("?" * len(chunk))
        pq = ",".join("?" * len(plans))
        cur = database.execute_sql(
            f"SELECT c.member_id, p.plan_id, p.start, p.end, c.shares, c.cover_start, c.observation_end "
            f"FROM coverage c JOIN policy p ON p.id = c.policy_id WHERE c.member_id IN ({q}) AND p.plan_id IN ({pq})",
            [*chunk, *plans],
        )
        for mid, plan, start, end, shares, cs, oe in cur:
            history[(by_id[mid], plan)][(_d(start), _d(end))].append(CoverageLine(shares, _d(cs), _d(oe)))
        for mid, plan, start, end, shares in database.execute_sql(
            f"SELECT s.member_id, p.plan_id, p.start, p.end, s.shares FROM share_change s "
            f"JOIN policy p ON p.id = s.policy_id WHERE s.member_id IN ({q}) AND p.plan_id IN ({pq}) "
            f"ORDER BY s.filed, s.id",
            [*chunk, *plans],
        ):
            pending[(by_id[mid], plan, _d(start), _d(end))] = shares
    units = sorted({r.unit_code for r in rows})
    unit_ids: dict[str, int] = {}
    unit_names: dict[str, str] = {}
    policies: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for chunk in _chunks(units):
        q = ",".join("?" * len(chunk))
        for uid, code, name in database.execute_sql(f"SELECT id, code, name FROM unit WHERE code IN ({q})", chunk):
            unit_ids[code], unit_names[code] = uid, name
    if unit_ids:
        rev = {v: k for k, v in unit_ids.items()}
        for chunk in _chunks(sorted(rev)):
            q = ",".join("?" * len(chunk))
            for pid, uid, plan, start, end, filed in database.execute_sql(
                f"SELECT id, unit_id, plan_id, start, end, filed FROM policy WHERE unit_id IN ({q})", chunk
            ):
                policies[(rev[uid], plan)].append((pid, _d(start), _d(end), _d(filed)))
    return members, history, pending, unit_ids, unit_names, policies


def _d(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _transfers_of(member_ids: list[int]) -> dict[int, list[tuple[dt.date, str, str]]]:
    """Recorded transfers per member: (date, from-unit code, to-unit code), oldest first."""
    out: dict[int, list[tuple[dt.date, str, str]]] = defaultdict(list)
    for chunk in _chunks(sorted(member_ids)):
        q = ",".join("?" * len(chunk))
        for mid, on, fcode, tcode in database.execute_sql(
            f"SELECT x.member_id, x.on_date, f.code, t.code FROM member_transfer x JOIN unit f ON f.id = x.from_unit_id "
            f"JOIN unit t ON t.id = x.to_unit_id WHERE x.member_id IN ({q}) ORDER BY x.on_date, x.id",
            chunk,
        ):
            out[mid].append((_d(on), fcode, tcode))
    return out


def _unit_on(current: str, transfers: list[tuple[dt.date, str, str]], on: dt.date) -> str:
    """The unit a member was in on ``on``, from their present unit and recorded transfers."""
    unit = current
    for when, from_unit, _to in reversed(transfers):
        if on < when:
            unit = from_unit
    return unit


def _check_units(rows: list[_Row], members, override: SupervisorOverride | None, result: ImportResult):
    """R1.9: a row that puts a member under another unit than the one they were in on the
    row's 办理日期 (known members: from the database and its transfers; new members: from
    their first row) is refused, or with a 负责人's override planned as a transfer.
    Returns (first unit of each member for the member row, planned transfers)."""
    history = _transfers_of([m[0] for m in members.values()])
    start_unit: dict[str, str] = {}
    planned: list[tuple[str, str, str, dt.date, int]] = []  # (id number, from, to, on, line)
    by_member: dict[str, list[_Row]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r.filed, r.start, r.line)):
        by_member[r.id_number].append(r)
    for idn, member_rows in by_member.items():
        known = members.get(idn)
        transfers = list(history.get(known[0], [])) if known else []
        current = known[2] if known else member_rows[0].unit_code
        start_unit[idn] = current if known else member_rows[0].unit_code
        for r in member_rows:
            was = _unit_on(current, transfers, r.filed)
            if was == r.unit_code:
                continue
            d = unit_change_in_import(was, r.unit_code)
            if override is None:
                result.errors.append(RowProblem(r.line, "单位编码", f"{d.message}（{d.citation}）", d.code))
                break  # one refusal per member says it; later rows would repeat it
            if transfers and transfers[-1][0] > r.filed:
                # A move before a recorded transfer would rewrite the member's unit history.
                result.errors.append(
                    RowProblem(
                        r.line,
                        "单位编码",
                        f"该会员 {transfers[-1][0]} 已登记调动，本行办理日期 {r.filed} 在其之前，"
                        f"却属另一单位 {r.unit_code}：请核对（{d.citation}）",
                        "R1.9.transfer.before_last",
                    )
                )
                break
            planned.append((idn, was, r.unit_code, r.filed, r.line))
            transfers.append((r.filed, was, r.unit_code))
            current = r.unit_code
    return start_unit, planned


def _plan_groups(rows: list[_Row], policies, result: ImportResult) -> dict[tuple, _PolicyGroup]:
    """Decide, per unit × plan × period, whether the policy exists, renews one, or is new."""
    groups: dict[tuple, _PolicyGroup] = {}
    for r in sorted(rows, key=lambda r: (r.start, r.line)):
        key = (r.unit_code, r.plan, r.start, r.end)
        g = groups.get(key)
        if g is None:
            g = groups[key] = _PolicyGroup(r.unit_code, r.plan, r.start, r.end, r.filed)
        g.filed = min(g.filed, r.filed)
    refused: list[tuple] = []
    for key, g in sorted(groups.items(), key=lambda kv: kv[0][2]):
        known = policies.get((g.unit_code, g.plan), [])
        same = next((p for p in known if (p[1], p[2]) == (g.start, g.end)), None)
        if same:
            g.existing_id, g.filed = same[0], same[3]
            continue
        clash = next((p for p in known if p[1] <= g.end and g.start <= p[2]), None)
        if clash:
            line = min(r.line for r in rows if (r.unit_code, r.plan, r.start, r.end) == key)
            result.errors.append(
                RowProblem(
                    line,
                    "生效日期",
                    f"单位 {g.unit_code} 的{g.plan}已有保单 {clash[1]} 至 {clash[2]}，与本期重叠",
                    "R1.2.overlap",
                )
            )
            refused.append(key)
            continue
        previous = [p for p in known if p[2] < g.start]
        earlier_groups = [
            x
            for x in groups.values()
            if x is not g and (x.unit_code, x.plan) == (g.unit_code, g.plan) and x.end < g.start
        ]
        prev_end = max([p[2] for p in previous] + [x.end for x in earlier_groups], default=None)
        if prev_end is not None and expiry(prev_end) == g.start:
            prev_start = next((p[1] for p in previous if p[2] == prev_end), None) or next(
                x.start for x in earlier_groups if x.end == prev_end
            )
            decision = classify_renewal(
                prev_start, prev_end, g.start, g.end, g.filed, g.plan, active_rulesets().for_record(g.filed)
            )
            if not decision.ok:
                line = min(r.line for r in rows if (r.unit_code, r.plan, r.start, r.end) == key)
                result.errors.append(
                    RowProblem(
                        line, _column_for(decision.code), f"{decision.message}（{decision.citation}）", decision.code
                    )
                )
                refused.append(key)
                continue
            g.outcome = decision.outcome
            g.renews_id = next((p[0] for p in previous if p[2] == prev_end), None)
            g.cover_from = g.filed if decision.outcome == "late_renewal_as_first" else g.start
        else:
            g.cover_from = max(g.start, g.filed)
        policies[(g.unit_code, g.plan)].append((None, g.start, g.end, g.filed))
    for key in refused:
        del groups[key]
    return groups


def plan_import(path: str | Path, *, today: dt.date | None = None, override: SupervisorOverride | None = None):
    """Read and check a file; return (result, work) without writing anything."""
    today = today or clock.today()
    path = Path(path)
    sheet = read_table(path)
    result = ImportResult(file=path.name, rows=len(sheet.rows))
    missing = [c for c in REQUIRED if c not in sheet.headers]
    if missing:
        result.errors.append(
            RowProblem(1, "、".join(missing), f"缺少列：{'、'.join(missing)}（模板见 huzhu template enrolments）")
        )
        return result, None
    unknown = [h for h in sheet.headers if h and h not in COLUMNS]
    if unknown:
        result.warnings.append(RowProblem(1, "、".join(unknown), "未知的列，已忽略"))
    if not sheet.rows:
        result.errors.append(RowProblem(1, "", "文件中没有数据行"))
        return result, None
    # Rows with a bad cell are left out of the rule checks, but every other row still gets
    # them, so one pass reports every problem in the file.
    rows = _parse_rows(sheet, today, result, override)
    _check_file_consistency(rows, result)
    members, history, pending, unit_ids, unit_names, policies = _load_state(rows)
    for r in rows:
        known = members.get(r.id_number)
        if known and known[1] != r.name:
            result.errors.append(
                RowProblem(
                    r.line, "姓名", f"该身份证号已登记为“{known[1]}”，本行为“{r.name}”；如确已更名请先在会员资料中修改"
                )
            )
        if r.unit_code in unit_names and unit_names[r.unit_code] != r.unit_name:
            result.warnings.append(
                RowProblem(
                    r.line, "单位名称", f"单位 {r.unit_code} 已登记为“{unit_names[r.unit_code]}”，沿用已登记名称"
                )
            )
    start_units, transfers = _check_units(rows, members, override, result)
    groups = _plan_groups(rows, policies, result)

    planned: list[tuple[_Row, object]] = []
    for r in sorted(rows, key=lambda r: (r.start, r.line)):
        g = groups.get((r.unit_code, r.plan, r.start, r.end))
        if g is None:
            continue  # its unit policy was refused; that error is already listed
        held = history[(r.id_number, r.plan)]
        member_policies = [
            MemberPolicy(s, e, tuple(lines), pending.get((r.id_number, r.plan, s, e)))
            for (s, e), lines in sorted(held.items())
        ]
        unit_filed = g.filed if g.existing_id else None
        row = EnrolmentRow(r.unit_code, r.plan, r.start, r.end, r.filed, r.shares, r.retirement)
        outcome = classify_enrolment(
            row, member_policies, active_rulesets().for_record(r.filed), unit_filed=unit_filed, override=override
        )
        if not outcome.ok:
            d = outcome.decision
            result.errors.append(RowProblem(r.line, _column_for(d.code), f"{d.message}（{d.citation}）", d.code))
            continue
        for note in outcome.notes:
            if not note.ok or note.severity.name == "WARNING":
                result.warnings.append(RowProblem(r.line, _column_for(note.code), note.message, note.code))
        result.counts[outcome.kind] += 1
        held[(r.start, r.end)].extend(outcome.lines)
        if "next_shares" in outcome.decision.data:
            pending[(r.id_number, r.plan, r.start, r.end)] = outcome.decision.data["next_shares"]
        planned.append((r, outcome))
    if result.errors:
        return result, None
    result.transfers = [
        {"id": mask_id(idn), "line": line, "from_unit": f, "to_unit": t, "on": on.isoformat()}
        for idn, f, t, on, line in transfers
    ]
    return result, (planned, groups, unit_ids, members, start_units, transfers)


def _member_values(planned) -> dict[str, dict[str, object]]:
    """Per member, the last non-empty phone, retirement date and account in the file (by period)."""
    values: dict[str, dict[str, object]] = defaultdict(dict)
    for r, _ in planned:
        for name, value in (
            ("phone", r.phone),
            ("retirement_date", r.retirement),
            ("bank_name", r.bank_name),
            ("bank_account", r.bank_account),
        ):
            if value:
                values[r.id_number][name] = value
    return values


def _values_differ(planned, members) -> bool:
    """Whether the file's phones, retirement dates or accounts differ from the members' (new members: any)."""
    wanted = _member_values(planned)
    if any(idn not in members for idn in wanted):
        return True
    held = held_values(members[idn][0] for idn in wanted)
    return any(
        held[members[idn][0]][k] != (v.isoformat() if isinstance(v, dt.date) else str(v))
        for idn, values in wanted.items()
        for k, v in values.items()
    )


def write_import(result: ImportResult, work, file_sha256: str, *, override: SupervisorOverride | None = None) -> None:
    planned, groups, unit_ids, members, start_units, transfers = work
    session = current()
    with writing():
        conn = database.connection()
        units = {}
        for r, _ in planned:
            units.setdefault(r.unit_code, (r.unit_code, r.unit_name, None, None))
        new_units = [u for code, u in units.items() if code not in unit_ids]
        if new_units:
            write_units(conn, new_units)
        for code, uid in database.execute_sql(
            f"SELECT code, id FROM unit WHERE code IN ({','.join('?' * len(units))})", list(units)
        ):
            unit_ids[code] = uid
        # Units come from each member's present unit (new: first row); moves are the transfers
        # below, and phone, retirement date and account go through the member history.
        member_rows = {}
        for r, _ in planned:
            member_rows[r.id_number] = (r.id_number, r.name, start_units[r.id_number], None, None, None, None)
        write_members(conn, list(member_rows.values()), today=clock.today())
        member_ids = {}
        ids = list(member_rows)
        for chunk in _chunks(ids):
            for mid, idn in database.execute_sql(
                f"SELECT id, id_number FROM member WHERE id_number IN ({','.join('?' * len(chunk))})", chunk
            ):
                member_ids[idn] = mid
        for code in {u for _, f, t, _, _ in transfers for u in (f, t)} - set(unit_ids):
            unit_ids[code] = database.execute_sql("SELECT id FROM unit WHERE code = ?", (code,)).fetchone()[0]
        now = clock.stamp()
        cur = conn.execute(
            "INSERT INTO import_batch (kind, file_name, file_sha256, rows, summary, imported_at, imported_by) VALUES (?,?,?,?,?,?,?)",
            ("enrolments", result.file, file_sha256, result.rows, _summary_text(result), now, session.user),
        )
        batch_id = cur.lastrowid
        for g in groups.values():
            if g.existing_id:
                continue
            cur = conn.execute(
                "INSERT INTO policy (unit_id, plan_id, start, end, filed, renews_id, outcome, cover_from, created_by) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    unit_ids[g.unit_code],
                    g.plan,
                    g.start.isoformat(),
                    g.end.isoformat(),
                    g.filed.isoformat(),
                    g.renews_id,
                    g.outcome,
                    (g.cover_from or g.start).isoformat(),
                    session.user,
                ),
            )
            g.new_id = cur.lastrowid
            result.new_policies += 1
        lines, changes = [], []
        for r, outcome in planned:
            g = groups[(r.unit_code, r.plan, r.start, r.end)]
            for line in outcome.lines:
                lines.append(
                    (
                        member_ids[r.id_number],
                        g.existing_id or g.new_id,
                        line.shares,
                        line.cover_start.isoformat(),
                        line.observation_end.isoformat() if line.observation_end else None,
                        line.event or outcome.kind,
                        r.filed.isoformat(),
                        batch_id,
                        session.user,
                        line.basis or None,
                    )
                )
            if "next_shares" in outcome.decision.data:  # R1.5: kept for the renewal, by import or renew
                changes.append(
                    (
                        member_ids[r.id_number],
                        g.existing_id or g.new_id,
                        outcome.decision.data["next_shares"],
                        r.filed.isoformat(),
                        batch_id,
                        session.user,
                        now,
                    )
                )
        conn.executemany(
            "INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, batch_id, "
            "created_by, basis) VALUES (?,?,?,?,?,?,?,?,?,?)",
            lines,
        )
        conn.executemany(
            "INSERT INTO share_change (member_id, policy_id, shares, filed, batch_id, created_by, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            changes,
        )
        changed_members = len(
            apply_changes_bulk(
                {member_ids[idn]: values for idn, values in _member_values(planned).items()},
                source="enrolment",
                reason=f"参保名单 {result.file}",
                on=clock.today(),
                batch_id=batch_id,
            )
        )
        for idn, from_unit, to_unit, on, line in transfers:
            record_transfer(
                member_ids[idn],
                unit_ids[from_unit],
                unit_ids[to_unit],
                on,
                f"参保名单第 {line} 行：{override.reason}",
                source="enrolment_transfer",
                batch_id=batch_id,
            )
        result.new_lines = len(lines)
        result.new_units = len(new_units)
        result.new_members = len([i for i in member_rows if i not in members])
        detail = {
            "file": result.file,
            "sha256": file_sha256,
            "rows": result.rows,
            "counts": dict(result.counts),
            "coverage_lines": len(lines),
            "policies": result.new_policies,
            "members_changed": changed_members,
            "transfers": result.transfers,
            "share_changes": len(changes),
        }
        if override:
            detail["override"] = {"supervisor": override.supervisor, "reason": override.reason}
        audit.record("import.enrolments", "import_batch", batch_id, detail)
    result.batch_id = batch_id
    result.written = True


def _summary_text(result: ImportResult) -> str:
    return "；".join(f"{KIND_NAMES[k]} {n}" for k, n in result.counts.items() if n)


def import_enrolments(
    path: str | Path, *, dry_run: bool = False, today: dt.date | None = None, override_reason: str | None = None
) -> ImportResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationFailed(f"文件不存在：{path}", f"file not found: {path}") from None
    sha = hashlib.sha256(data).hexdigest()
    session = current()
    override = None
    if override_reason:
        session.require_role("supervisor")
        override = SupervisorOverride(session.user, session.role, override_reason)
    row = database.execute_sql(
        "SELECT imported_at FROM import_batch WHERE file_sha256 = ? AND kind = 'enrolments' ORDER BY id DESC LIMIT 1",
        (sha,),
    ).fetchone()
    if row:
        return ImportResult(file=path.name, rows=0, already_imported_at=row[0], dry_run=dry_run)
    result, work = plan_import(path, today=today, override=override)
    result.dry_run = dry_run
    if work is None or dry_run:
        return result
    if (
        not any(o.lines or "next_shares" in o.decision.data for _, o in work[0])
        and not any(not g.existing_id for g in work[1].values())
        and not work[5]
        and not _values_differ(work[0], work[3])
    ):
        return result  # every row already held as it is: nothing to write
    if not dry_run:
        session.require_write()
    write_import(result, work, sha, override=override)
    return result


# --- renewal of a unit's policy -----------------------------------------------------------------


@dataclass
class RenewalResult:
    unit: str
    plan: str
    previous: tuple[dt.date, dt.date]
    start: dt.date
    end: dt.date
    filed: dt.date
    decision: Decision
    carried: list[tuple[str, str, int]] = field(default_factory=list)  # (masked id, name, shares)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)  # (masked id, name, reason)
    written: bool = False
    policy_id: int | None = None
    backdated: bool = False

    def to_json(self) -> dict:
        d = self.decision
        return {
            "unit": self.unit,
            "plan": self.plan,
            "previous": [x.isoformat() for x in self.previous],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "filed": self.filed.isoformat(),
            "outcome": d.outcome,
            "code": d.code,
            "message": d.message,
            "citation": str(d.citation),
            "ruleset": d.ruleset,
            "carried": len(self.carried),
            "dropped": [{"member": m, "name": n, "reason": r} for m, n, r in self.dropped],
            "written": self.written,
            "backdated": self.backdated,
        }


def renew_unit(
    unit_code: str,
    plan: str,
    filed: dt.date,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    backdate_reason: str | None = None,
) -> RenewalResult:
    """Renew a unit's latest policy in a plan: members carried forward, retirees dropped, R1.3 applied.

    The filing date decides on-time or late, so it obeys ``rules.check_entry_date``: a future
    date is refused, an earlier one needs a supervisor and ``backdate_reason`` (RuleRefused
    otherwise, in a dry run too) and is recorded as back-dated."""
    from rules.idcard import mask_id

    date_decision = check_typed_date(filed, today or clock.today(), "renewal_filed", backdate_reason)

    unit = database.execute_sql("SELECT id FROM unit WHERE code = ?", (unit_code,)).fetchone()
    if unit is None:
        raise ValidationFailed(f"没有单位编码 {unit_code}", f"no unit {unit_code}")
    prev = database.execute_sql(
        "SELECT id, start, end FROM policy WHERE unit_id = ? AND plan_id = ? ORDER BY start DESC LIMIT 1",
        (unit[0], plan),
    ).fetchone()
    if prev is None:
        raise ValidationFailed(
            f"单位 {unit_code} 没有险种 {plan} 的保单可续保；首次参保请用 huzhu import enrolments",
            f"unit {unit_code} has no {plan} policy to renew; use import for a first enrolment",
        )
    prev_id, prev_start, prev_end = prev[0], _d(prev[1]), _d(prev[2])
    rs = active_rulesets().for_record(filed)
    params = rs.plan_or_no_figure(plan)
    if params is None:
        raise ValidationFailed(f"险种 {plan} 不在 {filed} 适用的规则集中", f"plan {plan} unknown on {filed}")
    start = expiry(prev_end)
    # With no term figure in force (R1.10) the renewal repeats the previous period's length.
    end = term_end(start, params.term_months or _months(prev_start, prev_end))
    decision = classify_renewal(prev_start, prev_end, start, end, filed, plan, rs)
    result = RenewalResult(
        unit_code,
        plan,
        (prev_start, prev_end),
        start,
        end,
        filed,
        decision,
        backdated=date_decision.outcome == "backdated",
    )
    if not decision.ok:
        return result
    rows = database.execute_sql(
        "SELECT m.id, m.id_number, m.name, m.retirement_date, c.shares, c.cover_start, c.observation_end, u.code "
        "FROM coverage c JOIN member m ON m.id = c.member_id JOIN unit u ON u.id = m.unit_id "
        "WHERE c.policy_id = ? ORDER BY m.id",
        (prev_id,),
    ).fetchall()
    by_member: dict[int, dict] = {}
    for mid, idn, name, retired, shares, cs, oe, now_in in rows:
        entry = by_member.setdefault(
            mid, {"id": idn, "name": name, "retired": _d(retired), "lines": [], "unit": now_in}
        )
        entry["lines"].append(CoverageLine(shares, _d(cs), _d(oe)))
    # R1.5: a decrease filed during the period takes effect now; the latest row filed counts.
    requested: dict[int, int] = {}
    for mid, shares in database.execute_sql(
        "SELECT member_id, shares FROM share_change WHERE policy_id = ? ORDER BY filed, id", (prev_id,)
    ):
        requested[mid] = shares
    planned = []
    for mid, m in by_member.items():
        if m["unit"] != unit_code:  # transferred out (R1.9): the new unit enrols them, not this renewal
            result.dropped.append((mask_id(m["id"]), m["name"], f"已调至单位 {m['unit']}（{TRANSFER_CITATION}）"))
            continue
        held = MemberPolicy(prev_start, prev_end, tuple(m["lines"]), requested.get(mid))
        row = EnrolmentRow(unit_code, plan, start, end, filed, held.renewal_shares, m["retired"])
        outcome = classify_enrolment(row, [held], rs)
        if not outcome.ok:
            result.dropped.append(
                (mask_id(m["id"]), m["name"], f"{outcome.decision.message}（{outcome.decision.citation}）")
            )
            continue
        result.carried.append((mask_id(m["id"]), m["name"], held.renewal_shares))
        planned.append((mid, outcome))
    if dry_run:
        return result
    session = current()
    with writing():
        cover_from = filed if decision.outcome == "late_renewal_as_first" else start
        pid = database.execute_sql(
            "INSERT INTO policy (unit_id, plan_id, start, end, filed, renews_id, outcome, cover_from, created_by) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (
                unit[0],
                plan,
                start.isoformat(),
                end.isoformat(),
                filed.isoformat(),
                prev_id,
                decision.outcome,
                cover_from.isoformat(),
                session.user,
            ),
        ).lastrowid
        database.connection().executemany(
            "INSERT INTO coverage (member_id, policy_id, shares, cover_start, observation_end, event, filed, created_by, basis) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    mid,
                    pid,
                    line.shares,
                    line.cover_start.isoformat(),
                    line.observation_end.isoformat() if line.observation_end else None,
                    line.event or outcome.kind,
                    filed.isoformat(),
                    session.user,
                    line.basis or None,
                )
                for mid, outcome in planned
                for line in outcome.lines
            ],
        )
        # Before the event, which seals every row this transaction wrote (models.rowseal).
        record_backdated(date_decision, "policy", pid)
        audit.record(
            "policy.renew",
            "policy",
            pid,
            {
                "unit": unit_code,
                "plan": plan,
                "start": start,
                "end": end,
                "filed": filed,
                "outcome": decision.outcome,
                "code": decision.code,
                "carried": len(result.carried),
                "dropped": len(result.dropped),
                **audit_detail(date_decision),
            },
        )
    result.written, result.policy_id = True, pid
    return result


def _months(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end`'s expiry (the previous period's length)."""
    after = expiry(end)
    return max(1, (after.year - start.year) * 12 + after.month - start.month)


_EXAMPLE_ID = "11010519800101001" + id_check_char("11010519800101001")


def write_template(path: str | Path) -> None:
    """The enrolment template: the header and one example row, as .xlsx or .csv (UTF-8 with BOM for Excel)."""
    path = Path(path)
    example = [
        "U0001",
        "北京市朝阳区示例有限公司工会",
        "ZYYL",
        "2026-01-01",
        "2026-12-31",
        "2025-12-20",
        "张三",
        _EXAMPLE_ID,
        "2",
        "",
        "13800138000",
        "中国工商银行北京朝阳支行",
        "6222020200112233445",
    ]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "参保名单"
        ws.append(COLUMNS)
        ws.append(example)
        for i, col in enumerate(COLUMNS):
            ws.column_dimensions[chr(ord("A") + i)].width = max(12, 2 * len(col) + 4, len(example[i]) + 4)
            ws.cell(row=2, column=i + 1).number_format = "@"  # ID numbers and codes stay text in Excel
        save_workbook(wb, path)
    else:
        save_csv(path, COLUMNS, [example])
