"""Shared reporting for bench scripts: every figure with its baseline measured in the same run.

Each script prints a table (figure, value, baseline, ratio, goal, met) and, given
``--json FILE``, writes the same rows as JSON so ``run_all.py`` can merge them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tabulate import tabulate


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a fast look")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    return p


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(title: str, figures: list[Figure], json_path: str | None) -> None:
    rows = []
    for f in figures:
        rows.append(
            [
                f.name,
                f"{f.value:.4g} {f.unit}",
                "" if f.baseline is None else f"{f.baseline:.4g} {f.unit} ({f.baseline_name})",
                "" if f.ratio is None else f"{f.ratio:.2f}",
                f.goal,
                "" if f.met is None else ("yes" if f.met else "NO"),
            ]
        )
    print(f"\n== {title}")
    print(tabulate(rows, headers=["figure", "value", "baseline", "ratio", "goal", "met"], disable_numparse=True))
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                {"title": title, "figures": [dict(asdict(f), ratio=f.ratio) for f in figures]},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )


# --- demo databases shared by the benches ------------------------------------------------------

#: Where the demo databases live between runs (gitignored): building 1,000,000 members takes a
#: minute, so each size is built once per schema head and reused (``HUZHU_BENCH_CACHE`` moves it).
CACHE = Path(__import__("os").environ.get("HUZHU_BENCH_CACHE") or Path(__file__).resolve().parent / ".dbcache")


def demo_db(members: int) -> Path:
    """The cached demo database of ``members`` members (user demo, passphrase demo), built if
    missing and brought to the schema head if an older one is cached. Benches that only read
    may use it; one that writes must copy it first."""
    import time

    from models import db as dbmod
    from models.demo import build_demo

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{members}.hzdb"
    if not path.exists():
        t = time.perf_counter()
        tmp = CACHE / f"building-{members}.hzdb"
        for p in CACHE.glob(f"building-{members}.hzdb*"):
            p.unlink()
        build_demo(tmp, members=members)
        for p in sorted(CACHE.glob(f"building-{members}.hzdb*")):
            p.rename(CACHE / p.name.replace(f"building-{members}.hzdb", path.name))
        print(f"built the {members:,}-member demo database in {time.perf_counter() - t:.1f} s ({path})", flush=True)
    # Migrates a database cached by an older schema (the unlock checks the pages first then);
    # no whole-file check otherwise: at 1M it reads 3.7 GB, and bench_unlock times it itself.
    dbmod.unlock(path, "demo", "demo", check_pages=False)
    dbmod.close()
    for backup in CACHE.glob(f"{path.name}.pre-*.hzbak"):
        backup.unlink()
    return path


def compiled() -> None:
    """Byte-compile the program's own modules, as installing it does (pip compiles on install):
    with PYTHONDONTWRITEBYTECODE set (as on the development machine) an editable checkout would
    otherwise compile every module from source at each launch, which no installed copy does."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("models", "rules", "sync", "tui", "migrations"):
        compileall.compile_dir(str(root / package), quiet=1)


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    """This process's resident memory now, MB (Linux; None elsewhere)."""
    return _status_mb("VmRSS")


def reset_peak_rss() -> bool:
    """Start counting this process's peak resident memory afresh (Linux: ``clear_refs`` 5 resets
    VmHWM), so a step's peak is not the earlier Argon2id's or build's. False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float | None:
    """This process's peak resident memory since ``reset_peak_rss``, MB (Linux; None elsewhere)."""
    return _status_mb("VmHWM")


def load_average() -> float:
    import os

    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
