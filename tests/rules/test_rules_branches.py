"""The branch lifecycle's deadlines and checks (docs/rules.md R8; 000 第七–十条), at their boundaries."""

from __future__ import annotations

from datetime import date

from rules import branches as rb


def facts(**kw) -> rb.BranchFacts:
    return rb.BranchFacts(code="101", **kw)


def test_decision_due_ten_calendar_days_after_receipt():
    f = facts(state="applied", applied_on=date(2026, 11, 20))
    (d,) = rb.deadlines(f, date(2026, 11, 30))
    assert (d.code, d.due, d.days_left, d.overdue) == ("R8.3.decision", date(2026, 11, 30), 0, False)
    assert rb.deadlines(f, date(2026, 12, 1))[0].overdue
    assert str(d.citation) == "《代办处管理办法》(000) 第八条2"
    # a decision on the 10th day is on time; on the 11th it is recorded and flagged late
    assert rb.late_step("approve", f, date(2026, 11, 30)) is None
    late = rb.late_step("approve", f, date(2026, 12, 1))
    assert late is not None and late.code == "R8.step.late" and late.data["due"] == date(2026, 11, 30)


def test_announcement_due_twenty_days_after_certificate_across_month_end():
    f = facts(
        state="certified", decided_on=date(2026, 12, 1), certified_on=date(2026, 12, 20), started_on=date(2026, 12, 2)
    )
    (d,) = rb.deadlines(f, date(2026, 12, 21))
    assert (d.code, d.due) == ("R8.4.announce", date(2027, 1, 9))


def test_three_months_without_business_disqualifies_from_the_day_after():
    # approval on 2026-11-30: three months end on 2027-02-28 (February has no 30th)
    f = facts(state="certified", decided_on=date(2026, 11, 30), certified_on=date(2026, 12, 5))
    assert rb.start_deadline(f) == date(2027, 2, 28)
    assert rb.effective_state(f, date(2027, 2, 28)) == "certified"
    assert rb.effective_state(f, date(2027, 3, 1)) == "disqualified"
    # business started, or a reason the office accepted, stops the rule
    assert (
        rb.effective_state(
            facts(state="active", decided_on=date(2026, 11, 30), started_on=date(2027, 1, 4)), date(2027, 6, 1)
        )
        == "active"
    )
    assert (
        rb.effective_state(facts(state="certified", decided_on=date(2026, 11, 30), excused=True), date(2027, 6, 1))
        == "certified"
    )


def test_change_announced_at_once_means_by_the_next_working_day():
    # decided on Friday 2026-12-04: the next working day is Monday 2026-12-07
    f = facts(state="active", change_decided_on=date(2026, 12, 4), change_announce_pending=True)
    (d,) = rb.deadlines(f, date(2026, 12, 5))
    assert (d.code, d.due) == ("R8.6.announce", date(2026, 12, 7))
    assert rb.late_step("change_announce", f, date(2026, 12, 7)) is None
    assert rb.late_step("change_announce", f, date(2026, 12, 8)).code == "R8.step.late"


def test_termination_twenty_days_to_approve_and_twenty_to_stop():
    applied = facts(state="termination_applied", termination_applied_on=date(2026, 12, 15))
    assert rb.deadlines(applied, date(2026, 12, 15))[0].due == date(2027, 1, 4)
    approved = facts(
        state="termination_approved",
        termination_applied_on=date(2026, 12, 15),
        termination_approved_on=date(2027, 1, 2),
    )
    assert rb.deadlines(approved, date(2027, 1, 2))[0].due == date(2027, 1, 22)


def test_steps_out_of_order_in_the_future_or_backwards_are_refused():
    today = date(2026, 12, 6)
    assert rb.check_step("certify", "applied", None, today, today).code == "R8.step.illegal"
    assert rb.check_step("approve", "applied", date(2026, 12, 1), date(2026, 12, 7), today).code == "R8.step.future"
    assert (
        rb.check_step("approve", "applied", date(2026, 12, 1), date(2026, 11, 30), today).code
        == "R8.step.date_backwards"
    )
    assert rb.check_step("approve", "applied", date(2026, 12, 1), date(2026, 12, 1), today) is None
    assert rb.check_step("apply", None, None, today, today) is None


def test_approval_needs_every_document_of_the_step():
    refused = rb.check_approval("approve", ["report", "rules", "roster"], date(2026, 12, 1))
    assert refused.code == "R8.approve.documents_missing" and refused.data["missing"] == ("resumes",)
    assert rb.check_approval("approve", ["report", "rules", "roster", "resumes"], date(2026, 12, 1)) is None
    # a change of premises needs no résumé (第九条(3) concerns a new chair or director)
    assert rb.check_approval("change_approve", ["report", "resolution"], date(2026, 12, 1), "premises") is None
    assert rb.check_approval("change_approve", ["report", "resolution"], date(2026, 12, 1), "director") is not None
    assert rb.check_approval("terminate_approve", ["report", "resolution"], date(2026, 12, 1)).data["missing"] == (
        "liquidation",
    )
    assert rb.check_documents_known("apply", ["reprot"]).code == "R8.docs.unknown"


def test_name_form_of_article_27_is_a_warning():
    assert rb.check_name("中国职工保险互助会北京办事处朝阳代办处", date(2026, 1, 1)) is None
    assert rb.check_name("中国职工保险互助会北京办事处望京代办点", date(2026, 1, 1)) is None
    warn = rb.check_name("朝阳区互助代办处", date(2026, 1, 1))
    assert warn.code == "R8.name.form" and warn.ok


def test_which_bundles_the_office_expects_and_accepts():
    stop = date(2026, 10, 15)
    assert rb.expects_bundle("terminated", stop, date(2026, 10, 1))  # the final bundle of the month it stopped
    assert not rb.expects_bundle("terminated", stop, date(2026, 11, 1))
    assert not rb.expects_bundle("disqualified", None, date(2026, 11, 1))
    assert rb.expects_bundle("active", None, date(2026, 11, 1))
    assert rb.accepts_bundle("terminated", stop, date(2026, 11, 1)).code == "R8.7.terminated"
    assert rb.accepts_bundle("terminated", stop, date(2026, 10, 1)) is None
    assert rb.accepts_bundle("disqualified", None, date(2026, 10, 1)).code == "R8.5.disqualified"


def test_no_bundle_expected_before_business_starts():
    oct1, oct31 = date(2026, 10, 1), date(2026, 10, 31)
    assert not rb.expects_bundle("applied", None, oct1, None, oct31)
    assert not rb.expects_bundle("certified", None, oct1, None, oct31)
    assert rb.expects_bundle("certified", None, oct1, date(2026, 10, 20), oct31)
    assert not rb.expects_bundle("active", None, oct1, date(2026, 11, 3), oct31)
