"""Office parameter notices through the real ``huzhu`` command, from empty databases:
issue at the office → trust the office's key → install at a branch (changes shown) → ``rules
show`` names the notice; notices that do not verify are refused whole with their reason code;
history from 2019 (and before 2017) loads without false observation periods (R1.10);
R1.6 over-limit terms need a supervisor's reason; R2.5 APP claims are measured, never refused.

Databases are made as ``huzhu init`` / ``huzhu office init`` make them, with the cheap KDF
of the test suite (the production one takes seconds per command on a loaded machine).
"""

from __future__ import annotations

import csv
import json

import pytest

from models import admin
from models import db as dbmod
from rules.idcard import id_check_char
from tests.cli_kit import as_, assert_no_traceback, huzhu, ok
from tests.conftest import CHEAP_KDF, OFFICE_BACKENDS, PASSPHRASE, TODAY

REF = "京互发〔2026〕12号"
NOTICE = f"""
reference = "{REF}"
title = "关于各保障计划参数的通知"
effective_from = 2017-01-01

[[plans]]
code = "ZYYL"
name = "住院医疗"
category = "medical"
share_price_fen = 6000
observation_days = 60
term_months = 12
materials = ["互助金申请书", "身份证复印件", "出院小结", "医疗费用收据原件"]
app_eligible = true
app_conditions = "住院医疗费用五万元以下的理赔"

[[plans]]
code = "ZJB"
name = "重大疾病"
category = "critical_illness"
share_price_fen = 10000
observation_days = 180
term_months = 12
materials = ["互助金申请书", "诊断证明书"]
app_eligible = false

[[plans]]
code = "YWSH"
name = "意外伤害"
category = "accident"
share_price_fen = 2000
observation_days = 0
term_months = 12
materials = ["互助金申请书", "意外事故证明"]
app_eligible = false
"""


def run(*args, env):
    return assert_no_traceback(huzhu(*args, env=env))


def _office(path):
    admin.create_database(
        path, branch_name="北京办事处", user="chen", passphrase=PASSPHRASE, kdf=CHEAP_KDF, kind="office"
    )
    return as_(path, "chen")


def _branch(path):
    admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    return as_(path, "zhang")


def _count(db, sql):
    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        return dbmod.database.execute_sql(sql).fetchone()[0]
    finally:
        dbmod.close()


@pytest.fixture
def world(tmp_path, request):
    """(folder, office env, branch env); the office's database a file, or PostgreSQL for the tests
    of the office's own command (``parametrize("world", OFFICE_BACKENDS, indirect=True)``)."""
    on_server = getattr(request, "param", "sqlite") == "postgresql"
    o = _office(request.getfixturevalue("pg_url") if on_server else tmp_path / "office.hzdb")
    b = _branch(tmp_path / "branch.hzdb")
    ok(run("office", "keys", "export", "--out", tmp_path / "office.json", env=o))
    (tmp_path / "notice.toml").write_text(NOTICE, encoding="utf-8")
    return tmp_path, o, b


@pytest.mark.parametrize("world", OFFICE_BACKENDS, indirect=True)
def test_issue_trust_install_shows_the_changes_and_rules_show_names_the_notice(world):
    tmp, o, b = world
    issued = json.loads(
        ok(run("office", "params", "issue", tmp / "notice.toml", "--out", tmp / "n.hzp", "--json", env=o)).stdout
    )
    assert issued["reference"] == REF and issued["plans"] == 3
    # before the office's key is trusted, the notice cannot be checked: refused, nothing written
    refused = run("params", "install", tmp / "n.hzp", "--yes", env=b)
    assert refused.returncode == 3 and "params.office_not_trusted" in refused.stderr
    ok(run("keys", "trust-office", tmp / "office.json", "--yes", env=b))

    before = json.loads(ok(run("rules", "show", "--on", "2026-06-01", "--json", env=b)).stdout)
    assert before["sample"] and before["notice"] is None and "示例配置" in before["source"]

    shown = ok(run("params", "install", tmp / "n.hzp", "--yes", env=b))
    # the differences from the values in force: sample price 50.00 → 60.00, observation 90 → 60
    assert "每份会费（元）" in shown.stdout and "50.00【示例配置】" in shown.stdout and "60.00" in shown.stdout
    assert "观察期（天）" in shown.stdout and "90【示例配置】" in shown.stdout
    assert "已安装参数通知" in shown.stderr

    after = json.loads(ok(run("rules", "show", "--on", "2026-06-01", "--json", env=b)).stdout)
    assert not after["sample"] and after["notice"]["reference"] == REF and REF in after["source"]
    assert after["notice"]["installed_by"] == "zhang" and after["notice"]["office_fingerprint"] == issued["fingerprint"]
    figures = {f["figure"]: f for f in after["figures"]}
    assert figures["住院医疗(ZYYL) 观察期"]["value"] == "60"
    assert figures["住院医疗(ZYYL) 符合APP申报条件"]["value"] == "是"
    # the notice supplies plan figures back to 2017, where the seeds gave none
    early = json.loads(ok(run("rules", "show", "--on", "2019-05-01", "--json", env=b)).stdout)
    assert early["version"] == f"2017-01+{REF}"
    assert {f["figure"]: f["value"] for f in early["figures"]}["生活救助金 每人每年上限"] == "无当时数值"
    text = ok(run("rules", "show", "--on", "2026-06-01", env=b)).stdout
    assert REF in text and "示例配置" not in text

    again = ok(run("params", "install", tmp / "n.hzp", "--yes", env=b))
    assert "已安装过" in again.stderr
    listed = json.loads(ok(run("params", "list", "--json", env=b)).stdout)["notices"]
    assert [n["reference"] for n in listed] == [REF]
    assert _count(tmp / "branch.hzdb", "SELECT count(*) FROM audit_event WHERE action = 'params.install'") == 1


def _tampered(data: bytes) -> bytes:
    i = data.index(b"60") if b"60" in data else 40
    return data[:i] + b"9" + data[i + 1 :]


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d, other: _tampered(d), "params.bad_signature"),
        (lambda d, other: d[:-1], "params.malformed"),
        (lambda d, other: NOTICE.encode(), "params.wrong_kind"),  # the unsigned TOML itself
        (lambda d, other: other, "params.unknown_key"),  # signed by another office's key
        (lambda d, other: d[:8] + b"\x02" + d[9:], "params.unsupported_version"),
    ],
)
def test_a_notice_that_does_not_verify_is_refused_whole_and_changes_nothing(world, make, reason):
    tmp, o, b = world
    ok(run("office", "params", "issue", tmp / "notice.toml", "--out", tmp / "n.hzp", env=o))
    other = _office(tmp / "other.hzdb")
    ok(run("office", "params", "issue", tmp / "notice.toml", "--out", tmp / "other.hzp", env=other))
    ok(run("keys", "trust-office", tmp / "office.json", "--yes", env=b))
    bad = tmp / "bad.hzp"
    bad.write_bytes(make((tmp / "n.hzp").read_bytes(), (tmp / "other.hzp").read_bytes()))
    audit_before = _count(tmp / "branch.hzdb", "SELECT count(*) FROM audit_event")
    proc = run("params", "install", bad, "--yes", "--json", env=b)
    assert proc.returncode == 3 and reason in proc.stderr and proc.stdout == ""
    assert "参数通知被拒绝" in proc.stderr and "parameter notice refused" in proc.stderr
    assert _count(tmp / "branch.hzdb", "SELECT count(*) FROM param_notice") == 0
    assert _count(tmp / "branch.hzdb", "SELECT count(*) FROM audit_event") == audit_before
    shown = json.loads(ok(run("rules", "show", "--on", "2026-06-01", "--json", env=b)).stdout)
    assert shown["sample"] and shown["notice"] is None


@pytest.mark.parametrize("world", OFFICE_BACKENDS, indirect=True)
def test_an_invalid_toml_is_refused_at_the_office_and_a_notice_must_follow_the_installed_ones(world):
    tmp, o, b = world
    bad = tmp / "bad.toml"
    bad.write_text(
        NOTICE.replace(
            'term_months = 12\nmaterials = ["互助金申请书", "诊断证明书"]',
            'term_months = 48\nmaterials = ["互助金申请书", "诊断证明书"]',
        ),
        encoding="utf-8",
    )
    proc = run("office", "params", "issue", bad, "--out", tmp / "bad.hzp", env=o)
    assert proc.returncode == 3 and "params.invalid" in proc.stderr and "term_reason" in proc.stderr
    assert not (tmp / "bad.hzp").exists()
    # R1.6 on plan data: over 36 months with a stated reason is accepted
    reasoned = bad.read_text(encoding="utf-8").replace(
        "app_eligible = false\n", 'app_eligible = false\nterm_reason = "办事处批准的四年期计划"\n', 1
    )
    bad.write_text(reasoned, encoding="utf-8")
    ok(run("office", "params", "issue", bad, "--out", tmp / "long.hzp", env=o))

    ok(run("keys", "trust-office", tmp / "office.json", "--yes", env=b))
    later = tmp / "later.toml"
    later.write_text(
        NOTICE.replace(REF, "京互发〔2027〕1号")
        .replace("2017-01-01", "2027-01-01")
        .replace("share_price_fen = 6000", "share_price_fen = 6500"),
        encoding="utf-8",
    )
    ok(run("office", "params", "issue", later, "--out", tmp / "later.hzp", env=o))
    ok(run("params", "install", tmp / "later.hzp", "--yes", env=b))
    ok(run("office", "params", "issue", tmp / "notice.toml", "--out", tmp / "n.hzp", env=o))
    proc = run("params", "install", tmp / "n.hzp", "--yes", env=b)
    assert proc.returncode == 3 and "params.not_after_installed" in proc.stderr
    shown = json.loads(ok(run("rules", "show", "--on", "2027-02-01", "--json", env=b)).stdout)
    assert {f["figure"]: f["value"] for f in shown["figures"]}["住院医疗(ZYYL) 每份会费"] == "65.00"
    # before the 2027 notice, the sample plans of 2022-12 are still in force, marked
    shown = json.loads(ok(run("rules", "show", "--on", "2026-06-01", "--json", env=b)).stdout)
    assert shown["sample"]


def _idn(n: int, birth: str = "19800101") -> str:
    body = f"110105{birth}{n:03d}"
    return body + id_check_char(body)


def _rows_csv(path, rows):
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编码", "单位名称", "险种代码", "生效日期", "终止日期", "办理日期", "姓名", "身份证号", "份数"])
        w.writerows(rows)
    return path


def _history():
    rows = []
    # joined in 2019: first enrolment filed on 2019-03-01, renewed on time in 2020
    rows.append(["U0019", "二〇一九单位工会", "ZYYL", "2019-03-01", "2020-02-29", "2019-03-01", "赵一", _idn(1), "2"])
    rows.append(["U0019", "二〇一九单位工会", "ZYYL", "2020-03-01", "2021-02-28", "2020-02-20", "赵一", _idn(1), "2"])
    # a long-standing member: first enrolled in 2014 (unchecked history), renewed every year since
    for year in range(2014, 2027):
        rows.append(
            ["U0001", "老单位工会", "ZYYL", f"{year}-01-01", f"{year}-12-31", f"{year - 1}-12-20", "钱二", _idn(2), "3"]
        )
    return rows


def test_history_from_2019_and_before_2017_loads_without_false_observation(world):
    tmp, o, b = world
    ok(run("office", "params", "issue", tmp / "notice.toml", "--out", tmp / "n.hzp", env=o))
    ok(run("keys", "trust-office", tmp / "office.json", "--yes", env=b))
    ok(run("params", "install", tmp / "n.hzp", "--yes", env=b))
    imported = json.loads(ok(run("import", "enrolments", _rows_csv(tmp / "h.csv", _history()), "--json", env=b)).stdout)
    assert imported["written"] and imported["counts"]["first_enrolment"] == 2
    assert imported["counts"]["renewal"] == 13
    codes = {w["code"] for w in imported["warnings"]}
    assert "R1.10.unchecked_history" in codes  # the 2014–2016 filings

    member = json.loads(ok(run("lookup", _idn(2), "--on", "2026-11-23", "--json", env=b)).stdout)["members"][0]
    zyyl = next(p for p in member["plans"] if p["plan"] == "ZYYL")
    assert zyyl["status"] == "covered" and zyyl["observation_end"] is None and zyyl["held"] == 3
    # in 2017, the first year under the rules, the member was covered, not in observation
    member = json.loads(ok(run("lookup", _idn(2), "--on", "2017-02-01", "--json", env=b)).stdout)["members"][0]
    assert next(p for p in member["plans"] if p["plan"] == "ZYYL")["status"] == "covered"
    # the 2019 joiner: the notice's 60 days from 2019-03-01, then covered in the 2020 period
    joiner = json.loads(ok(run("lookup", _idn(1), "--on", "2019-04-01", "--json", env=b)).stdout)["members"][0]
    plan = next(p for p in joiner["plans"] if p["plan"] == "ZYYL")
    assert plan["status"] == "observation" and plan["observation_end"] == "2019-04-29"
    joiner = json.loads(ok(run("lookup", _idn(1), "--on", "2020-06-01", "--json", env=b)).stdout)["members"][0]
    assert next(p for p in joiner["plans"] if p["plan"] == "ZYYL")["status"] == "covered"
    # every row the install and the import wrote is bound to its signed event
    assert json.loads(ok(run("check", "--json", env=b)).stdout)["ok"]


def test_without_a_notice_2019_records_are_accepted_and_marked_no_figure_in_force(world):
    tmp, o, b = world
    imported = json.loads(
        ok(run("import", "enrolments", _rows_csv(tmp / "h.csv", _history()[:2]), "--json", env=b)).stdout
    )
    assert imported["written"]
    assert "R1.10.no_figure" in {w["code"] for w in imported["warnings"]}
    assert (
        _count(tmp / "branch.hzdb", "SELECT count(*) FROM coverage WHERE basis = 'no_figure'") == 2
    )  # 2019 and its 2020 renewal
    lookup = ok(run("lookup", _idn(1), "--on", "2026-11-23", env=b)).stdout
    assert "【示例配置】" in lookup  # today's plans are the sample ones until a notice is installed


def test_r1_6_a_term_over_36_months_needs_a_supervisors_reason(world):
    tmp, o, b = world
    long = _rows_csv(
        tmp / "long.csv",
        [["U0002", "长期单位工会", "ZYYL", "2026-01-01", "2029-12-31", "2025-12-20", "孙三", _idn(3), "1"]],
    )
    refused = run("import", "enrolments", long, "--json", env=b)
    assert refused.returncode == 3
    assert json.loads(refused.stdout)["errors"][0]["code"] == "R1.6.reason_required"
    accepted = json.loads(
        ok(run("import", "enrolments", long, "--override-reason", "单位与办事处约定四年期", "--json", env=b)).stdout
    )
    assert accepted["written"]
    warning = next(w for w in accepted["warnings"] if w["code"] == "R1.6.term_over_max")
    assert "单位与办事处约定四年期" in warning["reason"]


def test_r2_5_app_claims_are_measured_never_refused(world):
    import datetime as dt

    from rules.dates import term_end

    tmp, o, b = world
    today = TODAY  # the CLI's clock: claims are reported today (an earlier date is back-dated)
    start = (today - dt.timedelta(days=180)).replace(day=1)
    period = [start.isoformat(), term_end(start, 12).isoformat(), (start - dt.timedelta(days=10)).isoformat()]
    ok(
        run(
            "import",
            "enrolments",
            _rows_csv(
                tmp / "e.csv",
                [
                    ["U0003", "APP单位工会", "ZJB", *period, "李四", _idn(4), "1"],
                    ["U0003", "APP单位工会", "ZYYL", *period, "李四", _idn(4), "1"],
                ],
            ),
            env=b,
        )
    )
    base = [
        "claim",
        "register",
        "--id-number",
        _idn(4),
        "--incident-date",
        (today - dt.timedelta(days=2)).isoformat(),
        "--shares",
        "1",
        "--reporter",
        "工会王",
    ]
    app_outside = run(*base, "--plan", "ZJB", "--diagnosis", "肺癌", "--channel", "app", "--json", env=b)
    assert app_outside.returncode == 0, app_outside.stderr  # a warning, not a refusal
    findings = {f["code"]: f for f in json.loads(app_outside.stdout)["findings"]}
    assert findings["R2.5.app_outside_conditions"]["severity"] == "warning"
    ok(run(*base, "--plan", "ZYYL", "--diagnosis", "肺炎", "--channel", "app", env=b))
    ok(run(*base, "--plan", "ZYYL", "--diagnosis", "骨折", "--channel", "paper", env=b))
    share = json.loads(ok(run("app-share", "--year", str(today.year), "--json", env=b)).stdout)
    assert (share["app_claims"], share["eligible_claims"]) == (1, 2) and share["share"] == 0.5 and share["sample"]
    zjb = next(p for p in share["plans"] if p["plan"] == "ZJB")
    assert zjb["app_excluded"] == 1
