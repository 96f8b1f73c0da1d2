"""Run every bench/bench_*.py and print one table of all figures; writes bench/results.json.

``--quick`` passes --quick to each script (smaller sizes); ``--only a,b`` runs only those
scripts (``tui``, ``unlock`` …); ``--args tui="--sizes 1000000"`` passes arguments to one
script; ``--merge`` keeps the figures of the scripts not run from the
results file already there (a long run done in parts). Every figure's name says the size it was
measured at, and every figure carries the load average over its script's run (``load``: the
1-minute average at its start and end; the machine is shared) and the time it was measured.
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
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)  # (it used to be ignored, and every benchmark started: 20 minutes and more)
        return 0
    quick = "--quick" in sys.argv[1:]
    only = None
    if "--only" in sys.argv[1:]:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    merge = "--merge" in sys.argv[1:]
    # --args tui="--sizes 1000000": extra arguments for one script (may be repeated)
    extra: dict[str, list[str]] = {}
    for i, arg in enumerate(sys.argv[1:-1], start=1):
        if arg == "--args":
            name, _, rest = sys.argv[i + 1].partition("=")
            extra[name] = rest.split()
    merged, failed = [], []
    started = time.time()
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem.removeprefix("bench_") not in only:
            continue
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = Path(tmp.name)
        cmd = [sys.executable, str(script), "--json", str(out)] + (["--quick"] if quick else [])
        cmd += extra.get(script.stem.removeprefix("bench_"), [])
        print(f"-- {script.name}", flush=True)
        load_before = os.getloadavg()[0]
        proc = subprocess.run(cmd, cwd=HERE)
        load_after = os.getloadavg()[0]
        if proc.returncode != 0 or not out.stat().st_size:
            failed.append(script.name)
            continue
        data = json.loads(out.read_text("utf-8"))
        measured = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        for f in data["figures"]:
            merged.append(
                dict(f, script=script.name, load=[round(load_before, 1), round(load_after, 1)], measured=measured)
            )
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
            "–".join(f"{x:.1f}" for x in f.get("load") or []),
        ]
        for f in merged
    ]
    print("\n== all figures")
    print(
        tabulate(
            rows,
            headers=["script", "figure", "value", "baseline", "ratio", "goal", "met", "load"],
            disable_numparse=True,
        )
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores (the machine is shared: compare ratios)")
    target = HERE / ("results-quick.json" if quick else "results.json")
    if merge and target.exists():
        ran = {f["script"] for f in merged} | set(failed)
        kept = [f for f in json.loads(target.read_text("utf-8"))["figures"] if f["script"] not in ran]
        merged = kept + merged
    result = {
        "quick": quick,
        "date": dt.date.today().isoformat(),
        "load": load,
        "seconds": round(time.time() - started, 1),
        "figures": merged,
        "failed": failed,
    }
    target.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
