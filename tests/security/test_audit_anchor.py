"""Issue 13 item 4: the audit chain's history is anchored outside the branch.

Every monthly bundle carries the chain's head and the hash the chain holds at the previous
bundle's count; the office refuses a bundle whose chain does not extend the head it accepted last,
and says in its signed answer which head it accepted. The branch keeps the heads it sent and the
one the office accepted in ``FILE.sent``, and checks them at unlock and in ``huzhu check``.

Each attack of the issue is reproduced with the raw database key (``raw``: the supervisor's own,
as any user who can unlock holds it): audit rows deleted and ``.hwm`` rewritten; the whole chain
recomputed (``check``'s chain test passes); the database rolled back together with its ``.hwm``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlcipher3
from signing_kit import check, raw_key
from syncdb_kit import PASSPHRASE, PERIOD, World, export, import_path

from models import audit, hwm, sentmark
from models import db as dbmod
from models.keyslots import KeyFile


def raw(world: World) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(world.branch), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{raw_key(world.branch, 'zhang', PASSPHRASE).hex()}'\"")
    return conn


def work(world: World, code: str) -> None:
    """A day's work at the branch, through the program (the row is sealed by its audit event)."""
    with world.at_branch(), dbmod.writing():
        dbmod.database.execute_sql("INSERT INTO unit (code, name) VALUES (?, ?)", (code, f"{code} 工会"))
        audit.record("unit.add", "unit", code, {"code": code})


def answer(world: World, folder: Path) -> dict:
    """The office reconciles the month and answers; the branch receives the answer."""
    from sync.answer import build_return, receive
    from sync.reconcile import LEDGER_COLUMNS, import_ledger

    ledger = folder / "ledger.csv"
    ledger.write_text(",".join(LEDGER_COLUMNS) + "\n004,U01,ZYYL,6,13,650.00,1,1500.00\n", encoding="utf-8")
    with world.at_office():
        import_ledger(ledger, PERIOD)
        built = build_return("004", PERIOD, folder)
    with world.at_branch():
        return receive(built.path).to_json()


def sent_and_answered(world: World, tmp_path: Path):
    """Bundle 1 (2026-10) sent, imported by the office, its answer received."""
    first = export(world, PERIOD, tmp_path)
    outcome = import_path(world, first.path)
    assert outcome.status == "imported" and outcome.audit["check"] == "first"
    got = answer(world, tmp_path)
    assert got["accepted_audit"]["count"] == outcome.audit["count"] and got["accepted_audit"]["check"] == "holds"
    return first, outcome


def db_id(world: World) -> str:
    return KeyFile.load(world.branch).db_id


def rehash(conn, renumber: bool = False) -> dict[str, str]:
    """Recompute every hash (and renumber after deletions); old hash → new, so that an attacker
    who read the code can also fix every place the old hashes were written down."""
    prev, mapping = audit.GENESIS, {}
    rows = conn.execute(
        "SELECT seq, at, user, action, entity, entity_id, detail, rows, hash FROM audit_event ORDER BY seq"
    ).fetchall()
    for n, (seq, at, user, action, entity, eid, detail, rws, old) in enumerate(rows, start=1):
        for before, after in mapping.items():
            detail = detail.replace(before, after)
        new_seq = n if renumber else seq
        digest = audit._digest(prev, new_seq, at, user, action, entity, eid, detail, rws)
        conn.execute(
            "UPDATE audit_event SET seq = ?, prev_hash = ?, hash = ?, detail = ? WHERE seq = ?",
            (new_seq, prev, digest, detail, seq),
        )
        mapping[old] = digest
        prev = digest
    return mapping


def cover_tracks(world: World, mapping: dict[str, str]) -> None:
    """The thorough attacker: the new head into ``.hwm``, and ``FILE.sent`` rewritten to match."""
    conn = raw(world)
    seq, digest = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    hwm.write(world.branch, db_id(world), seq, digest)
    path = sentmark.path_for(world.branch)
    text = path.read_text("utf-8")
    for before, after in mapping.items():
        text = text.replace(before, after)
    path.write_text(text, "utf-8")


def unlock_warnings(world: World) -> tuple[bool, list[str]]:
    session = dbmod.unlock(world.branch, "zhang", PASSPHRASE)
    try:
        return session.read_only, list(session.warnings)
    finally:
        dbmod.close()


# --- the whole chain recomputed --------------------------------------------------------------------


def recompute(world: World) -> dict[str, str]:
    """An early event's detail edited and every hash after it recomputed: the plain chain test passes."""
    conn = raw(world)
    conn.execute("UPDATE audit_event SET detail = '{\"edited\":true}' WHERE seq = 3")
    mapping = rehash(conn)
    conn.close()
    return mapping


def test_a_recomputed_chain_is_found_at_unlock_and_by_check(world, tmp_path):
    sent_and_answered(world, tmp_path)
    mapping = recompute(world)
    conn = raw(world)
    seq, digest = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    hwm.write(world.branch, db_id(world), seq, digest)  # .hwm rewritten; FILE.sent left alone
    assert mapping
    read_only, warnings = unlock_warnings(world)
    assert read_only
    assert any("审计记录与已交给办事处的不符" in w and "第 1 号月度数据包" in w for w in warnings), warnings
    code, items = check(world.branch, passphrase=PASSPHRASE)
    assert items["audit_chain"]["ok"] is True  # the attack: the chain itself verifies
    assert code != 0 and items["audit_anchor"]["ok"] is False
    assert "与本数据库的不同" in items["audit_anchor"]["detail"]


def test_a_recomputed_chain_with_every_trace_fixed_is_refused_by_the_office(world, tmp_path):
    _first, accepted = sent_and_answered(world, tmp_path)
    cover_tracks(world, recompute(world))
    read_only, _ = unlock_warnings(world)
    assert not read_only  # locally consistent: only the office can tell
    work(world, "U77")
    second = export(world, "2026-11", tmp_path)
    outcome = import_path(world, second.path)
    assert (outcome.status, outcome.reason) == ("refused", "audit_rewritten")
    assert "审计" in outcome.message_zh
    with world.at_office():
        from sync.office import accepted_head

        assert accepted_head("004")["head"] == accepted.audit["head"]  # the office kept what it accepted


# --- audit rows deleted and .hwm rewritten ----------------------------------------------------------


def test_deleted_events_with_hwm_rewritten_are_found_at_unlock_and_by_check(world, tmp_path):
    _first, accepted = sent_and_answered(world, tmp_path)
    cut = accepted.audit["count"] - 2
    conn = raw(world)
    conn.execute("DELETE FROM audit_event WHERE seq > ?", (cut,))  # the tail: the chain still verifies
    conn.close()
    cover_tracks(world, {})
    read_only, warnings = unlock_warnings(world)
    assert read_only and any("更短" in w for w in warnings), warnings
    code, items = check(world.branch, passphrase=PASSPHRASE)
    assert items["audit_chain"]["ok"] is True and items["high_water_mark"]["ok"] is True
    assert code != 0 and items["audit_anchor"]["ok"] is False


def test_deleted_events_renumbered_with_every_trace_fixed_are_refused_by_the_office(world, tmp_path):
    work(world, "U75")
    work(world, "U76")
    _first, accepted = sent_and_answered(world, tmp_path)
    cut = accepted.audit["count"] - 2
    conn = raw(world)
    conn.execute("DELETE FROM audit_event WHERE seq IN (?, ?)", (cut - 1, cut))  # e.g. an embarrassing payment
    cover_tracks(world, rehash(conn, renumber=True))
    conn.close()
    # The attacker also lowers the counts in FILE.sent, so nothing is found locally.
    path = sentmark.path_for(world.branch)
    mark = json.loads(path.read_text("utf-8"))
    for b in mark["bundles"]:
        b["audit_count"] -= 2
    mark["office_accepted"]["count"] -= 2
    path.write_text(json.dumps(mark), "utf-8")
    work(world, "U78")
    outcome = import_path(world, export(world, "2026-11", tmp_path).path)
    assert (outcome.status, outcome.reason) == ("refused", "audit_anchor_mismatch")


# --- the database rolled back together with its .hwm ---------------------------------------------------


def test_a_database_rolled_back_with_its_hwm_is_found_and_refused(world, tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    first = export(world, PERIOD, tmp_path)
    assert import_path(world, first.path).status == "imported"
    work(world, "U70")
    for suffix in ("", ".hwm"):  # a copy of the database as it was, closed (WAL folded in)
        shutil.copy2(str(world.branch) + suffix, saved / ("db" + suffix))
    work(world, "U71")
    second = export(world, "2026-11", tmp_path)
    assert import_path(world, second.path).status == "imported"
    # Rolled back: the database and its .hwm put back; to hide it from the sent-mark check the
    # attacker re-inserts bundle 2's log row (FILE.sent, beside the file, is left as it was).
    for suffix in ("", ".hwm"):
        shutil.copy2(saved / ("db" + suffix), str(world.branch) + suffix)
    conn = raw(world)
    conn.execute(
        "INSERT INTO bundle_log (direction, kind, branch_code, period, sequence, file_name, sha256, prev_sha256, "
        "created_at, status) VALUES ('out', 'branch_monthly', '004', '2026-11', 2, ?, ?, ?, '2026-12-01T09:00:00', "
        "'sent')",
        (second.file_name, second.sha256, first.sha256),
    )
    conn.close()
    read_only, warnings = unlock_warnings(world)
    assert read_only and any("第 2 号月度数据包" in w and "更短" in w for w in warnings), warnings
    code, items = check(world.branch, passphrase=PASSPHRASE)
    assert code != 0 and items["audit_anchor"]["ok"] is False
    # And were FILE.sent rolled back as well, the office still refuses what the branch sends next.
    sentmark.path_for(world.branch).unlink()
    work(world, "U72")
    third = export(world, "2026-12", tmp_path)
    outcome = import_path(world, third.path)
    assert outcome.status == "refused" and outcome.reason in ("audit_rewound", "audit_anchor_missing")


def test_a_rolled_back_database_without_tricks_is_reported_by_check(world, tmp_path):
    """The plain rollback (database and .hwm, nothing else): unlock already said it is behind the
    bundles sent; ``check`` now says so too (before: exit 0)."""
    saved = tmp_path / "saved"
    saved.mkdir()
    for suffix in ("", ".hwm"):
        shutil.copy2(str(world.branch) + suffix, saved / ("db" + suffix))
    first = export(world, PERIOD, tmp_path)
    assert import_path(world, first.path).status == "imported"
    for suffix in ("", ".hwm"):
        shutil.copy2(saved / ("db" + suffix), str(world.branch) + suffix)
    code, items = check(world.branch, passphrase=PASSPHRASE)
    assert code != 0 and items["audit_anchor"]["ok"] is False
    assert "第 1 号" in items["audit_anchor"]["detail"]


# --- what keeps working ---------------------------------------------------------------------------------


def test_an_honest_branch_extends_its_anchor_month_after_month(world, tmp_path):
    _first, accepted = sent_and_answered(world, tmp_path)
    work(world, "U80")
    outcome = import_path(world, export(world, "2026-11", tmp_path).path)
    assert outcome.status == "imported" and outcome.audit["check"] == "extends"
    assert outcome.audit["count"] > accepted.audit["count"]
    read_only, warnings = unlock_warnings(world)
    assert not read_only and warnings == []
    code, items = check(world.branch, passphrase=PASSPHRASE)
    assert code == 0 and items["audit_anchor"]["ok"] is True


def test_a_bundle_from_an_older_program_is_accepted_with_a_note_until_anchored(world, tmp_path):
    """Bundles without ``audit_chain`` (branch programs before item 4) are accepted with a note in
    the import report while the branch has never sent one; after an anchored one, refused."""
    from unittest import mock

    import sync.export as export_mod

    real_build = export_mod.build_bundle

    def build_without_chain(**kw):
        kw.pop("audit_chain", None)
        return real_build(**kw)

    with mock.patch.object(export_mod, "build_bundle", build_without_chain):
        old = export(world, PERIOD, tmp_path)
    outcome = import_path(world, old.path)
    assert outcome.status == "imported" and outcome.audit["check"] == "unanchored"
    assert "程序版本较旧" in outcome.message_zh
    work(world, "U81")
    anchored = import_path(world, export(world, "2026-11", tmp_path).path)
    assert anchored.status == "imported" and anchored.audit["check"] == "first"
    work(world, "U82")
    with mock.patch.object(export_mod, "build_bundle", build_without_chain):
        again = export(world, "2026-12", tmp_path)
    refused = import_path(world, again.path)
    assert (refused.status, refused.reason) == ("refused", "audit_anchor_missing")


def test_a_planted_reconcile_event_does_not_excuse_a_rewritten_chain(world, tmp_path):
    """A restore a supervisor reconciled is a declared fork; a reconcile event appended with the raw
    key (unsigned, or signed by no supervisor) declares nothing: the chain is still found rewritten."""
    from signing_kit import append_event

    sent_and_answered(world, tmp_path)
    recompute(world)
    conn = raw(world)
    append_event(conn, "zhang", "sync.restore.reconciled", "bundle_log", None, {"sequences": [1]})
    seq, digest = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    hwm.write(world.branch, db_id(world), seq, digest)
    read_only, warnings = unlock_warnings(world)
    assert read_only and any("第 1 号月度数据包" in w for w in warnings), warnings
    with world.at_branch():
        from models import anchor

        assert anchor.reconciled_sequences() == set() and anchor.last_reconcile() is None
