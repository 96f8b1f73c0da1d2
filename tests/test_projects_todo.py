"""Service projects on the branch's 待办 (R7.3–R7.8): each live project's deadline, the branch's own
and the office's it waits for, read through indexes like every 待办 query (issue 15)."""

from __future__ import annotations

import datetime as dt

from models import dashboard
from models import db as dbmod

TODAY = dt.date(2026, 9, 30)


def _projects() -> None:
    from models.budget import add_line, approve
    from models.projects import ProjectDraft, advance, create

    add_line(2026, "service_projects", 5_000_000)
    approve(2026, dt.date(2026, 8, 1), "纪要8号")
    for name, start in (("职工健康体检", dt.date(2026, 11, 2)), ("亲子观影", dt.date(2026, 12, 20))):
        draft = ProjectDraft(
            name=name,
            start=start,
            end=start + dt.timedelta(days=10),
            applicant="朝阳区某公司工会",
            parent_unit="朝阳区总工会",
            content=name,
            target="在职会员",
            purpose="服务会员",
            funding="管理费",
            items=[{"name": "套餐", "unit_price_fen": 10_000, "quantity": 10}],
            leader="王芳",
            leader_phone="13800000000",
            participation="平台抢订",
            contact="010-12345678",
        )
        pid = create(draft, today=dt.date(2026, 9, 28)).project_id
        if name == "职工健康体检":
            advance(pid, "submit", dt.date(2026, 9, 28), {"doc": "方案1号"}, today=dt.date(2026, 9, 28))


def test_project_deadlines_on_the_todo_list_through_indexes(session, monkeypatch):
    _projects()
    from models.workcal import calendar_in_force

    calendar_in_force()  # read once per open database (a handful of rows), not per 待办
    seen: list[tuple[str, tuple]] = []
    execute = dashboard.database.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(dashboard.database.obj, "execute_sql", spy)  # behind models.db's proxy
    board = dashboard.read_dashboard(TODAY)
    monkeypatch.undo()
    assert [(i.status, i.ref) for i in board.projects] == [("due_office", "1"), ("due", "2")]
    review, plan = board.projects
    # received Monday 09-28, before 国庆: due Saturday 10-10 (调休上班)
    assert "初审" in review.title and "2026-10-10" in review.message and review.citation.endswith("二(二)2")
    assert "实施方案" in plan.title and "2026-11-20" in plan.message and plan.target == "projects"
    assert board.counts()["projects"] == 2
    for sql, params in seen:
        steps = [row[3] for row in dbmod.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
        for step in steps:
            if step.startswith("SCAN"):
                assert "USING COVERING INDEX" in step or "USING INDEX" in step, (sql, steps)
    assert dashboard.read_dashboard(dt.date(2026, 10, 12)).projects[0].status == "overdue_office"
