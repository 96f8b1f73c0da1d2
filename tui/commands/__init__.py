"""Sub-command groups of ``huzhu``; each module has ``register(subparsers)``.

``MODULES`` imports them on first use (PEP 562): opening the TUI needs none but ``admin``."""

import importlib

# members after enrolment: it adds ``import accounts`` to the ``import`` group made there.
# params after sync: it adds ``office params`` to the office group sync registers.
NAMES = (
    "admin",
    "enrolment",
    "claims",
    "disbursements",
    "sync",
    "reports",
    "handover",
    "budget",
    "staff",
    "members",
    "params",
)


def __getattr__(name: str):
    if name == "MODULES":
        return [importlib.import_module(f"tui.commands.{n}") for n in NAMES]
    raise AttributeError(name)
