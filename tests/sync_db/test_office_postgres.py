"""What is particular to an office database on PostgreSQL (issue 16): the URL and its TLS rule,
the CLI end to end on a server, and that the server never holds a private key in clear.
(Every other office test runs on both backends through the ``world`` fixture.)"""

from __future__ import annotations

import json

import pytest
from syncdb_kit import PASSPHRASE, export, make_world

from models import db as dbmod
from models import pgdb
from models.errors import HuzhuError, UsageError
from tests.cli_kit import huzhu as run


def test_url_rules_password_refused_and_remote_needs_verify_full():
    with pytest.raises(UsageError) as err:
        pgdb.connect_params("postgresql://huzhu:secret@db.example/office")
    assert "PGPASSWORD" in err.value.message_en and "secret" not in str(err.value)
    assert pgdb.connect_params("postgresql://huzhu@db.example/office")["sslmode"] == "verify-full"
    with pytest.raises(UsageError):
        pgdb.connect_params("postgresql://huzhu@db.example/office?sslmode=require")
    with pytest.raises(UsageError):
        pgdb.connect_params("postgresql://huzhu@db.example/")
    # A Unix socket or the loopback interface may skip TLS.
    assert "sslmode" not in pgdb.connect_params("postgresql:///office?host=/var/run/postgresql")
    assert "sslmode" not in pgdb.connect_params("postgresql://huzhu@localhost/office")
    assert pgdb.display("postgresql://huzhu@db.example:5433/office") == "postgresql://huzhu@db.example:5433/office"


def test_translate_placeholders_outside_quotes_only():
    assert pgdb.translate("SELECT '?', \"a?\" FROM t WHERE x = ? AND y LIKE 'a%'") == (
        "SELECT '?', \"a?\" FROM t WHERE x = %s AND y LIKE 'a%%'"
    )


def test_unreachable_server_is_a_clear_unlock_error(tmp_path):
    url = f"postgresql:///nothing?host={tmp_path}"
    with pytest.raises(HuzhuError) as err:
        dbmod.unlock(url, "chen", PASSPHRASE)
    assert err.value.exit_code == 27 and "无法连接数据库服务器" in err.value.message_zh


def test_private_keys_are_sealed_on_the_server(tmp_path, pg_url):
    world = make_world(tmp_path, pg_url)
    import psycopg

    from sync.keystore import local_keys

    with world.at_office():
        keys = local_keys()
    # What anyone with a login to the server reads: no private key, no database key.
    with psycopg.connect(pg_url) as conn:
        stored = {p: bytes(raw) for p, raw in conn.execute("SELECT purpose, private_raw FROM local_key")}
        slots = conn.execute("SELECT value FROM huzhu_meta WHERE key = 'keyslots'").fetchone()[0]
    assert stored["signing"].startswith(b"hzv1") and keys.signing.private not in stored["signing"]
    assert keys.exchange.private not in stored["exchange"]
    assert keys.signing.private.hex() not in slots and PASSPHRASE not in slots
    # A wrong passphrase opens nothing.
    with pytest.raises(HuzhuError) as err:
        dbmod.unlock(pg_url, "chen", "wrong passphrase here")
    assert err.value.exit_code == 10


def test_cli_init_user_add_import_on_postgresql(tmp_path, pg_server):
    url = pg_server.new_database()
    env = {"HUZHU_DB": url, "HUZHU_USER": "chen", "HUZHU_PASSPHRASE": PASSPHRASE}
    done = run("office", "init", "--name", "北京办事处", env=env)
    assert done.returncode == 0, done.stderr
    assert "已创建办事处数据库" in done.stderr and "Traceback" not in done.stderr
    again = run("office", "init", env=env)
    assert again.returncode == 2 and "已经是 huzhu 数据库" in again.stderr
    added = run("user", "add", "li", "--role", "clerk", env={**env, "HUZHU_NEW_PASSPHRASE": "li's own passphrase"})
    assert added.returncode == 0, added.stderr
    users = json.loads(run("user", "list", "--json", env=env).stdout)
    assert {u["user"]: u["role"] for u in users if u["active"]} == {
        "chen": "supervisor",
        "li": "clerk",
        "recovery": "recovery",
    }
    shown = run(
        "office", "keys", "show", "--json", env={**env, "HUZHU_USER": "li", "HUZHU_PASSPHRASE": "li's own passphrase"}
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["fingerprint"]
    pg_server.drop_database(url)


def test_world_on_postgresql_imports_and_the_chain_verifies(tmp_path, pg_url):
    from models import audit, grants
    from sync.office import import_file

    world = make_world(tmp_path, pg_url)
    path = export(world).path
    with world.at_office() as session:
        assert dbmod.is_pg() and session.role == "supervisor"
        outcome = import_file(path)
        assert outcome.status == "imported", outcome.message_en
        assert audit.verify().ok
        auth = grants.walk(verify_all=True)
        assert auth.root_ok and auth.problems == [] and auth.signed >= 3  # every event signed by its user
    assert not dbmod.is_pg()  # closed: back to the file backend for whatever comes next


def test_same_schema_on_both_backends(tmp_path, pg_url):
    """The migrations build the same tables, columns and indexes on PostgreSQL as in the file."""
    from syncdb_kit import new_office

    def shape(target):
        dbmod.unlock(target, "chen", PASSPHRASE)
        try:
            db = dbmod.database
            tables = [t for t in db.get_tables() if not t.startswith("sqlite_")]
            return {
                t: (
                    sorted(c.name for c in db.get_columns(t)),
                    sorted(
                        i.name
                        for i in db.get_indexes(t)
                        if not i.name.startswith("sqlite_autoindex") and not i.name.endswith("_pkey")
                    ),
                )
                for t in tables
            }
        finally:
            dbmod.close()

    new_office(tmp_path / "office.hzdb")
    new_office(pg_url)
    assert shape(pg_url) == shape(tmp_path / "office.hzdb")
