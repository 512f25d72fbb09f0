"""How a value looks in each place it lives: a typed record, a database cell, a
DataFrame column, a text cell of a CSV file.

Keeping the three conversions together is what makes ``export`` then ``import``
give back every value exactly: multi-selects, missing values and dates included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .dictionary import Field, Form

MULTI_SEPARATOR = "|"


def to_cell(f: Field, value: Any) -> Any:
    """A typed value as the database stores it (multi-selects as `a|b`)."""
    if value is None:
        return None
    if f.type == "multi":
        return MULTI_SEPARATOR.join(value) if value else None
    if f.type == "integer":
        return int(value)
    if f.type == "number":
        return float(value)
    return value


def cell_column(f: Field, values: Sequence[Any]) -> list[Any]:
    """:func:`to_cell` of each value of one field, its conversion chosen once (an
    import converts a hundred thousand records' values)."""
    if f.type == "multi":
        return [MULTI_SEPARATOR.join(v) if v else None for v in values]
    if f.type == "integer":
        return [None if v is None else int(v) for v in values]
    if f.type == "number":
        return [None if v is None else float(v) for v in values]
    return list(values)


def record_cells(
    form: Form, records: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Typed records as database rows: each field's cell (:func:`to_cell`), by
    code, column by column."""
    codes = form.codes
    columns = [cell_column(f, [r.get(f.code) for r in records]) for f in form.fields]
    return [dict(zip(codes, row, strict=True)) for row in zip(*columns, strict=True)]


def typed_frame(
    form: Form, records: Sequence[Mapping[str, Any]], *, own_lists: bool = True
) -> pd.DataFrame:
    """Typed records as a typed frame: what :func:`records_to_frame` makes of their
    cells, made column by column. ``own_lists=False``: a multi-select's cell is
    the record's own list, not a copy, for a frame only read while the records
    live (an import's checks: half a million lists fewer at 100,000 cases)."""
    data = {}
    for f in form.fields:
        values = [r.get(f.code) for r in records]
        if f.type == "multi":
            # The lists that joining into a cell and splitting again would give
            # (a code holds no `|`), without the join and the split.
            data[f.code] = pd.Series(
                [(list(v) if own_lists else v) if v else None for v in values],
                dtype=object,
            )
        else:
            data[f.code] = column(f, cell_column(f, values))
    return pd.DataFrame(data, columns=form.codes)


def from_cell(f: Field, cell: Any) -> Any:
    """A database cell as a typed value (the inverse of :func:`to_cell`)."""
    if f.type == "multi":
        return cell.split(MULTI_SEPARATOR) if cell else None
    return cell


def column(f: Field, values: Sequence[Any]) -> pd.Series | pd.Categorical | list:
    """Database cells of one field as a typed pandas column."""
    if f.type in ("choice", "yesno"):
        return pd.Categorical(values, categories=list(f.code_values), ordered=True)
    if f.type == "multi":
        return pd.Series([from_cell(f, v) for v in values], dtype=object)
    if f.type == "integer":
        return pd.array(values, dtype="Int64")
    if f.type == "number":
        return pd.array(values, dtype="Float64")
    if f.type == "date":
        # ISO text from SQLite, date objects from PostgreSQL: both parse here.
        dates = pd.Series(values, dtype=object).map(_iso, na_action="ignore")
        return pd.to_datetime(dates, format="%Y-%m-%d").astype("datetime64[s]")
    return pd.Series(values, dtype="str")


def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def records_to_frame(
    form: Form, rows: Sequence[Sequence[Any]], extra: Sequence[str] = ()
) -> pd.DataFrame:
    """Rows of database cells (in field order, then ``extra``) as a typed frame."""
    names = [*form.codes, *extra]
    by_column = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    data = {}
    for name, values in zip(names, by_column, strict=True):
        data[name] = column(form[name], list(values)) if name in form else list(values)
    return pd.DataFrame(data, columns=names)


def text_cell(f: Field, value: Any) -> str:
    """A value of a typed frame as a CSV cell: '' for missing, ISO dates, `a|b`."""
    if value is None or (not isinstance(value, list) and pd.isna(value)):
        return ""
    if f.type == "multi":
        return MULTI_SEPARATOR.join(value)
    if f.type == "date":
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, str):  # a number generalised in a share export: `any`
        return value
    if f.type == "integer":
        return str(int(value))
    if f.type == "number":
        # The shortest text that reads back as the same float, and a whole number
        # as it was typed: 32, not 32.0.
        return repr(float(value)).removesuffix(".0")
    return str(value)


def frame_to_text(form: Form, frame: pd.DataFrame) -> pd.DataFrame:
    """A typed frame as text cells for ``to_csv``; unknown columns as they are."""
    text = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        if name in form:
            f = form[name]
            text[name] = [text_cell(f, v) for v in frame[name]]
        else:
            text[name] = ["" if pd.isna(v) else str(v) for v in frame[name]]
    return text


def frame_records(form: Form, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a typed frame as typed records (missing as None), column by
    column: a row-by-row walk through pandas is a hundred times slower."""
    columns = {}
    for f in form.fields:
        if f.code not in frame.columns:
            continue
        values = frame[f.code]
        if f.type == "multi":
            columns[f.code] = values.tolist()
            continue
        if f.type == "date":
            values = values.dt.date
        cells = values.astype(object).tolist()
        columns[f.code] = [None if _missing(v) else v for v in cells]
    names = list(columns)
    return [
        dict(zip(names, row, strict=True))
        for row in zip(*columns.values(), strict=True)
    ]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value
