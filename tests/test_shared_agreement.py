"""The shared report's examiner agreement shows only what its rounded pairs give:
beside rounded pairs, an exact agreement, kappa or PABAK would let a reader solve
for the exact pairs. Two practices whose exact pairs differ but round alike get
the same shared table; the full report keeps the exact figures (statsmodels')."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa
from stores import frames_of

from casekit.agreement import shown_kappa
from casekit.disclosure import NHS, SUPPRESSED, safe_table, threshold
from casekit.labels import percent
from casekit.patterns import pattern_table
from casekit.report.agreement import WITHHELD, agreement, agreement_notes
from casekit.report.series import EXACT, series_of
from casekit.sensitivity import sensitivity
from casekit.synth import cohort

SIDES = ["none", "left", "right", "both"]
DAY = dt.date(2025, 3, 3)
# Blinded pairs of SI calls (rows: the first examiner, columns: the second), each
# cell 8 or more so that a rounded table gives a kappa: 61 agreed of 161.
PAIRS = np.array([[21, 8, 9, 8], [9, 17, 8, 8], [8, 9, 13, 8], [8, 8, 9, 10]])


@pytest.fixture(scope="module")
def frames():
    return frames_of(cohort(200, seed=4))


def exams(table: np.ndarray) -> list[dict]:
    """Two blinded exams of one case on one day for each pair of ``table``."""
    rows = []
    for (a, b), count in np.ndenumerate(table):
        for i in range(count):
            case = f"P{a}{b}{i:03d}"
            for number, (examiner, side) in enumerate((("a", a), ("b", b)), 1):
                rows.append(
                    {
                        "case_id": case,
                        "exam_no": number,
                        "exam_date": DAY,
                        "examiner": examiner,
                        "blinded": "yes",
                        "si_tight_side": SIDES[side],
                    }  # fmt: skip
                )
    return rows


def practice(frames, table: np.ndarray):
    """The cohort's cases with ``table``'s pairs as their exams."""
    return series_of(frames | {"exam": frames_of({"exam": exams(table)})["exam"]})


def si_row(shown) -> pd.Series:
    return shown.safe.table.iloc[0]


def test_pairs_that_round_alike_give_the_same_shared_table(frames):
    # One more agreed pair (21 -> 22 left/left): 62 of 162, not 61 of 161.
    other = PAIRS.copy()
    other[0, 0] += 1
    assert NHS.round(PAIRS.sum()) == NHS.round(other.sum()) == 160
    assert NHS.round(np.trace(PAIRS)) == NHS.round(np.trace(other)) == 60
    first, second = (agreement(practice(frames, t), NHS) for t in (PAIRS, other))
    assert si_row(first)[["k", "n"]].tolist() == [60, 160]
    assert first.frame.loc[0, "Kappa (95 % CI)"][0].isdigit()  # kappa is shown
    # Every figure the reader gets, to the last digit, is the same: more than one
    # exact count is consistent with the page (before, agreement alone was k / n
    # exactly, 61 / 161 against 62 / 162).
    pd.testing.assert_frame_equal(first.frame, second.frame)
    figures = ["agreement", "kappa", "ci_low", "ci_high", "pabak", "sensitivity"]
    pd.testing.assert_frame_equal(first.safe.table[figures], second.safe.table[figures])
    # The full reports tell them apart.
    exact = [agreement(practice(frames, t), EXACT) for t in (PAIRS, other)]
    assert si_row(exact[0])["agreement"] == 61 / 161
    assert si_row(exact[1])["agreement"] == 62 / 162


def test_shared_figures_are_statsmodels_on_the_rounded_table(frames):
    shared = si_row(agreement(practice(frames, PAIRS), NHS))
    rounded = np.vectorize(NHS.round)(PAIRS)
    expected = cohens_kappa(rounded)
    assert [shared["kappa"], shared["ci_low"], shared["ci_high"]] == pytest.approx(
        [expected.kappa, expected.kappa_low, expected.kappa_upp]
    )
    assert shared["agreement"] == 60 / 160  # the pairs shown
    assert shared["pabak"] == pytest.approx((4 * 60 / 160 - 1) / 3)


def test_the_full_report_keeps_the_exact_figures(frames):
    full = agreement(practice(frames, PAIRS), EXACT)
    row = si_row(full)
    expected = cohens_kappa(PAIRS)
    assert row[["k", "n"]].tolist() == [61, 161]
    assert [row["kappa"], row["ci_low"], row["ci_high"]] == pytest.approx(
        [expected.kappa, expected.kappa_low, expected.kappa_upp]
    )
    assert row["agreement"] == 61 / 161
    assert row["pabak"] == pytest.approx((4 * 61 / 161 - 1) / 3)
    assert full.frame.loc[0, "Kappa (95 % CI)"].startswith(f"{expected.kappa:.2f}")
    assert "%" in full.frame.loc[0, "True rate compatible with"]
    assert "cannot give a kappa" not in agreement_notes(full).html


@pytest.mark.parametrize("rule", [NHS, threshold(10)])
@pytest.mark.parametrize("cell", [(3, 0), (1, 2)])
def test_a_small_pairing_of_calls_withholds_kappa_in_words(frames, rule, cell):
    few = PAIRS.copy()
    few[cell] = 3  # three pairs called both then none, or left then right
    practice_ = practice(frames, few)
    shared = agreement(practice_, rule)
    assert shared.frame.loc[0, "Pairs agreed"] != SUPPRESSED  # the pairs are shown
    assert shared.frame.loc[0, "Kappa (95 % CI)"] == f"not shown: {WITHHELD}"
    # The rate compatible with a kappa would give that kappa back: withheld where
    # a cell of its own table, the pairs that both called a side, is too small.
    line = shared.frame.loc[0, "True rate compatible with"]
    if any(rule.is_small(c) for c in few[1:3, 1:3].ravel()):
        assert line == f"not shown: {WITHHELD}"
    else:  # none of those (NHS, three pairs both then none): shown, as rounded
        assert (rule, cell) == (NHS, (3, 0))
        assert "on the 50 pairs where both called a side" in line, line
    assert shared.frame.loc[0, "PABAK"] != SUPPRESSED  # from the pairs shown
    reasons = shared.safe.suppressed
    assert set(reasons.loc[reasons["row"] == 0, "column"]) >= {"kappa", "ci_low"}
    assert "cannot give a kappa" in agreement_notes(shared).html
    # The practitioner's own report computes it from the exact table.
    full = agreement(practice_, EXACT)
    expected = cohens_kappa(few)
    assert si_row(full)["kappa"] == pytest.approx(expected.kappa)


def test_hidden_pairs_read_as_not_measured_for_the_sensitivity_line(frames):
    # 30 pairs, 3 of them disagreeing: the row is hidden (n - k is small), so its
    # kappa is not used: the line takes the published kappa, as when unmeasured.
    table = np.zeros((4, 4), dtype=int)
    table[1, 1], table[2, 2], table[1, 2] = 14, 13, 3
    shared = agreement(practice(frames, table), NHS)
    assert shared.frame.loc[0, "Pairs agreed"] == SUPPRESSED
    line = shared.frame.loc[0, "True rate compatible with"]
    assert line == SUPPRESSED or "Riddle & Freburger 2002" in line


@given(
    cells=st.lists(st.integers(0, 60), min_size=4, max_size=4),
    nudge=st.lists(st.integers(-2, 2), min_size=4, max_size=4),
)
def test_shown_kappa_depends_on_the_rounded_cells_only(cells, nudge):
    table = np.array(cells).reshape(2, 2)
    # Another table whose every cell rounds (or is suppressed) as this one's.
    moved = [c + d for c, d in zip(cells, nudge, strict=True)]
    alike = [
        m if m >= 0 and NHS.is_small(m) == NHS.is_small(c) and (m > 0) == (c > 0)
        and NHS.round(m) == NHS.round(c) else c
        for c, m in zip(cells, moved, strict=True)
    ]  # fmt: skip
    other = np.array(alike).reshape(2, 2)
    first, second = shown_kappa(table, NHS), shown_kappa(other, NHS)
    if any(NHS.is_small(c) for c in cells):
        assert first is None and second is None
    else:
        np.testing.assert_equal(tuple(first), tuple(second))
    # Under the exact rule, it is cohen's kappa of the table itself.
    exact = shown_kappa(table, EXACT)
    assert exact.pairs == table.sum()


def test_the_shared_line_takes_statsmodels_on_the_rounded_side_calls(frames):
    # The kappa over every code is withheld (a cell of 3), not the side calls':
    # their 2 x 2 table, rounded, is [[15, 10], [10, 15]] (50 pairs shown).
    few = PAIRS.copy()
    few[0, 3] = 3
    series = practice(frames, few)
    shared = agreement(series, NHS)
    assert shared.frame.loc[0, "Kappa (95 % CI)"] == f"not shown: {WITHHELD}"
    rounded = np.vectorize(NHS.round)(few[1:3, 1:3])
    np.testing.assert_array_equal(rounded, [[15, 10], [10, 15]])
    expected = cohens_kappa(rounded)
    patterns = safe_table(pattern_table(series.frames), NHS).table
    si = patterns.set_index("pattern").loc["si_opposite"]
    want = sensitivity(
        int(si["k"]), int(si["n"]), expected.kappa, expected.kappa_low,
        expected.kappa_upp,
    )  # fmt: skip
    line = shared.frame.loc[0, "True rate compatible with"]
    assert line.startswith(f"{percent(want.rate)} ({percent(want.low)} to "), line
    assert f"kappa {expected.kappa:.2f} on the 50 pairs where both called" in line
    # The full report: statsmodels on the exact 2 x 2 table (47 pairs).
    exact = cohens_kappa(few[1:3, 1:3])
    full = agreement(series, EXACT).frame.loc[0, "True rate compatible with"]
    assert f"kappa {exact.kappa:.2f} on the 47 pairs where both called" in full
