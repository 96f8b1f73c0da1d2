"""What an insider can do outside the program, and a small branch to do it to (issue 13, items 1–7).

``raw`` is the attack of the issue: a clerk or auditor unwraps the database key from their own
slot with their own passphrase and writes with plain SQL, with no program in between (no
triggers, no signing key of anyone else)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import sqlcipher3

from models import admin, audit, clock
from models import db as dbmod
from models.keyslots import KeyFile
from tests.conftest import CHEAP_KDF, PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
WANG = "wang clerk passphrase"
LI = "li supervisor passphrase"
AUDIT = "auditor passphrase 12"
TODAY = dt.date(2026, 11, 23)
ACCOUNT = "6222020012345678901"


def make_branch(path: Path) -> Path:
    """A branch (004 朝阳) with supervisors zhang and li, clerk wang and auditor zhao, one unit,
    two members, a budget line, a paid disbursement and a registered claim, all entered through
    the program's own functions."""
    from models.claims import ClaimDraft, register_claim
    from models.disbursements import DisbursementDraft, approve_disbursement, enter_disbursement, pay_disbursement
    from models.members import upsert_unit
    from models.schema import BudgetLine, Member, Unit
    from rules.idcard import id_check_char

    clock.freeze(TODAY)
    admin.create_database(
        path, branch_code="004", branch_name="朝阳", user="zhang", passphrase=PASSPHRASE, kdf=CHEAP_KDF
    )
    session = dbmod.unlock(path, "zhang", PASSPHRASE)
    admin.add_user(session, "li", "supervisor", LI, kdf=CHEAP_KDF)
    admin.add_user(session, "wang", "clerk", WANG, kdf=CHEAP_KDF)
    admin.add_user(session, "zhao", "auditor", AUDIT, kdf=CHEAP_KDF)
    upsert_unit("U0001", "朝阳某公司工会")
    with dbmod.writing():
        unit = Unit.get(Unit.code == "U0001")
        ids = []
        for i, name in enumerate(("张三", "李四"), start=1):
            body = f"11010519800101{i:03d}"
            number = body + id_check_char(body)
            ids.append(
                Member.create(
                    name=name,
                    initials="x",
                    id_number=number,
                    id_rev=number[::-1],
                    sex="M",
                    birth_date=dt.date(1980, 1, 1),
                    unit=unit,
                    bank_account=ACCOUNT,
                ).id
            )
        line = BudgetLine.create(year=2026, code="welfare", name="互助互济支出", amount_fen=1_000_000).id
        audit.record("test.setup", "member", None, {"members": len(ids)})
    # Each step on its own day, so no entry is back-dated (which needs a reason).
    clock.freeze(dt.date(2026, 11, 20))
    entered = enter_disbursement(
        DisbursementDraft(
            member_id=ids[0],
            category="condolence_cash",
            on=dt.date(2026, 11, 20),
            amount_fen=150_000,
            method="transfer",
            note="会员本人患重大疾病住院",
            budget_line_id=line,
        )
    )
    dbmod.close()
    dbmod.unlock(path, "li", LI)
    clock.freeze(dt.date(2026, 11, 21))
    approve_disbursement(entered.disbursement_id, dt.date(2026, 11, 21))
    clock.freeze(dt.date(2026, 11, 22))
    pay_disbursement(entered.disbursement_id, dt.date(2026, 11, 22), transfer_ref="ZZ0000000001")
    clock.freeze(dt.date(2026, 11, 5))
    register_claim(
        ClaimDraft(
            member_id=ids[1],
            plan="ZYYL",
            diagnosis="肺炎",
            incident_kind="illness",
            incident_date=dt.date(2026, 11, 2),
            shares_claimed=1,
            reported_on=dt.date(2026, 11, 5),
            reporter="刘主席",
            channel="paper",
        )
    )
    dbmod.close()
    clock.freeze(None)
    return path


def raw_key(path: Path, user: str, passphrase: str) -> bytes:
    kf = KeyFile.load(path)
    slot = kf.slot(user)
    return kf.open_db_key(slot, kf.unlock_private(slot, passphrase))


def raw(path: Path, user: str = "wang", passphrase: str = WANG) -> sqlcipher3.Connection:
    """The database opened with the raw key from ``user``'s own slot, outside the program."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{raw_key(path, user, passphrase).hex()}'\"")
    return conn


def append_event(
    conn,
    user: str,
    action: str,
    entity: str,
    entity_id,
    detail: dict,
    *,
    sig: str | None = None,
    rows: str | None = "[]",
) -> int:
    """Append an event with a correct chain hash, as an attacker who read models/audit.py would."""
    seq, prev = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    seq += 1
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    at = "2026-11-23T10:00:00"
    eid = None if entity_id is None else str(entity_id)
    digest = audit._digest(prev, seq, at, user, action, entity, eid, text, rows)
    conn.execute(
        "INSERT INTO audit_event (seq, at, user, action, entity, entity_id, detail, prev_hash, hash, sig, rows) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, user, action, entity, eid, text, prev, digest, sig, rows),
    )
    return seq


def rehash_chain(conn) -> None:
    """Recompute every hash after an edit, so the plain chain check passes again."""
    prev = audit.GENESIS
    for seq, at, user, action, entity, eid, detail, rows in conn.execute(
        "SELECT seq, at, user, action, entity, entity_id, detail, rows FROM audit_event ORDER BY seq"
    ).fetchall():
        digest = audit._digest(prev, seq, at, user, action, entity, eid, detail, rows)
        conn.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest


def cli(*args, db: Path, user: str = "zhang", passphrase: str = PASSPHRASE, extra_env: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update({"HUZHU_DB": str(db), "HUZHU_USER": user, "HUZHU_PASSPHRASE": passphrase, "PYTHONPATH": str(ROOT)})
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=180
    )


def check(db: Path, user: str = "zhang", passphrase: str = PASSPHRASE) -> tuple[int, dict[str, dict]]:
    """(exit code, check name -> item) of ``huzhu check --json``."""
    proc = cli("check", "--json", db=db, user=user, passphrase=passphrase)
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    return proc.returncode, {c["name"]: c for c in report["checks"]}
