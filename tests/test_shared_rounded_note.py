"""A shared report's p-values are those of its rounded counts (exact 73 / 117 gives
p 0.009, Holm 0.047; shown 75 / 115 gives p 0.001, Holm 0.007): the table says so,
and where to judge significance, so that no reader takes them for the exact ones."""

from __future__ import annotations

import pytest
from stores import frames_of

from casekit.disclosure import NHS, threshold
from casekit.report import rates
from casekit.report.markup import to_html
from casekit.report.series import EXACT, series_of
from casekit.synth import cohort

NOTE = "computed from the rounded counts shown"


@pytest.fixture(scope="module")
def series():
    return series_of(frames_of(cohort(60, seed=4)))


def test_the_shared_pattern_table_says_its_p_values_are_of_rounded_counts(series):
    shared = rates.patterns(series, NHS)
    assert NOTE in shared.notes and "Judge significance from the full report" in (
        shared.notes
    )
    assert NOTE in to_html(shared)  # below the table itself


def test_no_such_note_where_nothing_is_rounded(series):
    assert rates.patterns(series, EXACT).notes == ""
    assert rates.patterns(series, threshold(10)).notes == ""
