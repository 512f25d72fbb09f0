"""A share's REDCap files as REDCap's import would take them: a field k-anonymity
generalised (age bands as ``40-59``, a practitioner's number as ``any``) is
declared as it is written, and written, not blanked.

The rules a value is held to (tests/redcap_rules.py) are first held to REDCap's own
exports (tests/fixtures/redcap/, from the REDCapR project): they take what REDCap
wrote and refuse what REDCap refuses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import case_record
from redcap_rules import read_book, refusals

from casekit import Store
from casekit.io.exporter import export_csv

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "redcap"
LOCAL = """
forms:
  case:
    fields:
      - {code: birth_year, type: integer, label: Year of birth, min: 1900,
         max: 2025, share: true}
      - code: desk_work
        type: yesno
        label: Desk work, for those in their forties
        share: true
        quasi_identifier: false
        show_if: {field: age_band, in: ['40-49']}
"""


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.mark.parametrize(
    "project",
    [
        "longitudinal",  # dropdowns, radios, checkboxes, yes/no, integers, dates
        "clinical-trial-1",
        "checkboxes-1",
        "repeating-instruments",
        "repeating-instruments-sparse",
        "validation-types-1",
    ],
)
def test_the_rules_take_what_redcap_itself_exported(project):
    folder = FIXTURES / project
    book, data = read_book(folder / "dictionary.csv"), _read(folder / "data.csv")
    assert refusals(book, data) == []


def test_the_rules_refuse_what_redcap_would():
    # Values typed before the field had its validation: REDCap keeps them, and
    # refuses them on import.
    folder = FIXTURES / "potentially-problematic-values"
    found = refusals(read_book(folder / "dictionary.csv"), _read(folder / "data.csv"))
    assert {(column, why) for column, _, why in found} == {
        ("date_before_validation", "not a date (Y-M-D)"),
        ("integer_before_validation", "not an integer"),
    }
    # A band in a dropdown of codes, a word in an integer field.
    folder = FIXTURES / "longitudinal"
    book, data = read_book(folder / "dictionary.csv"), _read(folder / "data.csv")
    dropdown = book.index[book["Field Type"] == "dropdown"][0]
    integer = book.index[
        book["Text Validation Type OR Show Slider Number"] == "integer"
    ][0]
    data.loc[0, [dropdown, integer]] = ["40-59", "any"]
    assert {column for column, _, _ in refusals(book, data)} == {dropdown, integer}


@pytest.fixture
def generalised_store(tmp_path, monkeypatch):
    """20 cases aged 40-49 and 4 aged 50-59, each with a year of birth of its own:
    shared with k = 5, the years become `any`, then the bands `40-59`."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(LOCAL, encoding="utf-8")
    with Store(data / "casekit.db", create=True, actor="tester") as store:
        for i in range(24):
            band = "40-49" if i < 20 else "50-59"
            store.add("case", case_record(age_band=band, birth_year=1950 + i))
        yield store


def test_a_generalised_share_is_declared_as_it_is_written(generalised_store, tmp_path):
    export_csv(generalised_store, tmp_path / "csv", share=True)
    export_csv(generalised_store, tmp_path / "rc", share=True, fmt="redcap")
    shared = _read(tmp_path / "csv" / "cases.csv")
    assert set(shared["age_band"]) == {"40-59"}
    assert set(shared["birth_year"]) == {"any"}

    book = read_book(tmp_path / "rc" / "redcap_dictionary.csv")
    data = _read(tmp_path / "rc" / "redcap_data.csv")
    assert refusals(book, data) == []
    cases = data[data["redcap_repeat_instrument"] == ""]
    for code in ("age_band", "birth_year"):
        given = sorted(v for v in shared[code] if v)
        assert given and sorted(v for v in cases[code] if v) == given
        assert book.loc[code, "Field Type"] == "text"
        assert book.loc[code, "Text Validation Type OR Show Slider Number"] == ""
        assert book.loc[code, "Text Validation Min"] == ""
    # a condition on codes the share no longer holds is left out, not kept wrong
    assert book.loc["desk_work", "Branching Logic (Show field only if...)"] == ""
    # a field the share left as it was keeps its codes and validation
    assert book.loc["sex", "Field Type"] == "dropdown"
    assert book.loc["nprs", "Text Validation Type OR Show Slider Number"] == "integer"
