"""The shares a store has released, and the rule that keeps any two of them apart.

Two shares of one store a week apart, with one case logged (or withdrawn, or
changed) in between, give that case away: every count that moved is that case's
(``Sex / Not disclosed`` from 0 to ``*``; ``Pain clearly better`` from 20 to 25 of
35 after one follow-up), a ``*`` that became 10 gives back a hidden 7, and the
rows of two share exports joined on their clinical columns leave the new case's
row alone. Disclosure control of each share cannot help: it is their difference
that tells. So the store remembers each share it released (the ``share_releases``
table: when, which kind, by whom, at which k for a share export, and the cases it
counted, withdrawn ones out, each with a fingerprint of what it holds:
:mod:`casekit.store.fingerprints`), and a new share whose cases differ from an
earlier share's by 1 to :data:`FEW` cases (cases logged, withdrawn, or whose
records changed since) is refused before anything is written. The same cases,
unchanged, may be shared again: the same counts, nothing new to tell; a share
export of them only at the k of an earlier share export of them, as two at
different k blank different cells, and their rows joined fill each other's blanks.

Every kind of share is counted against every other: a report, a share export
(CSV) and a REDCap share export each let a reader count the same cases. A release
recorded before fingerprints (its cases as plain ids) is still held to: a plain id
matches its case whatever it holds now, there is no knowing what it held then.

:func:`releasing` is the one way a share is written: in one write transaction it
checks the rule against every earlier release, checks that the store still holds
the cases the share counted, as they were, records the release, and lets the
caller write the share's files; if writing them fails, nothing is recorded, and a
share refused records nothing. Whether the cases are as they were is known
without fingerprinting them again (seconds at 100,000 cases, while every form's
save waits for the write lock): :func:`counted` reads the head of the audit chain
(:func:`casekit.store.audit.chain_head`) before the fingerprints, every write of a
record writes the audit in the same transaction, and the cases are fingerprinted
again under the lock only if the head moved since. A write behind the audit's back
(another tool, by hand) is not seen this way: it is what ``casekit check`` is for.

A store can go back in time (a backup restored) and forget the shares made since:
each release is also kept in the user's ledger outside every store
(:mod:`casekit.store.ledger`), written once the store's record is, and a share is
held to the ledger's releases as to the store's (their k and fingerprints too: the
ledger keeps every column of a release).
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
from ..errors import OtherKRefused, ReleaseRefused, StoreError
from . import audit, ledger, server
from .fingerprints import VERSION, fingerprints
from .store import Store

# Two shares that differ by this many cases or fewer give them away: the largest
# count disclosure control hides (NHS Digital's 7).
FEW = NHS.suppress_max
KINDS = {
    "report": "shared report",
    "export": "share export",
    "redcap": "REDCap share export",
}
# The kinds that are rows (a share export's k says which cells it blanks).
ROWS = ("export", "redcap")
# PostgreSQL: shares are recorded one at a time (an advisory lock held to the end
# of the transaction), so that two at once cannot both pass the rule; SQLite's
# write transaction is alone already.
RELEASE_LOCK = 0x72656C73  # "rels"


def pack(ids: Iterable[str]) -> tuple[str, str]:
    """The set of cases as stored: its SHA-256 and the sorted entries, compressed.

    An entry is a case id and its fingerprint, ``ID:fingerprint``
    (:func:`counted`), or a plain id in a release recorded before fingerprints.
    Why a compressed sorted list (and not a hash per case, or a filter): the rule
    needs the exact size of the difference between two sets, which only the
    entries themselves give; 100,000 of them compress to about a megabyte and a
    half, unpacked only for an earlier share within :data:`FEW` cases of the new
    one in size (the ``cases`` column rules out the rest), and the hash tells the
    same set again without unpacking anything.
    """
    text = "\n".join(sorted(set(ids)))
    packed = base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    return _digest(text), packed


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unpack(packed: str) -> set[str]:
    """The entries of :func:`pack`'s text."""
    text = zlib.decompress(base64.b64decode(packed)).decode("utf-8")
    return set(text.split("\n")) if text else set()


def case_id(entry: str) -> str:
    """The case id of an entry, ``ID:fingerprint`` or a plain ``ID``."""
    return entry.partition(":")[0]


class Counted(set):
    """The entries of :func:`counted`, and the head of the store's audit chain
    read just before them (``head``): what :func:`releasing` compares to know
    whether anything was written since, without fingerprinting again."""

    head: tuple[int, str] | None = None


def counted(store: Store) -> Counted:
    """The cases a share of the store would count now, withdrawn ones out, each
    as ``ID:fingerprint`` (:mod:`casekit.store.fingerprints`): what a caller
    reads before the data it shares, and hands to :func:`check` and
    :func:`releasing`."""
    with store.connect() as conn:
        # The head first: a write after it moves it, whether the fingerprints
        # below saw the write or not.
        head = _head(store, conn)
        entries = Counted(_entries(store, conn))
    entries.head = head
    return entries


def _head(store: Store, conn: sa.Connection) -> tuple[int, str]:
    """The id and hash of the last audit row: every write of a record writes the
    audit in its transaction, so that the head moves with any change of a case.
    (Read without the chain's lock: a read, it chains nothing.)"""
    if conn.dialect.name == "postgresql":
        return server.chain_head(conn) or (0, audit.GENESIS)
    return audit.chain_head(conn, store.metadata.tables["audit"])


def _entries(store: Store, conn: sa.Connection) -> set[str]:
    marks = fingerprints(conn, store.dictionary)
    return {f"{case}:{mark}" for case, mark in marks.items()}


def _version(entry: str) -> str | None:
    """How an entry's fingerprint was made: None for a plain id, ``''`` for a
    fingerprint of a casekit before :data:`fingerprints.VERSION`, else its
    version."""
    _, colon, mark = entry.partition(":")
    if not colon:
        return None
    return mark[: len(VERSION)] if mark.startswith(VERSION) else ""


def changed(earlier: set[str], now: set[str]) -> int:
    """How many cases differ between two sets of entries: cases in one and not
    the other, and cases in both whose fingerprints differ. A plain id (a release
    recorded before fingerprints) matches its case whatever it holds, as does a
    fingerprint made another way (by an earlier casekit) than its case's in the
    other set: what the case held then is not known in this way."""
    versions = {_version(e) for e in earlier} | {_version(e) for e in now}
    if len(versions) > 1:  # else every entry compares with its own kind
        before = {case_id(e): _version(e) for e in earlier}
        plain = {
            case_id(e)
            for e in now
            if case_id(e) in before and before[case_id(e)] != _version(e)
        }
        earlier = {case_id(e) if case_id(e) in plain else e for e in earlier}
        now = {case_id(e) if case_id(e) in plain else e for e in now}
    return len({case_id(entry) for entry in earlier ^ now})


def _releases(conn: sa.Connection, table: sa.Table, ids: set[str]) -> list:
    """The earlier releases of about as many cases as ``ids`` (within
    :data:`FEW`), oldest first; the others cannot be near."""
    return conn.execute(
        sa.select(
            table.c.released_at,
            table.c.kind,
            table.c.digest,
            table.c.case_ids,
            table.c.cases,
            table.c.k,
        )
        .where(table.c.cases.between(len(ids) - FEW, len(ids) + FEW))
        .order_by(table.c.id)
    ).all()


def _judged(rows: Iterable, ids: set[str]) -> list[tuple]:
    """Each of ``rows`` (shaped like ``share_releases`` rows) with how many cases
    it differs from ``ids`` by."""
    digest = _digest("\n".join(sorted(ids)))
    return [
        (row, 0 if row.digest == digest else changed(unpack(row.case_ids), ids))
        for row in rows
        if abs(row.cases - len(ids)) <= FEW
    ]


def _closest(judged: list[tuple]) -> tuple | None:
    found = None
    for row, n in judged:
        if 0 < n <= FEW and (found is None or n < found[1]):
            found = (row, n)
    return found


def _at_other_k(judged: list[tuple], k: int | None) -> object | None:
    for row, n in judged if k is not None else ():
        before = getattr(row, "k", None)
        if n == 0 and row.kind in ROWS and before is not None and before != k:
            return row
    return None


def nearest(
    conn: sa.Connection, table: sa.Table, ids: set[str], *, rows: Iterable = ()
) -> tuple | None:
    """The earlier release whose cases differ from ``ids`` by 1 to :data:`FEW`,
    the closest one (the most cases yet to change), with that difference; None
    when there is none. ``rows``: releases known elsewhere, shaped like rows of
    ``table`` (``released_at``, ``kind``, ``digest``, ``case_ids``, ``cases``;
    ``k`` if they have it), judged with the table's."""
    return _closest(_judged([*_releases(conn, table, ids), *rows], ids))


def other_k(
    conn: sa.Connection,
    table: sa.Table,
    ids: set[str],
    k: int | None,
    *,
    rows: Iterable = (),
) -> object | None:
    """The earlier share export (CSV or REDCap) of the same cases, unchanged, at
    another k than ``k``; None when there is none, or ``k`` is None (no share
    export). A release whose k is not known (recorded before k was) is none."""
    return _at_other_k(_judged([*_releases(conn, table, ids), *rows], ids), k)


def refuse_if_near(
    conn: sa.Connection,
    table: sa.Table,
    ids: set[str],
    k: int | None = None,
    *,
    rows: Iterable = (),
) -> None:
    """Raise :class:`ReleaseRefused` if a share of ``ids`` is too close to an
    earlier one, and :class:`OtherKRefused` if a share export of them at ``k``
    would blank other cells than an earlier one of the same cases."""
    judged = _judged([*_releases(conn, table, ids), *rows], ids)
    found = _closest(judged)
    if found is not None:
        row, n = found
        since = row.released_at[:10]
        raise ReleaseRefused(n, since, KINDS.get(row.kind, row.kind), FEW + 1 - n)
    row = _at_other_k(judged, k)
    if row is not None:
        raise OtherKRefused(k, row.k, row.released_at[:10], KINDS[row.kind])


def check(store: Store, ids: Iterable[str], k: int | None = None) -> None:
    """Refuse a share of ``ids`` (entries of :func:`counted`) at ``k`` (a share
    export's; None for a report) now, before the work of making it (a read: the
    rule is checked again when the share is written, by :func:`releasing`)."""
    ids, table = set(ids), store.metadata.tables["share_releases"]
    with store.connect() as conn:
        refuse_if_near(conn, table, ids, k)
    with ledger.opened(table) as book:  # a ledger that cannot be used: said now
        refuse_if_near(book.conn, book.table, ids, k)


@contextlib.contextmanager
def releasing(
    store: Store, kind: str, ids: Iterable[str], k: int | None = None
) -> Iterator[None]:
    """Record a share of the cases ``ids`` while the caller writes it.

    Parameters
    ----------
    store : Store
    kind : str
        ``report``, ``export`` or ``redcap`` (:data:`KINDS`).
    ids : iterable of str
        The cases the share counted (withdrawn cases out), as :func:`counted`
        gave them (``ID:fingerprint``), read before the data shared.
    k : int, optional
        A share export's k (CSV or REDCap); None for a report.

    Raises
    ------
    ReleaseRefused
        The cases differ from an earlier share's by 1 to :data:`FEW`.
    OtherKRefused
        A share export of the same cases at another k was released before.
    StoreError
        The store no longer holds exactly these cases as they were (one was
        logged, changed or withdrawn while the share was being made): run the
        command again.
    LedgerError
        The user's ledger of shares cannot be used: refused before anything is
        recorded; or written once the store's record is (after the share's
        files), then the files are not put in place.
    """
    head = getattr(ids, "head", None)
    ids = set(ids)
    table = store.metadata.tables["share_releases"]
    with ledger.opened(table) as book, store._write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(RELEASE_LOCK)))
        refuse_if_near(conn, table, ids, k)
        refuse_if_near(book.conn, book.table, ids, k)
        # Fingerprinted again only if something was written since: the store's
        # writes wait while it is (seconds at 100,000 cases).
        moved = head is None or _head(store, conn) != head
        if moved and changed(_entries(store, conn), ids):
            raise StoreError(
                store.where,
                "cases were logged, changed or withdrawn while the share was being "
                "made; nothing was written: run the command again",
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
                k=k,
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
