"""A site code added by mistake taken off the store's list (``casekit site remove``).

A code goes while no case uses it, a withdrawn one included: its rows are kept,
marked, and their site must stay a listed code. On a network store (PostgreSQL) a
site may have a login role (``casekit grant``): the role's site is the code (the
server's policies read it from ``casekit_roles``, which refers to the list) and the
audit names the role as the actor of its writes. Taking the code away would leave
a login of no site, or call for dropping a role the audit names, so a code with a
role stays; one the owner added and never granted goes as on a SQLite file.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import RoleRefused, SiteNotRemoved
from ..privacy import site_code_of
from .server import ROLES
from .sites import near_site, read_sites, site_removed
from .store import Store


def remove_site(store: Store, typed: str) -> str:
    """Take a site code added by mistake off the store's list, audited; the code
    removed.

    Parameters
    ----------
    store : Store
        A SQLite store, or a PostgreSQL one opened by its owner.
    typed : str
        The code, read as ``casekit site add`` reads it (``North`` is ``north``).

    Returns
    -------
    str
        The code removed.

    Raises
    ------
    RoleRefused
        A network store opened by another role than its owner's.
    SiteNotRemoved
        The code is not listed (a close one is named); a case uses it, a withdrawn
        one included (its rows are kept, and their site must stay a listed code);
        or, on a network store, it has a login role (``casekit grant``): the role's
        site is the code, and its audit rows name it, so the code stays.
    """
    # Looked up, not screened as a new code is: a code listed before the screen
    # learned to flag it (``jsmith``) is just the one to take off the list.
    code = site_code_of(typed)
    if store.access.kind not in ("local", "owner"):
        raise RoleRefused(store.access.role, "only the store's owner removes a site")
    sites, cases = store.metadata.tables["sites"], store.table("case")
    with store._write() as conn:
        if conn.dialect.name == "postgresql":
            # No case of the code is written between the count and the removal.
            table = conn.dialect.identifier_preparer.quote(cases.name)
            conn.exec_driver_sql(f"LOCK TABLE {table} IN SHARE MODE")
            query = sa.text(f"SELECT role FROM {ROLES} WHERE site = :site")
            if conn.execute(query, {"site": code}).first() is not None:
                raise SiteNotRemoved(
                    code,
                    f"it has a login role (`{store.command('grant', code)}`); on a "
                    "network store a site with a role stays: the role's site is the "
                    "code and the audit names the role",
                )
        listed = read_sites(conn, sites)
        if code not in listed:
            near = near_site(code, listed)
            meant = f" (did you mean {near}?)" if near else ""
            raise SiteNotRemoved(code, f"it is not in the store's site list{meant}")
        used = conn.execute(
            sa.select(sa.func.count()).select_from(cases).where(cases.c.site == code)
        ).scalar_one()
        if used:
            raise SiteNotRemoved(
                code,
                f"{used} case{'s' * (used != 1)} of it {'are' if used != 1 else 'is'} "
                "in the store (withdrawn ones included, kept marked); a site that "
                "cases use stays listed",
            )
        conn.execute(sa.delete(sites).where(sites.c.code == code))
        store._audit(conn, [site_removed(code)])
    store._sites = None
    return code
