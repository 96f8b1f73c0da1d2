"""Sub-command groups of ``huzhu``; each module has ``register(subparsers)``."""

from tui.commands import admin, budget, claims, enrolment, handover, reports, staff, sync

MODULES = [admin, enrolment, claims, sync, reports, handover, budget, staff]
