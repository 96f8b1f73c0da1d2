"""rules.fees: pure decisions over plain data (DOMAIN §12)."""

from __future__ import annotations

from datetime import date

from rules.fees import (
    FeePolicy,
    Receipt,
    allocate,
    balance_status,
    check_payment,
    check_receipt_number,
    check_remittance,
    check_void_receipt,
    fee_due,
    parse_fee_period,
    policy_for_period,
    receipt_gaps,
    remittance_status,
    split_receipt_number,
)
from rules.params import packaged_rulesets

RS = packaged_rulesets().on(date(2026, 6, 1))


def test_periods_and_receipt_numbers_parse_strictly():
    assert parse_fee_period("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert parse_fee_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_fee_period("2026-13") is None and parse_fee_period("26") is None
    assert split_receipt_number("A2026-0042") == ("A2026-", 42)
    assert split_receipt_number("0001") == ("", 1)
    assert split_receipt_number("票据1") is None and split_receipt_number("A") is None


def test_due_uses_the_price_of_the_rule_set_given_and_no_figure_before_any_price():
    p = FeePolicy("U1", "ZYYL", date(2026, 1, 1), date(2026, 12, 31), 5)
    due = fee_due(p, RS)
    assert due.data["due_fen"] == 5 * RS.plan("ZYYL").share_price_fen and due.citation.short == "001 fin.7"
    early = packaged_rulesets().for_record(date(2019, 1, 1))
    none = fee_due(FeePolicy("U1", "ZYYL", date(2019, 1, 1), date(2019, 12, 31), 5), early)
    assert none.outcome == "no_figure" and none.data["due_fen"] is None


def test_policy_for_a_period_is_one_policy_or_a_reasoned_refusal():
    a = FeePolicy("U1", "ZYYL", date(2026, 1, 1), date(2026, 6, 30), 1)
    b = FeePolicy("U1", "ZYYL", date(2026, 7, 1), date(2026, 12, 31), 1)
    assert policy_for_period([a, b], "2026-07", RS).data["policy"] is b
    assert policy_for_period([a, b], "2026", RS).code == "R12.3.ambiguous_period"
    assert policy_for_period([a, b], "2025", RS).code == "R12.3.no_policy"


def test_balance_overdue_after_the_deadline_and_payments_not_over_the_balance():
    start = date(2026, 1, 1)
    assert balance_status(1000, 1000, start, date(2026, 6, 1), RS).outcome == "paid"
    assert balance_status(1000, 0, start, date(2026, 1, 31), RS).outcome == "due"
    late = balance_status(1000, 400, start, date(2026, 2, 5), RS)
    assert late.outcome == "overdue" and late.data["balance_fen"] == 600 and late.data["days"] == 5
    assert check_payment(601, 1000, 400, date(2026, 2, 1), date(2026, 2, 2), RS).code == "R12.3.over_balance"
    assert check_payment(600, 1000, 400, date(2026, 2, 1), date(2026, 2, 2), RS).ok
    assert check_payment(1, 1000, 0, date(2026, 2, 3), date(2026, 2, 2), RS).code == "R12.3.future"
    assert check_payment(0, 1000, 0, date(2026, 2, 1), date(2026, 2, 2), RS).code == "R12.3.amount"


def test_receipts_are_the_next_of_their_book_and_gaps_are_found():
    issued = [Receipt("A0001", "A", 1, "issued"), Receipt("A0002", "A", 2, "voided")]
    assert check_receipt_number("A0003", issued, RS).ok
    gap = check_receipt_number("A0005", issued, RS)
    assert gap.code == "R12.6.gap" and gap.data["expected"] == "A0003" and gap.citation.short == "001 fin.10"
    assert check_receipt_number("A0002", issued, RS).code == "R12.6.used"
    assert check_receipt_number("B0500", issued, RS).ok  # a new book starts anywhere
    assert receipt_gaps(issued + [Receipt("A0005", "A", 5, "issued")]) == {"A": [3, 4]}
    assert check_void_receipt("issued", "", 0, RS).code == "R12.6.reason"
    assert check_void_receipt("issued", "印错了", 100, RS).code == "R12.6.remitted"
    assert check_void_receipt("voided", "印错了", 0, RS).code == "R12.6.already_void"


def test_remittances_full_partial_or_refused_and_held_money_flagged():
    assert check_remittance(500, 500, date(2026, 3, 1), date(2026, 3, 1), RS).code == "R12.4.full"
    assert check_remittance(400, 500, date(2026, 3, 1), date(2026, 3, 1), RS).code == "R12.4.partial"
    assert check_remittance(501, 500, date(2026, 3, 1), date(2026, 3, 1), RS).code == "R12.4.exceeds_collected"
    held = remittance_status(date(2026, 3, 1), 100, date(2026, 3, 20), RS)
    assert held.outcome == "overdue" and held.citation.short == "000 第二十五条"
    assert remittance_status(date(2026, 3, 1), 100, date(2026, 3, 10), RS).outcome == "open"
    assert allocate(150, [(1, 100), (2, 0), (3, 100)]) == [(1, 100), (3, 50)]
