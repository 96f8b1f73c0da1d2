"""Service projects reach the office (docs/rules.md R7, R7.4–R7.8): a branch with a project sends
``projects.json`` in its monthly bundle (a branch without one sends exactly the seven files older
offices read), the office stores the project as a record of the branch, and the office's 待办
lists the first review it owes, due on the 5th working day after the branch submitted the plan."""

from __future__ import annotations

import datetime as dt
import json

from syncdb_kit import export, import_path

from models import clock
from sync import office_board


def _project(world) -> int:
    from models.db import database, writing
    from models.projects import ProjectDraft, advance, create

    with world.at_branch():
        with writing():  # the kit's branch has its 2026 lines without versions (counted as approved)
            database.execute_sql(
                "INSERT INTO budget_line (year, code, name, amount_fen) VALUES (2026, 'service_projects', '服务项目', ?)",
                (2_000_000,),
            )
        draft = ProjectDraft(
            name="职工健康体检",
            start=dt.date(2026, 12, 14),
            end=dt.date(2026, 12, 31),
            applicant="朝阳区某公司工会",
            parent_unit="朝阳区总工会",
            content="体检",
            target="在职会员",
            purpose="健康",
            funding="管理费",
            items=[{"name": "体检套餐", "unit_price_fen": 30_000, "quantity": 50}],
            leader="王芳",
            leader_phone="13800000000",
            participation="平台抢订",
            contact="010-12345678",
        )
        pid = create(draft).project_id
        advance(pid, "submit", dt.date(2026, 11, 2), {"doc": "方案1号"})
    return pid


def test_a_bundle_without_projects_has_the_seven_files(world):
    from sync.export import PAYLOAD_FILES, branch_payload

    with world.at_branch():
        assert set(branch_payload("2026-10").files) == set(PAYLOAD_FILES)
    _project(world)
    with world.at_branch():
        assert set(branch_payload("2026-10").files) == {*PAYLOAD_FILES, "projects.json"}


def test_the_offices_todo_lists_the_first_review_it_owes(world):
    pid = _project(world)
    done = export(world)
    outcome = import_path(world, done.path)
    assert outcome.status == "imported", (outcome.reason, outcome.message_zh)
    with world.at_office():
        from models.db import database

        (data,) = database.execute_sql("SELECT data FROM office_record WHERE kind = 'project'").fetchone()
        record = json.loads(data)
        assert record["id"] == f"004-project-{pid}" and record["state"] == "plan_submitted"
        assert "leader" not in data and "13800000000" not in data
        # submitted Monday 11-02: the 5th working day after is Monday 11-09
        soon = office_board.todo(dt.date(2026, 11, 5))
        late = office_board.todo(dt.date(2026, 11, 12))
        far = office_board.todo(dt.date(2026, 11, 2) - dt.timedelta(days=30))
    (item,) = [i for i in soon if i.kind == "project"]
    assert "初审" in item.title and "2026-11-09" in item.detail and not item.overdue and "004 二(二)2" in item.detail
    (item,) = [i for i in late if i.kind == "project"]
    assert item.overdue and "已逾期 3 天" in item.detail
    assert not [i for i in far if i.kind == "project"]
    clock.freeze(None)
