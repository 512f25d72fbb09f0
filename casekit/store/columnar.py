"""The store's tables read as columns: SQLite or PostgreSQL through ADBC into Arrow,
then straight into typed pandas columns, with no Python object per cell.

The frames are the same as those read row by row through SQLAlchemy
(:func:`casekit.frames.records_to_frame`), in every dtype and value: ordered
categoricals, nullable integers and floats, ``datetime64[s]`` dates, multi-selects
as lists (or None), text as ``str``. ``tests/test_columnar.py`` holds the two paths
to that. SQLAlchemy stays for writes and the schema; the queries read here are the
same SQLAlchemy queries, compiled for the store's database.

Only a process that reads the store and never writes it asks for this path
(``Store.frames(columnar=True)``: ``casekit patterns``). The driver links a SQLite
of its own, and two SQLite libraries in one process break each other's locks: when
one closes the file, POSIX drops every lock the process holds on it, the other's too
(sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1). A process that also
writes may then write into a write-ahead log that another process has already
checkpointed and deleted: the write is lost. It was: a case saved in the logging
forms never reached the file, once the forms' kernel read through here.
``read_selects`` closes the store's own pooled connections before the driver opens
the file.

A PostgreSQL store is read with the same role as the store's connections (its URL),
so row-level security gives it the same rows, in one read-only snapshot (repeatable
read): the three forms of a network come over in PostgreSQL's binary COPY format
rather than a Python tuple per row. Only when the ADBC driver is installed
(``adbc-driver-sqlite``, ``adbc-driver-postgresql``); anything the driver cannot read
(a locked file, a cell of the wrong type written by another tool, a server it
cannot reach) makes the caller read through SQLAlchemy, which then reads it, or says
in plain words why not.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..dictionary import Field, Form
from ..frames import MULTI_SEPARATOR
from .database import CONNECT_TIMEOUT_S
from .rows import no_collection_pauses

# The driver infers a column's type from the first batch of rows; a column empty
# there but not below would be refused. One batch as large as any table: the whole
# column is seen at once.
_BATCH_ROWS = str(2**31 - 2)  # the most the driver takes (it refuses INT_MAX)


DRIVERS = {"sqlite": "adbc_driver_sqlite", "postgresql": "adbc_driver_postgresql"}


def available(database: str = "sqlite") -> bool:
    """Whether the ADBC driver of ``database`` (a SQLAlchemy dialect's name) and
    pyarrow can be imported."""
    return database in DRIVERS and all(
        importlib.util.find_spec(name) is not None
        for name in (DRIVERS[database], "pyarrow")
    )


def read_errors() -> tuple[type[BaseException], ...]:
    """What the driver and Arrow raise for a file or a cell they cannot read."""
    import adbc_driver_manager
    import pyarrow as pa

    return (adbc_driver_manager.Error, pa.ArrowException)


# Compiled with its values written in: the driver takes SQL text.
_LITERAL = {"literal_binds": True}


def read_selects(
    engine: Any,
    path: Path | None,
    selects: Mapping[str, Any],
    forms: Mapping[str, Form],
    timeout: float,
) -> dict[str, pd.DataFrame] | None:
    """The SQLAlchemy ``selects`` of ``forms`` (:func:`casekit.store.rows.form_query`,
    with ``deleted`` last) read in columns from the SQLite file ``path`` or the
    PostgreSQL database of ``engine``; None where there is no file or driver, or
    the driver cannot read it: the caller then reads row by row.
    """
    database = engine.dialect.name
    if not available(database) or (database == "sqlite" and path is None):
        return None
    if database == "sqlite":
        # The driver has a SQLite of its own: none of ours may hold the file open
        # while it opens and closes it (see the module's docstring).
        engine.dispose()
        source, sql_of = path, _unordered_sql
    else:
        # The server sorts by its own collation, as the row reader's ORDER BY.
        source, sql_of = _postgres_uri(engine.url), _sql
    compiled = {
        name: (forms[name], sql_of(select, engine), ["deleted"])
        for name, select in selects.items()
    }
    with contextlib.suppress(*read_errors()):
        return read_frames(source, compiled, timeout)
    return None


def _postgres_uri(url: Any) -> str:
    """The libpq URI of a SQLAlchemy URL: the same server, database and role, and
    the store's own wait for a server that does not answer (libpq waits forever)."""
    url = url.set(drivername="postgresql")
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    return url.render_as_string(hide_password=False)


def _sql(select: Any, engine: Any) -> str:
    return str(select.compile(dialect=engine.dialect, compile_kwargs=_LITERAL))


def _unordered_sql(select: Any, engine: Any) -> str:
    """The query as SQLite text, without its ORDER BY: :func:`read_frames` puts
    the rows in key order in Arrow. SQLite would read the table through its key's
    index, a look-up into the table for every row: twice as long."""
    return _sql(select.order_by(None), engine)


def read_frames(
    source: Path | str,
    queries: Mapping[str, tuple[Form, str, Sequence[str]]],
    timeout: float,
) -> dict[str, pd.DataFrame]:
    """Run each query in one read-only transaction of ``source``: a SQLite file,
    or a PostgreSQL URI.

    ``queries`` maps a name to ``(form, sql, extra)``: the query selects the form's
    fields in order, then the ``extra`` columns; from SQLite in any order. Returns
    one typed frame a name, its rows in the form's key order (SQLite's: text
    compared byte by byte, as its default collation does).
    """
    in_sqlite = isinstance(source, Path)
    tables = {}
    # The connection reads in one transaction (autocommit is off): the forms come
    # from one snapshot, as a write leaves them whole.
    with _reader(source, timeout) as conn, conn.cursor() as cursor:
        for name, (_, sql, _) in queries.items():
            if in_sqlite:
                cursor.adbc_statement.set_options(
                    **{"adbc.sqlite.query.batch_rows": _BATCH_ROWS}
                )
            cursor.execute(sql)
            tables[name] = cursor.fetch_arrow_table()
        conn.rollback()
    frames = {}
    # A list per multi-select cell: half a million of them, which the cyclic
    # collector would walk again and again (four times as long; none form cycles).
    with no_collection_pauses():
        for name, (form, _, extra) in queries.items():
            frame = arrow_frame(form, tables.pop(name), extra)
            if in_sqlite:
                # Sorted once typed: moving codes and pointers is several times
                # faster than Arrow moving every text and list of the table.
                order = key_order(frame, form)
                frame = frame.take(order).reset_index(drop=True)
            frames[name] = frame
    return frames


@contextlib.contextmanager
def _reader(source: Path | str, timeout: float):
    """A read-only ADBC connection to ``source``, in a transaction."""
    if isinstance(source, Path):
        import adbc_driver_sqlite.dbapi

        # Read-only: a read can never write, whatever the query.
        uri = f"{source.resolve().as_uri()}?mode=ro"
        with adbc_driver_sqlite.dbapi.connect(uri) as conn:
            with conn.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            yield conn
        return
    import adbc_driver_postgresql.dbapi

    with adbc_driver_postgresql.dbapi.connect(source) as conn:
        with conn.cursor() as cursor:
            # Every form from one snapshot, and nothing written by accident.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield conn


def key_order(frame: pd.DataFrame, form: Form) -> np.ndarray:
    """The positions of ``frame``'s rows (a typed frame of ``form``) in the
    form's key order.

    The case id is text: its distinct values are ranked once (Arrow compares
    text byte by byte, as SQLite's default collation does), then numpy sorts the
    rows by integers, about four times faster than sorting them by text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pa.array(frame["case_id"].array)
    encoded = ids.dictionary_encode()
    rank = pc.rank(encoded.dictionary, sort_keys="ascending", tiebreaker="first")
    keys = [rank.to_numpy()[_filled(encoded.indices, 0)]]
    if form.instance is not None:
        keys.insert(0, frame[form.instance].to_numpy(dtype="int64", na_value=-1))
    return np.lexsort(keys)  # lexsort: its last key sorts first


def arrow_frame(form: Form, table: Any, extra: Sequence[str] = ()) -> pd.DataFrame:
    """An Arrow table of stored cells (the form's fields in order, then ``extra``)
    as a typed frame, the same as :func:`casekit.frames.records_to_frame` makes."""
    names = [*form.codes, *extra]
    data = {}
    for name, values in zip(names, table.columns, strict=True):
        if name in form:
            data[name] = arrow_column(form[name], values)
        elif len(values):
            data[name] = _plain(values)
        else:
            data[name] = []  # as the row reader leaves an empty extra column
    return pd.DataFrame(data, columns=names)


def arrow_column(f: Field, values: Any) -> Any:
    """Stored cells of one field, an Arrow (chunked) array, as a typed column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = values.combine_chunks() if hasattr(values, "combine_chunks") else values
    if values.null_count == len(values):
        # A column with no value at all comes typed as integers: any type will do.
        values = pa.nulls(len(values), pa.string())
    if f.type in ("choice", "yesno"):
        return _categorical(values, list(f.code_values))
    if f.type == "multi":
        return pd.Series(_code_lists(values), dtype=object)
    if f.type == "integer":
        return pd.arrays.IntegerArray(
            _filled(values.cast(pa.int64()), 0), _missing(values)
        )
    if f.type == "number":
        return pd.arrays.FloatingArray(
            _filled(values.cast(pa.float64()), 0.0), _missing(values)
        )
    if f.type == "date":
        days = pc.strptime(values.cast(pa.string()), format="%Y-%m-%d", unit="s")
        return pd.Series(days.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    return pd.Series(values.cast(pa.string()), dtype="str")


def _categorical(values: Any, categories: list[str]) -> pd.Categorical:
    """Codes as an ordered categorical: a stored code the dictionary no longer
    lists is missing, as :class:`pandas.Categorical` makes it."""
    import pyarrow as pa

    encoded = values.cast(pa.string()).dictionary_encode()
    position = {code: i for i, code in enumerate(categories)}
    # One look-up a distinct stored code, then a vectorised take per row; the last
    # slot (-1) is where a missing cell points.
    lookup = np.array(
        [position.get(code, -1) for code in encoded.dictionary.to_pylist()] + [-1],
        dtype=np.int64,
    )
    codes = lookup[_filled(encoded.indices, -1)]
    return pd.Categorical.from_codes(codes, categories=categories, ordered=True)


def _code_lists(values: Any) -> list[list[str] | None]:
    """`a|b` cells as lists of codes, an empty cell as None; each distinct cell is
    split once and each row gets its own copy of the list."""
    import pyarrow as pa

    encoded = values.cast(pa.string()).dictionary_encode()
    split = [
        cell.split(MULTI_SEPARATOR) if cell else None
        for cell in encoded.dictionary.to_pylist()
    ]
    split.append(None)  # where a missing cell points
    # Python ints index a list faster than numpy's do.
    positions = _filled(encoded.indices, -1).tolist()
    return [
        None if codes is None else codes[:]
        for codes in map(split.__getitem__, positions)
    ]


def _filled(values: Any, fill: Any) -> np.ndarray:
    return values.fill_null(fill).to_numpy(zero_copy_only=False)


def _missing(values: Any) -> np.ndarray:
    return values.is_null().to_numpy(zero_copy_only=False)


def _plain(values: Any) -> Any:
    """An extra column (``deleted``): SQLite's 0 / 1 (PostgreSQL's booleans) as
    booleans."""
    import pyarrow as pa

    if pa.types.is_integer(values.type) or pa.types.is_boolean(values.type):
        return values.to_numpy(zero_copy_only=False).astype(bool)
    return values.to_pylist()
