"""The work log: entries by hand, and the all-or-nothing import with its template."""

from __future__ import annotations

import datetime as dt

import pytest

from models import audit, clock, worklog
from models.db import database
from models.errors import ValidationFailed

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(TODAY)


def count() -> int:
    return database.execute_sql("SELECT count(*) FROM work_log").fetchone()[0]


def test_add_and_list(session):
    e = worklog.add_entry("管委会会议", dt.date(2026, 3, 18), " 第一季度管委会会议 ", "李主席、王芳", "")
    assert (e.kind, e.title, e.attendees_or_outlet, e.note, e.created_by) == (
        "meeting",
        "第一季度管委会会议",
        "李主席、王芳",
        None,
        "zhang",
    )
    worklog.add_entry("training", dt.date(2025, 6, 1), "理赔培训")
    assert [x.title for x in worklog.list_entries()] == ["理赔培训", "第一季度管委会会议"]
    assert [x.kind for x in worklog.list_entries(year=2026)] == ["meeting"]
    assert worklog.list_entries(kind="article") == []
    last = database.execute_sql("SELECT action, detail FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "worklog.add" and "理赔培训" in last[1]
    assert audit.verify().ok


def test_add_refuses_bad_entries(session):
    with pytest.raises(ValidationFailed, match="晚于今天"):
        worklog.add_entry("training", TODAY + dt.timedelta(days=1), "明天的培训")
    with pytest.raises(ValidationFailed, match="标题"):
        worklog.add_entry("article", TODAY, "  ")
    with pytest.raises(ValidationFailed, match="类别"):
        worklog.add_entry("party", TODAY, "联欢")
    worklog.add_entry("article", TODAY, "宣传月活动")
    with pytest.raises(ValidationFailed, match="已登记过"):
        worklog.add_entry("投稿", TODAY, "宣传月活动")
    assert count() == 1


def write_gbk(path, lines):
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def test_import_is_all_or_nothing_with_line_and_column(session, tmp_path):
    bad = write_gbk(
        tmp_path / "log.csv",
        [
            "类别,日期,标题,参加人员或投稿去向,备注",
            "管委会会议,2026-03-18,一季度会议,全体委员,",
            "聚餐,2026-04-01,春游,,",
            "培训,2026/13/01,理赔培训,,",
            "投稿,2027-01-01,未来的稿件,办事处门户网站,",
            "投稿,20260520,,办事处门户网站,",
            "管委会会议,2026-03-18,一季度会议,全体委员,",
        ],
    )
    result = worklog.import_worklog(bad)
    assert not result.ok and not result.written and count() == 0
    assert {(p.line, p.column) for p in result.errors} == {
        (3, "类别"),
        (4, "日期"),
        (5, "日期"),
        (6, "标题"),
        (7, "标题"),
    }
    assert "第 2 行重复" in next(p.reason for p in result.errors if p.line == 7)


def test_import_writes_everything_once(session, tmp_path):
    good = write_gbk(
        tmp_path / "log.csv",
        [
            "类别,日期,标题,参加人员或投稿去向,备注",
            "管委会会议,2026-03-18,一季度会议,全体委员,",
            "业务培训,2026-04-09,APP申报培训,经办人30人,办事处授课",
            "article,2026-05-20,宣传月活动,办事处门户网站,",
        ],
    )
    assert worklog.import_worklog(good, dry_run=True).entries and count() == 0
    result = worklog.import_worklog(good)
    assert result.ok and result.written and len(result.entries) == 3 and count() == 3
    again = worklog.import_worklog(good)
    assert again.ok and not again.written and again.skipped == 3 and count() == 3
    assert database.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'import.worklog'").fetchone()[0] == 1


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_imports_as_is(session, tmp_path, suffix):
    path = tmp_path / f"template{suffix}"
    worklog.write_template(path)
    result = worklog.import_worklog(path)
    assert result.ok, result.errors
    assert sorted(e.kind for e in result.entries) == ["article", "meeting", "training"]


def test_missing_column_is_reported_on_line_1(session, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("类别,日期\n培训,2026-01-01\n", encoding="utf-8")
    result = worklog.import_worklog(path)
    assert [(p.line, p.column) for p in result.errors] == [(1, "标题")]
