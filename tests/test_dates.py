"""A date no clinic wrote (0001-01-01, 2300-01-01) is an error, and one still to
come a warning, wherever a record is checked: an import, ``casekit check`` on a
store written by another tool, the logging form. Before, such dates went in
silently and the shared report said "from 1 to 2300"."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from conftest import case_record
from test_forms import CORE, fill

from casekit import Store
from casekit.cli import main
from casekit.errors import ValidationFailed
from casekit.ui.forms import RecordForm

TODAY = dt.date.today()
SOON = TODAY + dt.timedelta(days=5)
HEADER = "case_id,intake_date,age_band,sex,pain_side,duration,nprs\n"


def _import(tmp_path, day: str, capsys) -> tuple[int, str, str]:
    db = tmp_path / "casekit.db"
    assert main(["init", "--db", str(db)]) == 0  # an import makes no store
    capsys.readouterr()
    (tmp_path / "cases.csv").write_text(f"{HEADER},{day},40-49,female,left,acute,6\n")
    code = main(["import", str(tmp_path / "cases.csv"), "--db", str(db)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2300-01-01"])
def test_an_impossible_date_is_refused_by_an_import(tmp_path, capsys, day):
    code, out, err = _import(tmp_path, day, capsys)
    assert code == 1
    assert f"`intake_date` is {day}, expected a date from 1900-01-01 to " in out
    assert "nothing was written" in err
    with Store(tmp_path / "casekit.db") as store:
        assert store.read("case").empty


def test_a_date_still_to_come_is_imported_with_a_warning(tmp_path, capsys):
    code, out, _ = _import(tmp_path, SOON.isoformat(), capsys)
    assert code == 0
    assert f"`intake_date` is {SOON}, after today ({TODAY}): check the date" in out
    assert main(["check", "--db", str(tmp_path / "casekit.db")]) == 0
    assert "checked 1 case: 0 errors, 1 warning" in capsys.readouterr().out


def test_check_finds_an_impossible_date_another_tool_stored(tmp_path, capsys):
    db = tmp_path / "casekit.db"
    with Store(db, create=True) as store:
        store.add("case", case_record())
    with sqlite3.connect(db) as raw:  # as another tool, or an older casekit, wrote
        raw.execute("UPDATE cases SET intake_date = '0001-01-01'")
    assert main(["check", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "`intake_date` is 0001-01-01, expected a date from 1900-01-01" in out


def test_the_form_refuses_an_impossible_date_and_warns_of_a_future_one(store):
    form = RecordForm(store, "case")
    fill(form, **{**CORE, "intake_date": dt.date(1, 1, 1)})
    form.save_button.click()
    message = form.fields["intake_date"].problem.value
    assert "is 0001-01-01, expected a date from 1900-01-01" in message
    assert store.read("case").empty

    fill(form, intake_date=SOON)
    assert form.check()["severity"].tolist() == ["warning"]
    assert f"after today ({TODAY}): check the date" in (
        form.fields["intake_date"].problem.value
    )
    form.save_button.click()
    assert len(store.read("case")) == 1


# A practice's own optional date field (data/dictionary.local.yaml): its dates
# are checked as the kit's own are. Before, a field neither required nor ruled
# otherwise took any date, 0001-01-01 included.
SCAN_DAY = """
forms:
  case:
    fields:
      - code: scan_date
        type: date
        label: Date of the last scan
"""


@pytest.fixture
def scanning(tmp_path, monkeypatch):
    """A store whose local dictionary adds an optional date, `scan_date`."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(SCAN_DAY, encoding="utf-8")
    with Store(data / "casekit.db", create=True, actor="tester") as s:
        yield s


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2300-01-01"])
def test_a_local_date_field_refuses_an_impossible_date_at_an_import(
    scanning, capsys, day
):
    folder = scanning.path.parent
    header = HEADER.rstrip("\n") + ",scan_date\n"
    (folder / "cases.csv").write_text(
        f"{header},2025-03-03,40-49,female,left,acute,6,{day}\n"
    )
    code = main(["import", str(folder / "cases.csv"), "--db", str(scanning.path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"`scan_date` is {day}, expected a date from 1900-01-01 to " in out
    assert "nothing was written" in err
    assert scanning.read("case").empty


def test_a_local_date_field_is_checked_by_add_check_and_the_form(scanning, capsys):
    with pytest.raises(ValidationFailed, match="`scan_date` is 0001-01-01"):
        scanning.add("case", case_record(scan_date=dt.date(1, 1, 1)))
    saved = scanning.add("case", case_record(scan_date=SOON))  # a warning only
    assert saved["scan_date"] == SOON

    with sqlite3.connect(scanning.path) as raw:  # as another tool wrote it
        raw.execute("UPDATE cases SET scan_date = '2300-01-01'")
    assert main(["check", "--db", str(scanning.path)]) == 1
    assert "`scan_date` is 2300-01-01, expected a date from 1900-01-01" in (
        capsys.readouterr().out
    )

    form = RecordForm(scanning, "case")
    fill(form, **{**CORE, "scan_date": dt.date(1, 1, 1)})
    form.save_button.click()
    assert "is 0001-01-01, expected a date from 1900-01-01" in (
        form.fields["scan_date"].problem.value
    )
    fill(form, scan_date=SOON)
    assert f"after today ({TODAY}): check the date" in (
        form.fields["scan_date"].problem.value
    )
