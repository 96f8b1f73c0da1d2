"""``huzhu handover`` from the command line, on a database made by ``huzhu init``: what the
clerk types, what is refused (exit 3, nothing written), what the database then holds."""

from __future__ import annotations

import datetime as dt
import json

from models import db as dbmod
from tests import cli_kit
from tests.cli_kit import as_
from tests.conftest import PASSPHRASE, TODAY

ALL_ITEMS = [
    "seals=财务专用章、法人名章:2",
    "cheques=支票 10 张:1",
    "certificates",
    "archives",
    "ledgers",
    "system_usernames",
]


def huzhu(branch_db, *args):
    return cli_kit.huzhu("handover", *args, env=as_(branch_db[0]))


def count(branch_db, table: str) -> int:
    dbmod.unlock(branch_db[0], "zhang", PASSPHRASE)
    try:
        return dbmod.database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        dbmod.close()


def test_handover_recorded_listed_and_reported(branch_db):
    on = (TODAY - dt.timedelta(days=3)).isoformat()
    args = [
        "record",
        "--outgoing",
        "王经办",
        "--incoming",
        "李经办",
        "--supervisor",
        "张主任",
        "--on",
        on,
        "--outgoing-confirms",
        "--incoming-confirms",
        "--incoming-username",
        "li01",
        "--reason",
        "交接当日未录入",
        "--json",
    ]  # 3 days back: the supervisor's back-dated entry
    # an item left out, or the incoming clerk not confirming, is refused with the article; nothing written
    short = huzhu(branch_db, *args[:-1], *[x for i in ALL_ITEMS[:-1] for x in ("--item", i)])
    assert short.returncode == 3 and "000" in short.stderr and "Traceback" not in short.stderr
    unconfirmed = [a for a in args if a != "--incoming-confirms"]
    proc = huzhu(branch_db, *unconfirmed, *[x for i in ALL_ITEMS for x in ("--item", i)])
    assert proc.returncode == 3, proc.stderr
    assert count(branch_db, "handover") == 0
    typo = huzhu(branch_db, *args, "--item", "seal")
    assert typo.returncode == 2 and "seals" in typo.stderr
    proc = huzhu(branch_db, *args, *[x for i in ALL_ITEMS for x in ("--item", i)])
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout)
    assert done["account_forms"] == 1  # the incoming clerk's username is filed (备案表, R4.3)
    listed = json.loads(huzhu(branch_db, "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["reported_on"] is None
    seals = next(i for i in listed[0]["items"] if i["description"] == "财务专用章、法人名章")
    assert seals["quantity"] == 2
    reported = huzhu(branch_db, "report", done["id"], "--on", TODAY.isoformat(), "--json")
    assert reported.returncode == 0, reported.stderr
    assert json.loads(huzhu(branch_db, "list", "--json").stdout)[0]["reported_on"] == TODAY.isoformat()
    dbmod.unlock(branch_db[0], "zhang", PASSPHRASE)
    try:
        actions = [r[0] for r in dbmod.database.execute_sql("SELECT action FROM audit_event ORDER BY seq")]
        forms = dbmod.database.execute_sql("SELECT kind, new_username FROM account_form").fetchall()
    finally:
        dbmod.close()
    assert actions[-2:] == ["handover.complete", "handover.reported"]
    assert forms == [("filing", "li01")]
