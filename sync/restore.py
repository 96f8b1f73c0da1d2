"""After an older backup was restored: export is blocked until a supervisor reconciles.

``FILE.sent`` (``models.sentmark``) lists every monthly bundle the branch has sent. A restored
database that lacks some of them would reuse their sequence numbers, which the office refuses.
``require_reconciled`` is export's guard (exit 44). ``reconcile_restore`` is
``huzhu sync reconcile-restore``: for each bundle the office has and this database does not,
it recomputes the month's figures from the database and compares them with the figures sent;
when they all match (the clerks have entered the lost work again), or a supervisor accepts the
differences with a reason, it re-records those bundles as sent, in one transaction with its
audit event, so the next export continues the office's chain (sequence N+1, ``prev_sha256`` =
the hash of bundle N). Otherwise it lists the differences and writes nothing (exit 45).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from models import audit, sentmark
from models.db import current, writing
from models.errors import UsageError
from sync.bundle import KIND_BRANCH_MONTHLY
from sync.errors import RestoreNotReconciled
from sync.keystore import branch_identity, require_branch

#: Items compared, with their Chinese names: the summary's totals and the period's disbursements.
ITEMS = (
    ("members", "参保人数"),
    ("shares", "份数"),
    ("fees_due_fen", "应缴会费（元）"),
    ("claims_reported", "报案件数"),
    ("claims_submitted", "上报件数"),
    ("claims_returned", "打回件数"),
    ("claims_settled", "给付件数"),
    ("claims_declined", "拒付件数"),
    ("benefit_fen", "给付金额（元）"),
    ("disbursed_fen", "慰问救助支出（元）"),
)
ITEM_NAMES = dict(ITEMS)
MONEY_ITEMS = {"fees_due_fen", "benefit_fen", "disbursed_fen"}
NOTE = "恢复较早的备份后补记：办事处已收到此数据包"


def _span(bundles: list[sentmark.Sent]) -> str:
    first, last = bundles[0].sequence, bundles[-1].sequence
    return str(first) if first == last else f"{first}–{last}"


def _behind() -> tuple[
    sentmark.Mark | None, dict[int, tuple[str, str, str, str | None, str]], int, list[sentmark.Sent]
]:
    mark = sentmark.mark_for_this_branch(current().path)
    logged = sentmark.logged()
    last = max(logged, default=0)
    return mark, logged, last, sentmark.lacking(mark, last)


def require_reconciled() -> None:
    """Refuse (exit 44) while this database lacks bundles the office already holds."""
    _mark, _logged, last, missing = _behind()
    if not missing:
        return
    raise RestoreNotReconciled(
        f"不能导出：办事处已收到{sentmark.describe(missing)}月度数据包，本数据库中却没有这些记录"
        f"（{f'最后记录的是第 {last} 号' if last else '没有任何发送记录'}，可能恢复了较早的备份）。"
        f"现在导出会重复使用这些序号，办事处会拒收。请补录丢失的工作后，由负责人运行 {sentmark.RECONCILE_COMMAND} 核对",
        f"export refused: the office already holds bundle(s) {_span(missing)} that this database does not record "
        f"(its last is {last or 'none'}; an older backup was restored?). Exporting now would reuse their sequence "
        f"numbers and the office would refuse it. Re-enter the lost work, then a supervisor runs "
        f"{sentmark.RECONCILE_COMMAND}",
    )


# --- reconciling -------------------------------------------------------------------------------------


@dataclass
class Difference:
    item: str
    item_zh: str
    sent: int
    now: int

    @property
    def difference(self) -> int:
        return self.now - self.sent

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "difference": self.difference, "money": self.item in MONEY_ITEMS}


@dataclass
class BundleCheck:
    """One bundle the office holds and this database did not: ``check`` is ``match``, ``differ``,
    ``no_figures`` (the figures sent are not known: an interrupted export adopted later), or
    ``superseded`` (a later bundle of the same period replaced it at the office; not compared)."""

    sequence: int
    period: str
    file_name: str
    sha256: str
    created: str
    check: str
    differences: list[Difference] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "period": self.period,
            "file": self.file_name,
            "sha256": self.sha256,
            "created": self.created,
            "check": self.check,
            "differences": [d.to_json() for d in self.differences],
        }


@dataclass
class ReconcileResult:
    """``status``: ``nothing_to_do``, ``reconciled`` (rows written) or ``differences`` (nothing written)."""

    status: str
    db_last_sequence: int
    sent_last_sequence: int
    bundles: list[BundleCheck]
    accepted_differences: bool = False
    reason: str | None = None
    recorded: list[int] = field(default_factory=list)

    @property
    def next_sequence(self) -> int:
        return max(self.db_last_sequence, self.sent_last_sequence) + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "db_last_sequence": self.db_last_sequence,
            "sent_last_sequence": self.sent_last_sequence,
            "next_sequence": self.next_sequence,
            "accepted_differences": self.accepted_differences,
            "reason": self.reason,
            "recorded": self.recorded,
            "bundles": [b.to_json() for b in self.bundles],
        }


def _check_chain(
    missing: list[sentmark.Sent], logged: dict[int, tuple[str, str, str, str | None, str]], last: int
) -> None:
    """The bundles to re-record must continue this database's own chain without a hole."""
    expected_prev = logged[last][2] if last else None
    for offset, b in enumerate(missing):
        if b.sequence != last + 1 + offset or b.prev_sha256 != expected_prev:
            raise RestoreNotReconciled(
                f"无法核对：文件外的发送记录（{sentmark.path_for(current().path).name}）中第 {b.sequence} 号数据包"
                f"与本数据库的发送记录接不上（序号缺失或前一数据包不同）。请不要导出，联系技术支持与办事处核对",
                f"cannot reconcile: bundle {b.sequence} in the sent mark does not continue this database's chain "
                "(a missing sequence or a different previous bundle); do not export, contact support and the office",
                code="restore_chain_conflict",
            )
        expected_prev = b.sha256


def _compare(missing: list[sentmark.Sent]) -> list[BundleCheck]:
    from sync.export import branch_payload  # local: export imports this module for its guard

    latest = {b.period: b.sequence for b in missing}  # missing is in sequence order: the last one wins
    checks = []
    for b in missing:
        check = BundleCheck(b.sequence, b.period, b.file_name, b.sha256, b.created, "match")
        if latest[b.period] != b.sequence:
            check.check = "superseded"
        elif b.totals is None:
            check.check = "no_figures"
        else:
            summary = branch_payload(b.period).summary
            now = {**summary["totals"], "disbursed_fen": summary["disbursed_fen"]}
            sent = {**b.totals, "disbursed_fen": b.disbursed_fen}
            for item, zh in ITEMS:
                was = sent.get(item)
                if was is not None and was != now.get(item, 0):
                    check.differences.append(Difference(item, zh, was, now.get(item, 0)))
            if check.differences:
                check.check = "differ"
        checks.append(check)
    return checks


def reconcile_restore(*, accept_differences: bool = False, reason: str | None = None) -> ReconcileResult:
    """Re-record the bundles the office holds and this database lacks, if the figures allow it."""
    session = current()
    require_branch()
    session.require_role("supervisor")
    reason = (reason or "").strip() or None
    if accept_differences and reason is None:
        raise UsageError(
            "确认差异（--accept-differences）必须用 --reason 写明原因",
            "--accept-differences needs a reason: --reason TEXT",
        )
    from models.schema import BundleLog

    with writing():  # one transaction: compared, recorded and audited on the same state
        mark, logged, last, missing = _behind()
        sent_last = mark.last_sequence if mark else last
        if not missing:
            return ReconcileResult("nothing_to_do", last, sent_last, [], False, reason)
        _check_chain(missing, logged, last)
        checks = _compare(missing)
        differs = [c for c in checks if c.check in ("differ", "no_figures")]
        if differs and not accept_differences:
            return ReconcileResult("differences", last, sent_last, checks, False, reason)
        code, _name = branch_identity()
        note = NOTE + (
            f"；负责人 {session.user} 确认差异：{reason}" if differs else f"；负责人 {session.user} 核对数据一致"
        )
        for b in missing:
            BundleLog.create(
                direction="out",
                kind=KIND_BRANCH_MONTHLY,
                branch_code=code,
                period=b.period,
                sequence=b.sequence,
                file_name=b.file_name,
                sha256=b.sha256,
                prev_sha256=b.prev_sha256,
                created_at=b.created,
                status="sent",
                note=note,
            )
        audit.record(
            "sync.restore.reconciled",
            "bundle_log",
            None,
            {
                "db_last_sequence": last,
                "sequences": [b.sequence for b in missing],
                "periods": [b.period for b in missing],
                "sha256": [b.sha256 for b in missing],
                "accepted_differences": bool(differs),
                "reason": reason,
                "differences": [
                    {
                        "sequence": c.sequence,
                        "period": c.period,
                        "check": c.check,
                        "items": [d.to_json() for d in c.differences],
                    }
                    for c in differs
                ],
            },
        )
    sentmark.refresh(session.path, session.keyfile.db_id)
    return ReconcileResult("reconciled", last, sent_last, checks, bool(differs), reason, [b.sequence for b in missing])
