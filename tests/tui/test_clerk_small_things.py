"""Issue 14's smaller things and its one worker helper, tried by pressing keys on a database
made by ``huzhu init`` and CLI entries (tests/tui/cli_branch_kit.py), never the demo data."""

from __future__ import annotations

import threading

import pytest
from cli_branch_kit import PASSES, add_office, build_branch, copy_branch, huzhu_run, return_a_claim, sql
from textual.widgets import DataTable, Input, OptionList
from tui_testkit import screen_text, settle

from models import db as dbmod
from tests.tui.tui_testkit import TODAY
from tui.app import make_app
from tui.screens.dashboard import OLDER_TOGGLE, DashboardScreen
from tui.screens.disbursements import DisbursementsScreen
from tui.screens.renewals import RenewalsScreen
from tui.screens.selfcheck import SelfcheckScreen
from tui.workers import db_connection

SIZE = (80, 24)


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory) -> dict:
    return build_branch(tmp_path_factory.mktemp("cli_branch"))


@pytest.fixture
def branch(cli_template, tmp_path) -> dict:
    return {**cli_template, "db": copy_branch(cli_template["db"], tmp_path / "branch")}


@pytest.fixture(scope="session")
def office_template(cli_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cli_office")
    return add_office({**cli_template, "db": copy_branch(cli_template["db"], root / "branch")}, root / "office")


@pytest.fixture(scope="session")
def returned_template(office_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cli_returned")
    copied = {
        **office_template,
        "db": copy_branch(office_template["db"], root / "branch"),
        "office_db": copy_branch(office_template["office_db"], root / "office"),
    }
    return return_a_claim(copied, root / "bundles")


def app_for(branch: dict, user: str = "zhang", start: str = "home"):
    return make_app(db_path=branch["db"], user=user, passphrase=PASSES[user], keymap={}, today=TODAY, start=start)


def todo_line_ids(app) -> list[str | None]:
    todo = app.screen.query_one("#todo-list", OptionList)
    return [todo.get_option_at_index(i).id for i in range(todo.option_count)]


# --- 待办: past years folded, and Enter opens the record itself ----------------------------------


async def test_todo_folds_past_years_and_opens_a_prior_year_disbursement(branch):
    app = app_for(branch, start="todo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        text = screen_text(app)
        # This year's payment is listed with today's work; last year's is folded away.
        assert "互助互济待办 1" in text and "2026-02-20 李四" in text
        assert "2025-06-10 张三" not in text and "往年 1 项（已收起，回车展开）" in text
        await pilot.press("end", "enter")  # the 往年 heading is the last line
        await settle(pilot)
        text = screen_text(app)
        assert "往年 1 项（回车收起）" in text and "2025-06-10 张三 生活救助金 1000.00元" in text
        todo = app.screen.query_one("#todo-list", OptionList)
        for _ in range(todo.option_count):
            if app.screen._current() is not None and app.screen._current().kind == "disbursement":
                break
            await pilot.press("down")
        assert "2025-06-10" in app.screen._current().message
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DisbursementsScreen)
        assert screen.current is not None and screen.current.id == branch["old_disbursement"]
        assert screen.query_one("#f-from", Input).value == "2025-01-01"
        assert f"#{branch['old_disbursement']} 2025-06-10 生活救助金 1000.00元" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("end", "up", "enter")  # the heading, above its one line: folded again
        await settle(pilot)
        assert "2025-06-10 张三" not in screen_text(app) and OLDER_TOGGLE in todo_line_ids(app)


# --- one worker helper: a stale result never overwrites a newer one ------------------------------


class Gate:
    """Wraps a service so that its first call waits until the second has returned: the first
    load finishes last, as a slow read overtaken by a newer one does."""

    def __init__(self, fn):
        self.fn = fn
        self.calls = 0
        self.first_thread: threading.Thread | None = None
        self.second_done = threading.Event()
        self.first_done = threading.Event()

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.first_thread = threading.current_thread()
            assert self.second_done.wait(30)
            try:
                return self.fn(*args, **kwargs)
            finally:
                self.first_done.set()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.second_done.set()


async def test_selfcheck_shows_the_year_asked_last_when_the_first_load_finishes_last(branch, monkeypatch):
    from models import selfcheck

    gate = Gate(selfcheck.run)
    monkeypatch.setattr(selfcheck, "run", gate)
    app = app_for(branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SelfcheckScreen())  # its first load (2026) waits for the second
        await pilot.pause()
        year = app.screen.query_one("#selfcheck-year", Input)
        year.value = "2025"
        year.focus()
        await pilot.press("enter")
        assert gate.first_done.wait(30)
        await settle(pilot)
        await pilot.pause(0.2)
        screen = app.screen
        assert gate.calls == 2 and screen.check is not None and screen.check.year == 2025
        assert screen.query_one("#selfcheck-table", DataTable).row_count == len(screen.check.items)
        assert "org.1" in screen_text(app) and "组织与管理办法" in screen_text(app)  # titles, not only codes


async def test_renewals_show_the_newest_read_when_the_first_finishes_last(branch, monkeypatch):
    import tui.screens.renewals as renewals

    real = renewals.renewal_board

    def board(today):
        rows = real(today)
        return [] if threading.current_thread() is gate.first_thread else rows  # the stale read: an empty board

    gate = Gate(board)
    monkeypatch.setattr(renewals, "renewal_board", gate)
    app = app_for(branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RenewalsScreen())
        await pilot.pause()
        await pilot.press("f", "f5")  # every row; then read again while the first read runs
        assert gate.first_done.wait(30)
        await settle(pilot)
        await pilot.pause(0.2)
        table = app.screen.query_one("#renewal-table", DataTable)
        assert gate.calls == 2 and table.row_count == 1 and "U0001" in screen_text(app)


# --- the auditor is offered no write, and a refused write says why -------------------------------


async def test_the_auditors_footer_has_no_write_action(branch):
    app = app_for(branch, user="audit")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")  # 互助互济: the entries waiting for approval
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert isinstance(app.screen, DisbursementsScreen) and "刷新" in footer
        assert not {"新增支出", "审批", "作废"} & set(footer.split())
        await pilot.press("n", "a")  # the keys do nothing either
        await settle(pilot)
        assert isinstance(app.screen, DisbursementsScreen)
        await pilot.press("escape", "3")  # 报案登记
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "新报案" not in footer and "刷新" in footer
    # The same user as a clerk's colleague sees them.
    app = app_for(branch, user="wang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert "新增支出" in screen_text(app).splitlines()[-1]
    assert sql(branch["db"], "SELECT count(*) FROM disbursement")[0][0] == 2


def test_a_write_refused_to_the_auditor_says_so(branch):
    proc = huzhu_run(branch["db"], "disbursement", "void", branch["new_disbursement"], "--reason", "试试", user="audit")
    assert proc.returncode == 30 and "稽核账户只读" in proc.stderr


# --- the two remainders of a budget line are named apart -----------------------------------------


async def test_the_form_and_the_todo_name_their_budget_remainders_apart(branch):
    from cli_branch_kit import idn
    from textual.widgets import Select

    from models import budget
    from tui.screens.disbursements import DisbursementFormScreen

    dbmod.unlock(branch["db"], "zhang", PASSES["zhang"])
    try:
        [(line_id,)] = dbmod.database.execute_sql("SELECT id FROM budget_line WHERE year = 2026").fetchall()
        figures = budget.line_figures([line_id])[line_id]
    finally:
        dbmod.close()
    # The one 2026 payment (800 yuan) is entered, not paid.
    assert (figures.approved_fen, figures.paid_fen, figures.pending_fen) == (10_000_000, 0, 80_000)
    app = app_for(branch, user="wang", start="todo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # past the renewal and the payment to the budget line
        await settle(pilot)
        text = screen_text(app)
        assert "已付 0.00元 / 100000.00元" in text
        assert "已付后余额100000.00元；另有待付800.00元，可用余额(含待付)99200.00元" in "".join(text.split())
        await pilot.press("escape", "5", "n")
        await settle(pilot)
        assert isinstance(app.screen, DisbursementFormScreen)
        await pilot.press(*idn(3))
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")  # 支出类别: the first, 生活救助金
        await pilot.press("tab", "tab", *"500")
        budget_select = app.screen.query_one("#budget", Select)
        assert [str(label) for label, _ in budget_select._options[1:]] == ["生活救助金 可用余额(含待付) 99200.00元"]
        budget_select.value = line_id
        await pilot.pause(0.5)
        await settle(pilot)
        checks = str(app.screen.query_one("#checks-text").render())
        assert "可用余额(含待付) 99200.00元，本次后余 98700.00元" in checks


# --- 工作记录: every field labelled -----------------------------------------------------------------


async def test_the_worklog_form_labels_every_field_and_saves(branch):
    app = app_for(branch, user="wang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        text = screen_text(app)
        for label in ("类别", "日期", "标题", "参加人员/投稿去向", "备注", "导入文件"):
            assert label in text
        await pilot.press(*"第一季度管委会", "tab", *"张主任 王经办", "tab", *"审议预算")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert "已登记：2026-03-02 管委会会议“第一季度管委会”" in text
        assert "标题" in text and "备注" in text  # the labels stay once the fields are filled and cleared
    rows = sql(branch["db"], "SELECT kind, on_date, title, attendees_or_outlet, note FROM work_log")
    assert rows == [("meeting", "2026-03-02", "第一季度管委会", "张主任 王经办", "审议预算")]


# --- 同步: no office key → key setup on the screen ---------------------------------------------------


async def test_sync_offers_the_office_key_setup_instead_of_failing_half_way(office_template, tmp_path):
    import re

    from textual.widgets import ProgressBar

    from tui.screens.forms import ConfirmDialog, StepDialog
    from tui.screens.sync import SyncScreen

    branch = {**office_template, "db": copy_branch(office_template["db"], tmp_path / "branch")}
    app = app_for(branch, user="wang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        text = screen_text(app)
        assert re.search(r"本处指纹 \d{5}( \d{5}){5}", text) and "办事处公钥未安装：请负责人在本页按 F4 安装" in text
        assert "安装办事处公钥" not in text.splitlines()[-1]  # a clerk is not offered it
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "尚未安装办事处公钥，不能导出：请负责人在本页按 F4 安装" in screen_text(app)
        assert app.screen.query_one("#export-progress", ProgressBar).progress == 0
    app = app_for(branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen) and "安装办事处公钥" in screen_text(app).splitlines()[-1]
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, StepDialog) and "本代办处的指纹" in screen_text(app)
        app.screen.query_one("#path", Input).value = str(branch["office_keys"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog) and branch["office_fp"] in screen_text(app)
        await pilot.press("n")  # not confirmed: nothing installed
        await settle(pilot)
        assert "未安装：指纹未确认" in screen_text(app)
        with db_connection():  # the app's own session (sql() would close it under the app)
            assert dbmod.database.execute_sql("SELECT count(*) FROM trusted_key WHERE role = 'office'").fetchone() == (
                0,
            )
        await pilot.press("f4")
        await settle(pilot)
        app.screen.query_one("#path", Input).value = str(branch["office_keys"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        text = screen_text(app)
        assert f"办事处公钥已安装，指纹 {branch['office_fp']}" in text and "安装办事处公钥" not in text.splitlines()[-1]
    assert sql(branch["db"], "SELECT fingerprint, enrolled_by FROM trusted_key WHERE role = 'office'") == [
        (branch["office_fp"], "zhang")
    ]
    assert sql(branch["db"], "SELECT user FROM audit_event WHERE action = 'keys.trust_office'") == [("zhang",)]


# --- an office notice of a returned claim opens the claim and offers the return -------------------


async def test_a_returned_claim_notice_opens_the_claim_and_records_the_return(returned_template, tmp_path):
    from tui.screens.claims import ClaimsScreen
    from tui.screens.forms import StepDialog

    branch = {**returned_template, "db": copy_branch(returned_template["db"], tmp_path / "branch")}
    claim = branch["claim"]
    assert sql(branch["db"], "SELECT state FROM claim_report WHERE id = ?", claim) == [("submitted",)]
    app = app_for(branch, user="wang", start="todo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert f"通知     办事处通知（2025-10） 报案 #{claim}" in text
        todo = app.screen.query_one("#todo-list", OptionList)
        for _ in range(todo.option_count):
            if app.screen._current() is not None and app.screen._current().kind == "notice":
                break
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StepDialog) and isinstance(app.screen_stack[-2], ClaimsScreen)
        assert dialog.query_one("#reason", Input).value == "办事处通知：缺出院小结"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClaimsScreen)
        row = [str(cell) for cell in app.screen.query_one("#claim-table", DataTable).get_row_at(0)]
        assert "住院医疗" in row and "ZYYL" not in row  # plans by name in the register
    assert sql(branch["db"], "SELECT state FROM claim_report WHERE id = ?", claim) == [("returned",)]
    assert sql(branch["db"], "SELECT note FROM claim_event WHERE claim_id = ? AND to_state = 'returned'", claim) == [
        ("办事处通知：缺出院小结",)
    ]


# --- the claim form: every material with one key, and the last reporter remembered ---------------


async def test_the_claim_form_ticks_all_materials_and_remembers_the_reporter(returned_template, tmp_path):
    import json

    from cli_branch_kit import idn
    from textual.widgets import SelectionList

    from rules import ruleset_on
    from tui.screens.claim_findings import FindingsDialog
    from tui.screens.claims import ClaimFormScreen, ClaimsScreen

    branch = {**returned_template, "db": copy_branch(returned_template["db"], tmp_path / "branch")}
    materials = ruleset_on(TODAY).plan("ZYYL").required_materials
    app = app_for(branch)  # zhang has registered no report: nothing to remember
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        assert isinstance(app.screen, ClaimFormScreen) and app.screen.query_one("#reporter", Input).value == ""
    app = app_for(branch, user="wang")  # wang's last report came through 刘主席
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ClaimFormScreen) and form.query_one("#reporter", Input).value == "刘主席"
        await pilot.press("escape")  # the remembered reporter is no change: Esc does not ask
        await settle(pilot)
        assert isinstance(app.screen, ClaimsScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*idn(4))
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")  # 申报险种: the first plan, 住院医疗
        await pilot.press("tab", *"肺炎", "tab", "tab", *"20260220", "tab", "1")
        await settle(pilot)
        ticks = app.screen.query_one("#materials", SelectionList)
        assert ticks.option_count == len(materials) and not ticks.selected
        assert "全部资料" in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert len(ticks.selected) == len(materials) and screen_text(app).count("[x]") >= 3
        await pilot.press("ctrl+t")  # all ticked: the key unticks them
        await pilot.pause()
        assert not ticks.selected
        await pilot.press("ctrl+t", "ctrl+s")
        await pilot.pause(0.5)
        await settle(pilot)
        if isinstance(app.screen, FindingsDialog):  # 2026: the unit's renewal is late, so not covered
            await pilot.press("y")
            await settle(pilot)
        assert isinstance(app.screen, ClaimsScreen)
    rows = sql(branch["db"], "SELECT reporter, materials FROM claim_report WHERE created_by = 'wang' ORDER BY id")
    assert rows[-1][0] == "刘主席" and sorted(json.loads(rows[-1][1])) == sorted(materials)


def test_screens_style_themselves_only_through_tcss_files():
    """One CSS mechanism: the app's and the screens' .tcss files, and widgets' own DEFAULT_CSS."""
    from textual.screen import Screen

    from tui.app import binding_ids

    binding_ids()  # imports every screen module
    pending, inline = [Screen], []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui.") and ("DEFAULT_CSS" in cls.__dict__ or cls.__dict__.get("CSS")):
            inline.append(f"{cls.__module__}.{cls.__name__}")
    assert inline == []
