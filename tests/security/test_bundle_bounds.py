"""The office bounds what a signed bundle can make it do, and refuses payloads that carry what
a branch must never send; two exports at once never share a sequence number."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from security_kit import run
from syncdb_kit import PASSPHRASE, PERIOD, branch_keys, export, office_counts, office_keys

from models import db as dbmod
from sync import build_bundle, canonical_dumps


def _sign(world, files, *, sequence, prev=None):
    return build_bundle(
        kind="branch_monthly",
        branch_code="004",
        period=PERIOD,
        sequence=sequence,
        prev_sha256=prev,
        created="2026-11-02T01:00:00Z",
        program_version="0.1.0",
        audit_head="0" * 64,
        files=files,
        signer_private=branch_keys(world).signing.private,
        recipient_public=office_keys(world).exchange.public,
    )


def _files(world) -> dict[str, bytes]:
    from sync.export import branch_payload

    with world.at_branch():
        return dict(branch_payload(PERIOD).files)


def _edit(files, name, change):
    doc = json.loads(files[name])
    change(doc)
    return {**files, name: canonical_dumps(doc)}


def test_a_huge_sequence_is_refused_and_the_next_file_still_imports(world):
    good = export(world).path
    huge = world.root / "huge.hzb"
    huge.write_bytes(_sign(world, _files(world), sequence=2**53 - 1, prev="ab" * 32))
    far = world.root / "far.hzb"
    far.write_bytes(_sign(world, _files(world), sequence=5_000_000, prev="ab" * 32))
    proc = run(
        "office",
        "import",
        huge,
        far,
        good,
        "--json",
        env={"HUZHU_DB": str(world.office), "HUZHU_USER": "chen", "HUZHU_PASSPHRASE": PASSPHRASE},
        timeout=60,
    )
    assert proc.returncode == 40, proc.stderr  # some file refused: the sync commands' exit code
    outcomes = json.loads(proc.stdout)
    outcomes = outcomes["files"] if isinstance(outcomes, dict) else outcomes
    assert [(o["status"], o["reason"]) for o in outcomes] == [
        ("refused", "gap_too_large"),
        ("refused", "gap_too_large"),
        ("imported", "ok"),
    ]
    assert office_counts(world)["held"] == 0 and office_counts(world)["imported"] == 1


def test_a_small_gap_is_still_held(world):
    outcome = _import(world, _sign(world, _files(world), sequence=3, prev="ab" * 32))
    assert (outcome.status, outcome.reason, outcome.missing) == ("held", "gap", [1, 2])


def _import(world, data):
    from sync.office import import_bytes

    with world.at_office():
        return import_bytes(data, "x.hzb")


@pytest.mark.parametrize(
    "reason, change",
    [
        ("personal_data", lambda f: _edit(f, "claims.json", lambda d: d[0].update(member="110105198001010016"))),
        (
            "personal_data",
            lambda f: _edit(f, "claims.json", lambda d: d[0].update(return_reason="身份证 11010519900101007x 缺")),
        ),
        ("control_characters", lambda f: _edit(f, "units.json", lambda d: d[0].update(name="甲\x1b]0;x\x07工会"))),
        ("control_characters", lambda f: _edit(f, "claims.json", lambda d: d[0].update(decline_reason="a\x00b"))),
        ("formula_text", lambda f: _edit(f, "units.json", lambda d: d[0].update(name='=HYPERLINK("x")'))),
        ("formula_text", lambda f: _edit(f, "units.json", lambda d: d[0].update(name="@SUM(A1)"))),
        ("summary_mismatch", lambda f: _edit(f, "summary.json", lambda d: d["totals"].update(benefit_fen=1))),
        ("summary_mismatch", lambda f: _edit(f, "summary.json", lambda d: d["counts"].update(claims=99))),
        ("summary_mismatch", lambda f: _edit(f, "summary.json", lambda d: d.update(disbursed_fen=1))),
        ("summary_mismatch", lambda f: _edit(f, "figures.json", lambda d: d[0].update(members=d[0]["members"] + 1))),
    ],
)
def test_payloads_a_branch_must_not_send_are_refused(world, reason, change):
    before = office_counts(world)
    outcome = _import(world, _sign(world, change(_files(world)), sequence=1))
    assert (outcome.status, outcome.reason) == ("refused", reason), outcome
    assert outcome.message_zh and outcome.message_en
    assert office_counts(world) == before


def test_the_honest_payload_still_imports(world):
    outcome = _import(world, _sign(world, _files(world), sequence=1))
    assert (outcome.status, outcome.reason) == ("imported", "ok"), outcome


_EXPORT = """
import os, sys, time
import sync.export as ex
from models import db as dbmod
gate = sys.argv[4]
if gate != "-":
    real = ex.writing
    def gated():
        # This export has read the last sequence number; let the other one run first.
        print("WAIT", flush=True)
        while not os.path.exists(gate):
            time.sleep(0.05)
        return real()
    ex.writing = gated
dbmod.unlock(sys.argv[1], "zhang", sys.argv[2])
try:
    r = ex.export_period(sys.argv[5], sys.argv[3])
    print("SEQ", r.sequence, flush=True)
except Exception as exc:
    print("REFUSED", type(exc).__name__, getattr(exc, "message_en", ""), flush=True)
dbmod.close()
"""


def _race(world, first_period, second_period):
    """The second export reads the last sequence number, then waits while the first one runs."""
    outs = [world.root / "a", world.root / "b"]
    for o in outs:
        o.mkdir()
    gate = world.root / "go"
    second = subprocess.Popen(
        [sys.executable, "-c", _EXPORT, str(world.branch), PASSPHRASE, str(outs[1]), str(gate), second_period],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert second.stdout.readline().strip() == "WAIT"  # it chose its number from what was committed then
        first = subprocess.run(
            [sys.executable, "-c", _EXPORT, str(world.branch), PASSPHRASE, str(outs[0]), "-", first_period],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        gate.touch()
    rest, err = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (first.stderr, err)
    with world.at_branch():
        logged = [r[0] for r in dbmod.database.execute_sql("SELECT sequence FROM bundle_log ORDER BY sequence")]
    return first.stdout.strip(), rest.strip(), logged


def test_two_exports_at_once_take_different_sequence_numbers(world):
    first, second, logged = _race(world, "2026-10", "2026-09")
    assert (first, second) == ("SEQ 1", "SEQ 2")
    assert logged == [1, 2]


def test_the_same_month_exported_twice_at_once_is_sent_once(world):
    first, second, logged = _race(world, "2026-10", "2026-10")
    assert first == "SEQ 1" and second.startswith("REFUSED RuleRefused")
    assert logged == [1]
