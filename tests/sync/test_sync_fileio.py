"""Atomic bundle writing and read-back verification."""

from __future__ import annotations

import os

import pytest
from sync_testkit import make_bundle

import sync.fileio
from sync import Reason, read_back_verify, write_bundle_atomic


def test_write_then_read_back(tmp_path, parties):
    data = make_bundle(parties)
    target = tmp_path / "004-202610-0001.hzb"
    write_bundle_atomic(target, data)
    assert target.read_bytes() == data
    assert os.listdir(tmp_path) == [target.name]
    result = read_back_verify(target, data, pinned_signers=parties.pinned)
    assert result.ok and result.files is None


def test_never_overwrites_an_existing_bundle(tmp_path, parties):
    target = tmp_path / "b.hzb"
    target.write_bytes(b"already sent")
    with pytest.raises(FileExistsError):
        write_bundle_atomic(target, make_bundle(parties))
    assert target.read_bytes() == b"already sent"
    assert os.listdir(tmp_path) == ["b.hzb"]


def test_failure_midway_leaves_no_file_under_the_final_name(tmp_path, parties, monkeypatch):
    seen_partial: list[int] = []

    def writer_that_fails(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        seen_partial.append(os.fstat(fd).st_size)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sync.fileio, "_write_all", writer_that_fails)
    target = tmp_path / "b.hzb"
    with pytest.raises(OSError, match="No space"):
        write_bundle_atomic(target, make_bundle(parties))
    assert seen_partial and seen_partial[0] > 0
    assert not target.exists()
    assert os.listdir(tmp_path) == []  # the temporary file is gone too


def test_failure_at_fsync_leaves_no_file(tmp_path, parties, monkeypatch):
    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sync.fileio.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        write_bundle_atomic(tmp_path / "b.hzb", make_bundle(parties))
    assert os.listdir(tmp_path) == []


def test_read_back_detects_a_changed_file(tmp_path, parties):
    data = make_bundle(parties)
    target = tmp_path / "b.hzb"
    write_bundle_atomic(target, data)
    target.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    result = read_back_verify(target, data, pinned_signers=parties.pinned)
    assert not result.ok and result.code == Reason.READBACK_MISMATCH


def test_read_back_still_verifies_the_signature(tmp_path, parties):
    data = make_bundle(parties)
    target = tmp_path / "b.hzb"
    write_bundle_atomic(target, data)
    result = read_back_verify(target, data, pinned_signers={"004": b"\x02" * 32})
    assert result.code == Reason.SIGNER_MISMATCH
