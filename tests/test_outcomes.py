"""How each case fared, counted exactly on hand-built cases: improved, no clear
change, worse (never folded into "not improved"), no outcome yet; the shares with
statsmodels' Wilson interval, in the full and the shared report's table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import case_record, followup_record, session_record
from statsmodels.stats.proportion import proportion_confint

from casekit.derive import derive
from casekit.disclosure import NHS
from casekit.outcomes import outcome_table
from casekit.patterns import pattern_table
from casekit.report import rates, series

D = dt.date
# intake pain, then (follow-up date, pain) after one session on 2025-03-03
CASES = {
    "improved": (6, [(D(2025, 3, 5), 5), (D(2025, 3, 24), 2)]),  # -4 and 67 %
    "worse": (4, [(D(2025, 3, 20), 7)]),  # +3
    "worse_by_two": (5, [(D(2025, 3, 20), 7)]),  # +2: worse
    "no_change": (6, [(D(2025, 3, 20), 5)]),  # -1
    "small_drop": (8, [(D(2025, 3, 20), 6)]),  # -2 but 25 %: not improved
    "up_one": (3, [(D(2025, 3, 20), 4)]),  # +1: no clear change
    "early_only": (6, [(D(2025, 3, 5), 1)]),  # better 2 days after: no outcome yet
    "no_followup": (6, []),
    "late_then_early": (6, [(D(2025, 3, 25), 6), (D(2025, 3, 17), 1)]),
}
EXPECTED = {
    "improved": "improved",
    "worse": "worse",
    "worse_by_two": "worse",
    "no_change": "no_change",
    "small_drop": "no_change",
    "up_one": "no_change",
    "early_only": "no_outcome",
    "no_followup": "no_outcome",
    # the latest follow-up 14+ days after care decides, by date, not by number
    "late_then_early": "no_change",
}


@pytest.fixture
def built(store) -> dict[str, str]:
    """The hand-built cases in a store: name -> case id."""
    ids = {}
    for name, (pain, followups) in CASES.items():
        case_id = store.add("case", case_record(nprs=pain))["case_id"]
        store.add("session", session_record(case_id, session_date=D(2025, 3, 3)))
        for day, nprs in followups:
            store.add(
                "followup",
                followup_record(case_id, followup_date=day, nprs=nprs, flare="no"),
            )
        ids[name] = case_id
    return ids


def test_each_hand_built_case_is_in_its_class(store, built):
    case = derive(store.frames())["case"].set_index("case_id")
    got = {name: case.loc[case_id, "outcome"] for name, case_id in built.items()}
    assert got == EXPECTED
    assert (
        case.loc[built["worse"], "worse"] and not case.loc[built["worse"], "improved"]
    )


def test_without_pain_at_intake_there_is_nothing_to_compare_with(store, built):
    # The form requires it; an older store or a loose import may lack it.
    frames = store.frames()
    row = frames["case"]["case_id"] == built["improved"]
    frames["case"]["nprs"] = frames["case"]["nprs"].mask(row)
    case = derive(frames)["case"].set_index("case_id")
    assert case.loc[built["improved"], "outcome"] == "no_outcome"


def test_no_pain_at_intake_cannot_improve_but_can_get_worse(store, built):
    """Intake NPRS 0 cannot fall 2 points and 30 %, yet pain can come: 0 then 6 at
    a follow-up 31 days after the only session is worse, not "no outcome yet" (as
    it was), and 0 then 0 or 1 is no clear change (the rest). Each has an outcome,
    so each is in the denominator of "Pain clearly better" and of the classes."""
    none = {}
    for name, later, day in (
        ("still_none", 0, D(2025, 3, 20)),
        ("up_one", 1, D(2025, 3, 20)),
        ("pain_since", 6, D(2025, 4, 3)),
    ):
        case_id = store.add("case", case_record(nprs=0))["case_id"]
        store.add("session", session_record(case_id, session_date=D(2025, 3, 3)))
        store.add(
            "followup",
            followup_record(case_id, followup_date=day, nprs=later, flare="no"),
        )
        none[name] = case_id
    frames = store.frames()
    case = derive(frames)["case"].set_index("case_id")
    got = {name: case.loc[case_id, "outcome"] for name, case_id in none.items()}
    assert got == {
        "still_none": "no_change",
        "up_one": "no_change",
        "pain_since": "worse",
    }
    judged = case.loc[list(none.values()), ["improved", "worse"]]
    assert judged.notna().all().all() and not judged["improved"].any()
    # the other cases as before; both denominators count the three
    others = {name: case.loc[case_id, "outcome"] for name, case_id in built.items()}
    assert others == EXPECTED
    improved = pattern_table(frames).set_index("pattern").loc["improved"]
    assert (improved["k"], improved["n"]) == (1, 10)
    table = outcome_table(frames).set_index("outcome")
    assert table["k"].to_dict() == {
        "improved": 1,
        "no_change": 6,
        "worse": 3,
        "no_outcome": 2,
    }
    assert table.loc["improved", "n"] == 10
    assert table.loc["no_outcome", ["k", "n"]].tolist() == [2, 12]


def test_the_classes_are_counted_exactly_with_wilson_intervals(store, built):
    frames = store.frames()
    table = outcome_table(frames).set_index("outcome")
    assert table["k"].to_dict() == {
        "improved": 1,
        "no_change": 4,
        "worse": 2,
        "no_outcome": 2,
    }
    assert table["n"].to_dict() == {
        "improved": 7,
        "no_change": 7,
        "worse": 7,
        "no_outcome": 9,
    }
    low, high = proportion_confint(2, 7, method="wilson")
    assert table.loc["worse", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [low, high]
    )
    # improved here is the pattern table's improved, k and n alike
    improved = pattern_table(frames).set_index("pattern").loc["improved"]
    assert (improved["k"], improved["n"]) == (1, 7)


def test_an_empty_store_has_no_shares_to_show(store):
    table = outcome_table(store.frames())
    assert table["k"].tolist() == [0, 0, 0, 0] and table["n"].tolist() == [0] * 4
    assert np.isnan(table["proportion"]).all()


def test_the_report_shows_worse_on_its_own_row_exact_and_safe(store, built):
    cases = series.case_series(store.path)
    full = rates.fared(cases, series.EXACT)
    assert full.row_keys == ["improved", "no_change", "worse", "no_outcome"]
    assert full.frame["k / n"].tolist() == ["1 / 7", "4 / 7", "2 / 7", "2 / 9"]
    assert "Worse" in full.frame["How the case fared"][2]
    shared = rates.fared(cases, NHS)
    # every count of ten cases is small: hidden, and said to be
    assert set(shared.frame["k / n"]) == {"*"}
    assert shared.safe.rule is NHS and shared.hidden_rows == 4


WITH_OUTCOME = "With an outcome: pain reported 2+ weeks after the last session"


def test_the_flow_and_how_each_case_fared_count_the_same_outcomes(store, built):
    """The flow counted "with an outcome" from the late follow-up alone, the fared
    table from the class: a case with no pain at intake made them 227 and 226. One
    definition now, and a case followed up without an intake score is said apart."""
    added = []
    for _ in range(2):
        case_id = store.add("case", case_record(nprs=0))["case_id"]
        store.add("session", session_record(case_id, session_date=D(2025, 3, 3)))
        later = followup_record(case_id, followup_date=D(2025, 4, 3), nprs=6)
        store.add("followup", {**later, "flare": "no", "status": "discharged"})
        added.append(case_id)
    frames = store.frames()
    # The form requires the intake score; an older store or a loose import may lack it.
    unscored = frames["case"]["case_id"] == added[1]
    frames["case"]["nprs"] = frames["case"]["nprs"].mask(unscored)
    cases = series.series_of(frames)
    flow = series.flow(cases, series.EXACT).safe.table["Cases"]
    fared = rates.fared(cases, series.EXACT).safe.table.set_index("outcome")
    assert flow[WITH_OUTCOME] == fared.at["improved", "n"] == 8
    assert flow["No outcome: no pain score recorded at intake"] == 1
    assert fared.loc["no_outcome", ["k", "n"]].tolist() == [3, 11]
    assert flow["No outcome: discharged before a follow-up 2+ weeks after care"] == 0
