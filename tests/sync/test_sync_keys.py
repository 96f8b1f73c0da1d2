"""Key generation, fingerprints and the strict key-file parsers."""

from __future__ import annotations

import json
import re

import pytest

from models.crypto import b64e
from sync import (
    BranchRegistration,
    KeyFileError,
    OfficeKeys,
    exchange_public_key,
    fingerprint,
    generate_exchange_keypair,
    generate_signing_keypair,
    parse_branch_registration,
    parse_office_keys,
    signing_public_key,
)


@pytest.fixture(scope="module")
def keys():
    return generate_signing_keypair(), generate_exchange_keypair()


def registration(keys) -> BranchRegistration:
    return BranchRegistration("004", "中国职工保险互助会北京办事处朝阳代办处", keys[0].public, keys[1].public)


def test_key_pairs_are_raw_and_consistent(keys):
    signing, exchange = keys
    assert len(signing.private) == len(signing.public) == 32 == len(exchange.private) == len(exchange.public)
    assert signing_public_key(signing.private) == signing.public
    assert exchange_public_key(exchange.private) == exchange.public
    assert b64e(signing.private) not in repr(signing) and signing.private.hex() not in repr(signing)


def test_fingerprint_is_thirty_digits_stable_and_key_specific(keys):
    signing, exchange = keys
    value = fingerprint(signing.public, exchange.public)
    assert re.fullmatch(r"\d{5}( \d{5}){5}", value)
    assert value == fingerprint(signing.public, exchange.public)
    assert value != fingerprint(generate_signing_keypair().public, exchange.public)
    assert value != fingerprint(signing.public, generate_exchange_keypair().public)


def test_branch_registration_round_trip_holds_no_private_key(keys):
    reg = registration(keys)
    data = reg.to_json_bytes()
    assert parse_branch_registration(data) == reg
    assert "朝阳代办处" in data.decode("utf-8")
    for private in (keys[0].private, keys[1].private):
        assert b64e(private).encode() not in data and private.hex().encode() not in data


def test_office_keys_round_trip_holds_no_private_key(keys):
    office = OfficeKeys(keys[0].public, keys[1].public)
    data = office.to_json_bytes()
    assert parse_office_keys(data) == office
    assert json.loads(data)["fingerprint"] == office.fingerprint
    for private in (keys[0].private, keys[1].private):
        assert b64e(private).encode() not in data


def _edited(keys, **changes) -> bytes:
    obj = json.loads(registration(keys).to_json_bytes())
    obj.update(changes)
    return json.dumps({k: v for k, v in obj.items() if v is not None}, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda k: b"\xef\xbb\xbf" + registration(k).to_json_bytes(), "byte-order mark"),
        (lambda k: b"{not json", "strict JSON"),
        (lambda k: registration(k).to_json_bytes().replace(b"{", b'{"version": 1,', 1), "duplicate"),
        (lambda k: b"[]", "object"),
        (lambda k: _edited(k, format="huzhu-office-keys"), "format"),
        (lambda k: _edited(k, version=2), "version"),
        (lambda k: _edited(k, private_key="AAAA"), "unexpected"),
        (lambda k: _edited(k, branch_name=None), "missing"),
        (lambda k: _edited(k, branch_code="4"), "three digits"),
        (lambda k: _edited(k, branch_name=""), "branch_name"),
        (lambda k: _edited(k, ed25519_public="not base64!"), "ed25519_public"),
        (lambda k: _edited(k, x25519_public=b64e(b"short")), "x25519_public"),
        (lambda k: _edited(k, fingerprint="00000 00000 00000 00000 00000 00000"), "Fingerprint"),
        (lambda k: _edited(k, ed25519_public=b64e(generate_signing_keypair().public)), "Fingerprint"),
        (lambda k: b" " * 20000, "too large"),
    ],
)
def test_registration_parser_gives_clear_errors(keys, make, expected):
    with pytest.raises(KeyFileError) as caught:
        parse_branch_registration(make(keys))
    assert expected in caught.value.message_en
    assert caught.value.message_zh


def test_office_parser_refuses_a_registration_file(keys):
    with pytest.raises(KeyFileError, match="format"):
        parse_office_keys(registration(keys).to_json_bytes())
