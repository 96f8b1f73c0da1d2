"""Opening the TUI from the command line (``huzhu``, ``huzhu demo``, ``huzhu office``).

Apart from ``tui.commands.admin`` so that ``huzhu`` on its own imports only what the unlock
screen needs (issue 15: launch → unlock screen painted within 1.5× a bare Textual app); that
module brings in the administration commands and their models (0.1–0.15 s)."""

from __future__ import annotations

from pathlib import Path

from models import db as dbmod
from models.errors import UsageError
from models.keyslots import KeyFile
from tui import clikit

DEFAULT_DEMO_DB = Path("demo") / "huzhu-demo.hzdb"


def open_tui(args) -> int:
    from tui.app import make_app

    path = clikit.db_path(args, required=False)
    if path is None and DEFAULT_DEMO_DB.exists():
        path = DEFAULT_DEMO_DB
    if path is None:
        raise UsageError(
            f"请用 --db FILE 或 {clikit.ENV_DB} 指定数据库；没有数据库可先运行 huzhu demo 或 huzhu init",
            "give --db FILE (or run huzhu demo / huzhu init first)",
        )
    if not dbmod.is_url(path):  # a server database is checked by the unlock screen's own unlock
        dbmod.check_file_shape(path)
        KeyFile.load(path)
    app = make_app(db_path=path, user=clikit.user_name(args))
    with clikit.raw_terminal():
        app.run()
    return 0
