"""Office side: the office's own ledger, and reconciliation (上下一致, docs/rules.md R5).

The ledger is exported from the office's business system, one row per branch × unit ×
plan for one period, in the layout of ``LEDGER_COLUMNS`` (``write_ledger_template``
writes it). ``import_ledger`` replaces the stored ledger of that period in one
transaction; ``reconcile`` compares every reporting branch's figures (from its latest
imported bundle of the period) with the ledger item by item and lists every difference,
and every enrolled branch that has not reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from models import audit, clock
from models.db import database, executemany, writing
from models.errors import UsageError, ValidationFailed
from models.safeout import save_csv, save_workbook
from sync.export import parse_period
from sync.keystore import enrolled_branches, require_office

#: Ledger columns, in order: (header, field, kind). Money columns are in yuan (元) with at
#: most two decimals, as the office's business system and the clerks' spreadsheets show
#: them; they are converted exactly to integer fen.
LEDGER_LAYOUT = (
    ("代办处编码", "branch_code", "code"),
    ("单位编码", "unit_code", "text"),
    ("险种代码", "plan_code", "text"),
    ("参保人数", "members", "count"),
    ("份数", "shares", "count"),
    ("应缴会费（元）", "fees_due_fen", "yuan"),
    ("给付件数", "claims_settled", "count"),
    ("给付金额（元）", "benefit_fen", "yuan"),
)
LEDGER_COLUMNS = [header for header, _, _ in LEDGER_LAYOUT]
#: Also accepted on reading: the headers without the unit, and ASCII parentheses.
_ALIASES = {
    "应缴会费": "应缴会费（元）",
    "应缴会费(元)": "应缴会费（元）",
    "给付金额": "给付金额（元）",
    "给付金额(元)": "给付金额（元）",
}
#: The items compared, with their Chinese names; money items in fen.
ITEMS = (
    ("members", "参保人数"),
    ("shares", "份数"),
    ("fees_due_fen", "应缴会费（元）"),
    ("claims_settled", "给付件数"),
    ("benefit_fen", "给付金额（元）"),
)
ITEM_NAMES = dict(ITEMS)
MONEY_ITEMS = {"fees_due_fen", "benefit_fen"}


def write_ledger_template(path: str | Path) -> Path:
    """An empty ledger with the headers: .xlsx (Chinese headers, column widths for CJK) or .csv (UTF-8 with BOM)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, [("台账", LEDGER_COLUMNS, [])])
    elif path.suffix.lower() == ".csv":
        save_csv(path, LEDGER_COLUMNS, [])
    else:
        raise UsageError("模板文件名须以 .xlsx 或 .csv 结尾", "the template file name must end in .xlsx or .csv")
    return path


# --- reading the ledger ------------------------------------------------------------------------------

_PLAIN_YUAN = re.compile(r"([0-9]{1,13})(?:\.([0-9]{1,2}))?")


def _yuan_to_fen(text: str) -> int:
    plain = _PLAIN_YUAN.fullmatch(text)
    if plain:  # the common case, without Decimal
        return int(plain[1]) * 100 + int((plain[2] or "0").ljust(2, "0"))
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value() or value < 0:
        raise ValueError(text)
    return int(fen)


def _count(text: str) -> int:
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return int(text)
    cleaned = text.replace(",", "").strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not re.fullmatch(r"[0-9]{1,12}", cleaned):
        raise ValueError(text)
    return int(cleaned)


#: The office's ledger is one file for every branch of a period (``import_ledger`` replaces the
#: period's), so it outgrows a branch import's ``models.tabular.MAX_ROWS``: 50 branches of 100,000
#: members are about 250,000 unit × plan rows (issue 15's office benchmark).
LEDGER_MAX_ROWS = 1_000_000


def read_ledger(path: str | Path) -> list[dict[str, Any]]:
    """Rows of the ledger file as dicts of the fields; ValidationFailed lists every bad line."""
    from models.tabular import read_table

    sheet = read_table(path, max_rows=LEDGER_MAX_ROWS)
    headers = [_ALIASES.get(h, h) for h in sheet.headers]
    missing = [c for c in LEDGER_COLUMNS if c not in headers]
    if missing:
        raise ValidationFailed(
            f"台账缺少列：{'、'.join(missing)}（模板：huzhu template ledger）",
            f"the ledger lacks the columns {', '.join(missing)} (see huzhu template ledger)",
        )
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in sheet.rows:
        raw = {_ALIASES.get(k, k): v for k, v in raw.items()}
        row: dict[str, Any] = {}
        for header, name, kind in LEDGER_LAYOUT:
            text = str(raw.get(header, "") or "").strip()
            try:
                if kind == "code":
                    if text.isdigit() and len(text) < 3:
                        text = text.zfill(3)  # Excel drops leading zeros of numeric cells
                    if not re.fullmatch(r"[0-9]{3}", text):
                        raise ValueError(text)
                    row[name] = text
                elif kind == "text":
                    if not text or len(text) > 64:
                        raise ValueError(text)
                    row[name] = text
                elif kind == "count":
                    row[name] = _count(text)
                else:
                    row[name] = _yuan_to_fen(text)
            except ValueError:
                problems.append(f"第 {line} 行「{header}」：{text[:20] or '（空）'}")
        if len(row) == len(LEDGER_LAYOUT):
            key = (row["branch_code"], row["unit_code"], row["plan_code"])
            if key in seen:
                problems.append(f"第 {line} 行与第 {seen[key]} 行重复（{'/'.join(key)}）")
            seen[key] = line
            rows.append(row)
    if problems:
        listed = "；".join(problems[:20]) + (f"；另有 {len(problems) - 20} 处" if len(problems) > 20 else "")
        raise ValidationFailed(
            f"台账有 {len(problems)} 处错误，未导入：{listed}",
            f"the ledger has {len(problems)} problem(s); nothing imported",
        )
    return rows


def import_ledger(path: str | Path, period: str) -> dict[str, Any]:
    """Replace the stored ledger of ``period`` with the file's rows (one transaction)."""
    from models.schema import OfficeLedger

    require_office()
    parse_period(period)
    rows = read_ledger(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    now = clock.stamp()
    with writing():
        OfficeLedger.delete().where(OfficeLedger.period == period).execute()
        cols = [name for _, name, _ in LEDGER_LAYOUT]
        executemany(
            f"INSERT INTO office_ledger (period, {', '.join(cols)}, source_file, source_sha256, imported_at) "
            f"VALUES ({', '.join('?' * (len(cols) + 4))})",
            [(period, *(r[c] for c in cols), Path(path).name[:200], digest, now) for r in rows],
        )
        audit.record(
            "office.ledger",
            "office_ledger",
            period,
            {
                "file": Path(path).name,
                "sha256": digest,
                "rows": len(rows),
                "branches": len({r["branch_code"] for r in rows}),
            },
        )
    return {"period": period, "rows": len(rows), "branches": len({r["branch_code"] for r in rows}), "sha256": digest}


def ledger_figures(period: str, branch_code: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT branch_code, unit_code, plan_code, members, shares, fees_due_fen, claims_settled, benefit_fen "
        "FROM office_ledger WHERE period = ?"
        + (" AND branch_code = ?" if branch_code else "")
        + " ORDER BY branch_code, unit_code, plan_code"
    )
    keys = ("branch_code", "unit_code", "plan_code", *(k for k, _ in ITEMS))
    return [
        dict(zip(keys, r, strict=True))
        for r in database.execute_sql(sql, (period, branch_code) if branch_code else (period,))
    ]


def has_ledger(period: str) -> bool:
    return (
        database.execute_sql("SELECT 1 FROM office_ledger WHERE period = ? LIMIT 1", (period,)).fetchone() is not None
    )


# --- reconciliation ----------------------------------------------------------------------------------


@dataclass
class Difference:
    branch_code: str
    unit_code: str
    plan_code: str
    item: str
    item_zh: str
    branch_value: int
    office_value: int

    @property
    def difference(self) -> int:
        return self.branch_value - self.office_value

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "difference": self.difference, "money": self.item in MONEY_ITEMS}


@dataclass
class FeeDifference:
    """One policy's fees as the branch reported them (payload version 2) where money is missing:
    due but not collected (the unit's arrears, R12.3) or collected but not remitted (R12.4, 000
    第二十五条: withheld)."""

    branch_code: str
    unit_code: str
    plan_code: str
    start: str
    end: str
    due_fen: int | None
    collected_fen: int
    remitted_fen: int

    @property
    def period(self) -> str:
        return f"{self.start}~{self.end}"

    @property
    def unpaid_fen(self) -> int:
        return 0 if self.due_fen is None else self.due_fen - self.collected_fen

    @property
    def unremitted_fen(self) -> int:
        return self.collected_fen - self.remitted_fen

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "period": self.period,
            "unpaid_fen": self.unpaid_fen,
            "unremitted_fen": self.unremitted_fen,
            "withheld": self.unremitted_fen > 0,
        }


def fee_differences(period: str, branch_code: str | None = None) -> list[FeeDifference]:
    """The fee lines of the period's bundles (latest bundle per branch) where due ≠ collected or
    collected ≠ remitted, by branch, unit, plan and policy start."""
    sql = "SELECT branch_code, data FROM office_record WHERE kind = 'fee' AND period = ?" + (
        " AND branch_code = ?" if branch_code else ""
    )
    out = []
    for code, data in database.execute_sql(sql, (period, branch_code) if branch_code else (period,)):
        line = json.loads(data)
        diff = FeeDifference(
            code,
            line["unit_code"],
            line["plan_code"],
            line["start"],
            line["end"],
            line["due_fen"],
            line["collected_fen"],
            line["remitted_fen"],
        )
        if diff.unpaid_fen or diff.unremitted_fen:
            out.append(diff)
    return sorted(out, key=lambda d: (d.branch_code, d.unit_code, d.plan_code, d.start))


@dataclass
class Report:
    period: str
    branches_reported: list[str]
    not_reported: list[dict[str, Any]]  # branch_code, name, enrolled (bool)
    differences: list[Difference] = field(default_factory=list)
    rows_compared: int = 0
    ledger_rows: int = 0
    fee_differences: list[FeeDifference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not self.not_reported and not self.fee_differences

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "ok": self.ok,
            "rows_compared": self.rows_compared,
            "ledger_rows": self.ledger_rows,
            "branches_reported": self.branches_reported,
            "not_reported": self.not_reported,
            "differences": [d.to_json() for d in self.differences],
            "fee_differences": [d.to_json() for d in self.fee_differences],
            "fees_withheld_fen": sum(max(d.unremitted_fen, 0) for d in self.fee_differences),
        }


def compare(branch_rows: list[dict[str, Any]], office_rows: list[dict[str, Any]], branch_code: str) -> list[Difference]:
    """Item-by-item differences for one branch; a row missing on one side counts as zeros there."""
    mine = {(r["unit_code"], r["plan_code"]): r for r in branch_rows}
    theirs = {(r["unit_code"], r["plan_code"]): r for r in office_rows}
    out = []
    for key in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(key, {}), theirs.get(key, {})
        for item, zh in ITEMS:
            va, vb = int(a.get(item, 0)), int(b.get(item, 0))
            if va != vb:
                out.append(Difference(branch_code, key[0], key[1], item, zh, va, vb))
    return out


def reconcile(period: str) -> Report:
    require_office()
    parse_period(period)
    figures: dict[str, list[dict[str, Any]]] = {}
    cur = database.execute_sql(
        "SELECT branch_code, unit_code, plan_code, members, shares, fees_due_fen, claims_settled, benefit_fen "
        "FROM office_figure WHERE period = ? ORDER BY branch_code, unit_code, plan_code",
        (period,),
    )
    keys = ("branch_code", "unit_code", "plan_code", *(k for k, _ in ITEMS))
    for r in cur:
        row = dict(zip(keys, r, strict=True))
        figures.setdefault(row["branch_code"], []).append(row)
    reported = sorted(
        set(figures)
        | {
            r[0]
            for r in database.execute_sql(
                "SELECT DISTINCT branch_code FROM received_bundle WHERE period = ? AND status = 'imported' "
                "AND kind = 'branch_monthly'",
                (period,),
            )
        }
    )
    ledger: dict[str, list[dict[str, Any]]] = {}
    ledger_rows = ledger_figures(period)
    for row in ledger_rows:
        ledger.setdefault(row["branch_code"], []).append(row)
    enrolled = enrolled_branches()
    from sync import branches

    # A branch the register has closed (rejected, disqualified, or stopped before the period)
    # is not "not reported": the office expects nothing from it (docs/rules.md R8.5, R8.7).
    closed = branches.closed_for(period, clock.today()) if branches.table_exists() else {}
    not_reported = [
        {"branch_code": code, "name": p.name, "enrolled": True}
        for code, p in enrolled.items()
        if code not in reported and code not in closed
    ]
    not_reported += [
        {"branch_code": code, "name": "", "enrolled": False}
        for code in sorted(ledger)
        if code not in reported and code not in enrolled
    ]
    report = Report(period, reported, not_reported, ledger_rows=len(ledger_rows))
    for code in reported:
        report.differences += compare(figures.get(code, []), ledger.get(code, []), code)
        report.rows_compared += len(
            {(r["unit_code"], r["plan_code"]) for r in figures.get(code, []) + ledger.get(code, [])}
        )
    report.fee_differences = fee_differences(period)
    return report


# --- output ----------------------------------------------------------------------------------------

DIFF_HEADERS = ["代办处编码", "单位编码", "险种代码", "项目", "代办处数据", "办事处数据", "差额（代办处−办事处）"]
MISSING_HEADERS = ["代办处编码", "代办处名称", "说明"]
FEE_HEADERS = [
    "代办处编码",
    "单位编码",
    "险种代码",
    "保单期间",
    "应缴会费（元）",
    "已收会费（元）",
    "已上交（元）",
    "未收（元）",
    "未上交（元）",
]


def _value(item: str, value: int) -> str:
    if item in MONEY_ITEMS:
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    return str(value)


def difference_rows(report: Report) -> list[list[str]]:
    return [
        [
            d.branch_code,
            d.unit_code,
            d.plan_code,
            d.item_zh,
            _value(d.item, d.branch_value),
            _value(d.item, d.office_value),
            _value(d.item, d.difference),
        ]
        for d in report.differences
    ]


def missing_rows(report: Report) -> list[list[str]]:
    return [
        [m["branch_code"], m["name"], "未报送本期数据包" if m["enrolled"] else "台账中有，但未登记、未报送"]
        for m in report.not_reported
    ]


def _money_text(value: int | None) -> str:
    return "" if value is None else _value("fees_due_fen", value)


def _money_cell(value: int | None) -> int | Decimal | str:
    return "" if value is None else _number("fees_due_fen", value)


def fee_rows(report: Report) -> list[list[str]]:
    money = _money_text
    return [
        [
            d.branch_code,
            d.unit_code,
            d.plan_code,
            d.period,
            money(d.due_fen),
            money(d.collected_fen),
            money(d.remitted_fen),
            money(d.unpaid_fen),
            money(d.unremitted_fen),
        ]
        for d in report.fee_differences
    ]


def fee_difference_rows(report: Report) -> list[list[str]]:
    """The fee differences in the seven columns of ``DIFF_HEADERS`` (for one table with the
    others): 未收会费 = due vs collected, 未上交会费 = collected vs remitted."""
    out = []
    for d in report.fee_differences:
        if d.unpaid_fen:
            out.append(
                [
                    d.branch_code,
                    d.unit_code,
                    d.plan_code,
                    f"未收会费 {d.start}起",
                    _money_text(d.due_fen),
                    _money_text(d.collected_fen),
                    _money_text(d.unpaid_fen),
                ]
            )
        if d.unremitted_fen:
            out.append(
                [
                    d.branch_code,
                    d.unit_code,
                    d.plan_code,
                    f"未上交会费 {d.start}起",
                    _money_text(d.collected_fen),
                    _money_text(d.remitted_fen),
                    _money_text(d.unremitted_fen),
                ]
            )
    return out


def fee_cells(report: Report) -> list[list[Any]]:
    number = _money_cell
    return [
        [
            d.branch_code,
            d.unit_code,
            d.plan_code,
            d.period,
            number(d.due_fen),
            number(d.collected_fen),
            number(d.remitted_fen),
            number(d.unpaid_fen),
            number(d.unremitted_fen),
        ]
        for d in report.fee_differences
    ]


def write_csv(report: Report, path: str | Path) -> None:
    """One table: the differences, then one line per branch that has not reported; when money
    is missing, a blank line and a second table of the fee differences (due, collected, remitted)."""
    rows = difference_rows(report) + [[m[0], "", "", "未报送", "", "", m[2]] for m in missing_rows(report)]
    if report.fee_differences:
        rows += [[], FEE_HEADERS, *fee_rows(report)]
    save_csv(path, DIFF_HEADERS, rows)


def _number(item: str, value: int) -> int | Decimal:
    """A figure as a spreadsheet number: money in yuan, exact (Decimal), counts as integers."""
    return Decimal(value).scaleb(-2) if item in MONEY_ITEMS else value


def difference_cells(report: Report) -> list[list[Any]]:
    """The rows of ``difference_rows`` with numbers as numbers, so a sheet can sum and sort them."""
    return [
        [
            d.branch_code,
            d.unit_code,
            d.plan_code,
            d.item_zh,
            _number(d.item, d.branch_value),
            _number(d.item, d.office_value),
            _number(d.item, d.difference),
        ]
        for d in report.differences
    ]


YUAN_FORMAT = "#,##0.00"


def write_xlsx(report: Report, path: str | Path) -> None:
    """Sheets 差异 (differences) and 未报送 (branches that have not reported). Figures are
    number cells (money in yuan with two decimals), not text."""
    formats = [
        {4: YUAN_FORMAT, 5: YUAN_FORMAT, 6: YUAN_FORMAT} if d.item in MONEY_ITEMS else {} for d in report.differences
    ]
    sheets = [("差异", DIFF_HEADERS, difference_cells(report)), ("未报送", MISSING_HEADERS, missing_rows(report))]
    number_formats = {"差异": formats}
    if report.fee_differences:
        sheets.append(("会费", FEE_HEADERS, fee_cells(report)))
        number_formats["会费"] = [{i: YUAN_FORMAT for i in range(4, 9)} for _ in report.fee_differences]
    _write_xlsx(Path(path), sheets, number_formats=number_formats)


def _shown(value: Any) -> str:
    return f"{value:,}" if isinstance(value, (int, Decimal)) else str(value)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def _write_xlsx(
    path: Path,
    sheets: list[tuple[str, list[str], list[list[Any]]]],
    number_formats: dict[str, list[dict[int, str]]] | None = None,
) -> None:
    """``number_formats``: per sheet, one {column index: Excel number format} per row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the new workbook's empty default sheet
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        formats = (number_formats or {}).get(title, [])
        for r, row in enumerate(rows):
            ws.append(row)
            for column, fmt in (formats[r] if r < len(formats) else {}).items():
                ws.cell(row=r + 2, column=column + 1).number_format = fmt
        for index, header in enumerate(headers, start=1):
            width = max(
                [_display_width(header)] + [_display_width(_shown(r[index - 1])) for r in rows if index - 1 < len(r)]
            )
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = min(60, width + 2)
        ws.freeze_panes = "A2"
    save_workbook(wb, path)  # unit names come from the branches' bundles: never a live formula here
