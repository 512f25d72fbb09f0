"""A store opened to read, and only read (``Store(db, read_only=True)``).

The commands that only read (``casekit patterns``, ``report``, ``export``,
``check``, ``case``, ``due``, ``site list``, ``agreement``, and a merge's source)
open the store so: nothing they do writes it, not even on open. A copy of a store
that its user cannot write (a file of mode 0444, a read-only folder or medium, a
colleague's store merged from) opens for them all, and a store that can be written
is left as it was, byte for byte:

- its connections cannot write (:func:`casekit.store.database.make_engine`):
  SQLite's through a read-only URI, PostgreSQL's in read-only transactions;
- the folder's ``dictionary.local.yaml`` is used as ever, but not kept in the store
  (:mod:`casekit.store.kept`): where it differs from the copy kept, the warning
  says so, and that the store keeps it when a command that writes opens it;
- a store that a writing open would bring up to date (:mod:`casekit.store.migrate`:
  a new field, a newer casekit) is refused with the command that does it, once;
  one whose audit's guards alone are missing is read as it is, and ``casekit
  check`` says they are (:mod:`casekit.store.verify`): a writing open puts them
  back, audited. So is a SQLite store marked with a schema version after which
  only a server's policies changed (``SERVER_ONLY`` in :mod:`casekit.store.schema`):
  it lacks nothing, and a writing open marks it with this casekit's version. A
  server store without the policies of this casekit's version is refused, saying
  so: its owner's ``casekit init`` puts them in.
"""

from __future__ import annotations

from typing import Any

from ..errors import StoreError
from .kept import LocalDictionary, keep
from .migrate import migrate
from .schema import SCHEMA_VERSION, lacking

# `Store` is typed `Any` here: this module is a part of it, imported by it.


def refuse_writing(store: Any) -> None:
    """Raise ``StoreError`` for a write through a store opened to read only."""
    if store.read_only:
        raise StoreError(
            store.where,
            "was opened to read only, by a command that only reads; nothing was "
            "written",
        )


# What a store lacks (casekit.store.schema.lacking), as the refusal says it.
_LACKING = {
    "tables": "with this casekit or its dictionary.local.yaml (a table or a column "
    "to add)",
    "dictionary": "with this casekit's dictionary (its version to record)",
    # A server store of the schema before: reading it would not need them, but its
    # sites could still append what this casekit's policies refuse, and the
    # owner's check would not say so; the owner puts them in with one command.
    "policies": "with this casekit (the server's policies on what a site may "
    f"append to the audit, of schema {SCHEMA_VERSION}, to put in; no table "
    "changes)",
}


def _lacking(store: Any) -> str | None:
    with store.connect() as conn:
        return lacking(conn, store.metadata, store.dictionary)


def bring_up_to_date(store: Any, current: bool, local: LocalDictionary) -> None:
    """Migrate the store and keep its local dictionary, each audited, where it
    needs it; a store opened to read only is never written: one that is not up
    to date is refused, saying how to bring it up to date."""
    if not current and store.access.kind not in ("local", "owner"):
        raise StoreError(
            store.where,
            "is not set up for this casekit yet; its owner opens it once "
            "with `casekit init --db OWNER_URL`",
        )
    if store.read_only:
        # Guards missing alone: read as it is (``casekit check`` says they are);
        # so is a SQLite store of a version that changed only servers' policies.
        what = None if current else _lacking(store)
        if what is not None:
            raise StoreError(
                store.where,
                f"is not up to date {_LACKING[what]}, and this command only reads: "
                f"bring it up to date once with `{store.command('init')}`, which "
                "changes nothing else",
            )
        return
    if not current:
        with store._write() as conn:  # up to date (casekit.store.migrate), audited
            store._audit(conn, migrate(conn, store.metadata, store.dictionary))
    if local.to_keep is not None and store.access.kind in ("local", "owner"):
        with store._write() as conn:  # every copy of the store carries it
            store._audit(conn, keep(conn, store.metadata, local.to_keep))
