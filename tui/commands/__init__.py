"""Sub-command groups of ``huzhu``; each module has ``register(subparsers)``."""

from tui.commands import admin, budget, claims, enrolment, handover, members, reports, staff, sync

# members after enrolment: it adds ``import accounts`` to the ``import`` group made there.
MODULES = [admin, enrolment, claims, sync, reports, handover, budget, staff, members]
