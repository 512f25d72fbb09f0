"""A store and its local fields: never silently out of sight.

A store's dictionary is the kit's plus ``dictionary.local.yaml`` from the store's
folder. A column that no field of it knows (the store opened elsewhere, a field taken
out) is said on every open and by ``casekit check``, never left out quietly.
"""

from __future__ import annotations

import sqlite3

import pytest

from casekit import Store
from casekit.cli import main
from casekit.store.hidden import HiddenColumns
from tests.conftest import case_record


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A store whose cases table has a column `referred_by` that its dictionary
    does not know, with one value in it (as a store written with a local field
    and opened without its YAML)."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    path = tmp_path / "data" / "casekit.db"
    with Store(path, create=True, actor="tests") as store:
        store.add("case", case_record())
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE cases ADD COLUMN referred_by TEXT")
        conn.execute("UPDATE cases SET referred_by = 'physio colleague'")
    conn.close()
    return path


def test_opening_a_store_with_columns_its_dictionary_lacks_warns(bare):
    with pytest.warns(HiddenColumns) as caught:
        with Store(bare, actor="tests") as store:
            assert store.hidden == {"case": ["referred_by"]}
    said = str(caught[0].message)
    assert "cases: referred_by" in said
    assert str(bare.parent / "dictionary.local.yaml") in said


def test_the_command_line_says_it_in_one_line_on_stderr(bare, tmp_path, capsys):
    assert main(["export", str(tmp_path / "out"), "--db", str(bare)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("casekit: warning: ")
    assert "referred_by" in err[0] and "dictionary.local.yaml" in err[0]


def test_check_reports_the_hidden_column(bare, capsys):
    main(["check", "--db", str(bare)])
    out = capsys.readouterr().out
    assert "column `referred_by` of the case table is no field" in out
    assert "1 warning" in out


def test_a_store_whose_columns_are_all_known_says_nothing(tmp_path, recwarn):
    with Store(tmp_path / "casekit.db", create=True, actor="tests") as store:
        assert store.hidden == {}
    assert not [w for w in recwarn if issubclass(w.category, HiddenColumns)]
