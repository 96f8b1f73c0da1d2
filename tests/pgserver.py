"""A throwaway PostgreSQL cluster for the office tests (issue 16): the Debian ``postgresql``
package's binaries, ``initdb`` + ``pg_ctl`` as the current (unprivileged) user, listening only on
a Unix socket in a temporary folder; each test gets a fresh database in it.

``.ci/run`` installs the package when the binaries are missing; here a missing server is a
failure that says so, never a silent skip (the office suite must run on both backends)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def bindir() -> Path | None:
    """The newest installed server's bin folder (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name or 0))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


_NAMES = itertools.count(1)


@dataclass
class Server:  # one per test process
    root: Path
    socket_dir: Path
    bindir: Path
    as_user: list[str]

    def admin(self):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), dbname="postgres", user=self.user, autocommit=True)

    @property
    def user(self) -> str:
        return "huzhu"

    def new_database(self) -> str:
        name = f"t{os.getpid()}_{next(_NAMES)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql:///{name}?host={self.socket_dir}&user={self.user}"

    def drop_database(self, url: str) -> None:
        name = url.split("///", 1)[1].split("?", 1)[0]
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    """initdb + pg_ctl start; raises RuntimeError with what to do when it cannot."""
    bins = bindir()
    if bins is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql "
            "(.ci/run does it)"
        )
    # Short path: a Unix socket path must stay under ~100 bytes.
    root = Path(tempfile.mkdtemp(prefix="hzpg", dir="/tmp"))
    data, sock = root / "data", root / "s"
    sock.mkdir()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    as_user = _unprivileged(root)
    subprocess.run(
        [*as_user, str(bins / "initdb"), "-D", str(data), "-U", "huzhu", "-A", "trust", "-E", "UTF8", "--no-sync"],
        env=env,
        capture_output=True,
        check=True,
    )
    opts = (
        f"-c listen_addresses='' -c unix_socket_directories='{sock}' -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB"
    )
    done = subprocess.run(
        [
            *as_user,
            str(bins / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-2000:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {log}")
    return Server(root, sock, bins, as_user)


def _unprivileged(root: Path) -> list[str]:
    """PostgreSQL refuses to run as root: under root (a CI container) the server runs as the
    package's ``postgres`` user, which then owns the temporary folder; otherwise as ourselves."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root and there is no 'postgres' user to run the server as") from None
    for path in (root, root / "s"):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups", "--"]
