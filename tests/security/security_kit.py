"""Helpers for tests/security (a uniquely named module, like the other folders' kits)."""

from __future__ import annotations

from pathlib import Path

from models import admin, crypto
from models import db as dbmod
from tests import cli_kit

CHEAP_KDF = crypto.KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSPHRASE = "correct horse 电池 staple"
ID_NUMBER = "110105198001010016"
OTHER_ID = "110105198502020036"
ENROLMENT_HEADER = "单位编码,单位名称,险种代码,生效日期,终止日期,办理日期,姓名,身份证号,份数,退休日期,手机号"


# The security tests' names for the shared helpers (tests/cli_kit.py).
run = cli_kit.huzhu
env = cli_kit.as_


def assert_clear(proc, codes, *needles: str) -> None:
    """Refused with a message, never an internal error (exit 70) or a traceback."""
    codes = {codes} if isinstance(codes, int) else set(codes)
    assert proc.returncode in codes, (proc.returncode, proc.stdout[-500:], proc.stderr[-1500:])
    assert "Traceback" not in proc.stderr + proc.stdout and "内部错误" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr + proc.stdout, proc.stderr


def enrolment_csv(
    path: Path,
    *,
    name: str = "张三",
    shares: str = "2",
    start: str = "2026-01-01",
    end: str = "2026-12-31",
    filed: str = "2025-12-20",
    unit_name: str = "示例工会",
    id_number: str = ID_NUMBER,
) -> Path:
    path.write_text(
        "\ufeff"
        + ENROLMENT_HEADER
        + "\n"
        + f"U0001,{unit_name},ZYYL,{start},{end},{filed},{name},{id_number},{shares},,13800138000\n",
        encoding="utf-8",
    )
    return path


def fresh_branch(folder: Path, **names) -> Path:
    """`huzhu init` with a cheap KDF, then one enrolment imported through the importer."""
    from models.enrolments import import_enrolments

    db = folder / "b.hzdb"
    admin.create_database(db, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF)
    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        result = import_enrolments(enrolment_csv(folder / "enrol.csv", **names))
        assert not result.errors, result.errors
    finally:
        dbmod.close()
    return db
