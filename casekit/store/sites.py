"""The store's site list: the codes a case's ``site`` may take.

A site is a short code that the practitioner adds (``casekit site add CODE``), not
free text typed on each case: a name or a phone number typed into a site would
reach every split by site. A new store knows ``main``; a store of an older casekit
is seeded with ``main`` and every valid site code its cases already use.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..privacy import DEFAULT_SITE, SITE_CODE


def read_sites(conn: sa.Connection, sites: sa.Table) -> list[str]:
    """The site codes, sorted."""
    return sorted(conn.execute(sa.select(sites.c.code)).scalars())


def seed_sites(conn: sa.Connection, sites: sa.Table, cases: sa.Table) -> list[str]:
    """Fill an empty site list (``main`` and the valid codes cases already use);
    returns the codes added, none if the list had any."""
    if conn.execute(sa.select(sa.func.count()).select_from(sites)).scalar():
        return []
    used = conn.execute(sa.select(cases.c.site).distinct()).scalars()
    codes = sorted({DEFAULT_SITE} | {c for c in used if c and SITE_CODE.fullmatch(c)})
    conn.execute(sa.insert(sites), [{"code": c} for c in codes])
    return codes


def insert_site(conn: sa.Connection, sites: sa.Table, code: str) -> bool:
    """Add ``code`` unless it is there; whether it was added."""
    there = conn.execute(sa.select(sites.c.code).where(sites.c.code == code)).first()
    if there is None:
        conn.execute(sa.insert(sites).values(code=code))
    return there is None


def site_added(code: str) -> dict:
    """The audit row of a site added to the list."""
    return {"action": "add_site", "form": "site", "new_value": code}
