"""Item 8: the enrolment importer (random bytes, mutated valid CSV and XLSX) and the bundle
verifier (random mutations of a valid bundle) never raise a traceback, never write
partially, and always give a reason. Examples per test: ``HUZHU_FUZZ_EXAMPLES`` (default 120)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import clock
from models.db import database
from models.enrolments import COLUMNS, import_enrolments
from models.errors import HuzhuError
from rules.idcard import id_check_char

EXAMPLES = int(os.environ.get("HUZHU_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
TODAY = dt.date(2026, 11, 23)


def _rows() -> list[list[str]]:
    out = []
    for i in range(1, 6):
        body = f"11010519800101{i:03d}"
        out.append(
            [
                "U0001",
                "朝阳某公司工会",
                "ZYYL",
                "2026-01-01",
                "2026-12-31",
                "2025-12-20",
                f"会员{i}",
                body + id_check_char(body),
                "2",
                "",
                "",
            ]
        )
    return out


def valid_csv() -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(_rows())
    return buf.getvalue().encode("utf-8")


def valid_xlsx(rows: list[list[str]] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for r in rows if rows is not None else _rows():
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_byte_mutation = st.one_of(
    st.tuples(st.just("xor"), st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("insert"), st.integers(min_value=0), st.binary(min_size=1, max_size=30)),
    st.tuples(st.just("delete"), st.integers(min_value=0), st.integers(min_value=1, max_value=60)),
    st.tuples(st.just("truncate"), st.integers(min_value=0), st.just(0)),
)


def mutate(data: bytes, mutations) -> bytes:
    for op, pos, arg in mutations:
        i = pos % (len(data) + 1)
        if op == "xor" and data:
            i = min(i, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ arg]) + data[i + 1 :]
        elif op == "insert":
            data = data[:i] + arg + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + arg :]
        elif op == "truncate":
            data = data[:i]
    return data


_cell_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "2026-02-30",
            "0",
            "-1",
            "99999999999",
            "ZJB",
            "YWSH",
            "XXXX",
            "2027-01-01",
            "1949-10-01",
            "11010519800101001X",
            "=1+1",
            "\u200b",
            "2026/01/01",
            "一",
        ]
    ),
)


def _state() -> tuple:
    q = lambda sql: database.execute_sql(sql).fetchone()[0]  # noqa: E731
    return tuple(
        q(f"SELECT count(*) FROM {t}") for t in ("audit_event", "import_batch", "member", "unit", "policy", "coverage")
    )


def _import_once(tmp_path: Path, data: bytes, suffix: str) -> None:
    """Run the importer on ``data``: a result or a HuzhuError with a message, never anything else;
    either nothing is written or the whole file is (one batch, one audit event)."""
    f = tmp_path / f"fuzz{suffix}"
    f.write_bytes(data)
    before = _state()
    try:
        result = import_enrolments(f, today=TODAY)
    except HuzhuError as exc:
        assert exc.message_zh.strip() and exc.message_en.strip()
        assert _state() == before, "a refused file wrote something"
        assert not database.in_transaction()
        return
    after = _state()
    assert not database.in_transaction()
    if result.written:
        assert not result.errors
        assert after[0] == before[0] + 1 and after[1] == before[1] + 1, (before, after)
        assert after[2] - before[2] == result.new_members and after[5] - before[5] == result.new_lines
    else:
        assert after == before, "a file not written changed the database"
        for problem in result.errors:
            assert problem.reason.strip() and problem.line >= 1
        if not result.errors and result.already_imported_at is None:
            # nothing to do: every row already held as it is, or a file without rows
            assert result.rows >= 0


@pytest.fixture
def importing(session, tmp_path):
    clock.freeze(TODAY)
    return tmp_path


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_importer_random_bytes(importing, data, suffix):
    _import_once(importing, data, suffix)


@FUZZ
@given(
    mutations=st.lists(_byte_mutation, min_size=1, max_size=4),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_importer_mutated_csv_bytes(importing, mutations, encoding):
    text = valid_csv().decode("utf-8")
    _import_once(importing, mutate(text.encode(encoding), mutations), ".csv")


@FUZZ
@given(
    changes=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 12), _cell_text), min_size=1, max_size=6),
    as_xlsx=st.booleans(),
)
def test_importer_mutated_cells(importing, changes, as_xlsx):
    rows = [COLUMNS[:]] + _rows()
    for r, c, value in changes:
        row = rows[r]
        while len(row) <= c:
            row.append("")
        row[c] = value
    if as_xlsx:
        from openpyxl.utils.exceptions import IllegalCharacterError

        try:
            data = valid_xlsx(rows[1:]) if rows[0] == COLUMNS else None
        except IllegalCharacterError:
            return
        if data is None:
            return _import_once(importing, _csv_bytes(rows), ".csv")
        _import_once(importing, data, ".xlsx")
    else:
        _import_once(importing, _csv_bytes(rows), ".csv")


def _csv_bytes(rows) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


_XLSX = None


@FUZZ
@given(mutations=st.lists(_byte_mutation, min_size=1, max_size=3))
def test_importer_mutated_xlsx_bytes(importing, mutations):
    global _XLSX
    _XLSX = _XLSX or valid_xlsx()
    _import_once(importing, mutate(_XLSX, mutations), ".xlsx")


# --- the bundle verifier ----------------------------------------------------------------------

_BUNDLE = {}


def _bundle():
    if not _BUNDLE:
        from sync import build_bundle, canonical_dumps, generate_exchange_keypair, generate_signing_keypair

        signer, recipient = generate_signing_keypair(), generate_exchange_keypair()
        data = build_bundle(
            kind="branch_monthly",
            branch_code="004",
            period="2026-10",
            sequence=3,
            prev_sha256="cd" * 32,
            created="2026-11-02T01:30:00Z",
            program_version="0.1.0",
            audit_head="ab" * 32,
            files={"figures.json": canonical_dumps({"claims": 3, "fee_fen": 100}), "notes.txt": "张三 李四".encode()},
            signer_private=signer.private,
            recipient_public=recipient.public,
        )
        _BUNDLE.update(data=data, pinned={"004": signer.public}, private=recipient.private)
    return _BUNDLE


@FUZZ
@given(mutations=st.lists(_byte_mutation, min_size=1, max_size=4))
def test_bundle_verifier_random_mutations(mutations):
    from sync import Reason, verify_bundle

    b = _bundle()
    data = mutate(b["data"], mutations)
    result = verify_bundle(data, pinned_signers=b["pinned"], recipient_private=b["private"])
    assert isinstance(result.code, Reason) and result.message_zh.strip() and result.message_en.strip()
    if data == b["data"]:
        assert result.ok
    else:
        assert not result.ok and result.files is None and result.code != Reason.OK
