"""A flare told in several reports: whether a session flared, and how long it lasted.

One left-sided case, session 1 on 2026-01-01 with relief (NPRS 6 -> 3), and its
follow-ups after that session, each a table row: the session's flare after care
(per session and per patient, the peer's SQL alike), and the flare's duration
(ongoing or over, and its hours) read from every report of it.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casekit.cli import main
from casekit.derive import derive
from casekit.patterns import flare_curve, pattern_table, recurrence_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from peer import peer_counts  # noqa: E402

CASE = "K7Q2XM"
DAY0 = dt.date(2026, 1, 1)
NA = None


def _records(reports, sessions=((0, 6, 3),)) -> dict[str, list[dict]]:
    """The case, its sessions ``(day, before, after)`` and its follow-ups
    ``(day, after_session, flare, side, onset, duration)``."""
    case = {
        "case_id": CASE,
        "intake_date": DAY0,
        "age_band": "40-49",
        "sex": "female",
        "pain_side": "left",
        "duration": "chronic",
        "nprs": 6,
    }
    session = [
        {
            "case_id": CASE,
            "session_no": no,
            "session_date": DAY0 + dt.timedelta(days=day),
            "nprs_before": before,
            "nprs_after": after,
        }
        for no, (day, before, after) in enumerate(sessions, start=1)
    ]
    followup = [
        {
            "case_id": CASE,
            "followup_no": no,
            "followup_date": DAY0 + dt.timedelta(days=day),
            "after_session": after_session,
            "flare": flare,
            "flare_side": side,
            "flare_onset_hours": onset,
            "flare_duration_hours": duration,
        }
        for no, (day, after_session, flare, side, onset, duration) in enumerate(
            reports, start=1
        )
    ]
    return {"case": [case], "session": session, "followup": followup}


def _frames(store, reports, **sessions):
    store.add_many(_records(reports, **sessions))
    return store.frames()


def _value(x):
    return None if pd.isna(x) else bool(x)


# (follow-ups after session 1: day, flare, onset[, side[, duration]]; left and
# still going on unless given), then the session's answer.
AFTER_CARE = [
    pytest.param(
        [(2, "no", NA), (5, "yes", NA)], None, id="no-then-yes-of-unknown-onset"
    ),
    pytest.param(
        [(5, "yes", NA), (2, "no", NA)], None, id="yes-of-unknown-onset-then-no"
    ),
    pytest.param([(2, "no", NA), (5, "yes", 60.0)], True, id="no-then-yes-at-60h"),
    pytest.param(
        [(2, "yes", NA), (3, "yes", 30.0)], True, id="unknown-onset-and-yes-at-30h"
    ),
    pytest.param([(2, "no", NA), (5, "yes", 80.0)], False, id="no-then-yes-at-80h"),
    pytest.param(
        [(2, "yes", NA), (4, "yes", 90.0)], None, id="unknown-onset-and-yes-at-90h"
    ),
    pytest.param([(2, "yes", NA)], None, id="yes-of-unknown-onset-alone"),
    pytest.param([(2, "unknown", NA)], None, id="unknown-alone"),
    pytest.param([(2, "no", NA), (3, "unknown", NA)], False, id="no-then-unknown"),
    pytest.param(
        [(2, "unknown", NA), (3, "yes", NA)], None, id="unknown-then-unknown-onset"
    ),
    pytest.param([(2, "no", NA), (3, "no", NA)], False, id="no-twice"),
    # A report after the 7 days is read for no session, a yes as a no alike.
    pytest.param(
        [(2, "no", NA), (10, "yes", NA)], False, id="unknown-onset-after-7-days"
    ),
    # A later report of a placed flare that leaves its onset empty places it too
    # (casekit.flares); a report that is of another flare does not.
    pytest.param(
        [(4, "yes", 80.0), (6, "yes", NA)], False, id="placed-after-72h-told-again"
    ),
    pytest.param(
        [(2, "yes", 30.0), (4, "yes", NA)], True, id="placed-within-72h-told-again"
    ),
    pytest.param(
        [(4, "yes", 80.0), (6, "yes", NA, "left", 60.0)],
        False,
        id="placed-after-72h-told-over-later",
    ),
    pytest.param(
        [(4, "yes", 80.0), (6, "yes", NA, "right")],
        None,
        id="placed-after-72h-then-other-side",
    ),
    pytest.param(
        [(4, "yes", 80.0, "left", 10.0), (6, "yes", NA)],
        None,
        id="placed-after-72h-over-then-another",
    ),
    pytest.param(
        [(4, "yes", 80.0), (5, "yes", 80.0, "left", 20.0), (6, "yes", NA)],
        None,
        id="placed-after-72h-told-after-its-end",
    ),
    pytest.param(
        [(4, "yes", 80.0), (5, "yes", NA, "left", 10.0)],
        None,
        id="placed-after-72h-then-ends-before-seen",
    ),
]


def _report(day, flare, onset, side="left", duration=NA):
    return (day, 1, flare, side, onset, duration)


@pytest.mark.parametrize("reports, expected", AFTER_CARE)
def test_a_flare_of_unknown_onset_leaves_the_session_unknown(store, reports, expected):
    rows = [_report(*report) for report in reports]
    frames = _frames(store, rows)
    d = derive(frames)
    assert _value(d["session"]["flare_after_care"].iat[0]) is expected
    assert _value(d["case"]["flare_after_care"].iat[0]) is expected  # per patient
    k, n = int(expected is True), int(expected is not None)
    table = pattern_table(frames).set_index("pattern")
    assert tuple(table.loc["flare_after_care", ["k", "n"]]) == (k, n)
    cases = recurrence_table(frames).set_index("pattern")
    assert tuple(cases.loc["flare_after_care_cases", ["k", "n"]]) == (k, n)
    peer = peer_counts(frames).set_index("pattern")
    assert tuple(peer.loc["flare_after_care", ["k", "n"]]) == (k, n)


@pytest.mark.parametrize(
    "second, other, patient",
    [
        pytest.param((9, 2, "no", "left", NA, NA), False, None, id="other-session-no"),
        pytest.param(
            (9, 2, "yes", "left", 20.0, 5.0), True, True, id="other-session-yes"
        ),
    ],
)
def test_per_patient_a_session_of_unknown_flare_is_not_a_no(
    store, second, other, patient
):
    reports = [(2, 1, "no", "left", NA, NA), (5, 1, "yes", "left", NA, NA), second]
    d = derive(_frames(store, reports, sessions=((0, 6, 3), (7, 6, 3))))
    assert [_value(v) for v in d["session"]["flare_after_care"]] == [None, other]
    assert _value(d["case"]["flare_after_care"].iat[0]) is patient


def test_patterns_command_leaves_the_unknown_session_out(store, db_url, capsys):
    _frames(store, [(2, 1, "no", "left", NA, NA), (5, 1, "yes", "left", NA, NA)])
    assert main(["patterns", "--db", db_url, "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    row = rows.set_index("pattern").loc["flare_after_care"]
    assert (row["k"], row["n"]) == (0, 0)


# (follow-ups after session 1: day, side, onset, duration), then the flare at its
# first report: still going on, and its hours.
DURATION = [
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", 10.0, 30.0)], False, 30.0, id="over-later"
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", NA, 30.0)],
        False,
        30.0,
        id="over-later-onset-left-empty",
    ),
    pytest.param(
        [(1, "left", NA, NA), (3, "left", 10.0, 30.0)],
        False,
        30.0,
        id="onset-given-later",
    ),
    pytest.param(
        [(1, "left", NA, NA), (3, "left", 60.0, 5.0)],
        True,
        None,
        id="later-onset-the-first-could-not-have-seen",
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "right", 10.0, 30.0)], True, 14.0, id="other-side"
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, NA, 10.0, 30.0)], True, 14.0, id="side-not-given"
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", 50.0, 5.0)], True, 14.0, id="new-flare"
    ),
    pytest.param(
        [(1, "left", 10.0, 4.0), (3, "left", 10.0, 30.0)],
        False,
        4.0,
        id="over-at-first-report-stays-closed",
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", NA, 12.0)],
        True,
        14.0,
        id="ends-before-it-was-seen-going-on",
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", 10.0, NA)],
        True,
        62.0,
        id="going-on-at-both",
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (2, "left", 10.0, 30.0), (5, "left", NA, NA)],
        False,
        30.0,
        id="a-report-after-the-end-is-another-flare",
    ),
    pytest.param(
        [(1, "left", 10.0, NA), (3, "left", 10.0, NA), (4, "left", NA, 40.0)],
        True,
        62.0,
        id="end-shorter-than-seen-by-a-later-report",
    ),
]


@pytest.mark.parametrize("reports, ongoing, hours", DURATION)
def test_a_flare_reported_over_later_is_over(store, reports, ongoing, hours):
    rows = [(day, 1, "yes", side, on, lasted) for day, side, on, lasted in reports]
    f = derive(_frames(store, rows))["followup"]
    first = f[f["flare_event"]]
    assert len(first) == 1 and first["followup_no"].iat[0] == 1  # one flare
    assert _value(first["flare_ongoing"].iat[0]) is ongoing
    observed = first["flare_hours_observed"].iat[0]
    assert (None if pd.isna(observed) else float(observed)) == hours
    later = f[~f["flare_event"]]
    assert later["flare_ongoing"].isna().all()
    assert later["flare_hours_observed"].isna().all()


def test_the_duration_curve_reads_the_end_of_the_flare(store):
    frames = _frames(
        store, [(1, 1, "yes", "left", 10.0, NA), (3, 1, "yes", "left", 10.0, 30.0)]
    )
    curve = flare_curve(frames, measure="duration")
    assert curve["time"].tolist() == [30.0] and curve["events"].tolist() == [1]
    np.testing.assert_allclose(curve["cumulative_incidence"], [1.0])
