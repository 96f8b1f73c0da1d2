"""Members on the command line, from an empty ``huzhu init`` database: show, edit, transfer,
import accounts, and the enrolment import that no longer moves a member silently (R1.9, R3.7)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from models import db as dbmod
from models.db import database
from rules.idcard import id_check_char
from tests.cli_kit import as_, huzhu
from tests.conftest import TODAY

PASS = "口令 pass 1 足够长"
CLERK_PASS = "li pass 足够长的口令"
COLUMNS = [
    "单位编码",
    "单位名称",
    "险种代码",
    "生效日期",
    "终止日期",
    "办理日期",
    "姓名",
    "身份证号",
    "份数",
    "退休日期",
    "手机号",
    "开户行",
    "银行账号",
]


def idn(body: str) -> str:
    return body + id_check_char(body)


ZHANG = idn("11010519800101001")  # 张三, U1, enrolled with an account
LI = idn("11010519810101002")  # 李四, U1, no account
WANG = idn("11010519820101003")  # 王五, U2
ZHAO = idn("11010519830101004")  # 赵六, U1: moved by an import (refused, then a supervisor's override)
SUN = idn("11010519840101005")  # 孙七, U1: transferred by command
ZHOU = idn("11010519850101006")  # 周八, U1: accounts import
ACCOUNT = "6222020200112233445"


def run(*args, user="zhang", db=None, passphrase=None):
    return huzhu(*args, env=as_(db, user, passphrase or (CLERK_PASS if user == "li" else PASS)))


def row(unit, name, number, *, unit_name=None, filed="2025-12-20", phone="", bank="", account=""):
    names = {"U1": "甲工会", "U2": "乙工会"}
    return [
        unit,
        unit_name or names[unit],
        "ZYYL",
        "2026-01-01",
        "2026-12-31",
        filed,
        name,
        number,
        "1",
        "",
        phone,
        bank,
        account,
    ]


def write_csv(path, rows, columns=COLUMNS, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)
    return path


def ok(proc):
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def refused(proc, code, *texts):
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    for text in texts:
        assert text in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("members")
    path = d / "b.hzdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui",
            "init",
            "--db",
            str(path),
            "--branch-code",
            "004",
            "--branch-name",
            "朝阳",
            "--user",
            "zhang",
        ],
        capture_output=True,
        text=True,
        env={**env, "HUZHU_PASSPHRASE": PASS},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "user", "add", "li", "--role", "clerk", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "HUZHU_PASSPHRASE": PASS, "HUZHU_USER": "zhang", "HUZHU_NEW_PASSPHRASE": CLERK_PASS},
    )
    assert proc.returncode == 0, proc.stderr
    rows = [
        row("U1", "张三", ZHANG, phone="13800138000", bank="中国工商银行朝阳支行", account=ACCOUNT),
        row("U1", "李四", LI),
        row("U2", "王五", WANG),
        row("U1", "赵六", ZHAO),
        row("U1", "孙七", SUN),
        row("U1", "周八", ZHOU),
    ]
    ok(run("import", "enrolments", write_csv(d / "first.csv", rows, encoding="gbk"), db=path))
    return path


def query(path, sql, params=()):
    dbmod.unlock(path, "zhang", PASS)
    try:
        return database.execute_sql(sql, params).fetchall()
    finally:
        dbmod.close()


def member_id(path, number):
    return query(path, "SELECT id FROM member WHERE id_number = ?", (number,))[0][0]


def test_show_json_masks_and_gives_the_enrolment_history(db):
    proc = ok(run("member", "show", ZHANG[-4:], "--json", db=db))
    assert ZHANG not in proc.stdout and ACCOUNT not in proc.stdout
    record = json.loads(proc.stdout)["members"][0]
    assert record["id"] == ZHANG[:6] + "*" * 8 + ZHANG[-4:]
    assert record["unit"] == {"code": "U1", "name": "甲工会"}
    assert record["bank_account"].endswith("3445") and record["bank_account"].count("*") == len(ACCOUNT) - 4
    assert record["phone"] == "13800138000" and record["bank_name"] == "中国工商银行朝阳支行"
    by_field = {h["field"]: h for h in record["history"]}
    assert by_field["bank_account"]["old"] is None and by_field["bank_account"]["source"] == "enrolment"
    assert by_field["bank_account"]["by"] == "zhang" and "first.csv" in by_field["bank_account"]["reason"]


def test_show_text_and_not_found(db):
    proc = ok(run("member", "show", "李四", db=db))
    assert "银行账户：未登记" in proc.stdout and LI not in proc.stdout
    refused(run("member", "show", "无此人", db=db), 1, "没有找到")


def test_edit_sets_an_account_with_history_and_masked_audit(db):
    proc = ok(
        run(
            "member",
            "edit",
            LI,
            "--bank-name",
            "中国银行",
            "--bank-account",
            "6216 6101 0000 1234 567",
            "--json",
            user="li",
            db=db,
        )
    )
    out = json.loads(proc.stdout)
    assert out["written"] and out["reason"] == "首次登记"
    assert {c["field"] for c in out["changes"]} == {"bank_name", "bank_account"}
    assert "6216610100001234567" not in proc.stdout + proc.stderr
    proc = ok(
        run(
            "member",
            "edit",
            LI,
            "--bank-account",
            "6216610100009999888",
            "--reason",
            "会员书面申请换卡",
            user="li",
            db=db,
        )
    )
    assert "6216610100009999888" not in proc.stdout + proc.stderr and "9888" in proc.stdout
    mid = member_id(db, LI)
    history = query(
        db,
        "SELECT field, old_value, new_value, source, reason, by_user FROM member_change "
        "WHERE member_id = ? AND field = 'bank_account' ORDER BY id",
        (mid,),
    )
    assert history == [
        ("bank_account", None, "6216610100001234567", "member_edit", "首次登记", "li"),
        ("bank_account", "6216610100001234567", "6216610100009999888", "member_edit", "会员书面申请换卡", "li"),
    ]
    assert query(db, "SELECT bank_name, bank_account FROM member WHERE id = ?", (mid,)) == [
        ("中国银行", "6216610100009999888")
    ]
    audit = query(db, "SELECT detail FROM audit_event WHERE action = 'member.edit' AND entity_id = ?", (str(mid),))
    assert len(audit) == 2
    assert all("6216610100001234567" not in d and "6216610100009999888" not in d for (d,) in audit)
    last = json.loads(audit[-1][0])
    assert last["reason"] == "会员书面申请换卡"
    assert last["changes"] == [{"field": "bank_account", "old": "*" * 15 + "4567", "new": "*" * 15 + "9888"}]
    # the whole audit log never holds a full account
    everything = " ".join(d for (d,) in query(db, "SELECT detail FROM audit_event"))
    assert ACCOUNT not in everything and "6216610100009999888" not in everything


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["--bank-account", "62220202001X", "--reason", "x"], "R3.7.account.not_digits", "只能由数字组成"),
        (["--bank-account", "12345678901", "--reason", "x"], "R3.7.account.length", "现为 11 位"),
        (["--bank-account", "1" * 31, "--reason", "x"], "R3.7.account.length", "现为 31 位"),
        (
            ["--bank-account", "622202020011223344", "--holder", "王五", "--reason", "x"],
            "R3.7.holder.not_member",
            "王五",
        ),
        (["--bank-account", "622202020011223344"], "R9.3.reason.missing", "原因"),
        (["--phone", "1380013"], "member.phone.format", "11 位"),
        (
            ["--retirement-date", (TODAY + dt.timedelta(days=40)).isoformat()],
            "R1.1.retirement.future",
            "晚于今天",
        ),
    ],
)
def test_bad_edits_are_refused_and_write_nothing(db, args, code, text):
    before = query(db, "SELECT count(*) FROM member_change")[0][0]
    audit_before = query(db, "SELECT count(*) FROM audit_event")[0][0]
    proc = run("member", "edit", ZHANG, *args, db=db)
    refused(proc, 3, text, code)
    assert "错误" in proc.stderr and "error:" in proc.stderr  # Chinese, then English
    assert ACCOUNT not in proc.stderr and "1" * 31 not in proc.stderr
    assert query(db, "SELECT count(*) FROM member_change")[0][0] == before
    assert query(db, "SELECT count(*) FROM audit_event")[0][0] == audit_before
    assert query(db, "SELECT bank_account FROM member WHERE id_number = ?", (ZHANG,)) == [(ACCOUNT,)]


def test_edit_unknown_member_and_bad_id(db):
    refused(run("member", "edit", idn("11010519900101009"), "--phone", "13900000000", db=db), 3, "没有身份证号为")
    refused(run("member", "edit", "110105199001010090", "--phone", "13900000000", db=db), 3, "校验码")
    refused(run("member", "edit", ZHANG, db=db), 2, "没有要修改的内容")


def test_transfer_records_from_to_date_reason_clerk(db):
    proc = ok(
        run(
            "member",
            "transfer",
            SUN,
            "--to-unit",
            "U2",
            "--on",
            "2026-03-01",
            "--reason",
            "调至乙单位工作",
            "--json",
            user="li",
            db=db,
        )
    )
    out = json.loads(proc.stdout)
    assert (out["from_unit"], out["to_unit"], out["on"]) == ("U1", "U2", "2026-03-01")
    mid = member_id(db, SUN)
    assert query(
        db,
        "SELECT f.code, t.code, x.on_date, x.reason, x.source, x.by_user FROM member_transfer x "
        "JOIN unit f ON f.id = x.from_unit_id JOIN unit t ON t.id = x.to_unit_id WHERE member_id = ?",
        (mid,),
    ) == [("U1", "U2", "2026-03-01", "调至乙单位工作", "transfer", "li")]
    assert query(db, "SELECT u.code FROM member m JOIN unit u ON u.id = m.unit_id WHERE m.id = ?", (mid,)) == [("U2",)]
    shown = json.loads(ok(run("member", "show", SUN, "--json", db=db)).stdout)["members"][0]
    assert shown["transfers"][0]["reason"] == "调至乙单位工作" and shown["unit"]["code"] == "U2"
    refused(
        run("member", "transfer", SUN, "--to-unit", "U2", "--on", "2026-03-02", "--reason", "x", db=db),
        3,
        "R1.9.transfer.same_unit",
    )
    refused(
        run("member", "transfer", SUN, "--to-unit", "U1", "--on", "2026-02-01", "--reason", "x", db=db),
        3,
        "R1.9.transfer.before_last",
    )
    refused(
        run("member", "transfer", SUN, "--to-unit", "U9", "--on", "2026-04-01", "--reason", "x", db=db), 3, "U9 不存在"
    )
    refused(
        run("member", "transfer", SUN, "--to-unit", "U1", "--on", "2026-04-01", "--reason", " ", db=db),
        3,
        "R9.3.reason.missing",
    )
    # the transferred member's next enrolment row under U2 is no move: it imports
    ok(
        run(
            "import",
            "enrolments",
            write_csv(db.parent / "sun.csv", [row("U2", "孙七", SUN, filed="2026-03-05")]),
            "--dry-run",
            db=db,
        )
    )


def test_import_that_moves_a_member_is_refused_then_accepted_by_a_supervisor(db, tmp_path):
    moved = write_csv(
        tmp_path / "moved.csv",
        [row("U2", "赵六", ZHAO, filed="2026-02-01"), row("U2", "王五", WANG, filed="2026-02-01")],
    )
    proc = run("import", "enrolments", moved, "--json", db=db)
    refused(proc, 3)
    errors = json.loads(proc.stdout)["errors"]
    assert errors == [{"line": 2, "column": "单位编码", "code": "R1.9.unit_change", "reason": errors[0]["reason"]}]
    assert "member transfer" in errors[0]["reason"] and "U1" in errors[0]["reason"]
    assert query(db, "SELECT u.code FROM member m JOIN unit u ON u.id = m.unit_id WHERE m.id_number = ?", (ZHAO,)) == [
        ("U1",)
    ]
    # a clerk may not override
    refused(run("import", "enrolments", moved, "--override-reason", "单位调整", user="li", db=db), 30, "负责人")
    proc = ok(run("import", "enrolments", moved, "--override-reason", "赵六调入乙单位（人事处函）", "--json", db=db))
    out = json.loads(proc.stdout)
    assert out["new"]["transfers"] == 1 and out["transfers"][0]["to_unit"] == "U2"
    assert ZHAO not in proc.stdout
    mid = member_id(db, ZHAO)
    assert query(
        db,
        "SELECT f.code, t.code, x.on_date, x.source, x.by_user, x.reason FROM member_transfer x "
        "JOIN unit f ON f.id = x.from_unit_id JOIN unit t ON t.id = x.to_unit_id WHERE member_id = ?",
        (mid,),
    ) == [("U1", "U2", "2026-02-01", "enrolment_transfer", "zhang", "参保名单第 2 行：赵六调入乙单位（人事处函）")]
    assert query(db, "SELECT u.code FROM member m JOIN unit u ON u.id = m.unit_id WHERE m.id = ?", (mid,)) == [("U2",)]
    detail = json.loads(
        query(db, "SELECT detail FROM audit_event WHERE action = 'import.enrolments' ORDER BY seq DESC LIMIT 1")[0][0]
    )
    assert detail["override"]["reason"] == "赵六调入乙单位（人事处函）" and detail["transfers"][0]["from_unit"] == "U1"


def test_enrolment_account_columns_are_checked(db, tmp_path):
    bad = write_csv(
        tmp_path / "bad.csv",
        [row("U1", "张三", ZHANG, bank="工行", account="12345"), row("U1", "李四", LI, account="622202020011223344")],
    )
    proc = run("import", "enrolments", bad, "--json", db=db)
    refused(proc, 3)
    errors = {(e["line"], e["column"], e["code"]) for e in json.loads(proc.stdout)["errors"]}
    assert errors == {(2, "银行账号", "R3.7.account.length"), (3, "开户行", "R3.7.bank_name.missing")}
    assert "12345" not in proc.stdout.replace(ZHANG, "")


def test_import_accounts_all_or_nothing(db, tmp_path):
    cols = ["身份证号", "姓名", "开户行", "银行账号"]
    bad = write_csv(
        tmp_path / "acc_bad.csv",
        [
            [ZHOU, "周八", "农业银行", "6228480000001111222"],
            [WANG, "张三", "农业银行", "6228480000003333444"],  # not WANG's name
            [idn("11010519900101009"), "某人", "农业银行", "6228480000005555666"],  # no such member
            [LI, "李四", "", "6228480000007777888"],
            [ZHAO, "赵六", "农业银行", "62284800000077X"],
            [ZHOU, "周八", "农业银行", "6228480000001111222"],  # the same member twice
        ],
        columns=cols,
    )
    proc = run("import", "accounts", bad, "--json", db=db)
    refused(proc, 3, "未写入任何数据")
    out = json.loads(proc.stdout)
    assert not out["written"]
    assert {(e["line"], e["column"]) for e in out["errors"]} == {
        (3, "姓名"),
        (4, "身份证号"),
        (5, "开户行"),
        (6, "银行账号"),
        (7, "身份证号"),
    }
    assert "R3.7.holder.not_member" in {e["code"] for e in out["errors"]}
    assert query(db, "SELECT bank_account FROM member WHERE id_number = ?", (ZHOU,)) == [(None,)]

    good = write_csv(
        tmp_path / "acc.csv",
        [[ZHOU, "周八", "农业银行", "6228 4800 0000 1111 222"], [ZHANG, "张三", "中国工商银行朝阳支行", ACCOUNT]],
        columns=cols,
        encoding="gbk",
    )
    proc = ok(run("import", "accounts", good, "--dry-run", "--json", db=db))
    assert json.loads(proc.stdout) | {"errors": []} == json.loads(proc.stdout)
    assert json.loads(proc.stdout)["changed"] == 1 and not json.loads(proc.stdout)["written"]
    assert query(db, "SELECT bank_account FROM member WHERE id_number = ?", (ZHOU,)) == [(None,)]
    proc = ok(run("import", "accounts", good, "--json", db=db))
    out = json.loads(proc.stdout)
    assert (out["changed"], out["unchanged"], out["written"]) == (1, 1, True)
    mid = member_id(db, ZHOU)
    assert query(db, "SELECT bank_name, bank_account FROM member WHERE id = ?", (mid,)) == [
        ("农业银行", "6228480000001111222")
    ]
    assert query(
        db, "SELECT field, source, batch_id IS NOT NULL FROM member_change WHERE member_id = ? ORDER BY field", (mid,)
    ) == [("bank_account", "accounts_import", 1), ("bank_name", "accounts_import", 1)]
    detail = query(db, "SELECT detail FROM audit_event WHERE action = 'import.accounts'")
    assert len(detail) == 1 and "6228480000001111222" not in detail[0][0] and "1222" in detail[0][0]
    # again: nothing changes
    proc = ok(run("import", "accounts", good, db=db))
    assert "未作任何更改" in proc.stderr


def test_template_accounts(db, tmp_path):
    ok(run("template", "accounts", "--out", tmp_path / "a.csv", db=db))
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()[0] == "身份证号,姓名,开户行,银行账号"
    ok(run("template", "enrolments", "--out", tmp_path / "e.csv", db=db))
    assert (tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()[0].endswith("开户行,银行账号")
