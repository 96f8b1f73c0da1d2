"""Database side of sync: export, office import with every refusal leaving nothing imported,
sequence continuity through the office database, answers, and the wrong-database guards."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
from sync_testkit import Parties, Parts, forge, pack_container
from syncdb_kit import (
    EXPECTED,
    IDS,
    PERIOD,
    branch_keys,
    enroll,
    export,
    import_path,
    new_branch,
    office_counts,
    office_keys,
)

from models import db as dbmod
from sync import build_bundle, canonical_dumps
from sync.keys import KeyPair
from sync.office import import_bytes

NOTHING = {"figures": 0, "records": 0, "imported": 0, "held": 0}


def _import_data(world, data: bytes, name="x.hzb", **kw):
    with world.at_office():
        return import_bytes(data, name, **kw)


def _refused(world, data: bytes, reason, before=None, **kw):
    before = before if before is not None else office_counts(world)
    outcome = _import_data(world, data, **kw)
    reasons = {reason} if isinstance(reason, str) else set(reason)
    assert outcome.status == "refused" and outcome.reason in reasons, outcome
    assert outcome.message_zh and outcome.message_en
    assert office_counts(world) == before  # nothing imported, nothing held
    with world.at_office():
        row = dbmod.database.execute_sql(
            "SELECT status, reason FROM received_bundle ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row == ("refused", outcome.reason)
    return outcome


def _sign_payload(
    world, files: dict[str, bytes], *, sequence=1, prev=None, period=PERIOD, code="004", signer=None, recipient=None
) -> bytes:
    signer = signer or branch_keys(world).signing
    recipient = recipient or office_keys(world).exchange.public
    return build_bundle(
        kind="branch_monthly",
        branch_code=code,
        period=period,
        sequence=sequence,
        prev_sha256=prev,
        created="2026-11-02T01:00:00Z",
        program_version="0.1.0",
        audit_head="0" * 64,
        files=files,
        signer_private=signer.private,
        recipient_public=recipient,
    )


def _payload_files(world) -> dict[str, bytes]:
    from sync.export import branch_payload

    with world.at_branch():
        return branch_payload(PERIOD).files


def _parties(world) -> Parties:
    return Parties(branch_keys(world).signing, KeyPair(b"\0" * 32, office_keys(world).exchange.public))


# --- keys and database kinds ----------------------------------------------------------------------


def test_databases_know_their_kind_and_hold_keys(world):
    from sync.keystore import db_kind, enrolled_branches, load_local_keys, trusted_office

    with world.at_branch():
        assert db_kind() == "branch"
        assert load_local_keys() is not None and trusted_office() is not None
        actions = [r[0] for r in dbmod.database.execute_sql("SELECT action FROM audit_event")]
        assert "keys.generate" in actions and "keys.trust_office" in actions
    with world.at_office():
        assert db_kind() == "office"
        assert set(enrolled_branches()) == {"004"}
        assert dbmod.database.execute_sql("SELECT count(*) FROM branch").fetchone()[0] == 0


def test_missing_kind_row_means_branch(world):
    from sync.keystore import db_kind

    with world.at_branch():
        dbmod.database.execute_sql("DELETE FROM huzhu_meta WHERE key = 'kind'")
        assert db_kind() == "branch"


def test_office_commands_refused_on_branch_and_back(world):
    from sync.errors import WrongDatabaseKind
    from sync.export import export_period
    from sync.reconcile import reconcile

    with world.at_branch():
        with pytest.raises(WrongDatabaseKind):
            reconcile(PERIOD)
    with world.at_office():
        with pytest.raises(WrongDatabaseKind):
            export_period(PERIOD, world.root)


def test_enrolling_a_different_key_needs_replace(world, tmp_path):
    from sync.errors import TrustError
    from sync.keystore import enroll_branch, own_registration

    other = new_branch(tmp_path / "impostor.hzdb", "004", "假朝阳")
    with world.at_branch(other):
        registration = own_registration()
    with world.at_office():
        with pytest.raises(TrustError):
            enroll_branch(registration)


# --- export -----------------------------------------------------------------------------------------


def test_figures_follow_the_documented_definitions(world):
    from sync.export import branch_figures

    with world.at_branch():
        figures = {
            (f["unit_code"], f["plan_code"]): {k: v for k, v in f.items() if k not in ("unit_code", "plan_code")}
            for f in branch_figures(PERIOD)
        }
    assert figures == EXPECTED


def test_dry_run_writes_nothing(world):
    from sync.export import export_period

    with world.at_branch():
        result = export_period(PERIOD, world.root, dry_run=True)
        assert dbmod.database.execute_sql("SELECT count(*) FROM bundle_log").fetchone()[0] == 0
    assert result.summary["totals"]["members"] == 13 and result.sequence == 1
    assert not list(world.root.glob("*.hzb"))


def test_export_is_signed_sealed_logged_and_free_of_plain_personal_data(world):
    result = export(world)
    data = result.path.read_bytes()
    for secret in IDS + ["会员", "肺炎", "6222020000001234", "甲公司"]:
        assert secret.encode("utf-8") not in data
    with world.at_branch():
        log = dbmod.database.execute_sql("SELECT direction, sequence, sha256 FROM bundle_log").fetchall()
        assert log == [("out", 1, hashlib.sha256(data).hexdigest())]
        assert (
            dbmod.database.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'sync.export'").fetchone()[0]
            == 1
        )
    second = export(world)
    assert second.sequence == 2 and second.path.name == "004-202610-0002.hzb"


def test_export_needs_the_office_key(tmp_path):
    from syncdb_kit import World, new_office

    from sync.errors import TrustError
    from sync.export import export_period

    path = new_branch(tmp_path / "b.hzdb")
    world = World(tmp_path, path, new_office(tmp_path / "o.hzdb"))
    with world.at_branch():
        with pytest.raises(TrustError):
            export_period(PERIOD, tmp_path)


# --- import: happy path, duplicate, sequence ---------------------------------------------------------


def test_import_stores_figures_and_records(world):
    outcome = import_path(world, export(world).path)
    assert outcome.status == "imported"
    with world.at_office():
        rows = dbmod.database.execute_sql(
            "SELECT unit_code, plan_code, members, shares, fees_due_fen, claims_settled, benefit_fen FROM office_figure"
        ).fetchall()
        got = {(r[0], r[1]): r[2:] for r in rows}
        assert got == {
            k: (v["members"], v["shares"], v["fees_due_fen"], v["claims_settled"], v["benefit_fen"])
            for k, v in EXPECTED.items()
        }
        kinds = dict(dbmod.database.execute_sql("SELECT kind, count(*) FROM office_record GROUP BY kind").fetchall())
        assert kinds == {"claim": 3, "disbursement": 1, "handover": 1, "unit": 2}
        claim = json.loads(
            dbmod.database.execute_sql("SELECT data FROM office_record WHERE uid = '004-claim-2'").fetchone()[0]
        )
        assert claim["return_reason"] == "缺少病历" and "*" in claim["member"] and claim["member"] not in IDS
        assert (
            dbmod.database.execute_sql("SELECT count(*) FROM audit_event WHERE action = 'sync.import'").fetchone()[0]
            == 1
        )


def test_same_bundle_twice_is_a_noop_that_says_so(world):
    path = export(world).path
    import_path(world, path)
    before = office_counts(world)
    outcome = import_path(world, path)
    assert (outcome.status, outcome.reason) == ("duplicate", "duplicate") and "already" in outcome.message_en
    assert office_counts(world) == before


def test_resend_of_a_period_replaces_its_figures(world):
    import_path(world, export(world).path)
    with world.at_branch():
        with dbmod.writing():
            dbmod.database.execute_sql("UPDATE claim_report SET benefit_fen = 160000 WHERE id = 1")
    assert import_path(world, export(world).path).status == "imported"
    with world.at_office():
        assert dbmod.database.execute_sql("SELECT sum(benefit_fen), count(*) FROM office_figure").fetchone() == (
            248000,
            3,
        )
        assert dbmod.database.execute_sql("SELECT count(*) FROM office_record WHERE kind = 'claim'").fetchone()[0] == 3


def test_replayed_valid_bundle_is_refused(world):
    first, second = export(world).path, export(world).path
    import_path(world, first)
    import_path(world, second)
    _refused(world, first.read_bytes(), "replay")


def test_older_sequence_after_newer_is_refused(world):
    first = export(world).path
    import_path(world, first)
    import_path(world, export(world).path)
    other_first = _sign_payload(world, _payload_files(world), sequence=1)
    _refused(world, other_first, "replay")


def test_chain_break_is_refused(world):
    import_path(world, export(world).path)
    forged = _sign_payload(world, _payload_files(world), sequence=2, prev="ab" * 32)
    _refused(world, forged, "chain_break")


def test_gap_is_held_then_imported_when_the_missing_bundle_arrives(world):
    paths = [export(world).path for _ in range(3)]
    assert import_path(world, paths[0]).status == "imported"
    before = office_counts(world)
    held = import_path(world, paths[2])
    assert (held.status, held.reason, held.missing) == ("held", "gap", [2])
    after = office_counts(world)
    assert after == {**before, "held": 1}  # nothing of it imported
    again = import_path(world, paths[2])
    assert (again.status, again.reason) == ("held", "already_held")
    outcome = import_path(world, paths[1])
    assert outcome.status == "imported" and [a.sequence for a in outcome.also_imported] == [3]
    with world.at_office():
        assert dbmod.database.execute_sql(
            "SELECT sequence FROM received_bundle WHERE status = 'imported' ORDER BY sequence"
        ).fetchall() == [(1,), (2,), (3,)]
        assert (
            dbmod.database.execute_sql("SELECT count(*) FROM received_bundle WHERE held_data IS NOT NULL").fetchone()[0]
            == 0
        )


# --- import: refusals leave nothing imported ---------------------------------------------------------


def test_unknown_branch(world, tmp_path):
    stranger = new_branch(tmp_path / "s.hzdb", "005", "怀柔")
    data = _sign_payload(world, _payload_files(world), code="005", signer=branch_keys(world, stranger).signing)
    _refused(world, data, "unknown_branch", NOTHING)


def test_bundle_signed_by_another_branchs_key(world, tmp_path):
    other = new_branch(tmp_path / "o5.hzdb", "005", "怀柔")
    enroll(world, other)
    data = _sign_payload(world, _payload_files(world), signer=branch_keys(world, other).signing)
    _refused(world, data, "signer_mismatch", NOTHING)


def test_manifest_of_one_branch_with_anothers_payload(world, tmp_path):
    other = new_branch(tmp_path / "o5.hzdb", "005", "怀柔")
    enroll(world, other)
    mine = Parts.split(_sign_payload(world, _payload_files(world)))
    theirs = Parts.split(export(world, branch=other).path.read_bytes())
    mine.payload = theirs.payload
    _refused(world, mine.join(), {"payload_length_mismatch", "payload_hash_mismatch"}, NOTHING)


def test_payload_naming_another_branch_signed_by_this_one(world, tmp_path):
    files = _payload_files(world)
    summary = json.loads(files["summary.json"])
    summary["branch_code"] = "005"
    files["summary.json"] = canonical_dumps(summary)
    _refused(world, _sign_payload(world, files), "payload_mismatch", NOTHING)


def test_payload_for_a_different_office_key(world):
    from sync import generate_exchange_keypair

    data = _sign_payload(world, _payload_files(world), recipient=generate_exchange_keypair().public)
    _refused(world, data, "wrong_recipient", NOTHING)


@pytest.mark.parametrize("region", ["header", "manifest", "signature", "payload_start", "payload_end"])
def test_flipped_bit(world, region):
    data = bytearray(export(world).path.read_bytes())
    parts = Parts.split(bytes(data))
    n = len(parts.manifest_bytes)
    offset = {
        "header": 9,
        "manifest": 44 + n // 2,
        "signature": 44 + n + 10,
        "payload_start": 108 + n + 3,
        "payload_end": len(data) - 3,
    }[region]
    data[offset] ^= 0x04
    outcome = _refused(
        world,
        bytes(data),
        {
            "header": "signer_mismatch",
            "manifest": "bad_signature",
            "signature": "bad_signature",
            "payload_start": "payload_hash_mismatch",
            "payload_end": "payload_hash_mismatch",
        }[region],
        NOTHING,
    )
    assert outcome.sha256 == hashlib.sha256(bytes(data)).hexdigest()


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.02, 0.05, 0.2, 0.5, 0.9, 0.999])
def test_truncation(world, fraction):
    data = export(world).path.read_bytes()
    cut = data[: int(len(data) * fraction)]
    outcome = _import_data(world, cut)
    assert outcome.status == "refused"
    assert outcome.reason in {
        "too_small",
        "truncated",
        "bad_signature",
        "payload_length_mismatch",
        "bad_manifest_length",
    }
    assert office_counts(world) == NOTHING


@pytest.mark.parametrize(
    "case",
    [
        "extra_file",
        "missing_file",
        "dotdot_path",
        "absolute_path",
        "huge_member",
        "duplicate_json_key",
        "float_in_json",
        "nan_in_json",
    ],
)
def test_forged_payloads_with_the_real_keys(world, case):
    parties = _parties(world)
    files = _payload_files(world)
    entries = sorted(files.items())
    expected = {
        "extra_file": "extra_file",
        "missing_file": "missing_file",
        "dotdot_path": "unsafe_path",
        "absolute_path": "unsafe_path",
        "huge_member": "bad_container",
        "duplicate_json_key": "bad_payload_json",
        "float_in_json": "bad_payload_json",
        "nan_in_json": "bad_payload_json",
    }[case]
    listed = [{"path": p, "length": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in entries]
    base = _sign_payload(world, files)
    if case == "extra_file":
        container, edit = pack_container(entries + [("zz.json", b"{}")]), lambda m: m.update(files=listed)
    elif case == "missing_file":
        container, edit = pack_container(entries[1:]), lambda m: m.update(files=listed)
    elif case in ("dotdot_path", "absolute_path"):
        bad = "../evil.json" if case == "dotdot_path" else "/etc/evil.json"
        container = pack_container(entries)

        def edit(m):
            m.update(
                files=sorted(
                    listed + [{"path": bad, "length": 2, "sha256": "0" * 64}], key=lambda e: e["path"].encode()
                )
            )

    elif case == "huge_member":
        container = b"HZC1" + struct.pack(">I", 1) + struct.pack(">H", 9) + b"units.json"[:9] + struct.pack(">Q", 2**62)
        edit = lambda m: m.update(files=listed)  # noqa: E731
    else:
        text = {"duplicate_json_key": b'{"a":1,"a":2}', "float_in_json": b'{"a":1.5}', "nan_in_json": b'{"a":NaN}'}[
            case
        ]
        entries = [(p, text if p == "units.json" else d) for p, d in entries]
        listed = [{"path": p, "length": len(d), "sha256": hashlib.sha256(d).hexdigest()} for p, d in entries]
        container, edit = pack_container(entries), lambda m: m.update(files=listed)
    data = forge(parties, container=container, edit=edit, base=base)
    _refused(world, data, expected, NOTHING)


@pytest.mark.parametrize("case", ["duplicate_key", "float_not_allowed"])
def test_manifest_json_tricks_signed_with_the_real_key(world, case):
    parts = Parts.split(_sign_payload(world, _payload_files(world)))
    text = parts.manifest_bytes
    if case == "duplicate_key":
        text = text[:-1] + b',"format":1}'
    else:
        text = text.replace(b'"sequence":1', b'"sequence":1.0')
    parts.resign(branch_keys(world).signing.private, text)
    _refused(world, parts.join(), case, NOTHING)


def test_oversized_file(world):
    data = export(world).path.read_bytes()
    _refused(world, data + b"\0" * 100, "too_large", NOTHING, max_size=len(data) + 10)


def test_every_reason_code_has_messages():
    from sync.office import reason_codes

    for code, (zh, en) in reason_codes().items():
        assert zh and en, code


# --- the office's answer ------------------------------------------------------------------------------


def test_answer_round_trip_with_notices_and_differences(world, tmp_path):
    from sync.answer import build_return, open_notices, queue_notice, receive
    from sync.reconcile import LEDGER_COLUMNS, import_ledger

    import_path(world, export(world).path)
    ledger = tmp_path / "ledger.csv"
    lines = [
        ",".join(LEDGER_COLUMNS),
        "004,U01,ZYYL,6,13,650.00,1,1500.00",
        "004,U01,ZJB,3,3,300,0,0",
        "004,U02,ZYYL,4,4,200.00,1,800.00",
    ]
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with world.at_office():
        import_ledger(ledger, PERIOD)
        queue_notice("004", PERIOD, "claim_returned", "病历不全，请补充出院小结", "004-claim-2")
        result = build_return("004", PERIOD, tmp_path)
    assert result.notices == 1 and result.path.name == "004-202610-0001-answer.hzb"
    assert "病历".encode() not in result.path.read_bytes()
    with world.at_branch():
        got = receive(result.path)
        assert got.status == "received" and len(got.notices) == 1
        assert [(d["unit_code"], d["item"], d["difference"]) for d in got.differences] == [("U02", "benefit_fen", 8000)]
        assert [n["ref"] for n in open_notices()] == ["004-claim-2"]
        assert receive(result.path).status == "duplicate"
    with world.at_office():
        second = build_return("004", PERIOD, tmp_path)
    assert second.notices == 0 and second.sequence == 2


def test_answer_for_another_branch_is_refused(world, tmp_path):
    from sync.answer import build_return, receive
    from sync.errors import BundleRefused
    from sync.reconcile import LEDGER_COLUMNS, import_ledger

    other = new_branch(tmp_path / "o5.hzdb", "005", "怀柔")
    enroll(world, other)
    ledger = tmp_path / "l.csv"
    ledger.write_text(",".join(LEDGER_COLUMNS) + "\n005,X,ZYYL,1,1,50,0,0\n", encoding="utf-8")
    with world.at_office():
        import_ledger(ledger, PERIOD)
        answer = build_return("005", PERIOD, tmp_path)
    with world.at_branch():
        with pytest.raises(BundleRefused) as exc:
            receive(answer.path)
        assert exc.value.code == "unknown_branch"
        assert dbmod.database.execute_sql("SELECT count(*) FROM office_notice").fetchone()[0] == 0
