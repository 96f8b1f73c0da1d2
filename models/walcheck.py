"""Is the ``-wal`` file left beside a database whole, before anything is allowed to checkpoint it?

SQLite reads a WAL up to its first frame whose checksum fails and ignores everything after
it. A checkpoint then copies only that prefix into the database and truncates the WAL: the
frames after a flipped bit, still recoverable by hand, are gone for good (seen: ``huzhu
check`` on a damaged ``-wal`` did exactly that). So at unlock a non-empty WAL is read here
(the WAL header and frame headers are plain even under SQLCipher; the checksums cover the
encrypted pages) and called *damaged* when a frame of the current generation (same salts)
fails its checksum and another frame of that generation follows it, or the header itself is
broken while frames follow. Frames of an older generation after the valid ones are normal
(SQLite restarts the WAL from the top without truncating it), and so is a torn last frame.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

_MAGIC = (0x377F0682, 0x377F0683)
_HEADER = struct.Struct(">IIIIIIII")
_FRAME = struct.Struct(">IIIIII")


@dataclass(frozen=True)
class WalState:
    damaged: bool
    valid_frames: int
    frames_after_damage: int
    detail: str


def _checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    mask = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & mask
        s1 = (s1 + words[i + 1] + s0) & mask
    return s0, s1


def inspect(wal: str | os.PathLike) -> WalState | None:
    """None when there is no WAL or it is empty; otherwise what its frames say."""
    path = Path(wal)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with open(path, "rb") as fh:
        header = fh.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return WalState(False, 0, 0, "short header")
        magic, _version, page_size, _seq, salt1, salt2, c1, c2 = _HEADER.unpack(header)
        valid_page = 512 <= page_size <= 65536 and page_size & (page_size - 1) == 0
        big = magic == _MAGIC[1]
        frame_size = _FRAME.size + (page_size if valid_page else 0)
        if magic not in _MAGIC or not valid_page or _checksum(header[:24], 0, 0, big) != (c1, c2):
            frames = (size - _HEADER.size) // frame_size if valid_page else 0
            return WalState(frames > 0, 0, frames, "WAL header damaged")
        s0, s1 = c1, c2
        valid = after = 0
        broken = False
        while True:
            head = fh.read(_FRAME.size)
            page = fh.read(page_size)
            if len(head) < _FRAME.size or len(page) < page_size:
                break  # a torn last frame: SQLite ignores it, and so may we
            _pgno, _commit, f_salt1, f_salt2, f_c1, f_c2 = _FRAME.unpack(head)
            same_generation = (f_salt1, f_salt2) == (salt1, salt2)
            if broken:
                after += same_generation
                continue
            if not same_generation:
                broken = True  # the end of this generation; older frames may follow
                continue
            n0, n1 = _checksum(head[:8], s0, s1, big)
            n0, n1 = _checksum(page, n0, n1, big)
            if (n0, n1) != (f_c1, f_c2):
                broken = True
                continue
            s0, s1 = n0, n1
            valid += 1
    if after:
        return WalState(True, valid, after, f"frame {valid + 1} fails its checksum; {after} later frames would be lost")
    return WalState(False, valid, 0, "ok")
