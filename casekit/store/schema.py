"""The store's tables, made from the data dictionary, and their gentle migration.

One table per form (``cases``, ``sessions``, ``followups``, ``exams``) with a
column per field, an append-only ``audit`` table, a small ``casekit_meta`` table,
``drafts`` (what a form holds before Save: :mod:`casekit.store.drafts`) and
``merges`` (the stores pooled into this one: :mod:`casekit.store.merge`) and
``share_releases`` (the shares released: :mod:`casekit.store.releases`). A field
added to the dictionary becomes a new column on the next open (``ALTER TABLE ...
ADD COLUMN``), a form new to the store a new table: existing rows keep every
value. A column whose field left the dictionary is kept.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..dictionary import Dictionary, Field
from ..errors import StoreError
from . import server

SCHEMA_VERSION = 8  # 2: the audit rows are hash-chained; 3: the site list;
# 4: the audit's origin (rows pooled from another store) and the merges table;
# 5: the share_releases table; 6: a share export's k in share_releases; 7: on a
# server, the audit's rows each site reads and appends, and a row appended that
# does not follow the chain refused (casekit.store.trail); 8: on a server, a site
# appends no row of another store's history that no merge carries (its policy)
# The versions whose migration changes a server's guards alone (its policies,
# functions and triggers: casekit.store.server), no table nor column: a SQLite
# store marked before one of them lacks nothing this casekit reads or writes, so
# a command that only reads takes it as it is (a writing open marks it anew).
SERVER_ONLY = frozenset({7, 8})
TABLES_VERSION = max(set(range(1, SCHEMA_VERSION + 1)) - SERVER_ONLY)
TABLE_OF = {
    "case": "cases",
    "session": "sessions",
    "followup": "followups",
    "exam": "exams",
}
AUDIT_COLUMNS = [
    "id",
    "time",
    "actor",
    "action",
    "form",
    "case_id",
    "instance",
    "field",
    "old_value",
    "new_value",
    "reason",
    "origin",
    "hash",
]
# What a row's hash covers (with the hash of the row before it); `origin`, added in
# schema 4, is covered when it is set, so that the rows written before keep theirs.
HASHED_COLUMNS = AUDIT_COLUMNS[:-2]

# The audit trail may grow, never change: SQLite refuses edits and deletes outright,
# and an insert over an existing row (REPLACE INTO, INSERT OR REPLACE), which would
# delete the old row without firing a delete trigger. Put back on every open.
# (PostgreSQL's guards, with its row-level security, are in casekit.store.server.)
GUARDS = {
    "audit_no_update": """CREATE TRIGGER IF NOT EXISTS audit_no_update
       BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END""",
    "audit_no_delete": """CREATE TRIGGER IF NOT EXISTS audit_no_delete
       BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END""",
    "audit_no_replace": """CREATE TRIGGER IF NOT EXISTS audit_no_replace
       BEFORE INSERT ON audit
       WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END""",
}


def column_type(f: Field) -> sa.types.TypeEngine:
    """The SQL type of a field. Multi-selects are one `|`-joined code list per cell:
    the same on SQLite and PostgreSQL, and readable in any SQL browser."""
    return {
        "key": sa.String(16),
        "text": sa.Text(),
        "date": sa.Date(),
        "choice": sa.String(40),
        "yesno": sa.String(3),
        "multi": sa.Text(),
        "integer": sa.Integer(),
        "number": sa.Float(),
    }[f.type]


def build_metadata(dictionary: Dictionary) -> sa.MetaData:
    """SQLAlchemy tables for every form of ``dictionary`` plus audit and metadata."""
    metadata = sa.MetaData()
    for form in dictionary:
        columns = []
        for f in form.fields:
            is_key = f.code in form.key
            column = sa.Column(
                f.code,
                column_type(f),
                primary_key=is_key,
                nullable=not is_key,
                autoincrement=False,
            )
            if f.code == "case_id" and form.name != "case":
                column = sa.Column(
                    f.code,
                    column_type(f),
                    sa.ForeignKey("cases.case_id"),
                    primary_key=True,
                )
            columns.append(column)
        columns.append(
            sa.Column(
                "deleted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        sa.Table(TABLE_OF[form.name], metadata, *columns)
    sa.Table(
        "audit",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("time", sa.String(32), nullable=False),  # ISO 8601, UTC
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("form", sa.String(16)),
        sa.Column("case_id", sa.String(16), index=True),
        sa.Column("instance", sa.Integer()),
        sa.Column("field", sa.String(64)),
        sa.Column("old_value", sa.Text()),
        sa.Column("new_value", sa.Text()),
        sa.Column("reason", sa.Text()),
        # Set on the rows of another store's history, pooled into this one by
        # `casekit merge`: which store and row they come from. Never replayed.
        sa.Column("origin", sa.Text()),
        sa.Column("hash", sa.String(64)),  # chained: see casekit.store.audit
    )
    # The practitioner's site codes (see casekit.privacy.SITE_CODE): a case's site
    # must be one of them.
    sa.Table("sites", metadata, sa.Column("code", sa.String(20), primary_key=True))
    sa.Table(
        "drafts",
        metadata,
        sa.Column("form", sa.String(16), primary_key=True),
        sa.Column("case_id", sa.String(16)),
        sa.Column("editing", sa.Text()),  # the key of a stored record, as JSON
        sa.Column("answers", sa.Text(), nullable=False),  # JSON, screened
        sa.Column("kept_at", sa.String(32), nullable=False),  # ISO 8601, UTC
    )
    # The stores pooled into this one (`casekit merge`), each known by its source
    # id, so that merging one twice adds nothing.
    sa.Table(
        "merges",
        metadata,
        sa.Column("source", sa.String(80), primary_key=True),
        sa.Column("site", sa.String(20), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.String(32), nullable=False),  # ISO 8601, UTC
        sa.Column("merged_by", sa.String(80), nullable=False),
    )
    # Each share released (report --share, export --share): when, which kind,
    # at which k (a share export's), and the cases it counted, each with a
    # fingerprint of what it held (casekit.store.releases).
    sa.Table(
        "share_releases",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("released_at", sa.String(32), nullable=False),  # ISO 8601, UTC
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("released_by", sa.String(80), nullable=False),
        sa.Column("site", sa.String(20)),  # a site role's own site, else empty
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),  # SHA-256 of the set
        sa.Column("case_ids", sa.Text(), nullable=False),  # sorted, compressed
        sa.Column("k", sa.Integer()),  # a share export's; empty for a report
    )
    sa.Table(
        "casekit_meta",
        metadata,
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    return metadata


def is_current(
    conn: sa.Connection, metadata: sa.MetaData, dictionary: Dictionary
) -> bool:
    """Whether the store already has every table and column, the audit's guards
    and this casekit's schema version (a read, no write): nothing for a writing
    open to bring up to date."""
    if lacking(conn, metadata, dictionary) or missing_guards(conn, metadata):
        return False
    stored = _stored_meta(conn, metadata)
    return stored.get("schema_version") == str(SCHEMA_VERSION)


def lacking(
    conn: sa.Connection, metadata: sa.MetaData, dictionary: Dictionary
) -> str | None:
    """What the store lacks of what this casekit reads, the audit's guards aside
    (a command that only reads takes a store without them as it is): ``"tables"``
    (a table or a column to add), ``"dictionary"`` (its version to record) or
    ``"policies"`` (a server's of a later schema version, which change no table);
    ``None`` when nothing. A SQLite store marked with a version before one of
    :data:`SERVER_ONLY` lacks nothing: no server policies are kept there."""
    inspector = sa.inspect(conn)
    if not all(inspector.has_table(name) for name in metadata.tables):
        return "tables"
    for form in dictionary:
        present = {c["name"] for c in inspector.get_columns(TABLE_OF[form.name])}
        if any(f.code not in present for f in form.fields):
            return "tables"
    stored = _stored_meta(conn, metadata)
    version = stored.get("schema_version", "")
    version = int(version) if version.isdigit() else 0
    if version < TABLES_VERSION:  # a column of the audit's, say (not a form's)
        return "tables"
    if stored.get("dictionary_version") != str(dictionary.version):
        return "dictionary"
    if version < SCHEMA_VERSION and conn.dialect.name == "postgresql":
        return "policies"
    return None


def _stored_meta(conn: sa.Connection, metadata: sa.MetaData) -> dict[str, str]:
    # Other keys are kept there too (the local dictionary: casekit.store.kept).
    meta = metadata.tables["casekit_meta"]
    return dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())


def missing_guards(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """The guards that are not there: the audit's triggers on SQLite; on
    PostgreSQL those and row-level security (:mod:`casekit.store.server`)."""
    if conn.dialect.name == "postgresql":
        return server.missing(conn, metadata)
    if conn.dialect.name != "sqlite":
        return []
    present = set(
        conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).scalars()
    )
    return [name for name in GUARDS if name not in present]


def add_guards(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """Put back the guards that are missing; returns their names."""
    missing = missing_guards(conn, metadata)
    if missing and conn.dialect.name == "postgresql":
        server.install(conn, metadata)
        return missing
    for name in missing:
        conn.exec_driver_sql(GUARDS[name])
    return missing


def refuse_newer(conn: sa.Connection, where: str) -> None:
    """Raise ``StoreError`` for a store a newer casekit wrote (its schema version
    above :data:`SCHEMA_VERSION`): this casekit would read its tables wrongly, and
    a writing open would mark it back down to this version."""
    if not sa.inspect(conn).has_table("casekit_meta"):
        return
    stored = conn.exec_driver_sql(
        "SELECT value FROM casekit_meta WHERE key = 'schema_version'"
    ).scalar()
    if stored is not None and stored.isdigit() and int(stored) > SCHEMA_VERSION:
        raise StoreError(
            where,
            f"was written by a newer casekit (its schema {stored}; this casekit "
            f"knows up to {SCHEMA_VERSION}): update casekit to open it; nothing was "
            "changed",
        )


def _meta_values(dictionary: Dictionary) -> dict[str, str]:
    return {
        "schema_version": str(SCHEMA_VERSION),
        "dictionary_version": str(dictionary.version),
    }


def create_or_migrate(
    conn: sa.Connection, metadata: sa.MetaData, dictionary: Dictionary
) -> list[tuple[str, str]]:
    """Create missing tables and add missing columns; returns the (table, column)
    pairs added (``(table, "*")`` for a form's table new to an existing store), so
    that the caller can audit them."""
    inspector = sa.inspect(conn)
    known = inspector.has_table("audit")
    missing = [name for name in metadata.tables if not inspector.has_table(name)]
    if missing:
        metadata.create_all(conn)
        inspector = sa.inspect(conn)
    preparer = conn.dialect.identifier_preparer
    # A form new to an older store (`exams`) arrives as a whole table.
    forms = set(TABLE_OF.values())
    added = [(name, "*") for name in missing if known and name in forms]
    audit_columns = {c["name"] for c in inspector.get_columns("audit")}
    if "origin" not in audit_columns:  # a store of schema 3 or older
        conn.exec_driver_sql("ALTER TABLE audit ADD COLUMN origin TEXT")
        added.append(("audit", "origin"))
    if "hash" not in audit_columns:
        # A store of schema 1: its rows get their hashes once (the caller seals
        # them), which needs the guard against updates out of the way until then.
        for name in GUARDS if conn.dialect.name == "sqlite" else ():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("ALTER TABLE audit ADD COLUMN hash VARCHAR(64)")
        added.append(("audit", "hash"))
    released = {c["name"] for c in inspector.get_columns("share_releases")}
    if "k" not in released:  # a store of schema 5
        conn.exec_driver_sql("ALTER TABLE share_releases ADD COLUMN k INTEGER")
        added.append(("share_releases", "k"))
    for form in dictionary:
        table = TABLE_OF[form.name]
        present = {c["name"] for c in inspector.get_columns(table)}
        for f in form.fields:
            if f.code in present:
                continue
            sql_type = column_type(f).compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.quote(table)} "
                f"ADD COLUMN {preparer.quote(f.code)} {sql_type}"
            )
            added.append((table, f.code))
    meta = metadata.tables["casekit_meta"]
    stored = dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())
    for key, value in _meta_values(dictionary).items():
        if stored.get(key) != value:
            conn.execute(sa.delete(meta).where(meta.c.key == key))
            conn.execute(sa.insert(meta).values(key=key, value=value))
    return added
