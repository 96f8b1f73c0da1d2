"""Plans in the database mirror the rule set in force (rules/data): the rule set is the
source of truth for terms and observation days; the table lets policies reference a plan."""

from __future__ import annotations

import datetime as dt

from rules.params import ruleset_on


def sync_plans(on: dt.date) -> int:
    from models.schema import Plan

    rs = ruleset_on(on)
    for p in rs.plans.values():
        Plan.insert(
            code=p.code, name=p.name, category=p.category, term_months=p.term_months,
            share_price_fen=p.share_price_fen, observation_days=p.observation_days, sample=p.sample,
        ).on_conflict(
            conflict_target=[Plan.code],
            preserve=[Plan.name, Plan.category, Plan.term_months, Plan.share_price_fen, Plan.observation_days, Plan.sample],
        ).execute()
    return len(rs.plans)
