"""A ``*`` says why it is there: a small count of its own (primary suppression), or
a count hidden so that a small one elsewhere cannot be worked back (secondary).
A secondary count may be large (161 of 262): calling it small would mislead."""

from __future__ import annotations

import pandas as pd

from casekit.cli.analysis import _pattern_text
from casekit.disclosure import NHS, is_small_reason, safe_table
from casekit.readable import rate_table
from casekit.report.series import EXACT
from casekit.report.text import banner


def _split() -> pd.DataFrame:
    """One pattern, two sites: north's 161 of 262 is hidden only because south's
    3 of 5 would otherwise be the pooled row less north's."""
    return pd.DataFrame(
        {
            "site": ["north", "south"],
            "pattern": ["pain_better", "pain_better"],
            "label": ["Pain clearly better", "Pain clearly better"],
            "k": [161, 3],
            "n": [262, 5],
            "proportion": [161 / 262, 3 / 5],
            "ci_low": [0.55, 0.23],
            "ci_high": [0.67, 0.88],
            "comparator": [0.5, 0.5],
            "p_value": [0.0003, 1.0],
            "p_adjusted": [0.0006, 1.0],
        }
    )


def test_a_primary_and_a_secondary_cell_are_told_apart():
    derived = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")
    safe = safe_table(_split(), NHS, derived=derived, adding_up="pattern")
    assert safe.protecting == {0}  # north: hidden for south's sake
    lines = _pattern_text(safe.table, "site", None, safe.protecting).splitlines()
    north, south = lines[0], lines[1]
    assert north.endswith("* (hidden to protect a small count elsewhere)")
    assert "small count, hidden" not in north
    assert south.endswith("* (a small count, hidden)")


def test_the_reports_word_beside_a_hidden_row_tells_them_apart_too():
    safe = safe_table(_split(), NHS, adding_up="pattern")
    shown = rate_table(safe.table, small=True, protecting=safe.protecting)
    assert shown[""].tolist() == [
        "hidden to protect a small count elsewhere",
        "too few to show",
    ]


def test_the_reasons_of_each_kind():
    assert is_small_reason("k and n - k from 1 to 7")
    assert is_small_reason("count from 1 to 9")
    assert not is_small_reason("could be worked back from a total")
    assert not is_small_reason("computed from a suppressed count (k from 1 to 7)")
    assert not is_small_reason("less the cases in the series, a count from 1 to the")


def test_a_crosstab_tells_its_secondary_cells():
    table = pd.DataFrame({"a": [3, 40], "b": [50, 60]}, index=["x", "y"])
    safe = safe_table(table, NHS)
    assert safe.table.loc["x", "a"] == "*"
    assert not safe.protecting & {"x"}  # x holds the small count itself
    assert safe.protecting  # and another cell hides with it


def test_the_shared_banner_says_a_star_can_be_a_hidden_larger_count():
    text = banner(NHS).html
    assert "a count from 1 to 7, or a count hidden so that one cannot be" in text
    assert "Counts from 1 to 7 are shown as *" not in text
    assert "not for sharing" in banner(EXACT).html
