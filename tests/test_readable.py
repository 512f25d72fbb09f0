"""The one renderer of a rate table for people: the words and numbers every table,
line and page shows, a suppressed cell kept as ``*``, and a small denominator said."""

import numpy as np
import pandas as pd

from casekit.dictionary import load_dictionary
from casekit.disclosure import safe_table, threshold
from casekit.patterns import SMALL_N, pattern_table, with_adjusted_p
from casekit.readable import few, pair, rate_table
from casekit.workshop.exercises import cohort_frames


def rates(**columns) -> pd.DataFrame:
    k, n = np.array(columns.pop("k")), np.array(columns.pop("n"))
    share = k / np.where(n > 0, n, np.nan)
    return pd.DataFrame(
        {
            "label": [f"rate {i}" for i in range(len(k))],
            "k": k,
            "n": n,
            "proportion": share,
            "ci_low": share - 0.1,
            "ci_high": share + 0.1,
            **columns,
        }
    )


def test_a_rate_in_words():
    shown = rate_table(rates(k=[283, 0], n=[465, 0]), small=True)
    assert shown.index.tolist() == [1, 2]
    assert shown.columns.tolist() == [
        "Pattern", "k / n", "Rate", "95 % interval", "",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [
        "rate 0", "283 / 465", "61 %", "51 % to 71 %", "",
    ]  # fmt: skip
    assert shown.iloc[1].tolist() == ["rate 1", "0 / 0", "", "", "none to count"]


def test_a_suppressed_row_stays_hidden_and_says_why():
    table = rates(k=[3, 40], n=[30, 80], p_value=[0.01, 0.2], p_adjusted=[0.02, 0.2])
    derived = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")
    # A rule that rounds nothing keeps the rates given (NHS's would recompute them
    # from the rounded counts: tests/test_disclosure.py), but Holm's adjustment
    # counts the hidden test as p = 1 (0.2 would say the hidden p is smaller).
    safe = safe_table(table, threshold(10), derived=derived).table
    shown = rate_table(safe, first=None, small=True)
    assert shown.iloc[0].tolist() == ["*", "*", "*", "*", "*", "too few to show"]
    assert shown.iloc[1].tolist() == [
        "40 / 80", "50 %", "40 % to 60 %", "0.200", "0.400", "",
    ]  # fmt: skip
    assert pair("*", 80) == "*" and pair(None, 1058) == ""


def test_one_threshold_for_too_few():
    assert few(SMALL_N - 1) == "too few to read a rate"
    assert few(SMALL_N) == few(100) == ""
    assert few(0) == "none to count" and few("*") == "too few to show"
    # The pattern table's note says it from the same number.
    frames = cohort_frames(12, seed=1)
    table = pattern_table(frames)
    for row in table.itertuples():
        small = 0 < row.n < SMALL_N
        assert ("too few to read a rate from" in row.note) == small, row.pattern


def test_comparators_and_p_values_and_a_published_figure_marked():
    frames = cohort_frames(150, seed=2)
    table = with_adjusted_p(pattern_table(frames)).set_index("pattern", drop=False)
    shown = rate_table(table).set_index(table.index)
    assert shown.columns.tolist() == [
        "Pattern", "k / n", "Rate", "95 % interval", "Compared with", "p",
        "p (Holm)", "Note",
    ]  # fmt: skip
    assert shown.at["si_opposite", "Compared with"] == "50 %"
    assert shown.at["ankle_history", "Compared with"] == "69 %"
    # Walker's sham arm is shown beside the flares, never tested against them.
    assert shown.at["flare_after_care", "Compared with"] == "33 % (literature)"
    assert shown.at["flare_after_care", "p"] == ""
    assert shown.at["flexor_glute_same_side", "Compared with"] == ""
    row = table.loc["si_opposite"]
    assert shown.at["si_opposite", "p (Holm)"] == f"{row['p_adjusted']:.3f}"
    assert shown.at["si_opposite", "k / n"] == f"{row['k']} / {row['n']}"
    plain = rate_table(table, tests=False, notes=False)
    assert plain.columns.tolist() == ["Pattern", "k / n", "Rate", "95 % interval"]


def test_a_split_in_words_and_only_some_patterns():
    frames = cohort_frames(150, seed=3)
    split = pattern_table(frames, by="sex")
    words = load_dictionary()
    shown = rate_table(split, dictionary=words, patterns=["improved"], notes=False)
    assert shown.columns[0] == "Sex"  # the split column found, and named
    assert shown["Sex"].tolist() == ["Female", "Male", "Other", "Not disclosed"]
    assert set(shown["Pattern"]) == {
        split.loc[split.pattern == "improved", "label"].iat[0]
    }
    # Words given for the rows follow the rows kept.
    labels = [f"row {i}" for i in range(len(split))]
    kept = rate_table(split, "Row", labels, patterns=["improved"], dictionary=words)
    rows = np.flatnonzero(split["pattern"] == "improved")
    assert kept["Row"].tolist() == [f"row {i}" for i in rows]
