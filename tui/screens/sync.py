"""同步: the monthly bundle for the office, the history of bundles sent and received, and the
office's answer with its differences and notices (docs/rules.md R5).

The sync engine does the work (``sync.export.export_period``, ``sync.answer.receive``,
``mark_notice_done``); this screen runs it in thread workers and shows its Chinese messages
(a missing office key, a refused or out-of-order bundle …), never a traceback.

``export_period`` takes no progress callback, so the export is shown in the two stages the
screen can observe: a dry run builds the month's figures first (and tells the file name and
sequence the bundle will get), then the export signs, encrypts, writes the file and reads it
back to verify it before recording it. Building the figures twice costs a little time on a
large branch; in exchange the clerk sees which stage a slow export is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, ProgressBar, Static

from models.dashboard import BundleDue, bundle_due, claim_of_notice
from models.errors import UsageError
from rules import format_fen, ruleset_on
from rules.dates import add_months
from rules.roles import SUPERVISOR_ROLE
from sync.answer import ReceiveResult, mark_notice_done, open_notices, receive
from sync.errors import TrustError
from sync.export import ExportResult, export_decision, export_period
from sync.history import BundleEntry, bundle_history
from sync.keys import KeyFileError, OfficeKeys, parse_office_keys
from sync.keystore import load_local_keys, trust_office, trusted_office
from tui.screens.base import SubScreen
from tui.screens.forms import ConfirmDialog, DbWork, DialogField, StepDialog, decision_line, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable

#: Stages of an export as the progress bar counts them.
EXPORT_STAGES = 2
#: The tables' columns (tui/widgets/columns.py): periods, numbers and times whole; a file name
#: keeps its beginning and its end, a notice's text is cut last. The kind says the direction
#: too: a branch sends monthly bundles and receives answers.
HISTORY_COLUMNS = (Col("类型"), Col("期间"), Col("序号", 1), Col("文件", 0, "middle", min_width=16), Col("时间", 2))
NOTICE_COLUMNS = (
    Col("编号"),
    Col("期间"),
    Col("类型", 1),
    Col("案件", 2, "end", min_width=8),
    Col("内容", 0, "end", min_width=16),
)
#: Differences listed under a received answer; the count is always complete.
DIFFERENCES_LISTED = 20


def last_month(today: date) -> str:
    month = add_months(today.replace(day=1), -1)
    return f"{month.year:04d}-{month.month:02d}"


class ExportStage(Message):
    """Posted from the export's worker thread as each stage begins."""

    def __init__(self, done: int, text: str) -> None:
        super().__init__()
        self.done = done
        self.text = text


def difference_line(d: dict, plan_names: dict[str, str] | None = None) -> str:
    def value(x: int) -> str:
        return format_fen(x) if d["money"] else str(x)

    plan = (plan_names or {}).get(d["plan_code"], d["plan_code"])
    return (
        f"{d['unit_code']} {plan} {d['item_zh']}：本处 {value(d['branch_value'])}，"
        f"办事处 {value(d['office_value'])}，差 {value(d['difference'])}"
    )


class SyncScreen(DbWork, SubScreen):
    """Export form and progress, bundle history, answer file and its result, open notices."""

    CSS_PATH = "sync.tcss"
    BINDINGS = [
        Binding("ctrl+o", "export", "导出数据包", id="sync.export"),
        Binding("ctrl+r", "receive", "接收回执", id="sync.receive"),
        Binding("d", "notice_done", "通知已处理", id="sync.notice_done"),
        Binding("f4", "key_setup", "安装办事处公钥", id="sync.key_setup"),
        Binding("f5", "refresh", "刷新", id="sync.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "同步"
        self.notice_ids: list[int] = []
        self.notices: dict[int, dict] = {}
        self.keys: KeyState | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="sync-row"):
            yield Label("期间")
            yield Input(last_month(self.huzhu_app.today()), id="period", compact=True)
            yield Label("输出文件夹")
            yield Input(str(self.huzhu_app.db_path.resolve().parent), id="out-dir", compact=True)
        yield Static("", id="key-state")
        with Horizontal(classes="sync-row"):
            yield ProgressBar(total=EXPORT_STAGES, show_eta=False, id="export-progress")
            yield Static("Ctrl+O 导出所填期间的月度数据包", id="export-stage")
        history = FitTable(HISTORY_COLUMNS, id="history", zebra_stripes=True)
        history.border_title = "发送与接收记录"
        yield history
        with Horizontal(classes="sync-row"):
            yield Label("回执文件")
            yield Input(placeholder="办事处回执 .hzb 的路径（Ctrl+R 接收）", id="answer-file", compact=True)
        yield Static("", id="answer-result")
        yield FitTable(NOTICE_COLUMNS, id="notices")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#period", Input).focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.run_db("keys", key_state)
        self.run_db("history", bundle_history)
        self.run_db("notices", open_notices)
        self.run_db("due", bundle_due, self.huzhu_app.today())

    def db_history(self, entries: list[BundleEntry]) -> None:
        table = self.query_one("#history", FitTable)
        table.set_rows(
            (i, (e.kind_name, e.period, str(e.sequence), e.file_name, e.created_at[:16].replace("T", " ")))
            for i, e in enumerate(entries)
        )
        table.border_title = f"发送与接收记录（{len(entries)}）"

    def db_notices(self, notices: list[dict]) -> None:
        table = self.query_one("#notices", FitTable)
        self.notice_ids = [n["id"] for n in notices]
        self.notices = {n["id"]: n for n in notices}
        table.set_rows((n["id"], (str(n["id"]), n["period"], n["kind_zh"], n["ref"] or "", n["text"])) for n in notices)
        table.border_title = f"办事处通知：未处理 {len(notices)} 条（回车打开所涉报案，d 标记已处理）"
        self.refresh_bindings()

    def db_due(self, due: BundleDue) -> None:
        status = self.query_one(StatusLine)
        if not status.has_class("-error"):
            status.update(f"月度数据包：{due.message}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "notice_done":
            return bool(self.notice_ids)
        if action == "key_setup":  # only while no office key is installed, and only for a supervisor
            return self.keys is not None and self.keys.office is None and self._supervisor()
        return True

    def _supervisor(self) -> bool:
        session = self.huzhu_app.session
        return session is not None and session.can_write and session.role == SUPERVISOR_ROLE

    # --- keys -----------------------------------------------------------------------------

    def db_keys(self, keys: KeyState) -> None:
        self.keys = keys
        own = f"本处指纹 {keys.own}" if keys.own else "本处尚未生成密钥（负责人运行 huzhu keys show）"
        if keys.office is not None:
            office = f"办事处公钥已安装，指纹 {keys.office}"
        elif self._supervisor():
            office = "办事处公钥未安装：按 F4 从文件安装"
        else:
            office = "办事处公钥未安装：请负责人在本页按 F4 安装"
        self.query_one("#key-state", Static).update(f"{own}\n{office}")
        self.refresh_bindings()

    def action_key_setup(self) -> None:
        """The office's public-key file, its fingerprint confirmed against the one the office
        reads out by phone, then pinned (``sync.keystore.trust_office``, audited)."""
        if self.keys is None or self.keys.office is not None or not self._supervisor():
            return
        own = self.keys.own or "（尚未生成）"
        intro = (
            f"本代办处的指纹：{own}\n"
            "填写办事处发来的公钥文件（huzhu office keys export 写出的 .json）的路径；"
            "下一步显示其指纹，请与办事处电话逐组核对。"
        )
        dialog = StepDialog(
            "安装办事处公钥", intro, [DialogField("path", "公钥文件")], _read_office_keys, self.huzhu_app.today()
        )
        self.app.push_screen(dialog, self._after_key_file)

    def _after_key_file(self, keys: object) -> None:
        if not isinstance(keys, OfficeKeys):
            return
        question = (
            f"办事处公钥文件的指纹：\n    {keys.fingerprint}\n"
            "与办事处电话念出的指纹逐组核对，完全一致吗？一致才按 Y 安装。"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one(StatusLine).show_busy("正在安装办事处公钥…")
                self.run_db("key_installed", _install_office_keys, keys)
            else:
                self.query_one(StatusLine).update("未安装：指纹未确认")

        self.app.push_screen(ConfirmDialog(question), answered)

    def db_key_installed(self, fingerprint: str) -> None:
        status = self.query_one(StatusLine)
        status.clear()
        status.update(f"已安装办事处公钥（指纹 {fingerprint}），现在可以导出月度数据包")
        self.run_db("keys", key_state)

    # --- export ---------------------------------------------------------------------------

    @on(Input.Submitted, "#period, #out-dir")
    def action_export(self) -> None:
        """First ask the rule whether the month may be exported (rules.check_export_month):
        an unfinished month is refused; a month already sent asks for a reason and goes out
        as a replacement of the earlier bundle."""
        if not writable(self):
            return
        period = self.query_one("#period", Input).value.strip()
        self.query_one(StatusLine).show_busy(f"正在检查 {period} 能否导出…")
        self.run_db("export_checked", lambda: (period, export_decision(period, self.huzhu_app.today())))

    def db_export_checked(self, checked) -> None:
        period, decision = checked
        folder = Path(self.query_one("#out-dir", Input).value.strip() or ".").expanduser()
        if decision.outcome == "already_sent":
            self.query_one(StatusLine).clear()
            today = self.huzhu_app.today()
            intro = (
                f"{decision.message}。\n新的数据包将标明替换第 {decision.data['replaces']} 号，"
                "办事处导入时会看到替换及理由。"
            )
            dialog = StepDialog(
                f"重新导出 {period}（替换包）",
                intro,
                [DialogField("reason", "理由")],
                lambda values: self._export(period, folder, values["reason"], today),
                today,
            )
            self.app.push_screen(dialog, self._after_replacement)
            return
        if not decision.ok:
            self.query_one(StatusLine).show_error(decision_line(decision))
            return
        if self.keys is not None and self.keys.office is None:
            # Without it the bundle cannot be encrypted for the office: say so before starting,
            # rather than failing half-way with the bar at 50%.
            where = "按 F4 从文件安装" if self._supervisor() else "请负责人在本页按 F4 安装"
            self.query_one(StatusLine).show_error(f"尚未安装办事处公钥，不能导出：{where}（须电话核对指纹）")
            return
        self.query_one("#export-progress", ProgressBar).update(progress=0)
        self.query_one(StatusLine).show_busy(f"正在导出 {period}…")
        self.run_db("exported", self._export, period, folder, None, self.huzhu_app.today())

    def _after_replacement(self, result: ExportResult | None) -> None:
        if result is None:
            self.query_one(StatusLine).update("未导出：已取消重新导出")
            return
        self.db_exported(result)

    def _export(self, period: str, folder: Path, reason: str | None, today: date) -> ExportResult:
        """On a worker thread: the dry run (figures, file name), then the export itself."""
        replace = reason is not None
        self.post_message(ExportStage(0, "汇总本月数据…"))
        planned = export_period(period, folder, dry_run=True, today=today, replace=replace, reason=reason)
        self.post_message(ExportStage(1, f"签名、加密、写出 {planned.file_name} 并读回核验…"))
        return export_period(period, folder, today=today, replace=replace, reason=reason)

    def on_export_stage(self, message: ExportStage) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=message.done)
        self.query_one("#export-stage", Static).update(f"{message.done + 1}/{EXPORT_STAGES} {message.text}")

    def db_exported(self, result: ExportResult) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=EXPORT_STAGES)
        replaces = f"，替换第 {result.replaces} 号" if result.replaces else ""
        self.query_one("#export-stage", Static).update(f"完成：{result.file_name}（第 {result.sequence} 号{replaces}）")
        totals = result.summary["totals"]
        status = self.query_one(StatusLine)
        status.clear()
        status.update(
            f"已写出并读回核验 {result.path}（{result.bytes} 字节）：参保 {totals['members']} 人，"
            f"报案 {totals['claims_reported']} 件，给付 {format_fen(totals['benefit_fen'])}"
        )
        self.run_db("history", bundle_history)

    def db_failed(self, tag: str, error: BaseException) -> None:
        if tag == "exported":
            self.query_one("#export-progress", ProgressBar).update(progress=0)
            self.query_one("#export-stage", Static).update("导出未完成，未写出文件")
        super().db_failed(tag, error)

    # --- the office's answer --------------------------------------------------------------

    @on(Input.Submitted, "#answer-file")
    def action_receive(self) -> None:
        if not writable(self):
            return
        path = self.query_one("#answer-file", Input).value.strip()
        if not path:
            self.query_one(StatusLine).show_error("请先填写办事处回执文件的路径")
            self.query_one("#answer-file", Input).focus()
            return
        self.query_one(StatusLine).show_busy("正在校验并接收回执…")
        self.run_db("received", receive, Path(path).expanduser())

    def db_received(self, result: ReceiveResult) -> None:
        status = self.query_one(StatusLine)
        status.clear()
        box = self.query_one("#answer-result", Static)
        if result.status == "duplicate":
            status.update(f"{result.period} 回执（第 {result.sequence} 号）已接收过，未做任何改动")
            return
        status.update(f"已接收办事处 {result.period} 回执（第 {result.sequence} 号）：{len(result.notices)} 条通知")
        if result.differences:
            lines = [f"与本代办处数据有 {len(result.differences)} 处差异："]
            plans = {code: p.name for code, p in ruleset_on(self.huzhu_app.today()).plans.items()}
            lines += [difference_line(d, plans) for d in result.differences[:DIFFERENCES_LISTED]]
            if len(result.differences) > DIFFERENCES_LISTED:
                lines.append(f"…另 {len(result.differences) - DIFFERENCES_LISTED} 处（huzhu sync receive 列出全部）")
        else:
            lines = ["办事处数据与本代办处一致（上下一致）"]
        box.update("\n".join(lines))
        self.run_db("history", bundle_history)
        self.run_db("notices", open_notices)

    # --- notices --------------------------------------------------------------------------

    def action_notice_done(self) -> None:
        table = self.query_one("#notices", DataTable)
        if not self.notice_ids or not writable(self):
            return
        notice_id = self.notice_ids[min(table.cursor_row, len(self.notice_ids) - 1)]
        self.run_db("notice_done", mark_notice_done, notice_id)

    @on(DataTable.RowSelected, "#notices")
    def _open_notice(self, event: DataTable.RowSelected) -> None:
        """A notice about a claim opens it; a returned claim's return is offered with the
        notice's text as the reason (``ClaimsScreen``)."""
        if event.row_key.value is None:
            return
        notice = self.notices.get(int(event.row_key.value))
        claim_id = claim_of_notice(notice["ref"]) if notice else None
        if notice is None or claim_id is None:
            self.query_one(StatusLine).update("此通知不涉及具体报案")
            return
        from tui.screens.claims import ClaimsScreen

        returned = notice["text"] if notice["kind"] == "claim_returned" else None
        self.app.push_screen(ClaimsScreen(select=claim_id, returned_by_office=returned))

    def db_notice_done(self, _result: None) -> None:
        self.notify("通知已标记为已处理", title="已保存")
        self.run_db("notices", open_notices)


@dataclass(frozen=True)
class KeyState:
    """This branch's fingerprint (None before its keys exist) and the pinned office key's."""

    own: str | None
    office: str | None


def key_state() -> KeyState:
    own = load_local_keys()
    office = trusted_office()
    return KeyState(own.fingerprint if own else None, office.fingerprint if office else None)


#: A public-key file is a few hundred bytes; reading more would only be a mistaken path.
KEY_FILE_LIMIT = 64 * 1024


def _read_office_keys(values: dict) -> OfficeKeys:
    """The office's keys from the file named in the dialog (nothing is written yet)."""
    path = Path(str(values["path"])).expanduser()
    try:
        with open(path, "rb") as fh:
            data = fh.read(KEY_FILE_LIMIT)
    except OSError as exc:
        raise UsageError(f"无法读取文件 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}") from None
    try:
        return parse_office_keys(data)
    except KeyFileError as exc:
        raise TrustError(exc.message_zh, exc.message_en) from None


def _install_office_keys(keys: OfficeKeys) -> str:
    """Pin the office's keys: a supervisor's act (it decides whom every later answer is trusted
    from), one transaction with its audit event (``trust_office``)."""
    trust_office(keys)  # refuses anyone but a supervisor (sync.keystore.require_office_key_installer)
    return keys.fingerprint
