"""The home screen: who and where the clerk is, the branch's figures today, and the menu.

The figures are read in a thread worker each time the screen comes back to the front
(another screen may have changed them, or the date moved on) and posted back as a
message; the handlers own what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from models.db import ROLE_NAMES
from models.schema import ClaimReport, Disbursement, Member, Policy, Unit
from rules.claims import CLAIM_STATES, CLAIM_TRANSITIONS
from tui.screens.base import OnHuzhuApp
from tui.screens.menu import MENU
from tui.screens.unlock import Unlocked
from tui.widgets import Facts, StatusLine
from tui.workers import DbWorkers, error_text

WEEKDAYS = "一二三四五六日"
#: Claims in these states are finished: no step can follow them.
CLOSED_CLAIM_STATES = tuple(state for state in CLAIM_STATES if not CLAIM_TRANSITIONS.get(state))


#: The home screen's counts, in display order: field of ``Overview`` and its label.
OVERVIEW_FIELDS = (
    ("units", "参保单位"),
    ("members", "会员"),
    ("active_policies", "有效保单"),
    ("open_claims", "未结报案"),
    ("awaiting_approval", "待审批支出"),
)


@dataclass(frozen=True)
class Overview:
    units: int
    members: int
    active_policies: int
    open_claims: int
    awaiting_approval: int

    def rows(self) -> list[tuple[str, str]]:
        return [(label, str(getattr(self, field))) for field, label in OVERVIEW_FIELDS]


def read_overview(today: date) -> Overview:
    """The counts on the home screen; runs on a worker thread inside ``db_connection``."""
    return Overview(
        units=Unit.select().count(),
        members=Member.select().count(),
        active_policies=Policy.select().where((Policy.start <= today) & (Policy.end >= today)).count(),
        open_claims=ClaimReport.select().where(ClaimReport.state.not_in(CLOSED_CLAIM_STATES)).count(),
        awaiting_approval=Disbursement.select().where(Disbursement.state == "entered").count(),
    )


class HomeScreen(DbWorkers, OnHuzhuApp, Screen[None]):
    """The screen under every other once unlocked; replaced only by quitting."""

    BINDINGS = [
        # priority: the chosen screen opens as its key is read, so keys typed right after it
        # (2 then a name, in one burst) go to that screen (会员查询 puts them in its search field),
        # not to this menu, which had them while the key was still on its way to the binding.
        # The home screen has no text field for them to be taken from.
        *(
            Binding(
                entry.key, f"open_menu('{entry.name}')", entry.title, id=entry.binding_id, show=False, priority=True
            )
            for entry in MENU
        ),
        Binding("f5", "refresh", "刷新", id="home.refresh"),
    ]

    def __init__(self, unlocked: Unlocked) -> None:
        super().__init__()
        self.unlocked = unlocked

    def _identity_rows(self, today: date) -> list[tuple[str, str]]:
        session = self.unlocked.session
        return [
            ("代办处", f"{self.unlocked.branch_code} {self.unlocked.branch_name}".strip()),
            ("用户", session.user),
            ("角色", ROLE_NAMES.get(session.role, session.role)),
            ("日期", f"{today.isoformat()} 星期{WEEKDAYS[today.weekday()]}"),
        ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="overview", classes="panel") as overview:
                overview.border_title = "本处概况"
                yield Facts(self._identity_rows(self.huzhu_app.today()), label_width=10, id="identity")
                yield Facts([(label, "…") for _, label in OVERVIEW_FIELDS], label_width=10, numeric=True, id="counts")
                yield StatusLine(id="status")
            with Vertical(id="menu-box", classes="panel") as menu_box:
                menu_box.border_title = "功能"
                yield OptionList(id="menu")
                yield Static("按左列的键，或用 ↑↓ 选择后按回车", classes="muted", id="menu-hint")
        yield Footer()

    def on_mount(self) -> None:
        keys = self._key_displays()
        menu = self.query_one("#menu", OptionList)
        for entry in MENU:
            prompt = Text.assemble((f"{keys.get(entry.binding_id, ''):<4}", "bold"), entry.title)
            menu.add_option(Option(prompt, id=entry.name))
        menu.highlighted = 0
        menu.focus()

    def _key_displays(self) -> dict[str, str]:
        """binding id -> the key shown for it, after the user's keymap has been applied."""
        keys: dict[str, str] = {}
        for active in self.active_bindings.values():
            binding = active.binding
            if binding.id and binding.id not in keys:
                keys[binding.id] = self.app.get_key_display(binding)
        # F2 (app.lookup) is a priority binding, so it wins over a menu key remapped to it;
        # for 会员查询 that is the same thing, and the menu shows the key that opens it.
        if "home.lookup" not in keys and "app.lookup" in keys:
            keys["home.lookup"] = keys["app.lookup"]
        return keys

    def on_screen_resume(self) -> None:
        self.refresh_overview()

    def action_refresh(self) -> None:
        self.query_one("#status", StatusLine).show_busy("正在读取…")
        self.refresh_overview()

    def refresh_overview(self) -> None:
        """Re-read the figures as of today: the app stays open (locked) across midnight."""
        today = self.huzhu_app.today()
        self.query_one("#identity", Facts).set_rows(self._identity_rows(today))
        self.run_db("overview", read_overview, today)

    def action_open_menu(self, name: str) -> None:
        self.huzhu_app.open_menu_entry(name)

    @on(OptionList.OptionSelected, "#menu")
    def _menu_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open_menu(event.option.id)

    def db_overview(self, overview: Overview) -> None:
        self.query_one("#counts", Facts).set_rows(overview.rows())
        self.query_one("#status", StatusLine).clear()

    def db_failed(self, tag: str, error: BaseException) -> None:
        self.query_one("#status", StatusLine).show_error(f"读取失败：{error_text(error)}")
