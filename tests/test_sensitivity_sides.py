"""The sensitivity line's kappa is that of the pairs in which both examiners called
a side (left or right), not Cohen's kappa over every code of the finding (none,
left, right, both): the left/right error model knows only flips of side. The
agreement table keeps the kappa over every code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from casekit.agreement import (
    agreement_table,
    best_row,
    cohen,
    side_kappas,
    side_square,
    square_tables,
)
from casekit.dictionary import load_dictionary
from casekit.frames import records_to_frame, to_cell
from casekit.labels import percent
from casekit.literature import SI_PALPATION
from casekit.sensitivity import (
    palpation_table,
    pattern_agreement,
    sensitivity,
    sensitivity_words,
)

DICTIONARY = load_dictionary()
DAY = dt.date(2025, 3, 3)
CODES = ["none", "left", "right", "both"]
# Blinded same-day pairs like the demo store's: 83 pairs, most disagreements
# between "none" or "both" and a side, none of them a flip of side. The pairs that
# both called a side are the demo's [[12, 1], [4, 10]] (27 pairs).
DEMO = np.array([[9, 8, 6, 3], [7, 12, 1, 5], [5, 4, 10, 3], [2, 4, 3, 1]])
SIDES_TABLE = np.array([[12, 1], [4, 10]])


def exams(table: np.ndarray, finding: str = "si_tight_side") -> pd.DataFrame:
    """Two blinded exams of one case on one day for each pair of ``table``."""
    form, rows = DICTIONARY["exam"], []
    for (a, b), count in np.ndenumerate(table):
        for i in range(count):
            for number, (examiner, code) in enumerate((("a", a), ("b", b)), 1):
                rows.append({"case_id": f"P{a}{b}{i:03d}", "exam_no": number,
                             "exam_date": DAY, "examiner": examiner,
                             "blinded": "yes", finding: CODES[code]})  # fmt: skip
    cells = [[to_cell(f, r.get(f.code)) for f in form.fields] for r in rows]
    return records_to_frame(form, cells)


def measured(table: np.ndarray):
    frame = exams(table)
    tables = square_tables(frame, DICTIONARY)
    agreement = agreement_table(frame, DICTIONARY, tables)
    return agreement, side_kappas(agreement, tables, DICTIONARY)


def test_side_square_and_its_kappa_are_statsmodels_on_the_2x2_table():
    np.testing.assert_array_equal(side_square(DEMO, CODES), SIDES_TABLE)
    expected = cohens_kappa(SIDES_TABLE)
    result = cohen(side_square(DEMO, CODES))
    assert result.pairs == 27
    assert [result.kappa, result.ci_low, result.ci_high] == pytest.approx(
        [expected.kappa, expected.kappa_low, expected.kappa_upp]
    )
    assert [round(x, 2) for x in (result.kappa, result.ci_low, result.ci_high)] == [
        0.63, 0.35, 0.92
    ]  # fmt: skip
    assert side_square(DEMO, ["none", "both"]) is None


def test_the_line_takes_the_side_calls_kappa_not_the_one_over_all_codes():
    agreement, sides = measured(DEMO)
    row = best_row(agreement, "si_tight_side")
    # The agreement table keeps the kappa over every code, as statsmodels gives it.
    assert row["pairs"] == 83 and row["blinded"] == "yes"
    assert row["kappa"] == pytest.approx(cohens_kappa(DEMO).kappa)
    side = sides["si_tight_side"]
    expected = cohens_kappa(SIDES_TABLE)
    assert side.pairs == 27 and side.kappa == pytest.approx(expected.kappa)
    assert abs(row["kappa"] - side.kappa) > 0.2  # two different figures
    words, result = pattern_agreement(agreement, "si_opposite", 73, 117, sides)
    assert "83 blinded pairs" in words  # the honest agreement figure, all codes
    want = sensitivity(73, 117, expected.kappa, expected.kappa_low, expected.kappa_upp)
    assert result.kappa == pytest.approx(expected.kappa)
    assert (result.rate, result.low, result.high) == pytest.approx(
        (want.rate, want.low, want.high)
    )
    assert [percent(x) for x in (result.rate, result.low, result.high)] == [
        "66 %", "54 %", "85 %"
    ]  # fmt: skip
    line = sensitivity_words(result, 73, 117)
    assert "kappa 0.63 on the 27 pairs where both called a side" in line
    assert "compatible with a true rate of 66 % (54 % to 85 %)" in line
    patterns = pd.DataFrame(
        [{"pattern": "si_opposite", "label": "SI", "k": 73, "n": 117}]
    )
    assert palpation_table(patterns, agreement, sides).loc[0, "Sensitivity"] == line


def test_too_few_pairs_that_called_a_side_are_not_read():
    # 49 pairs, only 6 of them both called a side: the published kappa stands in.
    few = np.array([[10, 6, 5, 3], [5, 2, 1, 2], [4, 1, 2, 3], [1, 1, 2, 1]])
    agreement, sides = measured(few)
    assert best_row(agreement, "si_tight_side")["pairs"] == 49
    assert sides["si_tight_side"].pairs == 6
    _, result = pattern_agreement(agreement, "si_opposite", 60, 100, sides)
    assert result.source == SI_PALPATION.source and result.pairs == 6
    line = sensitivity_words(result, 60, 100)
    assert "here only the 6 pairs where both called a side, too few to read" in line


def test_a_measured_agreement_without_the_side_calls_kappa_is_refused():
    agreement, _ = measured(DEMO)
    with pytest.raises(ValueError, match="both called a side"):
        pattern_agreement(agreement, "si_opposite", 73, 117)
    # Hip flexors and glute: same side codes, but no line (two calls at once).
    agreement, sides = measured(DEMO)
    assert (
        pattern_agreement(agreement, "flexor_glute_same_side", 5, 10, sides)[1] is None
    )


def test_a_kappa_given_without_its_pairs_names_none():
    # A worked example (the workshop's) may give a kappa alone: no "0 pairs".
    line = sensitivity_words(sensitivity(60, 100, 0.5, 0.3, 0.7), 60, 100)
    assert "kappa 0.50 (measured here)" in line and "pairs" not in line
    line = sensitivity_words(sensitivity(60, 100, 0.5, 0.3, 0.7, pairs=40), 60, 100)
    assert "kappa 0.50 on the 40 pairs where both called a side" in line
