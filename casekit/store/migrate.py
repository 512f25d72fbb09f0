"""Bringing a store up to date when it is opened, and what the audit says of it.

A new store gets its tables, the audit's guard triggers and the site ``main``. An
older one gets the tables of forms new to it (``exams``), the columns its dictionary
has gained, its audit rows chained
(schema 1 had no hashes), its site list seeded from the sites its cases use, and
the guards put back if someone dropped them: each of which the audit records.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..dictionary import Dictionary
from .audit import NETWORK_SET_UP, RESTORE_ACTION, seal
from .schema import SCHEMA_VERSION, TABLE_OF, add_guards, create_or_migrate
from .server import ADDED_IN_7, GUARDED, ROLES, install
from .sites import seed_sites, site_added


def migrate(
    conn: sa.Connection, metadata: sa.MetaData, dictionary: Dictionary
) -> list[dict]:
    """Create or update the tables inside the caller's write transaction; returns
    the audit rows that say what changed (none for a new store)."""
    inspector = sa.inspect(conn)
    known = inspector.has_table("audit")
    # A table new to the store is not yet under its server's guards: said as an
    # upgrade below, not as guards someone removed.
    new = {
        f"row-level security on {name}"
        for name in GUARDED
        if not inspector.has_table(name)
    }
    # So is a guard of schema 7 on a store of before it (its policies come anew
    # with it: the server module installs every piece when one is missing).
    version = _version(conn) if known else SCHEMA_VERSION
    if version < 7:
        new |= set(ADDED_IN_7)
    added = create_or_migrate(conn, metadata, dictionary)
    sealed = ("audit", "hash") in added
    if sealed:
        seal(conn, metadata.tables["audit"])
    restored = [name for name in add_guards(conn, metadata) if name not in new]
    if version < 8 and conn.dialect.name == "postgresql":
        # Schema 8 changed what the audit's policy lets a site append (no piece
        # is missing by name): installed anew, an upgrade, not guards put back.
        install(conn, metadata)
    seeded = seed_sites(
        conn, metadata.tables["sites"], metadata.tables[TABLE_OF["case"]]
    )
    rows = [
        {"action": "add_table", "form": table}
        if column == "*"
        else {"action": "add_column", "form": table, "field": column}
        for table, column in added
    ]
    if not known:  # a new store simply starts with its tables and `main`
        return rows
    rows += [site_added(code) for code in seeded]
    if restored and not sealed:  # sealing drops the guards on purpose
        first = ROLES in restored  # a server store of a casekit before network mode
        rows.append(
            {
                "action": RESTORE_ACTION,
                "form": "audit",
                "new_value": ", ".join(restored),
                "reason": NETWORK_SET_UP
                if first
                else "the audit's guards had been removed",
            }
        )
    return rows


def _version(conn: sa.Connection) -> int:
    """The store's schema version as stored (0 when it has none yet)."""
    if not sa.inspect(conn).has_table("casekit_meta"):
        return 0
    stored = conn.exec_driver_sql(
        "SELECT value FROM casekit_meta WHERE key = 'schema_version'"
    ).scalar()
    return int(stored) if stored and stored.isdigit() else 0
