"""Progress bars for long commands (issue 15): demo, import, export, office import, backup,
reconcile.

A bar goes to stderr, and only when stderr is a terminal: a script reading ``--json`` from
stdout, or a log collecting stderr, never sees it. It appears only once the work has run
for ``DELAY`` seconds (a quick command shows nothing) and is cleared when the work ends, so
the command's own messages follow as before. Work that reports its steps (the demo build)
gets a bar with a count; the rest get a pulsing bar with the time elapsed.

    with progress("正在导入", "importing") as step:
        ...                       # step(done, total, stage) whenever there is news
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

#: Seconds of work before the bar shows (``HUZHU_PROGRESS_DELAY`` changes it: tests use 0).
DELAY = 1.0
ENV_DELAY = "HUZHU_PROGRESS_DELAY"
#: Set (to anything) to never show a bar, e.g. for a screen reader or a recorded session.
ENV_OFF = "HUZHU_NO_PROGRESS"


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get(ENV_DELAY, DELAY)))
    except ValueError:
        return DELAY


Step = Callable[..., None]


def _wanted() -> bool:
    stream = sys.stderr
    return (not os.environ.get(ENV_OFF)) and stream is not None and hasattr(stream, "isatty") and stream.isatty()


@contextlib.contextmanager
def progress(label_zh: str, label_en: str, total: int | None = None) -> Iterator[Step]:
    """A bar on stderr while the block runs; yields ``step(done, total=None, stage=None)``."""
    if not _wanted():
        yield lambda *_args, **_kwargs: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # The real stderr: the CLI's filtered one (clikit.TerminalSafe) would strip the bar's cursor moves.
    console = Console(file=getattr(sys.stderr, "_stream", sys.stderr), stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        refresh_per_second=8,
    )
    label = f"{label_zh} / {label_en}"
    task = bar.add_task(label, total=total)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def show() -> None:
        with lock:
            if not state["done"]:
                bar.start()
                state["started"] = True

    timer = threading.Timer(_delay(), show)
    timer.daemon = True
    timer.start()

    def step(done: int, total: int | None = None, stage: str | None = None) -> None:
        fields: dict[str, Any] = {"completed": done}
        if total is not None:
            fields["total"] = total
        if stage:
            fields["description"] = f"{label_zh}：{stage}"
        bar.update(task, **fields)

    try:
        yield step
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                bar.stop()
