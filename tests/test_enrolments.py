"""Enrolment import, renewal and the lookup, against a real encrypted database."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from openpyxl import Workbook

from models import clock
from models.db import database
from models.enrolments import COLUMNS, import_enrolments, renew_unit, write_template
from models.lookup import classify_query, lookup
from models.tabular import read_table
from rules.idcard import id_check_char

D = dt.date


def idn(i: int, birth="19800101") -> str:
    body = f"110105{birth}{i:03d}"
    return body + id_check_char(body)


def row(
    name,
    i,
    *,
    unit="U0001",
    plan="ZYYL",
    start="2026-01-01",
    end="2026-12-31",
    filed="2025-12-20",
    shares="2",
    retired="",
    phone="",
    unit_name="朝阳某公司工会",
    birth="19800101",
):
    return [unit, unit_name, plan, start, end, filed, name, idn(i, birth), shares, retired, phone]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)
    return path


def counts(table):
    return database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(D(2026, 11, 23))


def test_first_enrolment_gbk_csv(session, tmp_path):
    f = write_csv(tmp_path / "a.csv", [row("张三", 1), row("李四", 2, shares="3")], encoding="gbk")
    result = import_enrolments(f)
    assert result.ok and result.written
    assert result.counts["first_enrolment"] == 2
    lines = database.execute_sql(
        "SELECT m.name, c.shares, c.cover_start, c.observation_end, c.event FROM coverage c JOIN member m ON m.id = c.member_id "
        "ORDER BY m.name"
    ).fetchall()
    # ZYYL observes 90 days from cover start 2026-01-01 (filed before the start): last day 2026-03-31
    assert ("张三", 2, "2026-01-01", "2026-03-31", "first_enrolment") in lines
    assert counts("policy") == 1 and counts("unit") == 1


def test_filed_after_start_covers_from_filing_day(session, tmp_path):
    f = write_csv(tmp_path / "a.csv", [row("张三", 1, filed="2026-02-10")])
    import_enrolments(f)
    cs, oe = database.execute_sql("SELECT cover_start, observation_end FROM coverage").fetchone()
    assert (cs, oe) == ("2026-02-10", "2026-05-10")  # 90 days: 02-10 … 05-10


def test_xlsx_with_date_cells(session, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    r = row("王五", 3)
    r[3], r[4], r[5] = dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), dt.datetime(2025, 12, 20)
    r[8] = 2
    ws.append(r)
    wb.save(tmp_path / "a.xlsx")
    result = import_enrolments(tmp_path / "a.xlsx")
    assert result.written and result.counts["first_enrolment"] == 1


def test_every_bad_row_is_reported_and_nothing_written(session, tmp_path):
    bad_id = idn(2)[:-1] + ("0" if idn(2)[-1] != "0" else "1")
    rows = [
        row("张三", 1),
        row("李四", 2, start="2026-01-01", end="2025-06-30"),  # dates out of order
        ["U0001", "朝阳某公司工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "赵六", bad_id, "1", "", ""],
        row("钱七", 4, shares="1.5"),  # not a whole number
        row("孙八", 5, plan="XXXX"),  # unknown plan
        row("周九", 6, end="2029-12-31"),  # term over 3 years
        row("吴十", 7, retired="2025-06-30", birth="19650101"),  # retired before start
        row("郑一", 8, start="2026/13/01"),  # unreadable date
    ]
    result = import_enrolments(write_csv(tmp_path / "bad.csv", rows))
    assert not result.written
    got = {(p.line, p.column) for p in result.errors}
    assert {
        (3, "终止日期"),
        (4, "身份证号"),
        (5, "份数"),
        (6, "险种代码"),
        (7, "终止日期"),
        (8, "退休日期"),
        (9, "生效日期"),
    } <= got
    assert len(result.errors) >= 7
    assert counts("member") == 0 and counts("coverage") == 0 and counts("import_batch") == 0
    # the term and retirement refusals carry their article
    reasons = " ".join(p.reason for p in result.errors)
    assert "002" in reasons and "第十五条" in reasons and "第十七条1" in reasons


def test_dry_run_writes_nothing(session, tmp_path):
    before = counts("audit_event")
    result = import_enrolments(write_csv(tmp_path / "a.csv", [row("张三", 1)]), dry_run=True)
    assert result.counts["first_enrolment"] == 1 and not result.written
    assert counts("member") == 0 and counts("audit_event") == before


def test_reimport_same_file_changes_nothing(session, tmp_path):
    f = write_csv(tmp_path / "a.csv", [row("张三", 1), row("李四", 2)])
    import_enrolments(f)
    snapshot = [counts(t) for t in ("member", "coverage", "policy", "audit_event")]
    again = import_enrolments(f)
    assert again.already_imported_at and not again.written
    # the same rows in a different file: every row is "unchanged", nothing written
    g = write_csv(tmp_path / "b.csv", [row("李四", 2), row("张三", 1)])
    third = import_enrolments(g)
    assert third.counts["unchanged"] == 2 and not third.written
    assert [counts(t) for t in ("member", "coverage", "policy", "audit_event")] == snapshot


def test_added_shares_get_their_own_observation(session, tmp_path):
    import_enrolments(write_csv(tmp_path / "a.csv", [row("张三", 1, shares="2")]))
    result = import_enrolments(write_csv(tmp_path / "b.csv", [row("张三", 1, shares="5", filed="2026-06-01")]))
    assert result.counts["added_shares"] == 1
    lines = database.execute_sql(
        "SELECT shares, cover_start, observation_end, event FROM coverage ORDER BY id"
    ).fetchall()
    assert lines == [
        (2, "2026-01-01", "2026-03-31", "first_enrolment"),
        (3, "2026-06-01", "2026-08-29", "added_shares"),
    ]
    status = lookup(idn(1), D(2026, 7, 1)).members[0].plans[0]
    assert (status.status, status.held, status.payable, status.in_observation) == ("observation", 5, 2, 3)
    assert status.observation_end == "2026-08-29" and status.days_left == 60


def test_shares_added_at_renewal_are_recorded_as_added_not_renewed(session, tmp_path):
    # the member's record (会员查询) names each line by its event: the 3 new shares are 新增份数
    import_enrolments(
        write_csv(
            tmp_path / "a.csv", [row("张三", 1, shares="2", start="2025-01-01", end="2025-12-31", filed="2024-12-20")]
        )
    )
    result = import_enrolments(write_csv(tmp_path / "b.csv", [row("张三", 1, shares="5", filed="2025-12-20")]))
    assert result.counts["renewal"] == 1
    lines = database.execute_sql(
        "SELECT c.shares, c.cover_start, c.event FROM coverage c JOIN policy p ON p.id = c.policy_id "
        "WHERE p.start = '2026-01-01' ORDER BY c.id"
    ).fetchall()
    assert lines == [(2, "2026-01-01", "renewal"), (3, "2026-01-01", "added_shares")]


@pytest.mark.parametrize(
    "filed,outcome", [("2025-12-17", "renewal"), ("2026-01-16", "renewal"), ("2026-01-17", "late_renewal_as_first")]
)
def test_renewal_by_file_uses_the_window(session, tmp_path, filed, outcome):
    import_enrolments(
        write_csv(tmp_path / "a.csv", [row("张三", 1, start="2025-01-01", end="2025-12-31", filed="2024-12-20")])
    )
    result = import_enrolments(write_csv(tmp_path / "b.csv", [row("张三", 1, filed=filed)]))
    assert result.counts[outcome] == 1
    pol = database.execute_sql("SELECT outcome, cover_from FROM policy ORDER BY start DESC LIMIT 1").fetchone()
    assert pol[0] == outcome
    cs, oe = database.execute_sql(
        "SELECT cover_start, observation_end FROM coverage ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if outcome == "renewal":
        assert cs == "2026-01-01" and oe == "2025-03-31"  # keeps the original observation end
    else:
        assert cs == filed and oe == "2026-04-16"  # late: observation counted again from filing


def test_renewal_filed_too_early_is_refused(session, tmp_path):
    import_enrolments(
        write_csv(tmp_path / "a.csv", [row("张三", 1, start="2025-01-01", end="2025-12-31", filed="2024-12-20")])
    )
    result = import_enrolments(write_csv(tmp_path / "b.csv", [row("张三", 1, filed="2025-12-16")]))
    assert not result.written
    assert result.errors[0].code == "R1.3.too_early" and result.errors[0].column == "办理日期"


def test_renew_command_carries_members_and_drops_retirees(session, tmp_path):
    import_enrolments(
        write_csv(
            tmp_path / "a.csv", [row("张三", 1), row("李四", 2, retired="2026-10-01", birth="19660101"), row("王五", 3)]
        )
    )
    early = renew_unit("U0001", "ZYYL", D(2026, 12, 16), today=D(2026, 12, 16))
    assert early.decision.code == "R1.3.too_early" and not early.written
    assert str(early.decision.data["first_allowed"]) == "2026-12-17"
    result = renew_unit("U0001", "ZYYL", D(2026, 12, 20), today=D(2026, 12, 20))
    assert result.written and result.decision.outcome == "renewal"
    assert len(result.carried) == 2 and len(result.dropped) == 1
    assert "第十七条1" in result.dropped[0][2]
    assert result.dropped[0][0].count("*") == 8  # masked
    new = database.execute_sql(
        "SELECT count(*) FROM coverage c JOIN policy p ON p.id = c.policy_id WHERE p.start = '2027-01-01'"
    ).fetchone()
    assert new[0] == 2
    status = lookup("王五", D(2027, 1, 5)).members[0].plans[0]
    assert status.status == "covered"


def test_renew_late_is_first_enrolment(session, tmp_path):
    import_enrolments(write_csv(tmp_path / "a.csv", [row("张三", 1)]))
    result = renew_unit("U0001", "ZYYL", D(2027, 1, 17), today=D(2027, 1, 17))
    assert result.decision.outcome == "late_renewal_as_first"
    s = lookup("张三", D(2027, 1, 10)).members[0].plans[0]
    assert s.status == "not_covered"  # the gap before filing is not covered
    s = lookup("张三", D(2027, 2, 1)).members[0].plans[0]
    assert s.status == "observation" and s.observation_end == "2027-04-16"


def test_lookup_statuses_grace_and_lapsed(session, tmp_path):
    import_enrolments(
        write_csv(tmp_path / "a.csv", [row("张三", 1, start="2025-01-01", end="2025-12-31", filed="2024-12-20")])
    )
    assert lookup("张三", D(2026, 1, 10)).members[0].plans[0].status == "grace"
    assert lookup("张三", D(2026, 1, 17)).members[0].plans[0].status == "lapsed"
    assert lookup("张三", D(2025, 2, 1)).members[0].plans[0].status == "observation"
    assert lookup("张三", D(2025, 6, 1)).members[0].plans[0].status == "covered"


@pytest.mark.parametrize(
    "query,kind",
    [
        ("110105198001010016", "id"),
        ("0016", "id_suffix"),
        ("张", "name"),
        ("zs", "initials"),
        ("ZS", "initials"),
        ("张 三", "name"),
    ],
)
def test_query_kinds(query, kind):
    assert classify_query(query)[0] == kind


def test_lookup_by_every_kind_and_masking(session, tmp_path):
    import_enrolments(write_csv(tmp_path / "a.csv", [row("张三", 1), row("张三丰", 2), row("李四", 3)]))
    on = D(2026, 11, 23)
    assert [m.name for m in lookup(idn(1), on).members] == ["张三"]
    assert [m.name for m in lookup(idn(3)[-6:], on).members] == ["李四"]
    assert [m.name for m in lookup("张三", on).members] == ["张三", "张三丰"]
    assert {m.name for m in lookup("zs", on).members} == {"张三", "张三丰"}
    assert lookup("王", on).members == []
    text = json.dumps(lookup("zs", on).to_json(), ensure_ascii=False)
    assert idn(1) not in text and idn(2) not in text and "********" in text


def test_template_round_trip(session, tmp_path):
    for name in ("t.xlsx", "t.csv"):
        write_template(tmp_path / name)
        sheet = read_table(tmp_path / name)
        assert sheet.headers == COLUMNS and len(sheet.rows) == 1
    result = import_enrolments(tmp_path / "t.csv", dry_run=True)
    assert result.ok, result.errors


def test_control_characters_in_a_cell_are_refused(session, tmp_path):
    """Found by the fuzzer: a unit code with a carriage return crashed the import."""
    bad = row("张三", 1)
    bad[0] = "0\r0"
    result = import_enrolments(write_csv(tmp_path / "a.csv", [bad]))
    assert not result.written
    assert any(p.column == "单位编码" and "不可见字符" in p.reason for p in result.errors)
    assert counts("unit") == 0
