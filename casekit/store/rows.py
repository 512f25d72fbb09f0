"""Finding and reading stored rows: one record by its key, and the columns of a
whole form as fast as the driver gives them (whether a case is closed:
:mod:`casekit.store.closing`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import numbers
from collections.abc import Iterator, Mapping

import pandas as pd
import sqlalchemy as sa

from ..dictionary import Form
from ..errors import NotFound
from ..frames import from_cell, records_to_frame


def match(table: sa.Table, form: Form, key: tuple) -> list:
    """The conditions that pick the record ``key`` of ``form``."""
    return [table.c[code] == value for code, value in zip(form.key, key, strict=True)]


def as_key(key: tuple | str) -> tuple:
    """A record's key as a tuple: a case id alone, or ``(case_id, number)`` with
    the number a whole number however it was given (``"1"``, ``1.0``, numpy's 1).

    SQL finds session 1 by ``"1"`` as well, but the frames a rule is checked on do
    not: a number left as text would match the row in the table and miss it in the
    check of what its removal leaves behind."""
    if isinstance(key, str):
        return (key,)
    key = tuple(key)
    if len(key) == 2:
        key = (key[0], _whole_number(key[1]))
    return key


def _whole_number(number):
    if isinstance(number, str) and number.strip().isdigit():
        return int(number)
    if isinstance(number, numbers.Integral) and not isinstance(number, bool):
        return int(number)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def fetch(conn: sa.Connection, table: sa.Table, form: Form, key: tuple) -> dict:
    """One stored record, typed; ``NotFound`` if it is not there (or removed)."""
    query = sa.select(table).where(
        *match(table, form, key), table.c.deleted == sa.false()
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(form.noun, key[0] if len(key) == 1 else key)
    return {f.code: from_cell(f, row[f.code]) for f in form.fields}


def form_query(
    table: sa.Table, cases: sa.Table, form: Form, include_deleted: bool
) -> sa.Select:
    """The stored cells of a form's fields (as stored), then ``deleted``, in key
    order; without the rows of withdrawn cases unless ``include_deleted``."""
    query = sa.select(
        *[as_stored(table.c[f.code]) for f in form.fields], table.c.deleted
    )
    if not include_deleted:
        query = query.where(table.c.deleted == sa.false())
        if form.instance is not None:
            # Rows of a case that is not there at all stay visible: `check` must
            # see them.
            gone = sa.select(cases.c.case_id).where(cases.c.deleted == sa.true())
            query = query.where(table.c.case_id.not_in(gone))
    return query.order_by(*[table.c[code] for code in form.key])


def read_rows(
    conn: sa.Connection, selects: Mapping[str, sa.Select], forms: Mapping[str, Form]
) -> dict[str, pd.DataFrame]:
    """The forms' ``selects`` (:func:`form_query` of ``forms``) read row by row
    into typed frames, ``deleted`` last."""
    with no_collection_pauses():
        return {
            name: records_to_frame(
                forms[name], conn.execute(select).all(), extra=["deleted"]
            )
            for name, select in selects.items()
        }


def as_stored(column: sa.Column) -> sa.ColumnElement:
    """The column as the driver stores it."""
    # SQLite keeps a date as 'YYYY-MM-DD' text; converting it in one vectorised step
    # (frames.column) is many times faster than a date object per row.
    return (
        sa.type_coerce(column, sa.String)
        if column.type.python_type is dt.date
        else column
    )


@contextlib.contextmanager
def no_collection_pauses() -> Iterator[None]:
    """Reading half a million rows makes millions of small objects (tuples, lists),
    and the cyclic collector re-walks all of them again and again while they pile
    up: pausing it for the read makes loading several times faster. None of these
    objects form cycles, so nothing is lost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
