"""A store marked with an older schema version, read by a command that only reads.

Schema 7 and 8 changed only a server's policies (``SERVER_ONLY``): a SQLite store
marked 6 or 7 lacks nothing this casekit reads, and every command that only reads
took it as out of date, telling its user to run ``casekit init`` for "a table or
a column to add". A store that does lack a column still is refused, and a server
store without this casekit's policies is refused saying that those are missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import pytest
from pgserver import superuser_sql

from casekit import Store
from casekit.cli import main
from casekit.store.schema import SCHEMA_VERSION, SERVER_ONLY, TABLES_VERSION
from casekit.synth import populate


def _store(tmp_path: Path, version: str) -> Path:
    db = tmp_path / "own.db"
    with Store(db, create=True, actor="practitioner") as store:
        populate(store, 4, seed=1)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        if int(version) < 6:  # as casekit of schema 5 left it
            conn.execute("ALTER TABLE share_releases DROP COLUMN k")
        conn.execute(
            "UPDATE casekit_meta SET value = ? WHERE key = 'schema_version'",
            (version,),
        )
    return db


def _version(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT value FROM casekit_meta WHERE key = 'schema_version'"
        ).fetchone()[0]


def test_the_versions_that_change_tables_are_recorded():
    # 7: the audit's server guards; 8: a narrower server policy. Neither a table.
    assert SERVER_ONLY == {7, 8} and TABLES_VERSION == 6 < SCHEMA_VERSION


@pytest.mark.parametrize("version", ["6", "7"])
def test_a_sqlite_store_of_a_server_only_version_is_read_without_init(
    tmp_path, capsys, version
):
    db = _store(tmp_path, version)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for argv in (["patterns"], ["due", "--on", "2025-03-14"], ["check"]):
        code = main([*argv, "--db", str(db)])
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err)
        assert "not up to date" not in captured.err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # A writing open marks it with this casekit's version, and says nothing of it.
    with Store(db, actor="practitioner") as store:
        rows = len(store.audit())
    assert _version(db) == str(SCHEMA_VERSION)
    with Store(db, read_only=True) as store:
        assert len(store.audit()) == rows
        assert store.verify()[0] == []


def test_a_sqlite_store_missing_a_column_is_still_refused(tmp_path, capsys):
    db = _store(tmp_path, "5")
    assert main(["due", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "not up to date" in err and "a table or a column to add" in err
    assert "casekit init" in err
    assert _version(db) == "5"


def test_a_server_store_without_this_casekits_policies_is_refused_saying_so(
    pg_url, capsys
):
    assert main(["init", "--db", pg_url]) == 0
    superuser_sql(
        pg_url,
        "UPDATE casekit_meta SET value = '7' WHERE key = 'schema_version'",
        guards=False,
    )
    capsys.readouterr()
    assert main(["check", "--db", pg_url]) == 1
    err = capsys.readouterr().err
    assert "policies on what a site may append to the audit, of schema " in err
    assert "a table or a column" not in err and "casekit init" in err
    assert main(["init", "--db", pg_url]) == 0
    assert main(["check", "--db", pg_url]) == 0
