"""Progress bars of long commands (issue 15): on stderr only, only when stderr is a terminal,
never in what a command prints to stdout (``--json`` stays parseable)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from models.enrolments import COLUMNS
from rules.idcard import id_check_char
from tests.conftest import PASSPHRASE
from tui.progress import progress

ROOT = Path(__file__).resolve().parent.parent


def run_with_terminal_stderr(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``python -m tui ARGS`` with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode("utf-8")
    proc.wait(120)
    os.close(master)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


def env_for(db: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUZHU_")}
    env.update({"HUZHU_PROGRESS_DELAY": "0", "PYTHONPATH": str(ROOT), "COLUMNS": "100", "TERM": "xterm"})
    if db is not None:
        env.update({"HUZHU_DB": str(db), "HUZHU_USER": "zhang", "HUZHU_PASSPHRASE": PASSPHRASE})
    return env


def test_no_bar_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("HUZHU_PROGRESS_DELAY", "0")
    with progress("正在导入", "importing", total=3) as step:
        for i in range(3):
            step(i + 1)
        print(json.dumps({"ok": True}))
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"ok": True} and captured.err == ""


def test_the_import_bar_is_on_the_terminal_and_the_json_stays_clean(branch_db, tmp_path):
    path, _ = branch_db
    data = tmp_path / "staff.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(30):
            body = f"11010519800101{i:03d}"
            w.writerow(
                [
                    "U0001",
                    "第一工会",
                    "ZYYL",
                    "2026-01-01",
                    "2026-12-31",
                    "2025-12-20",
                    f"王{i}",
                    body + id_check_char(body),
                    "2",
                    "",
                    "",
                ]
            )
    code, out, err = run_with_terminal_stderr(["import", "enrolments", str(data), "--json"], env_for(path))
    assert code == 0, err
    assert "\x1b" not in out and "正在导入" not in out
    assert json.loads(out)["rows"] == 30
    assert "正在导入" in err  # the bar was shown, on stderr


def test_the_demo_build_shows_its_stages(tmp_path):
    code, out, err = run_with_terminal_stderr(
        ["demo", "--db", str(tmp_path / "d.hzdb"), "--members", "200", "--no-tui"], env_for()
    )
    assert code == 0, err
    assert out == "" and "正在生成演示数据库" in err


def test_no_bar_with_stderr_on_a_pipe(branch_db, tmp_path):
    path, _ = branch_db
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "backup", "--out", str(tmp_path / "b.hzbak")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env_for(path),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "正在备份" not in proc.stderr and "\x1b" not in proc.stderr
