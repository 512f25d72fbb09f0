"""A consistent, owner-only copy of a SQLite store, taken while others write.

The copy is made with SQLite's online backup API (:meth:`sqlite3.Connection.backup`)
in one step: it reads one snapshot of the store, so a notebook or an import that
writes meanwhile is in the copy either wholly (it committed first) or not at all,
never in part, which a copy of the file (and of its ``-wal`` beside it) cannot
promise. The copy is a single self-contained file (rollback journal, no ``-wal``),
created readable by its owner alone, and its integrity is checked before it is
given its name. A restore is opening the copy (``--db COPY``), or putting it in
place of the store while no casekit runs. The copy carries the store's own copy
of its ``dictionary.local.yaml`` (:mod:`casekit.store.kept`), so its local fields
open with it wherever it lies; the deny list, a list of real names, is not in it.

A PostgreSQL store is backed up with the server's own tools (``pg_dump``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, UsageError
from .database import display_url, resolve_url, sqlite_path
from .schema import TABLE_OF

OWNER_ONLY = 0o600


@dataclass(frozen=True)
class Backup:
    """A copy written: where, and what it holds."""

    path: Path
    cases: int  # case rows in the copy, withdrawn ones included


def backup(db: str | os.PathLike | None, dest: str | os.PathLike) -> Backup:
    """Copy the store ``db`` to ``dest``, consistently, while others may write.

    Parameters
    ----------
    db : str or path, optional
        The store (``CASEKIT_DB`` or ``data/casekit.db`` by default): a SQLite file.
    dest : str or path
        A new file, or a folder: the copy is then ``<store name>-<UTC time>.db``
        in it (a dated name, so that a scheduled backup never overwrites one). A
        ``dest`` ending in a path separator (``backups/``) is a folder, which must
        exist.

    Returns
    -------
    Backup
        The copy's path and how many cases it holds.

    Raises
    ------
    UsageError
        The store is not a SQLite file (a PostgreSQL store: use ``pg_dump``), or
        ``dest`` is a file that exists already, or a folder (``backups/``) that
        does not exist.
    StoreError
        The store cannot be read, or the copy fails its integrity check (nothing
        is left behind then).
    """
    url = resolve_url(db)
    source = sqlite_path(url)
    if source is None:
        raise UsageError(
            f"store {display_url(url)} is not a SQLite file: back up a PostgreSQL "
            "store with the server's own tools, as its owner: `pg_dump "
            "--format=custom --enable-row-security` (row-level security binds the "
            "owner too), restored into a new database with `pg_restore "
            "--enable-row-security`"
        )
    if not source.is_file():
        raise StoreError(str(source), "does not exist; there is nothing to back up")
    target = _target(source, dest)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        _check(partial)
        cases = _cases(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, cases)


def _target(source: Path, given: str | os.PathLike) -> Path:
    dest = Path(given)  # Path drops a trailing separator: the string keeps it
    if dest.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        return dest / f"{source.stem}-{stamp}.db"
    # `backups/` means a folder: a missing one (an unmounted USB disk under a
    # cron line) must not turn into a file of that name that every later
    # backup then trips over.
    if os.fspath(given).endswith(tuple(filter(None, ("/", os.sep, os.altsep)))):
        if dest.exists():
            raise UsageError(f"{dest} is a file, not a folder; give a folder")
        raise UsageError(
            f"no folder {str(dest)!r} for the copy (is its disk mounted?); "
            "nothing written"
        )
    if dest.exists():
        raise UsageError(
            f"{dest} exists already: give a new file name, or a folder (a dated "
            "copy is written in it)"
        )
    if not dest.parent.is_dir():
        raise UsageError(f"no folder {str(dest.parent)!r} for the copy")
    return dest


def _copy(source: Path, partial: Path) -> None:
    """The whole store in one step of the backup API: one snapshot."""
    # Owner-only from its first byte; the backup writes into this empty file.
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as src:
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                src.backup(copy)  # pages=-1: everything at once, one read
                # One self-contained file: no -wal or -shm beside the copy.
                copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.DatabaseError as exc:
        raise StoreError(str(source), f"cannot be copied ({exc})") from None
    partial.chmod(OWNER_ONLY)


def _check(partial: Path) -> None:
    with contextlib.closing(sqlite3.connect(partial)) as copy:
        found = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    if found != ["ok"]:
        raise StoreError(
            str(partial), f"the copy failed its integrity check: {'; '.join(found[:3])}"
        )


def _cases(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as copy:
        try:
            return copy.execute(f"SELECT count(*) FROM {TABLE_OF['case']}").fetchone()[
                0
            ]
        except sqlite3.OperationalError:  # a store never opened by casekit: no table
            return 0
