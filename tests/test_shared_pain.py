"""The shared report's pain quartiles tell a reader nothing of a count that its
rounding (or suppression) hides: a session whose count is suppressed shows no
quartiles, and the quartiles shown are scores that every count rounding to the one
shown could give. Before, interpolated quartiles fell between two scores at a point
fixed by the count, and pinned it. The full report keeps pandas' usual quartiles."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stores import frames_of

from casekit.disclosure import NHS, SUPPRESSED, threshold
from casekit.report.series import EXACT, series_of
from casekit.report.timing import pain_course, quartile_method
from casekit.synth import cohort

SCALE = range(11)  # NPRS, 0 to 10
# Ten cases at session 1 (rounded: 10); interpolated, their lower quartile is 0.25.
TEN = [0, 0, 0, 1, 3, 4, 5, 6, 7, 8]


@pytest.fixture(scope="module")
def base():
    return series_of(frames_of(cohort(20, seed=1)))


def with_sessions(base, before: dict[int, list], after: dict[int, list] | None = None):
    """``base`` whose sessions are those given: session number to the scores."""
    rows = []
    for column, scores in (("nprs_before", before), ("nprs_after", after or {})):
        for number, values in scores.items():
            rows += [{"session_no": number, column: v} for v in values]
    session = pd.DataFrame(rows, columns=["session_no", "nprs_before", "nprs_after"])
    return replace(base, frames={**base.frames, "session": session.astype(float)})


def consistent_counts(quartiles, counts, method: str) -> set[int]:
    """The counts among ``counts`` for which some scores on the NPRS give these
    three quartiles under numpy's ``method``: the reader's attack. A quartile is
    ``x[j] + g (x[j+1] - x[j])`` of the sorted scores, ``j + g`` a position fixed
    by the count and the method alone (numpy's own, read off ``arange(n)``)."""
    found = set()
    for n in counts:
        positions = np.quantile(np.arange(n), [0.25, 0.5, 0.75], method=method)
        options = []
        for position, value in zip(positions, quartiles, strict=True):
            j, g = math.floor(position), position - math.floor(position)
            options.append(
                [
                    {j: a, j + 1: b} if g else {j: a}
                    for a, b in itertools.product(SCALE, SCALE)
                    if a <= b and (g or a == b) and math.isclose(a + g * (b - a), value)
                ]
            )
        for choice in itertools.product(*options):
            scores = {}
            if any(scores.setdefault(p, v) != v for c in choice for p, v in c.items()):
                continue  # one position, two scores
            ordered = [scores[p] for p in sorted(scores)]
            if ordered == sorted(ordered):  # scores in between can be filled in
                found.add(n)
                break
    return found


def test_the_reader_cannot_narrow_the_rounded_count_from_the_quartiles(base):
    shared = pain_course(with_sessions(base, {1: TEN}), NHS).safe.table.iloc[0]
    assert shared["cases"] == 10
    quartiles = shared[["q1", "median", "q3"]].astype(float).tolist()
    # Every count that rounds to 10 and is not suppressed: 8 to 12.
    rounding_alike = [n for n in range(1, 20) if NHS.round(n) == 10]
    assert rounding_alike == [8, 9, 10, 11, 12]
    found = consistent_counts(quartiles, rounding_alike, "inverted_cdf")
    assert found == set(rounding_alike)
    # The attack on interpolated quartiles of the same scores pins the count: what
    # the shared report showed before (0.25, 3.5, 5.75).
    linear = np.quantile(TEN, [0.25, 0.5, 0.75]).tolist()
    assert linear == [0.25, 3.5, 5.75]
    assert consistent_counts(linear, rounding_alike, "linear") == {10}
    assert quartiles != linear


def test_shared_quartiles_are_scores_numpy_gives_by_definition_1(base):
    # 20 arrivals, then 11: 10 and 11 would differ by a count the report hides.
    before = {1: TEN * 2, 2: [2, 9, 4, 4, 6, 1, 8, 8, 3, 5, 7]}
    table = pain_course(with_sessions(base, before), NHS).safe.table
    for (_, row), scores in zip(table.iterrows(), before.values(), strict=True):
        expected = np.quantile(scores, [0.25, 0.5, 0.75], method="inverted_cdf")
        assert row[["q1", "median", "q3"]].astype(float).tolist() == expected.tolist()
        assert set(expected) <= set(scores)  # a score some case gave


@pytest.mark.parametrize("rule", [NHS, threshold(10)])
def test_a_suppressed_count_shows_no_quartiles(base, rule):
    before = {1: TEN * 2, 2: [4, 5, 6]}
    after = {1: [1, 2, 3, 4, 5]}  # five scored after care: hidden
    shown = pain_course(with_sessions(base, before, after), rule)
    table = shown.safe.table.set_index(["session_no", "when"])
    for group in ((2, "On arrival"), (1, "After care")):
        assert (
            table.loc[group, ["cases", "q1", "median", "q3"]].tolist()
            == [SUPPRESSED] * 4
        )
    frame = shown.frame.set_index("Session")
    assert frame.loc[2, "Pain on arrival: median (middle half)"] == SUPPRESSED
    assert frame.loc[1, "Right after care"] == SUPPRESSED
    assert frame.loc[1, "Cases (on arrival)"] == 20


def test_the_full_report_keeps_pandas_quartiles(base):
    before = {1: TEN, 2: [2, 9, 4, 4, 6, 1, 8, 8, 3, 5, 7]}
    table = pain_course(with_sessions(base, before), EXACT).safe.table
    for (_, row), scores in zip(table.iterrows(), before.values(), strict=True):
        expected = pd.Series(scores, dtype=float).quantile([0.25, 0.5, 0.75])
        assert row[["q1", "median", "q3"]].tolist() == expected.tolist()
        assert row["cases"] == len(scores)
    assert table.iloc[0][["q1", "median", "q3"]].tolist() == [0.25, 3.5, 5.75]


@given(st.lists(st.integers(0, 10), min_size=8, max_size=60))
def test_every_count_rounding_alike_can_give_the_shared_quartiles(scores):
    method = quartile_method(NHS)
    quartiles = np.quantile(scores, [0.25, 0.5, 0.75], method=method)
    for n in range(8, 70):
        if NHS.round(n) != NHS.round(len(scores)):
            continue
        # n scores with the same three quartiles: each quartile at its position
        # for n, the scores below and between filled with the quartile above.
        at = np.quantile(np.arange(n), [0.25, 0.5, 0.75], method=method).astype(int)
        other = np.empty(n)
        other[: at[0] + 1] = quartiles[0]
        other[at[0] + 1 : at[1] + 1] = quartiles[1]
        other[at[1] + 1 :] = quartiles[2]
        again = np.quantile(other, [0.25, 0.5, 0.75], method=method)
        assert again.tolist() == quartiles.tolist()
