"""Run every bench/bench_*.py and print one table of all figures; writes bench/results.json.

``--quick`` passes --quick to each script (smaller sizes); ``--only a,b`` runs only those
scripts (``tui``, ``unlock`` …). Every figure's name says the size it was measured at.
``bench/readme_table.py`` copies the table into README.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    only = None
    if "--only" in sys.argv[1:]:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    merged, failed = [], []
    started = time.time()
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem.removeprefix("bench_") not in only:
            continue
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = Path(tmp.name)
        cmd = [sys.executable, str(script), "--json", str(out)] + (["--quick"] if quick else [])
        print(f"-- {script.name}", flush=True)
        proc = subprocess.run(cmd, cwd=HERE)
        if proc.returncode != 0 or not out.stat().st_size:
            failed.append(script.name)
            continue
        data = json.loads(out.read_text("utf-8"))
        for f in data["figures"]:
            merged.append(dict(f, script=script.name))
        out.unlink()
    rows = [
        [
            f["script"],
            f["name"],
            f"{f['value']:.4g} {f['unit']}",
            "" if f["baseline"] is None else f"{f['baseline']:.4g}",
            "" if f["ratio"] is None else f"{f['ratio']:.2f}",
            f["goal"],
            "" if f["met"] is None else ("yes" if f["met"] else "NO"),
        ]
        for f in merged
    ]
    print("\n== all figures")
    print(
        tabulate(rows, headers=["script", "figure", "value", "baseline", "ratio", "goal", "met"], disable_numparse=True)
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores (the machine is shared: compare ratios)")
    result = {
        "quick": quick,
        "date": dt.date.today().isoformat(),
        "load": load,
        "seconds": round(time.time() - started, 1),
        "figures": merged,
        "failed": failed,
    }
    (HERE / ("results-quick.json" if quick else "results.json")).write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
