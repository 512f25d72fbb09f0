"""The report's multiplicity note counts the p-values in the pattern table, the
family Holm adjusted over: on one case it said "Six rates are tested ... about
26 %" where three p-values existed and Holm had adjusted over three."""

from __future__ import annotations

import pytest
from stores import frames_of, shape_records

from casekit.disclosure import NHS
from casekit.report import rates, series, text
from casekit.synth import cohort


def note_of(frames, rule=series.EXACT) -> tuple[int, str]:
    patterns = rates.patterns(series.series_of(frames), rule)
    return int(patterns.safe.table["p_value"].notna().sum()), text.pattern_notes(
        patterns
    ).html


@pytest.mark.parametrize("rule", [series.EXACT, NHS], ids=["full", "shared"])
def test_one_case_is_three_tests_and_the_note_says_three(rule):
    """Shared, every row of one case is hidden (``*``), untested ones too: the
    tested ones had their p-value all the same."""
    records, _ = shape_records("one_case")
    exact, note = note_of(frames_of(records))
    assert exact == 3
    _, note = note_of(frames_of(records), rule)
    assert "Three rates are tested against their comparator" in note
    assert "with three tests" in note and "about 14 %" in note  # 1 - 0.95**3
    assert "other three tested patterns have no case to count yet" in note
    assert "Six" not in note and "26 %" not in note


def test_no_case_has_no_test_and_no_word_on_adjusting():
    records, _ = shape_records("empty")
    exact, note = note_of(frames_of(records))
    assert exact == 0
    assert "there is no p-value, and nothing to adjust" in note
    assert "Holm" not in note


@pytest.mark.parametrize("rule", [series.EXACT, NHS], ids=["full", "shared"])
def test_every_pattern_tested_on_many_cases_is_six(rule):
    """A shared table hides a small row's p-value (``*``): it still had one."""
    _, note = note_of(frames_of(cohort(120, seed=2)), rule)
    assert "Six rates are tested" in note and "about 26 %" in note
    assert "no case to count yet" not in note
