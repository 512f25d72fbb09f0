"""Counts of the shared report that one number less another would give back.

Where pain is scored at every arrival, the cases arriving at session ``s`` are
those with ``s`` sessions or more: "In the series" (the flow) less the arrivals at
session 1 (the pain course) is the baseline's "None yet", which the baseline hides.
The reader here knows the rule and works out every value the hidden count can
take from the numbers shown (scipy's MILP: integer counts of cases with at least
``s`` sessions, each shown number exact under a threshold rule, within 2 of the
shown one when rounded, a hidden one anything)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from stores import frames_of

from casekit.disclosure import NHS, SUPPRESSED, threshold
from casekit.report import series, timing
from casekit.synth import cohort

NONE_YET = 2  # cases without a session: the baseline hides them


@pytest.fixture(scope="module")
def cases():
    """120 synthetic cases, pain scored at every arrival; 2 without a session yet
    and 12 with one only (the baseline hides both: 2 is small, 12 its partner)."""
    frames = frames_of(cohort(120, seed=1))
    ids = frames["case"]["case_id"].tolist()
    session = frames["session"]
    session = session[~session["case_id"].isin(ids[:NONE_YET])]
    one = session["case_id"].isin(ids[NONE_YET : NONE_YET + 12])
    session = session[~one | (session["session_no"] == 1)].copy()
    session["nprs_before"] = session["nprs_before"].fillna(5)
    return series.series_of({**frames, "session": session})


def none_yet(cases, rule, with_pain: bool = True) -> set[int]:
    """Every number of cases without a session that the shared tables allow."""
    flow = series.flow(cases, rule).frame.set_index("Stage")["Cases"]
    table = series.baseline(cases, rule).frame
    at = table.index[table["Characteristic"] == "Sessions"][0]
    bands = table.loc[at : at + len(series.SESSIONS) - 1, "Cases"].tolist()
    pain = timing.pain_course(cases, rule).frame
    last = int(pain["Session"].max())
    end = last + 1  # C[s]: cases with s sessions or more; C[end] = 0
    forms, shown = [], []

    def tail(s):
        row = np.zeros(end + 1)
        row[min(s, end)] = 1
        return row

    forms.append(tail(0)), shown.append(flow["In the series"])
    low = 0
    for top, value in zip(series.SESSIONS.values(), bands, strict=True):
        high = int(min(top + 1, end))
        forms.append(tail(low) - tail(high)), shown.append(value)
        low = high
    if with_pain:
        for s, value in zip(pain["Session"], pain["Cases (on arrival)"], strict=True):
            forms.append(tail(int(s))), shown.append(value)
    rows, lo, hi = [], [], []
    for form, value in zip(forms, shown, strict=True):
        if value == SUPPRESSED:
            continue
        slack = 0 if rule.round_to == 1 or value == 0 else rule.round_to // 2
        rows.append(form)
        lo.append(max(value - slack, 0 if value == 0 else rule.suppress_max + 1))
        hi.append(value + slack)
    for s in range(end):  # fewer cases with more sessions
        rows.append(tail(s) - tail(s + 1)), lo.append(0), hi.append(np.inf)
    rows.append(tail(end)), lo.append(0), hi.append(0)
    found = set()
    for v in range(40):
        gap = tail(0) - tail(1)
        constraints = LinearConstraint(np.array([*rows, gap]), [*lo, v], [*hi, v])
        result = milp(
            np.zeros(end + 1),
            constraints=constraints,
            integrality=np.ones(end + 1),
            bounds=Bounds(0, np.inf),
        )
        if result.status == 0:
            found.add(v)
    return found


def test_none_yet_is_hidden_in_the_baseline(cases):
    exact = series.baseline(cases, series.EXACT).frame
    assert exact.loc[exact["Value"] == "None yet", "Cases"].tolist() == [NONE_YET]
    for rule in (NHS, threshold(10)):
        shared = series.baseline(cases, rule).frame
        assert shared.loc[shared["Value"] == "None yet", "Cases"].tolist() == ["*"]


def test_arrivals_do_not_give_back_none_yet_under_a_threshold(cases):
    rule = threshold(10)
    # Before, "In the series" 120 less 118 arrivals at session 1: exactly 2.
    found = none_yet(cases, rule)
    assert len(found) > 1 and max(found) > rule.suppress_max, found
    # The pain course tells no more of it than the baseline's own suppression.
    assert found == none_yet(cases, rule, with_pain=False)


def test_arrivals_do_not_give_back_none_yet_when_rounded(cases):
    # Before, 120 less 120 (118 rounded): 0 to 4, a count known to be small.
    found = none_yet(cases, NHS)
    assert len(found) > 1 and max(found) > NHS.suppress_max, found


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_no_two_arrival_counts_shown_differ_by_a_small_count(cases, rule):
    """Each shown count, exact, against "In the series" and every other shown."""
    exact = timing.pain_course(cases, series.EXACT).frame
    shown = timing.pain_course(cases, rule).frame["Cases (on arrival)"]
    counts = [len(cases.frames["case"])]
    counts += exact["Cases (on arrival)"][shown != SUPPRESSED].tolist()
    gaps = np.abs(np.subtract.outer(counts, counts))
    assert ((gaps == 0) | (gaps > rule.suppress_max)).all()
    # A session not shown keeps no quartiles (after care neither).
    table = timing.pain_course(cases, rule).safe.table
    gone = table["session_no"].isin(exact["Session"][shown == SUPPRESSED])
    assert (table.loc[gone, ["cases", "q1", "median", "q3"]] == SUPPRESSED).all().all()


def test_the_full_pain_course_is_unchanged(cases):
    frame = timing.pain_course(cases, series.EXACT).frame
    session = cases.frames["session"]
    expected = session.groupby("session_no")["nprs_before"].count()
    assert frame["Cases (on arrival)"].tolist() == expected.tolist()
    assert SUPPRESSED not in pd.Series(frame.to_numpy().ravel()).tolist()
