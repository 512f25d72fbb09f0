"""The data dictionary: the contract's codes are there, and a broken one says where."""

from __future__ import annotations

import textwrap

import pytest

from casekit.dictionary import load_dictionary
from casekit.errors import DictionaryError


def test_builtin_dictionary_has_the_three_forms_and_contract_codes():
    d = load_dictionary()
    assert list(d.forms) == ["case", "session", "followup", "exam"]
    assert d["case"]["age_band"].code_values == (
        "18-29",
        "30-39",
        "40-49",
        "50-59",
        "60-69",
        "70-79",
        "80+",
    )
    assert d["case"]["ankle_injury_years_ago"].code_values == (
        "<1",
        "1-5",
        "5-10",
        ">10",
        "unknown",
    )
    assert d["followup"]["flare"].code_values == ("yes", "no", "unknown")
    assert d["case"]["red_flags_cleared"].code_values == ("yes", "no")
    assert d["session"].key == ("case_id", "session_no")
    assert d["case"]["notes"].free_text and not d["case"]["notes"].is_shareable
    assert not any(f.identifier for form in d for f in form.fields)


def test_show_if_conditions():
    d = load_dictionary()
    grade = d["case"]["ankle_injury_grade"]
    assert grade.show_if.holds({"ankle_injury_side": "left"})
    assert not grade.show_if.holds({"ankle_injury_side": "none"})
    assert not grade.show_if.holds({})
    assert d["followup"]["flare_side"].show_if.holds({"flare": "yes"})


def _local(tmp_path, body: str):
    path = tmp_path / "dictionary.local.yaml"
    path.write_text(textwrap.dedent(body))
    return path


@pytest.mark.parametrize(
    "body, field, words",
    [
        (
            """
     forms:
       case:
         fields:
           - {code: shoe_size, type: shoe}
     """,
            "shoe_size",
            "type is 'shoe'",
        ),
        (
            """
     forms:
       case:
         fields:
           - code: gait
             type: choice
             codes:
               - normal: Normal
               - normal: Also normal
     """,
            "gait",
            "duplicate code 'normal'",
        ),
        (
            """
     forms:
       case:
         fields:
           - {code: gait, type: choice}
     """,
            "gait",
            "needs `codes`",
        ),
        (
            """
     forms:
       case:
         fields:
           - code: orthotics_side
             type: choice
             show_if: {field: orthotics, in: ['yes']}
             codes: [{left: Left}]
     """,
            "orthotics_side",
            "`orthotics`, which is not a field",
        ),
        (
            """
     forms:
       case:
         fields:
           - code: orthotics
             type: choice
             codes: [{yes: Yes}, {no: No}]
     """,
            "orthotics",
            "not text; quote it",
        ),
        (
            """
     forms:
       case:
         fields:
           - {code: nprs, type: integer}
     """,
            "nprs",
            "already in the case form",
        ),
        (
            """
     forms:
       visit:
         fields: []
     """,
            "visit",
            "is not a form",
        ),
    ],
)
def test_broken_dictionary_names_the_field(tmp_path, body, field, words):
    with pytest.raises(DictionaryError) as info:
        load_dictionary(_local(tmp_path, body))
    assert info.value.field == field
    assert words in str(info.value)


def test_local_fields_are_added_in_order(tmp_path):
    path = _local(
        tmp_path,
        """
        forms:
          session:
            fields:
              - code: home_exercise_days
                type: integer
                label: Home exercise days last week
                min: 0
                max: 7
        """,
    )
    d = load_dictionary(path)
    assert d["session"].codes[-1] == "home_exercise_days"
    assert d["session"]["home_exercise_days"].max == 7
    assert "home_exercise_days" not in load_dictionary()["session"]
