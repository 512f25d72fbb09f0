"""A share export given to ``casekit import`` is refused in one line that says what
it is and what to import instead, nothing written: its folder (CSV or REDCap),
with or without its disclosure.txt, and one of its files given alone. It printed a
problem for every row (the site a label, a week that is no field, the intake date
required) and said nothing of what the folder was. ``casekit merge`` refuses it by
the same signs (``tests/test_merge_withdrawn.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import case_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.io.exporter import export_csv


@pytest.fixture
def exports(tmp_path) -> Path:
    """A practitioner's store of three cases with a session each, and its share
    exports (``share/``, CSV, and ``redcap/``) and full export (``full/``)."""
    with Store(tmp_path / "own.db", create=True, actor="practitioner") as own:
        for nprs in (4, 5, 6):
            case_id = own.add("case", case_record(nprs=nprs))["case_id"]
            own.add("session", session_record(case_id))
        export_csv(own, tmp_path / "share", share=True, k=1)
        export_csv(own, tmp_path / "redcap", share=True, fmt="redcap", k=1)
        export_csv(own, tmp_path / "full")
    return tmp_path


def _alone(exports: Path, file: str) -> Path:
    """``file`` of an export copied into a folder of its own, without the
    export's disclosure.txt."""
    folder = exports / "copied"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(exports / file, folder))


GIVEN = {
    "the CSV share folder": lambda e: e / "share",
    "the REDCap share folder": lambda e: e / "redcap",
    "a share folder without disclosure.txt": lambda e: (
        (e / "share" / "disclosure.txt").unlink() or e / "share"
    ),
    "its cases.csv": lambda e: e / "share" / "cases.csv",
    "its cases.csv copied alone": lambda e: _alone(e, "share/cases.csv"),
    "its sessions.csv copied alone": lambda e: _alone(e, "share/sessions.csv"),
    "its REDCap data copied alone": lambda e: _alone(e, "redcap/redcap_data.csv"),
}


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("given", GIVEN)
def test_a_share_export_is_refused_in_one_line(store, exports, capsys, given, dry_run):
    path = GIVEN[given](exports)
    before = len(store.audit())
    capsys.readouterr()
    code = main(["import", str(path), "--db", store.where, *["--dry-run"] * dry_run])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    named, said = line.split(": it is ")
    assert named.startswith("casekit: error: ") and named.endswith(path.name)
    assert said.startswith("a share export (disclosure.txt, weeks since intake")
    assert "import a full export of the store instead (casekit export DIR, " in line
    assert "without --share); nothing was imported" in line
    assert "`" not in line  # plain words
    assert "required" not in line and "site code" not in line
    assert store.case_ids() == set() and len(store.audit()) == before


def test_its_full_export_imports(store, exports, capsys):
    """What the refusal advises is imported, by the same signs read: a full
    export has dates, site codes and no disclosure.txt."""
    assert main(["import", str(exports / "full"), "--db", store.where]) == 0
    assert "imported 3 cases, 3 sessions" in capsys.readouterr().out
    assert len(store.case_ids()) == 3


WEEK_FIELD = """
forms:
  session:
    fields:
      - code: week
        type: integer
        label: Week of the programme
"""


def test_a_full_export_with_a_local_field_named_week_imports_and_merges(
    tmp_path, monkeypatch, capsys
):
    """A local field ``week`` is no sign of a share: the full export still has
    its sessions' dates. It was refused as a share export by import and merge."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(WEEK_FIELD, encoding="utf-8")
    with Store(data / "own.db", create=True, actor="practitioner") as own:
        case_id = own.add("case", case_record())["case_id"]
        own.add("session", session_record(case_id, week=3))
        export_csv(own, tmp_path / "full")
    assert "week" in (tmp_path / "full" / "sessions.csv").read_text().splitlines()[0]
    for name in ("new.db", "pool.db"):
        with Store(data / name, create=True, actor="tester") as new:
            new.add_site("north")
    fresh, pooled = str(data / "new.db"), str(data / "pool.db")
    assert main(["import", str(tmp_path / "full"), "--db", fresh]) == 0
    assert "imported 1 case, 1 session" in capsys.readouterr().out
    code = main(["merge", str(tmp_path / "full"), "--site", "north", "--db", pooled])
    assert code == 0, capsys.readouterr().err
    for name in ("new.db", "pool.db"):
        with Store(data / name) as new:
            (case,) = new.case_ids()
            assert new.get("session", (case, 1))["week"] == 3


def test_a_share_export_of_a_store_with_a_local_week_is_still_refused(
    tmp_path, monkeypatch, capsys
):
    """Its weeks since intake, without dates, still tell it (its disclosure.txt
    gone)."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store(tmp_path / "own.db", create=True, actor="practitioner") as own:
        own.add("session", session_record(own.add("case", case_record())["case_id"]))
        export_csv(own, tmp_path / "share", share=True, k=1)
    (tmp_path / "share" / "disclosure.txt").unlink()
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(WEEK_FIELD, encoding="utf-8")
    capsys.readouterr()
    Store(data / "new.db", create=True, actor="tester").close()
    assert main(["import", str(tmp_path / "share"), "--db", str(data / "new.db")]) == 1
    assert "it is a share export" in capsys.readouterr().err
