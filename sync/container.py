"""The payload container: a deterministic, length-prefixed list of (path, bytes).

Why not tar or zip: their readers follow symlinks, honour absolute paths, carry
permissions and timestamps, and accept several encodings of the same archive. This
container has one entry type (a regular file held in memory), one byte form for a
given set of files, and a reader that refuses anything it did not expect.

Layout (all integers unsigned big-endian)::

    "HZC1"                       4 bytes
    count                        uint32
    count times:
        path length              uint16 (1..MAX_PATH_BYTES)
        path                     UTF-8
        data length              uint64
        data                     bytes

Entries appear in strictly increasing order of their UTF-8 path bytes (so there are
no duplicates) and the last entry ends exactly at the end of the container.
"""

from __future__ import annotations

import re
import struct

CONTAINER_MAGIC = b"HZC1"
MAX_PATH_BYTES = 200
MAX_FILES = 4096

# One path segment: ASCII letters, digits, '.', '_' and '-', not starting with '.'
# (no hidden files, no '.' or '..') and not ending with '.' (Windows strips it).
# Allowing only ASCII keeps Chinese names out of paths by construction; the
# manifest that lists paths is not encrypted.
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_-](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?")
_WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)


class ContainerError(ValueError):
    """The decrypted container does not follow the layout above."""


def path_problem(path: object) -> str | None:
    """Explain why ``path`` may not name a payload file, or return None if it may.

    Refuses, among others: empty paths, absolute paths, drive letters (``C:``),
    backslashes, NUL and other control characters, empty segments (``a//b``,
    trailing ``/``), ``.`` and ``..``, hidden names and Windows device names.
    """
    if not isinstance(path, str) or not path:
        return "empty or not text"
    if len(path) > MAX_PATH_BYTES:  # characters == bytes, as only ASCII passes below
        return f"longer than {MAX_PATH_BYTES} bytes"
    if path.startswith("/"):
        return "absolute path"
    if "\\" in path:
        return "backslash"
    if ":" in path:
        return "drive letter or colon"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return "control character"
    for segment in path.split("/"):
        if not segment:
            return "empty segment"
        if segment in (".", ".."):
            return "dot segment"
        if not _SEGMENT_RE.fullmatch(segment):
            return "characters outside A-Z a-z 0-9 . _ - or leading/trailing dot"
        if segment.split(".", 1)[0].lower() in _WINDOWS_DEVICE_NAMES:
            return "Windows device name"
    return None


def pack_files(files: dict[str, bytes]) -> bytes:
    """Pack files into the container; the caller has already checked every path."""
    parts = [CONTAINER_MAGIC, struct.pack(">I", len(files))]
    for path in sorted(files, key=lambda p: p.encode("utf-8")):
        encoded = path.encode("utf-8")
        data = files[path]
        parts += [struct.pack(">H", len(encoded)), encoded, struct.pack(">Q", len(data)), data]
    return b"".join(parts)


def unpack_files(blob: bytes) -> dict[str, bytes]:
    """Parse a container strictly; raises ContainerError on any deviation from the layout."""
    view = memoryview(blob)
    if len(view) < 8 or view[:4] != CONTAINER_MAGIC:
        raise ContainerError("bad container magic")
    (count,) = struct.unpack_from(">I", view, 4)
    if count > MAX_FILES:
        raise ContainerError(f"more than {MAX_FILES} entries")
    offset = 8
    files: dict[str, bytes] = {}
    previous: bytes | None = None
    for index in range(count):
        if len(view) - offset < 2:
            raise ContainerError(f"entry {index}: truncated path length")
        (path_len,) = struct.unpack_from(">H", view, offset)
        offset += 2
        if not 1 <= path_len <= MAX_PATH_BYTES or len(view) - offset < path_len + 8:
            raise ContainerError(f"entry {index}: bad or truncated path")
        encoded = bytes(view[offset : offset + path_len])
        offset += path_len
        if previous is not None and encoded <= previous:
            raise ContainerError(f"entry {index}: out of order or duplicate")
        try:
            path = encoded.decode("utf-8")
        except UnicodeDecodeError:
            raise ContainerError(f"entry {index}: path is not UTF-8") from None
        (data_len,) = struct.unpack_from(">Q", view, offset)
        offset += 8
        if data_len > len(view) - offset:
            raise ContainerError(f"entry {index}: truncated data")
        files[path] = bytes(view[offset : offset + data_len])
        offset += data_len
        previous = encoded
    if offset != len(view):
        raise ContainerError("trailing bytes after the last entry")
    return files
