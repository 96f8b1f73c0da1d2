"""A branch database as a branch makes it: ``huzhu init``, then only what a clerk enters with the
``huzhu`` command (an enrolment import file, claims, a budget, disbursements, a handover) — no
``models.demo``. The commands run in this process (``tui.cli.main``), so conftest's frozen clock
is the day every date rule sees.

Seven units share the prefix 北京市朝阳区 (what the lists must tell apart), one member holds
three shares of which two were added this year and are still in observation (a claim for three
shares of which one is payable), and names and diagnoses are long enough to be cut at 80 columns.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from tui.cli import main

PASSPHRASE = "一个足够长的口令 branch 2026"
CLERK_PASSPHRASE = "王经办自己的长口令 wang 2026"
SUPERVISOR = "张三"
CLERK = "wang"

UNITS = {
    "U0011": "北京市朝阳区甲机械制造有限公司工会委员会",
    "U0012": "北京市朝阳区乙街道办事处工会",
    "U0013": "北京市朝阳区丙物流股份有限公司工会",
    "U0014": "北京市朝阳区丁小学工会",
    "U0015": "北京市朝阳区戊医院工会委员会",
    "U0016": "北京市朝阳区己建筑工程有限公司工会",
    "U0017": "北京市朝阳区庚供电所工会",
}
NAMES = ["欧阳振华", "张三", "李四", "王小明", "赵敏", "司马相如", "陈静"]
DIAGNOSES = [
    "恶性肿瘤（结肠癌）术后化疗",
    "肺炎",
    "急性心肌梗死",
    "2型糖尿病伴并发症",
    "骨折",
    "脑梗死后遗症",
    "胆囊结石",
]


def check_digit(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]


def id_number(i: int) -> str:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=411 * i)
    body = f"110105{born:%Y%m%d}{(i * 7) % 1000:03d}"
    return body + check_digit(body)


@contextlib.contextmanager
def huzhu_env(db: Path, user: str, passphrase: str) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("HUZHU_")}
    for key in saved:
        del os.environ[key]
    os.environ.update({"HUZHU_DB": str(db), "HUZHU_USER": user, "HUZHU_PASSPHRASE": passphrase})
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("HUZHU_")]:
            del os.environ[key]
        os.environ.update(saved)


def huzhu(db: Path, *args: object, user: str = SUPERVISOR, passphrase: str = PASSPHRASE) -> None:
    with huzhu_env(db, user, passphrase):
        code = main([str(a) for a in args])
    assert code == 0, (args, code)


def enrolment_file(path: Path, year: int, shares: dict[int, int], handled: dt.date) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"]
            + ["退休日期", "手机号", "开户行", "银行账号"]
        )
        for i, (code, name) in enumerate(UNITS.items()):
            writer.writerow(
                [code, name, "ZYYL", f"{year}-01-01", f"{year}-12-31", handled.isoformat(), NAMES[i]]
                + [
                    id_number(i),
                    shares.get(i, 1),
                    "",
                    f"1380013800{i}",
                    "中国工商银行北京朝阳支行",
                    f"622202020011223344{i}",
                ]
            )
    return path


def build_entered_db(folder: Path, today: dt.date) -> Path:
    """The database (its passphrase ``PASSPHRASE`` for 张三, supervisor; ``CLERK_PASSPHRASE`` for wang)."""
    db = folder / "branch.hzdb"
    huzhu(db, "init", "--db", db, "--branch-code", "004", "--branch-name", "朝阳", "--user", SUPERVISOR)
    pass_file = folder / "wang.pass"
    pass_file.write_text(CLERK_PASSPHRASE + "\n", encoding="utf-8")
    huzhu(db, "user", "add", CLERK, "--role", "clerk", "--new-passphrase-file", pass_file)
    year = today.year
    last = enrolment_file(folder / "last.csv", year - 1, {}, dt.date(year - 2, 12, 20))
    huzhu(db, "import", "enrolments", last, "--override-reason", "上年名单补录（测试数据）")
    this = enrolment_file(folder / "this.csv", year, {0: 3}, dt.date(year - 1, 12, 20))
    huzhu(db, "import", "enrolments", this)
    incident = today - dt.timedelta(days=10)
    for i in range(len(UNITS)):
        huzhu(
            db,
            "claim",
            "register",
            "--id-number",
            id_number(i),
            "--plan",
            "ZYYL",
            "--diagnosis",
            DIAGNOSES[i],
            "--incident-date",
            incident,
            "--shares",
            3 if i == 0 else 1,
            "--reporter",
            f"{NAMES[i]}的家属",
            user=CLERK,
            passphrase=CLERK_PASSPHRASE,
        )
    huzhu(db, "budget", "add", "--year", year, "--line", "hardship_aid", "--amount", "20000")
    huzhu(db, "budget", "add", "--year", year, "--line", "weather_goods", "--amount", "20000")
    huzhu(db, "budget", "approve", "--year", year, "--meeting-date", dt.date(year, 1, 5), "--minutes", "管委会2026-1")
    for i, category in ((1, "hardship_aid"), (5, "hardship_aid")):
        huzhu(
            db,
            "disbursement",
            "enter",
            "--category",
            category,
            "--id-number",
            id_number(i),
            "--amount",
            "800",
            "--method",
            "transfer",
            "--note",
            f"{NAMES[i]}家庭因病生活困难，经工会小组走访核实后申请救助",
            user=CLERK,
            passphrase=CLERK_PASSPHRASE,
        )
    huzhu(
        db,
        "handover",
        "record",
        "--outgoing",
        "欧阳晓燕",
        "--incoming",
        CLERK,
        "--supervisor",
        SUPERVISOR,
        "--on",
        today,
        *(
            arg
            for item in (
                "seals=代办处业务专用章:1",
                "cheques=转账支票 第0012345至0012360号:16",
                "certificates=代办处登记证及经办人聘书:2",
                "archives=2019年以来参保名单及报案档案:12",
                "ledgers=会费收缴台账、互助互济支出登记簿:2",
                "system_usernames=业务系统用户名 ouyxy:1",
            )
            for arg in ("--item", item)
        ),
        "--outgoing-confirms",
        "--incoming-confirms",
    )
    return db
