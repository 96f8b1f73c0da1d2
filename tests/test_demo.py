"""The demo database (models.demo): opens with demo/demo and holds data the rules accept."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from itertools import pairwise

import pytest

from models import admin, demo
from models import db as dbmod
from models.keyslots import KeyFile
from models.names import initials
from rules.claims import ClaimEvent as RuleClaimEvent
from rules.claims import DirectPayStep, check_claim_history, claim_overdue, direct_pay_status
from rules.dates import expiry, term_end
from rules.disbursements import Disbursement as RuleDisbursement
from rules.disbursements import PriorPayment, check_caps, check_payment_method
from rules.enrolment import classify_renewal, cover_start, observation_end
from rules.idcard import check_id_number
from rules.params import ruleset_on
from rules.staff import login_status
from tests.conftest import today

MEMBERS = 300
TODAY = today()
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.hzdb"
    counts = demo.build_demo(path, members=MEMBERS, today=TODAY)
    return path, counts


@pytest.fixture
def db(demo_db):
    path, counts = demo_db
    dbmod.unlock(path, "demo", "demo")
    return counts


def rows(sql, params=()):
    return dbmod.database.execute_sql(sql, params).fetchall()


def test_opens_with_the_demo_logins_and_their_roles(demo_db):
    path, _ = demo_db
    for user, role in (("demo", "supervisor"), ("wang", "clerk"), ("audit", "auditor")):
        assert dbmod.unlock(path, user, "demo").role == role
        dbmod.close()
    assert KeyFile.load(path).hint == {"demo": True, "user": "demo", "passphrase": "demo"}


def test_counts_are_as_asked(db):
    counts = db
    assert counts["members"] == MEMBERS == rows("SELECT count(*) FROM member")[0][0]
    assert counts["units"] == round(MEMBERS / demo.MEMBERS_PER_UNIT) == rows("SELECT count(*) FROM unit")[0][0]
    assert rows("SELECT code FROM unit ORDER BY id LIMIT 1") == [("U0001",)]
    for key, table in (
        ("policies", "policy"),
        ("coverage_lines", "coverage"),
        ("claims", "claim_report"),
        ("claim_events", "claim_event"),
        ("direct_pay_failures", "direct_pay_failure"),
        ("disbursements", "disbursement"),
        ("budget_lines", "budget_line"),
        ("staff_accounts", "staff_account"),
        ("handovers", "handover"),
        ("handover_items", "handover_item"),
    ):
        assert counts[key] == rows(f"SELECT count(*) FROM {table}")[0][0], key
    assert sorted(rows("SELECT code FROM plan")) == sorted((code,) for code in ruleset_on(TODAY).plans)
    assert 0 < counts["retired"] < MEMBERS and 0 < counts["with_bank_account"] < MEMBERS


def test_every_member_id_is_valid_and_its_columns_derived(db):
    for name, init, number, rev, sex, birth, retirement in rows(
        "SELECT name, initials, id_number, id_rev, sex, birth_date, retirement_date FROM member"
    ):
        decision = check_id_number(number, TODAY)
        assert decision.ok, decision.message
        assert number[:4] == "1101" and dt.date(1966, 1, 1) <= D(birth) <= dt.date(2004, 12, 31)
        assert D(birth) == decision.data["birth_date"] and sex == {"male": "M", "female": "F"}[decision.data["sex"]]
        assert rev == number[::-1] and init == initials(name)
        assert retirement is None or D(retirement) > D(birth)


def test_policies_are_head_to_tail_and_classified_by_the_rule(db):
    chains = defaultdict(list)
    for row in rows(
        'SELECT id, unit_id, plan_id, start, "end", filed, renews_id, outcome, cover_from FROM policy '
        "ORDER BY unit_id, plan_id, start"
    ):
        chains[row[1], row[2]].append(row)
    terms = {code: p.term_months for code, p in ruleset_on(TODAY).plans.items()}
    for (_, plan), chain in chains.items():
        first = chain[0]
        assert first[7] == "first_enrolment" and first[6] is None
        assert D(first[8]) == cover_start(D(first[3]), D(first[5]))
        for previous, policy in pairwise(chain):
            _, _, _, start, end, filed, renews, outcome, cover_from = policy
            assert D(start) == expiry(D(previous[4])) and renews == previous[0]
            decision = classify_renewal(D(previous[3]), D(previous[4]), D(start), D(end), D(filed), plan)
            assert decision.ok and decision.outcome == outcome and decision.data["cover_start"] == D(cover_from)
        for policy in chain:
            assert D(policy[4]) == term_end(D(policy[3]), terms[plan]) and D(policy[5]) <= TODAY
    outcomes = {p[7] for chain in chains.values() for p in chain}
    assert outcomes == {"first_enrolment", "renewal", "late_renewal_as_first"}
    last_expiries = [expiry(D(chain[-1][4])) for chain in chains.values()]
    assert any(e + dt.timedelta(days=15) < TODAY for e in last_expiries), "a lapsed policy"
    assert any(TODAY - dt.timedelta(days=15) <= e <= TODAY for e in last_expiries), "a policy in its grace days"
    assert any(TODAY < e <= TODAY + dt.timedelta(days=15) for e in last_expiries), "one expiring unrenewed"
    assert any(D(chain[-1][3]) > TODAY for chain in chains.values()), "a renewal filed before its start"


def test_coverage_lines_carry_the_observation_ends_of_r17(db):
    days = {code: p.observation_days for code, p in ruleset_on(TODAY).plans.items()}
    lines = rows(
        "SELECT c.member_id, c.policy_id, c.event, c.cover_start, c.observation_end, c.shares, p.plan_id, "
        'p.renews_id, p.cover_from, c.filed, p."end", m.retirement_date FROM coverage c '
        "JOIN policy p ON p.id = c.policy_id JOIN member m ON m.id = c.member_id"
    )
    held = defaultdict(set)
    for member, policy, _, _, obs, *_ in lines:
        held[member, policy].add(obs)
    events = defaultdict(int)
    for member, _policy, event, start, obs, shares, plan, renews, cover_from, filed, end, retired in lines:
        events[event] += 1
        assert shares > 0
        if event == "renewal":
            assert start == cover_from and obs in held[member, renews]  # copied, never restarted
        else:
            expected = observation_end(D(start), days[plan])
            assert obs == (expected.isoformat() if expected else None), (event, start, obs)
            if event == "added_shares":  # R1.5: covered and observed from the day they are filed
                assert start == filed and cover_from < start <= end
            else:
                assert start == cover_from
        assert retired is None or D(retired) > D(start), "R1.1: no cover starts after retirement"
    assert set(events) == {"first_enrolment", "renewal", "late_renewal_as_first", "added_shares"}
    joined_late = rows(
        "SELECT count(*) FROM coverage c JOIN policy p ON p.id = c.policy_id "
        "WHERE c.event = 'first_enrolment' AND p.renews_id IS NOT NULL"
    )[0][0]
    assert joined_late > 0, "some members join at a renewal"


def test_claims_walk_every_state_with_dates_that_never_go_backwards(db):
    claims = rows(
        "SELECT id, state, incident_date, report_date, submitted_on, returned_on, resubmitted_on, "
        "settled_on, declined_on, benefit_fen, return_reason FROM claim_report"
    )
    assert {c[1] for c in claims} == {"registered", "submitted", "returned", "resubmitted", "settled", "declined"}
    events = defaultdict(list)
    for claim, state, on, by, note, amount in rows(
        "SELECT claim_id, to_state, on_date, by_user, note, amount_fen FROM claim_event ORDER BY id"
    ):
        events[claim].append(RuleClaimEvent(state, D(on), by, note, amount))
    overdue = 0
    for claim_id, state, incident, *dates, benefit, reason in claims:
        filled = [D(d) for d in dates if d]
        assert D(incident) <= filled[0] and filled == sorted(filled) and filled[-1] <= TODAY
        history = events[claim_id]
        assert check_claim_history(history, D(incident)).ok and history[-1].state == state
        assert (benefit or 0) > 0 if state == "settled" else benefit is None
        assert reason if state == "returned" else True
        overdue += claim_overdue(history, TODAY).outcome == "overdue"
    assert overdue > 0
    steps = {"notice": 0, "corrected": 1, "transferred": 3, "handed_down": 4, "signed": 5}
    statuses = []
    for failure in rows(
        "SELECT notice_on, corrected_on, corrected_account, transferred_on, handed_down_on, signed_on "
        "FROM direct_pay_failure"
    ):
        done = [DirectPayStep(step, D(failure[i]), "wang") for step, i in steps.items() if failure[i]]
        statuses.append(direct_pay_status(done, TODAY).outcome)
    assert {"open", "closed"} <= set(statuses)


def test_disbursements_stay_within_caps_and_separate_duties(db):
    rs = ruleset_on(TODAY)
    history = defaultdict(list)
    states = set()
    budget = {(year, code): amount for year, code, amount in rows("SELECT year, code, amount_fen FROM budget_line")}
    spent = defaultdict(int)
    for (
        on,
        member,
        beneficiary,
        category,
        amount,
        method,
        account,
        member_account,
        state,
        entered,
        approved,
        cash_reason,
        visit_place,
        year,
    ) in rows(
        "SELECT d.on_date, d.member_id, d.beneficiary_name, d.category, d.amount_fen, d.method, d.account, "
        "m.bank_account, d.state, d.entered_by, d.approved_by, d.cash_reason, d.visit_place, b.year "
        "FROM disbursement d "
        "JOIN member m ON m.id = d.member_id JOIN budget_line b ON b.id = d.budget_line_id "
        "ORDER BY d.on_date, d.id"
    ):
        states.add(state)
        assert entered == "wang" and approved in (None, "demo")
        if state == "cancelled":
            continue
        student = beneficiary if category == "education_aid" else None
        decision = check_caps(category, amount, D(on), history[member], rs, student=student)
        assert decision.ok, decision.message
        history[member].append(PriorPayment(category, D(on), amount, student))
        paid = RuleDisbursement(
            category,
            str(member),
            D(on),
            amount,
            "情况说明",
            method,
            to_own_account=account is not None and account == member_account,
            cash_reason=cash_reason,
            visit_place=visit_place,
        )
        assert check_payment_method(paid, rs).ok
        assert D(on).year == year
        spent[year] += amount
    assert states == {"entered", "approved", "paid", "signed", "cancelled"}
    for year, amount in spent.items():
        assert amount <= budget[year, "welfare"]


def test_staff_accounts_and_handover(db):
    statuses = {
        login_status(D(last), TODAY).outcome for (last,) in rows("SELECT last_login FROM staff_account WHERE active")
    }
    assert statuses == {"ok", "warn", "overdue"}
    [(items,)] = rows("SELECT count(*) FROM handover h JOIN handover_item i ON i.handover_id = h.id")
    assert items == len(ruleset_on(TODAY)["handover_items"])
    assert json.loads(rows("SELECT open_work FROM handover")[0][0])


def test_huzhu_checks_pass(db):
    checks = {c.name: (c.ok, c.detail) for c in admin.run_checks()}
    assert {"integrity_check", "cipher_integrity_check", "foreign_key_check", "audit_chain"} <= set(checks)
    assert all(ok for ok, _ in checks.values()), checks


def test_audit_has_one_event_per_bulk_step_and_no_personal_data(db):
    details = dict(rows("SELECT action, detail FROM audit_event WHERE action LIKE 'demo.%' ORDER BY seq"))
    assert list(details) == [
        "demo.units",
        "demo.policies",
        "demo.members",
        "demo.enrolment",
        "demo.renewals",
        "demo.claims",
        "demo.disbursements",
        "demo.staff",
    ]
    everything = " ".join(d for (d,) in rows("SELECT detail FROM audit_event"))
    for personal in rows("SELECT id_number, phone, bank_account FROM member LIMIT 50"):
        assert not any(value in everything for value in personal if value)


def test_the_file_holds_no_member_data_in_plain_bytes(db, demo_db):
    sample = rows("SELECT name, id_number FROM member ORDER BY id LIMIT 40")
    dbmod.close()
    raw = demo_db[0].read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    for name, number in sample:
        assert name.encode() not in raw and number.encode() not in raw


def test_same_seed_and_day_give_the_same_data(tmp_path, demo_db):
    other = tmp_path / "again.hzdb"
    assert demo.build_demo(other, members=MEMBERS, today=TODAY) == demo_db[1]
    dumps = []
    for path in (demo_db[0], other):
        dbmod.unlock(path, "demo", "demo")
        dumps.append(
            [
                rows(f"SELECT * FROM {table} ORDER BY id")
                for table in ("member", "policy", "coverage", "claim_report", "claim_event", "disbursement")
            ]
        )
        dbmod.close()
    assert dumps[0] == dumps[1]
