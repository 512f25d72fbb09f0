"""Kappa whose interval statsmodels cannot give: the calls nearly all the same.

The reviewer's case: 12 cases, each examined blinded by a and by b on one day; the
SI side always ``left``; the hip flexor ``left`` but once ``right`` by b. Kappa of
the hip flexor is 0.00 and its interval NaN: every output says so in words, never
``nan``."""

from __future__ import annotations

import pytest
from test_agreement import DAY

from casekit import Store
from casekit.agreement import NO_INTERVAL, kappa_words
from casekit.cli import main
from casekit.report.agreement import agreement
from casekit.report.series import EXACT, series_of


@pytest.fixture
def alike(tmp_path):
    db = tmp_path / "alike.db"
    # casekit's form of id, with letters in it (as the held-out store's)
    digits = str.maketrans("0123456789", "23456789AB")
    ids = [f"KX{i:04d}".translate(digits) for i in range(12)]
    with Store(db, create=True) as store:
        store.add_many({"case": [
            {"case_id": i, "intake_date": DAY, "age_band": "40-49", "sex": "female",
             "pain_side": "left", "duration": "acute", "nprs": 5}
            for i in ids]})  # fmt: skip
        store.add_many({"exam": [
            {"case_id": i, "exam_no": n + 1, "exam_date": DAY, "examiner": who,
             "blinded": "yes", "si_tight_side": "left",
             "hip_flexor_tight_side": "right" if (j, who) == (0, "b") else "left"}
            for j, i in enumerate(ids) for n, who in enumerate("ab")]})  # fmt: skip
    return db


def test_the_command_says_the_interval_cannot_be_computed(alike, capsys):
    assert main(["agreement", "--db", str(alike)]) == 0
    text = capsys.readouterr().out
    assert "nan" not in text
    assert f"kappa 0.00 ({NO_INTERVAL})" in text


def test_the_full_report_says_it_too(alike):
    with Store(alike) as store:
        series = series_of(store.frames(), dictionary=store.dictionary)
    kappas = agreement(series, EXACT).frame["Kappa (95 % CI)"].tolist()
    assert not any("nan" in k for k in kappas)
    assert f"0.00 ({NO_INTERVAL})" in kappas


def test_an_interval_that_exists_is_shown():
    assert kappa_words(0.4, 0.1, 0.7) == "0.40 (95 % CI 0.10 to 0.70)"
    assert kappa_words(0.4, 0.1, 0.7, ci="") == "0.40 (0.10 to 0.70)"


@pytest.mark.parametrize(
    "table", [[[1, 1], [0, 0]], [[0, 1], [1, 0]], [[2, 0], [0, 1]]]
)
def test_an_interval_of_no_width_is_no_interval(table):
    """statsmodels' standard error is 0 for one or two pairs (or pairs that all
    agreed): its interval, 0.00 to 0.00 or -1.00 to -1.00, claimed a certainty."""
    import math

    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa

    from casekit.agreement import cohen

    with np.errstate(all="ignore"):
        expected = cohens_kappa(np.array(table))
    assert expected.std_kappa == 0 and expected.kappa_low == expected.kappa_upp
    result = cohen(np.array(table))
    assert result.kappa == pytest.approx(expected.kappa)
    assert math.isnan(result.ci_low) and math.isnan(result.ci_high)
    words = kappa_words(result.kappa, result.ci_low, result.ci_high, pairs=result.pairs)
    assert words == f"{expected.kappa:.2f} (no interval: too few pairs)"


def test_kappa_words_say_why_there_is_no_interval():
    nan = float("nan")
    assert (
        kappa_words(1.0, nan, nan, pairs=40) == "1.00 (no interval: every pair agreed)"
    )
    assert kappa_words(0.0, nan, nan, pairs=12) == f"0.00 ({NO_INTERVAL})"


def test_one_pair_is_one_pair_without_an_interval(tmp_path, capsys):
    import json

    db = tmp_path / "one.db"
    calls = [("a", "left"), ("b", "right")]  # two examiners, one day: one pair
    with Store(db, create=True) as store:
        store.add_many(
            {
                "case": [
                    {
                        "case_id": "KX2223",
                        "intake_date": DAY,
                        "age_band": "40-49",
                        "sex": "female",
                        "pain_side": "left",
                        "duration": "acute",
                        "nprs": 5,
                    }
                ]
            }
        )
        store.add_many({"exam": [
            {"case_id": "KX2223", "exam_no": n + 1, "exam_date": DAY,
             "examiner": who, "blinded": "yes", "si_tight_side": side}
            for n, (who, side) in enumerate(calls)]})  # fmt: skip
    assert main(["agreement", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "1 pair, agreed 0 %, kappa 0.00 (no interval: too few pairs)" in text
    assert "1 pairs" not in text and "0.00 to 0.00" not in text
    assert main(["agreement", "--db", str(db), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    key = ("si_tight_side", "between", "all")
    (one,) = [r for r in rows if (r["finding"], r["kind"], r["blinded"]) == key]
    assert one["pairs"] == 1 and one["kappa"] == 0
    assert one["ci_low"] is None and one["ci_high"] is None
