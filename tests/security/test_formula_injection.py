"""A member name ``=cmd|' /C calc'!A0`` or a diagnosis ``=HYPERLINK(…)`` is written as text in
every spreadsheet (registers, the audit materials, the office's reconcile sheet) and with a
leading ``'`` in every CSV; terminal control sequences in a printed value never reach the
terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from security_kit import assert_clear, env, fresh_branch, run

from tests.conftest import TODAY

NAME = "=cmd|' /C calc'!A0"
DIAGNOSIS = '=HYPERLINK("http://evil.example/x","肺炎")'
YEAR = str(TODAY.year)  # claims are reported today (a back-dated one needs a reason)
INCIDENT = (TODAY - dt.timedelta(days=3)).isoformat()
ESCAPES = "\x1b]0;owned\x07肺炎\x1b[2J\x1b[31m\x9b1m\x07"


@pytest.fixture
def poisoned(tmp_path):
    db = fresh_branch(tmp_path, name=NAME)
    proc = run(
        "claim",
        "register",
        "--id-number",
        "110105198001010016",
        "--plan",
        "ZYYL",
        "--diagnosis",
        DIAGNOSIS,
        "--incident-date",
        INCIDENT,
        "--reporter",
        "+本人",
        "--shares",
        "1",
        env=env(db),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return db


def _formula_cells(path):
    wb = load_workbook(path)  # not data_only: a formula would come back as data_type "f"
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def _texts(path):
    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def test_register_xlsx_holds_text_not_formulas(poisoned, tmp_path):
    out = tmp_path / "claims.xlsx"
    assert run("report", "claims", "--period", YEAR, "--out", out, env=env(poisoned), cwd=tmp_path).returncode == 0
    assert _formula_cells(out) == []
    texts = _texts(out)
    assert any(NAME in t for t in texts) and any(DIAGNOSIS in t for t in texts)


def test_audit_materials_hold_no_formulas(poisoned, tmp_path):
    folder = tmp_path / "materials"
    proc = run(
        "audit",
        "selfcheck",
        "--year",
        YEAR,
        "--materials",
        folder,
        "--out",
        tmp_path / "self.xlsx",
        env=env(poisoned),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    files = sorted(folder.glob("*.xlsx")) + [tmp_path / "self.xlsx"]
    assert len(files) > 1
    for f in files:
        assert _formula_cells(f) == [], f.name


def test_register_csv_prefixes_formula_like_cells(poisoned, tmp_path):
    out = tmp_path / "claims.csv"
    assert run("report", "claims", "--period", YEAR, "--out", out, env=env(poisoned), cwd=tmp_path).returncode == 0
    cells = [c for row in csv.reader(io.StringIO(out.read_text("utf-8-sig"))) for c in row]
    assert "'" + NAME in cells and "'" + DIAGNOSIS in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    # plain negative or signed numbers are figures, not formulas: they stay as they are
    from models.safeout import csv_cell

    assert csv_cell("-12.50") == "-12.50" and csv_cell("-1+1") == "'-1+1" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("\t=1") == "'\t=1" and csv_cell("\r=1") == "'\r=1"


def test_office_reconcile_sheet_and_csv_hold_text(tmp_path):
    from sync.reconcile import Difference, Report, write_csv, write_xlsx

    report = Report(
        period="2026-10",
        branches_reported=["004"],
        not_reported=[{"branch_code": "005", "name": "=1+2", "enrolled": True}],
        differences=[Difference("004", '=HYPERLINK("x")', "ZYYL", "members", "人数", 3, 2)],
    )
    write_xlsx(report, tmp_path / "r.xlsx")
    write_csv(report, tmp_path / "r.csv")
    assert _formula_cells(tmp_path / "r.xlsx") == []
    assert {'=HYPERLINK("x")', "=1+2"} <= _texts(tmp_path / "r.xlsx")
    text = (tmp_path / "r.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and '"=HYPERLINK' not in text


def test_terminal_control_sequences_are_stripped_from_printed_values(branch, tmp_path):
    proc = run(
        "claim",
        "register",
        "--id-number",
        "110105198001010016",
        "--plan",
        "ZYYL",
        "--diagnosis",
        ESCAPES,
        "--incident-date",
        INCIDENT,
        "--reporter",
        "本人\x1b[8m",
        "--shares",
        "1",
        env=env(branch),
        cwd=tmp_path,
    )
    assert_clear(proc, 0)
    for args in (
        ["report", "claims", "--period", YEAR],
        ["lookup", "张三"],
        ["lookup", "\x1b]0;x\x07"],
        ["worklog", "add", "--kind", "x\x1b[2J", "--date", "2026-03-01", "--title", "t"],
    ):
        proc = run(*args, env=env(branch), cwd=tmp_path)
        shown = proc.stdout + proc.stderr
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown, (args, shown[:400])
    from models.safeout import terminal_text

    assert terminal_text(ESCAPES) == "肺炎"
    assert terminal_text("行1\n\t行2\r\x00\x7f") == "行1\n\t行2"
