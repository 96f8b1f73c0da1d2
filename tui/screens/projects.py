"""服务项目: the branch's service projects (docs/rules.md R7, seed 004), each with its state, the next
deadline, and for the highlighted one its steps, the 申请表 signatures, the e-codes (counts and
masked samples only) and the deadlines with their articles.

``n`` records a new project's plan (附件1), ``a`` records the next step (first the step, then its
documents: a missing one is refused with R7.11's article), ``t`` terminates (004 五). Every read
and write runs in a thread worker through ``models.projects``.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from models import projects
from models.errors import ValidationFailed
from rules.projects import DEPARTMENTS, PROJECT_STATES, STEPS, TERMINATION_GROUNDS
from tui.screens.base import SubScreen
from tui.screens.budget import line_code, line_name
from tui.screens.forms import DbWork, DialogField, StepDialog, writable
from tui.widgets import StatusLine
from tui.widgets.columns import Col, FitTable

#: Labels of each step's extra fields in the dialog (the documents come from ``STEPS[step].needs``).
_FILE_FIELDS = {
    "codes": "电子码及密码详单文件（CSV：电子码,密码）",
    "participants": "成功参与人员名单文件（每行一人）",
}


class ProjectDialog(StepDialog):
    """A step dialog whose body scrolls: the 附件1 plan has more fields than 24 lines hold."""

    CSS_PATH = "projects.tcss"


def _read_rows(path: str) -> list[list[str]]:
    from tui.commands.projects import _rows

    return _rows(str(Path(path).expanduser()))


def _given(step: str, values: dict) -> dict:
    """The dialog's values as ``models.projects.advance`` takes them (files read here, on the worker)."""
    given = {k: v for k, v in values.items() if k not in ("on", "codes", "participants", "used") and v is not None}
    if values.get("codes"):
        given["codes"] = [(r[0], r[1]) for r in _read_rows(values["codes"]) if len(r) >= 2]
    if values.get("participants"):
        given["participants"] = [r[0] for r in _read_rows(values["participants"])]
    if values.get("used"):
        given["used"] = [r[0] for r in _read_rows(values["used"])]
    return given


def _fen(value: int | None) -> str:
    return "" if value is None else f"{value // 100}.{value % 100:02d}"


#: Projects: dates and states whole, the project's name cut first (whole in the detail below).
PROJECT_COLUMNS = (Col("编号"), Col("项目名称", 0, "end", min_width=12), Col("状态"), Col("开始", 1), Col("最近期限"))


class ProjectsScreen(DbWork, SubScreen):
    CSS_PATH = "projects.tcss"
    BINDINGS = [
        Binding("n", "new", "新建项目", id="projects.new"),
        Binding("a", "advance", "办理下一步", id="projects.advance"),
        Binding("t", "terminate", "终止", id="projects.terminate"),
        Binding("f5", "refresh", "刷新", id="projects.refresh"),
    ]

    def __init__(self, select: int | None = None) -> None:
        super().__init__()
        self.sub_title = "服务项目"
        self.select = select
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield FitTable(PROJECT_COLUMNS, id="projects-table", zebra_stripes=True)
        yield Static("", id="project-detail")
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#projects-table", DataTable).focus()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.query_one(StatusLine).show_busy("正在读取…")
        self.run_db("loaded", projects.listing, self.app.today())

    def db_loaded(self, rows: list[dict]) -> None:
        self.rows = rows
        table = self.query_one("#projects-table", FitTable)
        shown = []
        for r in rows:
            d = r["next_deadline"]
            due = ""
            if d:
                due = (
                    "超期 " if d["overdue"] else ""
                ) + f"{d['due']} {'办事处' if d['party'] == 'office' else '代办处'}"
            shown.append((r["id"], (str(r["id"]), r["name"], r["state_name"], r["start"] or "", due)))
        table.set_rows(shown)
        table.border_title = f"服务项目 共 {len(rows)} 个"
        if self.select is not None:
            ids = [r["id"] for r in rows]
            if self.select in ids:
                table.move_cursor(row=ids.index(self.select))
            self.select = None
        self.query_one(StatusLine).clear()
        if not rows:
            self.query_one("#project-detail", Static).update("还没有服务项目：按 N 登记实施方案（附件1）")
        else:
            self._detail()

    def _current(self) -> dict | None:
        table = self.query_one("#projects-table", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#projects-table")
    def _detail(self) -> None:
        row = self._current()
        if row is not None:
            self.run_db("detail", projects.show, row["id"], self.app.today())

    def db_detail(self, view: dict) -> None:
        lines = [f"#{view['id']} {view['name']}：{view['state_name']}，费用 {_fen(view['cost_fen'])} 元"]
        for s in view["steps"][-4:]:
            lines.append(f"{s['on']} {s['name']}")
        unsigned = [DEPARTMENTS[k] for k, v in view["signatures"].items() if v is None]
        if view["state"] == "materials_submitted" and unsigned:
            lines.append("申请表尚缺会签：" + "、".join(unsigned))
        codes = view["codes"]
        if codes["total"]:
            lines.append(
                f"电子码 {codes['total']} 个（已用 {codes['used']}，未用 {codes['unused']}）样例 {'、'.join(codes['masked_sample'])}"
            )
        for d in view["deadlines"]:
            lines.append(("！" if d["overdue"] else "·") + f"{d['message']}（{d['citation']}）")
        if view["next_steps"]:
            lines.append("下一步：" + "、".join(STEPS[s].name for s in view["next_steps"] if s != "terminate"))
        self.query_one("#project-detail", Static).update("\n".join(lines))

    def action_new(self) -> None:
        if not writable(self):
            return
        today = self.app.today()
        fields = [
            DialogField("name", "项目名称"),
            DialogField("applicant", "申请单位工会名称"),
            DialogField("parent_unit", "归属上级单位名称"),
            DialogField("content", "项目内容"),
            DialogField("start", "搭载开始日期", "date"),
            DialogField("end", "搭载结束日期", "date"),
            DialogField("target", "服务对象"),
            DialogField("purpose", "项目目的"),
            DialogField("funding", "项目使用资金来源"),
            DialogField("items", "采买物品 名称:单价:数量（多项用 ; 分隔）"),
            DialogField("leader", "项目负责人"),
            DialogField("leader_phone", "负责人电话"),
            DialogField("participation", "参与方式与注意事项"),
            DialogField("contact", "咨询与投诉方式"),
            DialogField("budget_line", "预算科目", default=line_name("service_projects")),
        ]

        def save(v: dict) -> object:
            items = [projects.parse_item(t) for t in (v["items"] or "").replace("；", ";").split(";") if t.strip()]
            draft = projects.ProjectDraft(
                name=v["name"] or "",
                start=v["start"],
                end=v["end"],
                applicant=v["applicant"] or "",
                parent_unit=v["parent_unit"] or "",
                content=v["content"] or "",
                target=v["target"] or "",
                purpose=v["purpose"] or "",
                funding=v["funding"] or "",
                items=items,
                leader=v["leader"] or "",
                leader_phone=v["leader_phone"] or "",
                participation=v["participation"] or "",
                contact=v["contact"] or "",
                budget_line=line_code(v["budget_line"] or "service_projects"),
            )
            return projects.create(draft, today=today)

        self.app.push_screen(
            ProjectDialog(
                "服务项目 › 新建实施方案（附件1）",
                "各栏须填写完整；须列支于搭载开始年度已批准的预算科目（004 六.4），并于开展前一个月报送。",
                fields,
                save,
                today,
            ),
            self._after,
        )

    def action_advance(self) -> None:
        row = self._current()
        if row is None or not writable(self):
            return
        allowed = [s for s, spec in STEPS.items() if row["state"] in spec.after and s != "terminate"]
        if not allowed:
            self.query_one(StatusLine).show_error(f"项目“{row['name']}”已{row['state_name']}，没有可办理的步骤")
            return
        listing = "；".join(f"{s} {STEPS[s].name}" for s in allowed)

        def choose(v: dict) -> object:
            step = (v["step"] or "").strip()
            if step not in allowed:
                raise ValidationFailed(f"请填写以下步骤之一：{listing}", "choose one of the listed steps")
            return step

        self.app.push_screen(
            StepDialog(
                f"#{row['id']} {row['name']} › 办理步骤",
                f"当前：{PROJECT_STATES[row['state']]}。可办理：{listing}",
                [DialogField("step", "步骤", default=allowed[0])],
                choose,
                self.app.today(),
            ),
            lambda step: self._step_dialog(row, step) if isinstance(step, str) else None,
        )

    def _step_dialog(self, row: dict, step: str) -> None:
        today = self.app.today()
        spec = STEPS[step]
        fields = [DialogField("on", "日期", "date", today.isoformat())]
        for key, label in spec.needs:
            fields.append(DialogField(key, _FILE_FIELDS.get(key, label), required=False))
        if step == "feedback":
            fields.append(DialogField("used", "已使用电子码文件（每行一个）", required=False))
        if step == "procure":
            fields.append(DialogField("purchase", "采购记录编号（如有）", required=False))
        intro = f"{spec.name}（{spec.citation.short}）。缺少必要材料的，不予办理（004 六.3）。"
        if step == "sign":
            intro += " 部门：" + "，".join(f"{k} {v}" for k, v in DEPARTMENTS.items())
        if step == "review":
            intro += " 初审结果填 passed（通过）或 failed（未通过）。"
        self.app.push_screen(
            ProjectDialog(
                f"#{row['id']} {row['name']} › {spec.name}",
                intro,
                fields,
                lambda v: projects.advance(row["id"], step, v["on"], _given(step, v), today=today),
                today,
            ),
            self._after,
        )

    def action_terminate(self) -> None:
        row = self._current()
        if row is None or not writable(self):
            return
        today = self.app.today()
        grounds = "，".join(f"{k} {v}" for k, v in TERMINATION_GROUNDS.items())
        self.app.push_screen(
            ProjectDialog(
                f"#{row['id']} {row['name']} › 终止",
                f"终止由办事处实施并在平台发布公告（004 五）。情形：{grounds}",
                [
                    DialogField("on", "终止日期", "date", today.isoformat()),
                    DialogField("ground", "终止情形", default="other"),
                    DialogField("announcement", "平台终止公告", required=False),
                    DialogField("reason", "具体情形", required=False),
                ],
                lambda v: projects.terminate(
                    row["id"], v["on"], v["ground"], v["announcement"] or "", v["reason"], today=today
                ),
                today,
            ),
            self._after,
        )

    def _after(self, result: object) -> None:
        if result is None:
            return
        self.notify(getattr(result, "message", "已保存"), title="已保存")
        for warning in getattr(result, "warnings", ()):
            self.notify(warning.message, title="提示", severity="warning")
        self.select = getattr(result, "project_id", None)
        self.reload()
