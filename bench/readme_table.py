"""Regenerate the README's performance table from ``bench/results.json`` (written by ``make bench``).

The table sits between the markers ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in
README.md; everything else in the README is left as it is. ``--check`` only says whether the
table is current (exit 1 if not)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def table(results: dict) -> str:
    lines = [
        f"Run of {results.get('date', '?')}"
        + (f": {results['seconds']:.0f} s in all" if results.get("seconds") else "")
        + (f", load average {results['load']:.1f} on 2 cores" if results.get("load") is not None else "")
        + (" (`--quick`)" if results.get("quick") else "")
        + ".",
        "",
        "| script | figure | value | baseline (same run) | ratio | goal | met | load (start–end) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in results["figures"]:
        baseline = "" if f["baseline"] is None else f"{fmt(f['baseline'], f['unit'])} ({f['baseline_name']})"
        met = "" if f["met"] is None else ("✔" if f["met"] else "✘")
        name = f["name"].strip().replace("|", "\\|")
        load = "–".join(f"{x:.1f}" for x in f.get("load") or [])
        lines.append(
            f"| {f['script'].removeprefix('bench_').removesuffix('.py')} | {name} | {fmt(f['value'], f['unit'])} "
            f"| {baseline} | {fmt(f['ratio'])} | {f['goal']} | {met} | {load} |"
        )
    if results.get("failed"):
        lines += ["", f"Scripts that failed: {', '.join(results['failed'])}."]
    return "\n".join(lines)


def main() -> int:
    results = json.loads((HERE / "results.json").read_text("utf-8"))
    text = README.read_text("utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} … {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    new = f"{before}{START}\n{table(results)}\n{END}{after}"
    if "--check" in sys.argv[1:]:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    print(f"README.md: table of {len(results['figures'])} figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
