"""Typed records as database rows and as a frame, column by column
(:func:`casekit.frames.record_cells`, :func:`casekit.frames.typed_frame`): the
same cells as :func:`casekit.frames.to_cell` gives, value by value, and the same
frame as :func:`casekit.frames.records_to_frame` makes of them."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from stores import DICTIONARY, stores

from casekit.frames import record_cells, records_to_frame, to_cell, typed_frame


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=stores(max_cases=12))
def test_column_by_column_is_value_by_value(drawn):
    records, _ = drawn
    for form in DICTIONARY:
        given_records = records[form.name]
        # An empty multi-select is stored as no cell, as a missing one is.
        empty = {f.code: [] for f in form.fields if f.type == "multi"}
        given_records = [*given_records, {"case_id": "X", **empty}]
        one_by_one = [
            {f.code: to_cell(f, r.get(f.code)) for f in form.fields}
            for r in given_records
        ]
        assert record_cells(form, given_records) == one_by_one
        expected = records_to_frame(
            form, [[row[f.code] for f in form.fields] for row in one_by_one]
        )
        pd.testing.assert_frame_equal(typed_frame(form, given_records), expected)
        shared = typed_frame(form, given_records, own_lists=False)
        pd.testing.assert_frame_equal(shared, expected)
    for form in DICTIONARY:
        pd.testing.assert_frame_equal(typed_frame(form, []), records_to_frame(form, []))


def test_a_frame_owns_its_lists_unless_told_to_share_the_records():
    form = DICTIONARY["session"]
    records = [{"case_id": "X", "session_no": 1, "techniques": ["advice"]}]
    owned = typed_frame(form, records)["techniques"].iloc[0]
    shared = typed_frame(form, records, own_lists=False)["techniques"].iloc[0]
    assert owned == shared == ["advice"]
    assert owned is not records[0]["techniques"]
    assert shared is records[0]["techniques"]
