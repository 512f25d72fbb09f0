"""Record validation: typed values, every problem at once, missing stays missing."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.dictionary import load_dictionary
from casekit.frames import typed_frame
from casekit.validate import PROBLEM_COLUMNS, problems_frame, validate_records

D = load_dictionary()


def _one(form, raw, **kw):
    records, problems = validate_records(D, form, [raw], **kw)
    return records[0], problems_frame(problems)


def test_text_cells_become_typed_values():
    record, problems = _one(
        "case",
        {
            "case_id": "K7Q2XM",
            "intake_date": "2025-01-31",
            "age_band": "40-49",
            "sex": "Female",
            "pain_side": "left",
            "pain_regions": "hip|low_back",
            "duration": "chronic",
            "nprs": "7",
            "odi": "32,5",
            "leg_pain_below_knee": "",
            "red_flags_cleared": "yes",
        },
    )
    assert problems.empty
    assert record["intake_date"] == dt.date(2025, 1, 31)
    assert record["sex"] == "female"  # a label or another case is accepted
    assert record["pain_regions"] == ["low_back", "hip"]  # dictionary order
    assert record["nprs"] == 7 and isinstance(record["nprs"], int)
    assert record["odi"] == 32.5
    assert record["leg_pain_below_knee"] is None  # missing is not "no"


def test_every_problem_is_reported_with_its_place():
    raw = {
        "case_id": "K7Q2XM",
        "intake_date": "31/01/2025",
        "age_band": "45",
        "sex": "female",
        "pain_side": "left",
        "duration": "chronic",
        "nprs": "14",
        "si_provocation_positive": "2.5",
        "favourite": "x",
    }
    _, problems = _one("case", raw, source="cases.csv", first_row=2)
    assert list(problems.columns) == PROBLEM_COLUMNS
    by_field = problems.set_index("field")
    assert set(by_field.index) == {
        "intake_date",
        "age_band",
        "nprs",
        "si_provocation_positive",
        "favourite",
    }
    assert (problems["source"] == "cases.csv").all() and (problems["row"] == 2).all()
    assert (
        by_field.loc["nprs", "problem"] == "case K7Q2XM: `nprs` is 14, expected 0 to 10"
    )
    assert by_field.loc["nprs", "value"] == "14"
    assert "expected a date as YYYY-MM-DD" in by_field.loc["intake_date", "problem"]
    assert "expected one of 18-29, 30-39" in by_field.loc["age_band", "problem"]
    assert "whole number" in by_field.loc["si_provocation_positive", "problem"]
    assert "not a field of the case form" in by_field.loc["favourite", "problem"]


def test_session_messages_name_the_instance():
    _, problems = _one(
        "session",
        {
            "case_id": "K7Q2XM",
            "session_no": "3",
            "session_date": "2025-02-01",
            "nprs_after": "14",
        },
    )
    assert problems["problem"].tolist() == [
        "session 3 of case K7Q2XM: `nprs_after` is 14, expected 0 to 10"
    ]
    assert problems["instance"].tolist() == [3]


def test_required_fields_and_warnings():
    _, problems = _one(
        "case",
        {
            "case_id": "K7Q2XM",
            "intake_date": "2025-01-31",
            "age_band": "40-49",
            "sex": "female",
            "pain_side": "left",
            "duration": "chronic",
            "red_flags_cleared": "no",
        },
    )
    errors = problems[problems["severity"] == "error"]
    warnings = problems[problems["severity"] == "warning"]
    assert errors["field"].tolist() == ["nprs"]
    assert "is required" in errors["problem"].iloc[0]
    assert warnings["field"].tolist() == ["red_flags_cleared"]


def test_soft_range_is_a_warning_and_show_if_mismatch_too():
    _, problems = _one(
        "followup",
        {
            "case_id": "K7Q2XM",
            "followup_no": "1",
            "followup_date": "2025-02-01",
            "after_session": "1",
            "flare": "no",
            "flare_onset_hours": "500",
        },
    )
    assert set(problems["severity"]) == {"warning"}
    messages = " ".join(problems["problem"])
    assert "unusual" in messages and "only asked when flare is yes" in messages


def test_hidden_required_field_is_not_demanded():
    d = D["case"]
    assert d["ankle_injury_grade"].show_if is not None
    _, problems = _one(
        "case",
        {
            "case_id": "K7Q2XM",
            "intake_date": "2025-01-31",
            "age_band": "40-49",
            "sex": "female",
            "pain_side": "central",
            "duration": "acute",
            "nprs": "3",
            "ankle_injury_side": "none",
        },
    )
    assert problems.empty


def test_identifier_in_free_text_is_an_error_and_the_value_withheld():
    _, problems = _one(
        "session",
        {
            "case_id": "K7Q2XM",
            "session_date": "2025-02-01",
            "notes": "ring 07700 900123 if worse",
        },
    )
    assert problems["field"].tolist() == ["notes"]
    assert "a phone number" in problems["problem"].iloc[0]
    assert problems["value"].iloc[0] == "(withheld)"


def test_deny_list_is_checked():
    _, problems = _one(
        "session",
        {
            "case_id": "K7Q2XM",
            "session_date": "2025-02-01",
            "notes": "Saw Oduya's sister",
        },
        deny_list=("Oduya",),
    )
    assert "deny-list" in problems["problem"].iloc[0]


# Text a spreadsheet cell of a whole number may hold, the huge and the odd: more
# digits than any column keeps, exponents, signs, stray spaces, a decimal point.
_WHOLE_TEXT = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 5, max_value=2**80).map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A *[+-]?0*\d{1,30}(\.0*)?(e[+-]?\d{1,3})? *\Z"),
)


@given(text=_WHOLE_TEXT)
@settings(max_examples=300, deadline=None, derandomize=True)
def test_any_whole_number_text_is_a_value_the_frame_holds_or_a_problem(text):
    """Each whole-number field of each form: the text becomes a whole number
    that the store's columns and a typed frame hold, or an error problem on that
    field; never an exception (an import used to end in an OverflowError)."""
    for form, code in (("case", "nprs"), ("session", "session_no")):
        raw = {"case_id": "K7Q2XM", code: text}
        records, problems = validate_records(D, form, [raw])
        value = records[0][code]
        errors = [p for p in problems if p.field == code and p.severity == "error"]
        assert value is None or (isinstance(value, int) and abs(value) < 2**31)
        assert value is not None or errors
        typed_frame(D[form], records)  # what an import makes of checked records


def test_a_huge_whole_number_is_out_of_range_not_rounded():
    record, problems = _one("case", {"case_id": "K7Q2XM", "nprs": "1e308"})
    assert record["nprs"] is None
    assert problems.set_index("field").loc["nprs", "problem"] == (
        "case K7Q2XM: `nprs` is '1e308', expected a whole number from 0 to 10"
    )
    # Digits are read exactly: through a float, 2**31 plus one would round.
    record, problems = _one(
        "session", {"case_id": "K7Q2XM", "session_no": str(2**31 - 1)}
    )
    assert record["session_no"] == 2**31 - 1
    assert "session_no" not in set(problems["field"])
    record, problems = _one(
        "session", {"case_id": "K7Q2XM", "session_no": "99999999999999999999"}
    )
    assert record["session_no"] is None
    assert (
        problems.set_index("field")
        .loc["session_no", "problem"]
        .endswith(
            "`session_no` is '99999999999999999999', expected a whole number from 1 "
            "to 2147483647"
        )
    )


def _intake(day: dt.date):
    record, problems = _one(
        "case",
        {
            "case_id": "K7Q2XM",
            "intake_date": day.isoformat(),
            "age_band": "40-49",
            "sex": "female",
            "pain_side": "left",
            "duration": "chronic",
            "nprs": "6",
        },
    )
    return problems[problems["field"] == "intake_date"]


@given(day=st.dates())
@settings(max_examples=300, deadline=None, derandomize=True)
def test_a_date_before_1900_or_over_a_year_ahead_is_an_error_a_future_one_a_warning(
    day,
):
    today = dt.date.today()
    found = _intake(day)
    if day < dt.date(1900, 1, 1) or day > today + dt.timedelta(days=366):
        assert found["severity"].tolist() == ["error"]
        assert (
            found["problem"]
            .iloc[0]
            .endswith(
                f"`intake_date` is {day}, expected a date from 1900-01-01 to "
                f"{today + dt.timedelta(days=366)}"
            )
        )
    elif day > today:
        assert found["severity"].tolist() == ["warning"]
        assert (
            found["problem"]
            .iloc[0]
            .endswith(f"`intake_date` is {day}, after today ({today}): check the date")
        )
    else:
        assert found.empty


def test_the_first_day_of_1900_and_today_are_plain_dates():
    assert _intake(dt.date(1900, 1, 1)).empty
    assert _intake(dt.date.today()).empty
    assert _intake(dt.date(1, 1, 1))["severity"].tolist() == ["error"]
    assert _intake(dt.date(2300, 1, 1))["severity"].tolist() == ["error"]
    ahead = [dt.date.today() + dt.timedelta(days=n) for n in (1, 366, 367)]
    assert [_intake(d)["severity"].tolist() for d in ahead] == [
        ["warning"],
        ["warning"],
        ["error"],
    ]
