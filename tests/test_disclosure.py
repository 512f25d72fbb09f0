"""Disclosure control: the NHS rule's own examples, secondary suppression, rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from casekit.disclosure import NHS, SUPPRESSED, safe_count, safe_table, threshold
from casekit.patterns import with_adjusted_p
from casekit.stats import binomial_p, wilson

RATES = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")


def _rates(k, n, comparator=0.5) -> pd.DataFrame:
    """A pattern table of the counts, its statistics of the exact counts."""
    k, n = np.asarray(k), np.asarray(n)
    share = wilson(k, n)
    table = pd.DataFrame(
        {
            "pattern": [f"p{i}" for i in range(len(k))],
            "k": k,
            "n": n,
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
            "comparator": comparator,
            "p_value": [
                binomial_p(a, b, comparator) for a, b in zip(k, n, strict=True)
            ],
        }
    )
    return with_adjusted_p(table)


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
            "comparator": [0.5, 0.5, float("nan")],
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
    # What is shown beside 40 / 60 is what 40 / 60 gives, not 40 / 61.
    low, high = proportion_confint(40, 60, method="wilson")
    assert rows.loc["ankle_history", ["proportion", "ci_low", "ci_high"]].tolist() == (
        pytest.approx([40 / 60, low, high])
    )
    assert rows.loc["ankle_history", "p_value"] == pytest.approx(
        binomtest(40, 60, 0.5).pvalue
    )
    why = safe.suppressed.set_index(["row", "column"])["reason"]
    assert why.loc[(0, "k")] == "k from 1 to 7"
    assert why.loc[(2, "k")] == "n - k from 1 to 7"
    assert "computed from a suppressed count" in why.loc[(0, "ci_low")]
    assert "3 " not in safe.note and "cells suppressed" in safe.note


def test_a_rate_beside_rounded_counts_is_that_of_the_rounded_counts():
    # 76 of 121 is shown as 75 / 120: so are its rate, interval and p-values.
    safe = safe_table(_rates([76, 3, 30], [121, 40, 50]), derived=RATES).table
    low, high = proportion_confint(75, 120, method="wilson")
    assert safe.loc[0, ["k", "n"]].tolist() == [75, 120]
    assert safe.loc[0, ["proportion", "ci_low", "ci_high"]].tolist() == (
        pytest.approx([75 / 120, low, high])
    )
    p = [binomtest(75, 120).pvalue, binomtest(30, 50).pvalue]
    assert safe.loc[[0, 2], "p_value"].tolist() == pytest.approx(p)
    # Holm over the family, the suppressed test (3 of 40) counted as p = 1.
    holm = multipletests([p[0], 1.0, p[1]], method="holm")[1]
    assert safe.loc[[0, 2], "p_adjusted"].tolist() == pytest.approx(holm[[0, 2]])
    assert safe.loc[1, "p_adjusted"] == SUPPRESSED


@given(
    st.lists(
        st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_what_is_shown_depends_on_the_rounded_counts_alone(pairs, data):
    """Any other exact counts that round alike show the very same numbers: the
    statistics cannot narrow the exact counts down beyond their rounding."""
    k, n = (np.array(c) for c in zip(*pairs, strict=True))
    # Move each count within what rounds to the same multiple of 5, keeping k <= n.
    other_n = np.array([data.draw(st.integers(max(b - 2, 0), b + 2)) for b in n])
    other_k = np.array([data.draw(st.integers(max(a - 2, 0), a + 2)) for a in k]).clip(
        max=other_n
    )
    shown = safe_table(_rates(k, n), derived=RATES).table
    again = safe_table(_rates(other_k, other_n), derived=RATES).table
    same = [
        NHS.round(a) == NHS.round(b)
        and NHS.round(c) == NHS.round(d)
        and shown.at[i, "k"] != SUPPRESSED
        and again.at[i, "k"] != SUPPRESSED
        for i, (a, b, c, d) in enumerate(zip(k, other_k, n, other_n, strict=True))
    ]
    columns = ["k", "n", "proportion", "ci_low", "ci_high", "p_value"]
    for i in np.flatnonzero(same):
        left = shown.loc[i, columns].astype(float).fillna(-1).tolist()
        right = again.loc[i, columns].astype(float).fillna(-1).tolist()
        assert left == pytest.approx(right)


def test_a_lone_suppressed_row_of_a_split_gets_a_second():
    # Pattern x, split in three sites: site c's 3 of 5 alone would be the pooled
    # row less a and b; b (the smaller n of the others) is hidden with it.
    table = _rates([30, 20, 3, 40, 30, 20], [60, 40, 5, 80, 60, 40])
    table.insert(0, "site", ["a", "b", "c"] * 2)
    table["pattern"] = ["x"] * 3 + ["y"] * 3
    safe = safe_table(table, derived=RATES, adding_up="pattern")
    hidden = safe.table["k"] == SUPPRESSED
    assert hidden.tolist() == [False, True, True, False, False, False]
    assert (safe.table.loc[1, list(RATES)] == SUPPRESSED).all()
    why = safe.suppressed.set_index(["row", "column"])["reason"]
    assert "worked back" in why.loc[(1, "k")]
    # Without a total beside it, the split keeps its other rows.
    alone = safe_table(table, derived=RATES).table["k"] == SUPPRESSED
    assert alone.sum() == 1


def test_parts_of_a_whole_show_the_rates_of_their_rounded_counts():
    from casekit.report.series import partition

    # 3 is hidden, and 12 with it (the total would give it away).
    counts = pd.Series({"improved": 76, "no_change": 41, "worse": 3, "lost": 12})
    parts, _ = partition(counts, NHS)  # of 132 cases, shown as 130
    low, high = proportion_confint([75, 40], [130, 130], method="wilson")
    assert parts.loc[["improved", "no_change"], "k"].tolist() == [75, 40]
    assert parts.loc[["improved", "no_change"], "ci_low"].tolist() == (
        pytest.approx(low)
    )
    assert parts.loc[["improved", "no_change"], "proportion"].tolist() == (
        pytest.approx([75 / 130, 40 / 130])
    )
    assert (parts.loc[["worse", "lost"], "proportion"] == SUPPRESSED).all()
