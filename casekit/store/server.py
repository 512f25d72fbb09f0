"""Network mode: on PostgreSQL the server itself decides who may read and write what.

Several practitioners pool their cases in one database. Each logs in as the role
of their site (``casekit grant SITE``), an analyst as a read-only role that sees
every site (``casekit grant --analyst NAME``), and the owner (who ran ``casekit
init``) looks after the store. A bug, or a curious colleague in a notebook, cannot
get round any of this, because the server enforces it:

- **Row-level security**, forced (so that it binds the owner's own sessions too),
  on every form's table: a site role reads, adds and changes only the cases of its
  site and their sessions and follow-ups; a write of another site's row, or moving
  a case to another site, is refused by the server (the policies' ``WITH CHECK``).
  An analyst reads every row and may write none (no privilege to).
- **The audit**: a trigger refuses ``UPDATE``, ``DELETE`` and ``TRUNCATE`` of
  ``audit`` for every role, the owner included, and another refuses a row whose
  ``actor`` is not the database role that writes it (``session_user``), so the
  audit names who wrote, as the server knows them, not as the client claims. A
  site role reads only the audit rows of its own cases (an insert row holds the
  whole record), the owner's rows about the store itself and its own merges; it
  appends nothing about the store itself, and nobody appends a row that does not
  follow the chain (:mod:`casekit.store.trail`).
- **What a writer must know beyond its own rows**, and no more, through functions
  that run as the owner: the last audit row (``casekit_chain_head``: its id and
  hash, for the next row to chain to) and which of some case ids are taken at any
  site (``casekit_taken``), so that a new case id never collides with one the role
  cannot see.

A role's site is kept in the ``casekit_roles`` table (role, kind, site); the role's
name is the site code itself, so that the audit's actor reads as the site. Why a
table and not the name alone: a store recognises its own roles (``casekit grant``
resets only those, never another role of the server that happens to be called
``north``, nor the owner), an analyst is told apart from a site, and a policy
never trusts a name it did not create.

Everything here is installed by the owner when the store is created, and put back
on any later open by the owner that finds a piece missing (the audit says so), as
the SQLite store puts its triggers back.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from . import trail

ROLES = "casekit_roles"
FUNCTIONS = (
    "casekit_role_kind",
    "casekit_site",
    "casekit_chain_head",
    "casekit_taken",
    "casekit_append_only",
    "casekit_audit_actor",
    "casekit_site_of",
    "casekit_merge_site",
    "casekit_audit_follows",
)
TRIGGERS = ("audit_append_only", "audit_actor", "audit_follows")
# The pieces a store of schema 6 or older lacks: their absence there is an upgrade
# (casekit.store.migrate), not guards someone removed.
ADDED_IN_7 = (*FUNCTIONS[-3:], TRIGGERS[-1])
# Tables under row-level security besides the forms' (whose policies depend on
# whether the form has a site or belongs to a case).
GUARDED = ("audit", "merges", "share_releases")
POLICIES = ("casekit_read", "casekit_add", "casekit_change")


@dataclass(frozen=True)
class Access:
    """Who the store is opened as, and what that lets them see.

    Attributes
    ----------
    role : str or None
        The database role (``session_user``); None for a SQLite file.
    kind : str
        ``local`` (a SQLite file: its owner sees everything), ``owner`` (the
        network store's owner, or a superuser), ``site`` (a practitioner's role),
        ``analyst`` (reads every site, writes nothing) or ``none`` (a role this
        store never granted).
    site : str or None
        The site of a ``site`` role.
    """

    role: str | None = None
    kind: str = "local"
    site: str | None = None

    @property
    def sees_every_site(self) -> bool:
        return self.kind in ("local", "owner", "analyst")


LOCAL = Access()


def access_of(conn: sa.Connection) -> Access:
    """Who ``conn`` is, as :class:`Access` (``LOCAL`` on a database other than
    PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return LOCAL
    role, installed = conn.exec_driver_sql(
        "SELECT session_user, to_regproc('casekit_role_kind') IS NOT NULL"
    ).one()
    if installed:
        kind, site = conn.exec_driver_sql(
            "SELECT casekit_role_kind(), casekit_site()"
        ).one()
        if kind is not None:
            return Access(role, kind, site)
    owner = _owner(conn)
    superuser = conn.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = session_user"
    ).scalar()
    # Before the tables exist, whoever opens the store creates them: its owner.
    if owner is None or owner == role or superuser:
        return Access(role, "owner")
    return Access(role, "none")


def _owner(conn: sa.Connection) -> str | None:
    """The role that owns the store's tables (its ``audit``), if there is one."""
    return conn.exec_driver_sql(
        "SELECT tableowner FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'audit'"
    ).scalar()


def form_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """The forms' tables (each has a ``deleted`` column; no other table has)."""
    return [t for t in metadata.sorted_tables if "deleted" in t.c]


def missing(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """The pieces of network mode that are not in place (all of them before the
    first install): the roles table, functions, triggers, row-level security and
    its policies."""
    gone = []
    if conn.exec_driver_sql(f"SELECT to_regclass('{ROLES}')").scalar() is None:
        gone.append(ROLES)
    present = {
        "SELECT proname FROM pg_proc "
        "WHERE pronamespace = current_schema()::regnamespace": FUNCTIONS,
        "SELECT tgname FROM pg_trigger "
        "WHERE tgrelid = to_regclass('audit') AND tgenabled <> 'D'": TRIGGERS,
    }
    for query, names in present.items():
        there = set(conn.exec_driver_sql(query).scalars())
        gone += [name for name in names if name not in there]
    for table in [*(t.name for t in form_tables(metadata)), *GUARDED]:
        secured = conn.exec_driver_sql(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class "
            f"WHERE oid = to_regclass('{table}')"
        ).scalar()
        policies = set(
            conn.execute(
                sa.text(
                    "SELECT policyname FROM pg_policies WHERE tablename = :t "
                    "AND schemaname = current_schema()"
                ),
                {"t": table},
            ).scalars()
        )
        if not secured or not set(POLICIES) <= policies:
            gone.append(f"row-level security on {table}")
    return gone


def install(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Install (or put back) every piece of network mode; each statement may run
    again on a store that has it. Run by the store's owner, in its transaction."""
    for statement in _statements(conn, metadata):
        # The driver reads `%` as a placeholder; plpgsql's RAISE needs it as is.
        conn.exec_driver_sql(statement.replace("%", "%%"))


def _statements(conn: sa.Connection, metadata: sa.MetaData) -> list[str]:
    quote = conn.dialect.identifier_preparer.quote
    schema = quote(conn.exec_driver_sql("SELECT current_schema()").scalar())
    # Policies let the owner through by name: a function that runs as the owner
    # (SECURITY DEFINER) runs as `current_user` = the owner, and sees every row.
    owner = f"current_user = {_literal(_owner(conn) or '')}"
    definer = f"STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp"
    mine = "site = (SELECT casekit_site())"
    analyst = "(SELECT casekit_role_kind()) = 'analyst'"
    of_my_cases = "case_id IN (SELECT case_id FROM cases)"  # under their policy
    statements = [
        f"""CREATE TABLE IF NOT EXISTS {ROLES} (
            role VARCHAR(63) PRIMARY KEY,
            kind VARCHAR(8) NOT NULL CHECK (kind IN ('site', 'analyst')),
            site VARCHAR(20) REFERENCES sites (code),
            CHECK ((kind = 'site') = (site IS NOT NULL)))""",
        f"REVOKE ALL ON {ROLES} FROM PUBLIC",
        f"""CREATE OR REPLACE FUNCTION casekit_role_kind() RETURNS text
            LANGUAGE sql {definer} AS
            $$ SELECT kind FROM {ROLES} WHERE role = session_user $$""",
        f"""CREATE OR REPLACE FUNCTION casekit_site() RETURNS text
            LANGUAGE sql {definer} AS
            $$ SELECT site FROM {ROLES} WHERE role = session_user AND kind = 'site' $$
        """,
        f"""CREATE OR REPLACE FUNCTION casekit_chain_head(OUT id integer,
            OUT hash text) LANGUAGE sql {definer} AS
            $$ SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1 $$""",
        f"""CREATE OR REPLACE FUNCTION casekit_taken(ids text[]) RETURNS SETOF text
            LANGUAGE sql {definer} AS
            $$ SELECT case_id FROM cases WHERE case_id = ANY(ids) $$""",
        """CREATE OR REPLACE FUNCTION casekit_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
            RAISE EXCEPTION 'the audit table is append-only (% refused)', TG_OP;
            END $$""",
        """CREATE OR REPLACE FUNCTION casekit_audit_actor() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN
            IF NEW.actor IS DISTINCT FROM session_user THEN
              RAISE EXCEPTION 'the audit''s actor is the database role %, not %',
                session_user, NEW.actor;
            END IF;
            RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS audit_append_only ON audit",
        """CREATE TRIGGER audit_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
            FOR EACH STATEMENT EXECUTE FUNCTION casekit_append_only()""",
        "DROP TRIGGER IF EXISTS audit_actor ON audit",
        """CREATE TRIGGER audit_actor BEFORE INSERT ON audit
            FOR EACH ROW EXECUTE FUNCTION casekit_audit_actor()""",
        "REVOKE ALL ON drafts FROM PUBLIC",  # drafts stay on a practitioner's file
    ]
    for table in form_tables(metadata):
        if "site" in table.c:
            # A direct INSERT by a site role that names no site gets its own.
            statements.append(
                f"ALTER TABLE {quote(table.name)} ALTER COLUMN site "
                "SET DEFAULT casekit_site()"
            )
            read, write = f"{owner} OR {mine} OR {analyst}", f"{owner} OR {mine}"
        else:  # a form of a case: its rows go with the case's site
            read = write = f"{owner} OR {of_my_cases}"
        statements += _policies(quote(table.name), read, write)
    # Who reads and appends which audit rows, and that a row appended follows
    # from the chain (casekit.store.trail).
    statements += trail.statements(definer, metadata.tables["audit"])
    read, write = trail.policies(owner, analyst, of_my_cases)
    statements += _policies("audit", read, write, change=False)
    # What was merged, and how many cases, is each site's own business too.
    statements += _policies(
        "merges", f"{owner} OR {analyst} OR {mine}", f"{owner} OR {mine}", change=False
    )
    # The shares released (casekit.store.releases): an analyst's are of every site,
    # a site role's of its own; each role records its own, and the roles granted
    # before the table came are granted it here.
    statements += _policies(
        "share_releases",
        f"{owner} OR {analyst} OR {mine}",
        f"{owner} OR {analyst} OR {mine}",
        change=False,
    )
    statements.append(
        f"""DO $$ DECLARE r record; BEGIN
            FOR r IN SELECT role FROM {ROLES} LOOP
              EXECUTE format('GRANT SELECT, INSERT ON share_releases TO %I', r.role);
              EXECUTE format('GRANT USAGE ON SEQUENCE share_releases_id_seq TO %I',
                r.role);
            END LOOP; END $$"""
    )
    return statements


def _policies(table: str, read: str, write: str, *, change: bool = True) -> list[str]:
    """Row-level security on ``table``, forced: ``read`` to see a row, ``write``
    to add one (and, with ``change``, to change one and what it becomes)."""
    update = (
        f"FOR UPDATE USING ({write}) WITH CHECK ({write})"
        if change
        else "FOR UPDATE USING (false)"
    )
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        *(f"DROP POLICY IF EXISTS {name} ON {table}" for name in POLICIES),
        f"CREATE POLICY casekit_read ON {table} FOR SELECT USING ({read})",
        f"CREATE POLICY casekit_add ON {table} FOR INSERT WITH CHECK ({write})",
        f"CREATE POLICY casekit_change ON {table} {update}",
    ]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def chain_head(conn: sa.Connection) -> tuple[int, str] | None:
    """The last audit row's id and hash, whichever site it is of (None when the
    audit is empty); the caller holds the chain's lock."""
    row = conn.exec_driver_sql("SELECT id, hash FROM casekit_chain_head()").first()
    return None if row is None or row.id is None else (row.id, row.hash or "")


def taken(conn: sa.Connection, ids: list[str]) -> set[str]:
    """Which of ``ids`` a case of any site has."""
    query = sa.text("SELECT casekit_taken(CAST(:ids AS text[]))")
    return set(conn.execute(query, {"ids": ids}).scalars())
