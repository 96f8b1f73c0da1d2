"""Inputs that made the CLI exit 70 ("internal error") now get a clear message and a usage or
refusal exit code, with nothing written; 份数 accepts plain whole numbers only."""

from __future__ import annotations

import json
import os

import pytest
from security_kit import OTHER_ID, assert_clear, enrolment_csv, env, run


@pytest.mark.parametrize(
    "args, code, needle",
    [
        (
            [
                "claim",
                "register",
                "--id-number",
                "110105198001010016",
                "--plan",
                "ZYYL",
                "--diagnosis",
                "x",
                "--incident-date",
                "2026-03-01",
                "--reporter",
                "本人",
                "--shares",
                "9223372036854775808",
            ],
            2,
            "--shares",
        ),
        (["lookup", "张三", "--limit", "9223372036854775808"], 2, "--limit"),
        (["lookup", "张三", "--on", "0001-01-01"], (2, 3), "0001-01-01"),
        (["renew", "--unit", "U0001", "--plan", "ZYYL", "--filed", "0001-01-01"], (2, 3), "0001-01-01"),
        (["sync", "notices", "--done", "9223372036854775808"], 2, "--done"),
        (["report", "claims", "--period", "2026", "--out", "nodir/x.csv"], 2, "nodir"),
        (["template", "enrolments", "--out", "nodir/t.xlsx"], 2, "nodir"),
        (["worklog", "template", "--out", "nodir/t.xlsx"], 2, "nodir"),
        (["audit", "selfcheck", "--year", "99999999999999999999"], 2, "--year"),
    ],
)
def test_bad_numbers_dates_and_folders_are_refused_clearly(branch, tmp_path, args, code, needle):
    proc = run(*args, env=env(branch), cwd=tmp_path)
    assert_clear(proc, code, needle)


def test_enrolment_dated_9999_is_refused_not_a_crash(branch, tmp_path):
    f = enrolment_csv(tmp_path / "far.csv", start="9999-01-01", end="9999-12-31", filed="9999-12-20")
    proc = run("import", "enrolments", f, "--dry-run", env=env(branch), cwd=tmp_path)
    assert_clear(proc, 3, "生效日期", "nothing was written")


@pytest.mark.parametrize("shares", ["99999999999999999999999", "1e3", "2.5", "+3", "０２"])
def test_shares_must_be_a_plain_whole_number(branch, tmp_path, shares):
    f = enrolment_csv(tmp_path / "s.csv", shares=shares, name="李四", id_number=OTHER_ID)
    proc = run("import", "enrolments", f, "--dry-run", "--json", env=env(branch), cwd=tmp_path)
    assert_clear(proc, 3)
    assert [e["column"] for e in json.loads(proc.stdout)["errors"]] == ["份数"]


def test_a_fifo_as_db_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.hzdb"
    os.mkfifo(fifo)
    proc = run("check", "--db", fifo, env={"HUZHU_PASSPHRASE": "whatever passphrase"}, timeout=20)
    assert_clear(proc, 15, "不是普通文件")


def test_a_fifo_as_the_key_file_is_refused(branch):
    keys = branch.with_name(branch.name + ".keys")
    keys.unlink()
    os.mkfifo(keys)
    proc = run("check", env=env(branch), timeout=20)
    assert_clear(proc, 20, "不是普通文件")
