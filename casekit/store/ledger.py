"""The user's own ledger of shares, outside every store: what a restored backup forgets.

The store remembers each share it released (``share_releases``,
:mod:`casekit.store.releases`), but a store is a file that can go back in time: a
backup restored, or an older copy put back, holds none of the shares made since,
and a share of one case more than one of those is then let through, giving that
case away. So each release is also written here, one JSON line per release with
every column of its ``share_releases`` row but the row's number, in a file of the
user's data folder (``$CASEKIT_LEDGER``, else
``$XDG_DATA_HOME/casekit/shares.jsonl``, else
``~/.local/share/casekit/shares.jsonl``): the folder readable by its owner alone,
the file too from the moment it is created, for it holds case ids. A new share is
held to the rule against the store's releases and against the ledger's
(:func:`opened` gives them as a table shaped like the store's, so the rule is
:func:`~casekit.store.releases.nearest` itself, whatever its rows hold).

One ledger holds the shares of every store its user shared from, and needs no
name for a store: case ids are drawn at random (:mod:`secrets`) in each store, six
characters each, so two different stores' shares have (all but never) a case id
in common and differ by nearly all their cases, and a share is only recorded from
8 cases on: more than the 7 the rule refuses, so they never refuse each other.
Nor by a form where one has a few records and the other none (its exams, say):
the rule counts a form only where the two shares have records in it in common
(:func:`~casekit.store.differences.difference`), and they have none.
Shares that do hold the same cases are of one store and its copies (a backup, an
import of its full export, its cases pooled into a network's store): exactly what
the rule is for. Synthetic stores are the exception: their ids come from a seeded
generator, so two demo stores of one seed share them; the demo's shares are made
inside :func:`apart` and neither read nor write the ledger.

Two processes may share at once: the file is opened for appending, a line is
written whole under an exclusive lock (``flock``) held from the reading of the
ledger to the writing of the line, so that two shares cannot both pass the rule.
A line cut short (the machine stopped while writing it) is skipped when read, and
the next line starts on a line of its own. Deleting the file forgets the shares
made since each store's backup.

A ledger that cannot be used (its folder not writable, a full disk) refuses the
share (:class:`~casekit.errors.LedgerError`) rather than warning and going on: a
share recorded in the store alone is the very one a restored backup forgets, and a
warning on stderr is lost in a scheduled job or a notebook. The ledger is opened
by :func:`~casekit.store.releases.check`, before a report's long rendering, so the
refusal costs nothing; its line is written last, after the store's record commits
and before the share's files are put in place, so a line that then fails leaves a
release recorded in the store and nothing shared (the same cases may be shared
again).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..errors import LedgerError

ENVIRONMENT = "CASEKIT_LEDGER"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_APART: contextvars.ContextVar[bool] = contextvars.ContextVar("apart", default=False)


def path() -> Path:
    """Where the ledger is: ``$CASEKIT_LEDGER``, else under the XDG data folder."""
    named = os.environ.get(ENVIRONMENT)
    if named:
        return Path(named).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "casekit" / "shares.jsonl"


@contextlib.contextmanager
def apart() -> Iterator[None]:
    """Shares made inside are of a synthetic store made afresh on each run (the
    demo's): the ledger is neither read nor written for them, so a second demo of
    the same seed and one case more is not refused against the first (the demo
    store's own table, made afresh with it, still holds its shares apart)."""
    token = _APART.set(True)
    try:
        yield
    finally:
        _APART.reset(token)


@dataclass
class Ledger:
    """The ledger, open for a share: its releases as ``table`` on ``conn`` (an
    in-memory database, oldest first), and :meth:`keep` to write one more."""

    conn: sa.Connection
    table: sa.Table
    where: Path | None  # None inside apart(): nothing is read or written
    fd: int | None = None
    kept: Mapping | None = None

    def keep(self, row: Mapping) -> None:
        """Write the release ``row`` (a ``share_releases`` row) when the ledger
        closes without an error: opened before the store's write transaction,
        it closes after the transaction commits, so a share whose writing (or
        commit) fails is in neither."""
        self.kept = row

    def _write(self, row: Mapping) -> None:
        """Append ``row`` as one line: every column but the primary key."""
        if self.fd is None:
            return
        line = {
            name: value
            for name, value in row.items()
            if name in self.table.c and not self.table.c[name].primary_key
        }
        text = json.dumps(line, sort_keys=True, default=str)  # one line: no indent
        data = (text + "\n").encode("utf-8")
        try:
            end = os.lseek(self.fd, 0, os.SEEK_END)
            if end and os.pread(self.fd, 1, end - 1) != b"\n":
                data = b"\n" + data  # after a line cut short: a line of its own
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError as exc:
            problem = exc.strerror or str(exc)
            raise LedgerError(self.where, problem, written=True) from exc


@contextlib.contextmanager
def opened(table: sa.Table) -> Iterator[Ledger]:
    """The ledger open for a share, its releases read into a table shaped like
    ``table`` (the store's ``share_releases``), locked against another share until
    the block ends, and the release :meth:`Ledger.keep` was given written then.

    Raises
    ------
    LedgerError
        The ledger cannot be created, locked or read: the share is refused before
        anything is written or recorded, rather than made with no trace outside
        the store. Or the line cannot be written at the end (a full disk).
    """
    engine = sa.create_engine("sqlite://")
    mirror = sa.Table(
        table.name,
        sa.MetaData(),
        *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in table.c),
    )
    mirror.metadata.create_all(engine)
    try:
        with engine.connect() as conn:
            if _APART.get():
                yield Ledger(conn, mirror, None)
                return
            where = path()
            fd = _open(where)
            try:
                try:
                    rows = list(_lines(fd, table))
                except OSError as exc:
                    raise LedgerError(where, exc.strerror or str(exc)) from exc
                if rows:
                    conn.execute(sa.insert(mirror), rows)
                held = Ledger(conn, mirror, where, fd)
                yield held
                if held.kept is not None:  # only when the block ended well
                    held._write(held.kept)
            finally:
                os.close(fd)  # the lock goes with it
    finally:
        engine.dispose()


def _open(where: Path) -> int:
    """The ledger's file open for appending and locked, created (and its folder)
    readable by its owner alone."""
    try:
        if not where.parent.exists():
            where.parent.mkdir(mode=FOLDER_MODE, parents=True)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(where, flags, FILE_MODE)
    except OSError as exc:
        raise LedgerError(where, exc.strerror or str(exc)) from exc
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & ~FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # an older or copied file: owner-only again
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        os.close(fd)
        raise LedgerError(where, exc.strerror or str(exc)) from exc
    return fd


def _lines(fd: int, table: sa.Table) -> Iterator[dict]:
    """The releases of the ledger open as ``fd``, oldest first, each with the
    columns of ``table`` it names; a line that is no whole release (cut short,
    or written by hand) is skipped."""
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    required = [c for c in table.c if not c.nullable and not c.primary_key]
    for raw in b"".join(chunks).split(b"\n"):
        try:
            line = json.loads(raw)
        except ValueError:  # cut short, or not UTF-8 JSON
            continue
        if not isinstance(line, dict) or not all(
            isinstance(line.get(c.name), _python_type(c)) for c in required
        ):
            continue
        yield {c.name: line.get(c.name) for c in table.c if not c.primary_key}


def _python_type(column: sa.Column) -> type | tuple[type, ...]:
    """What a line's value of ``column`` must be for the rule to read it."""
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


def row_of(conn: sa.Connection, table: sa.Table, key: sa.engine.Row) -> dict:
    """The row of ``table`` whose primary key is ``key`` (an insert's
    ``inserted_primary_key``), every column as the store holds it."""
    columns = table.primary_key.columns
    where = [c == value for c, value in zip(columns, key, strict=True)]
    return dict(conn.execute(sa.select(table).where(*where)).mappings().one())
