"""The logins of a network store: a practitioner's role for their site, an analyst's
read-only role (``casekit grant``). What each may do is enforced by the server
(:mod:`casekit.store.server`); here the owner creates them.

A role is created, or its password reset, with a password drawn here
(:func:`secrets.token_urlsafe`, 144 bits); the server is sent only its SCRAM
verifier, computed by libpq on this side as ``psql``'s ``\\password`` does, so the
password itself reaches neither the server nor its logs. It is shown once, in the
role's connection URL, and kept nowhere.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from ..errors import InvalidSite, RoleRefused, UsageError
from ..privacy import SITE_CODE, SITE_CODE_RULE, site_code_problem
from .server import ROLES, form_tables
from .sites import insert_site, site_added
from .store import Store


@dataclass(frozen=True)
class Granted:
    """A role made ready by :func:`grant`.

    Attributes
    ----------
    role, kind : str
        Its name and ``site`` or ``analyst``.
    site : str or None
        The site of a site role.
    created : bool
        Whether it is new (else its password was reset).
    url : str
        Its connection URL, with its password: to be shown once, then forgotten.
    """

    role: str
    kind: str
    site: str | None
    created: bool
    url: str


def grant(store: Store, name: str, *, analyst: bool = False) -> Granted:
    """Create the role ``name`` of a network store, or reset its password.

    Parameters
    ----------
    store : Store
        A PostgreSQL store, opened by its owner.
    name : str
        A site code (the site's practitioner logs in as it, and the audit names
        it), or with ``analyst`` the analyst's name; both short and plain.
    analyst : bool, default False
        A read-only role that sees every site.

    Returns
    -------
    Granted

    Raises
    ------
    UsageError
        The store is a SQLite file.
    RoleRefused
        Not the owner; or ``name`` is a role of the server that this store did not
        create (the owner, another program's), or this store's role of another kind.
    InvalidSite
        ``name`` is not a short plain code, or (for a site) looks like an identifier.
    """
    if store.access.kind == "local":
        raise UsageError(
            "`casekit grant` works on a PostgreSQL store (network mode), not on a "
            "SQLite file"
        )
    if store.access.kind != "owner":
        raise RoleRefused(name, "only the store's owner grants roles")
    kind = "analyst" if analyst else "site"
    why = (
        (None if SITE_CODE.fullmatch(name) else f"expected {SITE_CODE_RULE}")
        if analyst
        else site_code_problem(name, store.deny_list)
    )
    if why is not None:
        raise InvalidSite(name, why)
    password = secrets.token_urlsafe(18)
    with store._write() as conn:
        created = _role(conn, name, kind, password)
        if not analyst and insert_site(conn, store.metadata.tables["sites"], name):
            store._audit(conn, [site_added(name)])
        if created:
            site = None if analyst else name
            conn.execute(
                sa.text(f"INSERT INTO {ROLES} (role, kind, site) VALUES (:r, :k, :s)"),
                {"r": name, "k": kind, "s": site},
            )
        for statement in _grants(conn, store.metadata, name, analyst):
            conn.exec_driver_sql(statement)
        store._audit(
            conn,
            [
                {
                    "action": "grant",
                    "form": "role",
                    "field": kind,
                    "new_value": name,
                    "reason": "created" if created else "password reset",
                }
            ],
        )
    store._sites = None
    url = sa.engine.make_url(store.url).set(username=name, password=password)
    return Granted(
        name,
        kind,
        None if analyst else name,
        created,
        url.render_as_string(hide_password=False),
    )


def _role(conn: sa.Connection, name: str, kind: str, password: str) -> bool:
    """Create the login role ``name`` with ``password``, or reset the password of
    this store's role of that name and kind; whether it was created."""
    ours = conn.execute(
        sa.text(f"SELECT kind FROM {ROLES} WHERE role = :r"), {"r": name}
    ).scalar()
    exists = conn.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}
    ).scalar()
    if exists and ours is None:
        raise RoleRefused(
            name,
            "the server already has a role of that name that this store did not "
            "create; choose another code",
        )
    if ours is not None and ours != kind:
        raise RoleRefused(name, f"is this store's {ours} role, not a {kind} role")
    quoted = conn.dialect.identifier_preparer.quote(name)
    verifier = _verifier(conn, name, password)
    if exists:
        conn.exec_driver_sql(f"ALTER ROLE {quoted} PASSWORD {verifier}")
    else:
        conn.exec_driver_sql(
            f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            f"NOREPLICATION PASSWORD {verifier}"
        )
    return not exists


def _verifier(conn: sa.Connection, name: str, password: str) -> str:
    """The password's verifier as a SQL literal, computed by libpq here, in the
    server's own ``password_encryption`` (SCRAM-SHA-256 by default)."""
    from psycopg import sql

    raw = conn.connection.dbapi_connection
    verifier = raw.pgconn.encrypt_password(password.encode(), name.encode(), None)
    return sql.Literal(verifier.decode()).as_string(raw)


def _grants(
    conn: sa.Connection, metadata: sa.MetaData, name: str, analyst: bool
) -> list[str]:
    """What the role may touch; the rows it may touch are the policies' word."""
    quote = conn.dialect.identifier_preparer.quote
    role = quote(name)
    database = quote(conn.exec_driver_sql("SELECT current_database()").scalar())
    schema = quote(conn.exec_driver_sql("SELECT current_schema()").scalar())
    forms = ", ".join(quote(t.name) for t in form_tables(metadata))
    statements = [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
    ]
    if analyst:
        return [
            *statements,
            f"GRANT SELECT ON {forms}, audit, merges, sites, casekit_meta TO {role}",
            *_release_grants(role),
        ]
    return [
        *statements,
        f"GRANT SELECT, INSERT, UPDATE ON {forms} TO {role}",
        f"GRANT SELECT, INSERT ON audit, merges TO {role}",
        f"GRANT SELECT ON sites, casekit_meta TO {role}",
        *_release_grants(role),
    ]


def _release_grants(role: str) -> list[str]:
    """A share made by any role is recorded (casekit.store.releases): an analyst,
    who writes nothing else, records its shares too."""
    return [
        f"GRANT SELECT, INSERT ON share_releases TO {role}",
        f"GRANT USAGE ON SEQUENCE share_releases_id_seq TO {role}",
    ]
