"""Fees (DOMAIN §12) through the real ``huzhu`` command, from empty databases: what units owe
across a price change (R12.2: the price in force on each policy's start), payments with gapless
receipts and a void (R12.6), remittances (R12.4) and the refusals with their articles."""

from __future__ import annotations

import csv
import json

import pytest

from models import admin
from rules.idcard import id_check_char
from tests.cli_kit import as_, assert_no_traceback, huzhu, ok
from tests.conftest import CHEAP_KDF, PASSPHRASE

NOTICE = """
reference = "京互发〔2026〕1号"
title = "关于调整住院医疗收费标准的通知"
effective_from = 2026-01-01

[[plans]]
code = "ZYYL"
name = "住院医疗"
category = "medical"
share_price_fen = 6000
observation_days = 90
term_months = 12
materials = ["互助金申请书", "身份证复印件"]
app_eligible = false
"""


def run(*args, env):
    return assert_no_traceback(huzhu(*args, env=env))


def _idn(n: int) -> str:
    body = f"11010519800101{n:03d}"
    return body + id_check_char(body)


def enrolments(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"])
        w.writerows(rows)
    return path


#: U0001: 2 members, 3 + 2 shares in 2025 (sample price 50.00) and renewed for 2026 (notice: 60.00).
ROWS = [
    ["U0001", "第一单位工会", "ZYYL", "2025-01-01", "2025-12-31", "2024-12-20", "赵一", _idn(1), "3"],
    ["U0001", "第一单位工会", "ZYYL", "2025-01-01", "2025-12-31", "2024-12-20", "钱二", _idn(2), "2"],
    ["U0001", "第一单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "赵一", _idn(1), "3"],
    ["U0001", "第一单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "钱二", _idn(2), "2"],
    ["U0002", "第二单位工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "孙三", _idn(3), "1"],
]


def make_branch(tmp_path, *, notice: bool = True):
    """A branch as ``huzhu init`` makes it, the office's notice installed, the enrolments imported."""
    b = tmp_path / "branch.hzdb"
    admin.create_database(b, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF)
    o = tmp_path / "office.hzdb"
    admin.create_database(o, branch_name="北京办事处", user="chen", passphrase=PASSPHRASE, kdf=CHEAP_KDF, kind="office")
    env_b, env_o = as_(b, "zhang"), as_(o, "chen")
    ok(run("office", "keys", "export", "--out", tmp_path / "office.json", env=env_o))
    ok(run("keys", "trust-office", tmp_path / "office.json", "--yes", env=env_b))
    if notice:
        (tmp_path / "notice.toml").write_text(NOTICE, encoding="utf-8")
        ok(run("office", "params", "issue", tmp_path / "notice.toml", "--out", tmp_path / "n.hzp", env=env_o))
        ok(run("params", "install", tmp_path / "n.hzp", "--yes", env=env_b))
    ok(run("import", "enrolments", enrolments(tmp_path / "e.csv", ROWS), env=env_b))
    ok(run("user", "add", "li", "--role", "clerk", env={**env_b, "HUZHU_NEW_PASSPHRASE": "li的口令 long enough"}))
    return env_b, env_o


@pytest.fixture
def branch(tmp_path):
    return make_branch(tmp_path)[0]


def listed(env):
    return json.loads(ok(run("fee", "list", "--json", env=env)).stdout)


def test_balances_across_periods_use_the_price_in_force_on_each_start(branch):
    env = branch
    fees = listed(env)
    by = {(p["unit_code"], p["start"]): p for p in fees["policies"]}
    assert by[("U0001", "2025-01-01")]["price_fen"] == 5000 and by[("U0001", "2025-01-01")]["due_fen"] == 25000
    assert by[("U0001", "2026-01-01")]["price_fen"] == 6000 and by[("U0001", "2026-01-01")]["due_fen"] == 30000
    assert by[("U0002", "2026-01-01")]["due_fen"] == 6000
    assert {p["status"] for p in fees["policies"]} == {"overdue"}

    ok(
        run(
            "fee",
            "receive",
            "--unit",
            "U0001",
            "--plan",
            "ZYYL",
            "--period",
            "2025",
            "--amount",
            "250",
            "--on",
            "2025-02-10",
            "--receipt",
            "A0001",
            "--payer",
            "财务科",
            env=env,
        )
    )
    got = json.loads(
        ok(
            run(
                "fee",
                "receive",
                "--unit",
                "U0001",
                "--plan",
                "ZYYL",
                "--period",
                "2026-01",
                "--amount",
                "100.50",
                "--on",
                "2026-01-15",
                "--receipt",
                "A0002",
                "--json",
                env=env,
            )
        ).stdout
    )
    assert got["ok"] and got["due_fen"] == 30000 and got["paid_fen"] == 10050 and got["balance_fen"] == 19950
    # more than the balance: refused with its article, nothing written
    over = run(
        "fee",
        "receive",
        "--unit",
        "U0001",
        "--plan",
        "ZYYL",
        "--period",
        "2026",
        "--amount",
        "199.51",
        "--on",
        "2026-01-16",
        "--receipt",
        "A0003",
        "--json",
        env=env,
    )
    assert over.returncode == 3 and json.loads(over.stdout)["refused"][0]["code"] == "R12.3.over_balance"
    assert "000 第十五条4" in json.dumps(json.loads(over.stdout), ensure_ascii=False)
    for bad, code in ((["--period", "2024"], "R12.3.no_policy"), (["--period", "26"], "R12.3.bad_period")):
        args = ["--unit", "U0001", "--plan", "ZYYL", "--amount", "1", "--on", "2026-01-16", "--receipt", "A0003"]
        refused = run("fee", "receive", *args, *bad, "--json", env=env)
        assert refused.returncode == 3 and json.loads(refused.stdout)["refused"][0]["code"] == code
    badyuan = run(
        "fee",
        "receive",
        "--unit",
        "U0001",
        "--plan",
        "ZYYL",
        "--period",
        "2026",
        "--amount",
        "1.234",
        "--on",
        "2026-01-16",
        "--receipt",
        "A0003",
        env=env,
    )
    assert badyuan.returncode == 3 and "两位小数" in badyuan.stderr

    fees = listed(env)
    units = {u["unit_code"]: u for u in fees["units"]}
    assert units["U0001"]["due_fen"] == 55000 and units["U0001"]["paid_fen"] == 35050
    assert units["U0001"]["balance_fen"] == 19950 and units["U0001"]["overdue_fen"] == 19950
    by = {(p["unit_code"], p["start"]): p for p in fees["policies"]}
    assert by[("U0001", "2025-01-01")]["status"] == "paid" and by[("U0001", "2025-01-01")]["balance_fen"] == 0
    assert fees["totals"]["unremitted_fen"] == 35050


def receive(env, no, amount="10", period="2026", unit="U0001", on="2026-02-01"):
    return run(
        "fee",
        "receive",
        "--unit",
        unit,
        "--plan",
        "ZYYL",
        "--period",
        period,
        "--amount",
        amount,
        "--on",
        on,
        "--receipt",
        no,
        "--json",
        env=env,
    )


def test_receipts_run_without_gaps_and_a_spoilt_one_is_voided_not_deleted(branch):
    env = branch
    ok(receive(env, "A0001"))
    gap = receive(env, "A0003")
    assert gap.returncode == 3
    refusal = json.loads(gap.stdout)["refused"][0]
    assert refusal["code"] == "R12.6.gap" and refusal["citation"] == "001 fin.10" and "A0002" in refusal["message"]
    assert json.loads(receive(env, "A0001").stdout)["refused"][0]["code"] == "R12.6.used"
    # a spoilt blank (the next number) is voided by the supervisor; then the run continues after it
    clerk = {**env, "HUZHU_USER": "li", "HUZHU_PASSPHRASE": "li的口令 long enough"}
    assert run("fee", "void-receipt", "A0002", "--reason", "填错作废", env=clerk).returncode == 30
    ok(run("fee", "void-receipt", "A0002", "--reason", "打印错位，作废", env=env))
    ok(receive(clerk, "A0003"))
    # a used receipt voided: its payment stops counting, the number stays on the register
    ok(run("fee", "void-receipt", "A0001", "--reason", "金额写错，重开", env=env))
    again = run("fee", "void-receipt", "A0001", "--reason", "再次", "--json", env=env)
    assert again.returncode == 3 and json.loads(again.stdout)["refused"][0]["code"] == "R12.6.already_void"
    ok(receive(env, "A0004"))
    # a new book starts anywhere
    ok(receive(env, "B0100"))
    fees = listed(env)
    book = fees["receipts"]
    assert book["gaps"] == 0
    assert [(s["series"], s["first"], s["last"], s["issued"], s["voided"]) for s in book["series"]] == [
        ("A", "A0001", "A0004", 2, 2),
        ("B", "B0100", "B0100", 1, 0),
    ]
    assert [v["number"] for v in book["voided"]] == ["A0001", "A0002"]
    assert {v["reason"] for v in book["voided"]} == {"打印错位，作废", "金额写错，重开"}
    paid = {p["receipt_no"]: p for p in fees["payments"]}
    assert paid["A0001"]["voided_on"] and paid["A0001"]["unremitted_fen"] == 0
    u = {x["unit_code"]: x for x in fees["units"]}["U0001"]
    assert u["paid_fen"] == 3000  # A0003, A0004, B0100; not the voided A0001
    text = ok(run("fee", "list", env=env)).stdout
    assert "缺号 gaps: 无" in text and "打印错位" in text
    assert json.loads(ok(run("check", "--json", env=env)).stdout)["ok"]


def test_remittances_cover_named_collections_and_cannot_exceed_them(branch):
    env = branch
    ok(receive(env, "A0001", amount="100", on="2026-02-01"))
    ok(receive(env, "A0002", amount="50", on="2026-02-03"))
    ok(receive(env, "A0003", amount="60", unit="U0002", on="2026-02-04"))
    too_much = run(
        "fee",
        "remit",
        "--amount",
        "150.01",
        "--on",
        "2026-02-10",
        "--bank-ref",
        "BK1",
        "--covers",
        "A0001..A0002",
        "--json",
        env=env,
    )
    assert too_much.returncode == 3 and json.loads(too_much.stdout)["refused"][0]["code"] == "R12.4.exceeds_collected"
    done = json.loads(
        ok(
            run(
                "fee",
                "remit",
                "--amount",
                "150",
                "--on",
                "2026-02-10",
                "--bank-ref",
                "BK1",
                "--covers",
                "A0001..A0002",
                "--json",
                env=env,
            )
        ).stdout
    )
    assert done["covers"] == [{"receipt_no": "A0001", "amount_fen": 10000}, {"receipt_no": "A0002", "amount_fen": 5000}]
    dup = run("fee", "remit", "--amount", "1", "--on", "2026-02-10", "--bank-ref", "BK1", env=env)
    assert dup.returncode == 3 and "BK1" in dup.stderr
    # remitted money cannot be voided away
    refused = run("fee", "void-receipt", "A0001", "--reason", "试图作废", "--json", env=env)
    assert json.loads(refused.stdout)["refused"][0]["code"] == "R12.6.remitted"
    partial = ok(
        run(
            "fee",
            "remit",
            "--amount",
            "20",
            "--on",
            "2026-02-11",
            "--bank-ref",
            "BK2",
            "--covers",
            "U0002/ZYYL/2026",
            env=env,
        )
    )
    assert "R12.4.partial" in partial.stderr
    fees = listed(env)
    assert fees["totals"]["remitted_fen"] == 17000 and fees["totals"]["unremitted_fen"] == 4000
    held = {p["receipt_no"]: p for p in fees["payments"]}["A0003"]
    assert held["remit_status"] == "overdue" and "不得截留" in held["remit_message"]
    assert [r["bank_ref"] for r in fees["remittances"]] == ["BK1", "BK2"]
    assert json.loads(ok(run("check", "--json", env=env)).stdout)["ok"]
