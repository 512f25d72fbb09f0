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
