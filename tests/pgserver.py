"""A throwaway PostgreSQL server for the tests: Debian's ``initdb`` and ``pg_ctl`` on a
temporary folder and a free port of 127.0.0.1, stopped and removed at the end.

As root, the server runs as the ``postgres`` user (PostgreSQL refuses to run as
root), through ``runuser``; its unix socket stays inside the temporary folder. The
cluster's superuser (``postgres``) only sets things up and tampers where a test says
so; casekit itself runs as ``casekit_owner``, a role that may create databases and
roles but is no superuser, as the owner of a network store would be. Each test gets
a fresh database (:meth:`PgServer.database`), dropped afterwards together with the
login roles the test granted.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

INSTALL = "apt-get install postgresql"
OWNER = "casekit_owner"
_names = itertools.count(1)


class NotInstalled(RuntimeError):
    """PostgreSQL's server programs are not on this machine."""


def server_programs() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest, else the PATH's."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise NotInstalled(
        f"PostgreSQL's server is not installed (no initdb): `{INSTALL}` "
        "(as root; .ci/run does it)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgServer:
    """One running server; :meth:`start` it, :meth:`stop` it."""

    running: PgServer | None = None  # the one started last, for the helpers below

    def __init__(self) -> None:
        self.bin = server_programs()
        self.folder = Path(tempfile.mkdtemp(prefix="casekit-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.superuser_password = secrets.token_urlsafe(12)
        self.owner_password = secrets.token_urlsafe(12)
        self._as = []
        if os.geteuid() == 0:
            # PostgreSQL will not run as root: the folder and the server are postgres's.
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise NotInstalled(
                    f"no `postgres` user to run the server as: `{INSTALL}`"
                ) from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
            self._owner_ids = (account.pw_uid, account.pw_gid)
        else:
            self._owner_ids = None

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self._as, *command], capture_output=True, text=True, cwd=self.folder
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:2])} failed: {result.stderr or result.stdout}"
            )

    def start(self) -> PgServer:
        secret = self.folder / "superuser-password"
        secret.write_text(self.superuser_password)
        if self._owner_ids:
            os.chown(secret, *self._owner_ids)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            f"--pwfile={secret}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        )
        secret.unlink()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-c unix_socket_directories={self.folder}",
                # A throwaway server: nothing needs to survive a crash of the machine.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
        )
        with self.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE PASSWORD {}").format(
                    sql.Identifier(OWNER), sql.Literal(self.owner_password)
                )
            )
        PgServer.running = self
        return self

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run(
                str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast"
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str, user: str = OWNER, password: str | None = None) -> str:
        """A casekit (SQLAlchemy) URL of ``database`` as ``user``."""
        if password is None:
            password = self.owner_password if user == OWNER else ""
        return (
            f"postgresql+psycopg://{user}:{password}@127.0.0.1:{self.port}/{database}"
        )

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        """A connection as the cluster's superuser, in autocommit mode."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            password=self.superuser_password,
            dbname=database,
            autocommit=True,
        )

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database owned by ``casekit_owner``: its owner's URL.
        Dropped afterwards, with every login role created meanwhile."""
        name = f"casekit_test_{os.getpid()}_{next(_names)}"
        with self.admin() as conn:
            roles_before = _roles(conn)
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(OWNER)
                )
            )
        try:
            yield self.url(name)
        finally:
            with self.admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(name)
                    )
                )
                roles = _roles(conn)
                for role in sorted(roles - roles_before):
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _roles(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT rolname FROM pg_roles")}


def superuser_sql(url: str, *statements: str, guards: bool = True) -> list:
    """Run ``statements`` on the database of ``url`` as the cluster's superuser (who
    is not held by row-level security), as someone with the server's keys would;
    without ``guards`` the triggers do not fire either (``session_replication_role``).
    Returns the last statement's rows (empty when it returns none)."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = PgServer.running
    rows = []
    with server.admin(target.database) as conn:
        if not guards:
            conn.execute("SET session_replication_role = replica")
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
    return rows


def login_sql(url: str, *statements: str) -> list:
    """Run ``statements`` as the login of ``url`` (a casekit URL), in one
    transaction; returns the last statement's rows."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    with psycopg.connect(
        host=target.host,
        port=target.port,
        user=target.username,
        password=target.password,
        dbname=target.database,
    ) as conn:
        rows = []
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows
