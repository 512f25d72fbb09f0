"""REDCap out and back in, and real REDCap exports from another project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from casekit import Store
from casekit.errors import ImportFileError, ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.io.redcap import DICTIONARY_COLUMNS, raw_codes
from casekit.synth import populate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "redcap"


def test_redcap_export_imports_back_exactly(store, tmp_path):
    populate(store, 60, seed=21)
    paths = export_csv(store, tmp_path / "rc", fmt="redcap")
    assert {p.name for p in paths} == {"redcap_data.csv", "redcap_dictionary.csv"}
    with Store(tmp_path / "copy.db", create=True) as copy:
        import_files(copy, [tmp_path / "rc"])
        for form, frame in store.frames().items():
            pd.testing.assert_frame_equal(frame, copy.read(form))


def test_redcap_dictionary_is_what_redcap_reads(store, tmp_path):
    export_csv(store, tmp_path / "rc", fmt="redcap")
    book = pd.read_csv(
        tmp_path / "rc" / "redcap_dictionary.csv", dtype=str, keep_default_na=False
    )
    assert list(book.columns) == DICTIONARY_COLUMNS
    names = book["Variable / Field Name"]
    assert names.iloc[0] == "case_id" and names.is_unique  # REDCap's own rules
    rows = book.set_index("Variable / Field Name")
    assert rows.loc["pain_regions", "Field Type"] == "checkbox"
    assert rows.loc["nprs", "Text Validation Type OR Show Slider Number"] == "integer"
    assert rows.loc["nprs", "Text Validation Max"] == "10"
    assert rows.loc["session_notes", "Form Name"] == "session"
    assert rows.loc["intake_date", "Text Validation Type OR Show Slider Number"] == (
        "date_ymd"
    )
    # codes REDCap refuses ("18-29", "80+") become 1, 2, 3 ... in order
    assert rows.loc["age_band", "Choices, Calculations, OR Slider Labels"].startswith(
        "1, 18-29 | 2, 30-39"
    )
    assert rows.loc[
        "ankle_injury_grade", "Branching Logic (Show field only if...)"
    ].startswith("[ankle_injury_side] = 'left' or")
    data = pd.read_csv(tmp_path / "rc" / "redcap_data.csv", nrows=0)
    assert list(data.columns[:3]) == [
        "case_id",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
    ]


def test_shared_redcap_export_carries_nothing_identifying(store, tmp_path):
    populate(store, 30, seed=4)
    export_csv(store, tmp_path / "rc", fmt="redcap", share=True)
    text = (tmp_path / "rc" / "redcap_data.csv").read_text()
    assert not any(case_id in text for case_id in store.case_ids())
    book = pd.read_csv(tmp_path / "rc" / "redcap_dictionary.csv", dtype=str)
    names = book["Variable / Field Name"]
    assert not set(names) & {"notes", "session_notes", "intake_date", "session_date"}
    assert names.is_unique  # each repeating form's week of its own: REDCap's rule
    data = set(pd.read_csv(tmp_path / "rc" / "redcap_data.csv", nrows=0))
    assert {"session_week", "followup_week", "exam_week"} <= data


def test_numeric_raw_codes_only_where_redcap_needs_them(store):
    case = store.dictionary["case"]
    assert raw_codes(case["sex"]) == ["female", "male", "other", "undisclosed"]
    assert raw_codes(case["ankle_injury_years_ago"]) == ["1", "2", "3", "4", "5"]


def test_identifier_fields_of_a_real_redcap_project_are_refused(store, tmp_path):
    folder = tmp_path / "simple"
    shutil.copytree(FIXTURES / "simple", folder)
    with pytest.raises(ImportFileError) as info:
        import_files(store, [folder])
    message = str(info.value)
    for field in ("name_first", "name_last", "address", "telephone", "email", "dob"):
        assert field in message
    assert "nothing was imported" in message
    assert store.case_ids() == set() and store.audit().empty


@pytest.mark.parametrize(
    "project",
    [
        "repeating-instruments",
        "checkboxes-1",
        "potentially-problematic-values",
        "decimal-comma-and-dot",
        "nonnumeric-record-id",
    ],
)
def test_a_foreign_redcap_project_is_refused_with_its_problems(
    store, tmp_path, project
):
    """Another project's fields are not casekit's: every unknown one is named, and
    nothing is written."""
    folder = tmp_path / project
    shutil.copytree(FIXTURES / project, folder)
    with pytest.raises((ValidationFailed, ImportFileError)) as info:
        import_files(store, [folder])
    if isinstance(info.value, ValidationFailed):
        problems = info.value.problems
        assert (problems["severity"] == "error").any()
        assert problems["problem"].str.contains("is not a field").any()
    assert store.case_ids() == set()


def test_longitudinal_projects_are_named_as_such(store, tmp_path):
    folder = tmp_path / "arm-single-longitudinal"
    shutil.copytree(FIXTURES / "arm-single-longitudinal", folder)
    with pytest.raises(ImportFileError, match="longitudinal"):
        import_files(store, [folder])
