"""Restoring an older backup at a branch that has sent bundles since (issue #6 item 7).

The story of every test: bundle 1 (2026-09) is sent, a backup is taken, a late claim for
October is entered, bundle 2 (2026-10) is sent and the office imports both; then the backup
is restored, so the database knows bundle 1 only and has lost the late claim. The restored
database must say so at unlock, refuse to export (exit 44), and let a supervisor reconcile
(``huzhu sync reconcile-restore``): refused while the figures differ from those sent (exit 45,
nothing written), done once the lost claim is entered again (or the differences are accepted
with a reason), after which the next export is bundle 3 chained to bundle 2 and the office
imports it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from syncdb_kit import CHEAP_KDF, IDS, PASSPHRASE, World, branch_keys, export, import_path, make_world

from models import admin, audit, sentmark
from models import db as dbmod
from models.backup import read_header, restore_backup
from models.errors import PermissionDenied, UsageError
from tests.cli_kit import huzhu as run


@dataclass
class Restored:
    world: World
    out: Path
    first: object  # ExportResult of bundle 1 (2026-09)
    second: object  # ExportResult of bundle 2 (2026-10), sent after the backup


def add_late_claim() -> None:
    """A claim reported on 2026-10-28 and entered in November: October's figures change."""
    with dbmod.writing():
        dbmod.database.execute_sql(
            "INSERT INTO claim_report (member_id, unit_id, plan_id, diagnosis, incident_kind, incident_date, "
            "shares_claimed, report_date, reporter, channel, materials, state, created_by) VALUES "
            "(4, 1, 'ZYYL', '骨折', 'accident', '2026-10-25', 1, '2026-10-28', '本人', 'paper', '[]', 'reported', 'zhang')"
        )
        audit.record("test.claim", "claim_report", None, {})


def restored(tmp_path: Path) -> Restored:
    world = make_world(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    first = export(world, "2026-09", out)
    backup = tmp_path / "before-october.hzbak"
    with world.at_branch() as session:
        admin.backup(session, backup)
        key = session.key
    with world.at_branch():
        add_late_claim()
    second = export(world, "2026-10", out)
    assert [import_path(world, r.path).status for r in (first, second)] == ["imported", "imported"]
    header_obj, header, offset = read_header(backup)
    restore_backup(backup, world.branch, key, header_obj, header, offset)
    return Restored(world, out, first, second)


def sent_rows(world: World) -> list[tuple]:
    with world.at_branch():
        return dbmod.database.execute_sql(
            "SELECT sequence, period, sha256, prev_sha256, status FROM bundle_log WHERE direction = 'out' "
            "ORDER BY sequence"
        ).fetchall()


def audit_head(world: World) -> tuple[int, str]:
    with world.at_branch():
        return audit.head()


@pytest.fixture
def story(tmp_path) -> Restored:
    return restored(tmp_path)


# --- noticed and blocked --------------------------------------------------------------------------------


def test_the_sent_mark_survives_restore_and_holds_no_personal_data(story):
    mark_file = sentmark.path_for(story.world.branch)
    data = mark_file.read_bytes()
    for secret in IDS + ["会员", "骨折", "甲公司", "6222020000001234"]:
        assert secret.encode("utf-8") not in data
    obj = json.loads(data)
    assert obj["branch_code"] == "004"
    assert [(b["sequence"], b["period"], b["sha256"]) for b in obj["bundles"]] == [
        (1, "2026-09", story.first.sha256),
        (2, "2026-10", story.second.sha256),
    ]
    assert obj["bundles"][1]["totals"] == story.second.summary["totals"]
    assert obj["bundles"][1]["prev_sha256"] == story.first.sha256
    # restore moved the replaced database's other side files aside, never this one
    kept = list(story.world.root.glob("branch.hzdb.before-restore-*"))
    assert {p.name.rsplit(".", 1)[-1] for p in kept} >= {"keys", "hwm"}
    assert not [p for p in kept if p.name.endswith(".sent")]


def test_unlock_warns_and_the_database_stays_writable(story):
    with story.world.at_branch() as session:
        assert len(session.warnings) == 1
        warning = session.warnings[0]
        assert "办事处已收到第 2 号（2026-10）月度数据包" in warning and "本数据库记录的最后一个是第 1 号" in warning
        assert "huzhu sync reconcile-restore" in warning and "不能导出" in warning
        assert not session.read_only and session.can_write
        add_late_claim()  # re-entering the lost work is allowed


def test_export_is_refused_before_anything_is_written(story):
    from sync.errors import RestoreNotReconciled
    from sync.export import export_period

    before = sorted(p.name for p in story.out.iterdir())
    head = audit_head(story.world)
    with story.world.at_branch():
        for dry_run in (True, False):
            with pytest.raises(RestoreNotReconciled) as refused:
                export_period("2026-11", story.out, dry_run=dry_run)
            assert refused.value.exit_code == 44 and refused.value.code == "restore_not_reconciled"
            assert "第 2 号（2026-10）" in refused.value.message_zh
    assert sorted(p.name for p in story.out.iterdir()) == before
    assert sent_rows(story.world) == [(1, "2026-09", story.first.sha256, None, "sent")]
    assert audit_head(story.world) == head


# --- reconciling --------------------------------------------------------------------------------------


def test_reconcile_lists_the_differences_and_writes_nothing(story):
    from sync.errors import RestoreNotReconciled
    from sync.export import export_period
    from sync.restore import reconcile_restore

    head = audit_head(story.world)
    with story.world.at_branch():
        result = reconcile_restore()
        assert result.status == "differences" and result.recorded == []
        (check,) = result.bundles
        assert (check.sequence, check.period, check.check) == (2, "2026-10", "differ")
        assert [(d.item, d.sent, d.now, d.difference) for d in check.differences] == [("claims_reported", 3, 2, -1)]
        with pytest.raises(RestoreNotReconciled):
            export_period("2026-11", story.out)
    assert sent_rows(story.world) == [(1, "2026-09", story.first.sha256, None, "sent")]
    assert audit_head(story.world) == head


def test_after_re_entering_the_lost_work_the_chain_continues_and_the_office_accepts(story):
    from sync.bundle import verify_bundle
    from sync.restore import reconcile_restore

    with story.world.at_branch() as session:
        add_late_claim()
        result = reconcile_restore()
        assert result.status == "reconciled" and result.recorded == [2] and result.next_sequence == 3
        assert not result.accepted_differences and result.bundles[0].check == "match"
        detail = json.loads(
            dbmod.database.execute_sql(
                "SELECT detail FROM audit_event WHERE action = 'sync.restore.reconciled'"
            ).fetchone()[0]
        )
        assert detail["sequences"] == [2] and detail["accepted_differences"] is False
        assert session.user == "zhang"
    assert sent_rows(story.world) == [
        (1, "2026-09", story.first.sha256, None, "sent"),
        (2, "2026-10", story.second.sha256, story.first.sha256, "sent"),
    ]
    with story.world.at_branch() as session:
        assert session.warnings == []
        note = dbmod.database.execute_sql("SELECT note FROM bundle_log WHERE sequence = 2").fetchone()[0]
        assert "恢复较早的备份后补记" in note

    third = export(story.world, "2026-11", story.out)
    assert (third.sequence, third.file_name) == (3, "004-202611-0003.hzb")
    signer = branch_keys(story.world).signing.public
    manifest = verify_bundle(third.path.read_bytes(), pinned_signers={"004": signer}, recipient_private=None).manifest
    assert manifest["sequence"] == 3
    assert manifest["prev_sha256"] == hashlib.sha256(story.second.path.read_bytes()).hexdigest() == story.second.sha256
    assert sent_rows(story.world)[-1][3] == story.second.sha256
    outcome = import_path(story.world, third.path)
    assert (outcome.status, outcome.sequence) == ("imported", 3)
    # The restored chain no longer holds the head bundle 2 carried: the bundle declares the supervisor's
    # reconciliation and the office imports it with a note (issue 13 item 4).
    assert manifest["audit_chain"]["restored"] is not None
    assert outcome.audit["check"] == "restored" and "恢复了较早的备份" in outcome.message_zh
    mark = json.loads(sentmark.path_for(story.world.branch).read_text("utf-8"))
    assert [b["sequence"] for b in mark["bundles"]] == [1, 2, 3]


def test_accepting_differences_needs_a_reason_and_is_audited(story):
    from sync.restore import reconcile_restore

    with story.world.at_branch():
        for reason in (None, "  "):
            with pytest.raises(UsageError):
                reconcile_restore(accept_differences=True, reason=reason)
    assert len(sent_rows(story.world)) == 1
    with story.world.at_branch():
        result = reconcile_restore(accept_differences=True, reason="该报案已由办事处撤销")
        assert result.status == "reconciled" and result.accepted_differences and result.recorded == [2]
        detail = json.loads(
            dbmod.database.execute_sql(
                "SELECT detail FROM audit_event WHERE action = 'sync.restore.reconciled'"
            ).fetchone()[0]
        )
    assert detail["reason"] == "该报案已由办事处撤销" and detail["accepted_differences"] is True
    assert detail["differences"][0]["items"][0]["item"] == "claims_reported"
    assert export(story.world, "2026-11", story.out).sequence == 3


def test_only_a_supervisor_reconciles(story):
    from sync.restore import reconcile_restore

    with story.world.at_branch() as session:
        admin.add_user(session, "li", "clerk", PASSPHRASE, kdf=CHEAP_KDF)
        add_late_claim()
    head = audit_head(story.world)
    session = dbmod.unlock(story.world.branch, "li", PASSPHRASE)
    try:
        assert session.warnings  # a clerk is told too
        with pytest.raises(PermissionDenied):
            reconcile_restore()
    finally:
        dbmod.close()
    assert len(sent_rows(story.world)) == 1 and audit_head(story.world) == head


def test_a_month_sent_twice_is_compared_with_its_last_version(tmp_path):
    """Bundles 2 and 3 both carry October (the late claim came between them): only bundle 3's
    figures are at the office, so only they are compared."""
    from sync.restore import reconcile_restore

    world = make_world(tmp_path)
    backup = tmp_path / "b.hzbak"
    first = export(world, "2026-09")
    with world.at_branch() as session:
        admin.backup(session, backup)
        key = session.key
    export(world, "2026-10")
    with world.at_branch():
        add_late_claim()
    third = export(world, "2026-10")
    header_obj, header, offset = read_header(backup)
    restore_backup(backup, world.branch, key, header_obj, header, offset)
    with world.at_branch():
        add_late_claim()
        result = reconcile_restore()
    assert [(b.sequence, b.check) for b in result.bundles] == [(2, "superseded"), (3, "match")]
    assert result.status == "reconciled" and result.recorded == [2, 3]
    assert sent_rows(world)[-1][2] == third.sha256 and sent_rows(world)[0][2] == first.sha256


def test_a_mark_that_does_not_continue_the_chain_is_not_reconciled(story):
    from sync.errors import RestoreNotReconciled
    from sync.restore import reconcile_restore

    path = sentmark.path_for(story.world.branch)
    obj = json.loads(path.read_text("utf-8"))
    obj["bundles"][1]["prev_sha256"] = "0" * 64
    path.write_text(json.dumps(obj), encoding="utf-8")
    with story.world.at_branch():
        add_late_claim()
        with pytest.raises(RestoreNotReconciled) as refused:
            reconcile_restore()
    assert refused.value.code == "restore_chain_conflict"
    assert len(sent_rows(story.world)) == 1


def test_nothing_to_reconcile_on_a_database_that_is_not_behind(world):
    from sync.restore import reconcile_restore

    export(world)
    with world.at_branch() as session:
        assert session.warnings == []
        result = reconcile_restore()
    assert result.status == "nothing_to_do" and result.next_sequence == 2


def test_a_mark_missing_is_rebuilt_from_the_database_at_unlock(world):
    """A branch that sent bundles before FILE.sent existed (or lost it) gets it back at unlock,
    with the figures its exports recorded in the audit chain."""
    first = export(world)
    path = sentmark.path_for(world.branch)
    path.unlink()
    with world.at_branch():
        pass
    mark = json.loads(path.read_text("utf-8"))
    assert [(b["sequence"], b["sha256"]) for b in mark["bundles"]] == [(1, first.sha256)]
    assert mark["bundles"][0]["totals"] == first.summary["totals"]


# --- the real command --------------------------------------------------------------------------------


def test_cli_export_refused_44_then_reconcile_restore(story, tmp_path):
    env = {"HUZHU_DB": str(story.world.branch), "HUZHU_USER": "zhang", "HUZHU_PASSPHRASE": PASSPHRASE}
    fresh = tmp_path / "fresh"
    fresh.mkdir()

    proc = run("export", "--period", "2026-11", "--out", fresh, env=env)
    assert proc.returncode == 44, proc.stderr
    assert "Traceback" not in proc.stderr and "警告：" in proc.stderr  # the unlock's warning first
    # in English too, and not the read-only advice: this database stays writable
    assert "warning: this database is behind what was sent to the office" in proc.stderr
    assert "read-only" not in proc.stderr and "restore a backup" not in proc.stderr
    assert "不能导出" in proc.stderr and "huzhu sync reconcile-restore" in proc.stderr
    assert "export refused" in proc.stderr and list(fresh.iterdir()) == []

    proc = run("sync", "reconcile-restore", "--json", env=env)
    assert proc.returncode == 45 and "Traceback" not in proc.stderr, proc.stderr
    got = json.loads(proc.stdout)
    assert got["status"] == "differences" and got["recorded"] == [] and got["db_last_sequence"] == 1
    assert got["bundles"][0]["differences"] == [
        {"item": "claims_reported", "item_zh": "报案件数", "sent": 3, "now": 2, "difference": -1, "money": False}
    ]
    proc = run("sync", "reconcile-restore", env=env)
    assert proc.returncode == 45 and "报案件数" in proc.stdout and "未做任何改动" in proc.stderr

    proc = run("sync", "reconcile-restore", "--accept-differences", env=env)
    assert proc.returncode == 2 and "--reason" in proc.stderr
    assert len(sent_rows(story.world)) == 1

    with story.world.at_branch() as session:
        admin.add_user(session, "li", "clerk", PASSPHRASE, kdf=CHEAP_KDF)
    proc = run("sync", "reconcile-restore", "--accept-differences", "--reason", "x", env={**env, "HUZHU_USER": "li"})
    assert proc.returncode == 30 and "负责人" in proc.stderr and "Traceback" not in proc.stderr
    assert len(sent_rows(story.world)) == 1

    proc = run(
        "sync", "reconcile-restore", "--accept-differences", "--reason", "办事处确认该报案作废", "--json", env=env
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert (got["status"], got["recorded"], got["next_sequence"], got["accepted_differences"]) == (
        "reconciled",
        [2],
        3,
        True,
    )

    proc = run("export", "--period", "2026-11", "--out", fresh, "--json", env=env)
    assert proc.returncode == 0 and "警告" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["sequence"] == 3
    assert import_path(story.world, fresh / "004-202611-0003.hzb").status == "imported"
