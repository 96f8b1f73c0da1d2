"""An .xlsx that inflates far beyond its size, or a file with more rows than any branch has,
is refused with a clear message before it is read into memory."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook
from security_kit import ENROLMENT_HEADER, PASSPHRASE, assert_clear, env, run

from models import db as dbmod
from models.errors import ValidationFailed
from models.tabular import MAX_ROWS, MAX_XLSX_UNCOMPRESSED, read_table


def _bomb(path, inflated: int):
    wb = Workbook()
    wb.active.append(ENROLMENT_HEADER.split(","))
    wb.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated // len(chunk)):
                part.write(chunk)
    return path


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(branch, tmp_path):
    bomb = _bomb(tmp_path / "bomb.xlsx", MAX_XLSX_UNCOMPRESSED + (8 << 20))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="解压后超过"):
        read_table(bomb)
    proc = run("import", "enrolments", bomb, "--dry-run", env=env(branch), cwd=tmp_path)
    assert_clear(proc, 3, "解压后超过")


def test_too_many_rows_are_refused(branch, tmp_path):
    big = tmp_path / "rows.csv"
    line = "U0001,示例工会,ZYYL,2026-01-01,2026-12-31,2025-12-20,张三,110105198001010016,2,,13800138000\n"
    big.write_text(ENROLMENT_HEADER + "\n" + line * (MAX_ROWS + 2), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="行数超过"):
        read_table(big)
    dbmod.unlock(branch, "zhang", PASSPHRASE)
    try:
        from models.enrolments import import_enrolments

        with pytest.raises(ValidationFailed, match="行数超过"):
            import_enrolments(big, dry_run=True)
    finally:
        dbmod.close()


def test_the_office_ledger_may_outgrow_a_branch_import(tmp_path, monkeypatch):
    """The ledger is one file for every branch (50 branches of 100,000 members: ~250,000 rows),
    so it has its own, larger bound; a branch import keeps ``MAX_ROWS``."""
    from sync import reconcile
    from sync.reconcile import LEDGER_COLUMNS, read_ledger

    monkeypatch.setattr("models.tabular.MAX_ROWS", 3)
    ledger = tmp_path / "ledger.csv"
    rows = [f"{100 + i:03d},U0001,ZYYL,10,12,240.00,1,500.00" for i in range(5)]
    ledger.write_text(",".join(LEDGER_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="行数超过 3 行"):
        read_table(ledger)
    assert len(read_ledger(ledger)) == 5
    monkeypatch.setattr(reconcile, "LEDGER_MAX_ROWS", 4)
    with pytest.raises(ValidationFailed, match="行数超过 4 行"):
        read_ledger(ledger)


def test_an_ordinary_xlsx_still_reads(tmp_path):
    wb = Workbook()
    wb.active.append(ENROLMENT_HEADER.split(","))
    wb.active.append(
        [
            "U0001",
            "示例工会",
            "ZYYL",
            "2026-01-01",
            "2026-12-31",
            "2025-12-20",
            "张三",
            "110105198001010016",
            "2",
            "",
            "13800138000",
        ]
    )
    wb.save(tmp_path / "ok.xlsx")
    sheet = read_table(tmp_path / "ok.xlsx")
    assert len(sheet.rows) == 1 and sheet.rows[0][1]["姓名"] == "张三"
