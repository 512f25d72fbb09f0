"""Disclosure control: the NHS rule's own examples, secondary suppression, rates."""

from __future__ import annotations

import pandas as pd
import pytest

from casekit.disclosure import NHS, SUPPRESSED, safe_count, safe_table, threshold


@pytest.mark.parametrize(
    "count, shown",
    [
        (8, 10),
        (16, 15),
        (57, 55),
        (3, SUPPRESSED),
        (0, 0),
        (7, SUPPRESSED),
        (1, SUPPRESSED),
        (12, 10),
        (13, 15),
        (100, 100),
    ],
)
def test_nhs_rule_examples(count, shown):
    assert safe_count(count, NHS) == shown


def test_threshold_rule_suppresses_below_ten_and_rounds_nothing():
    rule = threshold(10)
    assert [safe_count(c, rule) for c in (0, 9, 10, 23)] == [0, SUPPRESSED, 10, 23]


def test_one_small_cell_that_totals_would_give_away_is_protected():
    # Female row total 40 and left column total 48 are known to any reader, so the
    # 3 could be worked back from either unless another cell of its row and column
    # is hidden too.
    table = pd.DataFrame({"left": [3, 45], "right": [37, 30]}, index=["female", "male"])
    safe = safe_table(table)
    assert safe.table.loc["female", "left"] == SUPPRESSED
    hidden = {
        (r, c)
        for r, c in zip(safe.suppressed["row"], safe.suppressed["column"], strict=True)
    }
    assert ("female", "left") in hidden
    # every row and every column now has no or at least two hidden cells
    mask = safe.table == SUPPRESSED
    assert set(mask.sum(axis=0)) <= {0, 2} and set(mask.sum(axis=1)) <= {0, 2}
    assert len(hidden) == 4  # here that means the whole 2 x 2 table
    reasons = set(safe.suppressed["reason"])
    assert "could be worked back from a total" in reasons


def test_secondary_suppression_takes_the_next_smallest_cell():
    table = pd.DataFrame(
        {"a": [2, 20, 30], "b": [50, 60, 70], "c": [12, 80, 90]}, index=["x", "y", "z"]
    )
    mask = safe_table(table).table == SUPPRESSED
    assert mask.loc["x", "a"] and mask.loc["x", "c"]  # 12 is x's next smallest
    assert mask.loc["y", "a"]  # and column a then needs a second: 20
    assert mask.loc["y", "c"]  # which makes row y and column c need one more each
    assert not mask["b"].any()
    assert set(mask.sum(axis=0)) <= {0, 2} and set(mask.sum(axis=1)) <= {0, 2}


def test_unsuppressed_counts_are_rounded():
    safe = safe_table(pd.DataFrame({"a": [16, 57], "b": [0, 8]}))
    assert safe.table.values.tolist() == [[15, 0], [55, 10]]
    assert safe.suppressed.empty


def test_rate_rows_with_a_small_count_lose_their_rate_and_interval():
    rates = pd.DataFrame(
        {
            "pattern": ["si_opposite", "ankle_history", "improved"],
            "k": [5, 40, 58],
            "n": [30, 61, 60],
            "proportion": [5 / 30, 40 / 61, 58 / 60],
            "ci_low": [0.07, 0.53, 0.89],
            "ci_high": [0.34, 0.76, 0.99],
            "p_value": [0.0003, 0.02, float("nan")],
        }
    )
    safe = safe_table(rates)
    rows = safe.table.set_index("pattern")
    assert (
        rows.loc[
            "si_opposite", ["k", "n", "proportion", "ci_low", "ci_high", "p_value"]
        ]
        == SUPPRESSED
    ).all()
    # 58 of 60: the complement, 2 patients, is as small as a count of 2
    assert rows.loc["improved", "proportion"] == SUPPRESSED
    assert (rows.loc["ankle_history", "k"], rows.loc["ankle_history", "n"]) == (40, 60)
    assert rows.loc["ankle_history", "proportion"] == pytest.approx(40 / 61)
    why = safe.suppressed.set_index(["row", "column"])["reason"]
    assert why.loc[(0, "k")] == "k from 1 to 7"
    assert why.loc[(2, "k")] == "n - k from 1 to 7"
    assert "computed from a suppressed count" in why.loc[(0, "ci_low")]
    assert "3 " not in safe.note and "cells suppressed" in safe.note
