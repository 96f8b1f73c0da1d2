"""Enrolment import of a large file (100,000 rows; --quick 20,000) into a fresh encrypted branch.

Baseline, same run: reading and parsing the same CSV alone (models.tabular.read_table),
so the ratio is what validation, the rules and the encrypted writes add.
Goal (rules issue): a 100,000-row import ≤ 30 s.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import Figure, parser, report

from models import admin
from models import db as dbmod
from models.enrolments import COLUMNS, import_enrolments
from models.tabular import read_table
from rules.idcard import id_check_char


def write_file(path: Path, rows: int) -> None:
    rnd = random.Random(3)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(rows):
            birth = date(1970, 1, 1) + timedelta(days=i // 1000)
            body = f"110105{birth:%Y%m%d}{i % 1000:03d}"
            idn = body + id_check_char(body)
            name = rnd.choice(surnames) + rnd.choice(given) + rnd.choice(given)
            unit = f"U{i // 250:05d}"
            w.writerow(
                [unit, f"单位{unit}工会", "ZYYL", "2026-01-01", "2026-12-31", "2025-12-20", name, idn, "2", "", ""]
            )


def main() -> None:
    args = parser(__doc__).parse_args()
    rows = 20_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "enrol.csv"
        write_file(f, rows)
        t = time.perf_counter()
        read_table(f)
        parse = time.perf_counter() - t
        path = Path(d) / "b.hzdb"
        admin.create_database(path, branch_code="004", branch_name="朝阳", user="bench", passphrase="bench")
        dbmod.unlock(path, "bench", "bench")
        t = time.perf_counter()
        result = import_enrolments(f)
        took = time.perf_counter() - t
        assert result.written and not result.errors, result.errors[:5]
        dbmod.close()
    report(
        f"enrolment import ({rows} rows)",
        [
            Figure(
                f"import {rows} rows",
                took,
                "s",
                parse,
                "read+parse the CSV only",
                "≤ 30 s (100k rows)",
                took <= 30 * rows / 100_000,
            ),
            Figure("import throughput", rows / took, "rows/s"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
