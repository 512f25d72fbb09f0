"""Many rows in one statement (casekit.store.bulk): the same cells as SQLAlchemy's
own INSERT writes, an integrity error as SQLAlchemy's, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from casekit.store.bulk import insert_rows

ROWS = [
    {
        "code": "a",
        "day": dt.date(2024, 2, 29),
        "n": 3,
        "x": 0.1,
        "text": "Zoë \u4e2d \U0001f600",
        "flag": True,
    },
    {"code": "b", "day": None, "n": None, "x": 32.0, "text": "", "flag": False},
    {
        "code": "c",
        "day": dt.date(1999, 12, 31),
        "n": 0,
        "x": None,
        "text": None,
        "flag": None,
    },
]


def _engine(db_url: str) -> sa.Engine:
    """An engine on the test's fresh database (a SQLite file, or PostgreSQL)."""
    if "://" in db_url:
        return sa.create_engine(db_url)
    Path(db_url).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(f"sqlite:///{db_url}")


def _tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    def table(name):
        return sa.Table(
            name,
            metadata,
            # Columns in another order than the rows give them.
            sa.Column("text", sa.Text()),
            sa.Column("x", sa.Float()),
            sa.Column("code", sa.String(8), primary_key=True),
            sa.Column("day", sa.Date()),
            sa.Column("n", sa.Integer()),
            sa.Column("flag", sa.Boolean()),
            sa.Column("kept", sa.Integer(), server_default=sa.text("7")),
        )

    return table("ours"), table("theirs")


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(db_url):
    engine = _engine(db_url)
    metadata = sa.MetaData()
    ours, theirs = _tables(metadata)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            insert_rows(conn, ours, ROWS)
            conn.execute(sa.insert(theirs), ROWS)
        with engine.connect() as conn:
            # The cells as the database holds them, not as SQLAlchemy reads them.
            def raw(name):
                query = f"SELECT * FROM {name} ORDER BY code"
                return [tuple(r) for r in conn.exec_driver_sql(query)]

            assert raw("ours") == raw("theirs")
            assert len(raw("ours")) == 3
            assert conn.execute(sa.select(ours.c.day, ours.c.kept)).all()[0] == (
                dt.date(2024, 2, 29),
                7,
            )
    finally:
        with engine.begin() as conn:
            metadata.drop_all(conn)
        engine.dispose()


def test_a_clash_is_sqlalchemys_integrity_error_and_writes_nothing(db_url):
    engine = _engine(db_url)
    metadata = sa.MetaData()
    ours, _ = _tables(metadata)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
        with pytest.raises(sa.exc.IntegrityError):
            with engine.begin() as conn:
                insert_rows(conn, ours, [ROWS[0], ROWS[1], ROWS[0]])
        with engine.connect() as conn:
            assert (
                conn.execute(sa.select(sa.func.count()).select_from(ours)).scalar() == 0
            )
    finally:
        with engine.begin() as conn:
            metadata.drop_all(conn)
        engine.dispose()


def test_no_rows_is_no_statement(db_url):
    engine = _engine(db_url)
    ours, _ = _tables(sa.MetaData())
    with engine.connect() as conn:
        insert_rows(conn, ours, [])  # the table does not even exist
    engine.dispose()
