"""The work log: committee meetings, trainings and articles sent to the office.

The yearly audit counts them (committee meetings every quarter, 000 第十六条1; at least 4
trainings and 4 articles a year, 001 附件1 业务管理), so the branch keeps one dated line per
event, entered by hand or imported from the spreadsheet it already keeps. The import is
all-or-nothing like the enrolment import: every row is checked first, every problem is
reported with its line and column, and only a file without a bad row is written, in one
transaction with one audit event. A row identical to one already held (same kind, date and
title) is skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from models import audit, clock
from models.db import database, writing
from models.errors import ValidationFailed
from models.safeout import save_csv, save_workbook
from models.tabular import parse_date, read_table

#: Kinds of entry, with the Chinese name used on screen and in files.
KINDS = {"meeting": "管委会会议", "training": "业务培训", "article": "投稿"}
#: What a file may write in the 类别 column for each kind (the Chinese name, a short form or the code).
_KIND_WORDS = {
    **{name: code for code, name in KINDS.items()},
    **{code: code for code in KINDS},
    "会议": "meeting",
    "管委会": "meeting",
    "培训": "training",
    "稿件": "article",
    "信息": "article",
}
COLUMNS = ["类别", "日期", "标题", "参加人员或投稿去向", "备注"]
REQUIRED = COLUMNS[:3]
TITLE_MAX = 200


@dataclass(frozen=True)
class Entry:
    id: int | None
    kind: str
    on_date: dt.date
    title: str
    attendees_or_outlet: str | None
    note: str | None
    created_by: str | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_name": KINDS[self.kind],
            "on_date": self.on_date.isoformat(),
            "title": self.title,
            "attendees_or_outlet": self.attendees_or_outlet,
            "note": self.note,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    reason: str


@dataclass
class ImportResult:
    file: str
    rows: int
    entries: list[Entry] = field(default_factory=list)
    skipped: int = 0
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
            "new": len(self.entries),
            "skipped": self.skipped,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }


def kind_code(text: str) -> str | None:
    """The kind code for what a clerk typed (管委会会议, 培训, article …); None when unknown."""
    return _KIND_WORDS.get((text or "").strip().lower())


def check_entry(kind: str, on_date: dt.date | None, title: str, today: dt.date) -> list[tuple[str, str]]:
    """Problems with an entry as (column, reason); empty when it may be written."""
    problems = []
    if kind not in KINDS:
        problems.append(("类别", f"类别应为{'、'.join(KINDS.values())}之一"))
    if on_date is None:
        problems.append(("日期", "“日期”不能为空"))
    elif on_date > today:
        problems.append(("日期", f"日期 {on_date} 晚于今天 {today}：只登记已发生的会议、培训和投稿"))
    if not (title or "").strip():
        problems.append(("标题", "“标题”不能为空"))
    elif len(title.strip()) > TITLE_MAX:
        problems.append(("标题", f"标题超过 {TITLE_MAX} 个字符"))
    return problems


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _exists(kind: str, on_date: dt.date, title: str) -> bool:
    return (
        database.execute_sql(
            "SELECT 1 FROM work_log WHERE kind = ? AND on_date = ? AND title = ?", (kind, on_date.isoformat(), title)
        ).fetchone()
        is not None
    )


def _insert(entries: list[Entry], user: str) -> list[Entry]:
    now = clock.stamp()
    written = []
    for e in entries:
        new_id = database.execute_sql(
            "INSERT INTO work_log (kind, on_date, title, attendees_or_outlet, note, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (e.kind, e.on_date.isoformat(), e.title, e.attendees_or_outlet, e.note, user, now),
        ).lastrowid
        written.append(Entry(new_id, e.kind, e.on_date, e.title, e.attendees_or_outlet, e.note, user))
    return written


def add_entry(
    kind: str,
    on_date: dt.date,
    title: str,
    attendees_or_outlet: str | None = None,
    note: str | None = None,
    *,
    today: dt.date | None = None,
) -> Entry:
    """Write one entry (refused with every problem named when it is not valid)."""
    today = today or clock.today()
    code = kind_code(kind) or kind
    problems = check_entry(code, on_date, title, today)
    if problems:
        text = "；".join(reason for _, reason in problems)
        raise ValidationFailed(f"未登记：{text}", "not recorded: " + "; ".join(col for col, _ in problems) + " invalid")
    entry = Entry(None, code, on_date, title.strip(), _clean(attendees_or_outlet), _clean(note))
    if _exists(entry.kind, entry.on_date, entry.title):
        raise ValidationFailed(
            f"已登记过：{on_date} {KINDS[code]}“{entry.title}”", f"already recorded: {on_date} {code} '{entry.title}'"
        )
    with writing() as session:
        (written,) = _insert([entry], session.user)
        audit.record(
            "worklog.add",
            "work_log",
            written.id,
            {"kind": written.kind, "on_date": written.on_date, "title": written.title},
        )
    return written


def list_entries(*, year: int | None = None, kind: str | None = None) -> list[Entry]:
    """Entries by date (oldest first), optionally of one year and one kind."""
    sql = "SELECT id, kind, on_date, title, attendees_or_outlet, note, created_by FROM work_log WHERE 1 = 1"
    params: list = []
    if year is not None:
        sql += " AND on_date BETWEEN ? AND ?"
        params += [f"{year:04d}-01-01", f"{year:04d}-12-31"]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY on_date, id"
    return [
        Entry(i, k, dt.date.fromisoformat(str(d)[:10]), t, a, n, by)
        for i, k, d, t, a, n, by in database.execute_sql(sql, params)
    ]


def import_worklog(path: str | Path, *, dry_run: bool = False, today: dt.date | None = None) -> ImportResult:
    """Check every row of a .csv/.xlsx work log and write them all, or nothing."""
    today = today or clock.today()
    path = Path(path)
    sheet = read_table(path)
    result = ImportResult(file=path.name, rows=len(sheet.rows), dry_run=dry_run)
    missing = [c for c in REQUIRED if c not in sheet.headers]
    if missing:
        result.errors.append(
            RowProblem(1, "、".join(missing), f"缺少列：{'、'.join(missing)}（模板见 huzhu worklog template）")
        )
        return result
    unknown = [h for h in sheet.headers if h and h not in COLUMNS]
    if unknown:
        result.warnings.append(RowProblem(1, "、".join(unknown), "未知的列，已忽略"))
    if not sheet.rows:
        result.errors.append(RowProblem(1, "", "文件中没有数据行"))
        return result
    seen: dict[tuple, int] = {}
    planned: list[Entry] = []
    for line, raw in sheet.rows:
        text = {c: str(raw.get(c, "") or "").strip() for c in COLUMNS}
        code = kind_code(text["类别"])
        problems = []
        if not text["类别"]:
            problems.append(("类别", "“类别”不能为空"))
        elif code is None:
            problems.append(("类别", f"类别“{text['类别']}”无法识别：应为{'、'.join(KINDS.values())}之一"))
        try:
            on_date = parse_date(raw.get("日期", ""))
            unreadable = False
        except ValueError:
            on_date, unreadable = None, True
            problems.append(("日期", f"日期无法识别：“{text['日期']}”（应为 2026-11-23 或 20261123）"))
        problems += [
            p
            for p in check_entry(code or "meeting", on_date, text["标题"], today)
            if p[0] != "类别" and not (unreadable and p[0] == "日期")
        ]
        for column, reason in problems:
            result.errors.append(RowProblem(line, column, reason))
        if problems:
            continue
        if "__extra__" in raw:
            result.warnings.append(RowProblem(line, "", "表头之外还有内容，已忽略"))
        entry = Entry(None, code, on_date, text["标题"], _clean(text["参加人员或投稿去向"]), _clean(text["备注"]))
        key = (entry.kind, entry.on_date, entry.title)
        if key in seen:
            result.errors.append(RowProblem(line, "标题", f"与第 {seen[key]} 行重复（同一类别、日期、标题）"))
            continue
        seen[key] = line
        if _exists(*key):
            result.skipped += 1
            result.warnings.append(RowProblem(line, "", "已登记过，跳过"))
            continue
        planned.append(entry)
    if result.errors or dry_run:
        result.entries = [] if result.errors else planned
        return result
    if not planned:
        return result
    with writing() as session:
        result.entries = _insert(planned, session.user)
        audit.record(
            "import.worklog",
            "work_log",
            None,
            {
                "file": result.file,
                "rows": result.rows,
                "new": len(planned),
                "skipped": result.skipped,
                "kinds": {k: sum(1 for e in planned if e.kind == k) for k in KINDS},
            },
        )
    result.written = True
    return result


def write_template(path: str | Path) -> None:
    """The import template: the header and one example row per kind, as .xlsx or .csv (UTF-8 with BOM)."""
    path = Path(path)
    examples = [
        ["管委会会议", "2026-03-18", "第一季度管委会会议：研究年度互助保障工作计划", "李主席、王芳、赵磊", ""],
        ["业务培训", "2026-04-09", "理赔业务及无纸化APP申报培训", "各基层单位经办人 32 人", "办事处讲师授课"],
        ["投稿", "2026-05-20", "我区开展职工互助保障宣传月活动", "办事处门户网站", ""],
    ]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.worksheets[0]  # a new workbook's one sheet (wb.active is typed as possibly none)
        ws.title = "工作记录"
        ws.append(COLUMNS)
        for row in examples:
            ws.append(row)
        for letter, width in zip("ABCDE", (12, 12, 48, 28, 20), strict=True):
            ws.column_dimensions[letter].width = width
        save_workbook(wb, path)
        return
    save_csv(path, COLUMNS, examples)
