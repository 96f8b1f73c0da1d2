"""管理费账: the year's management-fee account — opening balance, income, money paid, balance —
and each approved budget line with welfare paid (003 disbursements), other spending paid,
what is still to pay and what remains; the year's income and spending below (DOMAIN §11).

``i`` records income (回拨管理费 with its reference, or other), ``s`` enters a payment other
than welfare against a line. Approval and payment need a second person (R3.5; 000 第十九条2)
and are done by them (``huzhu ledger approve|pay``). Every read and write runs in a thread
worker through ``models.mgmt_fee``; the rules are ``rules.mgmt_fee``'s.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from models import mgmt_fee
from rules import format_fen
from rules.mgmt_fee import INCOME_KINDS, SPEND_CATEGORIES, SPEND_STATES
from tui.screens.base import SubScreen
from tui.screens.budget import line_code
from tui.screens.forms import DbWork, DialogField, StepDialog, code_of, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable


def _fen(value: int | None) -> str:
    return "" if value is None else format_fen(value).removesuffix("元")


class Loaded:
    def __init__(self, account: mgmt_fee.YearAccount, spending: list, income: list) -> None:
        self.account, self.spending, self.income = account, spending, income


def _load(year: int) -> Loaded:
    return Loaded(mgmt_fee.year_account(year), mgmt_fee.spendings(year), mgmt_fee.incomes(year))


#: The account's budget lines and entries: amounts, dates and the lines' names whole (the
#: longest name of the catalogue fits 80 columns once 待付 is left out); entries' categories
#: and who handled them are cut before anything.
LINE_COLUMNS = (
    Col("预算科目"),
    Col("批准数", justify="right"),
    Col("互助互济已付", 1, justify="right"),
    Col("其他已付", 1, justify="right"),
    Col("待付", 2, justify="right"),
    Col("余额", justify="right"),
)
ENTRY_COLUMNS = (
    Col("编号"),
    Col("日期"),
    Col("收支"),
    Col("类别", 0, "end", min_width=8),
    Col("金额", justify="right"),
    Col("状态"),
    Col("录入/审批/支付", 1, "end", min_width=8),
)


class MgmtFeeScreen(DbWork, SubScreen):
    CSS_PATH = "mgmt_fee.tcss"
    BINDINGS = [
        Binding("i", "income", "登记收入", id="mgmt.income"),
        Binding("s", "spend", "录入支出", id="mgmt.spend"),
        Binding("f5", "refresh", "刷新", id="mgmt.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "管理费账"
        self.year: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="mgmt-top"):
            yield Input(str(self.app.today().year), placeholder="年度", id="mgmt-year", compact=True)
            yield Static("", id="mgmt-summary")
        yield FitTable(LINE_COLUMNS, id="mgmt-lines", zebra_stripes=True)
        yield FitTable(ENTRY_COLUMNS, id="mgmt-entries", zebra_stripes=True)
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#mgmt-lines", DataTable).focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    @on(Input.Submitted, "#mgmt-year")
    def reload(self) -> None:
        text = self.query_one("#mgmt-year", Input).value.strip()
        if not (text.isdigit() and len(text) == 4):
            self.query_one(StatusLine).show_error("年度应为四位数字，如 2026")
            return
        self.year = int(text)
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", _load, self.year)

    def db_loaded(self, loaded: Loaded) -> None:
        account = loaded.account
        f = account.figures
        summary = self.query_one("#mgmt-summary", Static)
        summary.update(
            f"期初 {_fen(f.opening_fen)}  收入 {_fen(f.income_fen)}  支出 {_fen(f.spent_fen)}  "
            f"余额 {_fen(f.closing_fen)}（元）"
        )
        summary.set_class(not account.balance.ok, "-negative")
        lines = self.query_one("#mgmt-lines", FitTable)
        lines.set_rows(
            (
                line.code,
                (
                    line.name,
                    _fen(line.approved_fen),
                    _fen(line.welfare_paid_fen),
                    _fen(line.other_paid_fen),
                    _fen(line.pending_fen),
                    _fen(line.remaining_fen),
                ),
            )
            for line in account.lines
        )
        lines.border_title = (
            f"{account.year}年度 {len(account.lines)} 个批准的预算科目"
            if account.lines
            else f"{account.year}年度尚无批准的预算（年度预算 b）"
        )
        entries = self.query_one("#mgmt-entries", FitTable)
        rows: list[tuple[str, tuple[str, ...]]] = [
            (
                f"i{r.id}",
                (
                    f"收{r.id}",
                    r.on.isoformat(),
                    "收入",
                    INCOME_KINDS.get(r.kind, r.kind),
                    _fen(r.amount_fen),
                    "作废" if r.voided else "已登记",
                    r.entered_by,
                ),
            )
            for r in loaded.income
        ]
        for r in loaded.spending:
            people = "/".join(p or "—" for p in (r.entered_by, r.approved_by, r.paid_by))
            rows.append(
                (
                    f"s{r.id}",
                    (
                        f"支{r.id}",
                        r.on.isoformat(),
                        "支出",
                        SPEND_CATEGORIES.get(r.category, r.category),
                        _fen(r.amount_fen),
                        SPEND_STATES.get(r.state, r.state),
                        people,
                    ),
                )
            )
        entries.set_rows(rows)
        entries.border_title = f"收入 {len(loaded.income)} 笔，支出 {len(loaded.spending)} 笔（互助互济支出见 5）"
        self.query_one(StatusLine).clear()

    def action_income(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [
            DialogField("kind", "类别", default=INCOME_KINDS["office_return"]),
            DialogField("amount", "金额(元)", "yuan"),
            DialogField("on", "到账日期", "date", today.isoformat()),
            DialogField("reference", "下拨/批复文号", required=False),
            DialogField("voucher", "凭证号", required=False),
        ]
        kinds = "、".join(INCOME_KINDS.values())
        self.app.push_screen(
            StepDialog(
                "管理费账 › 登记收入",
                f"类别：{kinds}\n回拨管理费须填办事处下拨申请或批复文号（000 第十九条5）",
                fields,
                lambda v: mgmt_fee.record_income(
                    code_of(v["kind"], INCOME_KINDS, "收入类别"),
                    v["on"],
                    v["amount"],
                    reference=v.get("reference"),
                    voucher_no=v.get("voucher"),
                ),
                today,
            ),
            self._after,
        )

    def action_spend(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [
            DialogField("category", "类别"),
            DialogField("amount", "金额(元)", "yuan"),
            DialogField("payee", "收款方"),
            DialogField("note", "用途说明"),
            DialogField("on", "日期", "date", today.isoformat()),
            DialogField("line", "预算科目", required=False),
        ]
        cats = "类别：" + "、".join(SPEND_CATEGORIES.values())
        self.app.push_screen(
            StepDialog(
                "管理费账 › 录入支出",
                f"{cats}\n互助互济支出在 5 录入。审批、支付由录入人以外的人员办理。",
                fields,
                lambda v: mgmt_fee.enter_spending(
                    mgmt_fee.SpendDraft(
                        code_of(v["category"], SPEND_CATEGORIES, "支出类别"),
                        v["on"],
                        v["amount"],
                        v["payee"],
                        v["note"],
                        line_code(v["line"]) if (v.get("line") or "").strip() else None,
                    )
                ),
                today,
            ),
            self._after,
        )

    def _after(self, result: object) -> None:
        if result is None:
            return
        if isinstance(result, mgmt_fee.Entered):
            tail = "；超过大额资金起点，审批前须有集体决策记录" if result.needs_decision else ""
            self.notify(f"支出 #{result.spending_id} 已录入，待负责人审批{tail}", title="已保存")
        else:
            self.notify(f"收入 #{result} 已登记", title="已保存")
        self.reload()
