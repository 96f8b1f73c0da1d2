"""Writing bundle files so that a crash or a pulled USB stick never leaves a half file.

A bundle is written under a temporary name in the destination folder, flushed and
fsynced, then renamed onto its final name (rename within one folder is atomic), and
the folder is fsynced so the rename itself survives a power cut. Whoever sees the
final name sees the whole file. ``read_back_verify`` then reads the file again and
checks it byte for byte, because cheap USB sticks can acknowledge writes they lose.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sync.bundle import DEFAULT_MAX_BUNDLE_BYTES, VerificationResult, verify_bundle
from sync.reasons import Reason, messages


def write_bundle_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; refuses to replace an existing file.

    A bundle name carries its sequence number; silently replacing a bundle that may
    already have been sent would make the receiver see two different files with one
    number (a ``replay``). The existence check and the rename are not one atomic step;
    that is acceptable for a single-user desktop program writing its own export folder.
    On any failure the temporary file is removed and the exception propagates.
    """
    final = Path(path)
    if os.path.lexists(final):
        raise FileExistsError(f"{final} already exists; bundles are never overwritten")
    temporary = final.with_name(f".{final.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never write through a file or link someone placed under the temporary name.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, final)
    except BaseException:
        _remove_quietly(temporary)
        raise
    _fsync_directory(final.parent)


def read_back_verify(
    path: str | os.PathLike[str],
    expected: bytes,
    *,
    pinned_signers: Mapping[str, bytes],
    max_size: int = DEFAULT_MAX_BUNDLE_BYTES,
) -> VerificationResult:
    """Re-read a just-written bundle, compare it with ``expected``, then verify it.

    The writer cannot decrypt its own bundle (it is sealed to the recipient), so the
    verification covers framing, signature, manifest and payload hash. A difference
    in the bytes read back gives ``readback_mismatch``.
    """
    with open(path, "rb") as handle:
        _drop_cached_pages(handle.fileno())
        data = handle.read(max_size + 1)
    if data != expected:
        return VerificationResult(False, Reason.READBACK_MISMATCH, *messages(Reason.READBACK_MISMATCH))
    return verify_bundle(data, pinned_signers=pinned_signers, recipient_private=None, max_size=max_size)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_directory(folder: Path) -> None:
    """Make the rename durable; Windows has no directory handles to fsync (NTFS journals it)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_cached_pages(fd: int) -> None:
    """Ask the OS to forget cached pages so the read-back comes from the device (Linux)."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
