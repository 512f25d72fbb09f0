"""Which cases are closed, asked in SQL: the rule of :mod:`casekit.closing`.

A case is closed by its latest follow-up with a status (the highest number that
says one) when that status is discharged, lost or withdrew, unless a session dated
after that follow-up re-opened it (the patient came back). The caseload
(:func:`casekit.store.queries.calls_due`) lists the calls of open cases, and the
store asks a reason for an edit or a removal of a record of a closed case
(:meth:`Store.update`, :meth:`Store.delete`), not of a re-opened one. Adding a
session or a follow-up is not an edit: it never needs a reason.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..closing import CLOSED_STATUSES
from ..errors import ReasonRequired
from .schema import TABLE_OF


def closed(
    case_id: sa.ColumnElement,
    sessions: sa.Table,
    followups: sa.Table,
    on: dt.date | None = None,
) -> sa.ColumnElement:
    """Whether the case ``case_id`` (a column of an outer query, or a value) is
    closed and not re-opened, as a condition of SQL.

    Asked case by case, as the indexes find it: the case's latest follow-up with
    a status (the first one met walking its key backwards) and, for that one
    follow-up alone, whether it closed the case and whether a session is dated
    after it. One scalar subquery a case: at 100,000 cases (nearly all closed)
    the open ones are found in about 0.7 s, against 0.25 s when a status alone
    decided (looking at a closed case's sessions is what re-opening costs) and
    0.9 s or more for a subquery of its own for each part.

    Parameters
    ----------
    case_id : column or value
    sessions, followups : Table
    on : datetime.date, optional
        Count only the sessions and follow-ups dated on or before this day (a
        follow-up without a date counts whatever the day); every one without it.
    """
    # Aliases of their own: a query over the sessions or follow-ups that asks
    # this would otherwise have these correlated to its own rows.
    s, f = sessions.alias("later"), followups.alias("latest")
    said = [f.c.case_id == case_id, f.c.deleted == sa.false()]
    said.append(f.c.status.is_not(None))
    if on is not None:
        said.append(_dated_by(f.c.followup_date, on))
    back = [
        s.c.case_id == f.c.case_id,
        s.c.deleted == sa.false(),
        s.c.session_date > f.c.followup_date,  # NULL when undated: not back
    ]
    if on is not None:
        back.append(s.c.session_date <= on)
    # 1 when the latest follow-up with a status closed the case and no session
    # came after it, else NULL: worked out for that one follow-up (LIMIT 1 on the
    # key's index stops there), so a case costs one walk and one look-up.
    shut = sa.case(
        (
            sa.and_(
                f.c.status.in_(CLOSED_STATUSES),
                ~sa.exists().where(*back).correlate_except(s),
            ),
            sa.literal(1),
        ),
        else_=sa.null(),
    )
    latest = (
        sa.select(shut)
        .where(*said)
        .order_by(f.c.followup_no.desc())
        .limit(1)
        .correlate_except(f, s)  # to the case, however deep the case's query
        .scalar_subquery()
    )
    return latest.is_not(None)


def is_closed(conn: sa.Connection, metadata: sa.MetaData, case_id: str) -> bool:
    """Whether the case is closed now (and not re-opened): an edit of it needs a
    reason."""
    tables = (metadata.tables[TABLE_OF[form]] for form in ("session", "followup"))
    sessions, followups = tables
    query = sa.select(closed(sa.literal(case_id), sessions, followups))
    return bool(conn.execute(query).scalar())


def _dated_by(date: sa.ColumnElement, on: dt.date) -> sa.ColumnElement:
    """Dated on or before ``on``, or not dated (it cannot be placed, so it counts
    whatever the day)."""
    return sa.or_(date <= on, date.is_(None))


def refuse_unexplained(
    conn: sa.Connection, metadata: sa.MetaData, case_id: str, reason: str | None
) -> None:
    """Raise ``ReasonRequired`` (nothing written) for an edit or a removal of a
    record of a closed case that says no ``reason``: the one rule of
    :meth:`Store.update` and :meth:`Store.delete`."""
    if reason is None and is_closed(conn, metadata, case_id):
        raise ReasonRequired(case_id)
