"""采购与资产: purchases with their quotes, each scorer's points and the price comparison's
signatures (docs/rules.md R13.1; 004 附件3–4), and the fixed-asset register with its yearly count (R13.2).

``t`` switches between the purchases and the assets. Purchases: ``n`` new, ``q`` a quote,
``s`` a scorer's sheet, ``c`` the three signatures, ``d`` decide. Assets: ``a`` add, ``m`` move,
``x`` dispose, ``k`` the year's count. What the rules refuse stays on the dialog with the reason
and article; every read and write runs in a thread worker through ``models.purchases`` and
``models.assets``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from models import assets, purchases
from models.errors import ValidationFailed
from models.money import parse_yuan
from rules import format_fen
from rules.purchases import COUNT_RESULTS
from tui.screens.base import SubScreen
from tui.screens.budget import line_code, line_name
from tui.screens.forms import DbWork, DialogField, StepDialog, code_of, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable

PURCHASE_ACTIONS = frozenset({"new", "quote", "score", "compare", "decide"})
ASSET_ACTIONS = frozenset({"asset_add", "asset_move", "asset_dispose", "asset_count"})


def _fen(value: int | None) -> str:
    return "" if value is None else format_fen(value).removesuffix("元")


def _points(text: str | None, supplier: str) -> tuple[str, int, int, int, int] | None:
    """ "18,28,35,9" (full-width commas too) for one supplier; blank: not scored on this sheet."""
    text = (text or "").replace("，", ",").strip()
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValidationFailed(
            f"{supplier} 的得分应写成“资质,报价,质量,售后”四个整数，如 18,28,35,9", "four whole numbers"
        )
    a, b, c, d = (int(p) for p in parts)
    return supplier, a, b, c, d


def _numbers(text: str | None) -> list[int]:
    return [assets.parse_number(t) for t in (text or "").replace("，", ",").replace("、", ",").split(",") if t.strip()]


def _differences(text: str | None) -> dict[int, str]:
    """ "ZC0001=放在会议室；ZC0002=…" into {asset id: what differs}."""
    out: dict[int, str] = {}
    for part in (text or "").replace("；", ";").split(";"):
        if not part.strip():
            continue
        number, sep, what = part.partition("=")
        if not sep:
            raise ValidationFailed("差异应写成“资产编号=说明”，多项用；分隔", "write NO=TEXT; NO=TEXT")
        out[assets.parse_number(number)] = what
    return out


#: Purchases and assets: numbers, amounts and dates whole; names and places cut first.
PURCHASE_COLUMNS = (
    Col("编号"),
    Col("商品名称", 0, "end", min_width=10),
    Col("数量", justify="right"),
    Col("预计", justify="right"),
    Col("大宗", 2),
    Col("报价", 1, justify="right"),
    Col("评分", 1, justify="right"),
    Col("签字", 2),
    Col("供应商", 0, "end", min_width=8),
)
ASSET_COLUMNS = (
    Col("编号"),
    Col("名称", 0, "end", min_width=10),
    Col("取得日期"),
    Col("金额", justify="right"),
    Col("存放地点", 1, "end", min_width=6),
    Col("保管人", 1, "end", min_width=6),
    Col("状态"),
    Col("最近盘点", 2),
)


class PurchasesScreen(DbWork, SubScreen):
    CSS_PATH = "purchases.tcss"
    BINDINGS = [
        Binding("t", "toggle", "采购/资产", id="purchases.toggle"),
        Binding("n", "new", "新采购", id="purchases.new"),
        Binding("q", "quote", "报价", id="purchases.quote"),
        Binding("s", "score", "评分", id="purchases.score"),
        Binding("c", "compare", "对比表签字", id="purchases.compare"),
        Binding("d", "decide", "确定供应商", id="purchases.decide"),
        Binding("a", "asset_add", "登记资产", id="purchases.asset_add"),
        Binding("m", "asset_move", "变更", id="purchases.move"),
        Binding("x", "asset_dispose", "处置", id="purchases.dispose"),
        Binding("k", "asset_count", "盘点", id="purchases.count"),
        Binding("f5", "refresh", "刷新", id="purchases.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "采购与资产"
        self.mode = "purchases"
        self.purchases: list[purchases.PurchaseView] = []
        self.assets: list[assets.AssetView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="buy-mode")
        yield FitTable(PURCHASE_COLUMNS, id="buy-table", zebra_stripes=True)
        yield Static("", id="buy-detail")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#buy-table", DataTable).focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PURCHASE_ACTIONS:
            return self.mode == "purchases"
        if action in ASSET_ACTIONS:
            return self.mode == "assets"
        return True

    def action_refresh(self) -> None:
        self.reload()

    def action_toggle(self) -> None:
        self.mode = "assets" if self.mode == "purchases" else "purchases"
        self.refresh_bindings()
        self.reload()

    def reload(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        if self.mode == "purchases":
            self.run_db("purchases", purchases.list_purchases, today=self.app.today())
        else:
            self.run_db("assets", assets.list_assets)

    # --- showing ----------------------------------------------------------------------------

    def db_purchases(self, views: list[purchases.PurchaseView]) -> None:
        if self.mode != "purchases":
            return
        self.purchases = views
        self.query_one("#buy-mode", Static).update(
            "采购（T 切换到固定资产）：N 新采购 Q 报价 S 评分 C 对比表签字 D 确定供应商"
        )
        table = self.query_one("#buy-table", FitTable)
        table.set_columns(PURCHASE_COLUMNS)
        table.set_rows(
            (
                v.id,
                (
                    v.number,
                    v.title,
                    str(v.quantity),
                    _fen(v.estimate_fen),
                    "是" if v.bulk and v.bulk.outcome == "bulk" else "否",
                    str(len(v.quotes)),
                    str(len(v.sheets)),
                    "已签" if v.compared_on else "",
                    v.chosen_supplier or v.state_name,
                ),
            )
            for v in views
        )
        table.border_title = f"采购 共 {len(views)} 项"
        self.query_one(StatusLine).clear()
        self._show_detail()

    def db_assets(self, views: list[assets.AssetView]) -> None:
        if self.mode != "assets":
            return
        self.assets = views
        self.query_one("#buy-mode", Static).update(
            "固定资产（T 切换到采购）：A 登记 M 变更地点或保管人 X 处置 K 年度盘点"
        )
        table = self.query_one("#buy-table", FitTable)
        table.set_columns(ASSET_COLUMNS)
        table.set_rows(
            (
                v.id,
                (
                    v.number,
                    v.name,
                    v.acquired_on.isoformat(),
                    _fen(v.amount_fen),
                    v.location,
                    v.keeper,
                    v.state_name,
                    f"{v.last_count[0]} {COUNT_RESULTS[v.last_count[1]]}" if v.last_count else "",
                ),
            )
            for v in views
        )
        held = sum(1 for v in views if v.state == "in_use")
        table.border_title = f"固定资产 在用 {held} 项，共 {len(views)} 项"
        self.query_one(StatusLine).clear()
        self._show_detail()

    @on(DataTable.RowHighlighted, "#buy-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _current_purchase(self) -> purchases.PurchaseView | None:
        table = self.query_one("#buy-table", DataTable)
        if self.mode == "purchases" and self.purchases and 0 <= table.cursor_row < len(self.purchases):
            return self.purchases[table.cursor_row]
        return None

    def _current_asset(self) -> assets.AssetView | None:
        table = self.query_one("#buy-table", DataTable)
        if self.mode == "assets" and self.assets and 0 <= table.cursor_row < len(self.assets):
            return self.assets[table.cursor_row]
        return None

    def _show_detail(self) -> None:
        box = self.query_one("#buy-detail", Static)
        if self.mode == "assets":
            a = self._current_asset()
            if a is None:
                box.update("还没有固定资产：按 A 登记（保管人须为经办人员，见 huzhu staff）")
                return
            lines = [
                f"{a.number} {a.name} {a.model or ''}  {_fen(a.amount_fen)} 元  发票 {a.invoice_no or '—'}"
                f"  采购 {f'CG{a.purchase_id:04d}' if a.purchase_id else '—'}  产权证 {a.title_doc or '—'}"
            ]
            if a.disposed_on:
                lines.append(f"{a.disposed_on} 处置：{a.disposal_reason}（审批：{a.disposal_approval}）")
            if a.last_count:
                note = f"，{a.last_count[2]}" if a.last_count[2] else ""
                lines.append(f"{a.last_count[0]}年度盘点：{COUNT_RESULTS[a.last_count[1]]}{note}")
            box.update("\n".join(lines))
            return
        v = self._current_purchase()
        if v is None:
            box.update("还没有采购：按 N 登记（列支本年度已批准预算的科目）")
            return
        totals = v.ranking.data.get("totals", {}) if v.ranking else {}
        lines = [
            "；".join(
                f"{q.supplier} {_fen(q.total_fen)}" + (f"（{totals[q.supplier]}分）" if q.supplier in totals else "")
                for q in v.quotes
            )
            or "尚无报价",
        ]
        if v.sheets:
            lines.append("评分人员：" + "、".join(f"{s.scorer}（{s.signed_on}）" for s in v.sheets))
        if v.compared_on:
            lines.append(
                f"对比表签字 {v.compared_on}：{v.signers['chair']}、{v.signers['director']}、{v.signers['handler']}"
            )
        if v.chosen_supplier:
            why = f"，理由：{v.decision_reason}" if v.decision_reason else ""
            lines.append(f"确定 {v.chosen_supplier} {_fen(v.amount_fen)} 元（{v.decided_on}{why}）")
        elif v.readiness is not None:
            lines += [f"✗{d.message}（{d.citation.short}）" for d in v.readiness.errors]
        box.update("\n".join(lines))

    # --- purchases ---------------------------------------------------------------------------

    def _dialog(self, title: str, intro: str, fields: list[DialogField], submit) -> None:
        self.app.push_screen(StepDialog(title, intro, fields, submit, self.app.today()), self._after)

    def action_new(self) -> None:
        if not writable(self):
            return
        fields = [
            DialogField("title", "商品名称"),
            DialogField("quantity", "数量", default="1"),
            DialogField("estimate", "预计金额(元)", "yuan"),
            DialogField("kind", "类别", default=purchases.KINDS["goods"]),
            DialogField("spec", "规格", required=False),
            DialogField("line", "预算科目", default=line_name(purchases.DEFAULT_LINE)),
        ]

        def submit(v: dict) -> object:
            quantity = (v["quantity"] or "").strip()
            if not quantity.isdigit() or int(quantity) < 1:
                raise ValidationFailed("数量应为正整数", "the quantity must be a whole number")
            return purchases.new(
                v["title"],
                int(quantity),
                v["estimate"],
                kind=code_of(v["kind"], purchases.KINDS, "采购类别"),
                spec=v.get("spec"),
                line=line_code(v["line"]),
            )

        self._dialog(
            "采购 › 新采购",
            f"类别：{'、'.join(purchases.KINDS.values())}。达到大宗商品采购标准的须三家报价、评分表和价格对比表。",
            fields,
            submit,
        )

    def _open_purchase(self) -> purchases.PurchaseView | None:
        v = self._current_purchase()
        if v is None:
            self.query_one(StatusLine).show_error("请先选择一项采购")
            return None
        if v.state != "open":
            self.query_one(StatusLine).show_error(f"{v.number} 已确定供应商")
            return None
        return v if writable(self) else None

    def action_quote(self) -> None:
        v = self._open_purchase()
        if v is None:
            return
        fields = [
            DialogField("supplier", "供应商"),
            DialogField("price", "单价(元)", "yuan"),
            DialogField("phone", "电话", required=False),
            DialogField("model", "商品型号", required=False),
            DialogField("terms", "付款方式", required=False),
            DialogField("invoice", "提供税票种", required=False),
            DialogField("service", "售后服务", required=False),
        ]
        self._dialog(
            f"{v.number} › 报价",
            f"{v.title} ×{v.quantity}：总价 = 单价 × 数量；每家供应商一条。",
            fields,
            lambda x: purchases.add_quote(
                v.id,
                x["supplier"],
                x["price"],
                phone=x.get("phone"),
                model=x.get("model"),
                payment_terms=x.get("terms"),
                tax_invoice=x.get("invoice"),
                after_sales=x.get("service"),
            ),
        )

    def action_score(self) -> None:
        v = self._open_purchase()
        if v is None:
            return
        if not v.quotes:
            self.query_one(StatusLine).show_error("还没有报价，无可评分的供应商")
            return
        fields = [DialogField("scorer", "评分人员")]
        # Numbered, each supplier named whole above: a label has 10 cells, and suppliers cut to
        # them all read 北京市朝阳 (#14: never cut a value into something ambiguous).
        fields += [DialogField(f"s{i}", f"报价 {i + 1}", required=False) for i, _ in enumerate(v.quotes)]
        named = "\n".join(f"报价 {i + 1}：{q.supplier} {_fen(q.total_fen)}" for i, q in enumerate(v.quotes))

        def submit(x: dict) -> object:
            rows = [_points(x.get(f"s{i}"), q.supplier) for i, q in enumerate(v.quotes)]
            return purchases.score(v.id, x["scorer"], [r for r in rows if r is not None])

        self._dialog(
            f"{v.number} › 评分表（附件3）",
            f"{named}\n每家填“资质与实力,财务报价,产品质量与性能指标,售后服务”，满分 20,30,40,10，如 18,28,35,9。"
            "同一评分人员再次填写即替换其评分表。",
            fields,
            submit,
        )

    def action_compare(self) -> None:
        v = self._open_purchase()
        if v is None:
            return
        fields = [
            DialogField("chair", "管委会主任"),
            DialogField("director", "代办处主任"),
            DialogField("handler", "经手人"),
            DialogField("on", "签字日期", "date", self.app.today().isoformat()),
        ]
        self._dialog(
            f"{v.number} › 价格对比表签字（附件4）",
            "价格对比表须由管委会主任、代办处主任和经手人签字。",
            fields,
            lambda x: purchases.sign_comparison(v.id, x["chair"], x["director"], x["handler"], on=x["on"]),
        )

    def action_decide(self) -> None:
        v = self._open_purchase()
        if v is None:
            return
        fields = [
            DialogField("supplier", "中选供应商", required=False),
            DialogField("reason", "理由", required=False),
            DialogField("few", "报价不足理由", required=False),
        ]
        self._dialog(
            f"{v.number} › 确定供应商",
            "不填供应商：总分最高者（或唯一的报价）。总分并列或另选他家须写明评分人员确定的理由。",
            fields,
            lambda x: purchases.decide(v.id, x.get("supplier"), reason=x.get("reason"), few_quotes_reason=x.get("few")),
        )

    # --- assets ------------------------------------------------------------------------------

    def action_asset_add(self) -> None:
        if not writable(self):
            return
        fields = [
            DialogField("purchase", "采购编号", required=False),
            DialogField("name", "资产名称", required=False),
            DialogField("amount", "金额(元)", required=False),
            DialogField("location", "存放地点"),
            DialogField("keeper", "保管人"),
            DialogField("on", "取得日期", "date", self.app.today().isoformat()),
        ]

        def submit(x: dict) -> object:
            return assets.add(
                x.get("name"),
                x["location"],
                x["keeper"],
                amount_fen=parse_yuan(x["amount"]) if x.get("amount") else None,
                purchase_id=purchases.parse_number(x["purchase"]) if x.get("purchase") else None,
                acquired_on=x["on"],
            )

        self._dialog(
            "固定资产 › 登记",
            "有采购编号（已确定供应商）时名称和金额默认取自采购；保管人填经办人员姓名或业务系统用户名。",
            fields,
            submit,
        )

    def _held_asset(self) -> assets.AssetView | None:
        a = self._current_asset()
        if a is None:
            self.query_one(StatusLine).show_error("请先选择一项资产")
            return None
        if a.state != "in_use":
            self.query_one(StatusLine).show_error(f"{a.number} 已处置")
            return None
        return a if writable(self) else None

    def action_asset_move(self) -> None:
        a = self._held_asset()
        if a is None:
            return
        fields = [
            DialogField("location", "新存放地点", required=False),
            DialogField("keeper", "新保管人", required=False),
            DialogField("reason", "变更原因"),
        ]
        self._dialog(
            f"{a.number} › 变更",
            f"{a.name}：现存放于{a.location}，保管人 {a.keeper}。原记录保留。",
            fields,
            lambda x: assets.move(a.id, location=x.get("location"), keeper=x.get("keeper"), reason=x["reason"]),
        )

    def action_asset_dispose(self) -> None:
        a = self._held_asset()
        if a is None:
            return
        fields = [
            DialogField("reason", "处置原因"),
            DialogField("approval", "审批"),
            DialogField("on", "处置日期", "date", self.app.today().isoformat()),
        ]
        self._dialog(
            f"{a.number} › 处置",
            f"{a.name}：须写明原因（报废、出售、盘亏……）和审批（批准人或会议纪要），登记记录保留。",
            fields,
            lambda x: assets.dispose(a.id, x["reason"], x["approval"], on=x["on"]),
        )

    def action_asset_count(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [
            DialogField("year", "盘点年度", default=str(today.year)),
            DialogField("by", "盘点人"),
            DialogField("missing", "未找到", required=False),
            DialogField("differs", "有差异", required=False),
            DialogField("on", "盘点日期", "date", today.isoformat()),
        ]

        def submit(x: dict) -> object:
            year = (x["year"] or "").strip()
            if not (year.isdigit() and len(year) == 4):
                raise ValidationFailed("年度应为四位数字", "the year must have four digits")
            return assets.count(
                int(year),
                x["by"],
                missing=_numbers(x.get("missing")),
                differs=_differences(x.get("differs")),
                on=x["on"],
            )

        self._dialog(
            "固定资产 › 年度盘点",
            "未列出的在用资产均记为账实相符。未找到：资产编号，逗号分隔；有差异：ZC0001=说明，多项用；分隔。",
            fields,
            submit,
        )

    def _after(self, result: object) -> None:
        if result is None:
            return
        decision = getattr(result, "decision", None)
        if decision is not None:
            self.notify(decision.message, title="已保存")
        else:
            self.notify("已保存", title="采购与资产")
        for warning in getattr(result, "warnings", ()):
            self.notify(warning.message, title="提示", severity="warning")
        self.reload()
