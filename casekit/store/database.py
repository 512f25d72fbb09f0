"""Opening a database: URLs, the SQLite file and its settings, errors in plain words.

SQLite runs in WAL mode with a busy timeout, foreign keys on, and ``BEGIN IMMEDIATE``
for writes, so two notebooks (or a notebook and an import) writing at once both
succeed. A new SQLite file is created readable by its owner alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from ..errors import StoreError

DEFAULT_DB = Path("data") / "casekit.db"
# How long to wait for a PostgreSQL server that does not answer (libpq: forever).
CONNECT_TIMEOUT_S = 10


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """A SQLAlchemy URL from ``--db`` (a path or a URL), else ``CASEKIT_DB``, else
    ``data/casekit.db``."""
    db = db or os.environ.get("CASEKIT_DB") or DEFAULT_DB
    text = str(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database (or an in-memory one)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(url, "is neither a file path nor a database URL") from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (
        None,
        "",
        ":memory:",
    ):
        return None
    database = parsed.database
    if parsed.query.get("uri") in ("true", "1"):
        # A URI filename (`file:/path?mode=ro`) names the same file as its path.
        database = database.removeprefix("file:")
    return Path(database)


def casekit_command(db: str | os.PathLike | None, *words: str) -> str:
    """A casekit command to print as advice, on the store ``db`` as it was named
    (None: the default store, which the same command finds without ``--db``);
    quoted for a shell, a password never shown."""
    named = () if db is None else ("--db", display_url(os.fspath(db)))
    return shlex.join(("casekit", *words, *named))


def display_url(url: str) -> str:
    """The URL as it may be printed: a password never reaches a terminal or a log."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def prepare_sqlite_file(path: Path, create: bool) -> None:
    """Make sure the SQLite file exists (owner-only) or say how to create it; a
    file that exists must be a casekit store already (:func:`not_a_store`)."""
    if path.exists():
        problem = not_a_store(path)
        if problem:
            raise StoreError(str(path), problem)
        return
    if not create:
        raise StoreError(
            str(path),
            f"does not exist; create it with `{casekit_command(path, 'init')}`",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Owner-only from the first byte; SQLite gives its -wal/-shm files the same.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(str(path), f"cannot be created ({exc.strerror})") from None


def not_a_store(path: Path) -> str | None:
    """Why an existing file is not a casekit store, or None when it is one.

    Opening it would make it one, tables and all: an empty file would become a
    store readable by everyone (as ``touch`` made it), another program's SQLite
    database would be mixed with health data, and ``casekit check``, which only
    reads, would write. Only ``casekit init`` makes a store of an empty file
    (:func:`replace_empty_file`). A casekit store always has ``casekit_meta``.
    """
    if path.is_dir():
        return "is a folder; give the store's file (such as data/casekit.db)"
    try:
        tables = _tables(path)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return "is not a casekit store (not a SQLite database)"
        return None  # locked or unreadable: opening the store says so, plainly
    if "casekit_meta" in tables:
        return None
    if tables:
        return (
            "is a SQLite database of another program, not a casekit store; give "
            "a store's file, or a new file name to `casekit init`"
        )
    return (
        "is an empty file, not a casekit store; make it one with "
        f"`{casekit_command(path, 'init')}`"
    )


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


def _tables(path: Path) -> set[str]:
    """The tables of the SQLite file ``path`` (none for an empty file), read
    without writing; ``sqlite3.DatabaseError`` for a file that is no database."""
    uri = read_only_uri(path)  # this look never writes
    # No wait for a lock: a store busy with a writer is opened, and waited for, as
    # ever; only a look at its list of tables is skipped.
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=0)) as conn:
        return {row[0] for row in conn.execute(_TABLES)}


def replace_empty_file(path: Path) -> bool:
    """For ``casekit init``: an empty file where the store goes is removed, so that
    the store is made new in its place, owner-only (``touch`` made it readable by
    everyone); so is a SQLite file without a table (the header an ``init`` stopped
    by a broken ``dictionary.local.yaml`` once left), which holds nothing either.
    Whether there was one."""
    if not path.is_file():
        return False
    try:
        if _tables(path):
            return False
    except sqlite3.DatabaseError:
        return False  # not a database, or busy: not ours to remove
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return True


def make_engine(url: str, timeout: float, *, read_only: bool = False) -> sa.Engine:
    """An engine for ``url``; for SQLite, with the settings above. ``read_only``:
    its connections cannot write (:mod:`casekit.store.reading`)."""
    try:
        path = sqlite_path(url)
        if path is None:
            backend = sa.engine.make_url(url).get_backend_name()
            # A server that does not answer is said so after a while, not never.
            waits = (
                {"connect_timeout": CONNECT_TIMEOUT_S}
                if backend == "postgresql"
                else {}
            )
            if read_only and backend == "postgresql":
                waits["options"] = READ_ONLY_OPTIONS
            return sa.create_engine(url, connect_args=waits)
        opened = {"connect_args": {"timeout": timeout}}
        if read_only:  # SQLAlchemy's URL would not pass SQLite's own URI on
            uri = read_only_uri(path)
            opened["creator"] = lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False
            )
        engine = sa.create_engine(url, **opened)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        hint = (
            "; for PostgreSQL install it with `pip install 'casekit[postgres]'`"
            if "postgres" in url
            else ""
        )
        raise StoreError(
            display_url(url), f"is not a database URL casekit can open ({exc}){hint}"
        ) from None
    busy_ms = int(timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        with contextlib.suppress(Exception):  # a read-only file keeps its mode
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A writer takes the write lock up front: a deferred transaction that
        # upgrades later fails at once, without waiting, when another wrote first.
        writes = conn.get_execution_options().get("casekit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


# A PostgreSQL session opened to read only: each of its transactions is read-only.
READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"


def read_only_uri(path: Path) -> str:
    """The SQLite URI that reads the file at ``path`` and never writes it, whatever
    runs (``mode=ro``). A store in WAL mode needs its ``-shm`` file beside it: in a
    folder where none is and none can be made, the store is read as it lies
    (``immutable=1``, no locks) only where nobody can write it either: a read-only
    medium, or a file without a write bit for anyone. A folder this reader cannot
    write proves nothing of its owner, whose writes an immutable read would miss
    or read half-made (SQLite's documentation: wrong answers or "corrupt"); nor
    does a ``-wal`` file beside it, whose rows an immutable read would leave
    unread."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    beside = [Path(f"{path}{suffix}").exists() for suffix in ("-shm", "-wal")]
    if not any(beside) and not os.access(path.parent, os.W_OK) and _unwritable(path):
        uri += "&immutable=1"
    return uri


def _unwritable(path: Path) -> bool:
    """Whether no one can write the file at ``path``: on a read-only mount, or
    without a write bit for its owner, group or others."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
        return not path.stat().st_mode & 0o222
    except OSError:
        return False


@contextlib.contextmanager
def translate_errors(where: str, timeout: float) -> Iterator[None]:
    """Database errors as one clear ``StoreError`` line each (``where`` never holds
    a password: see :func:`display_url`)."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        text = str(exc.orig).lower()
        problem = (
            server_problem(text)
            or file_problem(text, timeout)
            or " ".join(str(exc.orig).split())  # one line, always
        )
        raise StoreError(where, problem) from None


def file_problem(text: str, timeout: float) -> str | None:
    """A SQLite error (lower case) in plain words, or None."""
    if "locked" in text or "busy" in text:
        return (
            f"is locked by another program (still busy after {timeout:g} s); "
            "close it and try again"
        )
    if "readonly" in text or "read-only" in text:
        return "is read-only: check the file's and its folder's permissions"
    if "unable to open" in text:
        return "cannot be opened: check the path and its permissions"
    if "not a database" in text:
        return "is not a casekit store (not a SQLite database)"
    return None


def server_problem(text: str) -> str | None:
    """A database server's error (lower case) in plain words, or None when it is
    not one of those a person meets: a wrong password, a server that is down, a
    role without rights, a write that row-level security refuses."""
    if "password authentication failed" in text or "no password supplied" in text:
        return "the server refused the login: wrong user name or password"
    if re.search(r'role "[^"]*" does not exist', text):
        return "the server refused the login: no such user (database role)"
    if re.search(r'database "[^"]*" does not exist', text):
        return "the server has no such database; its owner creates it (createdb)"
    if any(
        words in text
        for words in (
            "connection refused",
            "could not connect",
            "timeout expired",
            "could not translate host name",
            "server closed the connection",
        )
    ):
        return "cannot reach the database server: is it running, at that host and port?"
    if "row-level security" in text:
        return (
            "the server refused the write: this role writes only rows of its own "
            "site (row-level security)"
        )
    if "permission denied" in text:
        denied = re.search(r"permission denied for (\w+ [\w.\"]+)", text)
        what = f" ({denied[0]})" if denied else ""
        return (
            f"this database role has no right to do that{what}; ask the store's owner"
        )
    if "merges_pkey" in text:
        # A source merged before by a role that cannot see that merge: another
        # site's. Merged again it would count the same patients twice, so it is
        # refused; but whose merge it was, and when, is that site's business.
        return (
            "this store cannot be merged here: the network holds it already (a "
            "store is merged once); nothing was merged"
        )
    if "append-only" in text or "the audit's actor" in text:
        return next(line for line in text.splitlines() if line.strip()).strip()
    return None
