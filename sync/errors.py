"""Errors of the database side of sync, each with its own exit code (see sync/FORMAT.md).

40 a bundle (or key file) was refused; 41 a bundle is held until missing ones arrive;
42 keys or trust are not set up, or a pinned key conflicts; 43 an office command on a
branch database or the other way round; 44 export refused: this database is behind the
bundles already sent (an older backup was restored) and has not been reconciled;
45 ``sync reconcile-restore`` found figures that differ from those sent (nothing written).
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


class RestoreNotReconciled(HuzhuError):
    exit_code = 44
    code = "restore_not_reconciled"


class RestoreDifferences(HuzhuError):
    exit_code = 45
    code = "restore_differences"
