"""Totals across branches, per plan and month, from what the branches reported (docs/rules.md R5).

The office's figures of record are what it imported: ``office_figure`` holds, per branch ×
month × unit × plan, the figures of the latest bundle imported for that month (a replacement
bundle replaces them), and ``received_bundle.summary`` the month's disbursed amount. Members
and shares are counts at the month's end, so they are summed across branches, never across
months: every row here is one month × one plan, and each month has one line of all plans.

Which columns are totalled follows the table: a figure added to ``office_figure`` by a later
payload version (e.g. fees collected) is totalled without touching this module; its Chinese
label comes from ``LABELS`` (the column name is shown until one is added).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.db import database
from sync.keystore import require_office

LABELS: dict[str, str] = {
    "members": "人数",
    "shares": "份数",
    "fees_due_fen": "应缴会费（元）",
    "fees_collected_fen": "实收会费（元）",
    "fees_remitted_fen": "已上交会费（元）",
    "claims_reported": "报案",
    "claims_submitted": "已上报",
    "claims_returned": "打回",
    "claims_settled": "已结案",
    "claims_declined": "拒付",
    "benefit_fen": "给付金额（元）",
    "disbursed_fen": "互助互济支出（元）",
}
ALL_PLANS = "合计"
_NOT_FIGURES = {"id", "bundle_id"}
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def is_money(column: str) -> bool:
    return column.endswith("_fen")


def figure_columns() -> list[str]:
    """The integer figures of ``office_figure``, in table order."""
    return [
        c.name
        for c in database.get_columns("office_figure")
        if c.name not in _NOT_FIGURES and c.data_type.upper() in ("INTEGER", "BIGINT", "INT")
    ]


@dataclass
class TotalsRow:
    period: str
    plan_code: str  # ALL_PLANS on a month's line of every plan
    branches: int  # branches whose bundle for the month has a figure for this plan
    figures: dict[str, int]
    disbursed_fen: int | None = None  # only on a month's line: disbursements are not per plan

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"period": self.period, "plan_code": self.plan_code, "branches": self.branches}
        out.update(self.figures)
        if self.disbursed_fen is not None:
            out["disbursed_fen"] = self.disbursed_fen
        return out


@dataclass
class Totals:
    first: str
    last: str
    columns: list[str]
    rows: list[TotalsRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"from": self.first, "to": self.last, "columns": self.columns, "rows": [r.to_json() for r in self.rows]}

    def headers(self) -> list[str]:
        return ["月份", "险种", "代办处数", *(LABELS.get(c, c) for c in self.columns), LABELS["disbursed_fen"]]

    def cells(self) -> list[list[Any]]:
        """Rows for a sheet: money as exact yuan (Decimal), counts as integers."""

        def value(column: str, v: int | None) -> Any:
            if v is None:
                return ""
            return Decimal(v).scaleb(-2) if is_money(column) else v

        return [
            [
                r.period,
                r.plan_code,
                r.branches,
                *(value(c, r.figures.get(c, 0)) for c in self.columns),
                value("disbursed_fen", r.disbursed_fen),
            ]
            for r in self.rows
        ]


def check_period(text: str, what: str) -> str:
    from models.errors import UsageError

    if not _PERIOD.match(text or ""):
        raise UsageError(f"{what}应为 YYYY-MM 格式的月份：{text}", f"{what} must be a month YYYY-MM: {text}")
    return text


def _disbursed(first: str, last: str) -> dict[tuple[str, str], int]:
    """branch × month → disbursed_fen of the latest bundle imported for that month."""
    sql = """
    SELECT branch_code, period, summary FROM received_bundle
    WHERE status = 'imported' AND kind = 'branch_monthly' AND period BETWEEN ? AND ? AND summary IS NOT NULL
    ORDER BY branch_code, period, sequence
    """
    out: dict[tuple[str, str], int] = {}
    for code, period, summary in database.execute_sql(sql, (first, last)):
        try:
            doc = json.loads(summary)
            value = doc.get("summary", {}).get("disbursed_fen")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, int):
            out[(code, period)] = value  # ordered by sequence: the latest import wins
    return out


def totals(first: str, last: str) -> Totals:
    """Every month from ``first`` to ``last`` (YYYY-MM) that has imported figures: one row
    per plan, then the month's line over every plan (with the month's disbursements)."""
    require_office()
    if first > last:
        from models.errors import UsageError

        raise UsageError("起始月份晚于截止月份", "--from is after --to")
    columns = figure_columns()
    sums = ", ".join(f"coalesce(sum({c}), 0)" for c in columns)
    per_plan = database.execute_sql(
        f"SELECT period, plan_code, count(DISTINCT branch_code), {sums} FROM office_figure "
        "WHERE period BETWEEN ? AND ? GROUP BY period, plan_code ORDER BY period, plan_code",
        (first, last),
    ).fetchall()
    per_month = {
        row[0]: row
        for row in database.execute_sql(
            f"SELECT period, count(DISTINCT branch_code), {sums} FROM office_figure "
            "WHERE period BETWEEN ? AND ? GROUP BY period",
            (first, last),
        )
    }
    disbursed: dict[str, int] = {}
    for (_code, period), fen in _disbursed(first, last).items():
        disbursed[period] = disbursed.get(period, 0) + fen
    result = Totals(first, last, columns)
    periods = sorted(set(per_month) | set(disbursed))
    by_period: dict[str, list[Any]] = {}
    for row in per_plan:
        by_period.setdefault(row[0], []).append(row)
    for period in periods:
        for row in by_period.get(period, []):
            result.rows.append(TotalsRow(period, row[1], row[2], dict(zip(columns, row[3:], strict=True))))
        month = per_month.get(period)
        result.rows.append(
            TotalsRow(
                period,
                ALL_PLANS,
                month[1] if month else 0,
                dict(zip(columns, month[2:], strict=True)) if month else dict.fromkeys(columns, 0),
                disbursed.get(period, 0),
            )
        )
    return result


def write_xlsx(result: Totals, path: str | Path) -> None:
    """One sheet 汇总, figures as number cells (money in yuan, two decimals), ready to print."""
    from sync.reconcile import YUAN_FORMAT, _write_xlsx

    money = {i + 3: YUAN_FORMAT for i, c in enumerate(result.columns) if is_money(c)}
    money[len(result.columns) + 3] = YUAN_FORMAT
    _write_xlsx(
        Path(path), [("汇总", result.headers(), result.cells())], number_formats={"汇总": [money] * len(result.rows)}
    )
