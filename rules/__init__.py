"""huzhu business rules: pure functions over plain data (docs/rules.md R1–R4, R6, R7).

Nothing here imports the rest of huzhu, a storage or a UI library, reads a clock or does
I/O at call time: the only file read is the packaged rule-set data (rules/data/rulesets.toml),
loaded once. Every date is an argument; money is integer fen; every verdict is a `Decision`
naming its reason code, Chinese message, source article and rule-set version.

Results (rules.result)
    Decision(outcome, code, message, citation, ruleset, severity, data)  .ok
    Report(decisions)  .ok .errors .warnings .codes
    Citation(source, article, configurable)  str() -> "《代办处管理办法》(000) 第十七条2"
    Severity.ERROR | WARNING | INFO;  RuleViolation(decision, report);  require(decision_or_report)

Rule sets (rules.params)
    ruleset_on(d, rulesets=None) -> RuleSet          in force on d (packaged sets by default)
    packaged_rulesets() -> RuleSets;  load_rulesets(data: dict) -> RuleSets   (raises RuleSetError)
    RuleSet[key] -> value;  .cite(key) -> Citation;  .plan(code) -> PlanParams | None
    ruleset_rows(rs) -> list[(figure, value, unit, citation)];  ruleset_header(rs) -> str

ID numbers (rules.idcard)
    check_id_number(text, today=None) -> Decision;  parse_id_number(text, today=None) -> IdNumber
    id_check_char(first17) -> str;  mask_id(text) -> str;  mask_account(text) -> str

Enrolment (rules.enrolment) and status (rules.coverage)
    classify_enrolment(row, history, rs=None, *, unit_filed=None, override=None) -> EnrolmentOutcome
    classify_renewal(prev_start, prev_end, new_start, new_end, filed, plan, rs=None) -> Decision
    renewal_window(prev_end, rs) -> (first_allowed, last_on_time)
    observation_end(cover_start, days) -> date | None;  cover_start(policy_start, filed) -> date
    check_retirement(retirement_date, new_cover_start, policy_end, rs) -> Decision
    check_term(start, end, rs) -> Decision
    check_mid_period_join(row, unit_filed, override, rs) -> Decision | None
    observation_status(policies, plan, on, retirement_date=None, rs=None) -> Decision
    payable_shares(policies, plan, incident_date, incident_kind, rs=None) -> Decision

Claims (rules.claims)
    check_register_fields(claim, today, rs=None) -> Report
    preliminary_check(claim, policies, earlier_claims, today, rs=None) -> Report
    check_claim_transition(events, event, incident_date, rs=None) -> Decision
    check_claim_history(events, incident_date, rs=None) -> Report;  claim_state(events)
    claim_overdue(events, today, rs=None) -> Decision
    check_direct_pay_step(done, step, rs=None) -> Decision;  direct_pay_status(done, today, rs=None)
    check_claim_channel(channel, plan, on, rs=None) -> Decision

Disbursements (rules.disbursements)
    check_disbursement(d, history, budget, rs=None) -> Report
    check_caps(category, amount_fen, on, history, rs=None, *, student=None) -> Decision
    remaining_allowance(category, history, on, rs=None, *, student=None) -> Decision
    check_payment_method(d, rs=None);  check_budget(budget, amount_fen, on, rs=None)
    check_approval(entered_by, approver, approver_role, on, rs=None)
    check_disbursement_transition(events, event, rs=None);  check_activity_awards(activity, on, rs=None)

Typed dates (rules.entry_dates)
    check_entry_date(entered, today, role, reason=None, *, kind, rs=None) -> Decision
        future refused; earlier than today only for a supervisor with a reason (backdated)

Export (rules.export)
    check_export_month(month_start, month_end, today, sent_sequences=(), *, replace=False, reason=None) -> Decision

Staff (rules.staff), projects (rules.projects), audit (rules.audit)
    check_handover(h, rs=None) -> Report;  handover_report_status(h, today, rs=None)
    login_status(last_login, today, rs=None);  check_custody(accountants, holdings, on, rs=None)
    score_suppliers(scores, on, rs=None);  check_project_timeline(project, rs=None) -> Report
    selfassessment_due(today, rs=None);  check_audit_counts(year, meetings, trainings, articles, rs=None)

`rs=None` everywhere means: the packaged rule set in force on the date the decision concerns.
"""

import importlib
from typing import TYPE_CHECKING

# The names below are imported from their modules on first use (``__getattr__``), not here:
# importing every rule module costs 0.25–0.3 s, and the TUI's unlock screen, which must paint
# within 1.5× a bare Textual app (issue 15), needs none of them. Type checkers see the imports.
if TYPE_CHECKING:
    from rules.audit import check_audit_counts, selfassessment_due, selfassessment_window
    from rules.claims import (
        CHANNELS,
        CLAIM_STATES,
        DIRECT_PAY_STEPS,
        REGISTER_FIELDS,
        ClaimEvent,
        ClaimReport,
        DirectPayStep,
        check_claim_channel,
        check_claim_history,
        check_claim_transition,
        check_direct_pay_step,
        check_register_fields,
        claim_overdue,
        claim_state,
        direct_pay_status,
        preliminary_check,
    )
    from rules.coverage import INCIDENT_KINDS, STATUSES, observation_status, payable_shares
    from rules.dates import add_months, expiry, is_working_day, term_end, working_days_before
    from rules.disbursements import (
        CATEGORIES,
        DISBURSEMENT_STATES,
        METHODS,
        ActivityAwards,
        BudgetLine,
        Disbursement,
        DisbursementEvent,
        PriorPayment,
        check_activity_awards,
        check_approval,
        check_budget,
        check_caps,
        check_disbursement,
        check_disbursement_transition,
        check_payment_method,
        remaining_allowance,
    )
    from rules.enrolment import (
        ENROLMENT_KINDS,
        CoverageLine,
        EnrolmentOutcome,
        EnrolmentRow,
        MemberPolicy,
        SupervisorOverride,
        check_mid_period_join,
        check_retirement,
        check_term,
        classify_enrolment,
        classify_renewal,
        cover_start,
        observation_end,
        renewal_window,
    )
    from rules.entry_dates import ENTRY_DATE_KINDS, check_entry_date
    from rules.export import check_export_month
    from rules.idcard import IdNumber, check_id_number, id_check_char, mask_account, mask_id, parse_id_number
    from rules.money import format_fen
    from rules.params import (
        FIGURE_SPECS,
        PLAN_CATEGORIES,
        SAMPLE_MARKER,
        Figure,
        PlanParams,
        RuleSet,
        RuleSetError,
        RuleSets,
        load_rulesets,
        packaged_rulesets,
        ruleset_header,
        ruleset_on,
        ruleset_rows,
    )
    from rules.projects import ServiceProject, SupplierScore, check_project_timeline, score_suppliers
    from rules.result import SEED_TITLES, Citation, Decision, Report, RuleViolation, Severity, require
    from rules.roles import SUPERVISOR_ROLE
    from rules.staff import (
        CUSTODY_ITEMS,
        Handover,
        Holding,
        check_custody,
        check_handover,
        handover_report_status,
        login_status,
    )

#: Where each name above lives (tests/test_rules_facade.py checks this against the imports).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "rules.audit": (
        "check_audit_counts",
        "selfassessment_due",
        "selfassessment_window",
    ),
    "rules.claims": (
        "CHANNELS",
        "CLAIM_STATES",
        "DIRECT_PAY_STEPS",
        "REGISTER_FIELDS",
        "ClaimEvent",
        "ClaimReport",
        "DirectPayStep",
        "check_claim_channel",
        "check_claim_history",
        "check_claim_transition",
        "check_direct_pay_step",
        "check_register_fields",
        "claim_overdue",
        "claim_state",
        "direct_pay_status",
        "preliminary_check",
    ),
    "rules.coverage": (
        "INCIDENT_KINDS",
        "STATUSES",
        "observation_status",
        "payable_shares",
    ),
    "rules.dates": (
        "add_months",
        "expiry",
        "is_working_day",
        "term_end",
        "working_days_before",
    ),
    "rules.disbursements": (
        "CATEGORIES",
        "DISBURSEMENT_STATES",
        "METHODS",
        "ActivityAwards",
        "BudgetLine",
        "Disbursement",
        "DisbursementEvent",
        "PriorPayment",
        "check_activity_awards",
        "check_approval",
        "check_budget",
        "check_caps",
        "check_disbursement",
        "check_disbursement_transition",
        "check_payment_method",
        "remaining_allowance",
    ),
    "rules.enrolment": (
        "ENROLMENT_KINDS",
        "CoverageLine",
        "EnrolmentOutcome",
        "EnrolmentRow",
        "MemberPolicy",
        "SupervisorOverride",
        "check_mid_period_join",
        "check_retirement",
        "check_term",
        "classify_enrolment",
        "classify_renewal",
        "cover_start",
        "observation_end",
        "renewal_window",
    ),
    "rules.entry_dates": (
        "ENTRY_DATE_KINDS",
        "check_entry_date",
    ),
    "rules.export": ("check_export_month",),
    "rules.idcard": (
        "IdNumber",
        "check_id_number",
        "id_check_char",
        "mask_account",
        "mask_id",
        "parse_id_number",
    ),
    "rules.money": ("format_fen",),
    "rules.params": (
        "FIGURE_SPECS",
        "PLAN_CATEGORIES",
        "SAMPLE_MARKER",
        "Figure",
        "PlanParams",
        "RuleSet",
        "RuleSetError",
        "RuleSets",
        "load_rulesets",
        "packaged_rulesets",
        "ruleset_header",
        "ruleset_on",
        "ruleset_rows",
    ),
    "rules.projects": (
        "ServiceProject",
        "SupplierScore",
        "check_project_timeline",
        "score_suppliers",
    ),
    "rules.result": (
        "SEED_TITLES",
        "Citation",
        "Decision",
        "Report",
        "RuleViolation",
        "Severity",
        "require",
    ),
    "rules.roles": ("SUPERVISOR_ROLE",),
    "rules.staff": (
        "CUSTODY_ITEMS",
        "Handover",
        "Holding",
        "check_custody",
        "check_handover",
        "handover_report_status",
        "login_status",
    ),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    """``from rules import x`` and ``rules.x``: x imported from its module on first use, then kept."""
    module = _HOME.get(name)
    if module is None:
        try:  # a submodule (``rules.coverage``), as the eager imports used to make available
            value: object = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ActivityAwards",
    "BudgetLine",
    "CATEGORIES",
    "CHANNELS",
    "CLAIM_STATES",
    "CUSTODY_ITEMS",
    "Holding",
    "Citation",
    "ClaimEvent",
    "ClaimReport",
    "CoverageLine",
    "DIRECT_PAY_STEPS",
    "DISBURSEMENT_STATES",
    "Decision",
    "DirectPayStep",
    "Disbursement",
    "DisbursementEvent",
    "ENROLMENT_KINDS",
    "ENTRY_DATE_KINDS",
    "EnrolmentOutcome",
    "EnrolmentRow",
    "FIGURE_SPECS",
    "Figure",
    "Handover",
    "INCIDENT_KINDS",
    "IdNumber",
    "METHODS",
    "MemberPolicy",
    "PLAN_CATEGORIES",
    "PlanParams",
    "PriorPayment",
    "REGISTER_FIELDS",
    "Report",
    "RuleSet",
    "RuleSetError",
    "RuleSets",
    "RuleViolation",
    "SAMPLE_MARKER",
    "SEED_TITLES",
    "STATUSES",
    "SUPERVISOR_ROLE",
    "ServiceProject",
    "Severity",
    "SupervisorOverride",
    "SupplierScore",
    "add_months",
    "check_activity_awards",
    "check_approval",
    "check_audit_counts",
    "check_budget",
    "check_caps",
    "check_claim_channel",
    "check_claim_history",
    "check_claim_transition",
    "check_custody",
    "check_direct_pay_step",
    "check_disbursement",
    "check_disbursement_transition",
    "check_entry_date",
    "check_export_month",
    "check_handover",
    "check_id_number",
    "check_mid_period_join",
    "check_payment_method",
    "check_project_timeline",
    "check_register_fields",
    "check_retirement",
    "check_term",
    "claim_overdue",
    "claim_state",
    "classify_enrolment",
    "classify_renewal",
    "cover_start",
    "direct_pay_status",
    "expiry",
    "format_fen",
    "handover_report_status",
    "id_check_char",
    "is_working_day",
    "load_rulesets",
    "login_status",
    "mask_account",
    "mask_id",
    "observation_end",
    "observation_status",
    "packaged_rulesets",
    "parse_id_number",
    "payable_shares",
    "preliminary_check",
    "remaining_allowance",
    "renewal_window",
    "require",
    "ruleset_header",
    "ruleset_on",
    "ruleset_rows",
    "score_suppliers",
    "selfassessment_due",
    "selfassessment_window",
    "term_end",
    "working_days_before",
]
