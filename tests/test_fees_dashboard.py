"""The fee items of the 待办 (R12.3–R12.5) read through indexes, from a database with only what a
branch enters: units' overdue balances and collected fees held past the remittance deadline."""

from __future__ import annotations

import csv
import datetime as dt

from models import dashboard
from models import db as dbmod
from models.enrolments import import_enrolments
from models.fees import receive, remit
from rules.idcard import id_check_char

TODAY = dt.date(2026, 3, 2)


def _idn(n: int) -> str:
    body = f"11010519800101{n:03d}"
    return body + id_check_char(body)


def enrol(tmp_path) -> None:
    f = tmp_path / "e.csv"
    with open(f, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"])
        w.writerow(["U0001", "第一单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "赵一", _idn(1), "3"])
        w.writerow(["U0002", "第二单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "钱二", _idn(2), "1"])
        w.writerow(["U0003", "第三单位工会", "ZYYL", "2026-02-20", "2027-02-19", "2026-02-10", "孙三", _idn(3), "1"])
    assert import_enrolments(f, today=dt.date(2026, 2, 25)).written


def test_no_fee_items_until_the_branch_records_a_payment(session, tmp_path):
    enrol(tmp_path)
    assert dashboard.fee_items(TODAY) == []


def test_overdue_units_and_held_fees_are_listed_through_indexes(session, tmp_path, monkeypatch):
    enrol(tmp_path)
    receive(
        unit_code="U0001",
        plan_code="ZYYL",
        period="2026",
        amount_fen=5000,
        on=dt.date(2026, 1, 5),
        receipt_no="A01",
        today=TODAY,
    )
    receive(
        unit_code="U0002",
        plan_code="ZYYL",
        period="2026",
        amount_fen=5000,
        on=dt.date(2026, 2, 25),
        receipt_no="A02",
        today=TODAY,
    )
    remit(amount_fen=5000, on=dt.date(2026, 2, 26), bank_ref="BK1", covers=["A02"], today=TODAY)
    seen: list[tuple[str, tuple]] = []
    execute = dashboard.database.obj.execute_sql  # the proxy (models.db) forwards to the open database

    def spy(sql, params=None, *args, **kwargs):
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, *args, **kwargs)

    monkeypatch.setattr(dashboard.database.obj, "execute_sql", spy)
    items = dashboard.fee_items(TODAY)
    monkeypatch.undo()
    # U0001 owes 100.00 of 150.00 past 2026-01-31; U0002 paid in full; U0003's deadline is to come
    assert [(i.kind, i.ref, i.target) for i in items] == [("fee", "U0001", "fees"), ("fee_held", "held", "fees")]
    assert "欠缴会费 100.00元" in items[0].title and "(000) 第十五条4" in items[0].citation
    assert "50.00元" in items[1].title and "不得截留" in items[1].message and "(000) 第二十五条" in items[1].citation
    assert len(seen) == 3
    for sql, params in seen:
        plan = [row[3] for row in dbmod.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
        for step in plan:
            if step.startswith("SCAN"):
                assert "USING COVERING INDEX" in step or "USING INDEX" in step, (sql, plan)
    board = dashboard.read_dashboard(TODAY)
    assert [i.ref for i in board.fees] == ["U0001", "held"]
