"""A store and its local fields: never silently out of sight.

A store's dictionary is the kit's plus ``dictionary.local.yaml`` from the store's
folder. A column that no field of it knows (the store opened elsewhere, a field taken
out) is said on every open and by ``casekit check``, never left out quietly.
"""

from __future__ import annotations

import sqlite3
import warnings

import pytest

from casekit import Store
from casekit.cli import main
from casekit.store.hidden import HiddenColumns
from casekit.store.kept import LocalDictionaryChanged
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


# -- the store keeps its local dictionary: a backup, or a store moved, keeps its fields

REFERRED = """
forms:
  case:
    fields:
      - code: referred_by
        type: text
        label: Referred by
"""
CASES_CSV = (
    "site,intake_date,age_band,sex,pain_side,duration,nprs,referred_by\n"
    "main,2025-03-04,30-39,female,left,acute,6,physio colleague\n"
)


@pytest.fixture
def local(tmp_path, monkeypatch):
    """`data/casekit.db` with a local field `referred_by` and one case using it,
    made and filled by the command line as the README says."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(REFERRED, encoding="utf-8")
    db = str(data / "casekit.db")
    assert main(["init", "--db", db]) == 0
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    assert main(["import", str(tmp_path / "in" / "cases.csv"), "--db", db]) == 0
    return data / "casekit.db"


def _exported_cases(db, out) -> str:
    assert main(["export", str(out), "--db", str(db)]) == 0
    return (out / "cases.csv").read_text(encoding="utf-8")


def test_a_backup_opened_where_it_lies_keeps_the_local_fields(local, tmp_path, capsys):
    (tmp_path / "usb").mkdir()
    assert main(["backup", f"{tmp_path / 'usb'}/", "--db", str(local)]) == 0
    (copy,) = (tmp_path / "usb").glob("*.db")
    assert not (tmp_path / "usb" / "dictionary.local.yaml").exists()
    capsys.readouterr()
    cases = _exported_cases(copy, tmp_path / "out")
    assert "referred_by" in cases.splitlines()[0]
    assert "physio colleague" in cases
    assert "warning" not in capsys.readouterr().err


def test_a_store_whose_yaml_is_lost_keeps_the_local_fields(local, tmp_path, recwarn):
    (local.parent / "dictionary.local.yaml").unlink()
    with Store(local, actor="tests") as store:
        assert "referred_by" in store.dictionary["case"]
        assert store.hidden == {}
        assert store.read("case")["referred_by"].tolist() == ["physio colleague"]
    assert not [w for w in recwarn if issubclass(w.category, HiddenColumns)]


def test_the_folders_yaml_wins_is_said_once_and_the_audit_keeps_both(local):
    edited = REFERRED.replace("Referred by", "Referred by whom")
    (local.parent / "dictionary.local.yaml").write_text(edited, encoding="utf-8")
    with pytest.warns(LocalDictionaryChanged, match="using"):
        with Store(local, actor="tests") as store:
            assert store.dictionary["case"]["referred_by"].label == "Referred by whom"
    with warnings.catch_warnings():
        warnings.simplefilter("error", LocalDictionaryChanged)
        with Store(local, actor="tests") as store:  # kept now: nothing to say
            kept = store.audit().query("action == 'keep_dictionary'")
            assert store.verify()[0] == []
    assert kept["old_value"].tolist()[1:] == [REFERRED]
    assert kept["new_value"].tolist() == [REFERRED, edited]


def test_the_deny_list_is_not_copied_into_the_store(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "deny-list.txt").write_text("Zebedee Quartermaine\n", encoding="utf-8")
    (data / "dictionary.local.yaml").write_text(REFERRED, encoding="utf-8")
    with Store(data / "casekit.db", create=True, actor="tests") as store:
        store.add("case", case_record())
    assert b"Quartermaine" not in (data / "casekit.db").read_bytes()
    assert b"Referred by" in (data / "casekit.db").read_bytes()
