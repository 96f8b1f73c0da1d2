"""Sub-command groups of ``huzhu``; each module has ``register(subparsers)``."""

from tui.commands import admin, enrolment, reports, sync

MODULES = [admin, enrolment, sync, reports]
