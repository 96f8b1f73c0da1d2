"""会员查询: find a member as you type, then open their record.

The search runs ``models.lookup.lookup`` in a thread worker (``tui.workers.DbWorkers``, on the
lookup reader's connection) as the field changes: at once when no search is under way, else a
moment after the last key (typing a name should not fire one query per character), and only the
newest search's answer is shown: an older one that finishes late is dropped, even when its query
text is the same as the newest one's. ID numbers are masked in the list and the record. The record (``MemberScreen``) is also opened straight from the 待办
list for the member an item concerns.
"""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList, Static

from models.lookup import LookupResult, lookup
from models.member_detail import MemberDetail, member_detail
from models.member_edit import MemberRecord, member_record
from rules import format_fen
from tui.commands.enrolment import STATUS_ZH
from tui.reader import read
from tui.screens.base import SubScreen
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitRichTable
from tui.widgets.fit import pad
from tui.widgets.wrapped import Line as ListLine
from tui.widgets.wrapped import WrappedList
from tui.workers import DbWorkers, error_text

#: A change of the search field searches at once when no search is under way (a lookup takes
#: 1–2 ms: typing at a person's pace searches every key with no delay, issue 15: last key →
#: results painted within 100 ms). While one is under way, this long after the last key: keys
#: that arrive together (a pinyin input method committing a name, a pasted ID) are then one
#: search, not one per character, and a search overtaken by a newer one is dropped.
DEBOUNCE_SECONDS = 0.02
#: "正在查询…" shows only for a search still unanswered after this long: shown and cleared for
#: every key, it restyled and repainted the status line twice per keystroke.
BUSY_AFTER_SECONDS = 0.25
#: The member record's tables (tui/widgets/columns.py): dates whole; at 80 columns the plan's
#: name is cut and the least needed columns left out, at 120 everything shows.
PLAN_COLUMNS = (
    Col("险种", 0, "end", min_width=8),
    Col("状态"),
    Col("持有", justify="right"),
    Col("可赔", justify="right"),
    Col("观察期止"),
    Col("剩余", 1, justify="right"),
)
COVERAGE_COLUMNS = (
    Col("险种", 0, "end", min_width=8),
    Col("单位", 2),
    Col("保单起"),
    Col("保单止"),
    Col("份数", justify="right"),
    Col("保障起", 1),
    Col("观察期止"),
    Col("办理", 3, "end", min_width=4),
)
CLAIM_COLUMNS = (
    Col("编号"),
    Col("险种", 0, "end", min_width=8),
    Col("出险日"),
    Col("报案日"),
    Col("状态"),
    Col("给付", 1, justify="right"),
)
DISBURSEMENT_COLUMNS = (
    Col("日期"),
    Col("类别", 0, "end", min_width=8),
    Col("受益人", 1, "end", min_width=6),
    Col("金额", justify="right"),
    Col("状态"),
)
RESULT_LIMIT = 20
#: What an empty result list says (before a search, or after one that found nobody).
EMPTY_LOOKUP = "无结果：在上方输入姓名、身份证号（或后 4 位以上）、拼音首字母、单位编码或单位名称"
KIND_ZH = {
    "id": "身份证号",
    "id_suffix": "身份证号后几位",
    "initials": "拼音首字母",
    "name": "姓名",
    "unit": "单位编码",
    "unit_name": "单位名称",
}


def status_summary(plans) -> str:
    """Each plan's status in a few characters, for the results list."""
    parts = []
    for plan in plans:
        text = STATUS_ZH.get(plan.status, plan.status)
        if plan.status == "observation" and plan.days_left is not None:
            text += f"余{plan.days_left}天"
        parts.append(f"{plan.plan_name}:{text}")
    return "  ".join(parts)


def _short(value: str | None) -> str | None:
    """A masked account as ****1234 (its full-length mask does not fit a narrow screen)."""
    return "****" + value.lstrip("*") if value and value.startswith("*") else value


class LookupScreen(DbWorkers, SubScreen):
    """The search field over a list of matches; Enter on a match opens the member's record."""

    BINDINGS = [Binding("slash", "focus_search", "输入查询", id="lookup.search")]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "会员查询"
        self._timer: Timer | None = None
        self._searching = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="身份证号、后4位以上、姓名或拼音首字母（如 zs）", id="lookup-query")
        yield StatusLine("输入后自动查询；回车或 ↓ 进入结果，再按回车查看会员", id="status")
        yield WrappedList(id="lookup-results", placeholder=EMPTY_LOOKUP)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lookup-query", Input).focus()

    def action_focus_search(self) -> None:
        self.query_one("#lookup-query", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the screen, not the search field, goes into the field:
        typed right after F2, before the field had the focus (it was lost), or in the results
        list (typing searches again)."""
        if event.is_printable and event.character:
            field = self.query_one("#lookup-query", Input)
            field.focus()
            field.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    @on(Input.Changed, "#lookup-query")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.db_busy("found"):
            self._timer = self.set_timer(DEBOUNCE_SECONDS, self._search_now)
        else:
            self._search_now()

    @on(Input.Submitted, "#lookup-query")
    def _query_submitted(self) -> None:
        results = self.query_one("#lookup-results", WrappedList)
        if results.has_lines:
            results.highlighted = results.highlighted or 0
            results.focus()

    def key_down(self) -> None:
        """↓ in the search field moves into the results (the field has no use for it)."""
        if isinstance(self.focused, Input):
            self._query_submitted()

    def _search_now(self) -> None:
        self._timer = None
        query = self.query_one("#lookup-query", Input).value.strip()
        if not query:
            results = self.query_one("#lookup-results", WrappedList)
            results.placeholder = EMPTY_LOOKUP
            results.clear_options()
            self.query_one(StatusLine).clear()
            return
        self.search(query, self.huzhu_app.today())
        self.set_timer(BUSY_AFTER_SECONDS, self._show_busy)

    def _show_busy(self) -> None:
        if self.db_busy("found"):
            self.query_one(StatusLine).show_busy("正在查询…")

    def search(self, query: str, today: date) -> None:
        """On the lookup reader's connection (``tui.reader.read``), not one of the worker's own."""
        self._searching = query
        self.run_db("found", read, lookup, query, today, RESULT_LIMIT, connect=False)

    def _is_current(self, query: str) -> bool:
        return query == self.query_one("#lookup-query", Input).value.strip()

    def db_found(self, result: LookupResult) -> None:
        if not self._is_current(result.query):
            return  # the field changed since: its search is on its way
        results = self.query_one("#lookup-results", WrappedList)
        # Names, IDs and unit codes line up; the unit's name follows whole, and a long one goes
        # on under itself rather than being cut (two units may differ only in their last words).
        name_cells = max((cell_len(member.name) for member in result.members), default=0)
        options = []
        for member in result.members:
            head = Text.assemble(
                (pad(member.name, name_cells), "bold"), " ", member.id_masked, " ", member.unit_code, " "
            )
            line = Text.assemble(head, member.unit_name, "\n  ", (status_summary(member.plans), "dim"))
            options.append(ListLine(line, head.cell_len, str(member.member_id)))
        # said in the list as well as on the status line: Tab into an empty list shows why it is empty
        results.placeholder = result.problem or f"没有找到“{result.query}”：可输入姓名、身份证号、单位编码或单位名称"
        results.set_lines(options)  # one layout for the list, not one per member
        status = self.query_one(StatusLine)
        kind = KIND_ZH.get(result.kind, result.kind)
        if result.problem:
            status.show_error(result.problem)
        elif not result.members:
            status.show_error(f"按{kind}没有找到“{result.query}”")
        elif result.truncated:
            status.update(f"按{kind}查询：仅显示前 {len(result.members)} 位，请输入更完整的条件")
            status.set_classes("")
        else:
            status.update(f"按{kind}查询：{len(result.members)} 位，回车查看")
            status.set_classes("")

    def db_failed(self, tag: str, error: BaseException) -> None:
        if self._is_current(self._searching):
            self.query_one(StatusLine).show_error(f"查询失败：{error_text(error)}")

    @on(OptionList.OptionSelected, "#lookup-results")
    def _member_selected(self, event: OptionList.OptionSelected) -> None:
        self.app.push_screen(MemberScreen(int(event.option.id)))


def _member(member_id: int, today: date) -> tuple[MemberDetail | None, MemberRecord | None]:
    """A member's record and details, both on the lookup reader's connection."""
    return read(member_detail, member_id, today), read(member_record, member_id)


class MemberScreen(DbWorkers, SubScreen):
    """One member's record: status per plan with its reason and source, coverage history,
    claims and disbursements. Read in a worker each time it comes to the front; a read that a
    newer one overtook (F5, back from the edit form) is dropped when it finishes last."""

    BINDINGS = [
        Binding("f5", "refresh", "刷新", id="member.refresh"),
        Binding("e", "edit", "修改资料", id="member.edit"),
    ]

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id
        self.sub_title = "会员信息"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="member-body"):
            yield StatusLine(id="status")
            yield Static(id="member-head")
            yield Static(id="member-record")
            yield Static(id="member-plans")
            yield Static(id="member-reasons")
            yield Static(id="member-coverage")
            yield Static(id="member-claims")
            yield Static(id="member-disbursements")
            yield Static(id="member-history")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#member-body").focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", _member, self.member_id, self.huzhu_app.today(), connect=False)

    def action_edit(self) -> None:
        """The edit form (``e``); back here, the record is read again (on_screen_resume)."""
        from tui.screens.forms import writable
        from tui.screens.member_edit import MemberEditScreen

        if writable(self):
            self.app.push_screen(MemberEditScreen(self.member_id))

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one(StatusLine).show_error(f"读取失败：{error_text(error)}")

    def db_loaded(self, loaded: tuple[MemberDetail | None, MemberRecord | None]) -> None:
        detail, record = loaded
        status = self.query_one(StatusLine)
        if detail is None:
            status.show_error("该会员已不在数据库中")
            return
        status.clear()
        status.display = False
        m = detail.member
        retired = f"  退休 {m.retirement_date}" if m.retirement_date else ""
        sex = {"M": "男", "F": "女"}.get(m.sex, m.sex)
        self.query_one("#member-head", Static).update(
            Text.assemble((m.name, "bold"), f"  {m.id_masked}  {sex}{retired}\n", f"单位 {m.unit_code} {m.unit_name}")
        )
        self.query_one("#member-plans", Static).update(self._plans_table(detail))
        reasons = Text()
        for plan in m.plans:
            reasons.append(f"{plan.plan_name}：", style="bold")
            reasons.append(f"{plan.message}\n")
            reasons.append(f"  依据 {plan.citation}（规则集 {plan.ruleset}）\n", style="dim")
        reasons.rstrip()
        self.query_one("#member-reasons", Static).update(reasons)
        self.query_one("#member-coverage", Static).update(self._coverage_table(detail))
        self.query_one("#member-claims", Static).update(self._claims_table(detail))
        self.query_one("#member-disbursements", Static).update(self._disbursements_table(detail))
        if record is not None:
            self.query_one("#member-record", Static).update(self._record_text(record))
            self.query_one("#member-history", Static).update(self._history_text(record))

    @staticmethod
    def _record_text(record: MemberRecord) -> Text:
        account = (
            f"{record.bank_name or '（未填开户行）'} {_short(record.bank_account_masked)}"
            if record.has_account
            else "未登记（按 e 登记本人账户）"
        )
        return Text.assemble(f"手机 {record.phone or '未登记'}  账户 ", (account, "" if record.has_account else "bold"))

    @staticmethod
    def _history_text(record: MemberRecord) -> Text:
        """Each change on a line of its own (a table of 7 columns does not fit 80 columns)."""
        rows = [
            (h["at"], h["on"], h["field_name"], h["old"], h["new"], h["source_name"], h["reason"], h["by"])
            for h in record.history
        ]
        rows += [
            (t["at"], t["on"], "单位", t["from_unit"], t["to_unit"], t["source_name"], t["reason"], t["by"])
            for t in record.transfers
        ]
        text = Text("资料修改记录", style="bold")
        if not rows:
            return text.append("：无")
        for _at, on_date, what, old, new, source, reason, by in sorted(rows, key=lambda r: r[0], reverse=True):
            text.append(
                f"\n {on_date} {what} {_short(old) or '（空）'} → {_short(new) or '（空）'}  {reason}（{source}，{by}）"
            )
        return text

    def _plans_table(self, detail: MemberDetail) -> FitRichTable:
        rows = []
        for plan in detail.member.plans:
            covered = plan.status in ("observation", "covered", "retired_pending_exit")
            rows.append(
                (
                    plan.plan_name,
                    STATUS_ZH.get(plan.status, plan.status),
                    str(plan.held) if covered else "-",
                    str(plan.payable) if covered else "-",
                    plan.observation_end or "-",
                    f"{plan.days_left}天" if plan.days_left is not None else "-",
                )
            )
        return FitRichTable("保障状态", PLAN_COLUMNS, rows)

    def _coverage_table(self, detail: MemberDetail) -> FitRichTable | Text:
        if not detail.coverage:
            return Text("参保记录：无", style="bold")
        rows = [
            (
                row.plan_name,
                row.unit_code,
                str(row.start),
                str(row.end),
                str(row.shares),
                str(row.cover_start),
                str(row.observation_end or "-"),
                row.event_name,
            )
            for row in detail.coverage
        ]
        return FitRichTable("参保记录", COVERAGE_COLUMNS, rows)

    def _claims_table(self, detail: MemberDetail) -> FitRichTable | Text:
        if not detail.claims:
            return Text("报案记录：无", style="bold")
        rows = [
            (
                f"#{claim.claim_id}",
                claim.plan_name,
                str(claim.incident_date),
                str(claim.report_date),
                claim.state_name,
                format_fen(claim.benefit_fen) if claim.benefit_fen else "-",
            )
            for claim in detail.claims
        ]
        return FitRichTable("报案记录", CLAIM_COLUMNS, rows)

    def _disbursements_table(self, detail: MemberDetail) -> FitRichTable | Text:
        if not detail.disbursements:
            return Text("互助互济：无", style="bold")
        rows = [
            (str(row.on_date), row.category_name, row.beneficiary, format_fen(row.amount_fen), row.state_name)
            for row in detail.disbursements
        ]
        return FitRichTable("互助互济", DISBURSEMENT_COLUMNS, rows)
