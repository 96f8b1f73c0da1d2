"""An .xlsx whose zip asks for a newer extraction version or a compression zipfile does not have
(Hypothesis found one: zipfile raises NotImplementedError) is refused like any unreadable file:
a clear bilingual message, exit 3, nothing written — never an internal error."""

from __future__ import annotations

import struct

import pytest
from openpyxl import Workbook
from security_kit import ENROLMENT_HEADER, ID_NUMBER, OTHER_ID, PASSPHRASE, assert_clear, env, run

from models import db as dbmod
from models.errors import ValidationFailed
from models.tabular import read_table

CENTRAL, LOCAL = b"PK\x01\x02", b"PK\x03\x04"


def _workbook(path):
    wb = Workbook()
    wb.active.append(ENROLMENT_HEADER.split(","))
    for id_number in (ID_NUMBER, OTHER_ID):
        wb.active.append(
            ["U0001", "示例工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "李四", id_number, "2", "", ""]
        )
    wb.save(path)
    return path


def _patch(path, *, only: bytes | None = None, version: int | None = None, method: int | None = None):
    """Set the "version needed to extract" byte or the compression method of every entry (or of the
    entry named ``only``) in both the local headers and the central directory."""
    data = bytearray(path.read_bytes())
    for signature, version_at, method_at, name_len_at, name_at in ((LOCAL, 4, 8, 26, 30), (CENTRAL, 6, 10, 28, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            (name_len,) = struct.unpack_from("<H", data, at + name_len_at)
            if only is not None and bytes(data[at + name_at : at + name_at + name_len]) != only:
                continue
            if version is not None:
                data[at + version_at] = version
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
    path.write_bytes(bytes(data))
    return path


def _counts(db):
    from models.schema import AuditEvent, Member

    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        return Member.select().count(), AuditEvent.select().count()
    finally:
        dbmod.close()


@pytest.mark.parametrize(
    "change",
    [
        {"version": 255},  # zip 25.5: newer than zipfile extracts
        {"method": 99},  # AES-encrypted entries' method: not one zipfile has
        {"method": 99, "only": b"xl/worksheets/sheet1.xml"},  # the workbook opens, the sheet does not
    ],
    ids=["version", "compression", "sheet-only"],
)
def test_an_xlsx_with_zip_features_zipfile_lacks_is_refused_clearly(branch, tmp_path, change):
    book = _patch(_workbook(tmp_path / "new.xlsx"), **change)
    with pytest.raises(ValidationFailed, match="不支持的压缩方式或版本") as refused:
        read_table(book)
    assert "zip version or compression" in refused.value.message_en
    before = _counts(branch)
    proc = run("import", "enrolments", book, env=env(branch), cwd=tmp_path)
    assert_clear(proc, 3, "不支持的压缩方式或版本", "zip version or compression")
    assert _counts(branch) == before, "nothing written"
