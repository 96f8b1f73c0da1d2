"""The bundle history of this database (``bundle_log``): what was sent and received, newest first.

The 同步 screen lists it so a clerk can see which months went to the office and which
answers came back without opening any file.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.db import database
from sync.bundle import KIND_BRANCH_MONTHLY, KIND_OFFICE_ANSWER

KIND_NAMES = {KIND_BRANCH_MONTHLY: "月度数据包", KIND_OFFICE_ANSWER: "办事处回执"}
#: Rows listed at most (one a month each way: more than ten years).
HISTORY_LIMIT = 300


@dataclass(frozen=True)
class BundleEntry:
    direction: str
    kind: str
    period: str
    sequence: int
    file_name: str
    sha256: str
    created_at: str
    status: str

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


def bundle_history(limit: int = HISTORY_LIMIT) -> list[BundleEntry]:
    """Bundles sent and received, newest first."""
    rows = database.execute_sql(
        "SELECT direction, kind, period, sequence, file_name, sha256, created_at, status FROM bundle_log "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [BundleEntry(*row) for row in rows]
