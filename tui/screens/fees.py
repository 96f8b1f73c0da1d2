"""会费收缴: per unit what it owes (shares × the price in force on each policy's start), has
paid and the balance with what is overdue; collected money not yet remitted; the remittances
and the receipt register (DOMAIN §12).

``r`` records a unit's payment with its receipt, ``t`` a remittance to the office, ``x`` voids
a spoilt receipt (a supervisor; anyone else is told by the service). Every read and write runs
in a thread worker through ``models.fees``; every judgement is ``rules.fees``'s.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from models import fees
from rules import format_fen
from rules.params import active_rulesets
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, DialogField, StepDialog, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable


def _fen(value: int | None) -> str:
    return "" if value is None else format_fen(value).removesuffix("元")


#: Units' fees: the code and the amounts whole, the name (its shared prefix dropped) cut first.
UNIT_COLUMNS = (
    Col("单位"),
    Col("名称", 1, "distinct", min_width=10),
    Col("应缴", justify="right"),
    Col("已缴", justify="right"),
    Col("余额", justify="right"),
    Col("逾期", justify="right"),
    Col("已上交", 2, justify="right"),
)


def _plan_code(text: str | None) -> str:
    """A plan as typed in a dialog: its name or its code (run in the dialog's worker: the plans in
    force include those installed from the office's notices, read from the database)."""
    text = (text or "").strip()
    by_name = {name: code for code, name in active_rulesets().plan_names.items()}
    return by_name.get(text, text.upper())


class FeesScreen(DbWork, SubScreen):
    CSS_PATH = "fees.tcss"
    BINDINGS = [
        Binding("r", "receive", "登记缴费", id="fees.receive"),
        Binding("t", "remit", "上交", id="fees.remit"),
        Binding("x", "void", "作废票据", id="fees.void"),
        Binding("f5", "refresh", "刷新", id="fees.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "会费收缴"
        self.current: fees.Overview | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fees-totals")
        yield FitTable(UNIT_COLUMNS, id="fees-units", zebra_stripes=True)
        yield Static("", id="fees-remit", classes="muted")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fees-units", DataTable).focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", fees.read_overview, self.app.today())

    def db_loaded(self, overview: fees.Overview) -> None:
        self.current = overview
        totals = self.query_one("#fees-totals", Static)
        held = f"，超期未上交 {_fen(overview.held_fen)}（不得截留）" if overview.held_fen else ""
        totals.update(
            f"应缴 {_fen(overview.due_fen)}  已缴 {_fen(overview.paid_fen)}  "
            f"欠缴 {_fen(overview.due_fen - overview.paid_fen)}（逾期 {_fen(overview.overdue_fen)}）\n"
            f"已收未上交 {_fen(overview.unremitted_fen)}{held}"
        )
        totals.set_class(bool(overview.held_fen or overview.overdue_fen), "-warn")
        table = self.query_one("#fees-units", FitTable)
        table.set_rows(
            (
                u.unit_code,
                (
                    u.unit_code,
                    u.unit_name,
                    _fen(u.due_fen),
                    _fen(u.paid_fen),
                    _fen(u.balance_fen),
                    _fen(u.overdue_fen) if u.overdue_fen else "",
                    _fen(u.remitted_fen),
                ),
            )
            for u in overview.units
        )
        table.border_title = f"共 {len(overview.units)} 个单位（元）"
        lines = [
            f"上交 {r.on_date.isoformat()} {_fen(r.amount_fen)} 凭证 {r.bank_ref}（{len(r.receipts)} 张票据）"
            for r in overview.remittances[-2:]
        ] or ["尚无上交记录：按 T 登记上交办事处"]
        book = overview.book
        voids = "、".join(v["number"] for v in book.voided[-4:])
        lines.append(
            f"票据 {len(book.series)} 册，缺号 {book.gaps or '无'}"
            + (f"，作废 {len(book.voided)} 张（{voids}）" if book.voided else "")
        )
        self.query_one("#fees-remit", Static).update("\n".join(lines))
        self.query_one(StatusLine).clear()

    def _highlighted_unit(self) -> str:
        table = self.query_one("#fees-units", DataTable)
        if table.row_count and self.current and table.cursor_row < len(self.current.units):
            return self.current.units[table.cursor_row].unit_code
        return ""

    def action_receive(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [
            DialogField("unit", "单位编码", default=self._highlighted_unit()),
            DialogField("plan", "险种"),  # its name (住院医疗) or its code
            DialogField("period", "期间", default=str(today.year)),
            DialogField("amount", "金额(元)", "yuan"),
            DialogField("on", "收款日期", "date", today.isoformat()),
            DialogField("receipt", "票据号"),
            DialogField("payer", "缴款人", required=False),
        ]
        self.app.push_screen(
            StepDialog(
                "会费收缴 › 登记缴费",
                "期间为所缴保单起始的年或月（YYYY 或 YYYY-MM）；票据按册连号。",
                fields,
                lambda v: fees.receive(
                    unit_code=v["unit"].strip(),
                    plan_code=_plan_code(v["plan"]),
                    period=v["period"],
                    amount_fen=v["amount"],
                    on=v["on"],
                    receipt_no=v["receipt"],
                    payer=v.get("payer"),
                    today=today,
                ),
                today,
            ),
            self._after,
        )

    def action_remit(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        open_fen = self.current.unremitted_fen if self.current else 0
        fields = [
            DialogField("amount", "金额(元)", "yuan", _fen(open_fen).replace(",", "") if open_fen else ""),
            DialogField("on", "上交日期", "date", today.isoformat()),
            DialogField("bank_ref", "银行凭证号"),
            DialogField("covers", "涵盖票据", required=False),
        ]
        self.app.push_screen(
            StepDialog(
                "会费收缴 › 上交办事处",
                f"已收未上交 {_fen(open_fen)} 元。涵盖票据可填票据号、号段 A0001..A0010 或 单位/计划/期间，"
                "逗号分隔；不填则按收款先后上交。",
                fields,
                lambda v: fees.remit(
                    amount_fen=v["amount"],
                    on=v["on"],
                    bank_ref=v["bank_ref"],
                    covers=[c.strip() for c in (v.get("covers") or "").replace("，", ",").split(",") if c.strip()],
                    today=today,
                ),
                today,
            ),
            self._after,
        )

    def action_void(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [DialogField("number", "票据号"), DialogField("reason", "作废原因")]
        self.app.push_screen(
            StepDialog(
                "会费收缴 › 作废票据",
                "开错或损坏的票据作废后号码保留在登记簿中（仅负责人）；已开票据的收款同时作废，已上交的不能作废。",
                fields,
                lambda v: fees.void_receipt(v["number"], v["reason"], today),
                today,
            ),
            self._after,
        )

    def _after(self, result: object) -> None:
        if result is None:
            return
        decision = getattr(result, "decision", None) or (result if hasattr(result, "message") else None)
        if decision is not None:
            self.notify(decision.message, title="已保存")
        else:
            self.notify("已保存", title="已保存")
        self.reload()
