"""Sub-command groups of ``huzhu``, declared beside their functions (see ``registry``).

``MODULES`` imports them on first use (PEP 562): opening the TUI needs none but ``admin``."""

import importlib

# members after enrolment: it adds ``import accounts`` to the ``import`` group made there.
# office_branch, params and calendar after sync: they add ``office branch``/``office params``/``office calendar``
# to the office group.
NAMES = (
    "admin",
    "enrolment",
    "claims",
    "disbursements",
    "sync",
    "office_branch",
    "reports",
    "handover",
    "budget",
    "staff",
    "members",
    "params",
    "purchases",
    "calendar",
    "projects",
    "fees",
    "ledger",
)


def __getattr__(name: str):
    if name == "MODULES":
        return [importlib.import_module(f"tui.commands.{n}") for n in NAMES]
    raise AttributeError(name)
