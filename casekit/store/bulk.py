"""Many rows into one table, in the write's transaction: an import's thousands.

SQLAlchemy's ``execute(insert(table), rows)`` builds every row's parameters in
Python (a dict walk, a type lookup per value), which at 100,000 rows takes longer
than SQLite takes to store them. On SQLite the statement is compiled once here and
the rows handed to the driver's ``executemany`` as tuples, each value through its
column's own bind processor (a date as SQLAlchemy writes it): the same cells as
SQLAlchemy's path writes. On PostgreSQL SQLAlchemy's path stays: it already sends
the rows as multi-row INSERTs, one round trip per batch, not per row.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa


def insert_rows(
    conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (column name to value; every row the same columns) into
    ``table``. An integrity error comes as SQLAlchemy's ``IntegrityError``, as
    from ``conn.execute``."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(sa.insert(table), rows)
        return
    statement, names, processors = _prepared(conn.dialect, table, tuple(rows[0]))
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not processed:
        values = [tuple(row[name] for name in names) for row in rows]
    else:
        values = []
        for row in rows:
            cells = [row[name] for name in names]
            for i, process in processed:
                cells[i] = process(cells[i])
            values.append(tuple(cells))
    conn.exec_driver_sql(statement, values)


@functools.lru_cache(maxsize=64)
def _prepared(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[str, tuple[str, ...], list]:
    """The INSERT of ``names`` into ``table`` compiled for ``dialect``, the column
    of each positional placeholder in order, and each one's bind processor."""
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(names))
    # The placeholders in the table's column order: the rows' tuples follow it.
    order = tuple(compiled.positiontup)
    if sorted(order) != sorted(names):
        raise ValueError(f"cannot insert columns {names} into {table.name}")
    columns = [table.c[name] for name in order]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    return str(compiled), order, processors
