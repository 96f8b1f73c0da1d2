"""One member's record for the lookup screen: status per plan, coverage history, claims and
disbursements.

The statuses are exactly what ``models.lookup`` gives for the member (same SQL prefix, same
``member_policies`` and ``statuses``), so the record never disagrees with the search list.
ID numbers are masked; diagnoses and bank accounts are left out: the lookup answers "is this
member covered, and what is open for them", which needs neither (docs/rules.md R9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.db import database
from models.lookup import SELECT, MemberStatus, member_policies, statuses
from rules import CATEGORIES, CLAIM_STATES, mask_id, ruleset_on

#: How a coverage line came about (``coverage.event``), in Chinese.
EVENT_NAMES = {
    "first_enrolment": "首次参保",
    "renewal": "续保",
    "late_renewal_as_first": "逾期续保（视为首次参保）",
    "added_shares": "新增份数",
}
#: Disbursement states (``disbursement.state``), in Chinese.
DISBURSEMENT_STATE_NAMES = {
    "entered": "待审批",
    "approved": "已审批",
    "paid": "已发放",
    "signed": "已签收",
    "cancelled": "已取消",
}


@dataclass(frozen=True)
class CoverageRow:
    plan: str
    plan_name: str
    unit_code: str
    start: dt.date
    end: dt.date
    shares: int
    cover_start: dt.date
    observation_end: dt.date | None
    event: str

    @property
    def event_name(self) -> str:
        return EVENT_NAMES.get(self.event, self.event)


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    plan_name: str
    incident_date: dt.date
    report_date: dt.date
    state: str
    benefit_fen: int | None

    @property
    def state_name(self) -> str:
        return CLAIM_STATES.get(self.state, self.state)


@dataclass(frozen=True)
class DisbursementRow:
    on_date: dt.date
    category: str
    beneficiary: str
    amount_fen: int
    state: str

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def state_name(self) -> str:
        return DISBURSEMENT_STATE_NAMES.get(self.state, self.state)


@dataclass
class MemberDetail:
    member: MemberStatus
    coverage: list[CoverageRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    disbursements: list[DisbursementRow] = field(default_factory=list)


def _d(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def member_detail(member_id: int, on: dt.date) -> MemberDetail | None:
    """The member's record as of ``on``; None if there is no such member (deleted meanwhile)."""
    row = database.execute_sql(SELECT + "WHERE m.id = ?", (member_id,)).fetchone()
    if row is None:
        return None
    mid, name, id_number, sex, retired, unit_code, unit_name = row
    status = MemberStatus(mid, name, mask_id(id_number), sex, unit_code, unit_name, retired)
    status.plans = statuses(member_policies([mid]).get(mid, {}), on, _d(retired))
    plan_names = {code: params.name for code, params in ruleset_on(on).plans.items()}
    detail = MemberDetail(status)
    for plan, ucode, start, end, shares, cover_start, obs_end, event in database.execute_sql(
        'SELECT p.plan_id, u.code, p.start, p."end", c.shares, c.cover_start, c.observation_end, c.event '
        "FROM coverage c JOIN policy p ON p.id = c.policy_id JOIN unit u ON u.id = p.unit_id "
        "WHERE c.member_id = ? ORDER BY p.start DESC, p.plan_id, c.cover_start, c.id",
        (mid,),
    ):
        detail.coverage.append(
            CoverageRow(
                plan, plan_names.get(plan, plan), ucode, _d(start), _d(end), shares, _d(cover_start), _d(obs_end), event
            )
        )
    for claim_id, plan, incident, reported, state, benefit in database.execute_sql(
        "SELECT id, plan_id, incident_date, report_date, state, benefit_fen FROM claim_report "
        "WHERE member_id = ? ORDER BY report_date DESC, id DESC",
        (mid,),
    ):
        detail.claims.append(ClaimRow(claim_id, plan_names.get(plan, plan), _d(incident), _d(reported), state, benefit))
    for on_date, category, beneficiary, amount, state in database.execute_sql(
        "SELECT on_date, category, beneficiary_name, amount_fen, state FROM disbursement "
        "WHERE member_id = ? ORDER BY on_date DESC, id DESC",
        (mid,),
    ):
        detail.disbursements.append(DisbursementRow(_d(on_date), category, beneficiary, amount, state))
    return detail
