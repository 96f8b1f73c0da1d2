"""Four workstations import fifty bundles at once into one PostgreSQL office database (issue 16):
each bundle is imported exactly once, all-or-nothing, and no gap or replay is misjudged.

Five branches × ten months; the bundles are dealt to four ``huzhu office import`` processes so
that every branch's months reach the office out of order and from several processes at once
(each month from exactly one process, the last month of every branch from two). Whatever the
interleaving, the end state is fixed: fifty bundles imported once each, nothing refused or left
held, and one unbroken audit chain."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from syncdb_kit import PASSPHRASE, enroll, export, fill_branch, make_world, new_branch

from models import audit
from models import db as dbmod

BRANCHES = ("004", "011", "023", "035", "047")
MONTHS = [f"2026-{m:02d}" for m in range(1, 11)]


def test_four_processes_import_fifty_bundles_exactly_once(tmp_path, pg_url):
    world = make_world(tmp_path, pg_url)
    paths = {}
    for code in BRANCHES:
        branch = world.branch if code == "004" else new_branch(tmp_path / f"b{code}.hzdb", code, f"代办处{code}")
        if code != "004":
            with world.at_branch(branch):
                fill_branch()
            enroll(world, branch)
        for month in MONTHS:
            (tmp_path / f"out{code}").mkdir(exist_ok=True)
            paths[(code, month)] = export(world, month, out=tmp_path / f"out{code}", branch=branch).path
    assert len(paths) == 50

    rng = random.Random(16)
    order = list(paths)
    rng.shuffle(order)
    lots: list[list] = [order[i::4] for i in range(4)]
    for i, code in enumerate(BRANCHES):  # the last month of each branch also from a second process
        lots[(i + 1) % 4].append((code, MONTHS[-1]))
    for lot in lots:
        rng.shuffle(lot)

    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update({"HUZHU_DB": pg_url, "HUZHU_USER": "chen", "HUZHU_PASSPHRASE": PASSPHRASE})
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tui", "office", "import", "--json", *(str(paths[k]) for k in lot)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for lot in lots
    ]
    results = [p.communicate(timeout=600) for p in procs]
    outcomes = []
    for proc, (out, err) in zip(procs, results, strict=True):
        assert "Traceback" not in err, err
        assert proc.returncode in (0, 41), err  # 41: a bundle was held for a gap when it arrived
        outcomes += json.loads(out)
    statuses = {o["status"] for o in outcomes}
    assert "refused" not in statuses, [o for o in outcomes if o["status"] == "refused"]

    with world.at_office():
        rows = dbmod.database.execute_sql(
            "SELECT branch_code, sequence, sha256, status FROM received_bundle ORDER BY branch_code, sequence"
        ).fetchall()
        imported = [r for r in rows if r[3] == "imported"]
        assert [r for r in rows if r[3] != "imported"] == []  # nothing refused, nothing left held
        assert len(imported) == 50 and len({r[2] for r in imported}) == 50  # each bundle exactly once
        for code in BRANCHES:
            assert [r[1] for r in imported if r[0] == code] == list(range(1, 11))
        chain = audit.verify()
        assert chain.ok, chain.reason
        imports = dbmod.database.execute_sql(
            "SELECT count(*) FROM audit_event WHERE action = 'sync.import'"
        ).fetchone()[0]
        assert imports == 50
        # Every import's figures are there once: one set per branch × month.
        per_month = dbmod.database.execute_sql(
            "SELECT count(DISTINCT branch_code || period) FROM office_figure"
        ).fetchone()[0]
        assert per_month == 50
