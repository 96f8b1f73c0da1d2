"""Which month may be exported, and a month sent again as a replacement (issue 14 item 2;
rules.check_export_month, sync/FORMAT.md "Which month may be exported; replacements")."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from syncdb_kit import PERIOD, import_path, make_world

from models import clock
from models import db as dbmod
from models.errors import RuleRefused
from sync.bundle import verify_bundle
from sync.keystore import local_keys


@pytest.fixture
def world(tmp_path):
    return make_world(tmp_path)  # clock frozen at 2026-11-02; PERIOD is 2026-10


def _export(world, period, **kw):
    from sync.export import export_period

    with world.at_branch():
        return export_period(period, world.root, **kw)


def test_the_current_and_a_future_month_are_refused_without_taking_a_sequence(world):
    for period in ("2026-11", "2027-05"):
        for dry_run in (True, False):
            with pytest.raises(RuleRefused) as refused:
                _export(world, period, dry_run=dry_run)
            assert refused.value.decisions[0].code == "R5.export.month_not_ended"
            assert "只能导出已结束的月份" in refused.value.message_zh
    with world.at_branch():
        assert dbmod.database.execute_sql("SELECT count(*) FROM bundle_log").fetchone()[0] == 0
    assert not list(world.root.glob("*.hzb"))
    assert _export(world, PERIOD).sequence == 1


def test_a_month_sent_again_is_a_replacement_in_the_manifest_and_the_office_report(world):
    first = _export(world, PERIOD)
    with pytest.raises(RuleRefused, match="已发送过数据包"):
        _export(world, PERIOD)
    with pytest.raises(RuleRefused, match="须写明理由"):
        _export(world, PERIOD, replace=True)
    second = _export(world, PERIOD, replace=True, reason="10 月漏录一件报案")
    assert second.sequence == 2 and second.replaces == 1
    with world.at_branch():
        signer = local_keys().signing.public
        manifest = verify_bundle(
            second.path.read_bytes(), pinned_signers={"004": signer}, recipient_private=None
        ).manifest
        (note,) = dbmod.database.execute_sql("SELECT note FROM bundle_log WHERE sequence = 2").fetchone()
        detail = json.loads(
            dbmod.database.execute_sql(
                "SELECT detail FROM audit_event WHERE action = 'sync.export' ORDER BY seq DESC LIMIT 1"
            ).fetchone()[0]
        )
    assert manifest["replaces"] == {"sequence": 1, "sha256": first.sha256}
    assert "漏录" not in json.dumps(manifest, ensure_ascii=False)  # the reason travels encrypted only
    assert note == "替换第 1 号：10 月漏录一件报案"
    assert detail["replaces"] == {"sequence": 1, "sha256": first.sha256, "reason": "10 月漏录一件报案"}
    assert import_path(world, first.path).status == "imported"
    outcome = import_path(world, second.path)
    assert outcome.status == "imported"
    assert outcome.replaces == {"sequence": 1, "sha256": first.sha256, "reason": "10 月漏录一件报案"}
    assert "替换 2026-10 的第 1 号数据包；理由：10 月漏录一件报案" in outcome.message_zh
    assert outcome.to_json()["replaces"]["sequence"] == 1


def test_replace_with_nothing_sent_is_refused(world):
    with pytest.raises(RuleRefused, match="没有可替换的"):
        _export(world, PERIOD, replace=True, reason="x")


def test_the_last_day_of_a_month_is_not_after_it(world):
    clock.freeze(dt.date(2026, 10, 31))
    with pytest.raises(RuleRefused, match="尚未结束"):
        _export(world, PERIOD)
