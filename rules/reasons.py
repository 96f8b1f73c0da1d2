"""Every reason code the rules return, declared once: what it means in Chinese and English and,
where it has one, the regulation and article it applies (as beancount declares its error types).

A code is ``R<section>.<case>`` (``R3.7.holder.not_member``): the section is the rule's number in
docs/rules.md, the rest names the case. Programs, logs and tests key on the code and it never
changes meaning; the Decision a rule returns carries its own message with the case's figures
(``zh`` here is that message with … for the figures). docs/rules.md is generated from this
catalogue (``python -m rules.doc``).

Adding a rule or a case: add one line here, in its section, e.g.

    _c("R7.fee.late", "管理费 … 逾期未缴", "the management fee was not paid in time", "000 第十七条2"),

(the citation is ``Citation.parse``'s form, or None when it depends on the rule set or plan).
tests/rules/test_reason_codes.py fails on a code a rule returns that is not declared here (a typo
or a new case) and prints this line to add; it also fails on a code declared twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ReasonCode:
    code: str
    zh: str
    en: str
    #: "000 第十七条2" (seed number, article), or None where the rule set or the plan supplies it.
    citation: str | None = None

    @property
    def section(self) -> str:
        """The rule the code belongs to: "R3.7" for "R3.7.holder.not_member", "R5" for "R5.export.ok"."""
        head, _, rest = self.code.partition(".")
        first = rest.split(".", 1)[0]
        return f"{head}.{first}" if first.isdigit() else head


def _c(code: str, zh: str, en: str, citation: str | None = None) -> ReasonCode:
    return ReasonCode(code, zh, en, citation)


def _catalogue(*codes: ReasonCode) -> Mapping[str, ReasonCode]:
    by_code: dict[str, ReasonCode] = {}
    for c in codes:
        if c.code in by_code:
            raise ValueError(f"reason code {c.code} is declared twice in rules/reasons.py")
        by_code[c.code] = c
    return MappingProxyType(by_code)


#: Codes whose refusal ``rules.lifecycle.check_step`` adds under a caller's prefix ("R2.3" …).
STEP_REFUSALS = ("illegal_transition", "date_backwards", "clerk_required")

CODES: Mapping[str, ReasonCode] = _catalogue(
    # R0
    _c("R0.date.backdate_reason", "…：补录须写明理由", "a back-dated entry needs a reason", "000 第十七条9"),
    _c(
        "R0.date.backdate_supervisor",
        "…：补录以前的日期须由…办理并写明理由；经办人只能登记今天的日期",
        "only a supervisor may enter an earlier date, with a reason; a clerk enters today's",
        "000 第十七条9",
    ),
    _c(
        "R0.date.backdated",
        "…，…补录，理由：…",
        "entered later than the day it happened, with the reason given",
        "000 第十七条9",
    ),
    _c("R0.date.future", "… … 晚于今天 …：不能登记未来的日期", "a date after today cannot be entered", "000 第十七条9"),
    _c("R0.date.today", "…为今天 …", "the date is today", "000 第十七条9"),
    # R1
    _c("R1.1.not_retired", "未办理退休手续，可承保", "not retired: may be insured", "000 第十七条1"),
    _c(
        "R1.1.retired",
        "退休日 … 不晚于保障起始日 …：已办理正式退休手续的职工不予承保",
        "retired on or before the cover would start: not insured",
        "000 第十七条1",
    ),
    _c(
        "R1.1.retirement.before_birth",
        "退休日期 … 不晚于出生日期 …",
        "the retirement date is not after the birth date",
        "000 第十七条1",
    ),
    _c(
        "R1.1.retirement.future",
        "退休日期 … 晚于今天 …：应填已办理正式退休手续的日期",
        "the retirement date is after today (enter the date retirement was completed)",
        "000 第十七条1",
    ),
    _c("R1.1.retirement.ok", "退休日期 …", "retirement date recorded", "000 第十七条1"),
    _c(
        "R1.1.retires_during_term",
        "退休日 … 在保障期内：保障至 … 止，下期不予续保",
        "retires during the term: covered to its end, not renewed",
        "000 第十七条1",
    ),
    _c(
        "R1.2.not_head_to_tail",
        "续保生效日 … 应为…的失效日 …，须首尾相接",
        "a renewal must start on the day the previous policy expires",
        "000 第十七条2",
    ),
    _c(
        "R1.2.overlap",
        "保障期 … 至 … 与已有保单 … 至 … 重叠：续保须首尾相接，不得重叠",
        "the period overlaps an existing policy",
        "000 第十七条2",
    ),
    _c("R1.2.period_invalid", "保障期止日 … 早于起始日 …", "the period ends before it starts", "000 第十七条2"),
    _c(
        "R1.2.term_differs_from_plan",
        "保障期止日 … 与…保障期限 … 个月（应止于 …）不符",
        "the period does not match the plan's term",
        "000 第十七条2",
    ),
    _c(
        "R1.2.term_mismatch",
        "续保期止日 … 与…保障期限 … 个月不符（应为 …）",
        "the renewal period does not match the plan's term",
        "000 第十七条2",
    ),
    _c(
        "R1.3.late_as_first",
        "续保办理日 … 晚于失效日 … 后…日（…）：视为首次参保，保障及观察期自办理日 … 起算，… 至 … 无保障",
        "renewed after the window: treated as a first enrolment (cover and observation from filing)",
        "000 第十七条2",
    ),
    _c(
        "R1.3.renewal",
        "续保办理日 … 在续保期限 … 至 … 内：自 … 起连续保障，不另设观察期",
        "renewed within the window: continuous cover, no new observation period",
        "000 第十七条2",
    ),
    _c(
        "R1.3.too_early",
        "续保办理日 … 早于可办理日 …（保单失效日 … 前…日内办理）",
        "filed before the renewal window opens",
        "000 第十七条2",
    ),
    _c(
        "R1.4.override_accepted",
        "…：经主管 … 批准例外办理，理由：…",
        "a mid-term change accepted as an exception approved by a supervisor",
        "000 第十七条3",
    ),
    _c(
        "R1.4.override_invalid",
        "…：例外办理须由主管（现为角色 …）批准并写明书面理由",
        "an exception needs a supervisor's approval and a written reason",
        "000 第十七条3",
    ),
    _c(
        "R1.4.override_required",
        "…，原则上应在下一保障期续保时统一办理；如确需例外，须主管批准并写明理由",
        "changes are made at the next renewal; an exception needs a supervisor and a reason",
        "000 第十七条3",
    ),
    _c(
        "R1.5.added_shares",
        "份数由 … 份增至 … 份：新增 … 份视为首次参保，自 … 起保障，…；原有份数保持原状态",
        "added shares are a first enrolment of their own (own cover start and observation)",
        "000 第十七条4",
    ),
    _c(
        "R1.5.decrease_at_renewal",
        "续保份数由 … 份减为 … 份，自 … 起生效",
        "fewer shares from the renewal",
        "000 第十七条4",
    ),
    _c(
        "R1.5.decrease_cancelled",
        "已持有 … 份，与本行一致：此前申报的下期减为 … 份撤销，下期仍续 … 份",
        "the announced decrease is withdrawn: the same shares are renewed",
        "000 第十七条4",
    ),
    _c(
        "R1.5.decrease_deferred",
        "份数由 … 份减为 … 份：本期不变，减少自下期续保 … 起生效",
        "a decrease takes effect at the next renewal",
        "000 第十七条4",
    ),
    _c("R1.5.shares_invalid", "份数应为正整数，实为 …", "shares must be a positive whole number", "000 第十七条4"),
    _c("R1.5.unchanged", "已持有 … 份，与本行一致：无需变更", "the shares held already match", "000 第十七条4"),
    _c(
        "R1.6.no_figure",
        "… 起的规则集没有保障期限上限（…）：不核查期限",
        "no maximum term in force: the term is not checked",
        "002 第十五条",
    ),
    _c(
        "R1.6.override_invalid",
        "…：须由主管（现为角色 …）批准并写明理由",
        "a term above the maximum needs a supervisor's approval and a reason",
        "002 第十五条",
    ),
    _c(
        "R1.6.reason_required",
        "…：保障期限一般控制在三年以内，超过须由主管写明理由方可办理",
        "terms are kept within the maximum (three years); longer needs a supervisor's reason",
        "002 第十五条",
    ),
    _c("R1.6.term_ok", "保障期 … 至 … 未超过 … 年", "the term is within the maximum", "002 第十五条"),
    _c(
        "R1.6.term_over_max",
        "…：经主管 … 批准，理由：…",
        "a term above the maximum, approved by a supervisor with a reason",
        "002 第十五条",
    ),
    _c(
        "R1.7.in_observation",
        "疾病出险日 … 在观察期内（…）：所持 … 份均不予给付",
        "illness incident inside the observation period: no share payable",
        None,
    ),
    _c(
        "R1.7.partly_in_observation",
        "疾病出险日 …：所持 … 份中 … 份可给付，… 份在观察期内（…）",
        "illness incident: some shares payable, the others inside observation",
        None,
    ),
    _c(
        "R1.7.payable",
        "…出险日 …：所持 … 份均已过观察期（或不适用观察期），可予给付",
        "every share held is past observation (or not subject to it): payable",
        None,
    ),
    _c(
        "R1.8.filed_after_end",
        "续保办理日 … 晚于本期保障期止日 …：逾期续保自办理日起保障，本期已无可保障的日期，请按下一期首次参保办理",
        "renewal filed after the term ended: cover starts on the filing day",
        "000 第十七条2",
    ),
    _c(
        "R1.8.first_enrolment",
        "首次参保 … 份：保障自 … 起（办理日 …，保单起始日 …），…",
        "first enrolment: cover from the filing day at the earliest",
        None,
    ),
    _c(
        "R1.8.not_covered_on_incident",
        "出险日 … 不在…的保障期内（或保障尚未开始）",
        "the incident date is outside the cover (or before it started)",
        None,
    ),
    _c("R1.9.same_unit", "会员仍在单位 …", "the member is still in the same unit", "001 附件1 业务管理"),
    _c(
        "R1.9.transfer.before_last",
        "调动日期 … 早于该会员上一次调动（…）",
        "the transfer date is before the member's previous transfer",
        "001 附件1 业务管理",
    ),
    _c("R1.9.transfer.future", "调动日期 … 晚于今天 …", "the transfer date is after today", "001 附件1 业务管理"),
    _c("R1.9.transfer.no_unit", "请填写调入单位编码", "the unit transferred to is missing", "001 附件1 业务管理"),
    _c("R1.9.transfer.ok", "由单位 … 调入单位 …（…）", "transferred between units", "001 附件1 业务管理"),
    _c(
        "R1.9.transfer.same_unit",
        "会员已在单位 …，无需调动",
        "the member is already in that unit",
        "001 附件1 业务管理",
    ),
    _c(
        "R1.9.unit_change",
        "该会员现属单位 …，本行为单位 …：导入不会自动调动会员，请先用 huzhu member transfer 登记调动（或由负责人以 --override-reason 写明理由后导入，记为调动）",
        "the row names another unit: record a transfer first (import does not move members)",
        "001 附件1 业务管理",
    ),
    _c(
        "R1.10.no_figure",
        "办理日 … 无 … 的当时参数（…）：已接收并标注，观察期及期限核查跳过",
        "no figure in force on the filing date: accepted and marked, observation and term checks skipped",
        "000 第三十一条",
    ),
    _c(
        "R1.10.unchecked_history",
        "续保办理日 … 早于 2017-01-01：按历史记录载入，不核查续保期限",
        "filed before 2017-01-01: loaded as history, the renewal window not checked",
        "000 第三十一条",
    ),
    _c("R1.plan.unknown", "规则集 … 中没有保障计划 …", "no such plan in the rule set", "002 第十五条"),
    _c(
        "R1.status.cover_not_started",
        "… 在保单期 … 至 … 内，但…",
        "within the policy period, but the cover has not started",
        None,
    ),
    _c(
        "R1.status.covered",
        "… …所持 … 份均在保障中且已过观察期，保障至 …",
        "covered, every share past observation",
        None,
    ),
    _c(
        "R1.status.grace",
        "…保单已于 … 失效，尚未续保：…（含）前办理续保可自 … 起恢复保障，其间出险待续保后可予给付",
        "expired and not yet renewed: renewing within the grace days restores cover",
        "000 第十七条2",
    ),
    _c(
        "R1.status.lapsed",
        "…保单已于 … 失效，…（含）前未续保：已脱保，再参保视为首次参保",
        "expired and not renewed in time: lapsed, a new enrolment is a first one",
        "000 第十七条2",
    ),
    _c("R1.status.not_covered", "… 未参加…", "not enrolled in the plan", None),
    _c(
        "R1.status.observation",
        "… …所持 … 份中 … 份在观察期内（至 …，含当日尚余 … 天）：当日疾病出险可给付 … 份",
        "covered, some shares still inside observation",
        None,
    ),
    _c("R1.status.retired_exited", "已于 … 退休，…保障已于 … 期满终止", "retired; the cover ended with its term", None),
    _c(
        "R1.status.retired_pending_exit",
        "已于 … 退休：…保障至 … 期满终止，下期不予续保",
        "retired; covered to the end of the term, not renewed",
        None,
    ),
    # R2
    _c("R2.1.complete", "报案登记簿必填项齐全", "the claim register entry is complete", "000 第十七条5"),
    _c("R2.1.date_in_future", "报案日期 … 晚于当日 …", "the report date is after today", "000 第十七条5"),
    _c(
        "R2.1.incident_date_missing",
        "未填出险日期：无法核对出险日是否在保障期及观察期内",
        "the incident date is missing: cover and observation cannot be checked",
        "000 第十七条5",
    ),
    _c(
        "R2.1.incident_kind_invalid",
        "出险类型应为疾病或意外，实为 …",
        "the incident kind must be illness or accident",
        "000 第十七条5",
    ),
    _c("R2.1.missing_field", "报案登记簿缺少“…”", "a required register field is missing", "000 第十七条5"),
    _c(
        "R2.1.shares_invalid",
        "申报份数应为正整数，实为 …",
        "the claimed shares must be a positive whole number",
        "000 第十七条5",
    ),
    _c("R2.2.materials_missing", "…申报资料不全，缺：…", "materials missing for the claim", None),
    _c(
        "R2.2.ok",
        "初步界定通过：出险日 … 在保障期内，可给付 … 份，资料齐全",
        "preliminary check passed: covered, shares payable, materials complete",
        "000 第十七条5",
    ),
    _c(
        "R2.2.possible_duplicate",
        "疑似重复报案：同一出险人、险种、诊断“…”已于 … 报案，与本次出险日 … 相距不超过 … 天",
        "possible duplicate: same person, plan and diagnosis within the window",
        "000 第十七条5",
    ),
    _c(
        "R2.2.shares_exceed_held",
        "申报 … 份超过出险日所持 … 份",
        "more shares claimed than held on the incident date",
        "000 第十七条5",
    ),
    _c("R2.2.unknown_plan", "申报险种 … 不在规则集 … 中", "the plan claimed is not in the rule set", "000 第十七条5"),
    _c(
        "R2.3.benefit_required",
        "结案给付须记录大于零的互助金金额（分），实为 …",
        "a settled claim records the benefit paid (fen, above zero)",
        "000 第十七条5",
    ),
    _c("R2.3.clerk_required", "“…”须记录经办人", "the step needs the clerk who did it", "000 第十七条5"),
    _c(
        "R2.3.corrected_after_submission",
        "报案已…，不能再更正：上报后只能经办事处打回、更正后重新上报",
        "a submitted claim is no longer corrected: only returned by the office and resubmitted",
        "000 第十七条5",
    ),
    _c(
        "R2.3.date_backwards",
        "“…”日期 … 早于上一环节日期 …",
        "the step's date is before the previous step's",
        "000 第十七条5",
    ),
    _c("R2.3.date_in_future", "“…”日期 … 晚于当日 …", "the step's date is after today", "000 第十七条5"),
    _c(
        "R2.3.illegal_transition",
        "“…”之后不能进入“…”，可进入：…",
        "this step cannot follow the claim's current state",
        "000 第十七条5",
    ),
    _c("R2.3.not_overdue", "…于 …，请于 …（含）前…", "not overdue (or nothing to submit)", "000 第十七条5"),
    _c("R2.3.reason_required", "打回须记录打回原因", "a return needs its reason", "000 第十七条5"),
    _c(
        "R2.3.resubmit_overdue",
        "打回后 … 天内未重新上报",
        "a returned claim not resubmitted within the days allowed",
        "000 第十七条5",
    ),
    _c(
        "R2.3.submit_overdue",
        "登记后 … 天内未上报",
        "a registered claim not submitted within the days allowed",
        "000 第十七条5",
    ),
    _c("R2.3.transition_ok", "… …（经办人 …）", "claim step recorded", "000 第十七条5"),
    _c("R2.4.clerk_required", "“…”须记录经办人", "the direct-pay step needs the clerk who did it", "000 第十七条7"),
    _c(
        "R2.4.closed",
        "直赔失败已处理完毕，职工于 … 签字",
        "the failed direct payment is closed (the member signed)",
        "000 第十七条7",
    ),
    _c(
        "R2.4.date_backwards",
        "“…”日期 … 早于上一环节日期 …",
        "the direct-pay step's date is before the previous step's",
        "000 第十七条7",
    ),
    _c(
        "R2.4.illegal_transition",
        "“…”之后不能进入“…”，可进入：…",
        "this direct-pay step cannot follow the current one",
        "000 第十七条7",
    ),
    _c("R2.4.open", "直赔失败待办：…下一步“…”", "a failed direct payment awaits its next step", "000 第十七条7"),
    _c("R2.4.step_ok", "… …（经办人 …）", "direct-pay step recorded", "000 第十七条7"),
    _c(
        "R2.5.app_outside_conditions",
        "…不在办事处规定的APP申报条件内…：已按APP登记，请核实是否应纸质申报",
        "reported by APP outside the office's APP conditions: check it should be on paper",
        "001 附件1 业务管理",
    ),
    _c(
        "R2.5.app_share",
        "… 年符合APP申报条件的报案中APP申报占比：…",
        "share of APP reports among claims eligible for APP",
        "001 附件1 业务管理",
    ),
    _c(
        "R2.5.channel_invalid",
        "申报渠道应为 APP 或纸质，实为 …",
        "the channel must be APP or paper",
        "001 附件1 业务管理",
    ),
    _c("R2.5.channel_ok", "…通过…申报", "channel recorded", "001 附件1 业务管理"),
    # R3
    _c(
        "R3.1.aid_above_benefit",
        "同一事件救助合计 … 高于该案给付的互助金 …（原则上救助标准不高于赔付标准）",
        "aid for one event above the benefit paid on its claim (as a rule not higher)",
        None,
    ),
    _c(
        "R3.1.condolence_above_aid",
        "同一事件慰问合计 … 高于救助金额 …",
        "condolence for one event above the aid paid for it",
        None,
    ),
    _c(
        "R3.2.cash_allowed",
        "… 于…现场慰问，现金 …（当日合计不超过 …），理由：…；属 003 第九条的例外，须受益会员当场签收（附件2）",
        "cash paid at an on-site visit: the exception to payment by transfer",
        "003 第十条",
    ),
    _c(
        "R3.2.cash_over_limit",
        "现金发放 ……超过每人每日 …：须转账至会员个人账户（003 第九条“一律”）",
        "cash above the daily limit per person: pay by transfer to the member's own account",
        "003 第十条",
    ),
    _c(
        "R3.2.cash_reason_required",
        "现场现金发放须写明不能转账的理由",
        "cash needs the reason a transfer was not possible",
        "003 第十条",
    ),
    _c(
        "R3.2.cash_visit_required",
        "现金仅限现场慰问时发放：须写明现场慰问的地点（日期即发放日期）",
        "cash only at an on-site visit: give the place",
        "003 第十条",
    ),
    _c("R3.2.goods_in_kind", "…应发放实物，不得以…代替", "goods are given in kind, not replaced by money", None),
    _c(
        "R3.2.method_invalid",
        "发放方式应为转账、现金或实物，实为 …",
        "the method must be transfer, cash or in kind",
        "003 第九条",
    ),
    _c(
        "R3.2.money_not_in_kind",
        "…为资金支出，应转账至会员个人账户",
        "money is paid by transfer to the member's own account",
        "003 第九条",
    ),
    _c(
        "R3.2.not_own_account",
        "…须转账至会员本人个人账户，该会员没有登记本人银行账户：请先登记账户",
        "a transfer goes to the member's own account, and none is recorded",
        "003 第九条",
    ),
    _c("R3.2.ok", "…以实物发放，须取得签收证明", "paid in kind against a signed receipt", "003 第九条"),
    _c("R3.3.note_required", "每笔发放须附情况说明", "every payment needs its explanatory note", "003 第十条"),
    _c("R3.4.budget_approved", "…年度预算第 … 版……", "the year's budget is approved", "003 第八条"),
    _c(
        "R3.4.budget_exceeded",
        "预算科目“…”批准 …，已支出 …，余额 … 不足本次 …",
        "the budget line's balance does not cover the payment",
        "003 第八条",
    ),
    _c(
        "R3.4.budget_not_approved",
        "…年度预算（第 … 版）尚未经管理委员会审议批准（000 第十三条2），批准前不得支出：须在批准的预算范围内使用资金",
        "the year's budget is not yet approved by the committee: nothing may be paid",
        "003 第八条",
    ),
    _c("R3.4.no_budget", "无年度预算科目，不得支出", "no budget line: nothing may be paid", "003 第八条"),
    _c(
        "R3.4.no_budget_year",
        "…年度尚未编制预算：须先编制年度预算并经管理委员会审议批准（000 第十三条2），方可在预算范围内支出",
        "no budget for the year: draw one up and have it approved first",
        "003 第八条",
    ),
    _c("R3.4.ok", "预算科目“…”余额 …，本次后余 …", "within the budget line's balance", "003 第八条"),
    _c(
        "R3.4.wrong_year",
        "… 的支出应列入…年度预算，不能列入…年度的预算科目“…”",
        "a payment belongs to the budget of its own year",
        "003 第八条",
    ),
    _c("R3.5.approver_available", "可由主管 … 审批", "a supervisor can approve it", "002 第三十一条"),
    _c(
        "R3.5.no_other_approver",
        "…，本笔支出无人能审批（不得审批本人录入的支出）：请增加一名主管（huzhu user add 姓名 --role supervisor），或由另一名主管录入",
        "nobody can approve (no one approves their own entry): add a supervisor",
        "002 第三十一条",
    ),
    _c("R3.5.not_supervisor", "… 无审批权限（须为主管）", "only a supervisor approves", "002 第三十一条"),
    _c(
        "R3.5.ok",
        "由主管 … 审批（录入人 …）",
        "approved by a supervisor other than the one who entered it",
        "002 第三十一条",
    ),
    _c(
        "R3.5.self_approval",
        "录入人 … 不得审批本人录入的支出（不相容岗位分离）",
        "no one approves a payment they entered (separation of duties)",
        "002 第三十一条",
    ),
    _c(
        "R3.7.account.length",
        "银行账号应为 …–… 位数字，现为 … 位（尾号 …），请核对是否漏输或多输",
        "the account number has the wrong number of digits",
        "003 第九条",
    ),
    _c("R3.7.account.missing", "请填写银行账号", "the account number is missing", "003 第九条"),
    _c(
        "R3.7.account.not_digits",
        "银行账号只能由数字组成，不能含“…”（空格和短横线可省略）",
        "the account number may hold digits only",
        "003 第九条",
    ),
    _c("R3.7.account.ok", "银行账号格式正确（尾号 …）", "account number well-formed", "003 第九条"),
    _c(
        "R3.7.bank_name.missing",
        "请填写开户行（如：中国工商银行北京朝阳支行）",
        "the bank name is missing",
        "003 第九条",
    ),
    _c("R3.7.bank_name.ok", "开户行已填写", "bank name given", "003 第九条"),
    _c("R3.7.bank_name.too_long", "开户行过长（… 个字，最多 …）", "the bank name is too long", "003 第九条"),
    _c("R3.7.holder.missing", "请填写户名（应为会员本人姓名）", "the account holder's name is missing", "003 第九条"),
    _c(
        "R3.7.holder.not_member",
        "户名“…”与会员姓名“…”不符：互助金只能转入会员本人账户，不接受他人账户",
        "the account holder is not the member: payments go only to the member's own account",
        "003 第九条",
    ),
    _c("R3.7.holder.ok", "户名与会员姓名一致（…）", "the account holder is the member", "003 第九条"),
    _c(
        "R3.8.duplicate_recipient",
        "同一次发放的名单中重复列出：…",
        "the same person is listed twice in one distribution",
        None,
    ),
    _c(
        "R3.8.occasion_average_exceeded",
        "本次 … 人合计 …，人均 … 超过每次人均 …（合计至多 …）",
        "the average per person of this distribution is above the cap",
        None,
    ),
    _c(
        "R3.8.ok",
        "本次 … 人，人均 …；…年 … 人，人均 …",
        "seasonal goods within the averages per occasion and per year",
        None,
    ),
    _c(
        "R3.8.recipient_above_average",
        "… 领取价值高于人均（人均标准按全体领取人计算，个人高于人均不拒绝）",
        "some recipients got more than the average (allowed: the cap is an average)",
        None,
    ),
    _c(
        "R3.8.recipients_required",
        "季节性慰问品须附领取人名单（每人所得价值）",
        "seasonal goods need the list of recipients and what each got",
        None,
    ),
    _c(
        "R3.8.year_average_exceeded",
        "…年季节性慰问品合计 …，… 人，人均超过年度 …（合计至多 …）",
        "the year's average per person of seasonal goods is above the cap",
        "003 第五条2(2)",
    ),
    _c(
        "R3.9.more_takers_than_participants",
        "参与奖领取 … 人多于参与人数 … 人",
        "more participation awards than participants",
        None,
    ),
    _c(
        "R3.9.recipients_required",
        "文体活动须列出获奖者及奖品，或参与奖领取人",
        "an activity lists its winners with prizes, or its participation awards",
        None,
    ),
    _c(
        "R3.9.role_invalid",
        "名单中的身份应为获奖者或参与奖，实为 …",
        "a listed role must be winner or participant",
        None,
    ),
    _c(
        "R3.10.no_payment_to_member",
        "… … 冲减单位应缴会费，不向会员支付资金，不适用转账规定",
        "a fee subsidy offsets the unit's fees: no money to a member, no transfer rule",
        None,
    ),
    _c(
        "R3.activity.ok",
        "参与 … 人，获奖 … 人，奖励符合标准",
        "the activity's awards are within the limits",
        "003 第七条",
    ),
    _c(
        "R3.activity.participants_invalid",
        "参与人数应为正整数",
        "the number of participants must be a positive whole number",
        "003 第七条",
    ),
    _c(
        "R3.activity.participation_over_cap",
        "参与奖合计 … 超过人均 … × … 人",
        "participation awards above the cap per participant",
        "003 第七条",
    ),
    _c(
        "R3.activity.prize_and_participation",
        "已设置奖品的活动不再发放参与奖（不设置奖品的，方可发放参与奖）",
        "an activity with prizes gives no participation awards",
        "003 第七条",
    ),
    _c("R3.activity.prize_over_cap", "… 份奖品超过每人 …（最高 …）", "a prize above the cap per winner", "003 第七条"),
    _c(
        "R3.activity.too_many_winners",
        "获奖 … 人超过参与人数 … 人的 …（至多 … 人）",
        "more winners than the share of participants allowed",
        "003 第七条",
    ),
    _c("R3.allowance", "…：…；本次最多可发 …", "what may still be paid to this member in this category", None),
    _c(
        "R3.allowance.batch",
        "…按一次活动整体核对：每人奖品不超过 …，获奖不超过参与人数的 …；不设奖品的参与奖人均不超过 …",
        "checked as a whole occasion (seasonal goods, activities), not per member",
        "003 第七条",
    ),
    _c(
        "R3.allowance.no_cap",
        "…无金额上限，按管委会批准的方案执行",
        "no amount cap: paid as the committee's approved scheme says",
        None,
    ),
    _c("R3.amount_invalid", "领取价值应大于零：…", "the value must be above zero", None),
    _c("R3.cap.occasion_exceeded", "… … 超过每次上限 …", "above the cap per occasion", None),
    _c("R3.cap.ok", "… … 未超过上限", "within the caps", None),
    _c(
        "R3.cap.year_exceeded",
        "… … 加上…年已发放 … 超过年度上限 …（尚可发放 …）",
        "with this year's earlier payments, above the cap per year",
        None,
    ),
    _c("R3.category_unknown", "未知的支出类别 …", "unknown disbursement category", "003 第八条"),
    _c("R3.education.excluded", "…不在子女助学金救助范围内", "outside the scope of the education aid", "003 第四条2"),
    _c(
        "R3.education.student_required",
        "子女助学金须注明受助学生（每生每年计算上限）",
        "education aid names the student (the cap is per student and year)",
        None,
    ),
    _c(
        "R3.fee_subsidy.scheme_required",
        "会费补助须依据经管委会（或代管管理费的办事处）批准的补助方案，请填写方案文号",
        "a fee subsidy follows an approved scheme: give its reference",
        None,
    ),
    _c(
        "R3.state.cash_receipt_required",
        "现金发放须当场取得受益会员签字",
        "cash needs the member's signature on the spot",
        "003 第十条",
    ),
    _c("R3.state.clerk_required", "“…”须记录经办人", "the step needs the clerk who did it", "003 第十条"),
    _c(
        "R3.state.date_backwards",
        "“…”日期 … 早于上一环节日期 …",
        "the step's date is before the previous step's",
        "003 第十条",
    ),
    _c("R3.state.date_in_future", "“…”日期 … 晚于当日 …", "the step's date is after today", "003 第十条"),
    _c(
        "R3.state.illegal_transition",
        "“…”之后不能进入“…”，可进入：…",
        "this step cannot follow the payment's current state",
        "003 第十条",
    ),
    _c("R3.state.ok", "… …（经办人 …）", "payment step recorded", "003 第十条"),
    _c(
        "R3.state.transfer_ref_required",
        "转账发放须记录银行转账凭证号",
        "a transfer records the bank's reference",
        "003 第九条",
    ),
    # R4
    _c("R4.1.complete", "… … 移交 …，… 监交，交接完整", "the handover is complete", "000 第十六条8"),
    _c("R4.1.items_missing", "交接清单未完成：…", "handover items not yet done", "000 第十六条8"),
    _c(
        "R4.1.open_work_not_acknowledged",
        "未办结事项（未结理赔、未签收单、待续保）清单须经接交人确认",
        "the incoming person acknowledges the list of open work",
        "000 第十六条8",
    ),
    _c("R4.1.person_missing", "交接记录缺少…", "a person of the handover is missing", "000 第十六条8"),
    _c(
        "R4.1.report_due",
        "请于 …（含）前将人员变更上报办事处",
        "report the staff change to the office by the date shown",
        "000 第十六条8",
    ),
    _c(
        "R4.1.report_overdue",
        "交接日 … 后 … 日内应上报办事处（… 前），至 … 仍未上报",
        "the staff change was not reported to the office in time",
        "000 第十六条8",
    ),
    _c(
        "R4.1.reported",
        "交接日 …，已于 … 上报办事处（期限 …）",
        "the staff change was reported in time",
        "000 第十六条8",
    ),
    _c(
        "R4.1.reported_late",
        "交接日 …，… 上报办事处，晚于期限 …",
        "the staff change was reported late",
        "000 第十六条8",
    ),
    _c(
        "R4.1.same_person",
        "移交人与接交人不能是同一人（…）",
        "the outgoing and incoming person are the same",
        "000 第十六条8",
    ),
    _c(
        "R4.1.supervisor_is_incoming",
        "监交人由接交人 … 担任，宜另请第三人监交",
        "the incoming person supervises the handover: better a third person",
        "000 第十六条8",
    ),
    _c(
        "R4.1.supervisor_is_outgoing",
        "监交人不能由移交人 … 担任",
        "the outgoing person may not supervise the handover",
        "000 第十六条8",
    ),
    _c(
        "R4.2.gap_exceeded",
        "… 至 … 间隔 … 天未登录业务系统，超过 … 天上限",
        "a gap between business-system logins above the maximum",
        "001 附件1 组织机构管理",
    ),
    _c(
        "R4.2.gaps_ok",
        "本期登录 … 次，最长间隔 … 天（… 至 …）",
        "the gaps between logins are within the maximum",
        "001 附件1 组织机构管理",
    ),
    _c("R4.2.never_logged_in", "无业务系统登录记录", "no business-system login recorded", "001 附件1 组织机构管理"),
    _c("R4.2.not_yet", "账号 … 建立，不在本期内", "the account was created after the period", "001 附件1 组织机构管理"),
    _c("R4.2.ok", "…，间隔 … 天", "the last login is recent enough", "001 附件1 组织机构管理"),
    _c(
        "R4.2.overdue",
        "…，已间隔 … 天，超过 … 天上限",
        "the last login is older than the maximum interval",
        "001 附件1 组织机构管理",
    ),
    _c(
        "R4.2.warn",
        "…，已间隔 … 天：请于 …（含）前登录",
        "the last login nears the maximum interval: log in by the date shown",
        "001 附件1 组织机构管理",
    ),
    _c(
        "R4.4.custody_incomplete",
        "保管清单未列明保管人：…",
        "the custody list names no keeper for some items",
        "000 第十九条2",
    ),
    _c("R4.4.ok", "保管分离：…", "seals, name stamps and cheques are kept apart", "000 第十九条2"),
    _c(
        "R4.4.single_holder",
        "仅有一名会计人员 …，财务专用章、个人名章、支票不得由其一人保管",
        "one accountant alone may not keep the seal, the name stamp and the cheques",
        "000 第十九条2",
    ),
    # R5
    _c(
        "R5.export.already_sent",
        "… 已发送过数据包（…）：重新导出将作为替换包，须确认并写明理由",
        "the month was sent: exporting again makes a replacement, confirmed with a reason",
        "000 第十七条9",
    ),
    _c(
        "R5.export.month_not_ended",
        "… …（今天 …）：只能导出已结束的月份，最近可导出 …",
        "only a month that has ended is exported",
        "000 第十七条9",
    ),
    _c(
        "R5.export.nothing_to_replace",
        "… 还没有发送过数据包，没有可替换的：请不要选择替换",
        "the month was never sent: there is nothing to replace",
        "000 第十七条9",
    ),
    _c("R5.export.ok", "… 已结束，可以导出", "the month has ended: it may be exported", "000 第十七条9"),
    _c(
        "R5.export.reason_required",
        "重新导出 …（替换第 … 号）须写明理由",
        "a replacement needs a reason",
        "000 第十七条9",
    ),
    _c(
        "R5.export.replacement",
        "… 的替换数据包：替换第 … 号，理由：…",
        "a replacement bundle for the month, with its reason",
        "000 第十七条9",
    ),
    # R6
    _c(
        "R6.articles_short",
        "…年向办事处投稿 … 篇，少于 … 篇",
        "fewer articles sent to the office than the yearly minimum",
        None,
    ),
    _c(
        "R6.committee_meetings_short",
        "…年管委会会议每季度至少 … 次，不足：…",
        "a quarter without the minimum of committee meetings",
        "000 第十六条1",
    ),
    _c(
        "R6.counts_ok",
        "…年管委会会议每季度均已召开，业务培训 … 次，投稿 … 篇",
        "meetings, trainings and articles reach their minimums",
        "000 第十六条1",
    ),
    _c(
        "R6.selfassessment_not_open",
        "下次年度自审 … 至 …",
        "the annual self-assessment window is not open",
        "000 第二十三条",
    ),
    _c(
        "R6.selfassessment_open",
        "年度自审进行中（… 至 …）：请于 …（含）前提交…，尚余 … 天",
        "the annual self-assessment window is open: submit by its end",
        "000 第二十三条",
    ),
    _c("R6.trainings_short", "…年业务培训 … 次，少于 … 次", "fewer trainings than the yearly minimum", None),
    _c(
        "R6.yearly_already_sent",
        "… 年度自审材料已报送过；重新报送须写明理由（新的数据包替换之前的）",
        "the year's package was sent: sending again needs a reason (the new one replaces it)",
        "000 第二十三条",
    ),
    _c(
        "R6.yearly_late",
        "… 年度自审材料逾期报送（截止 …）",
        "the year's self-assessment package is sent after the window's end",
        "000 第二十三条",
    ),
    _c(
        "R6.yearly_on_time",
        "… 年度自审材料按期报送（截止 …）",
        "the year's self-assessment package is sent within the window",
        "000 第二十三条",
    ),
    _c(
        "R6.yearly_too_early",
        "… 年度自审材料自 … 起报送（自审期 … 至 …）",
        "the year's package is sent from the window's start (the year must be over)",
        "000 第二十三条",
    ),
    # R7
    _c(
        "R7.materials_late",
        "实施资料 … 提供，晚于 …（项目 … 实施前…个工作日）",
        "the project's materials were provided late",
        "004 二(三)1(1)",
    ),
    _c(
        "R7.materials_not_submitted",
        "实施资料须于 …（含）前提供（项目实施前…个工作日）",
        "the project's materials are due by the date shown",
        "004 二(三)1(1)",
    ),
    _c(
        "R7.no_budget",
        "服务项目“…”无预算，不允许搭载会员服务平台实施",
        "a service project without a budget is not run on the members' platform",
        "004 六.4",
    ),
    _c("R7.over_budget", "项目费用 … 超过预算 …", "the project's cost is above its budget", "004 六.4"),
    _c(
        "R7.plan_late",
        "实施方案 … 报送，晚于开展前一个月（…）",
        "the project's plan was sent late (due a month before it starts)",
        "004 二(二)1",
    ),
    _c(
        "R7.plan_not_submitted",
        "实施方案须于 …（含）前报办事处会员服务部",
        "the project's plan is due at the office by the date shown",
        "004 二(二)1",
    ),
    _c(
        "R7.quotes_insufficient",
        "比选须有至少 … 家不同供应商报价，现有 … 家（共 … 条）",
        "too few quotes from different suppliers",
        "004 附件4",
    ),
    _c("R7.score_out_of_range", "… 的“…”得分 … 不在 0 至 … 分之间", "a supplier score outside its range", None),
    _c(
        "R7.tie",
        "总分并列最高：…（…），须由评分人员另行确定并记录理由",
        "a tie for the highest score: the scorers decide and record why",
        "004 附件3",
    ),
    _c(
        "R7.timeline_ok",
        "服务项目“…”报送时限与预算符合要求",
        "the project's deadlines and budget are met",
        "004 二(二)1",
    ),
    _c("R7.winner", "总分最高者 … 中选（…）", "the supplier with the highest score is chosen", "004 附件3"),
    # R8
    _c("R8.3.decision", "核准或驳回设立申请", "decide (approve or reject) the branch's application", None),
    _c(
        "R8.3.rejected",
        "该代办处的设立申请已被驳回，不接收其数据包",
        "the application was rejected: its bundles are refused",
        "000 第八条2",
    ),
    _c("R8.4.announce", "发出设立通告并开展活动", "announce the new branch and start its activity", None),
    _c(
        "R8.5.disqualified",
        "该代办处已被取消资格，不再接收其数据包",
        "the branch lost its status: its bundles are refused",
        "000 第八条4",
    ),
    _c("R8.5.start", "开展业务（否则自动取消资格）", "start business (else the branch loses its status)", None),
    _c("R8.6.announce", "立即发出变更通告", "announce the change now", None),
    _c("R8.6.decision", "核准或驳回变更申请", "decide (approve or reject) the change", None),
    _c("R8.7.decision", "核准终止申请", "approve the termination", None),
    _c("R8.7.stop", "发出终止通告并停止互助保障活动", "announce the termination and stop the activity", None),
    _c(
        "R8.7.terminated",
        "该代办处已于 … 终止，不接收其后期间的数据包",
        "the branch has terminated: bundles for later periods are refused",
        "000 第十条",
    ),
    _c(
        "R8.approve.documents_missing",
        "申请材料不全，不能核准：缺 …。可驳回，或补齐材料后再核准",
        "documents are missing: not approved",
        None,
    ),
    _c("R8.docs.unknown", "未知的材料代码：…；本环节的材料为：…", "unknown document code", None),
    _c(
        "R8.name.form",
        "名称“…”不符合“中国职工保险互助会北京办事处***代办处（点）”的形式",
        "the name does not follow the required form",
        "000 第二十七条",
    ),
    _c("R8.step.date_backwards", "“…”日期 … 早于上一环节日期 …", "the step's date is before the previous step's", None),
    _c(
        "R8.step.future",
        "“…”日期 … 晚于今天，只能登记已经发生的事项",
        "the step's date is after today: only what happened is recorded",
        None,
    ),
    _c(
        "R8.step.illegal",
        "代办处当前状态为“…”，不能办理“…”（须处于：…）",
        "the branch's state does not allow this step",
        None,
    ),
    _c("R8.step.late", "“…”于 … 办理，已超过期限 …（迟 … 天）", "the step was taken after its deadline", None),
    # R9
    _c("R9.3.already_void", "该笔支出已作废", "the payment is already void", "002 第二十一条"),
    _c(
        "R9.3.correction_ok",
        "… 更正…，原因：…；原值保留",
        "corrected by a dated entry with a reason; the old values are kept",
        "002 第二十一条",
    ),
    _c(
        "R9.3.date_backwards",
        "作废日期 … 早于上一环节日期 …",
        "the void's date is before the previous step's",
        "002 第二十一条",
    ),
    _c("R9.3.date_in_future", "作废日期 … 晚于当日 …", "the void's date is after today", "002 第二十一条"),
    _c("R9.3.field_not_correctable", "不能更正的字段：…", "this field is not corrected this way", "002 第二十一条"),
    _c("R9.3.nothing_changed", "更正的内容与原登记相同", "the correction changes nothing", "002 第二十一条"),
    _c("R9.3.reason.missing", "请填写…原因（--reason）", "the reason is missing", "000 第二十一条"),
    _c("R9.3.reason.ok", "…原因：…", "reason given", "000 第二十一条"),
    _c("R9.3.reason.too_long", "…原因过长（… 个字，最多 …）", "the reason is too long", "000 第二十一条"),
    _c("R9.3.reason_required", "更正须写明原因", "a correction needs a reason", "002 第二十一条"),
    _c(
        "R9.3.void_ok",
        "… 作废，原因：…；原记录保留，不再计入上限和预算",
        "voided with a reason; the record stays, no longer counted in caps and budget",
        "002 第二十一条",
    ),
    # R10
    _c(
        "R10.2.meeting_not_logged",
        "工作记录中没有 … 的管委会会议，请补登该次会议（稽核按工作记录统计每季度会议）",
        "the committee meeting is missing from the work log",
        "000 第十六条1",
    ),
    # R11
    _c(
        "R11.1.approved",
        "…年度预算 … 个科目，合计 …，经管委会 … 审议批准（…）",
        "the year's budget approved by the management committee",
        "000 第十三条2",
    ),
    _c(
        "R11.1.meeting_in_future",
        "管委会会议日期 … 晚于今天 …",
        "the committee meeting date is after today",
        "000 第十三条2",
    ),
    _c(
        "R11.1.meeting_required",
        "请填写审议预算的管委会会议日期",
        "the date of the committee meeting that approved the budget is missing",
        "000 第十三条2",
    ),
    _c(
        "R11.1.minutes_required",
        "请填写会议纪要编号或记录（管委会审议预算须有会议记录）",
        "the meeting minutes (number or record) are missing",
        "000 第十三条2",
    ),
    _c("R11.1.minutes_too_long", "会议纪要不超过 … 字", "the minutes reference is too long", "000 第十三条2"),
    _c(
        "R11.1.no_lines",
        "…年度预算没有科目，不能批准",
        "the budget has no lines: it cannot be approved",
        "000 第十三条2",
    ),
    _c("R11.2.amount_invalid", "预算金额应为不小于零的金额，实为 …", "a budget amount must be zero or more", None),
    _c("R11.2.line_unknown", "没有预算科目“…”，应为：…", "no such budget line", "000 第十九条5"),
    _c("R11.2.note_too_long", "备注不超过 … 字", "the note is too long", None),
    _c("R11.2.ok", "…·… …", "budget line entered", None),
    _c(
        "R11.3.below_committed",
        "预算科目“…”已列支 …，修订后金额 … 不得低于已列支金额",
        "a revised line may not fall below what it has already paid",
        "003 第八条",
    ),
    _c(
        "R11.3.ok",
        "预算科目“…”修订为 …，须经管委会重新审议批准后执行",
        "line revised; the committee approves the revision again",
        None,
    ),
    _c(
        "R11.3.reason_required",
        "修订预算须写明理由（修订后须经管委会重新审议批准）",
        "a budget revision needs a reason",
        None,
    ),
    # R13
    _c(
        "R13.1.bulk",
        "金额 … 达到大宗商品采购标准（… 以上）：须至少三家报价、评分表（附件3）和价格对比表（附件4）",
        "at or above the bulk-purchase threshold: three quotes, score sheets and the price comparison",
        None,
    ),
    _c("R13.1.choose_supplier", "有 … 家报价：须指定中选的供应商", "several quotes: name the supplier chosen", None),
    _c("R13.1.chosen", "确定供应商：…", "supplier chosen", None),
    _c(
        "R13.1.comparison_signed", "价格对比表已由三方签字", "the price comparison is signed by all three parties", None
    ),
    _c(
        "R13.1.comparison_unsigned",
        "价格对比表（附件4）缺少签字：…",
        "signatures missing on the price comparison",
        None,
    ),
    _c(
        "R13.1.few_quotes_reason",
        "大宗商品采购只有 … 家报价（应至少 … 家），已记录理由：…",
        "fewer quotes than required, with the reason recorded",
        None,
    ),
    _c(
        "R13.1.no_figure",
        "当时没有比选最少报价家数的规定（无当时数值），不作核查",
        "no minimum number of quotes in force then: not checked",
        None,
    ),
    _c("R13.1.no_quotes", "还没有任何报价，不能确定供应商", "no quotes yet: no supplier can be chosen", None),
    _c(
        "R13.1.no_scores",
        "大宗商品采购须由评分人员填写评分表（附件3）",
        "a bulk purchase needs the scorers' sheets",
        None,
    ),
    _c("R13.1.not_highest", "中选的供应商 … 不是总分最高者", "the supplier chosen is not the highest scored", None),
    _c(
        "R13.1.quotes_insufficient",
        "大宗商品采购须有至少 … 家不同供应商报价，现有 … 家（不足时须写明理由）",
        "too few quotes from different suppliers (fewer needs a reason)",
        None,
    ),
    _c(
        "R13.1.quotes_not_required",
        "低于大宗商品采购标准，报价家数不限",
        "below the bulk threshold: any number of quotes",
        None,
    ),
    _c("R13.1.quotes_ok", "已有 … 家供应商报价", "enough suppliers quoted", None),
    _c("R13.1.score_out_of_range", "… 给 … 的“…”得分 … 不在 0 至 … 分之间", "a score outside its range", None),
    _c("R13.1.scored_twice", "… 的评分表中“…”出现两次", "a criterion scored twice on one sheet", None),
    _c("R13.1.scorer_missing", "评分表须写明评分人员（签字）", "a score sheet names its scorer", None),
    _c("R13.1.sheet_empty", "… 的评分表没有评分", "a score sheet without scores", None),
    _c("R13.1.sheet_incomplete", "… 的评分表缺少对 … 的评分", "a score sheet misses a supplier", None),
    _c("R13.1.sheet_ok", "… 的评分表有效（… 家）", "score sheet valid", None),
    _c(
        "R13.1.small",
        "金额 … 低于大宗商品采购标准 …：无须比选",
        "below the bulk-purchase threshold: no comparison needed",
        None,
    ),
    _c(
        "R13.1.tie",
        "总分并列最高：…（…）；程序不代为选择，须由评分人员确定并记录理由",
        "a tie for the highest score: the scorers decide and record why",
        None,
    ),
    _c(
        "R13.1.tie_needs_choice",
        "总分并列最高（…）：须指定评分人员确定的供应商并写明理由",
        "a tie: name the supplier the scorers chose, with the reason",
        None,
    ),
    _c(
        "R13.1.tie_reason",
        "总分并列最高，由评分人员确定 …，理由：…",
        "the tie decided by the scorers, with the reason",
        None,
    ),
    _c("R13.1.unknown_supplier", "“…”没有报价，不能评分（报价：…）", "a score for a supplier that did not quote", None),
    _c(
        "R13.1.winner",
        "总分最高者 … 中选（… 位评分人员合计：…）",
        "the supplier with the highest total score is chosen",
        None,
    ),
    _c("R13.2.count_exists", "…年度已于 … 盘点", "the year's asset count is already recorded", None),
    _c("R13.2.count_future", "盘点日期 … 晚于今天 …", "the count date is after today", None),
    _c("R13.2.count_ok", "…年度财产盘点（…）", "the year's asset count recorded", None),
    _c(
        "R13.2.count_wrong_year",
        "…年度的盘点日期应在 …-01-01 至 …-01-31 之间，实为 …",
        "the count date is outside the count's window",
        None,
    ),
    _c(
        "R13.2.disposal_approval", "处置固定资产须写明审批（批准人或会议纪要）", "a disposal records its approval", None
    ),
    _c(
        "R13.2.disposal_before_acquisition",
        "处置日期 … 早于取得日期 …",
        "the disposal date is before the acquisition date",
        None,
    ),
    _c("R13.2.disposal_future", "处置日期 … 晚于今天 …", "the disposal date is after today", None),
    _c("R13.2.disposal_ok", "… 处置：…", "asset disposed", None),
    _c("R13.2.disposal_reason", "处置固定资产须写明原因", "a disposal needs its reason", None),
    # R7 (service projects, landed meanwhile)
    _c(
        "R7.1.wrong_state",
        "项目当前为“…”，不能办理“…”（须在：…）",
        "the project's state does not allow this step",
        None,
    ),
    _c("R7.10.ground", "终止情形应为 … 之一，实为 …", "the termination ground must be one of the listed cases", None),
    _c("R7.10.reason", "“其他应予以终止的情形”须写明具体情形", "'another case' of termination names the case", None),
    _c(
        "R7.11.missing_document",
        "“…”缺少…（…）：凡未履行工作流程或缺少必要材料的不予审批",
        "a document is missing: steps without their materials are not approved",
        None,
    ),
    _c(
        "R7.11.missing_material",
        "缺少…（…）：凡未履行工作流程或缺少必要材料的不予审批",
        "a material is missing: steps without their materials are not approved",
        None,
    ),
    _c("R7.3.plan_due", "报送“…”实施方案（附件1）", "send the project's plan (annex 1)", None),
    _c(
        "R7.4.review_due",
        "“…”实施方案初审结果（… 收到，五个工作日内）",
        "the office's first review is due within five working days",
        None,
    ),
    _c(
        "R7.4.review_late",
        "办事处初审用了 … 个工作日（… 收到，应于 … 前通知），超过五个工作日",
        "the office's first review took more than five working days",
        None,
    ),
    _c("R7.5.materials", "“…”…，须在实施资料期限前获批", "the materials must be approved before their deadline", None),
    _c("R7.6.approval", "“…”申请表…", "the application form's approval", None),
    _c(
        "R7.6.department",
        "会签部门应为 … 之一，实为 …",
        "the countersigning department must be one of the listed ones",
        None,
    ),
    _c(
        "R7.6.unsigned",
        "《代办处服务项目申请表》（附件2）尚缺会签：…",
        "countersignatures missing on the application form (annex 2)",
        None,
    ),
    _c(
        "R7.7.launch_due",
        "提供“…”实施资料及电子码详单（… 实施前五个工作日）",
        "provide the launch materials and code list five working days before",
        None,
    ),
    _c("R7.7.setup", "“…”平台搭载与测试，… 上线", "platform setup and test before launch", None),
    _c(
        "R7.8.feedback",
        "“…”已于 … 结束，待反馈参与名单及电子码使用情况",
        "the project ended: send the participants and code use back",
        None,
    ),
    _c("R7.budget_ok", "预算科目余额 …，足以支付本项目", "the budget line's balance covers the project", None),
    _c("R7.cost", "项目费用（采买物品总价）应大于零", "the project's cost must be above zero", None),
    _c("R7.dates", "结束日期 … 早于搭载开始日期 …", "the end date is before the start date", None),
    _c("R7.future", "日期 … 晚于今天 …：只能登记已发生的事", "a date after today cannot be entered", None),
    _c("R7.order", "日期 … 早于上一步骤的日期 …", "the date is before the previous step's", None),
    _c("R7.plan_incomplete", "实施方案（附件1）缺少：…", "the plan (annex 1) is incomplete", None),
    _c("R7.review_result", "初审结果应为 passed 或 failed，实为 …", "the review result must be passed or failed", None),
    _c(
        "R7.run_early", "项目搭载时间自 … 起，不能早于该日上线", "the project cannot launch before its start date", None
    ),
    _c("R7.unknown_step", "没有“…”这一步骤", "no such step", None),
)


def reason(code: str) -> ReasonCode:
    """The declared code (KeyError names an undeclared one)."""
    return CODES[code]
