"""Monthly bundles between branches and the office: format, verification, sequencing, keys.

Pure library code (no database, no clock, no UI); see sync/FORMAT.md for the format.
"""

from sync.bundle import (
    DEFAULT_MAX_BUNDLE_BYTES,
    FORMAT_VERSION,
    KIND_BRANCH_MONTHLY,
    KIND_OFFICE_ANSWER,
    KINDS,
    BundleRejected,
    VerificationResult,
    build_bundle,
    bundle_file_name,
    require_verified,
    verify_bundle,
)
from sync.canonical import CanonicalJSONError, canonical_dumps, canonical_loads, strict_loads
from sync.fileio import read_back_verify, write_bundle_atomic
from sync.keys import (
    BranchRegistration,
    KeyFileError,
    KeyPair,
    OfficeKeys,
    exchange_public_key,
    fingerprint,
    generate_exchange_keypair,
    generate_signing_keypair,
    parse_branch_registration,
    parse_office_keys,
    signing_public_key,
)
from sync.reasons import Reason
from sync.sequence import SequenceDecision, SequenceOutcome, check_sequence

__all__ = [
    "DEFAULT_MAX_BUNDLE_BYTES",
    "FORMAT_VERSION",
    "KIND_BRANCH_MONTHLY",
    "KIND_OFFICE_ANSWER",
    "KINDS",
    "BranchRegistration",
    "BundleRejected",
    "CanonicalJSONError",
    "KeyFileError",
    "KeyPair",
    "OfficeKeys",
    "Reason",
    "SequenceDecision",
    "SequenceOutcome",
    "VerificationResult",
    "build_bundle",
    "bundle_file_name",
    "canonical_dumps",
    "canonical_loads",
    "check_sequence",
    "exchange_public_key",
    "fingerprint",
    "generate_exchange_keypair",
    "generate_signing_keypair",
    "parse_branch_registration",
    "parse_office_keys",
    "read_back_verify",
    "require_verified",
    "signing_public_key",
    "strict_loads",
    "verify_bundle",
    "write_bundle_atomic",
]
