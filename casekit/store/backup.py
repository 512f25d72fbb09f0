"""A consistent, owner-only copy of a SQLite store, taken while others write.

The copy is made with SQLite's online backup API (:meth:`sqlite3.Connection.backup`)
in one step: it reads one snapshot of the store, so a notebook or an import that
writes meanwhile is in the copy either wholly (it committed first) or not at all,
never in part, which a copy of the file (and of its ``-wal`` beside it) cannot
promise. The copy is a single self-contained file (rollback journal, no ``-wal``),
created readable by its owner alone, and its integrity is checked before it is
given its name, which no file may hold already: backups running at once (two
stores of one file name into one folder, under two cron lines) each write their
own partial file and each end with a copy of their own, never another's. A
restore is opening the copy (``--db COPY``), or putting it in place of the store
while no casekit runs. The copy carries the store's own copy of its
``dictionary.local.yaml`` (:mod:`casekit.store.kept`), so its local fields open
with it wherever it lies; the deny list, a list of real names, is not in it.

A PostgreSQL store is backed up with the server's own tools (``pg_dump``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError, UsageError
from .database import display_url, resolve_url, sqlite_path
from .schema import TABLE_OF

OWNER_ONLY = 0o600
# Dated copies of one store name in one second, -2 to -1000: more is a loop gone
# wrong, not a schedule.
_MOST_IN_A_SECOND = 1000


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
        in it (a dated name, so that a scheduled backup never overwrites one;
        ``-2``, ``-3``... after it when another copy took that name in the same
        second). A ``dest`` ending in a path separator (``backups/``) is a folder,
        which must exist. No file is ever overwritten, even by a backup running
        at the same moment.

    Returns
    -------
    Backup
        The copy's path and how many cases it holds.

    Raises
    ------
    UsageError
        The store is not a SQLite file (a PostgreSQL store: use ``pg_dump``), or
        ``dest`` is a file that exists already (or is made meanwhile), or a
        folder (``backups/``) that does not exist.
    StoreError
        The store cannot be read, or the copy cannot be written (a full disk) or
        fails its integrity check (nothing is left behind then).
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
    target, dated = _target(source, dest)
    partial = _partial(target)
    try:
        _copy(source, partial)
        _check(partial)
        cases = _cases(partial)
        target = _claim(partial, target, dated)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, cases)


def _target(source: Path, given: str | os.PathLike) -> tuple[Path, bool]:
    """The copy's name, and whether it is a dated name casekit chose in a folder
    (which moves on to the next free name if taken) rather than the user's own."""
    dest = Path(given)  # Path drops a trailing separator: the string keeps it
    if dest.is_dir():
        return dest / f"{source.stem}-{_stamp()}.db", True
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
        raise _taken(dest)
    if not dest.parent.is_dir():
        raise UsageError(f"no folder {str(dest.parent)!r} for the copy")
    return dest, False


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


def _taken(path: Path) -> UsageError:
    return UsageError(
        f"{path} exists already: give a new file name, or a folder (a dated copy "
        "is written in it); nothing written"
    )


def _partial(target: Path) -> Path:
    """A new file beside the copy's name, for this run alone: two backups at once
    into one folder (two stores under two cron lines) never write into, or
    delete, each other's. Owner-only from its first byte (``mkstemp``)."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}-", suffix=".partial", dir=target.parent
        )
    except OSError as exc:
        # Said of the copy's name, not of a random one the user never gave.
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    return Path(name)


def _claim(partial: Path, target: Path, dated: bool) -> Path:
    """Give the checked copy its name, never overwriting a file: a dated name
    taken (another backup in the same second, of this store or of another store
    of the same file name) moves on to ``-2``, ``-3``...; a name the user gave
    that is taken meanwhile is refused."""
    for n in range(1, _MOST_IN_A_SECOND + 1):
        name = target if n == 1 else target.with_stem(f"{target.stem}-{n}")
        try:
            _link(partial, name)
        except FileExistsError:
            if not dated:
                raise _taken(name) from None
            continue
        return name
    raise UsageError(
        f"{target.parent}: {_MOST_IN_A_SECOND} copies of {target.stem} in one "
        "second already; nothing written"
    )


def _link(partial: Path, name: Path) -> None:
    """``name`` made to hold ``partial``, or FileExistsError if it is taken: a
    rename would overwrite it without a word."""
    try:
        os.link(partial, name)
    except FileExistsError:
        raise
    except OSError:
        # No hard links on this disk (FAT or exFAT: most USB sticks): hold the
        # name with an empty file made only if none is there, then move the copy
        # onto it (ours, so overwriting it is no loss).
        os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))
        try:
            os.replace(partial, name)
        except OSError:
            name.unlink(missing_ok=True)  # our empty file, not a copy
            raise


def _copy(source: Path, partial: Path) -> None:
    """The whole store in one step of the backup API: one snapshot."""
    with contextlib.ExitStack() as open_:
        try:
            src = open_.enter_context(
                contextlib.closing(sqlite3.connect(source, timeout=30))
            )
            src.execute("PRAGMA schema_version").fetchone()  # the store's own fault
        except sqlite3.DatabaseError as exc:
            raise StoreError(str(source), f"cannot be read ({exc})") from None
        try:
            with contextlib.closing(sqlite3.connect(partial)) as copy:
                src.backup(copy)  # pages=-1: everything at once, one read
                # One self-contained file: no -wal or -shm beside the copy.
                copy.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.DatabaseError as exc:
            # Most often the copy's disk (full, pulled out), not the store: say both.
            raise StoreError(
                str(source),
                f"the copy into {partial.parent} failed ({exc}); nothing written",
            ) from None
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
