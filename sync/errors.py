"""Errors of the database side of sync, each with its own exit code (see sync/FORMAT.md).

40 a bundle (or key file) was refused; 41 a bundle is held until missing ones arrive;
42 keys or trust are not set up, or a pinned key conflicts; 43 an office command on a
branch database or the other way round.
"""

from __future__ import annotations

from models.errors import HuzhuError


class BundleRefused(HuzhuError):
    exit_code = 40
    code = "bundle_refused"


class BundleHeld(HuzhuError):
    exit_code = 41
    code = "bundle_held"


class TrustError(HuzhuError):
    exit_code = 42
    code = "trust_error"


class WrongDatabaseKind(HuzhuError):
    exit_code = 43
    code = "wrong_database_kind"
