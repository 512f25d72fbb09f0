"""`casekit import` on a clinic day, as a walk-through found it: a store named
with a typo is refused, not made; a withdrawn case's id given again is one row's
problem, not a database error."""

from __future__ import annotations

import datetime as dt
import re
import stat

import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.dictionary import load_dictionary
from casekit.errors import ValidationFailed
from casekit.frames import typed_frame
from casekit.io.importer import import_files
from casekit.repeats import compared, row_hashes, stored_repeats

CASES = "case_id,site,intake_date,age_band,sex,pain_side,duration,nprs\n"
TODAY = dt.date.today().isoformat()


def _cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _cases(path, *ids):
    """A cases.csv with one intake row per id (an empty one: no id)."""
    first = dt.date(2025, 1, 6)
    rows = [
        f"{case_id},main,{first + dt.timedelta(days=i)},40-49,female,left,acute,"
        f"{i % 10}\n"
        for i, case_id in enumerate(ids)
    ]
    path.write_text(CASES + "".join(rows))
    return path


# -- 1. a store that is not there is refused, not made ---------------------------


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_an_import_into_a_store_named_with_a_typo_is_refused(tmp_path, capsys, dry_run):
    """`--db a.bd` for a.db made a new store and imported into it (exit 0)."""
    assert main(["init", "--db", str(tmp_path / "x" / "a.db")]) == 0
    typo = tmp_path / "x" / "a.bd"
    cases = _cases(tmp_path / "cases.csv", "")
    code, out, err = _cli(capsys, "import", cases, "--db", typo, *dry_run)
    assert code == 1 and out == ""
    assert err == (
        f"casekit: error: store {typo}: does not exist; create it with "
        f"`casekit init --db {typo}`\n"
    )
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["a.db"]


def test_an_import_makes_no_folder_nor_store_for_casekit_db(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("CASEKIT_DB", str(tmp_path / "typo" / "x.db"))
    code, _, err = _cli(capsys, "import", _cases(tmp_path / "cases.csv", ""))
    assert code == 1 and "does not exist; create it with `casekit init" in err
    assert not (tmp_path / "typo").exists()


def test_a_failed_import_leaves_no_empty_store(tmp_path, capsys, monkeypatch):
    """`casekit import nothere.csv` said so (exit 2) and left data/casekit.db."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    code, _, err = _cli(capsys, "import", "nothere.csv")
    assert code == 1 and "data/casekit.db: does not exist" in err
    assert list(tmp_path.iterdir()) == []


# -- 4. a withdrawn case's id given again ----------------------------------------


def test_a_withdrawn_cases_id_imported_again_is_a_row_problem(
    store, db_url, tmp_path, capsys
):
    """It was `UNIQUE constraint failed: cases.case_id`, naming no file or row."""
    store.add("case", case_record(case_id="K7Q2XM"))
    store.delete("case", "K7Q2XM", reason="withdrew consent")
    cases = _cases(tmp_path / "cases.csv", "", "K7Q2XM")
    for dry_run in ([], ["--dry-run"]):
        code, out, err = _cli(capsys, "import", cases, "--db", db_url, *dry_run)
        assert code == 1 and "UNIQUE" not in out + err
        assert out == (
            "cases.csv row 3: case K7Q2XM: `case_id` 'K7Q2XM' is a case that was "
            f"withdrawn on {TODAY}: a withdrawn case takes no new records\n"
        )
    assert store.case_ids(include_deleted=False) == set()
