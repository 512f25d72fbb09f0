"""The shares a store has released, and the rule that keeps any two of them apart.

Two shares of one store a week apart, with one case logged (or withdrawn) in
between, give that case away: every count that moved is that case's (``Sex / Not
disclosed`` from 0 to ``*``), a ``*`` that became 10 gives back a hidden 7, and the
rows of two share exports joined on their clinical columns leave the new case's
row alone. Disclosure control of each share cannot help: it is their difference
that tells. So the store remembers each share it released (the ``share_releases``
table: when, which kind, by whom, and the set of cases it counted, withdrawn ones
out), and a new share whose cases differ from an earlier share's by 1 to
:data:`FEW` cases (the symmetric difference: cases logged plus cases withdrawn
since) is refused before anything is written. The same set of cases may be shared
again: the same counts, nothing new to tell.

Every kind of share is counted against every other: a report, a share export
(CSV) and a REDCap share export each let a reader count the same cases.

:func:`releasing` is the one way a share is written: in one write transaction it
checks the rule against every earlier release, checks that the store still holds
the cases the share counted, records the release, and lets the caller write the
share's files; if writing them fails, nothing is recorded, and a share refused
records nothing.

A store can go back in time (a backup restored) and forget the shares made since:
each release is also kept in the user's ledger outside every store
(:mod:`casekit.store.ledger`), written once the store's record is, and a share is
held to the ledger's releases as to the store's.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import zlib
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from ..disclosure import NHS
from ..errors import ReleaseRefused, StoreError
from . import ledger
from .store import Store

# Two shares that differ by this many cases or fewer give them away: the largest
# count disclosure control hides (NHS Digital's 7).
FEW = NHS.suppress_max
KINDS = {
    "report": "shared report",
    "export": "share export",
    "redcap": "REDCap share export",
}
# PostgreSQL: shares are recorded one at a time (an advisory lock held to the end
# of the transaction), so that two at once cannot both pass the rule; SQLite's
# write transaction is alone already.
RELEASE_LOCK = 0x72656C73  # "rels"


def pack(ids: Iterable[str]) -> tuple[str, str]:
    """The set of case ids as stored: its SHA-256 and the sorted ids, compressed.

    Why a compressed sorted list (and not a hash per id, or a filter): the rule
    needs the exact size of the difference between two sets, which only the ids
    themselves give; case ids are 6 random characters, so 100,000 of them compress
    to about half a megabyte, unpacked only for an earlier share within :data:`FEW`
    cases of the new one in size (the ``cases`` column rules out the rest), and the
    hash tells the same set again without unpacking anything.
    """
    text = "\n".join(sorted(set(ids)))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    packed = base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    return digest, packed


def unpack(packed: str) -> set[str]:
    """The case ids of :func:`pack`'s text."""
    text = zlib.decompress(base64.b64decode(packed)).decode("utf-8")
    return set(text.split("\n")) if text else set()


def nearest(conn: sa.Connection, table: sa.Table, ids: set[str]) -> tuple | None:
    """The earlier release whose cases differ from ``ids`` by 1 to :data:`FEW`,
    the closest one (the most cases yet to change), with that difference; None
    when there is none."""
    digest, _ = pack(ids)
    rows = conn.execute(
        sa.select(table.c.released_at, table.c.kind, table.c.digest, table.c.case_ids)
        .where(table.c.cases.between(len(ids) - FEW, len(ids) + FEW))
        .order_by(table.c.id)
    ).all()
    found = None
    for row in rows:
        if row.digest == digest:
            continue
        changed = len(unpack(row.case_ids) ^ ids)
        if 0 < changed <= FEW and (found is None or changed < found[1]):
            found = (row, changed)
    return found


def refuse_if_near(conn: sa.Connection, table: sa.Table, ids: set[str]) -> None:
    """Raise :class:`ReleaseRefused` if a share of ``ids`` is too close to an
    earlier one."""
    found = nearest(conn, table, ids)
    if found is not None:
        row, changed = found
        since = row.released_at[:10]
        raise ReleaseRefused(
            changed, since, KINDS.get(row.kind, row.kind), FEW + 1 - changed
        )


def check(store: Store, ids: Iterable[str]) -> None:
    """Refuse a share of ``ids`` now, before the work of making it (a read: the
    rule is checked again when the share is written, by :func:`releasing`)."""
    ids, table = set(ids), store.metadata.tables["share_releases"]
    with store.connect() as conn:
        refuse_if_near(conn, table, ids)
    with ledger.opened(table) as book:  # a ledger that cannot be used: said now
        refuse_if_near(book.conn, book.table, ids)


@contextlib.contextmanager
def releasing(store: Store, kind: str, ids: Iterable[str]) -> Iterator[None]:
    """Record a share of the cases ``ids`` while the caller writes it.

    Parameters
    ----------
    store : Store
    kind : str
        ``report``, ``export`` or ``redcap`` (:data:`KINDS`).
    ids : iterable of str
        The case ids the share counted (withdrawn cases out).

    Raises
    ------
    ReleaseRefused
        The cases differ from an earlier share's by 1 to :data:`FEW`.
    StoreError
        The store no longer holds exactly these cases (one was logged or
        withdrawn while the share was being made): run the command again.
    LedgerError
        The user's ledger of shares cannot be used: refused before anything is
        recorded; or written once the store's record is (after the share's
        files), then the files are not put in place.
    """
    ids = set(ids)
    table = store.metadata.tables["share_releases"]
    with ledger.opened(table) as book, store._write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(RELEASE_LOCK)))
        refuse_if_near(conn, table, ids)
        refuse_if_near(book.conn, book.table, ids)
        cases = store.table("case")
        now = set(
            conn.execute(
                sa.select(cases.c.case_id).where(cases.c.deleted == sa.false())
            ).scalars()
        )
        if now != ids:
            raise StoreError(
                store.where,
                "cases were logged or withdrawn while the share was being made; "
                "nothing was written: run the command again",
            )
        digest, packed = pack(ids)
        inserted = conn.execute(
            sa.insert(table).values(
                released_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                kind=kind,
                released_by=store.actor,
                site=store.access.site,
                cases=len(ids),
                digest=digest,
                case_ids=packed,
            )
        )
        # Into the ledger once the store's record commits, not before.
        book.keep(ledger.row_of(conn, table, inserted.inserted_primary_key))
        yield  # the caller writes the share; an error here undoes the record


def released(store: Store) -> list[dict]:
    """The releases the store remembers (those the opener may see), oldest first,
    without their case ids."""
    table = store.metadata.tables["share_releases"]
    columns = [c for c in table.c if c.name != "case_ids"]
    with store.connect() as conn:
        rows = conn.execute(sa.select(*columns).order_by(table.c.id)).mappings().all()
    return [dict(row) for row in rows]
