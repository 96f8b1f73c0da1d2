"""A new branch's first year, run only through the ``huzhu`` command in subprocesses.

Nothing here comes from ``models.demo`` or is written to a database by the test: every value
gets in the way a branch's clerk and the office's staff put it in (commands and import
files). The year is 2026; the subprocesses see the day each step happens through the test
harness in ``clockshim/`` (as libfaketime would), so that a claim reported in March is
reported in March, and every date rule applies as it would on that day.

The office's business-system figures (the ledger each month is reconciled against) are
computed here, independently of the program, from the members, shares, prices and claims
this test itself entered: "no difference" then means the program's figures are right, not
merely equal to themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import OFFICE_BACKENDS

HERE = Path(__file__).resolve().parent
PASS = "一个足够长的口令 first-year 2026"
OFFICE_PASS = "办事处的另一个长口令 office 2026"
LI_PASS = "李主任自己的长口令 li 2026"
WANG_PASS = "王经办自己的长口令 wang 2026"

#: The plans of the office's parameter notice (price in yuan per share, observation days).
PLANS = {
    "ZYYL": dict(name="住院医疗互助保障", category="medical", price=50, observation_days=90, term_months=12),
    "ZJB": dict(name="重大疾病互助保障", category="critical_illness", price=100, observation_days=180, term_months=12),
    "YWSH": dict(name="意外伤害互助保障", category="accident", price=20, observation_days=0, term_months=12),
}
#: Units and the plans they hold.
UNITS = {
    "U01": ("北京市朝阳区甲机械厂工会", ("ZYYL", "ZJB")),
    "U02": ("北京市朝阳区乙街道工会", ("ZYYL",)),
    "U03": ("北京市朝阳区丙物流公司工会", ("YWSH", "ZYYL")),
}
FIRST_YEAR = 2019
YEAR = 2026


def check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2, written here independently of rules.idcard."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def id_number(i: int) -> str:
    born = dt.date(1966, 1, 1) + dt.timedelta(days=37 * i)
    body = f"110105{born:%Y%m%d}{i % 1000:03d}"
    return body + check_digit(body)


@dataclass
class Member:
    idn: str
    name: str
    unit: str
    since: int  # first policy year
    shares: dict[str, int]
    retire: dt.date | None = None
    phone: str = ""
    account: str = ""
    added: dict[str, tuple[dt.date, int]] = field(default_factory=dict)  # plan → (filed, new total) in YEAR


def make_members(n: int = 300) -> list[Member]:
    rnd = random.Random(2026)
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志"
    out = []
    for i in range(n):
        unit = list(UNITS)[i % 3]
        name = rnd.choice(surnames) + rnd.choice(given) + (rnd.choice(given) if i % 2 else "")
        since = FIRST_YEAR if i % 10 else 2024  # one in ten joined at the 2024 renewal
        out.append(
            Member(
                id_number(i),
                name,
                unit,
                since,
                {p: 1 + (i % 2) for p in UNITS[unit][1]},
                phone=f"139{i:08d}",
                account=f"62220200{i:010d}",
            )
        )
    return out


def notice_toml() -> str:
    plans = "".join(
        f"""
[[plans]]
code = "{code}"
name = "{p["name"]}"
category = "{p["category"]}"
share_price_fen = {p["price"] * 100}
observation_days = {p["observation_days"]}
term_months = {p["term_months"]}
materials = ["互助金申请书", "身份证复印件", "诊断证明"]
app_eligible = {"true" if p["category"] == "medical" else "false"}
"""
        for code, p in PLANS.items()
    )
    return f"""reference = "京互发〔2017〕1号"
title = "关于各保障计划参数的通知"
effective_from = 2017-01-01
{plans}"""


def policy_dates(year: int) -> tuple[dt.date, dt.date, dt.date]:
    """start, end, filed (five days before the expiry of the previous policy: inside the window)."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31), dt.date(year - 1, 12, 27)


def enrolment_csv(members: list[Member], path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
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
        ]
    )
    for year in range(FIRST_YEAR, YEAR + 1):
        start, end, filed = policy_dates(year)
        for m in members:
            if m.since > year:
                continue
            for plan, shares in m.shares.items():
                w.writerow(
                    [m.unit, UNITS[m.unit][0], plan, start, end, filed, m.name, m.idn, shares, m.retire or "", m.phone]
                )
    path.write_bytes(buf.getvalue().encode("gbk"))


@dataclass
class Settled:
    unit: str
    plan: str
    on: dt.date
    benefit_fen: int


def ledger(members: list[Member], settled: list[Settled], month: int) -> list[dict]:
    """The office's figures for YEAR-month per unit × plan, computed from what this test entered."""
    end = dt.date(YEAR, month, 28)
    while (end + dt.timedelta(days=1)).month == month:
        end += dt.timedelta(days=1)
    rows: dict[tuple[str, str], dict] = {}
    for m in members:
        for plan, shares in m.shares.items():
            held = shares
            if plan in m.added and m.added[plan][0] <= end:
                held = m.added[plan][1]
            r = rows.setdefault(
                (m.unit, plan), dict(members=0, shares=0, fees_due_fen=0, claims_settled=0, benefit_fen=0)
            )
            r["members"] += 1
            r["shares"] += held
            r["fees_due_fen"] += held * PLANS[plan]["price"] * 100
    for s in settled:
        if s.on.year == YEAR and s.on.month == month:
            r = rows[(s.unit, s.plan)]
            r["claims_settled"] += 1
            r["benefit_fen"] += s.benefit_fen
    return [{"unit": u, "plan": p, **v} for (u, p), v in sorted(rows.items())]


def ledger_csv(rows: list[dict], path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        ["代办处编码", "单位编码", "险种代码", "参保人数", "份数", "应缴会费（元）", "给付件数", "给付金额（元）"]
    )
    for r in rows:
        w.writerow(
            [
                "004",
                r["unit"],
                r["plan"],
                r["members"],
                r["shares"],
                f"{r['fees_due_fen'] / 100:.2f}",
                r["claims_settled"],
                f"{r['benefit_fen'] / 100:.2f}",
            ]
        )
    path.write_text(buf.getvalue(), encoding="utf-8")


#: The claims' ids, as the register gives them back (filled as the year goes).
CLAIMS: dict[str, int] = {}


def claims_of_the_year(members: list[Member], settled: list[Settled]) -> dict[int, list]:
    """Month → [(day, step)]: every step a clerk takes, on its day. Settlements also go into
    ``settled`` for the office's ledger."""
    zyyl = next(m for m in members if m.unit == "U01" and m.since == FIRST_YEAR)
    u02 = next(m for m in members if m.unit == "U02" and m.since == FIRST_YEAR)
    u03 = next(m for m in members if m.unit == "U03" and m.since == FIRST_YEAR)
    zjb = [m for m in members if m.unit == "U01" and m.since == FIRST_YEAR][1]

    def register(key, m, plan, diagnosis, incident, kind="illness", shares=1):
        def step(h):
            out = h.json(
                "claim",
                "register",
                "--id-number",
                m.idn,
                "--plan",
                plan,
                "--diagnosis",
                diagnosis,
                "--incident-date",
                incident,
                "--shares",
                shares,
                "--reporter",
                "单位工会干事",
                "--kind",
                kind,
                "--material",
                "互助金申请书",
                "--material",
                "身份证复印件",
                "--material",
                "诊断证明",
            )
            assert out["recorded"] and out["state"] == "registered", out
            CLAIMS[key] = out["claim_id"]

        return step

    def act(key, *args):
        def step(h):
            out = h.json("claim", args[0], CLAIMS[key], *args[1:])
            assert out["ok"], out

        return step

    def settle(key, m, plan, yuan):
        def step(h):
            act(key, "settle", "--amount", yuan)(h)
            settled.append(Settled(m.unit, plan, h.today, yuan * 100))

        return step

    def correct(h):
        out = h.json("claim", "correct", CLAIMS["typo"], "--diagnosis", "急性阑尾炎", "--reason", "登记时主要诊断录错")
        assert out["changed"] == ["diagnosis"], out

    return {
        2: [(5, register("typo", zyyl, "ZYYL", "急性兰尾炎", "2026-02-03")), (6, correct), (10, act("typo", "submit"))],
        3: [(20, settle("typo", zyyl, "ZYYL", 1500))],
        4: [
            (8, register("returned", u02, "ZYYL", "肺炎", "2026-04-01")),
            (12, act("returned", "submit")),
            (20, act("returned", "return", "--reason", "缺出院小结")),
            (25, act("returned", "resubmit")),
        ],
        5: [(18, settle("returned", u02, "ZYYL", 880))],
        8: [
            (5, register("declined", u03, "YWSH", "右腕骨折", "2026-08-02", kind="accident")),
            (7, act("declined", "submit")),
            (30, act("declined", "decline", "--reason", "非保障期内意外（经办事处审核）")),
        ],
        10: [(12, register("zjb", zjb, "ZJB", "恶性肿瘤", "2026-10-01")), (15, act("zjb", "submit"))],
        11: [
            (20, settle("zjb", zjb, "ZJB", 10000)),
            (25, act("zjb", "direct-pay-failed", "--step", "notice", "--note", "收款账户已销户")),
            (26, act("zjb", "direct-pay-failed", "--step", "corrected", "--account", "6222020000123456789")),
            (28, act("zjb", "direct-pay-failed", "--step", "transferred")),
        ],
        12: [
            (1, act("zjb", "direct-pay-failed", "--step", "handed_down")),
            (3, act("zjb", "direct-pay-failed", "--step", "signed")),
        ],
    }


def aids_of_the_year(members: list[Member]) -> dict[int, list]:
    """Month → [(day, step)]: a disbursement of every 003 kind, entered by the clerk, approved by a
    supervisor (R3.5), paid and signed; one wrong entry voided."""
    pick = [m for m in members if m.since == FIRST_YEAR]
    ids: dict[str, int] = {}

    def enter(key, category, *args):
        def step(h):
            out = h.json("disbursement", "enter", "--category", category, *args, user="wang", passphrase=WANG_PASS)
            assert out["ok"], out
            ids[key] = out["disbursement_id"]

        return step

    def approve(key):
        return lambda h: h.json("disbursement", "approve", ids[key])

    def pay(key, *args):
        return lambda h: h.json("disbursement", "pay", ids[key], *args)

    def sign(key):
        return lambda h: h.json("disbursement", "sign", ids[key], "--receipt-no", f"QS{YEAR}-{ids[key]:03d}")

    def void(key):
        return lambda h: h.json("disbursement", "void", ids[key], "--reason", "金额录错")

    def full(month, key, category, *args, transfer=True):
        paid = pay(key, "--transfer-ref", f"ZZ{YEAR}{month:02d}{len(key):02d}") if transfer else pay(key)
        return [(10, enter(key, category, *args)), (11, approve(key)), (12, paid), (15, sign(key))]

    weather = [x for m in pick[10:20] for x in ("--recipient", f"{m.idn}:90")]
    winners = [x for m in pick[20:25] for x in ("--winner", f"{m.idn}:200")]
    return {
        3: full(
            3,
            "hardship",
            "hardship_aid",
            "--id-number",
            pick[0].idn,
            "--amount",
            3000,
            "--cause",
            "重大疾病",
            "--note",
            "会员患重病，家庭困难",
        ),
        4: [
            (
                9,
                enter(
                    "typo",
                    "hardship_aid",
                    "--id-number",
                    pick[1].idn,
                    "--amount",
                    4500,
                    "--cause",
                    "意外事故",
                    "--note",
                    "录入错误的一笔",
                ),
            ),
            (16, void("typo")),
        ],
        5: full(
            5,
            "education",
            "education_aid",
            "--id-number",
            pick[2].idn,
            "--amount",
            4000,
            "--beneficiary",
            "王小明",
            "--cause",
            "重大疾病",
            "--note",
            "子女考入大学，父亲重病",
        ),
        6: full(
            6,
            "goods",
            "small_goods",
            "--id-number",
            pick[3].idn,
            "--amount",
            300,
            "--note",
            "住院慰问水果",
            transfer=False,
        ),
        7: full(7, "weather", "weather_goods", *weather, "--note", "夏季防暑降温用品", transfer=False),
        9: full(
            9,
            "condolence",
            "condolence_cash",
            "--id-number",
            pick[4].idn,
            "--amount",
            1000,
            "--cause",
            "重大疾病",
            "--note",
            "住院慰问金",
        ),
        10: full(
            10,
            "subsidy",
            "fee_subsidy",
            "--id-number",
            pick[5].idn,
            "--amount",
            50,
            "--scheme-ref",
            "管委会纪要〔2026〕1号 会费补助方案",
            "--note",
            "困难会员会费补助",
        ),
        11: full(
            11,
            "activity",
            "activity_prize",
            "--participants",
            30,
            *winners,
            "--note",
            "职工健康知识竞赛",
            transfer=False,
        ),
    }


class Huzhu:
    """``huzhu`` in a subprocess, as a clerk at a terminal would run it on a given day."""

    def __init__(self, root: Path, office: str | None = None):
        self.root = root
        self.branch = root / "branch" / "004.hzdb"
        # The office's database: a file, or a PostgreSQL URL (the year runs on both backends).
        self.office: Path | str = office or root / "office" / "office.hzdb"
        self.branch.parent.mkdir()
        (root / "office").mkdir()
        self.today = dt.date(2025, 12, 1)
        self.log: list[str] = []

    def run(
        self,
        *args,
        db: Path | str | None = None,
        user: str = "zhang",
        passphrase: str = PASS,
        ok: bool = True,
        code: int | None = None,
        env: dict | None = None,
    ) -> subprocess.CompletedProcess:
        e = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
        e.update(
            HUZHU_DB=str(db or self.branch),
            HUZHU_USER=user,
            HUZHU_PASSPHRASE=passphrase,
            HUZHU_TEST_TODAY=self.today.isoformat(),
            PYTHONPATH=os.pathsep.join([str(HERE / "clockshim"), e.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        e.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "tui", *map(str, args)],
            capture_output=True,
            text=True,
            env=e,
            timeout=300,
            cwd=self.root,
        )
        self.log.append(f"{self.today} huzhu {' '.join(map(str, args))} → {proc.returncode}")
        assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr, proc.stderr
        if code is not None:
            assert proc.returncode == code, f"{args}: {proc.returncode}\n{proc.stderr}"
        elif ok:
            assert proc.returncode == 0, f"{args}: {proc.returncode}\n{proc.stderr}"
        return proc

    def json(self, *args, **kw):
        return json.loads(self.run(*args, "--json", **kw).stdout)

    def office_run(self, *args, **kw):
        return self.run(*args, db=self.office, user="chen", passphrase=OFFICE_PASS, **kw)

    def office_json(self, *args, **kw):
        return json.loads(self.office_run(*args, "--json", **kw).stdout)


# The office on PostgreSQL runs the same year from test_first_year_postgres.py: a file of its own, so
# that xdist (--dist loadfile) runs the two years side by side instead of one after the other.
@pytest.mark.parametrize("office_backend", [b for b in OFFICE_BACKENDS if b == "sqlite"])
def test_first_year_of_a_new_branch(tmp_path, request, office_backend):
    h = Huzhu(tmp_path, request.getfixturevalue("pg_url") if office_backend == "postgresql" else None)
    members = make_members()
    settled: list[Settled] = []

    # --- day one: the branch, the office, the keys ----------------------------------------------------
    h.run("init", "--db", h.branch, "--branch-code", "004", "--branch-name", "朝阳", "--user", "zhang")
    h.office_run("office", "init", "--db", h.office, "--user", "chen")
    h.run("keys", "export", "--out", tmp_path / "004.hzreg")
    h.office_run("office", "enroll", tmp_path / "004.hzreg", "--yes")
    h.office_run("office", "keys", "export", "--out", tmp_path / "office.hzkeys")
    h.run("keys", "trust-office", tmp_path / "office.hzkeys", "--yes")

    # --- the office's plan parameters, signed, installed at the branch (R12.1; from 2017-01-01, R1.10)
    notice = tmp_path / "plans.toml"
    notice.write_text(notice_toml(), encoding="utf-8")
    issued = h.office_json("office", "params", "issue", notice, "--out", tmp_path / "plans.hzp")
    installed = h.json("params", "install", tmp_path / "plans.hzp", "--yes")
    assert installed["outcome"] == "installed" and installed["reference"] == issued["reference"]
    shown = h.json("rules", "show", "--on", "2019-06-01")
    assert shown["notice"]["reference"] == "京互发〔2017〕1号" and not shown["sample"]

    # --- the branch's staff: a second supervisor (R3.5) and a clerk; their business-system accounts
    h.run("user", "add", "li", "--role", "supervisor", env={"HUZHU_NEW_PASSPHRASE": LI_PASS})
    h.run("user", "add", "wang", "--role", "clerk", env={"HUZHU_NEW_PASSPHRASE": WANG_PASS})
    h.run("staff", "add", "王经办", "--username", "wang01", "--phone", "13900000001", "--created-on", "2020-03-01")
    h.run("staff", "add", "李经办", "--username", "li01", "--phone", "13900000002", "--created-on", "2021-05-01")
    logins = tmp_path / "logins.csv"
    logins.write_text(
        "用户名,登录日期\n" + "".join(f"{u},2025-{m:02d}-15\n" for u in ("wang01", "li01") for m in (6, 9, 11)),
        encoding="utf-8",
    )
    assert h.json("import", "logins", logins)["ok"]

    # --- members with their history since 2019, from the business system's export (GBK) ---------------
    h.today = dt.date(2025, 12, 29)
    enrolment_csv(members, tmp_path / "members.csv")
    result = h.json("import", "enrolments", tmp_path / "members.csv")
    assert result["ok"], result

    # their own bank accounts (R3.7), from the members' written list
    accounts = tmp_path / "accounts.csv"
    accounts.write_bytes(
        (
            "身份证号,姓名,开户行,银行账号\r\n"
            + "".join(f"{m.idn},{m.name},中国工商银行北京朝阳支行,{m.account}\r\n" for m in members)
        ).encode("gbk")
    )
    assert h.json("import", "accounts", accounts)["ok"]
    shown = h.json("member", "show", members[0].idn)
    assert members[0].account not in json.dumps(shown, ensure_ascii=False)  # masked: last 4 digits only
    h.run("member", "edit", members[0].idn, "--phone", "13911112222", "--reason", "会员本人来电更新")

    # --- the 2026 budget: drafted by the clerk, approved by the committee (R11.1) ----------------------
    h.today = dt.date(2026, 1, 5)
    for line, amount in (
        ("hardship_aid", 20000),
        ("education_aid", 10000),
        ("small_goods", 5000),
        ("weather_goods", 10000),
        ("condolence_cash", 10000),
        ("fee_subsidy", 3000),
        ("activity_prize", 5000),
        ("running_costs", 30000),
    ):
        h.run("budget", "add", "--year", YEAR, "--line", line, "--amount", amount, user="wang", passphrase=WANG_PASS)
    h.today = dt.date(2026, 1, 10)
    h.run(
        "worklog",
        "add",
        "--kind",
        "meeting",
        "--date",
        "2026-01-10",
        "--title",
        "管委会第一季度会议：审议2026年预算",
        "--with",
        "张主任、李副主任、刘委员",
    )
    h.run("budget", "approve", "--year", YEAR, "--meeting-date", "2026-01-10", "--minutes", "管委会纪要〔2026〕1号")
    assert h.json("budget", "list", "--year", YEAR)["can_spend"]

    claim_steps, aid_steps = claims_of_the_year(members, settled), aids_of_the_year(members)
    events = {
        # (month, day): what happens that day
        (2, 20): [
            (
                "worklog",
                "add",
                "--kind",
                "article",
                "--date",
                "2026-02-20",
                "--title",
                "春节慰问工作简讯",
                "--with",
                "办事处门户网站",
            )
        ],
        (3, 15): [
            (
                "worklog",
                "add",
                "--kind",
                "training",
                "--date",
                "2026-03-15",
                "--title",
                "理赔资料审核培训",
                "--with",
                "全体经办人员",
            )
        ],
        (4, 10): [
            (
                "worklog",
                "add",
                "--kind",
                "meeting",
                "--date",
                "2026-04-10",
                "--title",
                "管委会第二季度会议",
                "--with",
                "张主任、李副主任、刘委员",
            )
        ],
        (5, 20): [
            (
                "worklog",
                "add",
                "--kind",
                "article",
                "--date",
                "2026-05-20",
                "--title",
                "互助保障进社区",
                "--with",
                "办事处门户网站",
            )
        ],
        (6, 15): [
            (
                "worklog",
                "add",
                "--kind",
                "training",
                "--date",
                "2026-06-15",
                "--title",
                "续保工作培训",
                "--with",
                "全体经办人员",
            )
        ],
        (7, 10): [
            (
                "worklog",
                "add",
                "--kind",
                "meeting",
                "--date",
                "2026-07-10",
                "--title",
                "管委会第三季度会议：预算调整",
                "--with",
                "张主任、李副主任、刘委员",
            )
        ],
        (8, 20): [
            (
                "worklog",
                "add",
                "--kind",
                "article",
                "--date",
                "2026-08-20",
                "--title",
                "夏季送清凉",
                "--with",
                "办事处门户网站",
            )
        ],
        (9, 15): [
            (
                "worklog",
                "add",
                "--kind",
                "training",
                "--date",
                "2026-09-15",
                "--title",
                "信息安全培训",
                "--with",
                "全体经办人员",
            )
        ],
        (10, 10): [
            (
                "worklog",
                "add",
                "--kind",
                "meeting",
                "--date",
                "2026-10-10",
                "--title",
                "管委会第四季度会议",
                "--with",
                "张主任、李副主任、刘委员",
            )
        ],
        (11, 15): [
            (
                "worklog",
                "add",
                "--kind",
                "training",
                "--date",
                "2026-11-15",
                "--title",
                "年终自查培训",
                "--with",
                "全体经办人员",
            )
        ],
        (11, 20): [
            (
                "worklog",
                "add",
                "--kind",
                "article",
                "--date",
                "2026-11-20",
                "--title",
                "年度工作回顾",
                "--with",
                "办事处门户网站",
            )
        ],
    }
    for month in range(1, 13):
        for (m, day), commands in sorted(events.items()):
            if m == month:
                h.today = dt.date(YEAR, month, day)
                for command in commands:
                    h.run(*command)
        for day, step in sorted(claim_steps.get(month, [])):
            h.today = dt.date(YEAR, month, day)
            step(h)
        for day, step in sorted(aid_steps.get(month, [])):
            h.today = dt.date(YEAR, month, day)
            step(h)
        if month in (2, 5, 8, 11):  # the clerks' business-system logins, as the office's account list shows them
            h.today = dt.date(YEAR, month, 25)
            for user in ("wang01" if month < 6 else "zhao01", "li01"):  # wang01 is disabled at the handover
                h.run("staff", "login", user, "--on", h.today)
        if month == 6:  # 王经办 hands over to 赵经办 (000 第十六条8), witnessed by the director
            h.today = dt.date(YEAR, 6, 22)
            handover = h.json(
                "handover",
                "record",
                "--outgoing",
                "王经办",
                "--incoming",
                "赵经办",
                "--supervisor",
                "张主任",
                "--on",
                h.today,
                "--outgoing-confirms",
                "--incoming-confirms",
                "--outgoing-username",
                "wang01",
                "--incoming-username",
                "zhao01",
                *[
                    x
                    for item in (
                        "seals=财务专用章、名章:2",
                        "cheques=支票:1",
                        "certificates",
                        "archives",
                        "ledgers",
                        "system_usernames",
                    )
                    for x in ("--item", item)
                ],
            )
            h.today = dt.date(YEAR, 6, 26)
            h.run("handover", "report", handover["id"], "--on", h.today)
        if month == 7:  # the committee raises the hardship line (R11.3: a new version, approved again)
            h.run(
                "budget",
                "amend",
                "--year",
                YEAR,
                "--line",
                "hardship_aid",
                "--amount",
                25000,
                "--reason",
                "困难会员增多，管委会第三季度会议决定增加",
            )
            h.run(
                "budget",
                "approve",
                "--year",
                YEAR,
                "--meeting-date",
                "2026-07-10",
                "--minutes",
                "管委会纪要〔2026〕3号",
            )

        # the month's bundle, exported once the month has ended, imported and reconciled by the office
        h.today = dt.date(YEAR + (month == 12), month % 12 + 1, 2)
        period = f"{YEAR}-{month:02d}"
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        (tmp_path / "answers").mkdir(exist_ok=True)
        exported = h.json("export", "--period", period, "--out", out)
        imported = h.office_json("office", "import", exported["path"])
        ledger_csv(ledger(members, settled, month), tmp_path / f"ledger-{period}.csv")
        rec = h.office_json("office", "reconcile", "--period", period, "--ledger", tmp_path / f"ledger-{period}.csv")
        assert [o["status"] for o in imported] == ["imported"], imported
        assert rec["branches_reported"] == ["004"] and rec["not_reported"] == [], rec
        assert rec["differences"] == [], (period, rec["differences"][:5])
        answer = h.office_json("office", "return", "--branch", "004", "--period", period, "--out", tmp_path / "answers")
        h.run("sync", "receive", answer["path"])

    # --- year end: the self-assessment, every item computable from the data is 符合 ---------------------
    h.today = dt.date(YEAR + 1, 1, 6)
    check = h.json("audit", "selfcheck", "--year", YEAR)
    computed = {i["code"]: i for i in check["items"] if i["measured"]}
    not_ok = {
        code: (i["status"], i["summary"], i["evidence"], i["rules"])
        for code, i in computed.items()
        if i["status"] != "ok"
    }
    # fin.8 is a measure with no standard figure (001 gives none: "完成率高"); it is reported, not judged
    assert not_ok.pop("fin.8", ("info",))[0] == "info"
    assert not not_ok, json.dumps(not_ok, ensure_ascii=False, indent=1)
    register = h.json("disbursement", "list", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31")
    states = {d["category"]: d["state"] for d in register["disbursements"] if d["state"] != "cancelled"}
    assert set(states) == {
        "hardship_aid",
        "education_aid",
        "small_goods",
        "weather_goods",
        "condolence_cash",
        "fee_subsidy",
        "activity_prize",
    }, states
    assert [d["void"]["reason"] for d in register["disbursements"] if d["state"] == "cancelled"] == ["金额录错"]
    shown = h.json("claim", "show", CLAIMS["typo"])
    assert "更正" in json.dumps(shown, ensure_ascii=False) or shown.get("corrections"), shown
    assert h.run("check").returncode == 0
