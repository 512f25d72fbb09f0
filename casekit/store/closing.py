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
from .schema import TABLE_OF


def closed_cases(
    sessions: sa.Table, followups: sa.Table, on: dt.date | None = None
) -> sa.Select:
    """The ids of the cases closed and not re-opened.

    Parameters
    ----------
    sessions, followups : Table
    on : datetime.date, optional
        Count only the sessions and follow-ups dated on or before this day (a
        follow-up without a date counts whatever the day); every one without it.
    """
    s, f = sessions, followups
    latest = f.alias("latest")
    counted = [latest.c.deleted == sa.false(), latest.c.status.is_not(None)]
    if on is not None:
        counted.append(_dated_by(latest.c.followup_date, on))
    latest_said = (
        sa.select(sa.func.max(latest.c.followup_no))
        .where(latest.c.case_id == f.c.case_id, *counted)
        .scalar_subquery()
    )
    back = [
        s.c.case_id == f.c.case_id,
        s.c.deleted == sa.false(),
        s.c.session_date > f.c.followup_date,  # NULL when undated: not back
    ]
    if on is not None:
        back.append(s.c.session_date <= on)
    closing = [
        f.c.deleted == sa.false(),
        f.c.status.in_(CLOSED_STATUSES),
        f.c.followup_no == latest_said,
    ]
    if on is not None:
        closing.append(_dated_by(f.c.followup_date, on))
    return sa.select(f.c.case_id).where(*closing, ~sa.exists().where(*back))


def is_closed(conn: sa.Connection, metadata: sa.MetaData, case_id: str) -> bool:
    """Whether the case is closed now (and not re-opened): an edit of it needs a
    reason."""
    tables = (metadata.tables[TABLE_OF[form]] for form in ("session", "followup"))
    sessions, followups = tables
    query = closed_cases(sessions, followups).where(followups.c.case_id == case_id)
    return conn.execute(query.limit(1)).first() is not None


def _dated_by(date: sa.ColumnElement, on: dt.date) -> sa.ColumnElement:
    """Dated on or before ``on``, or not dated (it cannot be placed, so it counts
    whatever the day)."""
    return sa.or_(date <= on, date.is_(None))
