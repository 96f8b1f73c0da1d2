"""Office screens: 代办处看板 (every branch × the last six months), one branch (bundles,
figures, records, key, register, notices) and 办事处待办.

Keyboard: on the board ↑↓ choose a branch and Enter opens it, ``t`` opens 待办, ``s`` the
totals across branches (``x`` there saves them as XLSX), F5 reloads;
Esc goes back; the app's Ctrl+L locks and Ctrl+Q quits as on a branch.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static, TabbedContent, TabPane

from models.member_detail import DISBURSEMENT_STATE_NAMES
from rules import CATEGORIES, CLAIM_STATES, format_fen
from rules.params import active_rulesets
from sync import office_board as ob
from sync import office_totals as ot
from sync.answer import NOTICE_KINDS
from tui.office.exchange import STATUS_ZH as BUNDLE_STATUS_ZH
from tui.screens.base import OnHuzhuApp
from tui.screens.forms import DialogField, StepDialog, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable
from tui.widgets.wrapped import Line as ListLine
from tui.widgets.wrapped import WrappedList
from tui.workers import DbWorkers, error_text, write_file

#: Status glyphs: the board must read without colour (NO_COLOR, monochrome terminals).
GLYPH = {
    "inactive": "未",
    "closed": "关",
    "differences": "差",
    "reconciled": "✓",
    "received": "收",
    "held": "缺",
    "refused": "拒",
    "late": "逾",
    "missing": "·",
}
STYLE = {"differences": "bold", "late": "bold reverse", "held": "bold", "refused": "bold"}


#: The kinds of ``office_record`` (sync/office.py), in Chinese.
RECORD_KINDS = {
    "claim": "理赔",
    "disbursement": "互助互济",
    "handover": "交接",
    "unit": "单位",
    "fee": "会费",
    "fees": "会费汇总",
}


def plan_names() -> dict[str, str]:
    """Plan code → name: the office reads plans by name (住院医疗, not ZYYL); a code no rule set
    names stays as it is."""
    return active_rulesets().plan_names


def record_state(kind: str, record: dict) -> str:
    """A branch's record (a claim, a disbursement, a handover) in Chinese for the 案件与支出 tab:
    the bundle carries codes (``settled``, ``weather_goods``), which the office reads in words."""
    if kind == "claim":
        return CLAIM_STATES.get(record.get("state") or "", record.get("state") or "")
    if kind == "disbursement":
        category = CATEGORIES.get(record.get("category") or "", record.get("category") or "")
        state = DISBURSEMENT_STATE_NAMES.get(record.get("state") or "", record.get("state") or "")
        return " ".join(part for part in (category, state) if part)
    if kind == "handover":
        reported = f"{record['reported_on']} 已报告" if record.get("reported_on") else "未报告"
        return f"{record.get('on_date') or ''} 交接，{reported}"
    if kind == "unit":
        return str(record.get("name") or "")
    if kind == "fee" and record.get("start"):
        return f"{record['start']} 至 {record.get('end') or ''}"
    return str(record.get("state") or "")


class _ReadingScreen(DbWorkers, OnHuzhuApp, Screen[None]):
    """An office screen whose data is read in a thread worker (``tui.workers.DbWorkers``): ``fetch``
    reads (off the UI thread), ``show`` draws what it read; a failure goes to the status line,
    never a traceback."""

    def fetch(self, today: date) -> object:
        raise NotImplementedError

    def show(self, data) -> None:
        raise NotImplementedError

    def action_refresh(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", self.fetch, self.huzhu_app.today(), group="office-read")

    def db_loaded(self, data: object) -> None:
        self.show(data)

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one(StatusLine).show_error(
            f"读取失败：{error_text(error)}" if tag == "loaded" else error_text(error)
        )


class OfficeBoardScreen(_ReadingScreen):
    """代办处看板: the office's home. Not dismissible: it is the bottom of the office's stack."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("enter", "open_branch", "打开代办处", id="office_board.open"),
        Binding("t", "todo", "办事处待办", id="office_board.todo"),
        Binding("s", "totals", "汇总", id="office_board.totals"),
        Binding("i", "exchange", "导入与对账", id="office_board.exchange"),
        Binding("y", "yearly", "年度自审", id="office_board.yearly"),
        Binding("f5", "refresh", "刷新", id="office_board.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "代办处看板"
        self._codes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable((), id="board", cursor_type="row", zebra_stripes=False)
        yield Static(" ".join(f"{g}={ob.STATUS_ZH[k]}" for k, g in GLYPH.items()), id="board-legend")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#board", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def fetch(self, today: date) -> ob.Board:
        return ob.board(today)

    def show(self, board: ob.Board) -> None:
        status = self.query_one(StatusLine)
        table = self.query_one("#board", FitTable)
        # The latest months matter most: on a narrow screen the oldest are left out first.
        periods = len(board.periods)
        table.set_columns(
            [Col("编码"), Col("代办处", 0, "end", min_width=6)]
            + [Col(period[2:], periods - i) for i, period in enumerate(board.periods)]
        )
        self._codes = [code for code, _, _ in board.rows]
        table.set_rows(
            (
                code,
                [code, name]
                + [
                    Text(GLYPH[c.status] + (str(c.differences) if c.differences else ""), style=STYLE.get(c.status, ""))
                    for c in cells
                ],
            )
            for code, name, cells in board.rows
        )
        late = sum(1 for _, _, cells in board.rows if cells and cells[-1].status == "late")
        status.update(
            f"{len(board.rows)} 个代办处；{board.periods[-1]} 逾期未报 {late} 个。回车打开，t 待办，s 汇总，F5 刷新"
        )
        status.set_classes("")

    def action_open_branch(self) -> None:
        table = self.query_one("#board", DataTable)
        if self._codes and 0 <= table.cursor_row < len(self._codes):
            self.app.push_screen(OfficeBranchScreen(self._codes[table.cursor_row]))

    @on(DataTable.RowSelected, "#board")
    def _selected(self) -> None:
        self.action_open_branch()

    def action_exchange(self) -> None:
        from tui.office.exchange import OfficeExchangeScreen

        self.app.push_screen(OfficeExchangeScreen())

    def action_yearly(self) -> None:
        self.app.push_screen(OfficeYearlyScreen())

    def action_totals(self) -> None:
        self.app.push_screen(OfficeTotalsScreen())

    def action_todo(self) -> None:
        self.app.push_screen(OfficeTodoScreen())


class OfficeBranchScreen(_ReadingScreen):
    """One branch: what it sent and what the office holds of it."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("escape", "back", "返回", id="office_branch.back"),
        Binding("n", "notice", "登记通知", id="office_branch.notice"),
        Binding("a", "answer", "写出回执", id="office_branch.answer"),
        Binding("f5", "refresh", "刷新", id="office_branch.refresh"),
    ]
    #: The notice kinds as a clerk types them (the codes of sync.answer.NOTICE_KINDS work too).
    KIND_WORDS = {"打回": "claim_returned", "直赔失败": "direct_pay_failed", "其他": "other"}

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.sub_title = f"代办处 {code}"
        self._period: str | None = None
        self._note: str | None = None  # what the last action did: shown after the reload it causes
        self._plan_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="branch-facts")
        with TabbedContent():
            with TabPane("数据包", id="tab-bundles"):
                yield FitTable((), id="bundles", cursor_type="row")
            with TabPane("报送数据", id="tab-figures"):
                yield FitTable((), id="figures", cursor_type="row")
            with TabPane("案件与支出", id="tab-records"):
                yield FitTable((), id="records", cursor_type="row")
            with TabPane("通知", id="tab-notices"):
                yield FitTable((), id="notices", cursor_type="row")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    def action_back(self) -> None:
        self.dismiss()

    def fetch(self, today: date) -> ob.BranchView:
        self._plan_names = plan_names()  # read here, off the UI thread (installed notices are in the database)
        return ob.branch_view(self.code, today)

    def show(self, v: ob.BranchView) -> None:
        status = self.query_one(StatusLine)
        state = v.state["state_zh"] if v.state else "未在登记簿中"
        nxt = v.state["deadlines"][0] if v.state and v.state["deadlines"] else None
        facts = Text(f"{v.code} {v.name}  状态：{state}\n")
        facts.append(f"公钥指纹：{v.fingerprint or '未登记'}" + (f"（{v.pinned_at[:10]} 登记）" if v.pinned_at else ""))
        if nxt:
            facts.append(f"\n下一期限：{nxt['label']} {nxt['due']}" + ("（已逾期）" if nxt["overdue"] else ""))
        self.query_one("#branch-facts", Static).update(facts)
        fill(
            self.query_one("#bundles", FitTable),
            ["期间", "序号", "状态", Col("原因", 0, "end", min_width=10), Col("接收时间", 1)],
            [
                (
                    b["period"] or "",
                    str(b["sequence"] or ""),
                    BUNDLE_STATUS_ZH.get(b["status"], b["status"]),
                    "" if b["reason"] == "ok" else b["reason"],
                    (b["received_at"] or "")[:16],
                )
                for b in v.bundles
            ],
        )
        names = self._plan_names
        fill(
            self.query_one("#figures", FitTable),
            FIGURE_COLUMNS,
            [
                (
                    f["unit_code"],
                    names.get(f["plan_code"], f["plan_code"]),
                    str(f["members"]),
                    str(f["shares"]),
                    format_fen(f["fees_due_fen"]),
                    str(f["claims_reported"]),
                    str(f["claims_settled"]),
                    format_fen(f["benefit_fen"]),
                    f["plan_code"],
                )
                for f in v.figures
            ],
        )
        rows = []
        for kind, items in v.records.items():
            for r in items:
                plan = names.get(r.get("plan_code") or "", r.get("plan_code"))
                ref = r.get("id") or r.get("code") or " ".join(filter(None, (r.get("unit_code"), plan)))
                rows.append((RECORD_KINDS.get(kind, kind), r.get("period", ""), ref, record_state(kind, r)))
        fill(self.query_one("#records", FitTable), ["类别", "期间", "编号", "状态"], rows)
        fill(
            self.query_one("#notices", FitTable),
            ["期间", "类别", "关联", Col("内容", 0, "end", min_width=12), "已发"],
            [
                (
                    n["period"],
                    NOTICE_KINDS.get(n["kind"], n["kind"]),
                    n["ref"] or "",
                    n["text"],
                    "是" if n["sent"] else "否",
                )
                for n in v.notices
            ],
        )
        self._period = v.figures_period
        status.update(
            self._note
            or f"{v.figures_period or '尚无'} 期报送数据；数据包 {len(v.bundles)} 个。n 通知，a 回执，Esc 返回"
        )
        self._note = None
        status.set_classes("")

    def _default_period(self) -> str:
        return self._period or ob.ended_periods(self.huzhu_app.today(), 1)[0]

    def action_notice(self) -> None:
        """A notice for the branch's next answer (打回 a claim, 直赔失败 …), as ``office notice``."""
        from sync.answer import queue_notice

        if not writable(self):
            return
        code = self.code

        def submit(values: dict) -> str:
            kind = self.KIND_WORDS.get(values["kind"], values["kind"])
            return queue_notice(code, values["period"], kind, values["text"], values["ref"])

        fields = [
            DialogField("period", "期间", default=self._default_period()),
            DialogField("kind", "类别（打回/直赔失败/其他）", default="其他"),
            DialogField("ref", "关联编号", required=False),
            DialogField("text", "内容"),
        ]
        intro = f"登记发给代办处 {code} 的通知，随下一份回执发出。"
        self.app.push_screen(StepDialog("登记通知", intro, fields, submit, self.huzhu_app.today()), self._after_notice)

    def _after_notice(self, uid: object) -> None:
        if uid:
            self._note = f"已登记通知 {uid}，将随下一份回执发出"
            self.action_refresh()

    def action_answer(self) -> None:
        """The signed answer for a month (the office's figures and the queued notices), as
        ``office return``: written into a folder, read back and verified."""
        from sync.answer import build_return

        if not writable(self):
            return
        code = self.code

        def submit(values: dict):
            return build_return(code, values["period"], Path(values["folder"]).expanduser())

        fields = [
            DialogField("period", "期间", default=self._default_period()),
            DialogField("folder", "输出文件夹", default=str(_folder_of(self.huzhu_app.db_path))),
        ]
        intro = f"写出给代办处 {code} 的回执数据包（签名、加密，写出后读回核验）。"
        self.app.push_screen(StepDialog("写出回执", intro, fields, submit, self.huzhu_app.today()), self._after_answer)

    def _after_answer(self, result) -> None:
        if result:
            self._note = f"已写出并核验回执 {result.path.name}：{result.figures} 行数据，{result.notices} 条通知"
            self.action_refresh()


#: A branch's figures for a month: units, plans and amounts whole; claim counts go first.
FIGURE_COLUMNS: list[str | Col] = [
    "单位",
    "险种",
    Col("人数", justify="right"),
    Col("份数", justify="right"),
    Col("应缴", justify="right"),
    Col("报案", 1, justify="right"),
    Col("给付", 1, justify="right"),
    Col("金额", justify="right"),
    Col("险种代码", 2),  # what a clerk types (office commands take codes); shown when there is room
]

#: The totals' columns by figure (sync.office_totals.LABELS): a heading without （元）, the amounts
#: being shown in yuan without it too (the status line says so), and an importance: at 80 columns
#: the month, plan, members, shares, fees due, claims reported and settled, benefit paid and
#: disbursements show whole; the other counts at 120.
TOTALS_PRIORITY = {
    "members": 0,
    "shares": 0,
    "fees_due_fen": 0,
    "benefit_fen": 0,
    "claims_reported": 1,
    "claims_settled": 1,
    "disbursed_fen": 1,
    "fees_collected_fen": 2,
    "claims_returned": 2,
    "fees_remitted_fen": 3,
    "claims_submitted": 3,
    "claims_declined": 3,
}


def totals_columns(totals: ot.Totals) -> list[str | Col]:
    figures = [*totals.columns, "disbursed_fen"]
    return [
        "月份",
        "险种",
        Col("险种代码", 3),  # what a clerk types (office commands take codes); shown when there is room
        Col("代办处数", 3, justify="right"),
        *(Col(ot.LABELS.get(c, c).removesuffix("（元）"), TOTALS_PRIORITY.get(c, 4), justify="right") for c in figures),
    ]


def fill(table: FitTable, headers: list[str | Col], rows: list[tuple]) -> None:
    """A table of the office screens, laid out for its width (a heading alone is a column
    that is never cut)."""
    table.set_columns([h if isinstance(h, Col) else Col(h) for h in headers])
    table.set_rows(enumerate(rows))


class OfficeTodoScreen(_ReadingScreen):
    """办事处待办: held bundles, late months, unanswered differences, register deadlines."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("escape", "back", "返回", id="office_todo.back"),
        Binding("f5", "refresh", "刷新", id="office_todo.refresh"),
    ]
    HEADINGS = {
        "held": "缺前序暂存",
        "late": "逾期未报送",
        "differences": "差异未回复",
        "deadline": "登记簿期限",
        "yearly": "年度自审未报",
    }

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "办事处待办"
        self._items: dict[str, ob.TodoItem] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield WrappedList(id="todo-list")
            yield Static(id="todo-detail")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#todo-list", OptionList).focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.dismiss()

    def fetch(self, today: date) -> list[ob.TodoItem]:
        return ob.todo(today)

    def show(self, items: list[ob.TodoItem]) -> None:
        status = self.query_one(StatusLine)
        todo = self.query_one("#todo-list", WrappedList)
        self._items = {}
        lines: list[ListLine] = []
        for kind, heading in self.HEADINGS.items():
            group = [i for i in items if i.kind == kind]
            title = Text(f"{heading} {len(group)}" + ("" if group else "  无"), style="bold underline")
            lines.append(ListLine(title, disabled=True))
            for n, item in enumerate(group):
                key = f"{kind}#{n}"
                self._items[key] = item
                # whole: a long item goes on under its text
                lines.append(ListLine(Text(("! " if item.overdue else "  ") + item.title), 2, key))
        todo.set_lines(lines)
        status.update(f"共 {len(items)} 项；F5 刷新，Esc 返回")
        status.set_classes("")

    @on(OptionList.OptionHighlighted, "#todo-list")
    def _detail(self, event: OptionList.OptionHighlighted) -> None:
        item = self._items.get(event.option.id or "")
        self.query_one("#todo-detail", Static).update(item.detail if item else "")


class OfficeTotalsScreen(_ReadingScreen):
    """汇总: every plan × month over the branches' latest imported figures (the last 12 ended
    months), and ``x`` saves the same table as an XLSX file in the current folder."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("escape", "back", "返回", id="office_totals.back"),
        Binding("x", "export", "导出 Excel", id="office_totals.export"),
        Binding("f5", "refresh", "刷新", id="office_totals.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "各代办处汇总"
        self._totals: ot.Totals | None = None
        self._plan_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable((), id="totals", cursor_type="row", zebra_stripes=False)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#totals", DataTable).focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.dismiss()

    def fetch(self, today: date) -> ot.Totals:
        periods = ob.ended_periods(today, 12)
        self._plan_names = plan_names()  # read here, off the UI thread (installed notices are in the database)
        return ot.totals(periods[0], periods[-1])

    def show(self, data: object) -> None:
        if isinstance(data, Path):
            status = self.query_one(StatusLine)
            status.update(f"已保存：{data}")
            status.set_classes("")
            return
        assert isinstance(data, ot.Totals)
        self._totals = data
        names = self._plan_names
        rows = [
            (
                period,
                names.get(plan, plan),
                "" if plan == ot.ALL_PLANS else plan,
                *(format_fen(int(v * 100)).removesuffix("元") if isinstance(v, Decimal) else v for v in rest),
            )
            for period, plan, *rest in data.cells()
        ]
        fill(self.query_one("#totals", FitTable), totals_columns(data), rows)
        status = self.query_one(StatusLine)
        months = len({r.period for r in data.rows})
        status.update(f"{data.first} 至 {data.last}：{months} 个月有数据（金额：元）。x 导出 Excel，F5 刷新，Esc 返回")
        status.set_classes("")

    def action_export(self) -> None:
        if self._totals is None:
            return
        self.query_one(StatusLine).show_busy("正在导出…")
        path = Path.cwd() / f"各代办处汇总-{self._totals.first}至{self._totals.last}.xlsx"
        self.run_db("saved", _save_totals, self._totals, path, group="office-export")

    def db_saved(self, path: Path) -> None:
        self.show(path)


def _save_totals(totals: ot.Totals, path: Path) -> Path:
    write_file(lambda: ot.write_xlsx(totals, path), path)
    return path


class OfficeYearlyScreen(_ReadingScreen):
    """年度自审: each branch's latest self-assessment package of the last assessed year (the
    window that has opened most recently), its results side by side, who has not sent."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("escape", "back", "返回", id="office_yearly.back"),
        Binding("f5", "refresh", "刷新", id="office_yearly.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "年度自审材料"

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable((), id="yearly", cursor_type="row", zebra_stripes=False)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#yearly", DataTable).focus()
        self.action_refresh()

    def action_back(self) -> None:
        self.dismiss()

    def fetch(self, today: date):
        from rules.audit import last_opened_year
        from sync.yearly import yearly_board

        year = last_opened_year(today)
        return yearly_board(year, today)

    def show(self, board) -> None:
        rows = []
        for r in board.rows:
            if r.submitted_at is None:
                rows.append((r.branch_code, r.name, Text("未报送", style="bold reverse"), "", "", "", ""))
                continue
            c = r.counts
            when = r.submitted_at[:10] + ("" if r.on_time else " 逾期")
            rows.append(
                (
                    r.branch_code,
                    r.name,
                    Text(when, style="" if r.on_time else "bold"),
                    str(c.get("ok", 0)),
                    str(c.get("fail", 0)),
                    str(c.get("attention", 0) + c.get("no_record", 0)),
                    str(c.get("open", 0)),
                )
            )
        fill(
            self.query_one("#yearly", FitTable),
            [
                "编码",
                Col("代办处", 0, "end", min_width=6),
                "报送",
                *(Col(h, justify="right") for h in ("符合", "不符合", "需关注", "待核对")),
            ],
            rows,
        )
        sent = sum(1 for r in board.rows if r.submitted_at)
        status = self.query_one(StatusLine)
        status.update(
            f"{board.year} 年度：{sent}/{len(board.rows)} 个代办处已报送（截止 {board.window_end}）。F5 刷新，Esc 返回"
        )
        status.set_classes("")


def _folder_of(db_path) -> Path:
    """Where files are looked for and written by default: beside the office's database file, or
    the working folder when the database is on a PostgreSQL server (models.pgdb)."""
    from models import db as dbmod

    return Path.cwd() if dbmod.is_url(db_path) else Path(db_path).resolve().parent
