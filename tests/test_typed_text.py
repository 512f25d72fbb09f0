"""A text field of the practitioner's own dictionary is free text: screened on every
save and import like the notes, and never shared; one the dictionary declares not
free text is still screened, and shared when declared `share: true`."""

from __future__ import annotations

import pytest
from conftest import case_record
from test_forms import CORE, fill

from casekit import Store
from casekit.dictionary import load_dictionary
from casekit.errors import ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.ui.forms import RecordForm

REFERRED_BY = """
forms:
  case:
    fields:
      - code: referred_by
        type: text
        label: Referred by
      - code: clinic_room
        type: text
        free_text: false
        share: true
        label: Clinic room
"""
LEAK = "Dr Patel, tel 07700 900123, jo@example.com"
SAFE = "SENTINEL the GP practice"


@pytest.fixture
def referring(tmp_path, monkeypatch):
    """A store whose local dictionary adds a typed `referred_by` to the case form,
    and a `clinic_room` declared not free text and shared."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(REFERRED_BY, encoding="utf-8")
    with Store(data / "casekit.db", create=True, actor="tester") as s:
        yield s


def test_a_text_field_is_free_text_unless_it_is_a_code_or_declared_otherwise(
    tmp_path,
):
    local = tmp_path / "dictionary.local.yaml"
    local.write_text(REFERRED_BY, encoding="utf-8")
    words = load_dictionary(local)
    referred = words["case"]["referred_by"]
    assert referred.free_text and not referred.is_shareable
    assert referred in words["case"].ruled_fields
    clinic_room = words["case"]["clinic_room"]
    assert clinic_room.is_shareable  # declared: not free text, shared
    assert clinic_room in words["case"].ruled_fields  # and screened all the same
    assert not words["case"]["site"].free_text  # a code of the site list
    assert not words["exam"]["examiner"].free_text  # a short code, screened as one
    assert words["case"]["notes"].free_text


def test_a_local_text_field_is_screened_on_add(referring):
    with pytest.raises(ValidationFailed) as info:
        referring.add("case", case_record(referred_by=LEAK))
    problems = info.value.problems.query("field == 'referred_by'")
    assert "a phone number" in problems["problem"].iloc[0]
    assert "07700" not in " ".join(info.value.problems["value"].dropna())
    assert referring.read("case").empty


def test_a_local_text_field_is_screened_on_import(referring, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "intake_date,age_band,sex,pain_side,duration,nprs,referred_by\n"
        "2025-03-03,40-49,female,left,chronic,6,Dr Patel 07700 900123\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_files(referring, [path])
    problems = info.value.problems.query("field == 'referred_by'")
    assert len(problems) == 1 and "a phone number" in problems["problem"].iloc[0]
    assert referring.read("case").empty


def test_a_local_text_field_is_screened_by_the_form(referring):
    form = RecordForm(referring, "case")
    fill(form, **CORE, referred_by=LEAK)
    form.save_button.click()
    assert "07700 900123" in form.fields["referred_by"].problem.value
    assert "Nothing was saved" in form.status.value
    assert referring.read("case").empty


@pytest.mark.parametrize("fmt", ["csv", "redcap"])
def test_a_local_text_field_stays_out_of_share_exports(referring, tmp_path, fmt):
    for _ in range(5):
        referring.add("case", case_record(referred_by=SAFE, clinic_room="blue"))
    paths = export_csv(referring, tmp_path / fmt, fmt=fmt, share=True)
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    assert "SENTINEL" not in text
    data = [p for p in paths if p.name != "disclosure.txt"]
    assert not any("referred_by" in p.read_text(encoding="utf-8") for p in data)
    note = (tmp_path / fmt / "disclosure.txt").read_text(encoding="utf-8")
    assert "- left out: Referred by (`referred_by`, case form), free text" in note
    assert "blue" in text  # declared not free text and `share: true`: shared


def test_a_local_text_field_stays_out_of_the_reports_cases(referring):
    from casekit.report.series import series_of

    for _ in range(5):
        referring.add("case", case_record(referred_by=SAFE, clinic_room="blue"))
    series = series_of(referring.frames(), dictionary=referring.dictionary)
    assert "referred_by" not in series.frames["case"].columns
    assert "clinic_room" in series.frames["case"].columns
