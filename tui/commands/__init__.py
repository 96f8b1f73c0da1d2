"""Sub-command groups of ``huzhu``; each module has ``register(subparsers)``."""

from tui.commands import admin, enrolment, sync

MODULES = [admin, enrolment, sync]
