"""待办: what needs doing today, one line per item, Enter opens what handles it.

The list is read by ``models.dashboard.read_dashboard`` in a thread worker each time the
screen comes to the front (the clerk has just dealt with something, or the date moved on).
Every line's reason and source article is shown under the list for the highlighted item.
Nothing on a line is cut: a line longer than the list is wide goes on under its text, after
its tag (tui/widgets/wrapped.py), and a section's codes and dates line up with the names of
varying length after them.

Where Enter leads: a renewal to its row on 续保跟踪; claims and failed direct pay to 报案登记,
disbursements and budget lines to 互助互济, handovers to 交接记录, the monthly bundle and
office notices to 同步 (those screens open as the menu opens them); ``m`` opens the member an
item concerns. Business-system logins and the self-assessment have no screen here: they are
done outside this program, so their line only says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, OptionList, Static

from models.dashboard import DISBURSEMENT_WAITING, Dashboard, RenewalRow, TodoItem, of_past_year, read_dashboard
from rules import format_fen
from tui.screens.base import SubScreen
from tui.screens.forms import DbWork, failure_text
from tui.screens.lookup import MemberScreen
from tui.screens.renewals import RenewalsScreen, window_text
from tui.widgets import StatusLine
from tui.widgets.fit import pad
from tui.widgets.wrapped import Line as ListLine
from tui.widgets.wrapped import WrappedList

#: Cells for an item's status tag at the start of its line: the widest tag (催办事处, 8 cells)
#: and at least one space before the item's text, so every text starts in the same column.
TAG_CELLS = 9
#: Lines listed per section, most urgent first; the rest are counted in a last line that opens
#: the screen listing them all. A large branch has thousands of open items (a million members:
#: ~10,000), and laying out every line kept 待办 from painting for seconds (issue 15).
SECTION_LINES = 100


@dataclass(frozen=True)
class Line:
    """What one selectable line of the list stands for."""

    message: str
    citation: str = ""
    target: str | None = None  # a menu entry name, or "renewal_row" for RenewalsScreen(select=ref)
    member_id: int | None = None
    ref: str = ""
    kind: str = ""
    on: date | None = None
    status: str = ""


#: The heading of the folded section of items from past years (a lapsed 2024 unit, a 2025
#: payment still waiting): listed apart so that today's work is not lost among them.
OLDER = "往年"
OLDER_TOGGLE = "往年#toggle"


# 待办 kinds whose ``ref`` is the id of the record a screen can highlight.
_RECORD_SCREENS = {
    "claim": "claim",
    "direct_pay": "claim",
    "notice": "claim",  # an office notice about a claim (its ref is then the claim's id)
    "disbursement": "welfare",
    "project": "projects",
}


def tag_cell(tag: str) -> str:
    """``tag`` padded by display width to the tag column, never cut, and never touching the text
    after it (4-character tags filled all 8 cells and ran into their text: 待办事处XX项目)."""
    return pad(tag, TAG_CELLS - 1) + " "


def renewal_line(row: RenewalRow, plan_cells: int = 0, window_cells: int = 0) -> tuple[str, Line]:
    """The unit's name last and whole: the plans and dates before it line up at their section's
    widest (``plan_cells``, ``window_cells``) and a long name wraps under itself."""
    text = (
        f"{tag_cell(row.status_name)}{row.unit_code} {pad(row.plan_name, plan_cells)} "
        f"{pad(window_text(row), window_cells)} {row.unit_name}"
    )
    message = f"若今天办理：{row.message}"
    return text, Line(message, row.citation, "renewal_row", ref=row.key, on=row.on)


def item_line(item: TodoItem, tag: str) -> tuple[str, Line]:
    return f"{tag_cell(tag)}{item.title}", Line(
        item.message, item.citation, item.target, item.member_id, item.ref, item.kind, item.on, item.status
    )


def sections(board: Dashboard, limit: int | None = None) -> list[tuple[str, list[tuple[str, Line]], int]]:
    """The list's sections in the order clerks work through them: heading, the lines (the
    first ``limit`` of each section), and how many items the section has in all. Items dated
    in an earlier year than ``board.today``'s are taken out of their sections into a last one
    headed ``往年``, oldest first (the screen folds it)."""
    tags = {"overdue": "已超期", "due": "待上报", "warn": "将超期", "registered": "未上报", "returned": "未重报"}
    older: list[tuple[date, Callable[[], tuple[str, Line]]]] = []

    def first(items: list) -> list:
        return items if limit is None else items[:limit]

    older_total = 0

    def section(name: str, key: str, line: Callable[[Any], tuple[str, Line]]) -> tuple:
        """The items of this year (or undated); those of past years go to ``older``. A section
        the board holds only the first items of is counted by ``board.totals``."""
        nonlocal older_total
        recent = []
        for item in getattr(board, key):
            if of_past_year(item.on, board.today):
                older.append((item.on, lambda item=item: line(item)))
            else:
                recent.append(item)
        in_all, of_past = board.totals.get(key, (len(recent), len(getattr(board, key)) - len(recent)))
        older_total += of_past
        return (f"{name} {in_all}", [line(i) for i in first(recent)], in_all)

    plan_cells = max((cell_len(row.plan_name) for row in board.renewals), default=0)
    window_cells = max((cell_len(window_text(row)) for row in board.renewals), default=0)

    def renewal(row: RenewalRow) -> tuple[str, Line]:
        return renewal_line(row, plan_cells, window_cells)

    out: list[tuple[str, list[tuple[str, Line]], int]] = [
        section("续保", "renewals", renewal),
        section("报案超期", "claims", lambda i: item_line(i, tags[i.status])),
        section("直赔失败未签字", "direct_pay", lambda i: item_line(i, "未签字")),
        section("互助互济待办", "disbursements", lambda i: item_line(i, DISBURSEMENT_WAITING[i.status])),
        section("交接未上报", "handovers", lambda i: item_line(i, tags[i.status])),
        (
            f"业务系统登录 {len(board.logins)}",
            [item_line(i, tags[i.status]) for i in first(board.logins)],
            len(board.logins),
        ),
    ]
    if board.projects:
        project_tags = {"overdue": "已超期", "due": "须办理", "overdue_office": "催办事处", "due_office": "待办事处"}
        out.append(
            (
                f"服务项目 {len(board.projects)}",
                [item_line(i, project_tags[i.status]) for i in first(board.projects)],
                len(board.projects),
            )
        )
    if board.notices:
        out.append(
            (
                f"办事处通知 {len(board.notices)}",
                [item_line(i, "通知") for i in first(board.notices)],
                len(board.notices),
            )
        )
    if board.fees:
        out.append(
            (
                f"会费 {len(board.fees)}",
                [item_line(i, "逾期" if i.kind == "fee" else "未上交") for i in first(board.fees)],
                len(board.fees),
            )
        )
    budget = []
    name_cells = max((cell_len(use.name) for use in board.budget), default=0)
    for use in board.budget:
        tag = "超支" if use.status != "within_budget" else f"{use.percent}%"
        text = (
            f"{tag_cell(tag)}{pad(use.name, name_cells)} "
            f"已付 {format_fen(use.used_fen)} / {format_fen(use.approved_fen)}"
        )
        budget.append((text, Line(use.message, use.citation, "welfare")))
    out.append((f"{board.today.year}年预算执行", budget, len(budget)))
    if board.bundle is not None:
        tag = "可发送" if board.bundle.ready else "未到期"
        out.append(
            (
                "月度数据包",
                [
                    (
                        f"{tag_cell(tag)}{board.bundle.message}",
                        Line(board.bundle.message, "《代办处管理办法》(000) 第十七条9", "sync"),
                    )
                ],
                1,
            )
        )
    if board.selfassessment is not None:
        out.append(("年度自审", [item_line(board.selfassessment, "进行中")], 1))
    if board.integrity is not None:
        out.insert(0, ("账目完整性", [item_line(board.integrity, "已只读")], 1))
    if board.backup is not None:
        out.append(("备份", [item_line(board.backup, "需处理")], 1))
    if older_total:
        older.sort(key=lambda pair: pair[0])
        out.append((f"{OLDER} {older_total}", [make() for _, make in first(older)], older_total))
    return out


def more_line(lines: list[tuple[str, Line]], total: int) -> Line:
    """The line after a section's first lines: it opens the screen that lists all ``total``."""
    first = lines[0][1]
    target = "renewal" if first.target == "renewal_row" else first.target
    return Line(f"此处只列出最紧急的 {len(lines)} 项；其余 {total - len(lines)} 项请在对应页面查看", target=target)


class DashboardScreen(DbWork, SubScreen):
    """The to-do list with the highlighted item's reason under it; items of past years in a
    last section, folded until the clerk opens it (Enter on its heading)."""

    BINDINGS = [
        Binding("m", "open_member", "查看会员", id="todo.member"),
        Binding("f5", "refresh", "刷新", id="todo.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "待办"
        self._lines: dict[str, Line] = {}
        self._board: Dashboard | None = None
        self.older_open = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield WrappedList(id="todo-list")
        yield Static(id="todo-detail")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#todo-list", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        # Only what the list shows is read and decided, every section still counted (issue 15).
        self.run_db("loaded", read_dashboard, self.huzhu_app.today(), SECTION_LINES)

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one(StatusLine).show_error(f"读取失败：{failure_text(error)}")

    def db_loaded(self, board: Dashboard) -> None:
        self._board = board
        self._fill()

    def _fill(self) -> None:
        board = self._board
        if board is None:
            return
        status = self.query_one(StatusLine)
        todo = self.query_one("#todo-list", WrappedList)
        highlighted = todo.highlighted_option.id if todo.highlighted_option else None
        self._lines = {}
        options: list[ListLine] = []  # set in one call: thousands of lines on a large branch
        for heading, lines, total in sections(board, SECTION_LINES):
            if heading.startswith(OLDER):
                action = "回车收起" if self.older_open else "已收起，回车展开"
                options.append(ListLine(Text(f"{heading} 项（{action}）", style="bold underline"), id=OLDER_TOGGLE))
                if not self.older_open:
                    continue
            else:
                options.append(
                    ListLine(Text(heading + ("" if lines else "  无"), style="bold underline"), disabled=True)
                )
            for number, (text, line) in enumerate(lines):
                option_id = f"{heading.split(' ')[0]}#{number}"
                self._lines[option_id] = line
                options.append(ListLine(Text(text), TAG_CELLS, option_id))
            if total > len(lines):
                option_id = f"{heading.split(' ')[0]}#more"
                more = more_line(lines, total)
                self._lines[option_id] = Line(more.message) if heading.startswith(OLDER) else more
                rest = Text(f"{'':{TAG_CELLS}}… 另有 {total - len(lines)} 项，回车查看全部", style="dim")
                options.append(ListLine(rest, TAG_CELLS, option_id))
        todo.set_lines(options)
        open_items = sum(board.counts().values())
        status.update(f"{board.today} 共 {open_items} 项待办；回车打开，m 查看会员，F5 刷新")
        status.set_classes("")
        ids = list(self._lines)
        if highlighted in self._lines or highlighted == OLDER_TOGGLE:
            todo.highlighted = todo.get_option_index(highlighted)
        elif ids:
            todo.highlighted = todo.get_option_index(ids[0])
        self._show_detail()

    def _current(self) -> Line | None:
        option = self.query_one("#todo-list", OptionList).highlighted_option
        if option is not None and option.id == OLDER_TOGGLE:
            return Line(
                "以往年度遗留的事项：回车展开或收起" if self.older_open else "以往年度遗留的事项已收起：回车展开"
            )
        return self._lines.get(option.id) if option is not None and option.id else None

    @on(OptionList.OptionHighlighted, "#todo-list")
    def _show_detail(self) -> None:
        self.refresh_bindings()  # 查看会员 only for items about a member
        line = self._current()
        detail = self.query_one("#todo-detail", Static)
        if line is None:
            detail.update("")
            return
        text = Text(line.message)
        if line.citation:
            text.append(f"\n依据 {line.citation}", style="dim")
        detail.update(text)

    @on(OptionList.OptionSelected, "#todo-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == OLDER_TOGGLE:
            self.older_open = not self.older_open
            self._fill()
            return
        line = self._current()
        if line is None:
            return
        if line.target == "renewal_row":
            self.app.push_screen(RenewalsScreen(select=line.ref))
        elif _RECORD_SCREENS.get(line.kind) == line.target and line.ref.isdigit():
            from tui.screens.claims import ClaimsScreen
            from tui.screens.disbursements import DisbursementsScreen
            from tui.screens.projects import ProjectsScreen

            screens = {"claim": ClaimsScreen, "welfare": DisbursementsScreen, "projects": ProjectsScreen}
            if line.kind == "notice" and line.status == "claim_returned":
                # The office returned it: open it and offer to record the return with the reason.
                self.app.push_screen(ClaimsScreen(select=int(line.ref), returned_by_office=line.message))
            elif line.target == "welfare":
                # A payment of a past year is outside the register's default period (this year).
                self.app.push_screen(DisbursementsScreen(select=int(line.ref), select_on=line.on))
            else:
                self.app.push_screen(screens[line.target](select=int(line.ref)))
        elif line.target:
            self.huzhu_app.open_menu_entry(line.target)
        elif line.member_id is not None:
            self.action_open_member()
        else:
            self.query_one(StatusLine).show_error("此项在业务系统或线下办理，本程序中没有对应页面")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_member":
            line = self._current()
            return line is not None and line.member_id is not None
        return True

    def action_open_member(self) -> None:
        line = self._current()
        if line is not None and line.member_id is not None:
            self.app.push_screen(MemberScreen(line.member_id))
