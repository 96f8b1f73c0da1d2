"""Replacing a pinned key (`keys trust-office --replace` at a branch, `office enroll --replace`
at the office) needs a supervisor, a reason and the new fingerprint typed in; it is an audit
event, the branch's next bundle tells the office, and the office's next answer tells the branch."""

from __future__ import annotations

import json

import pytest
from security_kit import CHEAP_KDF, assert_clear, run
from syncdb_kit import PASSPHRASE, PERIOD, new_branch, new_office

from models import admin
from models import db as dbmod

CLERK_PASS = "clerk passphrase 1"


def _as(db, user, passphrase=PASSPHRASE):
    return {"HUZHU_DB": str(db), "HUZHU_USER": user, "HUZHU_PASSPHRASE": passphrase}


def _add_clerk(db, admin_user, name):
    session = dbmod.unlock(db, admin_user, PASSPHRASE)
    try:
        admin.add_user(session, name, "clerk", CLERK_PASS, kdf=CHEAP_KDF)
    finally:
        dbmod.close()


@pytest.fixture
def impostor_office(world):
    from sync.keystore import own_office_keys

    path = new_office(world.root / "impostor.hzdb")
    dbmod.unlock(path, "chen", PASSPHRASE)
    try:
        keys = own_office_keys()
    finally:
        dbmod.close()
    out = world.root / "impostor-office.json"
    out.write_bytes(keys.to_json_bytes())
    return out, keys.fingerprint


@pytest.fixture
def impostor_branch(world):
    from sync.keystore import own_registration

    path = new_branch(world.root / "impostor-branch.hzdb")
    dbmod.unlock(path, "zhang", PASSPHRASE)
    try:
        reg = own_registration()
    finally:
        dbmod.close()
    out = world.root / "impostor-004.json"
    out.write_bytes(reg.to_json_bytes())
    return out, reg.fingerprint


def _events(db, action):
    dbmod.unlock(db, "zhang" if "branch" in getattr(db, "name", "") else "chen", PASSPHRASE)
    try:
        return [
            json.loads(d)
            for (d,) in dbmod.database.execute_sql(
                "SELECT detail FROM audit_event WHERE action = ? ORDER BY seq", (action,)
            )
        ]
    finally:
        dbmod.close()


def test_a_clerk_cannot_replace_the_office_key(world, impostor_office):
    keys_file, fp = impostor_office
    _add_clerk(world.branch, "zhang", "wang")
    proc = run(
        "keys",
        "trust-office",
        keys_file,
        "--yes",
        "--replace",
        "--reason",
        "换了",
        "--fingerprint",
        fp,
        env=_as(world.branch, "wang", CLERK_PASS),
    )
    assert_clear(proc, 30, "负责人")
    assert [e["replaced"] for e in _events(world.branch, "keys.trust_office")] == [None]


@pytest.mark.parametrize(
    "extra, needle",
    [
        ([], "--reason"),
        (["--reason", "办事处换电脑"], "--fingerprint"),
        (["--reason", "办事处换电脑", "--fingerprint", "0000-1111"], "--fingerprint"),
    ],
)
def test_a_supervisor_needs_a_reason_and_the_typed_fingerprint(world, impostor_office, extra, needle):
    keys_file, _ = impostor_office
    proc = run("keys", "trust-office", keys_file, "--yes", "--replace", *extra, env=_as(world.branch, "zhang"))
    assert_clear(proc, 2, needle)
    assert len(_events(world.branch, "keys.trust_office")) == 1


def test_replacing_the_office_key_is_recorded_and_told_in_the_next_bundle(world, impostor_office):
    from sync.export import branch_payload

    keys_file, fp = impostor_office
    proc = run(
        "keys",
        "trust-office",
        keys_file,
        "--yes",
        "--replace",
        "--reason",
        "办事处换电脑",
        "--fingerprint",
        fp.lower().replace("-", " "),
        env=_as(world.branch, "zhang"),
    )
    assert proc.returncode == 0, proc.stderr
    last = _events(world.branch, "keys.trust_office")[-1]
    assert last["fingerprint"] == fp and last["reason"] == "办事处换电脑" and last["replaced"]
    with world.at_branch():
        summary = json.loads(branch_payload(PERIOD).files["summary.json"])
    [change] = summary["office_key_changes"]
    assert change["new_fingerprint"] == fp and change["reason"] == "办事处换电脑" and change["by"] == "zhang"


def test_the_office_is_told_when_a_bundle_reports_a_key_change(world):
    from test_bundle_bounds import _sign  # signed with the real keys

    from sync import canonical_dumps
    from sync.export import branch_payload
    from sync.office import import_bytes

    with world.at_branch():
        files = dict(branch_payload(PERIOD).files)
    summary = json.loads(files["summary.json"])
    summary["office_key_changes"] = [
        {"at": "2026-11-01T08:00:00+08:00", "by": "wang", "old_fingerprint": "A", "new_fingerprint": "B", "reason": "x"}
    ]
    files["summary.json"] = canonical_dumps(summary)
    data = _sign(world, files, sequence=1)
    with world.at_office():
        outcome = import_bytes(data, "k.hzb")
    assert outcome.status == "imported" and "公钥" in outcome.message_zh and "wang" in outcome.message_zh


def test_an_office_clerk_cannot_re_pin_a_branch(world, impostor_branch):
    reg_file, fp = impostor_branch
    _add_clerk(world.office, "chen", "liu")
    proc = run(
        "office",
        "enroll",
        reg_file,
        "--yes",
        "--replace",
        "--reason",
        "换电脑",
        "--fingerprint",
        fp,
        env=_as(world.office, "liu", CLERK_PASS),
    )
    assert_clear(proc, 30, "负责人")
    assert [e["replaced"] for e in _events(world.office, "office.enroll")] == [None]


def test_re_pinning_a_branch_is_recorded_and_told_in_the_next_answer(world, impostor_branch):
    reg_file, fp = impostor_branch
    assert_clear(run("office", "enroll", reg_file, "--yes", "--replace", env=_as(world.office, "chen")), 2, "--reason")
    proc = run(
        "office",
        "enroll",
        reg_file,
        "--yes",
        "--replace",
        "--reason",
        "代办处重装系统",
        "--fingerprint",
        fp,
        env=_as(world.office, "chen"),
    )
    assert proc.returncode == 0, proc.stderr
    last = _events(world.office, "office.enroll")[-1]
    assert last["fingerprint"] == fp and last["reason"] == "代办处重装系统" and last["replaced"]
    with world.at_office():
        notices = [
            r[0] for r in dbmod.database.execute_sql("SELECT text FROM outgoing_notice WHERE branch_code = '004'")
        ]
    assert len(notices) == 1 and fp in notices[0] and "代办处重装系统" in notices[0]


@pytest.fixture
def unpinned_branch(tmp_path):
    """A branch that has not installed the office key yet, and the office's key file."""
    from sync.keystore import own_office_keys

    office = new_office(tmp_path / "office.hzdb")
    dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        keys = own_office_keys()
    finally:
        dbmod.close()
    keys_file = tmp_path / "office.json"
    keys_file.write_bytes(keys.to_json_bytes())
    branch = new_branch(tmp_path / "branch.hzdb")
    _add_clerk(branch, "zhang", "wang")
    return branch, keys_file, keys.fingerprint


def _office_pins(db):
    dbmod.unlock(db, "zhang", PASSPHRASE)
    try:
        sql = dbmod.database.execute_sql
        return (
            sql("SELECT fingerprint, enrolled_by FROM trusted_key WHERE role = 'office'").fetchall(),
            sql("SELECT user FROM audit_event WHERE action = 'keys.trust_office'").fetchall(),
        )
    finally:
        dbmod.close()


def test_a_clerk_cannot_make_the_first_install_of_the_office_key(unpinned_branch):
    """The first pin decides whom every later answer is trusted from, as much as a replacement."""
    branch, keys_file, fp = unpinned_branch
    for extra in (["--yes"], ["--fingerprint", fp]):
        proc = run("keys", "trust-office", keys_file, *extra, env=_as(branch, "wang", CLERK_PASS))
        assert_clear(proc, 30, "负责人", "supervisor")
        assert proc.stderr.index("负责人") < proc.stderr.index("supervisor")  # Chinese first
        assert fp not in proc.stdout + proc.stderr  # refused before the fingerprint is shown for confirming
    assert _office_pins(branch) == ([], [])


def test_a_supervisor_installs_the_office_key_with_the_fingerprint_typed_in(unpinned_branch):
    branch, keys_file, fp = unpinned_branch
    proc = run("keys", "trust-office", keys_file, "--fingerprint", "0000-1111", env=_as(branch, "zhang"))
    assert_clear(proc, 2, "指纹", fp)
    assert _office_pins(branch) == ([], [])
    proc = run(
        "keys", "trust-office", keys_file, "--fingerprint", fp.lower().replace("-", " "), env=_as(branch, "zhang")
    )
    assert proc.returncode == 0, proc.stderr
    assert fp in proc.stderr and "已安装办事处公钥" in proc.stderr
    assert _office_pins(branch) == ([(fp, "zhang")], [("zhang",)])


@pytest.fixture
def unenrolled_office(tmp_path):
    """An office that has not enrolled branch 004 yet, a clerk there, and the branch's registration file."""
    from sync.keystore import own_registration

    branch = new_branch(tmp_path / "branch.hzdb")
    dbmod.unlock(branch, "zhang", PASSPHRASE)
    try:
        registration = own_registration()
    finally:
        dbmod.close()
    reg_file = tmp_path / "004.hzreg"
    reg_file.write_bytes(registration.to_json_bytes())
    office = new_office(tmp_path / "office.hzdb")
    _add_clerk(office, "chen", "liu")
    return office, reg_file, registration.fingerprint


def _branch_pins(office):
    dbmod.unlock(office, "chen", PASSPHRASE)
    try:
        sql = dbmod.database.execute_sql
        return (
            sql("SELECT branch_code, fingerprint, enrolled_by FROM trusted_key WHERE role = 'branch'").fetchall(),
            sql("SELECT user FROM audit_event WHERE action = 'office.enroll'").fetchall(),
        )
    finally:
        dbmod.close()


def test_an_office_clerk_cannot_make_a_branchs_first_enrolment(unenrolled_office):
    """The first enrolment decides whose bundles are imported under the branch's code, as much as a re-pinning."""
    office, reg_file, fp = unenrolled_office
    for extra in (["--yes"], ["--fingerprint", fp]):
        proc = run("office", "enroll", reg_file, *extra, env=_as(office, "liu", CLERK_PASS))
        assert_clear(proc, 30, "负责人", "supervisor")
        assert proc.stderr.index("负责人") < proc.stderr.index("supervisor")  # Chinese first
        assert fp not in proc.stdout + proc.stderr  # refused before the fingerprint is shown for confirming
    assert _branch_pins(office) == ([], [])


def test_the_enrolment_rule_holds_below_the_cli(unenrolled_office):
    """Any path that enrols (a future office screen, a script) meets the same rule in sync.keystore."""
    from models.errors import PermissionDenied
    from sync.keys import parse_branch_registration
    from sync.keystore import enroll_branch

    office, reg_file, _ = unenrolled_office
    registration = parse_branch_registration(reg_file.read_bytes())
    dbmod.unlock(office, "liu", CLERK_PASS)
    try:
        with pytest.raises(PermissionDenied, match="登记代办处公钥须由负责人操作"):
            enroll_branch(registration)
    finally:
        dbmod.close()
    assert _branch_pins(office) == ([], [])


def test_a_supervisor_enrols_a_branch_with_the_fingerprint_typed_in(unenrolled_office):
    office, reg_file, fp = unenrolled_office
    proc = run("office", "enroll", reg_file, "--fingerprint", "0000-1111", env=_as(office, "chen"))
    assert_clear(proc, 2, "指纹", fp)
    assert _branch_pins(office) == ([], [])
    proc = run("office", "enroll", reg_file, "--fingerprint", fp.lower().replace("-", " "), env=_as(office, "chen"))
    assert proc.returncode == 0, proc.stderr
    assert fp in proc.stderr and "已登记" in proc.stderr
    assert _branch_pins(office) == ([("004", fp, "chen")], [("chen",)])
