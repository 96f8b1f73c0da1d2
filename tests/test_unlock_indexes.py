"""Issue 15: what the unlock reads does not grow with the branch's history. The grants are
replayed at every unlock; their query reads the grant events through (action, seq) (migration
0022), not every signed event of the chain."""

from __future__ import annotations

from models import db as dbmod
from models import grants


def test_the_grant_replay_reads_only_grant_events(session):
    where = f"WHERE seq >= ? AND action IN ({','.join('?' * len(grants.GRANT_ACTIONS))})"
    plan = " ".join(
        str(r)
        for r in dbmod.database.execute_sql(
            f"EXPLAIN QUERY PLAN SELECT seq FROM audit_event {where} ORDER BY seq", (1, *grants.GRANT_ACTIONS)
        ).fetchall()
    )
    assert "auditevent_action_seq" in plan, plan
