"""The claim register service against a real encrypted database: registering with the
preliminary check (a report that would not be paid as reported is recorded with its
findings; an incomplete or wrong entry is refused), the R2.3 lifecycle with its dates,
failed direct pay, the register's filters, the audit rows, read-only users, and the
``huzhu claim register`` command in a subprocess."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from models import admin, clock
from models import db as dbmod
from models.claims import (
    ClaimDraft,
    ClaimFilter,
    check_draft,
    claim_detail,
    claim_register,
    record_direct_pay_step,
    register_claim,
    transition_claim,
)
from models.db import database
from models.enrolments import COLUMNS, import_enrolments
from models.errors import PermissionDenied, RuleRefused, ValidationFailed
from models.schema import ClaimEvent, ClaimReport, DirectPayFailure, Member
from rules import ruleset_on
from rules.idcard import id_check_char
from tests import cli_kit
from tests.cli_kit import as_, assert_no_traceback
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.conftest import TODAY as SESSION_DAY

D = dt.date
TODAY = D(2026, 11, 23)
ZYYL_MATERIALS = frozenset(ruleset_on(TODAY).plan("ZYYL").required_materials)


def idn(i: int) -> str:
    body = f"11010519800101{i:03d}"
    return body + id_check_char(body)


def count(table: str) -> int:
    return database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]


def audit_actions() -> list[str]:
    return [r[0] for r in database.execute_sql("SELECT action FROM audit_event ORDER BY seq")]


def last_audit_detail() -> dict:
    return json.loads(database.execute_sql("SELECT detail FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()[0])


def stored_findings(claim_id: int) -> list[dict]:
    return json.loads(ClaimReport.get_by_id(claim_id).check_findings)


@pytest.fixture
def members(session, tmp_path):
    """张三 (2 shares) and 李四 (3) in 住院医疗 for 2026, observation to 2026-03-31; 王五 in
    重大疾病 from 2026-11-01 (observation 180 days); returns name -> member id."""
    clock.freeze(TODAY)
    path = tmp_path / "staff.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for name, i, plan, start, end, filed, shares in (
            ("张三", 1, "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "2"),
            ("李四", 2, "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", "3"),
            ("王五", 3, "ZJB", "2026-11-01", "2027-10-31", "2026-10-25", "1"),
        ):
            out.writerow(["U0001", "朝阳某公司工会", plan, start, end, filed, name, idn(i), shares, "", ""])
    assert import_enrolments(path).written
    return {m.name: m.id for m in Member.select()}


def draft(member: int, **changes) -> ClaimDraft:
    values = dict(
        member_id=member,
        plan="ZYYL",
        diagnosis="肺炎",
        incident_kind="illness",
        incident_date=D(2026, 11, 2),
        shares_claimed=2,
        reported_on=D(2026, 11, 5),
        reporter="刘主席",
        channel="app",
        materials=ZYYL_MATERIALS,
        backdate_reason="按纸质登记簿补录",
    )  # reported before TODAY: a supervisor's back-dated entry
    values.update(changes)
    return ClaimDraft(**values)


def test_register_writes_the_report_its_event_and_one_audit_row(members):
    before = len(audit_actions())
    registered = register_claim(draft(members["张三"]))
    assert registered.report.ok and "R2.2.ok" in registered.report.codes
    row = ClaimReport.get_by_id(registered.claim_id)
    assert (row.state, row.report_date, row.shares_claimed, row.channel) == ("registered", D(2026, 11, 5), 2, "app")
    assert row.unit.code == "U0001" and row.created_by == "zhang"
    assert set(json.loads(row.materials)) == ZYYL_MATERIALS
    assert [(e.to_state, e.on_date) for e in row.events] == [("registered", D(2026, 11, 5))]
    assert audit_actions()[before:] == ["claim.register"]
    detail = database.execute_sql("SELECT detail FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert "肺炎" not in detail and idn(1) not in detail
    assert (row.check_findings, registered.flagged) == ("[]", False)
    assert last_audit_detail()["errors"] == [] and last_audit_detail()["warnings"] == []
    assert not claim_register(ClaimFilter(), TODAY).rows[0].flagged
    assert claim_detail(registered.claim_id, TODAY).findings == []


def test_warnings_do_not_block_missing_materials_and_duplicate(members):
    first = register_claim(draft(members["张三"], materials=frozenset({"互助金申请书"})))
    assert "R2.2.materials_missing" in first.report.codes and first.report.ok
    second = register_claim(draft(members["张三"], incident_date=D(2026, 11, 20), reported_on=D(2026, 11, 21)))
    assert "R2.2.possible_duplicate" in second.report.codes
    assert count("claim_report") == 2
    # kept with the report, but a warning does not flag it
    assert [(f["code"], f["severity"]) for f in stored_findings(first.claim_id)] == [
        ("R2.2.materials_missing", "warning")
    ]
    assert not first.flagged and not claim_detail(first.claim_id, TODAY).flagged
    assert [r.flagged for r in claim_register(ClaimFilter(), TODAY).rows] == [False, False]


@pytest.mark.parametrize(
    "changes, code, citation",
    [
        ({"shares_claimed": 3}, "R2.2.shares_exceed_held", "000 第十七条5"),
        (
            {"incident_date": D(2025, 12, 1), "reported_on": D(2025, 12, 3)},
            "R1.8.not_covered_on_incident",
            "000 第十七条2",
        ),
        (
            {"plan": "YWSH", "incident_kind": "accident", "channel": "paper"},
            "R1.8.not_covered_on_incident",
            "000 第十七条2",
        ),
    ],
)
def test_a_report_that_would_not_be_paid_is_recorded_with_its_findings(members, changes, code, citation):
    before = len(audit_actions())
    registered = register_claim(draft(members["张三"], **changes))
    assert registered.flagged and code in [d.code for d in registered.report.errors]
    row = ClaimReport.get_by_id(registered.claim_id)
    assert row.state == "registered" and [e.to_state for e in row.events] == ["registered"]
    finding = next(f for f in stored_findings(row.id) if f["code"] == code)
    assert finding["severity"] == "error" and finding["citation"] == citation and finding["message"]
    assert audit_actions()[before:] == ["claim.register"]
    assert code in last_audit_detail()["errors"]
    assert [r.flagged for r in claim_register(ClaimFilter(), TODAY).rows] == [True]
    detail = claim_detail(row.id, TODAY)
    assert detail.flagged and detail.findings[0].code == code
    assert str(detail.findings[0].citation).startswith("《代办处管理办法》(000)")
    assert detail.findings[0].message == finding["message"]


def test_the_printed_register_shows_what_the_check_refused(members, tmp_path):
    from models import reports

    clean = register_claim(draft(members["李四"], shares_claimed=3))
    flagged = register_claim(draft(members["张三"], shares_claimed=3))
    report = reports.build("claims", "2026-11")
    checks = {r["member"]: r["check"] for r in report.rows}
    assert checks["李四"] == "" and not clean.flagged
    assert checks["张三"].startswith("未通过：") and "（000 第十七条5）" in checks["张三"]
    assert flagged.report.errors[0].message in checks["张三"]
    assert "初审" in [c.title for c in report.columns]
    written = reports.write(report, tmp_path / "claims.csv").read_text("utf-8-sig")
    assert checks["张三"] in written


def test_a_flagged_report_is_declined_through_the_lifecycle(members):
    cid = register_claim(draft(members["张三"], shares_claimed=3)).claim_id
    transition_claim(cid, "submit", D(2026, 11, 6))
    transition_claim(cid, "decline", D(2026, 11, 9), reason="申报份数超过所持份数")
    row = ClaimReport.get_by_id(cid)
    assert (row.state, row.declined_on, row.decline_reason) == ("declined", D(2026, 11, 9), "申报份数超过所持份数")
    assert claim_detail(cid, TODAY).flagged  # what the check found stays with the report
    assert claim_register(ClaimFilter(state="declined"), TODAY).rows[0].flagged


def test_reports_registered_before_findings_were_kept_show_none(members):
    cid = register_claim(draft(members["张三"], shares_claimed=3)).claim_id
    with dbmod.writing():
        database.execute_sql("UPDATE claim_report SET check_findings = NULL WHERE id = ?", (cid,))
    detail = claim_detail(cid, TODAY)
    assert detail.findings is None and not detail.flagged
    assert not claim_register(ClaimFilter(), TODAY).rows[0].flagged


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"reported_on": D(2026, 11, 1)}, "R2.3.date_backwards"),
        ({"reported_on": D(2026, 11, 24)}, "R2.1.date_in_future"),
        ({"diagnosis": " "}, "R2.1.missing_field"),
        ({"reporter": None, "shares_claimed": 3}, "R2.1.missing_field"),  # refused even with a recordable error
        ({"shares_claimed": 0}, "R2.1.shares_invalid"),
        ({"member_id": 9999}, "R2.1.missing_field"),  # no such member
        ({"plan": "NOPE"}, "R2.2.unknown_plan"),
        ({"incident_kind": "flood"}, "R2.1.incident_kind_invalid"),
    ],
)
def test_an_incomplete_or_wrong_entry_is_refused_and_nothing_written(members, changes, code):
    before = len(audit_actions())
    with pytest.raises(RuleRefused) as refused:
        register_claim(draft(members["张三"], **changes))
    assert code in [d.code for d in refused.value.decisions]
    assert "依据" in refused.value.message_zh
    # only what refuses the entry is quoted: the clerk corrects that, then sees the rest
    assert not {"R2.2.shares_exceed_held", "R1.8.not_covered_on_incident"} & {d.code for d in refused.value.decisions}
    assert count("claim_report") == 0 and count("claim_event") == 0 and len(audit_actions()) == before


def test_a_report_without_incident_date_is_refused_and_nothing_written(members):
    before = len(audit_actions())
    with pytest.raises(ValidationFailed) as refused:
        register_claim(draft(members["张三"], incident_date=None))
    assert "出险日期" in refused.value.message_zh
    assert count("claim_report") == 0 and len(audit_actions()) == before


def test_an_illness_claim_in_observation_is_recorded_flagged(members):
    claim = draft(
        members["王五"],
        plan="ZJB",
        diagnosis="急性心肌梗死",
        shares_claimed=1,
        channel="paper",
        incident_date=D(2026, 11, 20),
        reported_on=D(2026, 11, 21),
        materials=frozenset(ruleset_on(TODAY).plan("ZJB").required_materials),
    )
    report = check_draft(claim, TODAY)
    assert "R1.7.in_observation" in [d.code for d in report.errors]
    assert "2027-04-29" in next(d.message for d in report.errors if d.code == "R1.7.in_observation")
    registered = register_claim(claim)
    assert registered.flagged and count("claim_report") == 1
    finding = next(f for f in stored_findings(registered.claim_id) if f["code"] == "R1.7.in_observation")
    assert "2027-04-29" in finding["message"] and finding["configurable"] is True


def test_r2_5_an_app_claim_outside_the_conditions_is_a_warning_not_a_refusal(members):
    report = check_draft(draft(members["王五"], plan="ZJB", channel="app"), TODAY)
    warning = next(d for d in report.decisions if d.code == "R2.5.app_outside_conditions")
    assert warning.severity.value == "warning" and warning not in report.errors


def test_live_check_of_an_empty_form_names_the_missing_fields(members):
    report = check_draft(ClaimDraft(), TODAY)
    missing = {d.data["field"] for d in report.errors if d.code == "R2.1.missing_field"}
    assert missing == {"unit", "member", "diagnosis", "plan", "shares_claimed", "reported_on", "reporter"}
    with pytest.raises(RuleRefused):
        register_claim(ClaimDraft())


def test_lifecycle_with_dates_and_clerk(members):
    cid = register_claim(draft(members["张三"])).claim_id
    transition_claim(cid, "submit", D(2026, 11, 6))
    transition_claim(cid, "return", D(2026, 11, 10), reason="缺少住院费用明细清单")
    transition_claim(cid, "resubmit", D(2026, 11, 12))
    transition_claim(cid, "settle", D(2026, 11, 20), benefit_fen=123456)
    row = ClaimReport.get_by_id(cid)
    assert (
        row.state,
        row.submitted_on,
        row.returned_on,
        row.return_reason,
        row.resubmitted_on,
        row.settled_on,
        row.benefit_fen,
    ) == ("settled", D(2026, 11, 6), D(2026, 11, 10), "缺少住院费用明细清单", D(2026, 11, 12), D(2026, 11, 20), 123456)
    events = list(ClaimEvent.select().where(ClaimEvent.claim == cid).order_by(ClaimEvent.id))
    assert [(e.action, e.from_state, e.to_state, e.by_user) for e in events] == [
        ("register", None, "registered", "zhang"),
        ("submit", "registered", "submitted", "zhang"),
        ("return", "submitted", "returned", "zhang"),
        ("resubmit", "returned", "resubmitted", "zhang"),
        ("settle", "resubmitted", "settled", "zhang"),
    ]
    assert audit_actions()[-5:] == ["claim.register", "claim.submit", "claim.return", "claim.resubmit", "claim.settle"]
    detail = claim_detail(cid, TODAY)
    assert detail.actions == [] and detail.direct_pay_next == "notice"
    assert detail.id_masked != idn(1) and detail.id_masked.endswith(idn(1)[-4:])


def test_decline_records_its_reason(members):
    cid = register_claim(draft(members["张三"])).claim_id
    transition_claim(cid, "submit", D(2026, 11, 6))
    transition_claim(cid, "decline", D(2026, 11, 9), reason="不属于保障责任范围")
    row = ClaimReport.get_by_id(cid)
    assert (row.state, row.declined_on, row.decline_reason) == ("declined", D(2026, 11, 9), "不属于保障责任范围")


@pytest.mark.parametrize(
    "steps, refused, code",
    [
        ([], ("settle", D(2026, 11, 6), {"benefit_fen": 100}), "R2.3.illegal_transition"),
        ([("submit", D(2026, 11, 8), {})], ("return", D(2026, 11, 7), {"reason": "缺页"}), "R2.3.date_backwards"),
        ([], ("submit", D(2026, 11, 4), {}), "R2.3.date_backwards"),
        ([("submit", D(2026, 11, 8), {})], ("return", D(2026, 11, 9), {"reason": " "}), "R2.3.reason_required"),
        ([("submit", D(2026, 11, 8), {})], ("settle", D(2026, 11, 9), {"benefit_fen": 0}), "R2.3.benefit_required"),
    ],
)
def test_illegal_or_backwards_steps_are_refused_with_nothing_written(members, steps, refused, code):
    cid = register_claim(draft(members["张三"])).claim_id
    for action, on, extra in steps:
        transition_claim(cid, action, on, **extra)
    before = (count("claim_event"), len(audit_actions()), ClaimReport.get_by_id(cid).state)
    action, on, extra = refused
    with pytest.raises(RuleRefused) as exc:
        transition_claim(cid, action, on, **extra)
    assert exc.value.decisions[0].code == code
    assert (count("claim_event"), len(audit_actions()), ClaimReport.get_by_id(cid).state) == before


def test_a_date_before_every_rule_set_is_a_typing_mistake(members):
    cid = register_claim(draft(members["张三"])).claim_id
    with pytest.raises(ValidationFailed) as refused:
        transition_claim(cid, "submit", D(2000, 1, 1))
    assert "早于所有规则集" in refused.value.message_zh


def test_unknown_claim_and_action(members):
    with pytest.raises(ValidationFailed):
        transition_claim(999, "submit", TODAY)
    with pytest.raises(ValidationFailed):
        transition_claim(1, "approve", TODAY)


def test_failed_direct_pay_follow_up_to_the_signature(members):
    cid = register_claim(draft(members["张三"])).claim_id
    transition_claim(cid, "submit", D(2026, 11, 6))
    with pytest.raises(ValidationFailed):  # not settled yet
        record_direct_pay_step(cid, "notice", D(2026, 11, 7))
    transition_claim(cid, "settle", D(2026, 11, 10), benefit_fen=50000)
    with pytest.raises(ValidationFailed, match="失败原因"):  # an empty reason cannot be followed up
        record_direct_pay_step(cid, "notice", D(2026, 11, 12), note="  ")
    record_direct_pay_step(cid, "notice", D(2026, 11, 12), note="原账户已销户")
    with pytest.raises(RuleRefused) as skipped:
        record_direct_pay_step(cid, "transferred", D(2026, 11, 13))
    assert skipped.value.decisions[0].code == "R2.4.illegal_transition"
    with pytest.raises(ValidationFailed):
        record_direct_pay_step(cid, "corrected", D(2026, 11, 13), account="")
    record_direct_pay_step(cid, "corrected", D(2026, 11, 13), account="6222 0200 1234 5678 901")
    with pytest.raises(RuleRefused) as backwards:
        record_direct_pay_step(cid, "transferred", D(2026, 11, 12))
    assert backwards.value.decisions[0].code == "R2.4.date_backwards"
    assert [r.id for r in claim_register(ClaimFilter(direct_pay_open=True), TODAY).rows] == [cid]
    for step, on in (("transferred", D(2026, 11, 14)), ("handed_down", D(2026, 11, 16)), ("signed", D(2026, 11, 18))):
        record_direct_pay_step(cid, step, on)
    item = DirectPayFailure.get(DirectPayFailure.claim == cid)
    assert (item.notice_on, item.corrected_account, item.signed_on) == (
        D(2026, 11, 12),
        "6222020012345678901",
        D(2026, 11, 18),
    )
    detail = claim_detail(cid, TODAY)
    assert detail.direct_pay[0].status.outcome == "closed" and "8901" in detail.direct_pay[0].account_masked
    assert "6222020012345678901" not in detail.direct_pay[0].account_masked
    assert claim_register(ClaimFilter(direct_pay_open=True), TODAY).rows == []
    assert audit_actions()[-5:] == [
        f"claim.direct_pay.{s}" for s in ("notice", "corrected", "transferred", "handed_down", "signed")
    ]


def test_register_filters_and_overdue(members):
    old = register_claim(
        draft(members["张三"], incident_date=D(2026, 10, 1), reported_on=D(2026, 10, 2), diagnosis="急性阑尾炎")
    ).claim_id
    fresh = register_claim(draft(members["李四"], reported_on=D(2026, 11, 20), shares_claimed=3)).claim_id
    submitted = register_claim(
        draft(
            members["李四"],
            incident_date=D(2026, 9, 1),
            reported_on=D(2026, 9, 2),
            diagnosis="胆囊结石伴胆囊炎",
            shares_claimed=1,
        )
    ).claim_id
    transition_claim(submitted, "submit", D(2026, 9, 3))
    everything = claim_register(ClaimFilter(), TODAY)
    assert [r.id for r in everything.rows] == [fresh, old, submitted] and not everything.truncated
    assert [r.id for r in claim_register(ClaimFilter(overdue_only=True), TODAY).rows] == [old]
    assert claim_register(ClaimFilter(overdue_only=True), TODAY).rows[0].overdue.code == "R2.3.submit_overdue"
    assert [r.id for r in claim_register(ClaimFilter(state="submitted"), TODAY).rows] == [submitted]
    assert [
        r.id for r in claim_register(ClaimFilter(date_from=D(2026, 10, 1), date_to=D(2026, 10, 31)), TODAY).rows
    ] == [old]
    assert len(claim_register(ClaimFilter(unit="朝阳某"), TODAY).rows) == 3
    assert claim_register(ClaimFilter(unit="U9999"), TODAY).rows == []
    assert claim_register(ClaimFilter(plan="ZJB"), TODAY).rows == []
    assert len(claim_register(ClaimFilter(), TODAY, limit=2).rows) == 2
    assert claim_register(ClaimFilter(), TODAY, limit=2).truncated


def test_auditor_cannot_write(members, branch_db):
    admin.add_user(dbmod.current(), "audit", "auditor", "audit pass", kdf=CHEAP_KDF)
    dbmod.close()
    dbmod.unlock(branch_db[0], "audit", "audit pass")
    clock.freeze(TODAY)
    assert check_draft(draft(members["张三"]), TODAY).ok  # reading is allowed
    with pytest.raises(PermissionDenied) as denied:
        register_claim(draft(members["张三"]))
    assert "只读" in denied.value.message_zh
    assert count("claim_report") == 0


# --- huzhu claim register, in a subprocess -------------------------------------------------


def huzhu(branch_db, *args):
    return cli_kit.huzhu(*args, env=as_(branch_db[0]))


@pytest.fixture
def cli_member(session, tmp_path):
    """张三 with 2 shares of 住院医疗 from 150 days before the real today (the subprocess
    reads the real clock), past observation; returns (ID number, policy start)."""
    from rules.dates import term_end

    real_today = SESSION_DAY
    start = real_today - dt.timedelta(days=150)
    path = tmp_path / "staff.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        out.writerow(
            [
                "U0001",
                "朝阳某公司工会",
                "ZYYL",
                start.isoformat(),
                term_end(start, 12).isoformat(),
                (start - dt.timedelta(days=5)).isoformat(),
                "张三",
                idn(1),
                "2",
                "",
                "",
            ]
        )
    assert import_enrolments(path).written
    dbmod.close()
    return idn(1), start


def cli_claim(id_number, incident, *extra):
    return (
        "claim",
        "register",
        "--id-number",
        id_number,
        "--plan",
        "ZYYL",
        "--diagnosis",
        "肺炎",
        "--incident-date",
        incident,
        "--reporter",
        "刘主席",
        *extra,
    )


def test_cli_records_a_report_for_an_uncovered_date_with_its_findings(branch_db, cli_member):
    id_number, start = cli_member
    before_cover = (start - dt.timedelta(days=20)).isoformat()
    proc = huzhu(branch_db, *cli_claim(id_number, before_cover, "--shares", "1"))
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert "[R1.8.not_covered_on_incident]" in proc.stdout and "不在住院医疗" in proc.stdout
    assert "《代办处管理办法》(000) 第十七条2" in proc.stdout
    assert "已登记，但初审发现问题" in proc.stderr and "would not be paid" in proc.stderr
    assert id_number not in proc.stdout + proc.stderr

    proc = huzhu(branch_db, *cli_claim(id_number, before_cover, "--shares", "3", "--json"))
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    out = json.loads(proc.stdout)
    assert (out["recorded"], out["flagged"], out["state"], out["refused"]) == (True, True, "registered", [])
    codes = {f["code"]: f for f in out["findings"]}
    assert codes["R1.8.not_covered_on_incident"]["severity"] == "error"
    assert codes["R1.8.not_covered_on_incident"]["citation"] == "000 第十七条2"
    assert codes["R2.2.materials_missing"]["severity"] == "warning"
    assert out["id_masked"].endswith(id_number[-4:]) and id_number not in proc.stdout

    dbmod.unlock(branch_db[0], "zhang", PASSPHRASE)
    rows = database.execute_sql(
        "SELECT id, state, shares_claimed, check_findings FROM claim_report ORDER BY id"
    ).fetchall()
    assert [(r[1], r[2]) for r in rows] == [("registered", 1), ("registered", 3)] and rows[1][0] == out["claim_id"]
    assert json.loads(rows[0][3])[0]["code"] == "R1.8.not_covered_on_incident"


def test_cli_refuses_an_incomplete_entry_with_exit_3_and_writes_nothing(branch_db, cli_member):
    id_number, _start = cli_member
    covered = (SESSION_DAY - dt.timedelta(days=3)).isoformat()
    proc = huzhu(
        branch_db,
        "claim",
        "register",
        "--id-number",
        id_number,
        "--plan",
        "ZYYL",
        "--incident-date",
        covered,
        "--shares",
        "1",
        "--json",
    )
    assert proc.returncode == 3, proc.stderr
    assert_no_traceback(proc)
    out = json.loads(proc.stdout)
    assert out["recorded"] is False and out["claim_id"] is None
    assert {f["code"] for f in out["refused"]} == {"R2.1.missing_field"}
    assert "报案登记簿缺少“主要诊断”" in proc.stderr and "报案人" in proc.stderr
    proc = huzhu(branch_db, *cli_claim("110105198001019999", covered, "--shares", "1"))
    assert proc.returncode == 3 and "没有此身份证号的会员" in proc.stderr
    assert_no_traceback(proc)
    proc = huzhu(branch_db, *cli_claim(id_number, covered, "--shares", "1", "--material", "身份证"))
    assert proc.returncode == 2 and "互助金申请书" in proc.stderr
    dbmod.unlock(branch_db[0], "zhang", PASSPHRASE)
    assert count("claim_report") == 0


def test_cli_records_a_clean_report(branch_db, cli_member):
    id_number, _start = cli_member
    covered = (SESSION_DAY - dt.timedelta(days=3)).isoformat()
    materials = [arg for m in ruleset_on(SESSION_DAY).plan("ZYYL").required_materials for arg in ("--material", m)]
    proc = huzhu(branch_db, *cli_claim(id_number, covered, "--shares", "2", "--json", *materials))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["recorded"], out["flagged"], out["findings"]) == (True, False, [])
    assert f"报案 #{out['claim_id']} 已登记" in proc.stderr and "初审发现问题" not in proc.stderr
