"""R2.5's measure: the share of APP claims among the claims that met the office's APP
conditions in a year (001 附件1 业务管理 biz.6). Reads the register; the rule counts."""

from __future__ import annotations

import datetime as dt

from rules.claims import ChannelRecord
from rules.claims import app_share as _app_share


def app_share(year: int) -> dict:
    from models.db import database

    rows = database.execute_sql(
        "SELECT plan_id, channel, report_date FROM claim_report WHERE report_date BETWEEN ? AND ?",
        (f"{year}-01-01", f"{year}-12-31"),
    ).fetchall()
    decision = _app_share([ChannelRecord(p, c, dt.date.fromisoformat(str(d))) for p, c, d in rows], year)
    return {
        "year": year,
        **decision.data,
        "message": decision.message,
        "citation": str(decision.citation),
        "ruleset": decision.ruleset,
    }
