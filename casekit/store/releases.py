"""The shares a store has released, and the rule that keeps any two of them apart.

Two shares of one store a week apart, with one case logged (or withdrawn, or
changed) in between, give that case away: every count that moved is that case's
(``Sex / Not disclosed`` from 0 to ``*``; ``Pain clearly better`` from 20 to 25 of
35 after one follow-up), a ``*`` that became 10 gives back a hidden 7, and the
rows of two share exports joined on their clinical columns leave the new case's
row alone. Disclosure control of each share cannot help: it is their difference
that tells. So the store remembers each share it released (the ``share_releases``
table: when, which kind, by whom, at which k for a share export, and the cases it
counted, withdrawn ones out, each with a fingerprint of what it holds, a part per
form: :mod:`casekit.store.fingerprints`), and a new share is refused before
anything is written when it differs from an earlier share by 1 to :data:`FEW`
cases (cases logged, withdrawn, or whose records changed since), or by 1 to
:data:`FEW` cases in any one form
(:func:`~casekit.store.differences.difference`).

Why each form too: eight old cases given a session each and one new case logged
are nine cases changed, yet the counts that come from the case form (sex, age
band, episode) moved by the new case alone, and its row is the only new row of
``cases.csv``; thirty new cases with no follow-up yet and one old case followed
up move the follow-up counts (``Pain clearly better`` 20/35 to 21/36) and
``followups.csv`` by that one case alone. So for each form the rule counts the
cases whose records in it differ, a case absent from one share counting as one
with no record there: a case logged with no follow-up is no follow-up changed,
and a case withdrawn is one changed in every form where it had records (and in
the case form always). A form counts only if the two shares have a case's
records in it in common, unchanged: where they have none (two different stores'
shares in the user's ledger, a form whose few records were all replaced) there
is no common part for a difference to be taken from, and each share shows its own
few records as it would alone.

The same cases, unchanged, may be shared again: the same counts, nothing new to
tell; a share export of them only at the k of an earlier share export of them, as
two at different k blank different cells, and their rows joined fill each other's
blanks.

Every kind of share is counted against every other: a report, a share export
(CSV) and a REDCap share export each let a reader count the same cases. A release
recorded before fingerprints (its cases as plain ids) is still held to: a plain id
matches its case whatever it holds now, there is no knowing what it held then. A
release recorded before the parts (a whole-case fingerprint, ``k``) is held to its
cases whole: each is compared with the whole-case fingerprint the store's case has
now (:func:`counted` makes both), and the forms are not counted against it.

Every earlier release is judged, whatever its size: a share of thirty cases more
can still differ from it by one follow-up. The cost, at 100,000 cases, is an
unpacking of each one's entries (about 0.1 s) and their comparison (0.3 s when a
third of the cases changed, 1.1 s when all did): with 50 earlier releases, 20 s to
a minute before the share is made. It is made once for a share:
:func:`check`, before the share is made, keeps what it judged with the entries
(:class:`Counted`), and :func:`releasing` judges again, under the write lock, only
the releases recorded since. A release of whole-case fingerprints or plain ids
more than :data:`FEW` cases apart in size is not unpacked at all (its first entry
says which it is): only its cases whole are held to, and they differ by more.

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

from ..errors import OtherKRefused, ReleaseRefused, StoreError
from . import audit, ledger, server
from .differences import DRAWS_ON, FEW, Difference, changed, difference, version
from .differences import case_id as case_id  # the rule's, said here too
from .fingerprints import VERSION, marks
from .store import Store

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
# How much of a release's packed entries is read to know how its first entry was
# fingerprinted (base64 characters: zlib's header and its first block's codes).
PEEK = 1024


def pack(ids: Iterable[str]) -> tuple[str, str]:
    """The set of cases as stored: its SHA-256 and the sorted entries, compressed.

    An entry is a case id and its fingerprint, ``ID:fingerprint``
    (:func:`counted`: ``p`` and a part of 8 hex digits per form, empty where the
    case has no record), a whole-case fingerprint in a release recorded before
    the parts (``ID:k`` and 12 hex digits), or a plain id in a release recorded
    before fingerprints. Why a compressed sorted list (and not a hash per case,
    or a filter): the rule needs the exact size of the difference between two
    sets, form by form, which only the entries themselves give; 100,000 of them
    compress to about 2.8 megabytes of base64 (28 characters a case) where most
    cases have sessions and follow-ups, 3.5 where every case has a record in
    every form (a whole-case fingerprint took 1.7), and the hash tells the same
    set again without unpacking anything.
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


def _first(packed: str) -> str | None:
    """The first entry of :func:`pack`'s text, read from its start alone; None
    if it cannot be (a text that is no packed list)."""
    try:
        head = base64.b64decode(packed[: PEEK - PEEK % 4])
        text = zlib.decompressobj().decompress(head)
    except (ValueError, zlib.error):
        return None
    line, newline, _ = text.partition(b"\n")
    if not newline and len(packed) >= PEEK - PEEK % 4:  # cut short: not known
        return None
    return line.decode("utf-8", errors="replace")


class Counted(set):
    """The entries of :func:`counted`, and what goes with them: the head of the
    store's audit chain read just before them (``head``), which :func:`releasing`
    compares to know whether anything was written since, without fingerprinting
    again; the whole-case fingerprint of each case as the casekit before made it
    (``whole``, by case id), to hold its releases to; and the releases judged
    against them (``judged``, by digest), not judged again."""

    head: tuple[int, str] | None = None

    def __init__(self, entries: Iterable[str] = ()) -> None:
        super().__init__(entries)
        self.whole: dict[str, str] = {}
        self.judged: dict[str, Difference] = {}
        self.filled: list[int] | None = None
        self.digest: str | None = None


def counted(store: Store) -> Counted:
    """The cases a share of the store would count now, withdrawn ones out, each
    as ``ID:fingerprint`` (:mod:`casekit.store.fingerprints`): what a caller
    reads before the data it shares, and hands to :func:`check` and
    :func:`releasing`."""
    with store.connect() as conn:
        # The head first: a write after it moves it, whether the fingerprints
        # below saw the write or not.
        head = _head(store, conn)
        found, whole = marks(conn, store.dictionary)
    entries = Counted(f"{case}:{mark}" for case, mark in found.items())
    entries.head, entries.whole = head, whole
    return entries


def _head(store: Store, conn: sa.Connection) -> tuple[int, str]:
    """The id and hash of the last audit row: every write of a record writes the
    audit in its transaction, so that the head moves with any change of a case.
    (Read without the chain's lock: a read, it chains nothing.)"""
    if conn.dialect.name == "postgresql":
        return server.chain_head(conn) or (0, audit.GENESIS)
    return audit.chain_head(conn, store.metadata.tables["audit"])


def _entries(store: Store, conn: sa.Connection) -> set[str]:
    found, _ = marks(conn, store.dictionary, whole=False)
    return {f"{case}:{mark}" for case, mark in found.items()}


def _releases(conn: sa.Connection, table: sa.Table) -> list:
    """The earlier releases, oldest first, each with the start of its packed
    entries (``head``), not yet with the entries themselves."""
    return conn.execute(
        sa.select(
            table.c.released_at,
            table.c.kind,
            table.c.digest,
            table.c.cases,
            table.c.k,
            sa.func.substr(table.c.case_ids, 1, PEEK).label("head"),
            *table.primary_key.columns,
        ).order_by(*table.primary_key.columns)
    ).all()


def _judged(rows: Iterable, ids: set[str], *, conn=None, table=None) -> list[tuple]:
    """Each of ``rows`` (shaped like ``share_releases`` rows; those of ``table``
    as :func:`_releases` reads them, their entries read when needed) that could
    be near ``ids``, with how it differs from them (:class:`Difference`). A
    release as far from ``ids`` in size as :data:`FEW` cases and more is left out
    unless its entries have parts (a form may have changed by few). What was
    judged is kept with ``ids`` (a :class:`Counted`), by the release's digest."""
    digest = getattr(ids, "digest", None) or _digest("\n".join(sorted(ids)))
    if isinstance(ids, Counted):
        ids.digest = digest
    memo = getattr(ids, "judged", None)
    if memo is None:
        memo = {}
    found = []
    for row in rows:
        if row.digest == digest:
            found.append((row, Difference(0)))
            continue
        if row.digest in memo:
            found.append((row, memo[row.digest]))
            continue
        packed = getattr(row, "case_ids", None)
        if abs(row.cases - len(ids)) > FEW:
            first = _first(packed if packed is not None else row.head)
            if first is not None and version(first) != VERSION:
                continue  # its cases whole alone, more than FEW apart
        if packed is None:
            key = [c == row._mapping[c.name] for c in table.primary_key.columns]
            packed = conn.execute(sa.select(table.c.case_ids).where(*key)).scalar()
        memo[row.digest] = judged = difference(unpack(packed), ids)
        found.append((row, judged))
    return found


def _closest(judged: list[tuple]) -> tuple | None:
    """The release that gives cases away with the fewest (the most yet to
    change), with what does (:meth:`Difference.telling`): ``(row, form, n)``."""
    found = None
    for row, difference_ in judged:
        telling = difference_.telling()
        if telling is not None and (found is None or telling[1] < found[2]):
            found = (row, *telling)
    return found


def _at_other_k(judged: list[tuple], k: int | None) -> object | None:
    for row, difference_ in judged if k is not None else ():
        before = getattr(row, "k", None)
        same = difference_.cases == 0
        if same and row.kind in ROWS and before is not None and before != k:
            return row
    return None


def _judge(conn, table, ids, rows) -> list[tuple]:
    """``table``'s releases and ``rows``, judged (:func:`_judged`)."""
    return _judged([*_releases(conn, table), *rows], ids, conn=conn, table=table)


def nearest(
    conn: sa.Connection, table: sa.Table, ids: set[str], *, rows: Iterable = ()
) -> tuple | None:
    """The earlier release that a share of ``ids`` would give cases away with
    (:meth:`Difference.telling`), the closest one (the most cases yet to change),
    with that count; None when there is none. ``rows``: releases known
    elsewhere, shaped like rows of ``table`` (``released_at``, ``kind``,
    ``digest``, ``case_ids``, ``cases``; ``k`` if they have it), judged with the
    table's."""
    found = _closest(_judge(conn, table, ids, rows))
    return None if found is None else (found[0], found[2])


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
    return _at_other_k(_judge(conn, table, ids, rows), k)


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
    judged = _judge(conn, table, ids, rows)
    found = _closest(judged)
    if found is not None:
        row, form, n = found
        since = row.released_at[:10]
        kind = KINDS.get(row.kind, row.kind)
        drawn = form is not None and DRAWS_ON[form] != (form,)
        raise ReleaseRefused(n, since, kind, FEW + 1 - n, form, drawn)
    row = _at_other_k(judged, k)
    if row is not None:
        raise OtherKRefused(k, row.k, row.released_at[:10], KINDS[row.kind])


def _counted(ids: Iterable[str]) -> Counted:
    """``ids`` as a :class:`Counted` (itself if it is one: what it carries)."""
    return ids if isinstance(ids, Counted) else Counted(ids)


def check(store: Store, ids: Iterable[str], k: int | None = None) -> None:
    """Refuse a share of ``ids`` (entries of :func:`counted`) at ``k`` (a share
    export's; None for a report) now, before the work of making it (a read: the
    rule is checked again when the share is written, by :func:`releasing`, which
    judges again only the releases not judged here)."""
    ids, table = _counted(ids), store.metadata.tables["share_releases"]
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
        The cases differ from an earlier share's by 1 to :data:`FEW`, or by 1
        to :data:`FEW` in a form (:func:`~casekit.store.differences.difference`).
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
    ids = _counted(ids)
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
