"""The fixed-asset register (docs/rules.md R13.2; 001 fin.5 "固定资产购置、使用和处置", 附件3 6).

Each asset: what it is, when it was acquired, the invoice and amount, the purchase it came
from (its budget line is the purchase's), the title document, where it is and which staff
member keeps it. A move of location or keeper is kept as history; a disposal keeps the row
with its date, reason and approval. The yearly stocktake (财产盘点) records, for every asset
held on its date, found, missing or a difference. The rules are ``rules.purchases``'; every
write is one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models import audit, clock, reports
from models.db import database, writing
from models.errors import RuleRefused, ValidationFailed, refuses_undated
from models.purchases import typed_text
from models.schema import AssetCount, AssetCountLine, AssetMove, FixedAsset, Purchase, PurchaseQuote, StaffAccount
from models.staff import find_account
from rules.purchases import COUNT_RESULTS, check_count, check_disposal

STATES = {"in_use": "在用", "disposed": "已处置"}
NUMBER_RE = re.compile(r"^(?:ZC)?0*([1-9][0-9]{0,8})$", re.IGNORECASE)


def number(asset_id: int) -> str:
    return f"ZC{asset_id:04d}"


def parse_number(text: str) -> int:
    """``ZC0007`` or ``7``: the asset's id."""
    match = NUMBER_RE.match((text or "").strip())
    if match is None:
        raise ValidationFailed(f"资产编号无效：“{text}”（如 ZC0001）", f"invalid asset number {text!r} (e.g. ZC0001)")
    return int(match.group(1))


@dataclass(frozen=True)
class AssetView:
    id: int
    name: str
    model: str | None
    acquired_on: dt.date
    invoice_no: str | None
    amount_fen: int
    purchase_id: int | None
    title_doc: str | None
    location: str
    keeper: str
    state: str
    disposed_on: dt.date | None
    disposal_reason: str | None
    disposal_approval: str | None
    note: str | None
    last_count: tuple[int, str, str | None] | None = None  # (year, result, note)

    @property
    def number(self) -> str:
        return number(self.id)

    @property
    def state_name(self) -> str:
        return STATES.get(self.state, self.state)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "name": self.name,
            "model": self.model,
            "acquired_on": self.acquired_on.isoformat(),
            "invoice_no": self.invoice_no,
            "amount_fen": self.amount_fen,
            "purchase": f"CG{self.purchase_id:04d}" if self.purchase_id else None,
            "title_doc": self.title_doc,
            "location": self.location,
            "keeper": self.keeper,
            "state": self.state,
            "disposed_on": self.disposed_on.isoformat() if self.disposed_on else None,
            "disposal_reason": self.disposal_reason,
            "disposal_approval": self.disposal_approval,
            "note": self.note,
            "last_count": (
                {"year": self.last_count[0], "result": self.last_count[1], "note": self.last_count[2]}
                if self.last_count
                else None
            ),
        }


def _views(rows: Sequence[FixedAsset]) -> list[AssetView]:
    ids = [r.id for r in rows]
    keepers = dict(database.execute_sql("SELECT id, name FROM staff_account").fetchall())
    counted: dict[int, tuple[int, str, str | None]] = {}
    if ids:
        for asset_id, year, result, note in database.execute_sql(
            "SELECT l.asset_id, c.year, l.result, l.note FROM asset_count_line l JOIN asset_count c ON c.id = l.count_id "
            "ORDER BY c.year"
        ):
            counted[asset_id] = (year, result, note)
    return [
        AssetView(
            r.id,
            r.name,
            r.model,
            r.acquired_on,
            r.invoice_no,
            r.amount_fen,
            r.purchase_id,
            r.title_doc,
            r.location,
            keepers.get(r.keeper_id, ""),
            r.state,
            r.disposed_on,
            r.disposal_reason,
            r.disposal_approval,
            r.note,
            counted.get(r.id),
        )
        for r in rows
    ]


def list_assets(*, include_disposed: bool = True) -> list[AssetView]:
    query = FixedAsset.select().order_by(FixedAsset.id)
    if not include_disposed:
        query = query.where(FixedAsset.state == "in_use")
    return _views(list(query))


def _asset(asset_id: int) -> FixedAsset:
    row = FixedAsset.get_or_none(FixedAsset.id == asset_id)
    if row is None:
        raise ValidationFailed(f"没有资产 {number(asset_id)}", f"no asset {number(asset_id)}")
    return row


def _in_use(asset_id: int) -> FixedAsset:
    row = _asset(asset_id)
    if row.state != "in_use":
        raise ValidationFailed(
            f"资产 {number(row.id)} 已于 {row.disposed_on} 处置", f"asset {number(row.id)} was disposed of"
        )
    return row


def _keeper(who: str) -> StaffAccount:
    account = find_account(who)
    if not account.active:
        raise ValidationFailed(
            f"{account.name}（{account.username}）的账号已停用，不能作为保管人", f"{account.username} is disabled"
        )
    return account


def _not_future(on: dt.date, today: dt.date, what_zh: str, what_en: str) -> dt.date:
    if on > today:
        raise ValidationFailed(f"{what_zh} {on} 晚于今天 {today}", f"the {what_en} {on} is after today")
    return on


def add(
    name: str | None,
    location: str,
    keeper: str,
    *,
    amount_fen: int | None = None,
    purchase_id: int | None = None,
    acquired_on: dt.date | None = None,
    model: str | None = None,
    invoice_no: str | None = None,
    title_doc: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> AssetView:
    """Register an asset. With ``purchase_id`` (a decided purchase) its name, model and amount
    default to the purchase's item and the chosen quote's unit price."""
    today = today or clock.today()
    acquired_on = _not_future(acquired_on or today, today, "取得日期", "acquisition date")
    location = typed_text(location, "存放地点", "the location") or ""
    model = typed_text(model, "型号", "the model", required=False)
    invoice_no = typed_text(invoice_no, "发票号", "the invoice number", required=False, limit=50)
    title_doc = typed_text(title_doc, "产权证", "the title document", required=False)
    note = typed_text(note, "备注", "the note", required=False, limit=500)
    with writing() as session:
        if purchase_id is not None:
            purchase = Purchase.get_or_none(Purchase.id == purchase_id)
            if purchase is None:
                raise ValidationFailed(f"没有采购 CG{purchase_id:04d}", f"no purchase {purchase_id}")
            if purchase.state != "decided":
                raise ValidationFailed(
                    f"采购 CG{purchase_id:04d} 尚未确定供应商，不能据此登记资产",
                    f"purchase {purchase_id} has no supplier decided yet",
                )
            quote = PurchaseQuote.get_by_id(purchase.chosen_quote)
            name = name or purchase.title
            model = model or quote.model
            amount_fen = quote.unit_price_fen if amount_fen is None else amount_fen
        name = typed_text(name, "资产名称", "the asset name") or ""
        if amount_fen is None or amount_fen <= 0:
            raise ValidationFailed("请填写资产金额（大于零）", "the amount must be above zero")
        account = _keeper(keeper)
        row = FixedAsset.create(
            name=name,
            model=model,
            acquired_on=acquired_on,
            invoice_no=invoice_no,
            amount_fen=amount_fen,
            purchase=purchase_id,
            title_doc=title_doc,
            location=location,
            keeper=account.id,
            state="in_use",
            entered_by=session.user,
            note=note,
        )
        audit.record(
            "asset.add",
            "fixed_asset",
            row.id,
            {
                "name": name,
                "acquired_on": acquired_on,
                "amount_fen": amount_fen,
                "purchase": purchase_id,
                "location": location,
                "keeper": account.username,
                "invoice_no": invoice_no,
                "title_doc": title_doc,
            },
        )
    return _views([row])[0]


def move(
    asset_id: int,
    *,
    location: str | None = None,
    keeper: str | None = None,
    reason: str,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> AssetView:
    """A new location or keeper (or both), with the reason; the old ones stay in the history."""
    today = today or clock.today()
    on = _not_future(on or today, today, "变更日期", "date")
    reason = typed_text(reason, "变更原因", "the reason", limit=500) or ""
    location = typed_text(location, "存放地点", "the location", required=False)
    with writing() as session:
        row = _in_use(asset_id)
        account = _keeper(keeper) if (keeper or "").strip() else None
        new_location = location or row.location
        new_keeper = account.id if account else row.keeper_id
        if new_location == row.location and new_keeper == row.keeper_id:
            raise ValidationFailed("存放地点和保管人都没有变化", "neither the location nor the keeper changes")
        if on < row.acquired_on:
            raise ValidationFailed(f"变更日期 {on} 早于取得日期 {row.acquired_on}", "the move predates the acquisition")
        AssetMove.create(
            asset=row.id,
            on_date=on,
            location_from=row.location,
            location_to=new_location,
            keeper_from=row.keeper_id,
            keeper_to=new_keeper,
            reason=reason,
            by_user=session.user,
            at=clock.stamp(),
        )
        old = (row.location, row.keeper_id)
        row.location, row.keeper = new_location, new_keeper
        row.save()
        audit.record(
            "asset.move",
            "fixed_asset",
            row.id,
            {"on": on, "location": [old[0], new_location], "keeper": [old[1], new_keeper], "reason": reason},
        )
    return _views([row])[0]


@refuses_undated
def dispose(
    asset_id: int, reason: str, approval: str, *, on: dt.date | None = None, today: dt.date | None = None
) -> AssetView:
    """Dispose of an asset (sold, scrapped, lost …) with its reason and approval; the row stays."""
    today = today or clock.today()
    on = on or today
    with writing() as session:
        row = _in_use(asset_id)
        decision = check_disposal(row.acquired_on, on, reason, approval, today)
        if not decision.ok:
            raise RuleRefused([decision])
        row.state, row.disposed_on = "disposed", on
        row.disposal_reason = typed_text(reason, "处置原因", "the reason", limit=500)
        row.disposal_approval = typed_text(approval, "处置审批", "the approval")
        row.disposed_by = session.user
        row.save()
        audit.record(
            "asset.dispose",
            "fixed_asset",
            row.id,
            {"on": on, "reason": row.disposal_reason, "approval": row.disposal_approval},
        )
    return _views([row])[0]


@dataclass(frozen=True)
class CountView:
    year: int
    counted_on: dt.date
    counted_by: str
    note: str | None
    lines: list[tuple[AssetView, str, str | None]]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(COUNT_RESULTS, 0)
        for _, result, _ in self.lines:
            out[result] += 1
        return out

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "counted_on": self.counted_on.isoformat(),
            "counted_by": self.counted_by,
            "note": self.note,
            "counts": self.counts(),
            "lines": [
                {"asset": a.number, "name": a.name, "result": result, "note": note} for a, result, note in self.lines
            ],
        }


def _held_on(on: dt.date) -> list[FixedAsset]:
    """Assets the branch held on ``on``: acquired by then and not disposed of before it."""
    return list(
        FixedAsset.select()
        .where((FixedAsset.acquired_on <= on) & (FixedAsset.disposed_on.is_null() | (FixedAsset.disposed_on > on)))
        .order_by(FixedAsset.id)
    )


@refuses_undated
def count(
    year: int,
    counted_by: str,
    *,
    missing: Sequence[int] = (),
    differs: Mapping[int, str] | None = None,
    on: dt.date | None = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> CountView:
    """The year's stocktake: every asset held on ``on`` is found, unless listed as missing or as
    differing from the register (with what differs)."""
    today = today or clock.today()
    on = on or today
    differs = dict(differs or {})
    counted_by = typed_text(counted_by, "盘点人", "who counted") or ""
    note = typed_text(note, "备注", "the note", required=False, limit=500)
    with writing() as session:
        earlier = AssetCount.get_or_none(AssetCount.year == year)
        decision = check_count(year, on, today, earlier.counted_on if earlier else None)
        if not decision.ok:
            raise RuleRefused([decision])
        held = {a.id: a for a in _held_on(on)}
        unknown = [i for i in [*missing, *differs] if i not in held]
        if unknown:
            raise ValidationFailed(
                f"{'、'.join(number(i) for i in unknown)} 不在 {on} 的资产登记中",
                f"{', '.join(number(i) for i in unknown)} not in the register on {on}",
            )
        both = set(missing) & set(differs)
        if both:
            raise ValidationFailed(
                f"{'、'.join(number(i) for i in sorted(both))} 不能既未找到又有差异",
                "an asset is both missing and differing",
            )
        for i, text in differs.items():
            differs[i] = typed_text(text, f"{number(i)} 的差异说明", "what differs", limit=200) or ""
        row = AssetCount.create(
            year=year, counted_on=on, counted_by=counted_by, note=note, by_user=session.user, at=clock.stamp()
        )
        results = {}
        for asset_id in held:
            result = "missing" if asset_id in missing else "differs" if asset_id in differs else "found"
            AssetCountLine.create(count=row.id, asset=asset_id, result=result, note=differs.get(asset_id))
            results[number(asset_id)] = result
        audit.record(
            "asset.count",
            "asset_count",
            row.id,
            {"year": year, "on": on, "by": counted_by, "results": results, "differs": differs or None},
        )
    return read_count(year)


def read_count(year: int) -> CountView:
    row = AssetCount.get_or_none(AssetCount.year == year)
    if row is None:
        raise ValidationFailed(f"{year}年度还没有财产盘点记录", f"no stocktake for {year}")
    lines = list(AssetCountLine.select().where(AssetCountLine.count == row.id).order_by(AssetCountLine.asset))
    ids = [line.asset_id for line in lines]
    views = {v.id: v for v in _views(list(FixedAsset.select().where(FixedAsset.id.in_(ids))))}
    return CountView(
        row.year,
        row.counted_on,
        row.counted_by,
        row.note,
        [(views[line.asset_id], line.result, line.note) for line in lines],
    )


# --- the register for the audit (001 附件3 6) ---------------------------------------------------

ASSET_COLUMNS = (
    reports.Column("number", "资产编号"),
    reports.Column("name", "资产名称"),
    reports.Column("model", "型号"),
    reports.Column("acquired_on", "取得日期", "date"),
    reports.Column("amount_fen", "金额（元）", "fen", total=True),
    reports.Column("invoice_no", "发票号"),
    reports.Column("purchase", "采购编号"),
    reports.Column("title_doc", "产权证"),
    reports.Column("location", "存放地点"),
    reports.Column("keeper", "保管人"),
    reports.Column("state", "状态"),
    reports.Column("count", "盘点结果"),
    reports.Column("count_note", "盘点说明"),
)


def asset_register(period: reports.Period) -> reports.Report:
    """财产盘点明细表（固定资产）: every asset held at some point of the period, with its state at
    the period's end and the verdict of the period's year's stocktake."""
    rows_db = list(
        FixedAsset.select()
        .where(
            (FixedAsset.acquired_on <= period.end)
            & (FixedAsset.disposed_on.is_null() | (FixedAsset.disposed_on >= period.start))
        )
        .order_by(FixedAsset.id)
    )
    year_count = AssetCount.get_or_none(AssetCount.year == period.end.year)
    verdicts = (
        {
            line.asset_id: (line.result, line.note)
            for line in AssetCountLine.select().where(AssetCountLine.count == year_count.id)
        }
        if year_count
        else {}
    )
    rows = []
    for a in _views(rows_db):
        disposed = a.disposed_on is not None and a.disposed_on <= period.end
        result, note = verdicts.get(a.id, (None, None))
        rows.append(
            {
                "number": a.number,
                "name": a.name,
                "model": a.model or "",
                "acquired_on": a.acquired_on,
                "amount_fen": a.amount_fen,
                "invoice_no": a.invoice_no or "",
                "purchase": f"CG{a.purchase_id:04d}" if a.purchase_id else "",
                "title_doc": a.title_doc or "",
                "location": a.location,
                "keeper": a.keeper,
                "state": f"{a.disposed_on} 处置：{a.disposal_reason}（{a.disposal_approval}）" if disposed else "在用",
                "count": COUNT_RESULTS.get(result, "") if result else "",
                "count_note": note or "",
            }
        )
    notes = (
        (f"{year_count.year}年度盘点：{year_count.counted_on}，盘点人 {year_count.counted_by}",)
        if year_count
        else (f"{period.end.year}年度尚未盘点（huzhu asset count）",)
    )
    return reports.Report(
        "assets",
        "财产盘点明细表（固定资产）",
        period,
        ASSET_COLUMNS,
        rows,
        reports._totals(ASSET_COLUMNS, rows),
        reports.branch_label(),
        notes=notes + ("依据《稽核内容及标准》(001) 附件1 财务管理、附件3 第6项。",),
    )
