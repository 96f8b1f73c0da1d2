"""服务项目 on screen, from a new branch database with only an approved budget: reached from the
home menu with ``p``, a plan entered in the 附件1 dialog, its submission first refused for the
missing document (004 六.3) and then recorded, and the office's first-review deadline on 待办."""

from __future__ import annotations

from tui_testkit import PASSPHRASE, USER, screen_text

from models import clock
from models import db as dbmod
from tui.app import make_app
from tui.screens.forms import StepDialog
from tui.screens.projects import ProjectsScreen

SIZE = (80, 24)


async def wait(pilot, seconds: float = 0.3) -> None:
    await pilot.pause(seconds)
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def sql(path, query: str, *params):
    dbmod.unlock(path, USER, PASSPHRASE)
    try:
        return dbmod.database.execute_sql(query, params).fetchall()
    finally:
        dbmod.close()


async def test_plan_submit_refused_then_recorded_and_on_the_todo_list(branch_db):
    today = clock.today()  # 2026-03-02, frozen by the TUI conftest
    dbmod.unlock(branch_db, USER, PASSPHRASE)
    from models.budget import add_line, approve

    add_line(today.year, "service_projects", 2_000_000)
    approve(today.year, today, "管委会纪要2026-1号")
    dbmod.close()
    app = make_app(db_path=branch_db, passphrase=PASSPHRASE, user=USER, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("p")
        await wait(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        assert "还没有服务项目" in screen_text(app)
        await pilot.press("n")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "附件1" in screen_text(app)
        assert "service_projects" not in screen_text(app)  # the budget line by name (#14)
        values = [
            "职工健康体检",
            "朝阳区总工会",
            "北京市总工会",
            "三甲医院体检套餐",
            "2026-05-18",
            "2026-05-31",
            "在职会员",
            "关爱职工健康",
            "代办处管理费",
            "体检套餐:300:50",
            "王芳",
            "13800000000",
            "会员服务平台抢订电子码",
            "010-12345678",
        ]
        for value in values:
            await pilot.press(*value, "tab")
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        text = screen_text(app)
        assert "职工健康体检" in text and "草稿" in text and "2026-04-18" in text
        await pilot.press("a")
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "submit" in screen_text(app)
        await pilot.press("ctrl+s")  # the step offered first: submit
        await wait(pilot)
        assert isinstance(app.screen, StepDialog) and "报送实施方案" in screen_text(app)
        await pilot.press("ctrl+s")  # without the plan's reference
        await wait(pilot)
        assert isinstance(app.screen, StepDialog)
        assert "缺少" in screen_text(app) and "六.3" in screen_text(app)
        await pilot.press("tab", *"方案2026-1", "ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        assert "待初审" in screen_text(app)
        await pilot.press("escape", "1")
        await wait(pilot)
        text = screen_text(app)
        assert "服务项目 1" in text and "待办事处" in text
    assert sql(branch_db, "SELECT name, state, cost_fen FROM service_project") == [
        ("职工健康体检", "plan_submitted", 1_500_000)
    ]
    assert sql(branch_db, "SELECT step, on_date FROM service_project_step") == [("submit", today.isoformat())]
    assert sql(branch_db, "SELECT action FROM audit_event WHERE action LIKE 'project.%' ORDER BY seq") == [
        ("project.new",),
        ("project.submit",),
    ]
