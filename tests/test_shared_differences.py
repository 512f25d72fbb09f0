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
from reader import possible_values, what_a_reader_holds
from scipy.optimize import Bounds, LinearConstraint, milp
from stores import frames_of

from casekit.disclosure import NHS, SUPPRESSED, threshold
from casekit.report import rates, series, timing
from casekit.synth import cohort

NONE_YET = 2  # cases without a session: the baseline hides them


def few_sessions(last: int = 99, without: frozenset = frozenset()) -> dict:
    """The frames of 120 synthetic cases, pain scored at every arrival; 2 without
    a session yet and 12 with one only; none after session ``last``; the cases
    ``without`` left out."""
    frames = frames_of(cohort(120, seed=1))
    ids = frames["case"]["case_id"].tolist()
    session = frames["session"]
    session = session[~session["case_id"].isin(ids[:NONE_YET])]
    one = session["case_id"].isin(ids[NONE_YET : NONE_YET + 12])
    session = session[(~one | (session["session_no"] == 1))]
    session = session[session["session_no"] <= last].copy()
    session["nprs_before"] = session["nprs_before"].fillna(5)
    frames = {**frames, "session": session}
    return {name: f[~f["case_id"].isin(without)] for name, f in frames.items()}


@pytest.fixture(scope="module")
def cases():
    """120 synthetic cases (:func:`few_sessions`): the baseline hides both 2
    without a session and 12 with one (2 is small, 12 its partner)."""
    return series.series_of(few_sessions())


def none_yet(cases, rule, with_pain: bool = True, recurrence: bool = False):
    """Every number of cases without a session that the shared tables allow
    (with ``recurrence``: and the recurrence rows, whose cases had a session
    with relief, or two sessions or more)."""
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
    rows, lo, hi = what_a_reader_holds(forms, shown, rule)
    for s in range(end):  # fewer cases with more sessions
        rows.append(tail(s) - tail(s + 1)), lo.append(0), hi.append(np.inf)
    rows.append(tail(end)), lo.append(0), hi.append(0)
    if recurrence:  # at least as many cases had a session (two) as a row counts
        table = rates.recurrence(cases, rule).safe.table
        for sessions, n in zip((1, 2), table["n"], strict=True):
            if n != SUPPRESSED and n > 0:
                low = n - (0 if rule.round_to == 1 else rule.round_to // 2)
                rows.append(tail(sessions)), lo.append(low), hi.append(np.inf)
    return possible_values(rows, lo, hi, tail(0) - tail(1))


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


# -- flare onset windows beside the pattern row -----------------------------------


def onsets(late: int, later: int, early: int):
    """Synthetic cases whose flares began: ``late`` of them 48 to 72 h after the
    session, ``later`` of them later, ``early`` moved from within 4 h to 4 to 24 h
    (and 12 more to 24 to 48 h)."""
    frames = frames_of(cohort(120, seed=1))
    followup = frames["followup"].copy()
    hours = followup["flare_onset_hours"]
    middle = followup.index[(hours > 4) & (hours <= 24)]
    first = followup.index[hours <= 4]
    followup.loc[middle[:late], "flare_onset_hours"] = 60.0
    followup.loc[middle[late : late + later], "flare_onset_hours"] = 100.0
    followup.loc[first[:early], "flare_onset_hours"] = 10.0
    followup.loc[first[early : early + 12], "flare_onset_hours"] = 30.0
    return series.series_of({**frames, "followup": followup})


@pytest.fixture(scope="module")
def flares():
    """92 flares after a session with relief: 39 within 4 h, 26 from 4 to 24, 15
    from 24 to 48, 2 from 48 to 72 (in no window of their own) and 10 later."""
    return onsets(2, 14, 18)


def flares_48_to_72(cases, rule, part: int = 3) -> set[int]:
    """Every number of flares from 48 to 72 h (``part`` 4: later) that the onset
    windows and the pattern row "Flare within 72 h" allow (parts: the three
    windows, 48 to 72 h, later)."""
    windows = timing.flare_windows(cases, rule).safe.table
    pattern = rates.patterns(cases, rule).safe.table.set_index("pattern")
    sums = [np.eye(5)[i] for i in range(3)] + [np.array([0, 0, 0, 1, 1])]
    forms, shown = [], []
    for form, (k, n) in zip(sums, windows[["k", "n"]].to_numpy(), strict=True):
        forms += [form, np.ones(5)]
        shown += [k, n]
    forms.append(np.array([1, 1, 1, 1, 0]))
    shown.append(pattern.at["flare_after_care", "k"])
    rows, lo, hi = what_a_reader_holds(forms, shown, rule)
    found = set()
    for v in range(40):
        constraints = LinearConstraint(
            np.array([*rows, np.eye(5)[part]]), [*lo, v], [*hi, v]
        )
        result = milp(
            np.zeros(5),
            constraints=constraints,
            integrality=np.ones(5),
            bounds=Bounds(0, np.inf),
        )
        if result.status == 0:
            found.add(v)
    return found


def test_the_flares_are_as_built(flares):
    windows = timing.flare_windows(flares, series.EXACT).safe.table
    assert windows["k"].tolist() == [39, 26, 15, 12] and windows["n"].iat[0] == 92
    pattern = rates.patterns(flares, series.EXACT).safe.table.set_index("pattern")
    assert pattern.at["flare_after_care", "k"] == 82  # 39 + 26 + 15 + 2


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_the_windows_do_not_give_back_flares_from_48_to_72_h(flares, rule):
    # Before, under a threshold: 82 less 39, 26 and 15 is exactly 2; rounded, the
    # windows and the pattern row left 0 to 6, a count known to be small.
    found = flares_48_to_72(flares, rule)
    assert len(found) > 1 and max(found) > rule.suppress_max, found


def test_the_windows_do_not_give_back_flares_later_than_72_h():
    """3 flares began later than 72 h: the windows' n less the pattern's k."""
    cases = onsets(0, 3, 18)
    exact = timing.flare_windows(cases, series.EXACT).safe.table
    pattern = rates.patterns(cases, series.EXACT).safe.table.set_index("pattern")
    assert exact["n"].iat[0] - pattern.at["flare_after_care", "k"] == 3
    rule = threshold(10)
    found = flares_48_to_72(cases, rule, part=4)
    assert len(found) > 1 and max(found) > rule.suppress_max, found


# -- an empty band never protects a hidden one -------------------------------------


@pytest.fixture(scope="module")
def short_courses():
    """The same cases with no session after the sixth: the baseline's band "7 or
    more" is 0, and the pain course's last session (6) says so to a reader."""
    return series.series_of(few_sessions(last=6))


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_an_empty_band_is_never_the_second_hidden_one(short_courses, rule):
    table = series.baseline(short_courses, series.EXACT).frame
    at = table.index[table["Characteristic"] == "Sessions"][0]
    bands = table.loc[at : at + len(series.SESSIONS) - 1, "Cases"].tolist()
    assert bands[0] == NONE_YET and bands[-1] == 0
    # Before, "7 or more" (0) was hidden beside "None yet" (2): the pain course's
    # last session is the sixth, so it is 0, and "None yet" the series less the
    # bands shown, exactly under a threshold rule.
    found = none_yet(short_courses, rule, with_pain=False)
    assert len(found) > 1 and max(found) > rule.suppress_max, found


# -- recurrence per patient beside the series --------------------------------------


@pytest.fixture(scope="module")
def relieved():
    """The same cases, each with a session checked within 7 days after it
    brought relief, but for the 2 without a session: the recurrence row's n is
    "In the series" less "None yet". The 12 with one session had relief at it and
    a check-in 2 days later; those with more that had no such session are left
    out."""
    frames = few_sessions()
    ids = frames["case"]["case_id"].tolist()[NONE_YET : NONE_YET + 12]
    session, followup = frames["session"].copy(), frames["followup"].copy()
    first = session["case_id"].isin(ids)
    session.loc[first, ["nprs_before", "nprs_after"]] = [5, 2]
    dates = session[first].set_index("case_id")["session_date"]
    check = followup.index[followup["case_id"].isin(ids)]
    check = followup.loc[check].groupby("case_id").head(1).index
    followup.loc[check, "after_session"] = 1
    followup.loc[check, "followup_date"] = followup.loc[check, "case_id"].map(
        dates + pd.Timedelta(days=2)
    )
    followup.loc[check, "flare"] = "no"
    frames = {**frames, "session": session, "followup": followup}
    case = series.series_of(frames).frames["case"]
    away = case["flare_after_care"].isna() & (case["n_sessions"] > 0)
    return series.series_of(
        {
            name: frame[~frame["case_id"].isin(case["case_id"][away])]
            for name, frame in frames.items()
        }
    )


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_recurrence_does_not_give_back_none_yet(relieved, rule):
    exact = rates.recurrence(relieved, series.EXACT).safe.table
    total = len(relieved.frames["case"])
    assert total - exact.at[0, "n"] == NONE_YET
    # Before, under a threshold rule: "In the series" less the patients with a
    # session that brought relief checked, 2: "None yet" is 0 to 2, known small.
    found = none_yet(relieved, rule, with_pain=False, recurrence=True)
    assert len(found) > 1 and max(found) > rule.suppress_max, found
    assert found == none_yet(relieved, rule, with_pain=False)


def test_recurrence_far_from_the_series_is_shown(cases):
    """120 in the series, 97 with a session of relief checked: the row stays."""
    exact = rates.recurrence(cases, series.EXACT).safe.table
    assert exact.loc[0, ["k", "n"]].tolist() == [56, 97]
    shared = rates.recurrence(cases, threshold(10)).safe.table
    assert shared.loc[0, ["k", "n"]].tolist() == [56, 97]
