"""Examiner agreement: the pairs, Cohen's kappa as statsmodels gives it on the same
table, PABAK and Fleiss' kappa against hand-computed tables, and the sensitivity of
an observed left/right rate."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from casekit import Store
from casekit.agreement import (
    COLUMNS,
    agreement_table,
    cohen,
    fleiss,
    pairs,
    side_kappas,
    square_table,
    square_tables,
)
from casekit.cli import main
from casekit.dictionary import load_dictionary
from casekit.frames import records_to_frame, to_cell
from casekit.sensitivity import (
    corrected,
    error_rate,
    pattern_agreement,
    sensitivity,
    sensitivity_words,
)

DICTIONARY = load_dictionary()
DAY = dt.date(2025, 3, 3)
SIDES = ["none", "left", "right", "both"]


def exams_frame(rows: list[dict]) -> pd.DataFrame:
    form = DICTIONARY["exam"]
    cells = [[to_cell(f, r.get(f.code)) for f in form.fields] for r in rows]
    return records_to_frame(form, cells)


def exam(case_id, number, examiner, day=DAY, blinded="yes", **findings):
    return {"case_id": case_id, "exam_no": number, "exam_date": day,
            "examiner": examiner, "blinded": blinded, **findings}  # fmt: skip


def held_out(seed: int = 5):
    """Paired exams whose pairs are known by construction: 30 cases examined by a
    and b on one day (between), 14 of them by a again a week later (within), and
    exams that make no pair (another examiner on another day) or do not count
    for the SI finding (not tested, empty)."""
    rng = random.Random(seed)
    rows, between, within = [], [], []
    for i in range(30):
        case = f"C{i:05d}"
        first, second = rng.choice(SIDES), rng.choice(SIDES)
        blinded = "yes" if i % 3 else "no"
        rows += [
            exam(case, 1, "a", blinded=blinded, si_tight_side=first),
            exam(case, 2, "b", blinded=blinded, si_tight_side=second),
        ]
        between.append((first, second, blinded == "yes"))
        if i < 14:
            again = rng.choice(SIDES)
            rows.append(exam(case, 3, "a", DAY + dt.timedelta(7), si_tight_side=again))
            within.append((first, again))
        if i in (20, 21):  # another examiner on another day: no pair with anyone
            rows.append(exam(case, 4, "c", DAY + dt.timedelta(3), si_tight_side="left"))
    rows += [
        exam("D00001", 1, "a", si_tight_side="left"),
        exam("D00001", 2, "b", si_tight_side="not_tested"),  # a pair, not counted
        exam("D00002", 1, "a", si_tight_side="right"),
        exam("D00002", 2, "b"),  # empty: not counted
    ]
    return exams_frame(rows), between, within


def test_held_out_pairs_give_the_exact_counts_and_statsmodels_kappa():
    frame, between, within = held_out()
    table = agreement_table(frame, DICTIONARY).set_index(["finding", "kind", "blinded"])
    for kind, known, blinded in (
        ("between", between, "all"),
        ("between", [p for p in between if p[2]], "yes"),
        ("between", [p for p in between if not p[2]], "no"),
        ("within", within, "all"),
    ):
        row = table.loc[("si_tight_side", kind, blinded)]
        assert row["pairs"] == len(known)
        agree = sum(a == b for a, b, *_ in known)
        assert row["agreement"] == pytest.approx(agree / len(known))
        counts = np.zeros((4, 4), dtype=int)
        for a, b, *_ in known:
            counts[SIDES.index(a), SIDES.index(b)] += 1
        expected = cohens_kappa(counts)
        assert row["kappa"] == pytest.approx(expected.kappa)
        assert row["ci_low"] == pytest.approx(expected.kappa_low)
        assert row["ci_high"] == pytest.approx(expected.kappa_upp)
    assert len(pairs(frame, "between")) == 32 and len(pairs(frame, "within")) == 14


def test_cohen_and_pabak_on_hand_computed_tables():
    # po = 35/50 = 0.7; pe = (25*30 + 25*20)/50^2 = 0.5; kappa = 0.4; PABAK = 0.4
    result = cohen(np.array([[20, 5], [10, 15]]))
    assert result.pairs == 50 and result.agreement == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4) and result.pabak == pytest.approx(0.4)
    # 4 codes, po = 0.5: PABAK = (4 * 0.5 - 1) / 3 = 1/3
    four = np.diag([3, 2, 0, 0]) + np.array(
        [[0, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    )
    assert cohen(four).pabak == pytest.approx(1 / 3)
    # one answer dominates: kappa falls to 0 while PABAK stays high (po = 0.9)
    skewed = cohen(np.array([[45, 5], [0, 0]]))
    assert skewed.kappa == pytest.approx(0.0) and skewed.pabak == pytest.approx(0.8)
    assert math.isnan(cohen(np.zeros((4, 4), dtype=int)).kappa)
    assert math.isnan(cohen(np.array([[9, 0], [0, 0]])).kappa)  # all the same


def test_fleiss_on_hand_computed_tables():
    # Four cases, three raters, two codes: P = 1, 1, 1/3, 1/3 (mean 2/3); the codes
    # are called equally often, so chance agreement is 1/2: kappa = 1/3.
    ratings = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 1], [1, 1, 0]])
    assert fleiss(ratings) == pytest.approx(1 / 3)
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 codes: 0.210
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    ratings = np.array([np.repeat(np.arange(5), row) for row in counts])
    assert fleiss(ratings) == pytest.approx(0.2099, abs=5e-4)
    assert math.isnan(fleiss(np.array([[0, 1, 1]])))


def test_three_examiners_on_one_day_give_fleiss_kappa():
    calls = [("left",) * 3, ("right",) * 3, ("left", "left", "right"),
             ("right", "right", "left")]  # fmt: skip
    rows = [
        exam(f"F{i:05d}", n + 1, examiner, si_tight_side=side)
        for i, sides in enumerate(calls)
        for n, (examiner, side) in enumerate(zip("abc", sides, strict=True))
    ]
    table = agreement_table(exams_frame(rows), DICTIONARY)
    row = table[(table["finding"] == "si_tight_side") & (table["kind"] == "between")]
    assert row.iloc[0]["fleiss"] == pytest.approx(1 / 3)
    assert row.iloc[0]["pairs"] == 12  # three pairs a case
    assert "too few" not in row.iloc[0]["note"]


def test_too_few_or_no_pairs_say_so():
    table = agreement_table(
        exams_frame([exam("E00001", 1, "a", si_tight_side="left"),
                     exam("E00001", 2, "b", si_tight_side="left")]),
        DICTIONARY,
    )  # fmt: skip
    row = table.set_index(["finding", "kind", "blinded"]).loc
    assert "too few" in row[("si_tight_side", "between", "all")]["note"]
    assert row[("si_tight_side", "within", "all")]["note"] == "no pairs yet"
    assert row[("glute_weak_side", "between", "all")]["pairs"] == 0
    empty = agreement_table(exams_frame([]), DICTIONARY)
    assert (empty["pairs"] == 0).all() and len(empty) == 5 * 2 * 3


def test_error_rate_and_correction_invert_the_flip_model():
    assert error_rate(1.0) == 0 and error_rate(0.25) == pytest.approx(0.25)
    assert error_rate(0.0) == 0.5 and error_rate(-0.1) == 0.5
    # observed = e + p (1 - 2e): p = 0.7 and e = 0.25 give 0.6, and back
    assert corrected(0.6, 0.25) == pytest.approx(0.7)
    assert math.isnan(corrected(0.6, 0.5))


def test_the_flip_model_gives_the_kappa_it_assumes():
    # Two examiners each flipping a true side with probability e: kappa (1 - 2e)^2.
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 20000)
    e = 0.2
    first = np.where(rng.random(truth.size) < e, 1 - truth, truth)
    second = np.where(rng.random(truth.size) < e, 1 - truth, truth)
    table = square_table(first, second, [0, 1])
    kappa = cohen(table).kappa
    assert kappa == pytest.approx((1 - 2 * e) ** 2, abs=0.02)
    assert error_rate(kappa) == pytest.approx(e, abs=0.01)


@given(
    n=st.integers(1, 400),
    share=st.floats(0, 1),
    kappa=st.floats(-0.2, 1),
    width=st.floats(0, 0.5),
)
def test_the_sensitivity_range_holds_the_corrected_rate(n, share, kappa, width):
    k = round(share * n)
    result = sensitivity(k, n, kappa, kappa - width, min(kappa + width, 1))
    assert 0 <= result.low <= result.high <= 1
    if not math.isnan(result.rate):
        assert result.low - 1e-9 <= result.rate <= result.high + 1e-9
    if kappa - width <= 0:  # the call may say nothing: any rate is compatible
        assert (result.low, result.high) == (0, 1)


def test_a_pattern_on_palpation_gets_the_agreement_or_how_to_measure_it():
    words, result = pattern_agreement(None, "si_opposite", 60, 100)
    assert "not measured yet" in words and "Riddle & Freburger 2002" in words
    assert result.source == "Riddle & Freburger 2002"
    line = sensitivity_words(result, 60, 100)
    assert "compatible with a true rate" in line and "not measured here" in line
    frame, _, _ = held_out()
    tables = square_tables(frame, DICTIONARY)
    table = agreement_table(frame, DICTIONARY, tables)
    sides = side_kappas(table, tables, DICTIONARY)
    words, result = pattern_agreement(table, "si_opposite", 60, 100, sides)
    # The words quote the 20 blinded pairs (every code); the line's kappa would be
    # that of the 4 of them where both examiners called a side: too few, so the
    # published one stands in, and the line says why.
    assert "20 blinded pairs" in words and result.source == "Riddle & Freburger 2002"
    assert result.pairs == 4
    assert "here only the 4 pairs" in sensitivity_words(result, 60, 100)
    assert pattern_agreement(table, "improved", 5, 10) == ("", None)
    words, result = pattern_agreement(table, "flexor_glute_same_side", 5, 10, sides)
    assert "Hip flexors tight" in words and result is None


def _held_out_store(tmp_path):
    """The held-out exams written to a store (their cases first), as CSV files
    imported the way a practice would bring them."""
    frame, between, within = held_out()
    cases = sorted(set(frame["case_id"]))
    # casekit's form, and letters in it: an id of digits alone is never kept.
    ids = {case: f"KX{i:04d}".translate(str.maketrans("0123456789", "23456789AB"))
           for i, case in enumerate(cases)}  # fmt: skip
    db = tmp_path / "held.db"
    with Store(db, create=True) as store:
        store.add_many({"case": [
            {"case_id": ids[c], "intake_date": DAY, "age_band": "40-49",
             "sex": "female", "pain_side": "left", "duration": "acute", "nprs": 5}
            for c in cases]})  # fmt: skip
        records = frame.assign(case_id=frame["case_id"].map(ids)).to_dict("records")
        store.add_many({"exam": [
            {k: (None if pd.isna(v) else v) for k, v in r.items()} for r in records
        ]})  # fmt: skip
    return db, between, within


def test_agreement_json_on_held_out_exams_is_statsmodels(tmp_path, capsys):
    db, between, within = _held_out_store(tmp_path)
    assert main(["agreement", "--db", str(db), "--format", "json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out))
    rows = rows.set_index(["finding", "kind", "blinded"])
    for kind, known in (("between", between), ("within", within)):
        row = rows.loc[("si_tight_side", kind, "all")]
        counts = np.zeros((4, 4), dtype=int)
        for a, b, *_ in known:
            counts[SIDES.index(a), SIDES.index(b)] += 1
        expected = cohens_kappa(counts)
        assert row["pairs"] == len(known)
        assert row["agreement"] == pytest.approx(np.trace(counts) / counts.sum())
        assert row["kappa"] == pytest.approx(expected.kappa)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (expected.kappa_low, expected.kappa_upp)
        )
    # findings nobody called: no pairs, said so
    assert rows.loc[("glute_weak_side", "between", "all")]["note"] == "no pairs yet"


def test_agreement_text_sets_the_published_figures_beside(tmp_path, capsys):
    db, between, _ = _held_out_store(tmp_path)
    assert main(["agreement", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    si = text.split("SI joint that feels tighter\n")[1].split("\nHip flexors")[0]
    assert f"between examiners, all pairs: {len(between)} pairs" in si
    assert "published, between examiners: kappa 0.11 to 0.23 (Riddle & Freburger" in si
    assert "Holmgren & Waling 2008" in si and "O'Haire & Gibbons 2000" in si
    assert "blinded: 20 pairs" in si and "not blinded: 10 pairs" in si
    assert main(["agreement", "--db", str(db), "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table.columns) == COLUMNS and len(table) == 30


def test_agreement_on_an_empty_store_says_how_to_measure(tmp_path, capsys):
    db = tmp_path / "empty.db"
    Store(db, create=True).close()
    assert main(["agreement", "--db", str(db)]) == 0
    assert "No pairs of exams yet (0 exams logged). To measure it" in (
        capsys.readouterr().out
    )


def test_the_report_shows_agreement_through_disclosure_control():
    from stores import frames_of

    from casekit.disclosure import NHS
    from casekit.report.agreement import agreement
    from casekit.report.series import EXACT, series_of
    from casekit.synth import cohort

    frames = frames_of(cohort(200, seed=4))
    cases = series_of(frames)
    exact = agreement(cases, EXACT)
    best = cases.agreement.set_index(["finding", "kind", "blinded"]).loc[
        ("si_tight_side", "between", "yes")
    ]
    assert exact.safe.table.loc[0, "n"] == best["pairs"] > 10
    assert exact.frame.loc[0, "Kappa (95 % CI)"].startswith(f"{best['kappa']:.2f}")
    assert "%" in exact.frame.loc[0, "True rate compatible with"]
    shared = agreement(cases, NHS)
    for k, n in zip(shared.safe.table["k"], shared.safe.table["n"], strict=True):
        assert k == "*" or (k % 5 == 0 and n % 5 == 0)
    # a handful of pairs: their counts and everything computed from them hidden
    few = series_of(frames_of(cohort(12, seed=4)))
    hidden = agreement(few, NHS)
    n = few.agreement.set_index(["finding", "kind", "blinded"]).loc[
        ("si_tight_side", "between", "all"), "pairs"
    ]
    assert 0 < n <= 7
    assert hidden.frame.loc[0, "Pairs agreed"] == "*"
    assert hidden.frame.loc[0, "Kappa (95 % CI)"] == "*"
    # nothing measured: says so, and the sensitivity uses the published kappa
    none = agreement(
        series_of(
            frames_of(cohort(40, seed=4))
            | {
                "exam": frames_of(
                    {"case": [], "session": [], "followup": [], "exam": []}
                )["exam"]
            }
        ),
        EXACT,
    )
    assert none.frame.loc[0, "Kappa (95 % CI)"] == "not measured yet"
    assert "Riddle & Freburger 2002" in none.frame.loc[0, "True rate compatible with"]
