"""Welfare disbursements against a real encrypted database: entry within caps and budget,
approval by another supervisor only, payment by transfer or cash, the signed receipt, the
register of a period; and ``parse_yuan``."""

from __future__ import annotations

import datetime as dt

import pytest

from models import admin, clock
from models import db as dbmod
from models.db import database
from models.disbursements import (
    DisbursementDraft,
    approve_disbursement,
    budget_lines,
    disbursement_register,
    enter_disbursement,
    pay_disbursement,
    preview,
    sign_receipt,
)
from models.errors import PermissionDenied, RuleRefused, ValidationFailed
from models.money import parse_yuan
from models.schema import BudgetLine, Disbursement, Member, Unit
from rules.idcard import id_check_char
from tests.conftest import CHEAP_KDF, PASSPHRASE

D = dt.date
TODAY = D(2026, 11, 23)
ACCOUNT = "6222020012345678901"


def audit_actions() -> list[str]:
    return [r[0] for r in database.execute_sql("SELECT action FROM audit_event ORDER BY seq")]


def count() -> int:
    return Disbursement.select().count()


@pytest.fixture
def branch(session):
    """One unit, 张三 (bank account on file) and 李四 (none), a 2026 welfare line of 10,000
    yuan and a small 2026 office line of 600 yuan; returns the ids."""
    clock.freeze(TODAY)
    with dbmod.writing():
        unit = Unit.create(code="U0001", name="朝阳某公司工会")
        ids = {}
        for i, (name, account) in enumerate((("张三", ACCOUNT), ("李四", None)), start=1):
            body = f"11010519800101{i:03d}"
            number = body + id_check_char(body)
            ids[name] = Member.create(
                name=name,
                initials="x",
                id_number=number,
                id_rev=number[::-1],
                sex="M",
                birth_date=D(1980, 1, 1),
                unit=unit,
                bank_account=account,
            ).id
        ids["welfare"] = BudgetLine.create(year=2026, code="welfare", name="互助互济支出", amount_fen=1_000_000).id
        ids["small"] = BudgetLine.create(year=2026, code="office", name="办公经费", amount_fen=60_000).id
    return ids


def draft(branch, **changes) -> DisbursementDraft:
    values = dict(
        member_id=branch["张三"],
        category="condolence_cash",
        on=D(2026, 11, 20),
        amount_fen=150_000,
        method="transfer",
        note="会员本人患重大疾病住院",
        budget_line_id=branch["welfare"],
        backdate_reason="按纸质凭证补录",
    )  # dated before TODAY: a supervisor's back-dated entry
    values.update(changes)
    return DisbursementDraft(**values)


def second_supervisor(branch_db, role="supervisor") -> None:
    """Add user li with ``role`` and switch the session to li."""
    admin.add_user(dbmod.current(), "li", role, "li pass", kdf=CHEAP_KDF)
    dbmod.close()
    dbmod.unlock(branch_db[0], "li", "li pass")
    clock.freeze(TODAY)


def as_zhang(branch_db) -> None:
    dbmod.close()
    dbmod.unlock(branch_db[0], "zhang", PASSPHRASE)
    clock.freeze(TODAY)


@pytest.mark.parametrize(
    "text, fen",
    [
        ("1234.56", 123456),
        ("0.1", 10),
        ("0.01", 1),
        ("12", 1200),
        ("12.", 1200),
        ("007.50", 750),
        ("1,000", 100000),
        ("１０００．５", 100050),
        ("￥300", 30000),
        ("300元", 30000),
        (" 5 ", 500),
        ("0", 0),
        ("999999999.99", 99999999999),
    ],
)
def test_parse_yuan_accepts(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "请填写"),
        ("  ", "请填写"),
        ("-5", "负数"),
        ("1.234", "两位小数"),
        ("0.001", "两位小数"),
        ("abc", "格式"),
        ("1e3", "格式"),
        ("1.2.3", "格式"),
        (".5", "格式"),
        ("nan", "格式"),
        ("1000000000", "过大"),
        ("12 3x", "格式"),
    ],
)
def test_parse_yuan_refuses(text, says):
    with pytest.raises(ValidationFailed) as refused:
        parse_yuan(text)
    assert says in refused.value.message_zh


def test_lifecycle_entered_approved_paid_signed(branch, branch_db):
    entered = enter_disbursement(draft(branch))
    assert entered.report.ok
    row = Disbursement.get_by_id(entered.disbursement_id)
    assert (row.state, row.entered_by, row.account, row.unit.code, row.beneficiary_name) == (
        "entered",
        "zhang",
        ACCOUNT,
        "U0001",
        "张三",
    )
    second_supervisor(branch_db)
    approve_disbursement(row.id, D(2026, 11, 21))
    with pytest.raises(RuleRefused) as no_ref:
        pay_disbursement(row.id, D(2026, 11, 22))
    assert no_ref.value.decisions[0].code == "R3.state.transfer_ref_required"
    pay_disbursement(row.id, D(2026, 11, 22), transfer_ref="ZZ2026112200001")
    with pytest.raises(RuleRefused) as backwards:
        sign_receipt(row.id, D(2026, 11, 21))
    assert backwards.value.decisions[0].code == "R3.state.date_backwards"
    sign_receipt(row.id, D(2026, 11, 23), receipt_no="QS2026-00001")
    row = Disbursement.get_by_id(row.id)
    assert (
        row.state,
        row.approved_by,
        row.approved_on,
        row.paid_on,
        row.transfer_ref,
        row.signed_on,
        row.receipt_no,
    ) == ("signed", "li", D(2026, 11, 21), D(2026, 11, 22), "ZZ2026112200001", D(2026, 11, 23), "QS2026-00001")
    assert [a for a in audit_actions() if a.startswith("disbursement.")] == [
        "disbursement.enter",
        "disbursement.approved",
        "disbursement.paid",
        "disbursement.receipt_signed",
    ]
    assert ACCOUNT not in "".join(r[0] for r in database.execute_sql("SELECT detail FROM audit_event"))


def test_self_approval_is_refused(branch):
    did = enter_disbursement(draft(branch)).disbursement_id
    before = len(audit_actions())
    with pytest.raises(RuleRefused) as refused:
        approve_disbursement(did, D(2026, 11, 21))
    assert refused.value.decisions[0].code == "R3.5.self_approval"
    assert "002" in refused.value.message_zh and "第三十一条" in refused.value.message_zh
    assert Disbursement.get_by_id(did).state == "entered" and len(audit_actions()) == before


def test_a_clerk_cannot_approve(branch, branch_db):
    did = enter_disbursement(draft(branch)).disbursement_id
    second_supervisor(branch_db, role="clerk")
    with pytest.raises(RuleRefused) as refused:
        approve_disbursement(did, D(2026, 11, 21))
    assert refused.value.decisions[0].code == "R3.5.not_supervisor"


def test_over_cap_is_refused_with_its_article(branch):
    with pytest.raises(RuleRefused) as refused:
        enter_disbursement(draft(branch, amount_fen=200_001))
    assert refused.value.decisions[0].code == "R3.cap.occasion_exceeded"
    assert "第五条2(3)" in refused.value.message_zh
    assert count() == 0


def test_yearly_cap_counts_this_years_payments(branch):
    hardship = dict(category="hardship_aid", note="家庭成员患重病，生活困难")
    enter_disbursement(draft(branch, amount_fen=300_000, **hardship))
    shown = preview(draft(branch, amount_fen=None, **hardship))
    assert shown.allowance.data["remaining_fen"] == 200_000 and shown.report is None
    with pytest.raises(RuleRefused) as refused:
        enter_disbursement(draft(branch, amount_fen=200_001, **hardship))
    assert refused.value.decisions[0].code == "R3.cap.year_exceeded" and "第四条1" in refused.value.message_zh
    enter_disbursement(draft(branch, amount_fen=200_000, **hardship))
    # next calendar year starts afresh
    assert (
        preview(draft(branch, on=D(2027, 1, 2), amount_fen=None, **hardship)).allowance.data["remaining_fen"] == 500_000
    )


def test_cash_over_1000_is_refused_and_cash_needs_reason_and_signature(branch, branch_db):
    with pytest.raises(RuleRefused) as over:
        enter_disbursement(draft(branch, method="cash", amount_fen=100_001, cash_reason="会员住院，现场慰问"))
    assert over.value.decisions[0].code == "R3.2.cash_over_limit" and "第十条" in over.value.message_zh
    with pytest.raises(RuleRefused) as no_place:
        enter_disbursement(draft(branch, method="cash", amount_fen=100_000, cash_reason="会员住院，现场慰问"))
    assert no_place.value.decisions[0].code == "R3.2.cash_visit_required"
    with pytest.raises(RuleRefused) as no_reason:
        enter_disbursement(draft(branch, method="cash", amount_fen=100_000, visit_place="朝阳医院"))
    assert no_reason.value.decisions[0].code == "R3.2.cash_reason_required"
    entered = enter_disbursement(
        draft(
            branch,
            member_id=branch["李四"],
            method="cash",
            amount_fen=100_000,
            cash_reason="会员住院，现场慰问",
            visit_place="朝阳医院",
        )
    )
    assert "R3.2.cash_allowed" in [d.code for d in entered.report.warnings]
    second_supervisor(branch_db)
    approve_disbursement(entered.disbursement_id, D(2026, 11, 20))
    with pytest.raises(RuleRefused) as unsigned:
        pay_disbursement(entered.disbursement_id, D(2026, 11, 20))
    assert unsigned.value.decisions[0].code == "R3.state.cash_receipt_required"
    pay_disbursement(entered.disbursement_id, D(2026, 11, 20), cash_receipt_signed=True, receipt_no="QS-1")
    row = Disbursement.get_by_id(entered.disbursement_id)
    assert (row.state, row.account, row.cash_reason, row.receipt_no) == ("paid", None, "会员住院，现场慰问", "QS-1")


def test_transfer_needs_the_members_own_account(branch):
    with pytest.raises(RuleRefused) as refused:
        enter_disbursement(draft(branch, member_id=branch["李四"]))
    assert refused.value.decisions[0].code == "R3.2.not_own_account"


def test_budget_exceeded_is_refused(branch):
    enter_disbursement(draft(branch, amount_fen=50_000, budget_line_id=branch["small"]))
    shown = preview(draft(branch, amount_fen=None, budget_line_id=branch["small"]))
    assert shown.budget.data["remaining_fen"] == 10_000
    with pytest.raises(RuleRefused) as refused:
        enter_disbursement(draft(branch, amount_fen=10_001, budget_line_id=branch["small"]))
    assert [d.code for d in refused.value.decisions] == ["R3.4.budget_exceeded"]
    assert "第八条" in refused.value.message_zh
    assert [(b.code, b.committed_fen) for b in budget_lines(2026)] == [("office", 50_000), ("welfare", 0)]


def test_missing_fields_and_unknown_rows(branch):
    with pytest.raises(ValidationFailed) as missing:
        enter_disbursement(DisbursementDraft(member_id=branch["张三"]))
    assert "支出类别" in missing.value.message_zh and "金额" in missing.value.message_zh
    with pytest.raises(ValidationFailed):
        approve_disbursement(999, TODAY)
    assert count() == 0


def test_preview_shows_allowance_method_and_budget(branch):
    shown = preview(draft(branch, category="weather_goods", method="in_kind", amount_fen=None))
    # R3.8: averages over the recipients, not a per-member cap
    assert "人均不超过 100.00元" in shown.allowance.message and "年度人均不超过 300.00元" in shown.allowance.message
    assert "1000.00元" in shown.method_rule and "可用余额(含待付) 10000.00元" in shown.budget.message
    assert shown.account_masked and ACCOUNT not in shown.account_masked
    full = preview(draft(branch, category="weather_goods", method="transfer", amount_fen=10_000))
    assert "R3.2.goods_in_kind" in [d.code for d in full.report.errors] and "实物" in full.method_rule


def test_register_of_a_period_with_totals(branch):
    enter_disbursement(draft(branch, on=D(2026, 10, 5), amount_fen=100_000))
    enter_disbursement(draft(branch, on=D(2026, 11, 5), amount_fen=20_000))
    enter_disbursement(
        draft(branch, on=D(2026, 11, 6), category="small_goods", method="in_kind", amount_fen=30_000, note="住院慰问")
    )
    page = disbursement_register(D(2026, 11, 1), D(2026, 11, 30))
    assert [r.on for r in page.rows] == [D(2026, 11, 5), D(2026, 11, 6)]
    assert (page.total_fen, page.count, page.truncated) == (50_000, 2, False)
    assert page.rows[0].account_masked.endswith("8901") and page.rows[0].account_masked != ACCOUNT
    assert page.rows[0].state_name == "录入"
    only = disbursement_register(D(2026, 1, 1), D(2026, 12, 31), category="small_goods")
    assert [r.category for r in only.rows] == ["small_goods"]
    assert disbursement_register(D(2026, 1, 1), D(2026, 12, 31), state="paid").rows == []


def test_auditor_cannot_enter(branch, branch_db):
    second_supervisor(branch_db, role="auditor")
    assert preview(draft(branch)).report.ok
    with pytest.raises(PermissionDenied):
        enter_disbursement(draft(branch))
    as_zhang(branch_db)
    assert count() == 0


def test_large_disbursement_needs_a_collective_decision_and_another_payer(branch, branch_db):
    """R11.5 (002 第三十条): above the threshold in force, approval rests on a recorded decision
    taken by then; 000 第十九条2: the one who entered a payment does not pay it."""
    from models.mgmt_fee import add_decision

    with dbmod.writing():
        line = BudgetLine.create(year=2026, code="fee_subsidy", name="会费补助", amount_fen=5_000_000).id
    big = draft(branch, category="fee_subsidy", amount_fen=1_200_000, scheme_ref="管委会2026-3号", budget_line_id=line)
    entered = enter_disbursement(big)
    second_supervisor(branch_db)
    with pytest.raises(RuleRefused) as missing:
        approve_disbursement(entered.disbursement_id, D(2026, 11, 21))
    assert missing.value.decisions[0].code == "R11.5.decision_missing"
    decided = add_decision(
        D(2026, 11, 20), "committee", ["张主任", "王委员", "赵委员"], "同意会费补助方案", amount_fen=1_200_000
    )
    approve_disbursement(entered.disbursement_id, D(2026, 11, 21), decision_id=decided)
    assert Disbursement.get_by_id(entered.disbursement_id).decision_id == decided
    as_zhang(branch_db)  # zhang entered it
    with pytest.raises(RuleRefused) as own:
        pay_disbursement(entered.disbursement_id, D(2026, 11, 22), transfer_ref="ZZ1")
    assert own.value.decisions[0].code == "R4.sep.payer_is_recorder"
    second = dbmod.current().path
    dbmod.close()
    dbmod.unlock(second, "li", "li pass")
    pay_disbursement(entered.disbursement_id, D(2026, 11, 22), transfer_ref="ZZ1")
    assert Disbursement.get_by_id(entered.disbursement_id).paid_by == "li"
