"""What the office's screens show: every branch × month, one branch's bundles and records,
and the office's 待办 (docs/rules.md R5, §8). Plain reads of the office database, no UI: the office
TUI (``tui/office``) and the tests call these.

A branch's status for a month, in order of precedence:

| status | 中文 | meaning |
|---|---|---|
| ``inactive`` | 未开业 | the register expects nothing yet: applied, approved or certified, no business started |
| ``closed`` | 已关闭 | the register expects nothing (rejected, disqualified, stopped before the month) |
| ``differences`` | 有差异 | imported; the office's ledger for the month differs from it, or its fees are not all collected and remitted (§12) |
| ``reconciled`` | 一致 | imported; the ledger agrees item by item |
| ``received`` | 已接收 | imported (verified); no ledger for the month yet |
| ``held`` | 缺前序 | verified but held: an earlier bundle is missing |
| ``refused`` | 被拒收 | only refused files (bad signature, replay …) |
| ``late`` | 逾期未报 | nothing received and the due day has passed |
| ``missing`` | 未报送 | nothing received yet, not yet due |
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from models.db import database, upsert_meta
from rules.branches import CLOSED
from rules.dates import add_months
from sync.keystore import enrolled_branches, require_office

STATUS_ZH = {
    "inactive": "未开业",
    "closed": "已关闭",
    "differences": "有差异",
    "reconciled": "一致",
    "received": "已接收",
    "held": "缺前序",
    "refused": "被拒收",
    "late": "逾期未报",
    "missing": "未报送",
}
#: The day of the following month by which a month's bundle is due (R5.1: Configurable,
#: set by the office with ``huzhu office settings --due-day N``).
DEFAULT_DUE_DAY = 10
DUE_DAY_KEY = "office_due_day"


def due_day() -> int:
    row = database.execute_sql("SELECT value FROM huzhu_meta WHERE key = ?", (DUE_DAY_KEY,)).fetchone()
    try:
        return int(row[0]) if row else DEFAULT_DUE_DAY
    except ValueError:
        return DEFAULT_DUE_DAY


def set_due_day(day: int) -> None:
    from models import audit
    from models.db import writing
    from models.errors import UsageError

    require_office()
    if not 1 <= day <= 28:
        raise UsageError("报送截止日应为 1 到 28 之间的整数", "the due day must be 1 to 28")
    with writing() as session:
        session.require_role("supervisor")
        old = due_day()
        upsert_meta(DUE_DAY_KEY, str(day))
        audit.record("office.settings", "huzhu_meta", DUE_DAY_KEY, {"old": old, "new": day})


def period_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def ended_periods(today: dt.date, count: int) -> list[str]:
    """The ``count`` months that have ended by ``today``, oldest first."""
    first_of_month = today.replace(day=1)
    return [period_of(add_months(first_of_month, -i)) for i in range(count, 0, -1)]


def due_date(period: str, day: int) -> dt.date:
    year, month = map(int, period.split("-"))
    return add_months(dt.date(year, month, 1), 1).replace(day=day)


def branches() -> dict[str, str]:
    """Every branch the office knows: enrolled (keys pinned) or in the register: code → name."""
    out = {code: p.name for code, p in enrolled_branches().items()}
    if "office_branch" in database.get_tables():
        for code, name in database.execute_sql("SELECT code, name FROM office_branch"):
            out.setdefault(code, name)
    return dict(sorted(out.items()))


@dataclass
class Cell:
    status: str
    differences: int = 0
    detail: str = ""

    @property
    def zh(self) -> str:
        return STATUS_ZH[self.status] + (f" {self.differences}" if self.status == "differences" else "")


@dataclass
class Board:
    periods: list[str]
    rows: list[tuple[str, str, list[Cell]]] = field(default_factory=list)  # (code, name, cells)

    def to_json(self) -> dict[str, Any]:
        return {
            "periods": self.periods,
            "branches": [
                {
                    "branch_code": code,
                    "name": name,
                    "months": [
                        {
                            "period": p,
                            "status": c.status,
                            "status_zh": STATUS_ZH[c.status],
                            "differences": c.differences,
                        }
                        for p, c in zip(self.periods, cells, strict=True)
                    ],
                }
                for code, name, cells in self.rows
            ],
        }


def board(today: dt.date, months: int = 6) -> Board:
    """Every branch × each of the last ``months`` ended months."""
    from sync import branches as register
    from sync.reconcile import reconcile

    require_office()
    periods = ended_periods(today, months)
    day = due_day()
    statuses: dict[tuple[str, str], set[str]] = {}
    marks = ",".join("?" * len(periods))
    for code, period, status in database.execute_sql(
        f"SELECT branch_code, period, status FROM received_bundle WHERE period IN ({marks}) "
        "AND branch_code IS NOT NULL AND coalesce(kind, '') != 'branch_yearly'",
        periods,
    ):
        statuses.setdefault((code, period), set()).add(status)
    diffs: dict[tuple[str, str], int] = {}
    has_ledger: set[str] = set()
    closed: dict[str, dict[str, str]] = {}
    for period in periods:
        report = reconcile(period)
        if report.ledger_rows:
            has_ledger.add(period)
        # fees due/collected/remitted count too (§12)
        for code in [d.branch_code for d in report.differences] + [d.branch_code for d in report.fee_differences]:
            diffs[(code, period)] = diffs.get((code, period), 0) + 1
        closed[period] = register.closed_for(period, today) if register.table_exists() else {}
    out = Board(periods)
    for code, name in branches().items():
        cells = []
        for period in periods:
            seen = statuses.get((code, period), set())
            if code in closed[period] and "imported" not in seen:
                cells.append(Cell("closed" if closed[period][code] in CLOSED else "inactive"))
            elif "imported" in seen:
                n = diffs.get((code, period), 0)
                cells.append(
                    Cell("differences", n) if n else Cell("reconciled" if period in has_ledger else "received")
                )
            elif "held" in seen:
                cells.append(Cell("held"))
            elif "refused" in seen:
                cells.append(Cell("refused"))
            else:
                cells.append(Cell("late" if today > due_date(period, day) else "missing"))
        out.rows.append((code, name, cells))
    return out


@dataclass
class TodoItem:
    kind: str  # held | late | differences | deadline | project
    branch_code: str
    title: str
    detail: str
    overdue: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "branch_code": self.branch_code,
            "title": self.title,
            "detail": self.detail,
            "overdue": self.overdue,
        }


def todo(today: dt.date, months: int = 3, soon_days: int = 7) -> list[TodoItem]:
    """The office's work: bundles held for a gap, months late, differences without an
    answer sent, and register deadlines overdue or within ``soon_days``."""
    from sync import branches as register

    require_office()
    items: list[TodoItem] = []
    for code, period, missing in database.execute_sql(
        "SELECT branch_code, period, detail FROM received_bundle WHERE status = 'held' ORDER BY branch_code, period"
    ):
        items.append(TodoItem("held", code, f"{code} {period} 缺前序数据包，已暂存", missing or ""))
    b = board(today, months)
    answered = {
        (r[0], r[1]) for r in database.execute_sql("SELECT branch_code, period FROM bundle_log WHERE direction = 'out'")
    }
    for code, name, cells in b.rows:
        for period, cell in zip(b.periods, cells, strict=True):
            if cell.status == "late":
                items.append(
                    TodoItem(
                        "late",
                        code,
                        f"{code} {name} {period} 逾期未报送",
                        f"截止 {due_date(period, due_day()).isoformat()}",
                        True,
                    )
                )
            elif cell.status == "differences" and (code, period) not in answered:
                items.append(
                    TodoItem(
                        "differences",
                        code,
                        f"{code} {name} {period} 有 {cell.differences} 处差异，未回复",
                        "用 huzhu office notice / return 回复",
                    )
                )
    items += project_items(today, soon_days)
    if register.table_exists():
        for row in register.listing(today):
            for d in row["deadlines"]:
                if d["overdue"] or d["days_left"] <= soon_days:
                    when = f"已逾期 {-d['days_left']} 天" if d["overdue"] else f"剩 {d['days_left']} 天"
                    items.append(
                        TodoItem(
                            "deadline",
                            row["branch_code"],
                            f"{row['branch_code']} {row['name']}：{d['label']}",
                            f"期限 {d['due']}（{when}；{d['citation']}）",
                            d["overdue"],
                        )
                    )
    items.extend(_yearly_missing(today))
    return items


def _yearly_missing(today: dt.date) -> list[TodoItem]:
    """Branches that worked in the last assessed year (a monthly bundle of it imported) and have
    sent no self-assessment package for it: once its window opens, overdue after 01-15
    (000 第二十三条)."""
    from rules.audit import last_opened_year, yearly_window
    from rules.params import resolve
    from sync.yearly import period_of

    year = last_opened_year(today)
    start, end = yearly_window(year, resolve(None, today))
    active = {
        r[0]
        for r in database.execute_sql(
            "SELECT DISTINCT branch_code FROM received_bundle WHERE kind = 'branch_monthly' AND status = 'imported' "
            "AND period BETWEEN ? AND ?",
            (f"{year}-01", f"{year}-12"),
        )
    }
    sent = {
        r[0]
        for r in database.execute_sql(
            "SELECT DISTINCT branch_code FROM received_bundle WHERE kind = 'branch_yearly' AND status = 'imported' "
            "AND period = ?",
            (period_of(year),),
        )
    }
    names = branches()
    return [
        TodoItem(
            "yearly",
            code,
            f"{code} {names.get(code, '')} {year} 年度自审材料未报送",
            f"自审期 {start.isoformat()} 至 {end.isoformat()}（000 第二十三条）",
            today > end,
        )
        for code in sorted(active - sent)
    ]


def project_items(today: dt.date, soon_days: int = 7) -> list[TodoItem]:
    """Service-project deadlines from the branches' bundles (projects.json, R7.4–R7.8): the office's
    own (first review, approval, platform set-up, feedback) overdue or within ``soon_days``, and a
    branch's overdue ones, as the branch computed them with its working-day calendar."""
    items = []
    for code, data in database.execute_sql(
        "SELECT branch_code, data FROM office_record WHERE kind = 'project' ORDER BY branch_code, uid"
    ):
        try:
            project = json.loads(data)
        except ValueError:
            continue
        for d in project.get("deadlines", []):
            due = dt.date.fromisoformat(d["due"])
            overdue, left = today > due, (due - today).days
            if not overdue and (d["party"] != "office" or left > soon_days):
                continue
            who = "办事处" if d["party"] == "office" else "代办处"
            when = f"已逾期 {-left} 天" if overdue else f"剩 {left} 天"
            items.append(
                TodoItem(
                    "project",
                    code,
                    f"{code} 服务项目 {project.get('name', '')}：{d['label']}",
                    f"{who}期限 {d['due']}（{when}；{d['citation']}）",
                    overdue,
                )
            )
    return items


@dataclass
class BranchView:
    code: str
    name: str
    fingerprint: str | None
    pinned_at: str | None
    state: dict[str, Any] | None
    bundles: list[dict[str, Any]]
    figures: list[dict[str, Any]]
    figures_period: str | None
    records: dict[str, list[dict[str, Any]]]
    notices: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "branch_code": self.code,
            "name": self.name,
            "fingerprint": self.fingerprint,
            "pinned_at": self.pinned_at,
            "register": self.state,
            "bundles": self.bundles,
            "figures_period": self.figures_period,
            "figures": self.figures,
            "records": self.records,
            "notices": self.notices,
        }


def branch_view(code: str, today: dt.date, period: str | None = None) -> BranchView:
    """One branch: its bundles, the figures of a period (default: the latest imported), the
    claims, disbursements and handovers it reported, its key, and the notices sent."""
    from sync import branches as register

    require_office()
    pinned = enrolled_branches().get(code)
    name = branches().get(code, "")
    state = None
    if register.table_exists():
        state = next((r for r in register.listing(today) if r["branch_code"] == code), None)
    bundles = [
        dict(zip(("period", "sequence", "file", "status", "reason", "received_at"), r, strict=True))
        for r in database.execute_sql(
            "SELECT period, sequence, file_name, status, reason, received_at FROM received_bundle WHERE branch_code = ? "
            "ORDER BY id DESC",
            (code,),
        )
    ]
    if period is None:
        row = database.execute_sql("SELECT max(period) FROM office_figure WHERE branch_code = ?", (code,)).fetchone()
        period = row[0] if row else None
    fields = (
        "unit_code",
        "plan_code",
        "members",
        "shares",
        "fees_due_fen",
        "claims_reported",
        "claims_submitted",
        "claims_returned",
        "claims_settled",
        "claims_declined",
        "benefit_fen",
    )
    figures = (
        [
            dict(zip(fields, r, strict=True))
            for r in database.execute_sql(
                f"SELECT {', '.join(fields)} FROM office_figure WHERE branch_code = ? AND period = ? ORDER BY unit_code, plan_code",
                (code, period),
            )
        ]
        if period
        else []
    )
    records: dict[str, list[dict[str, Any]]] = {}
    for kind, rperiod, data in database.execute_sql(
        "SELECT kind, period, data FROM office_record WHERE branch_code = ? ORDER BY period DESC, uid", (code,)
    ):
        try:
            value = json.loads(data)
        except ValueError:
            value = {"raw": data}
        records.setdefault(kind, []).append(
            {"period": rperiod, **(value if isinstance(value, dict) else {"value": value})}
        )
    notices = [
        dict(zip(("period", "kind", "ref", "text", "created_at", "sent"), (*r[:5], r[5] is not None), strict=True))
        for r in database.execute_sql(
            "SELECT period, kind, ref, text, created_at, sent_sha256 FROM outgoing_notice WHERE branch_code = ? "
            "ORDER BY id DESC",
            (code,),
        )
    ]
    return BranchView(
        code,
        name,
        pinned.fingerprint if pinned else None,
        pinned.enrolled_at if pinned else None,
        state,
        bundles,
        figures,
        period,
        records,
        notices,
    )
