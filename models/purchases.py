"""Purchases (docs/rules.md R13.1): the request, the suppliers' quotes, each scorer's sheet (004 附件3),
the signed price comparison (004 附件4) and the decision; and both forms printed as .xlsx.

A purchase is charged to a line of its year's approved budget (R11.7). Quotes and scores
may be entered until the supplier is decided; a scorer's sheet entered again replaces their
earlier one (the audit event keeps the old points). Whether the purchase is a bulk purchase,
how many quotes it needs, who wins and what needs a reason are ``rules.purchases``' decisions;
each write is one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models import audit, clock
from models.budget import line_id_for
from models.db import writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.schema import BudgetLine, Purchase, PurchaseQuote, PurchaseScore
from rules.money import format_fen
from rules.purchases import (
    COMPARISON_SIGNERS,
    CRITERIA,
    PurchaseFacts,
    ScoreRow,
    check_score_sheet,
    choose_supplier,
    is_bulk,
    rank,
)
from rules.result import Decision, Report

KINDS = {"goods": "大宗商品", "asset": "固定资产", "service": "服务"}
STATES = {"open": "比选中", "decided": "已确定供应商"}
#: The budget line a purchase is charged to unless another is named (rules/data/budget_lines.toml).
DEFAULT_LINE = "purchases_assets"
TEXT_MAX = 200


_NUMBER = re.compile(r"^(?:CG)?0*([1-9][0-9]{0,8})$", re.IGNORECASE)


def parse_number(text: str) -> int:
    """``CG0003`` or ``3``: the purchase's id."""
    match = _NUMBER.match((text or "").strip())
    if match is None:
        raise ValidationFailed(
            f"采购编号无效：“{text}”（如 CG0001）", f"invalid purchase number {text!r} (e.g. CG0001)"
        )
    return int(match.group(1))


def typed_text(
    value: str | None, what_zh: str, what_en: str, *, required: bool = True, limit: int = TEXT_MAX
) -> str | None:
    """Typed text, stripped: refused when required and blank, too long, or holding control characters."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"请填写{what_zh}", f"{what_en} is missing")
        return None
    if len(value) > limit or not value.isprintable():
        raise ValidationFailed(
            f"{what_zh}应为不超过 {limit} 字、不含控制字符的文字", f"{what_en}: at most {limit} printable characters"
        )
    return value


def _not_future(on: dt.date, today: dt.date, what_zh: str, what_en: str) -> dt.date:
    if on > today:
        raise ValidationFailed(f"{what_zh} {on} 晚于今天 {today}", f"the {what_en} {on} is after today")
    return on


def _refuse(report: Report | Decision) -> None:
    errors = report.errors if isinstance(report, Report) else (() if report.ok else (report,))
    if errors:
        raise RuleRefused(errors)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteView:
    id: int
    supplier: str
    phone: str | None
    model: str | None
    unit_price_fen: int
    total_fen: int
    payment_terms: str | None
    tax_invoice: str | None
    after_sales: str | None
    quoted_on: dt.date

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "supplier": self.supplier,
            "phone": self.phone,
            "model": self.model,
            "unit_price_fen": self.unit_price_fen,
            "total_fen": self.total_fen,
            "payment_terms": self.payment_terms,
            "tax_invoice": self.tax_invoice,
            "after_sales": self.after_sales,
            "quoted_on": self.quoted_on.isoformat(),
        }


@dataclass(frozen=True)
class SheetView:
    """One scorer's sheet: their points per supplier and the date they signed."""

    scorer: str
    signed_on: dt.date
    rows: tuple[ScoreRow, ...]

    def to_json(self) -> dict:
        return {
            "scorer": self.scorer,
            "signed_on": self.signed_on.isoformat(),
            "rows": [
                {"supplier": r.supplier, **{c: getattr(r, c) for c in CRITERIA}, "total": r.total} for r in self.rows
            ],
        }


@dataclass(frozen=True)
class PurchaseView:
    id: int
    title: str
    kind: str
    spec: str | None
    requirement: str | None
    quantity: int
    estimate_fen: int
    budget_year: int
    budget_line: str
    budget_line_name: str
    requested_on: dt.date
    requested_by: str
    state: str
    signers: dict[str, str]
    compared_on: dt.date | None
    few_quotes_reason: str | None
    chosen_supplier: str | None
    decision_reason: str | None
    amount_fen: int | None
    decided_on: dt.date | None
    decided_by: str | None
    quotes: tuple[QuoteView, ...] = ()
    sheets: tuple[SheetView, ...] = ()
    bulk: Decision | None = None
    ranking: Decision | None = None
    #: What deciding now would say (None once decided): the rules' report on the program's pick.
    readiness: Report | None = None

    @property
    def number(self) -> str:
        return f"CG{self.id:04d}"

    @property
    def kind_name(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def state_name(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def scores(self) -> tuple[ScoreRow, ...]:
        return tuple(r for s in self.sheets for r in s.rows)

    def to_json(self) -> dict:
        def decision(d: Decision | None) -> dict | None:
            if d is None:
                return None
            return {"outcome": d.outcome, "code": d.code, "message": d.message, "citation": d.citation.short}

        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "kind": self.kind,
            "spec": self.spec,
            "requirement": self.requirement,
            "quantity": self.quantity,
            "estimate_fen": self.estimate_fen,
            "budget_year": self.budget_year,
            "budget_line": self.budget_line,
            "requested_on": self.requested_on.isoformat(),
            "requested_by": self.requested_by,
            "state": self.state,
            "bulk": self.bulk.outcome == "bulk" if self.bulk else None,
            "threshold_fen": self.bulk.data.get("threshold_fen") if self.bulk else None,
            "quotes": [q.to_json() for q in self.quotes],
            "sheets": [s.to_json() for s in self.sheets],
            "totals": dict(self.ranking.data.get("totals", {})) if self.ranking else {},
            "ranking": decision(self.ranking),
            "comparison": {
                **{key: self.signers.get(key) for key in COMPARISON_SIGNERS},
                "signed_on": self.compared_on.isoformat() if self.compared_on else None,
            },
            "few_quotes_reason": self.few_quotes_reason,
            "chosen_supplier": self.chosen_supplier,
            "decision_reason": self.decision_reason,
            "amount_fen": self.amount_fen,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "decided_by": self.decided_by,
            "missing": [
                {"code": d.code, "message": d.message, "citation": d.citation.short}
                for d in (self.readiness.errors if self.readiness else ())
            ],
        }


def _row(purchase_id: int) -> Purchase:
    row = Purchase.get_or_none(Purchase.id == purchase_id)
    if row is None:
        raise ValidationFailed(f"没有编号为 {purchase_id} 的采购", f"no purchase {purchase_id}")
    return row


def _quotes(purchase_id: int) -> list[PurchaseQuote]:
    return list(PurchaseQuote.select().where(PurchaseQuote.purchase == purchase_id).order_by(PurchaseQuote.id))


def _sheets(quotes: Sequence[PurchaseQuote]) -> tuple[SheetView, ...]:
    by_id = {q.id: q.supplier for q in quotes}
    if not by_id:
        return ()
    rows: dict[str, list[ScoreRow]] = {}
    signed: dict[str, dt.date] = {}
    for s in PurchaseScore.select().where(PurchaseScore.quote.in_(list(by_id))).order_by(PurchaseScore.id):
        rows.setdefault(s.scorer, []).append(
            ScoreRow(s.scorer, by_id[s.quote_id], s.qualification, s.price, s.quality, s.after_sales)
        )
        signed[s.scorer] = s.signed_on
    order = {q.supplier: i for i, q in enumerate(quotes)}
    return tuple(
        SheetView(scorer, signed[scorer], tuple(sorted(rows[scorer], key=lambda r: order[r.supplier])))
        for scorer in rows
    )


def _facts(
    row: Purchase, quotes: Sequence[PurchaseQuote], sheets: Sequence[SheetView], chosen: str | None
) -> PurchaseFacts:
    totals = {q.supplier: q.total_fen for q in quotes}
    # With no supplier named, the program's pick could be any quote: the dearest decides whether
    # comparison applies, so an estimate below the threshold cannot take a purchase out of it.
    quoted = totals.get(chosen or "", max(totals.values(), default=0))
    return PurchaseFacts(
        max(row.estimate_fen, quoted),
        tuple(q.supplier for q in quotes),
        tuple(r for s in sheets for r in s.rows),
        {key: getattr(row, key) for key in COMPARISON_SIGNERS if getattr(row, key)},
        row.few_quotes_reason or "",
    )


def _view(row: Purchase, today: dt.date) -> PurchaseView:
    quotes = _quotes(row.id)
    sheets = _sheets(quotes)
    line = BudgetLine.get_by_id(row.budget_line_id)
    chosen = next((q.supplier for q in quotes if q.id == row.chosen_quote), None)
    facts = _facts(row, quotes, sheets, chosen)
    on = row.decided_on or today
    ranking = rank(facts.suppliers, facts.scores, on) if facts.scores else None
    return PurchaseView(
        row.id,
        row.title,
        row.kind,
        row.spec,
        row.requirement,
        row.quantity,
        row.estimate_fen,
        line.year,
        line.code,
        line.name,
        row.requested_on,
        row.requested_by,
        row.state,
        {key: getattr(row, key) for key in COMPARISON_SIGNERS if getattr(row, key)},
        row.compared_on,
        row.few_quotes_reason,
        chosen,
        row.decision_reason,
        row.amount_fen,
        row.decided_on,
        row.decided_by,
        tuple(_quote_view(q) for q in quotes),
        sheets,
        is_bulk(facts.amount_fen, on),
        ranking,
        None if row.state == "decided" else choose_supplier(facts, None, None, on),
    )


def _quote_view(q: PurchaseQuote) -> QuoteView:
    return QuoteView(
        q.id,
        q.supplier,
        q.phone,
        q.model,
        q.unit_price_fen,
        q.total_fen,
        q.payment_terms,
        q.tax_invoice,
        q.after_sales,
        q.quoted_on,
    )


@refuses_undated
def show(purchase_id: int, *, today: dt.date | None = None) -> PurchaseView:
    return _view(_row(purchase_id), today or clock.today())


@refuses_undated
def list_purchases(year: int | None = None, *, today: dt.date | None = None) -> list[PurchaseView]:
    """Every purchase (of ``year``'s requests, if given), newest first."""
    today = today or clock.today()
    query = Purchase.select().order_by(Purchase.requested_on.desc(), Purchase.id.desc())
    if year is not None:
        query = query.where(Purchase.requested_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return [_view(row, today) for row in query]


# --- writing ---------------------------------------------------------------------------------


def _open(purchase_id: int) -> Purchase:
    row = _row(purchase_id)
    if row.state != "open":
        raise ValidationFailed(
            f"采购 CG{row.id:04d} 已确定供应商，不能再修改报价、评分或签字",
            f"purchase {row.id} is decided: quotes, scores and signatures are closed",
        )
    return row


@refuses_undated
def new(
    title: str,
    quantity: int,
    estimate_fen: int,
    *,
    kind: str = "goods",
    spec: str | None = None,
    requirement: str | None = None,
    line: str = DEFAULT_LINE,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> PurchaseView:
    """A purchase request charged to ``line`` of the approved budget of its year (R11.7)."""
    today = today or clock.today()
    on = _not_future(on or today, today, "申请日期", "request date")
    title = typed_text(title, "商品名称", "the item")
    spec = typed_text(spec, "规格", "the specification", required=False)
    requirement = typed_text(requirement, "要求", "the requirement", required=False, limit=500)
    if kind not in KINDS:
        raise ValidationFailed(
            f"采购类别应为 {'、'.join(f'{k}（{v}）' for k, v in KINDS.items())} 之一",
            f"kind must be one of {', '.join(KINDS)}",
        )
    if not isinstance(quantity, int) or quantity < 1:
        raise ValidationFailed("数量应为正整数", "the quantity must be a whole number above zero")
    if estimate_fen <= 0:
        raise ValidationFailed("预计金额应大于零", "the estimate must be above zero")
    with writing() as session:
        line_id = line_id_for(on.year, line)
        row = Purchase.create(
            title=title,
            kind=kind,
            spec=spec,
            requirement=requirement,
            quantity=quantity,
            estimate_fen=estimate_fen,
            budget_line=line_id,
            requested_on=on,
            requested_by=session.user,
            state="open",
        )
        bulk = is_bulk(estimate_fen, on)
        audit.record(
            "purchase.new",
            "purchase",
            row.id,
            {
                "title": title,
                "kind": kind,
                "quantity": quantity,
                "estimate_fen": estimate_fen,
                "budget_line": line,
                "requested_on": on,
                "bulk": bulk.outcome == "bulk",
            },
        )
    return _view(row, today)


@refuses_undated
def add_quote(
    purchase_id: int,
    supplier: str,
    unit_price_fen: int,
    *,
    phone: str | None = None,
    model: str | None = None,
    payment_terms: str | None = None,
    tax_invoice: str | None = None,
    after_sales: str | None = None,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> PurchaseView:
    """A supplier's quote: unit price, the total for the purchase's quantity, and the terms the
    price comparison lists (004 附件4). One quote per supplier."""
    today = today or clock.today()
    on = _not_future(on or today, today, "报价日期", "quote date")
    supplier = typed_text(supplier, "供应商", "the supplier", limit=100)
    if unit_price_fen <= 0:
        raise ValidationFailed("单价应大于零", "the unit price must be above zero")
    texts = {
        "phone": typed_text(phone, "电话", "the phone", required=False, limit=40),
        "model": typed_text(model, "商品型号", "the model", required=False),
        "payment_terms": typed_text(payment_terms, "付款方式", "the payment terms", required=False),
        "tax_invoice": typed_text(tax_invoice, "提供税票种", "the tax invoice", required=False),
        "after_sales": typed_text(after_sales, "售后服务", "the after-sales service", required=False),
    }
    with writing() as session:
        row = _open(purchase_id)
        if PurchaseQuote.get_or_none((PurchaseQuote.purchase == row.id) & (PurchaseQuote.supplier == supplier)):
            raise ValidationFailed(
                f"“{supplier}”已有报价（每家供应商一条）", f"{supplier} has already quoted for this purchase"
            )
        total = unit_price_fen * row.quantity
        quote = PurchaseQuote.create(
            purchase=row.id,
            supplier=supplier,
            unit_price_fen=unit_price_fen,
            total_fen=total,
            quoted_on=on,
            entered_by=session.user,
            **texts,
        )
        audit.record(
            "purchase.quote",
            "purchase_quote",
            quote.id,
            {"purchase": row.id, "supplier": supplier, "unit_price_fen": unit_price_fen, "total_fen": total, **texts},
        )
    return _view(row, today)


@refuses_undated
def score(
    purchase_id: int,
    scorer: str,
    rows: Sequence[tuple[str, int, int, int, int]],
    *,
    signed_on: dt.date | None = None,
    today: dt.date | None = None,
) -> PurchaseView:
    """``scorer``'s sheet: (supplier, qualification, price, quality, after_sales) per supplier,
    signed on ``signed_on``. Entered again, the sheet replaces the scorer's earlier one."""
    today = today or clock.today()
    signed_on = _not_future(signed_on or today, today, "评分签字日期", "date signed")
    scorer = typed_text(scorer, "评分人员", "the scorer", limit=50) or ""
    sheet = [ScoreRow(scorer, (s or "").strip(), *points) for s, *points in rows]
    with writing() as session:
        row = _open(purchase_id)
        quotes = _quotes(row.id)
        _refuse(check_score_sheet(scorer, sheet, [q.supplier for q in quotes], signed_on))
        by_supplier = {q.supplier: q for q in quotes}
        old = PurchaseScore.select().where(
            PurchaseScore.quote.in_([q.id for q in quotes]) & (PurchaseScore.scorer == scorer)
        )
        replaced = {
            next(q.supplier for q in quotes if q.id == s.quote_id): [getattr(s, c) for c in CRITERIA] for s in old
        }
        PurchaseScore.delete().where(PurchaseScore.id.in_([s.id for s in old])).execute()
        for r in sheet:
            PurchaseScore.create(
                quote=by_supplier[r.supplier].id,
                scorer=scorer,
                signed_on=signed_on,
                entered_by=session.user,
                **{c: getattr(r, c) for c in CRITERIA},
            )
        audit.record(
            "purchase.score",
            "purchase",
            row.id,
            {
                "scorer": scorer,
                "signed_on": signed_on,
                "scores": {r.supplier: [getattr(r, c) for c in CRITERIA] for r in sheet},
                "replaced": replaced or None,
            },
        )
    return _view(row, today)


@refuses_undated
def sign_comparison(
    purchase_id: int,
    chair: str,
    director: str,
    handler: str,
    *,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> PurchaseView:
    """The price comparison (004 附件4) signed by the 管委会主任, the 代办处主任 and the 经手人."""
    today = today or clock.today()
    on = _not_future(on or today, today, "价格对比表签字日期", "date signed")
    names = {
        key: typed_text(value, title, f"the {key}'s name", limit=50)
        for (key, title), value in zip(COMPARISON_SIGNERS.items(), (chair, director, handler), strict=True)
    }
    with writing():
        row = _open(purchase_id)
        if not _quotes(row.id):
            raise ValidationFailed("还没有报价，价格对比表无可签字的内容", "no quotes yet: nothing to sign")
        for key, name in names.items():
            setattr(row, key, name)
        row.compared_on = on
        row.save()
        audit.record("purchase.compare", "purchase", row.id, {**names, "signed_on": on})
    return _view(row, today)


@dataclass(frozen=True)
class Decided:
    view: PurchaseView
    report: Report

    @property
    def decision(self) -> Decision:
        return self.report.decisions[-1]

    @property
    def warnings(self) -> tuple[Decision, ...]:
        return self.report.warnings


@refuses_undated
def decide(
    purchase_id: int,
    supplier: str | None = None,
    *,
    reason: str | None = None,
    few_quotes_reason: str | None = None,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> Decided:
    """Choose the supplier as ``rules.purchases.choose_supplier`` allows: above the threshold
    three quotes (or a reason for fewer), complete sheets, the three signatures; the highest
    total, or a tied or other supplier with ``reason``."""
    today = today or clock.today()
    on = _not_future(on or today, today, "确定日期", "decision date")
    reason = typed_text(reason, "理由", "the reason", required=False, limit=500)
    few = typed_text(few_quotes_reason, "报价不足三家的理由", "the reason for fewer quotes", required=False, limit=500)
    with writing() as session:
        row = _open(purchase_id)
        if few:
            row.few_quotes_reason = few
        quotes = _quotes(row.id)
        facts = _facts(row, quotes, _sheets(quotes), (supplier or "").strip() or None)
        report = choose_supplier(facts, supplier, reason, on)
        _refuse(report)
        chosen = report.decisions[-1].data["supplier"]
        quote = next(q for q in quotes if q.supplier == chosen)
        needs_reason = any(d.outcome == "exception" for d in report.decisions)
        row.state, row.chosen_quote, row.amount_fen = "decided", quote.id, quote.total_fen
        row.decision_reason = reason if needs_reason else None
        row.decided_on, row.decided_by = on, session.user
        row.save()
        audit.record(
            "purchase.decide",
            "purchase",
            row.id,
            {
                "supplier": chosen,
                "amount_fen": quote.total_fen,
                "reason": row.decision_reason,
                "few_quotes_reason": row.few_quotes_reason,
                "decided_on": on,
                "rules": list(report.codes),
            },
        )
    return Decided(_view(row, today), report)


# --- the forms (004 附件3, 附件4) as .xlsx ------------------------------------------------------

SCORING_TITLE = "中国职工保险互助会北京办事处代办处大宗商品采购比选评分表"
COMPARISON_TITLE = "中国职工保险互助会北京办事处代办处大宗商品(服务)购置价格对比表"


def write_forms(view: PurchaseView, path: str | Path) -> Path:
    """Both forms of ``view`` in one A4 workbook: the price comparison (附件4), one scoring
    sheet per scorer (附件3) with their signature line, and the scorers' totals with the
    chosen supplier. Every value goes in as text or a number, never a formula (models.safeout)."""
    from openpyxl import Workbook

    from models.reports import branch_label
    from models.safeout import save_workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationFailed(
            f"输出文件应以 .xlsx 结尾：{path.name}", f"the forms file must end in .xlsx: {path.name}"
        )
    branch = branch_label()
    wb = Workbook()
    wb.remove(wb.active)
    _comparison_sheet(wb.create_sheet("附件4 价格对比表"), view, branch)
    for i, sheet in enumerate(view.sheets, 1):
        _scoring_sheet(wb.create_sheet(f"附件3 评分表{i}"), view, branch, sheet)
    _scoring_sheet(wb.create_sheet("附件3 评分汇总"), view, branch, None)
    return save_workbook(wb, path)


def _yuan(fen: int | None):
    from decimal import Decimal

    return None if fen is None else Decimal(fen) / 100


def _put(ws, r: int, c: int, value, st, *, bold: bool = False, border: bool = True, fmt: str | None = None):
    cell = ws.cell(row=r, column=c, value=value)
    if border:
        cell.border = st["border"]
    cell.alignment = st["wrap"]
    if bold:
        cell.font = st["bold"]
    if fmt:
        cell.number_format = fmt
    return cell


def _heading(ws, title: str, subtitle: str, width: int, st) -> None:
    ws.cell(row=1, column=1, value=title).font = st["title"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = st["center"]
    ws.row_dimensions[1].height = 30
    ws.cell(row=2, column=1, value=subtitle)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _comparison_sheet(ws, view: PurchaseView, branch: str) -> None:
    from openpyxl.utils import get_column_letter

    from models.reports import _page_setup, _styles

    st = _styles()
    quotes = view.quotes
    width = 5 + 3 * max(1, len(quotes))
    _heading(ws, COMPARISON_TITLE, f"代办处、代办点(章)：{branch}　　采购编号：{view.number}", width, st)
    head = ["序号", "商品名称", "规格", "要求", "数量"]
    for c, text in enumerate(head, 1):
        _put(ws, 3, c, text, st, bold=True)
        ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    for i, q in enumerate(quotes):
        col = 6 + 3 * i
        _put(ws, 3, col, f"供应商{i + 1}：{q.supplier}", st, bold=True)
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 2)
        for j, text in enumerate(("电话", "单价(元)", "总价(元)")):
            _put(ws, 4, col + j, text, st, bold=True)
    r = 5
    for c, value in enumerate((1, view.title, view.spec or "", view.requirement or "", view.quantity), 1):
        _put(ws, r, c, value, st)
    for i, q in enumerate(quotes):
        col = 6 + 3 * i
        _put(ws, r, col, q.phone or "", st)
        _put(ws, r, col + 1, _yuan(q.unit_price_fen), st, fmt="#,##0.00")
        _put(ws, r, col + 2, _yuan(q.total_fen), st, fmt="#,##0.00")
    rows = (
        ("合计", lambda q: (None, _yuan(q.total_fen))),
        ("付款方式", lambda q: (q.payment_terms or "", None)),
        ("提供税票种", lambda q: (q.tax_invoice or "", None)),
        ("售后服务", lambda q: (q.after_sales or "", None)),
        ("商品型号", lambda q: (q.model or "", None)),
    )
    for label, value in rows:
        r += 1
        _put(ws, r, 1, label, st, bold=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
        for i, q in enumerate(quotes):
            col = 6 + 3 * i
            text, money = value(q)
            if money is not None:
                _put(ws, r, col + 2, money, st, fmt="#,##0.00")
                _put(ws, r, col, "", st)
                _put(ws, r, col + 1, "", st)
            else:
                _put(ws, r, col, text, st)
                ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + 2)
    r += 1
    remarks = [
        f"预计金额 {format_fen(view.estimate_fen)}，列支预算科目：{view.budget_year}年度 {view.budget_line_name}"
    ]
    if view.chosen_supplier:
        remarks.append(f"确定供应商：{view.chosen_supplier}（{view.decided_on}）")
    if view.decision_reason:
        remarks.append(f"理由：{view.decision_reason}")
    if view.few_quotes_reason:
        remarks.append(f"报价不足三家的理由：{view.few_quotes_reason}")
    _put(ws, r, 1, "备注", st, bold=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
    _put(ws, r, 6, "；".join(remarks), st)
    ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=width)
    ws.row_dimensions[r].height = 36
    r += 2
    for key, title in COMPARISON_SIGNERS.items():
        _put(ws, r, 1, f"{title}：", st, bold=True, border=False)
        _put(ws, r, 2, view.signers.get(key, ""), st, border=False)
        _put(ws, r, 4, "签字：", st, border=False)
        ws.row_dimensions[r].height = 30
        r += 1
    _put(ws, r, 1, "日期：", st, bold=True, border=False)
    _put(ws, r, 2, view.compared_on, st, border=False, fmt="yyyy-mm-dd")
    for c, w in enumerate([6, 18, 12, 14, 6] + [14, 12, 12] * max(1, len(quotes)), 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _page_setup(ws, landscape=True, title_rows=None)


def _scoring_sheet(ws, view: PurchaseView, branch: str, sheet: SheetView | None) -> None:
    """One scorer's sheet, or (``sheet`` None) the totals over every scorer and the winner."""
    from openpyxl.utils import get_column_letter

    from models.reports import _page_setup, _styles
    from rules.params import ruleset_on

    st = _styles()
    rs = ruleset_on(view.decided_on or (sheet.signed_on if sheet else view.requested_on))
    weights = [
        rs[k] if rs.has(k) else None
        for k in (
            "supplier_weight_qualification",
            "supplier_weight_price",
            "supplier_weight_quality",
            "supplier_weight_after_sales",
        )
    ]
    who = f"评分人员：{sheet.scorer}" if sheet else f"评分人员合计（{len(view.sheets)} 人）"
    _heading(ws, SCORING_TITLE, f"代办处、代办点(章)：{branch}　　采购编号：{view.number}　　{who}", 7, st)
    _put(ws, 3, 1, "商品信息", st, bold=True)
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=2)
    _put(ws, 3, 3, "评分项", st, bold=True)
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=7)
    head = ["参选供货商", "商品型号"]
    head += [f"{name}\n(满分{w}分)" for name, w in zip(CRITERIA.values(), weights, strict=True)]
    head.append(f"总分\n(满分{sum(w or 0 for w in weights)}分)")
    for c, text in enumerate(head, 1):
        _put(ws, 4, c, text, st, bold=True)
    ws.row_dimensions[4].height = 32
    models = {q.supplier: q.model or "" for q in view.quotes}
    r = 4
    if sheet is not None:
        for row in sheet.rows:
            r += 1
            values = [row.supplier, models.get(row.supplier, ""), *(getattr(row, c) for c in CRITERIA), row.total]
            for c, value in enumerate(values, 1):
                _put(ws, r, c, value, st)
    else:
        per = {q.supplier: [0, 0, 0, 0] for q in view.quotes}
        for row in view.scores:
            for i, c in enumerate(CRITERIA):
                per[row.supplier][i] += getattr(row, c)
        for supplier, points in per.items():
            r += 1
            for c, value in enumerate([supplier, models.get(supplier, ""), *points, sum(points)], 1):
                _put(ws, r, c, value, st)
    r += 2
    notes = ["说明：1、满分为100分", "2、参与评分人员总分最高者确定为项目中选单位"]
    if sheet is None:
        if view.ranking is not None:
            notes.append(f"评分结果：{view.ranking.message}")
        if view.chosen_supplier:
            notes.append(
                f"中选单位：{view.chosen_supplier}"
                + (f"（理由：{view.decision_reason}）" if view.decision_reason else "")
            )
    for text in notes:
        _put(ws, r, 1, text, st, border=False)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        r += 1
    r += 1
    if sheet is not None:
        _put(ws, r, 1, "3、评分人员签字：", st, bold=True, border=False)
        _put(ws, r, 3, sheet.scorer, st, border=False)
        _put(ws, r, 5, "日期：", st, bold=True, border=False)
        _put(ws, r, 6, sheet.signed_on, st, border=False, fmt="yyyy-mm-dd")
        ws.row_dimensions[r].height = 36
    else:
        _put(ws, r, 1, "3、评分人员签字：", st, bold=True, border=False)
        _put(ws, r, 3, "、".join(s.scorer for s in view.sheets), st, border=False)
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=7)
    for c, w in enumerate((18, 14, 12, 12, 16, 12, 12), 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _page_setup(ws, landscape=False, title_rows=None)


def purchase_register(period):
    """Purchases requested in the period, with what the bulk-purchase rules asked of each
    (001 附件3 6: 《大宗商品购置申请表》《固定资产购置申请表》 and their comparison)."""
    from models import reports

    columns = (
        reports.Column("number", "采购编号"),
        reports.Column("requested_on", "申请日期", "date"),
        reports.Column("kind", "类别"),
        reports.Column("title", "商品名称"),
        reports.Column("quantity", "数量", "int"),
        reports.Column("estimate_fen", "预计金额（元）", "fen", total=True),
        reports.Column("bulk", "大宗商品"),
        reports.Column("quotes", "报价家数", "int"),
        reports.Column("scorers", "评分人员"),
        reports.Column("signed", "价格对比表签字"),
        reports.Column("supplier", "确定供应商"),
        reports.Column("amount_fen", "金额（元）", "fen", total=True),
        reports.Column("reason", "理由"),
    )
    views = [v for v in list_purchases() if period.start <= v.requested_on <= period.end]
    rows = [
        {
            "number": v.number,
            "requested_on": v.requested_on,
            "kind": v.kind_name,
            "title": v.title,
            "quantity": v.quantity,
            "estimate_fen": v.estimate_fen,
            "bulk": "是" if v.bulk and v.bulk.outcome == "bulk" else "否",
            "quotes": len(v.quotes),
            "scorers": "、".join(s.scorer for s in v.sheets),
            "signed": "、".join(v.signers.get(k, "") for k in COMPARISON_SIGNERS) if v.compared_on else "",
            "supplier": v.chosen_supplier or v.state_name,
            "amount_fen": v.amount_fen,
            "reason": "；".join(x for x in (v.decision_reason, v.few_quotes_reason) if x),
        }
        for v in reversed(views)
    ]
    return reports.Report(
        "purchases",
        "大宗商品及固定资产购置记录",
        period,
        columns,
        rows,
        reports._totals(columns, rows),
        reports.branch_label(),
        notes=("依据《代办机构服务项目管理办法》(004) 附件3、附件4；《稽核内容及标准》(001) 附件3 第6项。",),
    )
