"""The store's site list: the codes a case's ``site`` may take.

A site is a short code that the practitioner adds (``casekit site add CODE``), not
free text typed on each case: a name or a phone number typed into a site would
reach every split by site. A new store knows ``main``; a store of an older casekit
is seeded with ``main`` and every valid site code its cases already use. A code
added by mistake is taken off the list by :mod:`casekit.store.unlisting`.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace

import pandas as pd
import sqlalchemy as sa

from ..errors import InvalidSite
from ..privacy import DEFAULT_SITE, SITE_CODE, site_code_of, site_code_problem
from ..problems import Problem
from .checked import Checked


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


def new_site_code(typed: str, deny_list: Collection[str]) -> str:
    """The code ``typed`` stands for (:func:`site_code_of`), to be added to the
    list; ``InvalidSite`` when it is not short and plain or looks like an
    identifier."""
    code = site_code_of(typed)
    why = site_code_problem(code, deny_list)
    if why is not None:
        raise InvalidSite(code, why)
    return code


def site_added(code: str) -> dict:
    """The audit row of a site added to the list."""
    return {"action": "add_site", "form": "site", "new_value": code}


def site_removed(code: str) -> dict:
    """The audit row of a site taken off the list."""
    return {"action": "remove_site", "form": "site", "old_value": code}


def near_site(code: str, listed: Iterable[str]) -> str | None:
    """The listed code that ``code`` is most likely a slip of (``mian``: ``main``),
    or None when none is close."""
    found = difflib.get_close_matches(code, list(listed), n=1)
    return found[0] if found else None


def site_problem(
    code: str,
    sites: Callable[..., list[str]],
    deny_list: Collection[str],
    command: Callable[..., str],
    **place,
) -> Problem | None:
    """Why ``code`` is not a site of the store (its value withheld when it looks
    like an identifier), or None; ``sites`` is :meth:`Store.sites`, ``place`` says
    where the record came from, and ``command`` (:meth:`Store.command`) writes the
    command that adds it. An unlisted code close to a listed one asks whether that
    one was meant."""
    why = site_code_problem(code, deny_list)
    if why is not None:
        return Problem(
            rule="bad_site", field="site", value="(withheld)", detail=why, **place
        )
    # The list as last read, then afresh: another process may have added it.
    if code in sites(fresh=False) or code in sites():
        return None
    fix = command("site", "add", code)
    near = near_site(code, sites(fresh=False))
    rule = "unknown_site" if near is None else "near_site"
    return Problem(
        rule=rule, field="site", value=code, other_value=near, fix=fix, **place
    )


def stored_site_problems(
    cases: pd.DataFrame,
    sites: Callable[..., list[str]],
    deny_list: Collection[str],
    command: Callable[..., str],
) -> list[Problem]:
    """A problem for each case of ``cases`` whose site is not a listed code."""
    found = (
        site_problem(str(site), sites, deny_list, command, form="case", case_id=case_id)
        for case_id, site in zip(cases["case_id"], cases["site"], strict=True)
        if not pd.isna(site)
    )
    return [p for p in found if p is not None]


def with_site_code(
    checked: Checked,
    sites: Callable[..., list[str]],
    deny_list: Collection[str],
    own_site: str | None,
    command: Callable[..., str],
    **place,
) -> Checked:
    """``checked`` with its site as a code of the site list (spreadsheets
    capitalise: ``Main`` is ``main``), or with a problem saying what to do: an
    unlisted or identifying code, or (``own_site``, a network site's role) another
    site than the role's own. ``sites`` is :meth:`Store.sites`."""
    code = site_code_of(str(checked.record["site"]))
    problem = site_problem(code, sites, deny_list, command, **place)
    if problem is None and own_site not in (None, code):
        problem = Problem(
            rule="other_site", field="site", value=code, detail=own_site, **place
        )
    if problem is not None:
        return replace(checked, problems=(*checked.problems, problem))
    record = types.MappingProxyType({**checked.record, "site": code})
    return replace(checked, record=record)
