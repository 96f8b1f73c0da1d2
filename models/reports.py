"""Registers and statistics for print: built from the database as plain rows and totals, then
shown on screen, printed as JSON, or written as .xlsx (A4, for the binder) and .csv.

Offices keep paper registers and Excel tables, and the yearly audit asks for them (001 附件3):
the claim register (报案登记簿, 000 第十七条5), the disbursement register and receipts
(慰问金发放登记簿 / 签收单, 003 附件1、附件2), the fee-income and claims statistics by unit ×
plan (会费收入、理赔给付业务统计报表) and the management-fee budget's execution. A builder
returns a `Report` whose rows hold raw values (integer fen, dates); every output formats
the same rows, so the screen, the JSON and the files always agree, and the totals row is
computed once, here.

What is never printed: full ID numbers (masked with ``rules.mask_id``) and bank accounts
(no builder selects them).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from models import clock
from models.claims import stored_errors
from models.db import database
from models.errors import UsageError
from models.safeout import save_csv, save_workbook
from rules import CATEGORIES, CHANNELS, CLAIM_STATES, METHODS, mask_id

PERIOD_RE = re.compile(r"(2[0-9]{3})(?:-(0[1-9]|1[0-2]))?")
RELATIONS = {"self": "本人", "spouse": "配偶", "child": "子女"}
#: States of a disbursement row as stored (the disbursement service writes them).
DISBURSEMENT_STATE_NAMES = {
    "entered": "已录入",
    "approved": "已审批",
    "paid": "已发放",
    "signed": "已签收",
    "cancelled": "已作废",
}
ACCOUNT_FORM_NAMES = {"change": "业务系统用户名变更表", "filing": "业务系统用户名备案表"}


@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-03``) or year (``2026``), inclusive of both ends."""

    text: str
    start: dt.date
    end: dt.date

    @property
    def is_year(self) -> bool:
        return len(self.text) == 4

    @property
    def label(self) -> str:
        return f"{self.start.year}年度" if self.is_year else f"{self.start.year}年{self.start.month}月"

    @property
    def bounds(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY``; UsageError otherwise."""
    text = (text or "").strip()
    match = PERIOD_RE.fullmatch(text)
    if not match:
        raise UsageError(
            f"期间应写成 YYYY-MM（某月）或 YYYY（全年），如 2026-03 或 2026，收到：“{text}”",
            f"the period must be YYYY-MM (a month) or YYYY (a year), e.g. 2026-03 or 2026; got {text!r}",
        )
    year = int(match[1])
    if match[2] is None:
        return Period(text, dt.date(year, 1, 1), dt.date(year, 12, 31))
    month = int(match[2])
    return Period(text, dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` says how its raw values are shown — text, date, int, fen (integer
    fen shown as yuan), rate (a ratio shown as a percentage) or sign (blank space for a
    handwritten signature). ``total`` columns are summed into the totals row."""

    key: str
    title: str
    kind: str = "text"
    total: bool = False


@dataclass
class Report:
    name: str
    title: str
    period: Period
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    branch: str = ""
    notes: tuple[str, ...] = ()
    landscape: bool = True
    #: Receipts: besides the list, one form per row, each on its own printed page.
    forms: bool = False
    made_on: dt.date = field(default_factory=clock.today)

    def to_json(self) -> dict:
        return {
            "report": self.name,
            "title": self.title,
            "period": self.period.text,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "branch": self.branch,
            "made_on": self.made_on.isoformat(),
            "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in self.columns if c.kind != "sign"],
            "rows": [
                {c.key: _json_value(row.get(c.key)) for c in self.columns if c.kind != "sign"} for row in self.rows
            ],
            "totals": {k: _json_value(v) for k, v in self.totals.items()},
            "notes": list(self.notes),
        }

    def text_rows(self, *, with_totals: bool = True) -> list[list[str]]:
        """The rows as text, as on screen and in the CSV file (the totals row last)."""
        out = [[display(c, row.get(c.key)) for c in self.columns] for row in self.rows]
        if with_totals:
            out.append(self.totals_text())
        return out

    def totals_text(self) -> list[str]:
        return [display(c, self.totals.get(c.key)) if c.key in self.totals else "" for c in self.columns]


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals ("1234.56"), as clerks type amounts into Excel."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def display(column: Column, value: Any) -> str:
    if value is None or column.kind == "sign":
        return ""
    if column.kind == "fen" and isinstance(value, int):
        return yuan(value)
    if column.kind == "rate" and isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _date(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value)[:10])


def _totals(columns: tuple[Column, ...], rows: list[dict], label: str = "合计") -> dict[str, Any]:
    first = columns[0].key
    totals: dict[str, Any] = {first: f"{label}（{len(rows)} 条）"}
    for c in columns:
        if c.total:
            totals[c.key] = sum(row.get(c.key) or 0 for row in rows)
    return totals


def branch_label() -> str:
    """This database's branch as "004 朝阳", for the heading of every table."""
    row = database.execute_sql("SELECT code, name FROM branch ORDER BY id LIMIT 1").fetchone()
    return f"{row[0]} {row[1]}" if row else ""


# --- builders ------------------------------------------------------------------------------------

CLAIM_COLUMNS = (
    Column("no", "序号", "int"),
    Column("unit", "单位名称"),
    Column("member", "出险人姓名"),
    Column("id_masked", "身份证号"),
    Column("diagnosis", "主要诊断"),
    Column("plan", "申报险种"),
    Column("shares", "申报份数", "int", total=True),
    Column("incident_date", "出险日期", "date"),
    Column("report_date", "报案日期", "date"),
    Column("reporter", "报案人"),
    Column("channel", "申报渠道"),
    Column("submitted_on", "上报日期", "date"),
    Column("returned_on", "打回日期", "date"),
    Column("return_reason", "打回原因"),
    Column("resubmitted_on", "重新上报日期", "date"),
    Column("settled_on", "结案日期", "date"),
    Column("benefit_fen", "给付金额（元）", "fen", total=True),
    Column("declined_on", "拒付日期", "date"),
    Column("state", "状态"),
    Column("check", "初审"),
    Column("corrected", "更正"),
)


def _correction_text(claim_id: int) -> str:
    """The register's 更正 cell: each correction before submission with its date and the
    fields it changed (the old values are in the claim's history, R9.3)."""
    from rules.claims import CORRECTABLE_FIELDS

    out = []
    for on, changes in database.execute_sql(
        "SELECT on_date, changes FROM claim_correction WHERE claim_id = ? ORDER BY id", (claim_id,)
    ):
        names = "、".join(CORRECTABLE_FIELDS.get(k, k) for k in json.loads(changes))
        out.append(f"更正 {on}（{names}）")
    return "；".join(out)


def _check_text(check_findings: str | None) -> str:
    """The register's 初审 cell: what the preliminary check refused, with its articles; empty when
    it passed (or for reports registered before the check was kept, migration 0007)."""
    errors = stored_errors(check_findings)
    if not errors:
        return ""
    return "未通过：" + "；".join(f"{f['message']}（{f['citation']}）" for f in errors)


def claims_register(period: Period) -> Report:
    """报案登记簿 (000 第十七条5): every claim reported in the period, with the dates filled later."""
    sql = """
    SELECT u.name, m.name, m.id_number, c.diagnosis, pl.name, c.shares_claimed, c.incident_date, c.report_date,
           c.reporter, c.channel, c.submitted_on, c.returned_on, c.return_reason, c.resubmitted_on, c.settled_on,
           c.benefit_fen, c.declined_on, c.state, c.check_findings, c.id,
           EXISTS (SELECT 1 FROM claim_correction k WHERE k.claim_id = c.id)
    FROM claim_report c JOIN unit u ON u.id = c.unit_id JOIN member m ON m.id = c.member_id
    JOIN plan pl ON pl.code = c.plan_id
    WHERE c.report_date BETWEEN ? AND ? ORDER BY c.report_date, c.id
    """
    rows = []
    for no, (
        unit,
        member,
        idn,
        diagnosis,
        plan,
        shares,
        incident,
        reported,
        reporter,
        channel,
        submitted,
        returned,
        reason,
        resubmitted,
        settled,
        benefit,
        declined,
        state,
        findings,
        claim_id,
        corrected,
    ) in enumerate(database.execute_sql(sql, period.bounds), start=1):
        rows.append(
            {
                "no": no,
                "unit": unit,
                "member": member,
                "id_masked": mask_id(idn),
                "diagnosis": diagnosis,
                "plan": plan,
                "shares": shares,
                "incident_date": _date(incident),
                "report_date": _date(reported),
                "reporter": reporter,
                "channel": CHANNELS.get(channel, channel),
                "submitted_on": _date(submitted),
                "returned_on": _date(returned),
                "return_reason": reason,
                "resubmitted_on": _date(resubmitted),
                "settled_on": _date(settled),
                "benefit_fen": benefit,
                "declined_on": _date(declined),
                "state": CLAIM_STATES.get(state, state),
                "check": _check_text(findings),
                "corrected": _correction_text(claim_id) if corrected else "",
            }
        )
    return Report(
        "claims",
        "报案登记簿",
        period,
        CLAIM_COLUMNS,
        rows,
        _totals(CLAIM_COLUMNS, rows),
        branch_label(),
        notes=("依据《代办处管理办法》第十七条5；按报案日期列入本期，其后的上报、打回、结案日期为制表时的记录。",),
    )


DISBURSEMENT_COLUMNS = (
    Column("no", "序号", "int"),
    Column("paid_on", "发放日期", "date"),
    Column("member", "会员姓名"),
    Column("id_masked", "身份证号"),
    Column("unit", "所在单位"),
    Column("beneficiary", "受益人"),
    Column("category", "类别"),
    Column("reason", "事由（情况说明）"),
    Column("amount_fen", "金额（元）", "fen", total=True),
    Column("method", "发放方式"),
    Column("clerk", "经办人"),
    Column("approver", "审批人"),
    Column("signed_on", "签收日期", "date"),
    Column("state", "状态"),
    Column("signature", "受益会员签字", "sign"),
)

_DISBURSEMENT_SQL = """
SELECT d.id, d.on_date, d.paid_on, m.name, m.id_number, u.name, d.beneficiary_name, d.relation, d.category,
       d.reason, d.amount_fen, d.method, d.receipt_no, d.entered_by, d.approved_by, d.signed_on, d.state
FROM disbursement d LEFT JOIN member m ON m.id = d.member_id LEFT JOIN unit u ON u.id = d.unit_id
WHERE {where} ORDER BY coalesce(d.paid_on, d.on_date), d.id
"""


def _disbursement_rows(where: str, period: Period) -> list[dict]:
    rows = []
    for no, (
        _id,
        on,
        paid,
        member,
        idn,
        unit,
        beneficiary,
        relation,
        category,
        reason,
        amount,
        method,
        receipt_no,
        clerk,
        approver,
        signed,
        state,
    ) in enumerate(database.execute_sql(_DISBURSEMENT_SQL.format(where=where), period.bounds), start=1):
        who = beneficiary if relation == "self" else f"{beneficiary}（{RELATIONS.get(relation, relation)}）"
        rows.append(
            {
                "no": no,
                "on_date": _date(on),
                "paid_on": _date(paid),
                "member": member or beneficiary,
                "id_masked": mask_id(idn) if idn else "",
                "unit": unit or "",
                "beneficiary": who,
                "category": CATEGORIES.get(category, category),
                "reason": reason,
                "amount_fen": amount,
                "method": METHODS.get(method, method),
                "receipt_no": receipt_no or "",
                "clerk": clerk,
                "approver": approver or "",
                "signed_on": _date(signed),
                "state": DISBURSEMENT_STATE_NAMES.get(state, state),
            }
        )
    return rows


def disbursement_register(period: Period) -> Report:
    """慰问金发放登记簿 (003 第十条, 附件1): every welfare payment made (paid, or paid and signed
    for) in the period, by payment date, with space for the beneficiary's signature."""
    # A payment voided after it was paid stays on the register, marked 作废 and outside the
    # total (R9.3: corrected by a new entry, the original stays visible).
    rows = _disbursement_rows("d.state IN ('paid', 'signed', 'cancelled') AND d.paid_on BETWEEN ? AND ?", period)
    for row in rows:
        if row["state"] == DISBURSEMENT_STATE_NAMES["cancelled"]:
            row["state"] = "作废"
    return Report(
        "disbursements",
        "慰问金发放登记簿",
        period,
        DISBURSEMENT_COLUMNS,
        rows,
        _totals(DISBURSEMENT_COLUMNS, [r for r in rows if r["state"] != "作废"]),
        branch_label(),
        notes=(
            "依据《互助互济支出使用办法》第十条及附件1；列入本期已发放（含已签收）的支出；发放后作废的标为“作废”，不计入合计。",
            "资金一律转账至会员个人账户（第九条）；本表不打印银行账号。",
        ),
    )


RECEIPT_COLUMNS = (
    Column("receipt_no", "签收单编号"),
    Column("on_date", "登记日期", "date"),
    Column("paid_on", "发放日期", "date"),
    Column("member", "会员姓名"),
    Column("id_masked", "身份证号"),
    Column("unit", "所在单位"),
    Column("beneficiary", "受益人"),
    Column("category", "类别"),
    Column("reason", "事由（情况说明）"),
    Column("amount_fen", "金额（元）", "fen", total=True),
    Column("method", "发放方式"),
    Column("clerk", "经办人"),
    Column("approver", "审批人"),
    Column("state", "状态"),
    Column("signature", "受益会员签字", "sign"),
)


def receipts(period: Period) -> Report:
    """慰问金发放签收单 (003 第十条, 附件2): one form per approved payment of the period —
    paid ones by payment date, approved ones not yet paid by their date, so the form can
    go with the payment and come back signed."""
    rows = _disbursement_rows(
        "d.state IN ('approved', 'paid', 'signed') AND coalesce(d.paid_on, d.on_date) BETWEEN ? AND ?", period
    )
    return Report(
        "receipts",
        "慰问金发放签收单",
        period,
        RECEIPT_COLUMNS,
        rows,
        _totals(RECEIPT_COLUMNS, rows),
        branch_label(),
        notes=("依据《互助互济支出使用办法》第十条及附件2：每笔发放须附情况说明，受益会员确认签字。",),
        forms=True,
    )


STATISTICS_COLUMNS = (
    Column("unit_code", "单位编码"),
    Column("unit", "单位名称"),
    Column("plan", "险种"),
    Column("members", "参保人数", "int", total=True),
    Column("shares", "份数", "int", total=True),
    Column("fees_due_fen", "会费（元）", "fen", total=True),
    Column("claims_reported", "报案", "int", total=True),
    Column("claims_submitted", "上报", "int", total=True),
    Column("claims_returned", "打回", "int", total=True),
    Column("claims_settled", "结案给付", "int", total=True),
    Column("claims_declined", "拒付", "int", total=True),
    Column("benefit_fen", "给付金额（元）", "fen", total=True),
)

# The same figures, by the same definitions, as the monthly bundle sends the office
# (sync.export.branch_figures; a test holds the two equal), but for any span of days, so a
# year's table can be printed too: members, shares and fees of each unit's latest policy in
# force during the span, and the claim steps dated within it.
_STAT_POLICY_SQL = """
SELECT u.code, u.name, p.plan_id, pl.name, count(DISTINCT cv.member_id), coalesce(sum(cv.shares), 0), p.start
FROM policy p
JOIN unit u ON u.id = p.unit_id
JOIN plan pl ON pl.code = p.plan_id
LEFT JOIN coverage cv ON cv.policy_id = p.id AND cv.cover_start <= ?2
WHERE p.start <= ?2 AND p.end >= ?1
  AND p.start = (SELECT max(q.start) FROM policy q WHERE q.unit_id = p.unit_id AND q.plan_id = p.plan_id
                 AND q.start <= ?2 AND q.end >= ?1)
GROUP BY p.id
"""
_STAT_CLAIMS_SQL = """
SELECT u.code, u.name, c.plan_id, pl.name,
  sum(CASE WHEN c.report_date BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.submitted_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END)
    + sum(CASE WHEN c.resubmitted_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.returned_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.settled_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.declined_on BETWEEN ?1 AND ?2 THEN 1 ELSE 0 END),
  sum(CASE WHEN c.settled_on BETWEEN ?1 AND ?2 THEN coalesce(c.benefit_fen, 0) ELSE 0 END)
FROM claim_report c JOIN unit u ON u.id = c.unit_id JOIN plan pl ON pl.code = c.plan_id
WHERE c.report_date BETWEEN ?1 AND ?2 OR c.submitted_on BETWEEN ?1 AND ?2 OR c.resubmitted_on BETWEEN ?1 AND ?2
   OR c.returned_on BETWEEN ?1 AND ?2 OR c.settled_on BETWEEN ?1 AND ?2 OR c.declined_on BETWEEN ?1 AND ?2
GROUP BY u.code, c.plan_id
"""
_CLAIM_FIGURES = (
    "claims_reported",
    "claims_submitted",
    "claims_returned",
    "claims_settled",
    "claims_declined",
    "benefit_fen",
)


def statistics(period: Period) -> Report:
    """会费收入、理赔给付业务统计报表 (001 附件3 第7项): per unit × plan."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(unit_code: str, unit: str, plan_code: str, plan: str) -> dict[str, Any]:
        key = (unit_code, plan_code)
        if key not in rows:
            rows[key] = {
                "unit_code": unit_code,
                "unit": unit,
                "plan_code": plan_code,
                "plan": plan,
                **{c.key: 0 for c in STATISTICS_COLUMNS if c.total},
            }
        return rows[key]

    from models.fees import price_on_start

    for unit_code, unit, plan_code, plan, members, shares, start in database.execute_sql(
        _STAT_POLICY_SQL, period.bounds
    ):
        r = row(unit_code, unit, plan_code, plan)
        r["members"] += members
        r["shares"] += shares
        r["fees_due_fen"] += shares * (price_on_start(plan_code, start) or 0)  # R12.2
    for unit_code, unit, plan_code, plan, *figures in database.execute_sql(_STAT_CLAIMS_SQL, period.bounds):
        row(unit_code, unit, plan_code, plan).update(zip(_CLAIM_FIGURES, figures, strict=True))
    ordered = [rows[k] for k in sorted(rows)]
    return Report(
        "statistics",
        "会费收入、理赔给付业务统计报表",
        period,
        STATISTICS_COLUMNS,
        ordered,
        _totals(STATISTICS_COLUMNS, ordered),
        branch_label(),
        notes=(
            "参保人数、份数、会费为本期内有效的各单位最新一期保单（份数×每份会费）；"
            "报案、上报（含重新上报）、打回、结案、拒付及给付金额按其日期计入本期。",
            "与每月上报办事处数据包中的统计口径一致。",
        ),
    )


BUDGET_COLUMNS = (
    Column("code", "科目代码"),
    Column("name", "预算科目"),
    Column("budget_fen", "年度预算（元）", "fen", total=True),
    Column("period_fen", "本期支出（元）", "fen", total=True),
    Column("year_fen", "本年累计支出（元）", "fen", total=True),
    Column("pending_fen", "已录入/审批待发放（元）", "fen", total=True),
    Column("remaining_fen", "预算余额（元）", "fen", total=True),
    Column("rate", "执行率", "rate"),
)


def execution_rate(spent_fen: int, budget_fen: int) -> float | None:
    """Spent over budget; None without a budget (a rate of nothing means nothing)."""
    return spent_fen / budget_fen if budget_fen > 0 else None


#: Every management-fee payment charged to a budget line: the welfare disbursements (003) and
#: the other spending (models.mgmt_fee), one shape for the budget tables. Paid welfare is
#: "paid" or "signed"; pending is entered or approved; a void is neither.
_CHARGES_SQL = """
    SELECT budget_line_id, amount_fen, paid_on,
      CASE WHEN state IN ('paid', 'signed') THEN 'paid' WHEN state IN ('entered', 'approved') THEN 'pending' END AS s
    FROM disbursement
    UNION ALL
    SELECT budget_line_id, amount_fen, paid_on,
      CASE WHEN state = 'paid' THEN 'paid' WHEN state IN ('entered', 'approved') THEN 'pending' END
    FROM mgmt_spending
"""


def budget(period: Period) -> Report:
    """预算完成情况表 (001 附件3; 000 第二十三条): each budget line of the period's year against
    every payment charged to it — welfare and other management-fee spending — paid in the
    period, paid from 1 January to the period's end, and still to be paid."""
    year_start = dt.date(period.start.year, 1, 1).isoformat()
    sql = f"""
    SELECT b.code, b.name, b.amount_fen,
      coalesce(sum(CASE WHEN d.s = 'paid' AND d.paid_on BETWEEN ?2 AND ?3 THEN d.amount_fen END), 0),
      coalesce(sum(CASE WHEN d.s = 'paid' AND d.paid_on BETWEEN ?1 AND ?3 THEN d.amount_fen END), 0),
      coalesce(sum(CASE WHEN d.s = 'pending' THEN d.amount_fen END), 0)
    FROM budget_line b LEFT JOIN ({_CHARGES_SQL}) d ON d.budget_line_id = b.id
    WHERE b.year = ?4 GROUP BY b.id ORDER BY b.code
    """
    rows = []
    for code, name, amount, in_period, to_date, pending in database.execute_sql(
        sql, (year_start, *period.bounds, period.start.year)
    ):
        rows.append(
            {
                "code": code,
                "name": name,
                "budget_fen": amount,
                "period_fen": in_period,
                "year_fen": to_date,
                "pending_fen": pending,
                "remaining_fen": amount - to_date,
                "rate": execution_rate(to_date, amount),
            }
        )
    totals = _totals(BUDGET_COLUMNS, rows)
    totals["rate"] = execution_rate(totals["year_fen"], totals["budget_fen"])
    notes = [
        "执行率 = 本年累计支出 ÷ 年度预算（至本期末）；支出为本系统登记的互助互济支出（已发放、已签收）"
        "及其他管理费支出（已支付），作废的不计。"
    ]
    if not rows:
        notes.append(f"{period.start.year}年尚未录入预算科目。")
    return Report(
        "budget",
        "预算完成情况表",
        period,
        BUDGET_COLUMNS,
        rows,
        totals,
        branch_label(),
        notes=tuple(notes),
        landscape=False,
    )


MGMT_COLUMNS = (
    Column("item", "项目"),
    Column("code", "代码"),
    Column("amount_fen", "本期金额（元）", "fen"),
    Column("year_fen", "本年累计（元）", "fen"),
)


def mgmt_fee(period: Period) -> Report:
    """管理费使用统计表 (R11.4; 000 第二十三条2 管理费收支情况): the balance at the period's
    start, income by kind (回拨管理费, other), money paid by category — each 003 kind from the
    disbursements and each other spending category — and the balance at its end; the period
    and 1 January to the period's end side by side."""
    from models.mgmt_fee import income_between, paid_between
    from rules.mgmt_fee import INCOME_KINDS, SPEND_CATEGORIES

    year_start = dt.date(period.start.year, 1, 1)
    before = period.start - dt.timedelta(days=1)
    origin = dt.date(1900, 1, 1)
    opening = sum(income_between(origin, before).values()) - sum(paid_between(origin, before).values())
    income, income_year = income_between(period.start, period.end), income_between(year_start, period.end)
    paid, paid_year = paid_between(period.start, period.end), paid_between(year_start, period.end)
    rows: list[dict[str, Any]] = [{"item": "期初余额", "code": "opening", "amount_fen": opening, "year_fen": None}]
    for kind, name in INCOME_KINDS.items():
        rows.append(
            {
                "item": f"收入：{name}",
                "code": kind,
                "amount_fen": income.get(kind, 0),
                "year_fen": income_year.get(kind, 0),
            }
        )
    rows.append(
        {
            "item": "本期收入合计",
            "code": "income",
            "amount_fen": sum(income.values()),
            "year_fen": sum(income_year.values()),
        }
    )
    for kind, name in CATEGORIES.items():
        rows.append(
            {
                "item": f"互助互济支出：{name}",
                "code": kind,
                "amount_fen": paid.get(kind, 0),
                "year_fen": paid_year.get(kind, 0),
            }
        )
    for kind, name in SPEND_CATEGORIES.items():
        key = f"spend:{kind}"
        rows.append(
            {
                "item": f"管理费支出：{name}",
                "code": kind,
                "amount_fen": paid.get(key, 0),
                "year_fen": paid_year.get(key, 0),
            }
        )
    rows.append(
        {"item": "本期支出合计", "code": "spent", "amount_fen": sum(paid.values()), "year_fen": sum(paid_year.values())}
    )
    closing = opening + sum(income.values()) - sum(paid.values())
    rows.append({"item": "期末余额", "code": "closing", "amount_fen": closing, "year_fen": None})
    notes = [
        "期初余额 = 本期以前登记的全部收入 − 全部已支付的支出；支出按支付日期计，作废的不计。",
        "依据：代办处的费用来源为办事处回拨的管理费（000 第十九条5）；严禁管理费挪作他用（000 第二十六条）。",
    ]
    if closing < 0:
        notes.append("期末余额为负：支出多于已登记的收入，请核对回拨管理费是否已登记（huzhu ledger income）。")
    return Report(
        "mgmt_fee",
        "管理费使用统计表",
        period,
        MGMT_COLUMNS,
        rows,
        {"item": "期末余额", "amount_fen": closing},
        branch_label(),
        notes=tuple(notes),
        landscape=False,
    )


BUDGET_PLAN_COLUMNS = (
    Column("code", "科目代码"),
    Column("group", "类别"),
    Column("name", "预算科目"),
    Column("amount_fen", "预算数（元）", "fen", total=True),
    Column("previous_fen", "上年度批准数（元）", "fen", total=True),
    Column("note", "说明"),
)


def budget_plan(period: Period) -> Report:
    """下年度预算表 (000 第二十三条, R6.1): for the year of ``period``, the budget of the year
    after — the approved version in force or, until one is, the latest draft, said so in the
    title and notes — beside the year's own approved amounts."""
    from models.budget import read_year

    year = period.start.year + 1
    plan, previous = read_year(year), read_year(year - 1)
    before = {line.code: line.approved_fen for line in previous.lines}
    version = next((v for v in reversed(plan.versions) if v.number == (plan.pending or plan.in_force)), None)
    rows = []
    for line in plan.lines:
        amount = line.draft_fen if plan.pending else line.approved_fen
        if amount is None:
            continue
        rows.append(
            {
                "code": line.code,
                "group": line.group,
                "name": line.name,
                "amount_fen": amount,
                "previous_fen": before.get(line.code),
                "note": line.note or "",
            }
        )
    notes = ["依据《代办处管理办法》第二十三条：每年12月15日至次年1月15日自审，并向办事处提交下年度预算表。"]
    if version is None:
        notes.append(f"{year}年度尚未编制预算（huzhu budget add）。")
        state = "未编制"
    elif version.state == "draft":
        notes.append(
            f"第 {version.number} 版草稿，尚待管理委员会审议批准（000 第十三条2）。"
            + (f"修订理由：{version.reason}" if version.reason else "")
        )
        state = f"第{version.number}版 草稿"
    else:
        notes.append(
            f"第 {version.number} 版，管理委员会 {version.meeting_date or '—'} 审议批准（{version.minutes or '—'}），"
            f"{version.approved_by or '—'} 录入批准。"
        )
        state = f"第{version.number}版 已批准"
    plan_period = parse_period(str(year))
    return Report(
        "budget_plan",
        f"{year}年度预算表（{state}）",
        plan_period,
        BUDGET_PLAN_COLUMNS,
        rows,
        _totals(BUDGET_PLAN_COLUMNS, rows),
        branch_label(),
        notes=tuple(notes),
        landscape=False,
    )


ACCOUNT_COLUMNS = (
    Column("on_date", "日期", "date"),
    Column("form", "表格"),
    Column("staff", "经办人员"),
    Column("old_username", "原用户名"),
    Column("new_username", "新用户名"),
    Column("note", "备注"),
)


def account_forms(period: Period) -> Report:
    """《业务系统用户名变更表》《业务系统用户名备案表》 kept in the period (001 附件1, 附件3 第10项)."""
    sql = """
    SELECT f.on_date, f.kind, s.name, f.old_username, f.new_username, f.note
    FROM account_form f JOIN staff_account s ON s.id = f.account_id
    WHERE f.on_date BETWEEN ? AND ? ORDER BY f.on_date, f.id
    """
    rows = [
        {
            "on_date": _date(on),
            "form": ACCOUNT_FORM_NAMES.get(kind, kind),
            "staff": staff,
            "old_username": old or "",
            "new_username": new or "",
            "note": note or "",
        }
        for on, kind, staff, old, new, note in database.execute_sql(sql, period.bounds)
    ]
    return Report(
        "accounts",
        "业务系统用户名变更及备案记录",
        period,
        ACCOUNT_COLUMNS,
        rows,
        _totals(ACCOUNT_COLUMNS, rows),
        branch_label(),
        landscape=False,
    )


def _assets(period: Period) -> Report:
    from models.assets import asset_register  # it builds on this module

    return asset_register(period)


def _purchases(period: Period) -> Report:
    from models.purchases import purchase_register

    return purchase_register(period)


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    build: Callable[[Period], Report]


REPORTS: dict[str, ReportKind] = {
    k.name: k
    for k in (
        ReportKind("claims", "报案登记簿", claims_register),
        ReportKind("disbursements", "慰问金发放登记簿", disbursement_register),
        ReportKind("receipts", "慰问金发放签收单", receipts),
        ReportKind("statistics", "会费收入、理赔给付业务统计报表", statistics),
        ReportKind("budget", "预算完成情况表", budget),
        ReportKind("mgmt_fee", "管理费使用统计表", mgmt_fee),
        ReportKind("accounts", "业务系统用户名变更及备案记录", account_forms),
        ReportKind("budget_plan", "下年度预算表", budget_plan),
        ReportKind("assets", "财产盘点明细表（固定资产）", _assets),
        ReportKind("purchases", "大宗商品及固定资产购置记录", _purchases),
    )
}


def build(name: str, period: Period | str) -> Report:
    if name not in REPORTS:
        raise UsageError(
            f"没有名为“{name}”的报表，可选：{'、'.join(REPORTS)}",
            f"no report named {name!r}; choose one of {', '.join(REPORTS)}",
        )
    return REPORTS[name].build(period if isinstance(period, Period) else parse_period(period))


# --- writers -------------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Width in character cells: CJK characters take two (Excel's column width counts the same way)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write(report_or_reports: Report | list[Report], path: str | Path) -> Path:
    """Write .xlsx (one sheet per report) or .csv (one report) by the file's suffix."""
    path = Path(path)
    reports = report_or_reports if isinstance(report_or_reports, list) else [report_or_reports]
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(reports, path)
    elif suffix == ".csv":
        if len(reports) != 1:
            raise UsageError("CSV 文件只能写一张表，请改用 .xlsx", "a CSV file holds one table; use .xlsx")
        write_csv(reports[0], path)
    else:
        raise UsageError(
            f"输出文件应以 .xlsx 或 .csv 结尾：{path.name}", f"the output file must end in .xlsx or .csv: {path.name}"
        )
    return path


def write_csv(report: Report, path: str | Path) -> None:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens it without garbling; totals row last."""
    save_csv(path, [c.title for c in report.columns], report.text_rows())


MAX_COLUMN_WIDTH = 40
SIGN_COLUMN_WIDTH = 16


def write_xlsx(reports: list[Report], path: str | Path) -> None:
    """A4 sheets ready to print: title and branch/period lines, a frozen header repeated on
    every page, thin borders, column widths that fit CJK text, the totals row, the notes,
    and page numbers in the footer; receipts add one form per page."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the new workbook's one empty sheet
    used: set[str] = set()
    for report in reports:
        if report.forms:
            _forms_sheet(wb.create_sheet(_sheet_name(report.title, used)), report)
        _table_sheet(
            wb.create_sheet(_sheet_name(f"{report.title}清单" if report.forms else report.title, used)), report
        )
    save_workbook(wb, path)  # a name "=HYPERLINK(…)" stays text in the binder's copy


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name."""
    name = re.sub(r"[\[\]:*?/\\]", "", title)[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return name


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    return {
        "title": Font(bold=True, size=16),
        "bold": Font(bold=True),
        "note": Font(italic=True, size=9),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "total_border": Border(left=thin, right=thin, top=Side(style="double"), bottom=thin),
        "head_fill": PatternFill("solid", fgColor="DDDDDD"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="center", wrap_text=True),
        "right": Alignment(horizontal="right", vertical="center"),
    }


def _page_setup(ws, *, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _xlsx_value(column: Column, value: Any) -> tuple[Any, str | None]:
    """The cell value and number format: money as exact yuan, dates as dates, rates as percentages."""
    if value is None or column.kind == "sign":
        return None, None
    if column.kind == "fen" and isinstance(value, int):
        return Decimal(value) / 100, "#,##0.00"
    if column.kind == "rate" and isinstance(value, float):
        return value, "0.0%"
    if isinstance(value, dt.date):
        return value, "yyyy-mm-dd"
    return value, None


def _subtitle(report: Report) -> str:
    parts = [
        f"代办处：{report.branch}" if report.branch else "",
        f"期间：{report.period.label}（{report.period.start.isoformat()} 至 {report.period.end.isoformat()}）",
        f"制表日期：{report.made_on.isoformat()}",
    ]
    return "　　".join(p for p in parts if p)


def _table_sheet(ws, report: Report) -> None:
    from openpyxl.utils import get_column_letter

    st = _styles()
    ncols = len(report.columns)
    last = get_column_letter(ncols)
    ws.append([report.title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font, ws["A1"].alignment = st["title"], st["center"]
    ws.row_dimensions[1].height = 28
    ws.append([_subtitle(report)])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].alignment = st["center"]
    ws.append([c.title for c in report.columns])
    for cell in ws[3]:
        cell.font, cell.fill, cell.border, cell.alignment = st["bold"], st["head_fill"], st["border"], st["center"]
    widths = [text_width(c.title) + 2 for c in report.columns]
    has_sign = any(c.kind == "sign" for c in report.columns)
    for row in report.rows + [report.totals]:
        is_total = row is report.totals
        values = []
        for i, c in enumerate(report.columns):
            value = row.get(c.key) if (not is_total or c.key in report.totals) else None
            values.append(_xlsx_value(c, value))
            widths[i] = max(widths[i], text_width(display(c, value)) + 2)
        ws.append([v for v, _ in values])
        r = ws.max_row
        for (_, fmt), cell, c in zip(values, ws[r], report.columns, strict=True):
            cell.border = st["total_border"] if is_total else st["border"]
            cell.alignment = st["right"] if c.kind in ("fen", "int", "rate") else st["wrap"]
            if fmt:
                cell.number_format = fmt
            if is_total:
                cell.font = st["bold"]
        if has_sign and not is_total:
            ws.row_dimensions[r].height = 30  # room to sign by hand
    for i, c in enumerate(report.columns):
        width = SIGN_COLUMN_WIDTH if c.kind == "sign" else min(MAX_COLUMN_WIDTH, max(6, widths[i]))
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    for note in report.notes:
        ws.append([note])
        r = ws.max_row
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(row=r, column=1).font = st["note"]
    ws.freeze_panes = "A4"
    _page_setup(ws, landscape=report.landscape, title_rows="3:3")


#: The lines of a receipt form (003 附件2), by column key, then the signature lines.
_FORM_FIELDS = (
    "receipt_no",
    "member",
    "id_masked",
    "unit",
    "beneficiary",
    "category",
    "reason",
    "amount_fen",
    "method",
    "paid_on",
    "clerk",
    "approver",
)


def _forms_sheet(ws, report: Report) -> None:
    from openpyxl.worksheet.pagebreak import Break

    st = _styles()
    by_key = {c.key: c for c in report.columns}
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 20
    top = 1
    for row in report.rows:
        ws.cell(row=top, column=1, value=report.title).font = st["title"]
        ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=4)
        ws.cell(row=top, column=1).alignment = st["center"]
        ws.row_dimensions[top].height = 30
        ws.cell(row=top + 1, column=1, value=f"代办处：{report.branch}")
        ws.merge_cells(start_row=top + 1, start_column=1, end_row=top + 1, end_column=4)
        r = top + 2
        for key in _FORM_FIELDS:
            column = by_key[key]
            label = ws.cell(row=r, column=1, value=column.title)
            label.font, label.border, label.alignment = st["bold"], st["border"], st["wrap"]
            value, fmt = _xlsx_value(column, row.get(key))
            if key == "amount_fen" and row.get(key) is not None:
                value = f"{yuan(row[key])} 元（大写：{amount_in_words(row[key])}）"
                fmt = None
            cell = ws.cell(row=r, column=2, value=value)
            if fmt:
                cell.number_format = fmt
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
            for col in range(2, 5):
                ws.cell(row=r, column=col).border = st["border"]
            cell.alignment = st["wrap"]
            ws.row_dimensions[r].height = 36 if key == "reason" else 20
            r += 1
        for left, right in (("受益会员签字：", "签收日期：　　年　　月　　日"), ("经办人签字：", "审批人签字：")):
            ws.cell(row=r, column=1, value=left).font = st["bold"]
            ws.cell(row=r, column=3, value=right).font = st["bold"]
            ws.row_dimensions[r].height = 40
            r += 1
        ws.cell(row=r, column=1, value=report.notes[0] if report.notes else "").font = st["note"]
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        ws.row_breaks.append(Break(id=r))
        top = r + 1
    _page_setup(ws, landscape=False, title_rows=None)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def amount_in_words(fen: int) -> str:
    """Integer fen in the capital numerals written on receipts: 123456 -> 壹仟贰佰叁拾肆元伍角陆分."""
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan_part, cents = divmod(fen, 100)
    words = ""
    if yuan_part:
        groups = []
        while yuan_part:
            yuan_part, group = divmod(yuan_part, 10000)
            groups.append(group)
        zero_pending = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                zero_pending = bool(words)
                continue
            text = ""
            digits = f"{group:04d}"
            for pos, d in enumerate(digits):
                n = int(d)
                if n == 0:
                    zero_pending = zero_pending or bool(words or text)
                    continue
                if zero_pending:
                    text += "零"
                    zero_pending = False
                text += _DIGITS[n] + _SMALL_UNITS[3 - pos]
            words += text + _BIG_UNITS[index]
        words += "元"
    jiao, fen_digit = divmod(cents, 10)
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif words:
        words += "零"
    if fen_digit:
        words += _DIGITS[fen_digit] + "分"
    return words
