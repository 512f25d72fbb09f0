"""A practitioner's own fields and the share export: every text value is screened
for identifiers whatever its flags, a local field is shared only when declared
`share: true`, and a shared local field of the case form counts in k-anonymity.

The review's case: a local `employer` declared `free_text: false`, a `birth_year`
and a `gp_practice`, six cases alike."""

from __future__ import annotations

import pytest
from conftest import case_record

from casekit import Store
from casekit.errors import ValidationFailed
from casekit.io.importer import import_files

REVIEW = """
forms:
  case:
    fields:
      - {code: birth_year, type: integer, label: Year of birth, min: 1900, max: 2025}
      - {code: employer, type: text, label: Employer, free_text: false}
      - code: gp_practice
        type: choice
        label: GP practice
        codes: [{kirkstall: Kirkstall Health Centre}, {other: Other}]
"""
HEADER = (
    "case_id,site,intake_date,age_band,sex,pain_side,duration,episode,nprs,"
    "employer,birth_year,gp_practice\n"
)
LEAK = "Jane Smith at Tesco 07700900123"


def _store(tmp_path, monkeypatch, local: str = REVIEW) -> Store:
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "dictionary.local.yaml").write_text(local, encoding="utf-8")
    return Store(data / "casekit.db", create=True, actor="tester")


@pytest.fixture
def review_store(tmp_path, monkeypatch):
    with _store(tmp_path, monkeypatch) as store:
        yield store


def _cases_csv(tmp_path, employer: str, rows: int = 6):
    path = tmp_path / "cases.csv"
    lines = [
        f",main,2025-01-1{i},40-49,female,left,acute,first,6,{employer},1961,"
        "kirkstall\n"
        for i in range(rows)
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


# -- 1. every text value is screened ------------------------------------------------


def test_a_name_and_a_phone_in_a_field_not_free_text_are_refused_on_import(
    review_store, tmp_path
):
    with pytest.raises(ValidationFailed) as info:
        import_files(review_store, [_cases_csv(tmp_path, LEAK)])
    problems = info.value.problems.query("field == 'employer'")
    assert len(problems) == 6
    assert "a phone number" in problems["problem"].iloc[0]
    assert "a name" in problems["problem"].iloc[0]
    # the refusal does not repeat what it refuses
    assert "07700" not in " ".join(info.value.problems["value"].dropna())
    assert review_store.read("case").empty


def test_a_name_in_a_field_not_free_text_is_refused_on_save(review_store):
    with pytest.raises(ValidationFailed) as info:
        review_store.add("case", case_record(employer="Tel 07700 900123"))
    assert "a phone number" in info.value.problems["problem"].iloc[0]
    assert review_store.read("case").empty


def test_a_short_code_in_a_field_not_free_text_is_saved(review_store):
    review_store.add("case", case_record(employer="retail"))
    assert review_store.read("case")["employer"].tolist() == ["retail"]
