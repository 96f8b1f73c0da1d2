"""Every .xlsx and .csv the program writes goes through models.safeout's one atomic writer: the
file appears whole under its name or not at all, a failed write leaves an older file as it was,
and the formula-injection protection applies to all of them."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from models import fsutil, safeout
from models.enrolments import write_template as enrolment_template
from models.member_edit import write_accounts_template
from models.worklog import write_template as worklog_template
from sync.reconcile import write_ledger_template

ROOT = Path(__file__).resolve().parent.parent
WRITERS = {
    "enrolments": enrolment_template,
    "worklog": worklog_template,
    "accounts": write_accounts_template,
    "ledger": write_ledger_template,
}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_write_that_fails_midway_leaves_the_older_file_whole(tmp_path, monkeypatch, name, suffix):
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"the older file")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", disk_full)  # the bytes are written, then the disk is full
    with pytest.raises(OSError):
        WRITERS[name](out)
    assert out.read_bytes() == b"the older file"
    assert [p.name for p in tmp_path.iterdir()] == ["out" + suffix]  # no temporary left behind

    monkeypatch.undo()
    WRITERS[name](out)
    assert out.read_bytes() != b"the older file" and out.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["out" + suffix]


def test_a_workbook_that_fails_while_rendering_writes_nothing(tmp_path, monkeypatch):
    from openpyxl import Workbook

    def broken(self, target):
        target.write(b"PK\x03\x04 half a zip")
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(Workbook, "save", broken)
    wb = Workbook()
    with pytest.raises(RuntimeError):
        safeout.save_workbook(wb, tmp_path / "new.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_the_writer_keeps_the_formula_injection_protection(tmp_path):
    from openpyxl import Workbook, load_workbook

    safeout.save_csv(tmp_path / "a.csv", ["姓名", "金额"], [["=1+2", "-12.50"], ["@SUM(A1)", 3]])
    data = (tmp_path / "a.csv").read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    assert data.decode("utf-8-sig").splitlines() == ["姓名,金额", "'=1+2,-12.50", "'@SUM(A1),3"]

    wb = Workbook()
    wb.active["A1"] = "=cmd|' /C calc'!A0"
    safeout.save_workbook(wb, tmp_path / "a.xlsx")
    cell = load_workbook(tmp_path / "a.xlsx").active["A1"]
    assert cell.data_type == "s" and cell.value == "=cmd|' /C calc'!A0"


# Writing a CSV or a workbook anywhere else would bypass both the atomic write and the protection.
_OTHER_WRITERS = re.compile(r"csv\.(Dict)?[wW]riter\(|\b(wb|workbook)\.save\(|open\([^)]*[\"']w[\"']")


def test_no_other_module_writes_a_spreadsheet_or_csv_itself():
    found = []
    for folder in ("models", "sync", "tui", "rules"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.relative_to(ROOT).as_posix() == "models/safeout.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _OTHER_WRITERS.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, found
