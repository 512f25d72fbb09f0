"""Derived values on a hand-built set of cases whose every answer is worked out here.

The eight cases (all with intake on day 0, NPRS 6 unless said) hold the awkward
things on purpose: pain on both sides and central pain, `not_tested` and empty exam
answers, `unsure` ankle history, a case without any follow-up, a case with no
session at all, an ongoing flare, a flare in another region and on both sides, a
flare after a session without relief, a flare that began after 72 h, a flare
reported 10 days after its session, a flare of unknown onset reported twice, a
late follow-up with no NPRS, and the 30 % threshold missed by a 2-point drop.

    case    pain     SI          ankle   knee   plantar  hip flexor  glute
    CASEA2  left     right       left    left   right    left        left
    CASEB2  right    right       none    none   none     right       left
    CASEC2  left     both        unsure  both   left     not_tested  left
    CASED2  right    not_tested  left    left   -        none        none
    CASEE2  left     (empty)     (empty) -      -        left        (empty)
    CASEF2  both     left        left    -      -        -           -
    CASEG2  central  right       none    -      -        -           -
    CASEH2  right    left        both    -      right    right       right
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.derive import derive, positions_of

D0 = dt.date(2025, 3, 3)
IDS = ["CASEA2", "CASEB2", "CASEC2", "CASED2", "CASEE2", "CASEF2", "CASEG2", "CASEH2"]
A, B, C, D, E, F, G, H = IDS


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def _case(case_id, pain, sex, nprs=6, **exam):
    return {
        "case_id": case_id,
        "intake_date": D0,
        "age_band": "40-49",
        "sex": sex,
        "pain_side": pain,
        "duration": "chronic",
        "nprs": nprs,
        **exam,
    }


def _session(case_id, no, on, before, after, regions=("lumbar",)):
    return {
        "case_id": case_id,
        "session_no": no,
        "session_date": day(on),
        "nprs_before": before,
        "nprs_after": after,
        "regions_treated": list(regions) if regions else None,
    }


def _followup(case_id, no, on, after_session, nprs=None, flare=None, **flare_info):
    record = {
        "case_id": case_id,
        "followup_no": no,
        "followup_date": day(on),
        "after_session": after_session,
        "nprs": nprs,
        "flare": flare,
    }
    for key, value in flare_info.items():
        record[f"flare_{key}"] = value
    return record


def handbuilt() -> dict[str, list[dict]]:
    """The eight cases with their sessions and follow-ups, ready for add_many."""
    cases = [
        _case(A, "left", "female", si_tight_side="right", ankle_injury_side="left",
              knee_pain_side="left", plantar_fasciitis_side="right",
              hip_flexor_tight_side="left", glute_weak_side="left"),
        _case(B, "right", "female", si_tight_side="right", ankle_injury_side="none",
              knee_pain_side="none", plantar_fasciitis_side="none",
              hip_flexor_tight_side="right", glute_weak_side="left"),
        _case(C, "left", "female", nprs=7, si_tight_side="both",
              ankle_injury_side="unsure", knee_pain_side="both",
              plantar_fasciitis_side="left", hip_flexor_tight_side="not_tested",
              glute_weak_side="left"),
        _case(D, "right", "female", si_tight_side="not_tested",
              ankle_injury_side="left", knee_pain_side="left",
              hip_flexor_tight_side="none", glute_weak_side="none"),
        _case(E, "left", "male", hip_flexor_tight_side="left"),
        _case(F, "both", "male", si_tight_side="left", ankle_injury_side="left"),
        _case(G, "central", "male", si_tight_side="right", ankle_injury_side="none"),
        _case(H, "right", "male", nprs=8, si_tight_side="left",
              ankle_injury_side="both", plantar_fasciitis_side="right",
              hip_flexor_tight_side="right", glute_weak_side="right"),
    ]  # fmt: skip
    sessions = [
        _session(A, 1, 0, 6, 3, ("lumbar", "hip_flexors")),
        _session(A, 2, 7, 5, 2),
        _session(A, 3, 14, 4, 2),
        _session(B, 1, 0, 6, 6),  # no relief
        _session(B, 2, 5, 6, 4, ("lumbar", "si_pelvis")),
        _session(C, 1, 0, 7, 5),
        _session(C, 2, 6, 6, 4, None),  # regions not recorded
        _session(C, 3, 12, 5, 5),
        _session(D, 1, 0, 5, 2, ("ankle_foot",)),
        _session(D, 2, 3, 4, None, None),  # pain after care not recorded
        _session(E, 1, 0, 6, 4),
        _session(E, 2, 7, 5, 3, ("abdomen_visceral",)),
        _session(F, 1, 0, 6, 3, ("glutes",)),
        _session(H, 1, 0, 8, 5),
        _session(H, 2, 7, 6, 6),
    ]  # CASEG2 (central) has no session and no follow-up at all
    followups = [
        _followup(A, 1, 2, 1, 4, "yes", side="left", onset_hours=20.0,
                  duration_hours=10.0),
        _followup(A, 2, 9, 2, 5, "yes", side="left", onset_hours=30.0),  # ongoing
        _followup(A, 3, 16, 3, 3, "no"),
        _followup(A, 4, 28, 3, 2),  # 14 days after the last session: the outcome
        _followup(B, 1, 1, 1, 6, "yes", side="right", onset_hours=10.0,
                  duration_hours=12.0),  # after a session without relief
        _followup(B, 2, 10, 2, 5, "yes", side="left", onset_hours=80.0,
                  duration_hours=5.0),  # began after 72 h
        _followup(C, 1, 2, 1, 5, "yes", side="other_region", onset_hours=4.0,
                  duration_hours=5.0),
        _followup(C, 2, 8, 2, 4, "yes", side="both", onset_hours=3.0,
                  duration_hours=20.0),
        _followup(C, 3, 30, 3, 6),
        _followup(D, 1, 10, 1, 3, "yes", side="right", onset_hours=24.0,
                  duration_hours=8.0),  # reported 10 days later
        _followup(D, 2, 4, 2, 4, "yes", side="right", onset_hours=6.0,
                  duration_hours=30.0),
        _followup(D, 3, 23, 2, None),  # late, but no NPRS
        _followup(D, 4, 31, 2, 5),
        _followup(E, 1, 2, 1, None, "unknown"),
        _followup(E, 2, 9, 2, None, "yes", side="left"),  # onset unknown, ongoing
        _followup(E, 3, 10, 2, 5, "yes", side="left", onset_hours=40.0,
                  duration_hours=12.0),  # the same flare, told again
        _followup(E, 4, 21, 2, 0),
        _followup(F, 1, 2, 1, None, "yes", side="left", onset_hours=12.0,
                  duration_hours=6.0),
        _followup(F, 2, 16, 1, 3),
        _followup(H, 1, 2, 1, 5, "no"),
        _followup(H, 2, 9, 2, None, "no"),
        _followup(H, 3, 21, 2, 4),
        {**_followup(H, 4, 35, 2), "status": "lost"},
    ]  # fmt: skip
    return {"case": cases, "session": sessions, "followup": followups}


@pytest.fixture
def frames(store):
    store.add_many(handbuilt())
    return store.frames()


@pytest.fixture
def derived(frames):
    return derive(frames)


def _plain(value):
    return None if pd.isna(value) else value


def by_case(frame: pd.DataFrame, column: str) -> dict:
    """Case id -> value, as plain Python values (None where missing)."""
    values = frame[column].astype(object)
    return {k: _plain(v) for k, v in zip(frame["case_id"], values, strict=True)}


def rows(frame: pd.DataFrame, column: str, key: str) -> dict:
    """(case id, number) -> value, as plain Python values."""
    values = frame[column].astype(object)
    return {
        (c, int(n)): _plain(v)
        for c, n, v in zip(frame["case_id"], frame[key], values, strict=True)
    }


def test_frames_keep_their_rows_and_columns(frames, derived):
    for form in ("case", "session", "followup"):
        assert len(derived[form]) == len(frames[form])
        assert list(derived[form].columns[: frames[form].shape[1]]) == list(
            frames[form].columns
        )
        assert "one_sided" not in frames["case"]  # the caller's frames are untouched


def test_sides(derived):
    case = derived["case"]
    assert by_case(case, "one_sided") == dict.fromkeys(IDS, True) | {F: False, G: False}
    assert by_case(case, "opposite_side") == {
        A: "right", B: "left", C: "right", D: "left", E: "right", F: None, G: None,
        H: "left",
    }  # fmt: skip
    assert by_case(case, "si_relation") == {
        A: "opposite", B: "same", C: "both", D: None, E: None, F: None, G: None,
        H: "opposite",
    }  # fmt: skip
    si = by_case(case, "si_opposite")
    assert si == {A: True, B: False, C: None, D: None, E: None, F: None, G: None,
                  H: True}  # fmt: skip


def test_nullable_booleans_stay_missing_not_false(derived):
    case = derived["case"]
    for column in ("one_sided", "si_opposite", "ankle_history", "held", "improved"):
        assert case[column].dtype == "boolean", column
    assert case.loc[case["case_id"] == E, "ankle_history"].isna().all()


def test_ankle_knee_plantar_and_the_chain(derived):
    case = derived["case"]
    assert by_case(case, "ankle_history") == {
        A: True, B: False, C: True, D: True, E: None, F: True, G: False, H: True,
    }  # fmt: skip
    assert by_case(case, "ankle_same_side") == dict.fromkeys(IDS) | {A: True, D: False}
    assert by_case(case, "knee_same_side") == dict.fromkeys(IDS) | {A: True, D: False}
    assert by_case(case, "plantar_same_side") == dict.fromkeys(IDS) | {
        A: False, C: True, H: True,
    }  # fmt: skip
    assert by_case(case, "flexor_glute_same_side") == dict.fromkeys(IDS) | {
        A: True, B: False, D: False, H: True,
    }  # fmt: skip
    # A finding on both sides is on the pain side: C's knee, H's ankle.
    assert by_case(case, "chain_links") == {
        A: 4, B: 1, C: 3, D: 0, E: 1, F: None, G: None, H: 4,
    }  # fmt: skip
    assert by_case(case, "chain_links_known") == {
        A: 5, B: 5, C: 3, D: 4, E: 1, F: None, G: None, H: 4,
    }  # fmt: skip


def test_sessions(derived):
    session = derived["session"]
    assert rows(session, "day", "session_no")[(A, 3)] == 14
    relief = rows(session, "relief", "session_no")
    assert relief[(B, 1)] is False and relief[(C, 3)] is False
    assert relief[(D, 2)] is None  # nprs_after missing: unknown, not "no relief"
    assert relief[(A, 1)] is True
    assert by_case(derived["case"], "upstream_treated") == {
        A: True, B: False, C: None, D: True, E: True, F: False, G: None, H: False,
    }  # fmt: skip
    checked = rows(session, "checked_in", "session_no")
    assert checked[(D, 1)] is False  # its only report came 10 days later
    assert checked[(A, 1)] and not checked[(C, 3)]


def test_flare_after_care_per_session_and_per_case(derived):
    after_care = rows(derived["session"], "flare_after_care", "session_no")
    assert after_care == {
        (A, 1): True, (A, 2): True, (A, 3): False,
        (B, 1): None,  # no relief
        (B, 2): False,  # the flare began after 72 h
        (C, 1): True,  # a flare in another region is a flare
        (C, 2): True, (C, 3): None,
        (D, 1): None,  # no report within 7 days
        (D, 2): None,  # relief unknown
        (E, 1): None,  # "unknown"
        (E, 2): True,  # first report has no onset; the second places it at 40 h
        (F, 1): True,
        (H, 1): False, (H, 2): None,
    }  # fmt: skip
    assert by_case(derived["case"], "flare_after_care") == {
        A: True, B: False, C: True, D: None, E: True, F: True, G: None, H: False,
    }  # fmt: skip


def test_flare_sides_events_and_durations(derived):
    f = derived["followup"]
    same = rows(f, "flare_same_side", "followup_no")
    assert {k for k, v in same.items() if v is True} == {
        (A, 1), (A, 2), (B, 1), (D, 1), (D, 2), (E, 2),
    }  # fmt: skip
    assert {k for k, v in same.items() if v is False} == {(B, 2)}
    relation = rows(f, "flare_side_relation", "followup_no")
    assert relation[(C, 1)] == "other_region" and relation[(C, 2)] == "both"
    assert relation[(F, 1)] is None  # pain on both sides: no "same side"
    assert relation[(E, 3)] is None  # a repeated report is not a second flare
    events = rows(f, "flare_event", "followup_no")
    assert sum(events.values()) == 10 and not events[(E, 3)]
    ongoing = rows(f, "flare_ongoing", "followup_no")
    assert ongoing[(A, 2)] is True and ongoing[(A, 1)] is False
    hours = rows(f, "flare_hours_observed", "followup_no")
    assert hours[(A, 2)] == 18.0  # censored: 2 days after the session, began at 30 h
    assert hours[(A, 1)] == 10.0
    # Still going on at its first report (onset not given); the next report, of
    # the same side, places it at 40 h and says it was over after 12 h.
    assert ongoing[(E, 2)] is False and hours[(E, 2)] == 12.0


def test_days_and_nprs_change(derived):
    f = derived["followup"]
    assert rows(f, "day", "followup_no")[(A, 4)] == 28
    assert rows(f, "days_after_session", "followup_no")[(D, 1)] == 10
    assert rows(f, "days_after_last_session", "followup_no")[(A, 4)] == 14
    assert rows(f, "nprs_change", "followup_no")[(H, 3)] == -4
    improved = rows(f, "improved", "followup_no")
    assert improved[(C, 1)] is False  # 7 -> 5: 2 points but under 30 %
    assert improved[(A, 1)] is True  # 6 -> 4: 2 points and 33 %
    assert improved[(D, 3)] is None  # no NPRS
    assert rows(f, "recovered", "followup_no")[(E, 4)] is True


def test_outcomes_improved_held_recovered(derived):
    case = derived["case"]
    assert by_case(case, "followup_14d") == dict.fromkeys(IDS, True) | {
        B: False, G: False,
    }  # fmt: skip
    assert by_case(case, "final_nprs") == {
        A: 2, B: None, C: 6, D: 5, E: 0, F: 3, G: None, H: 4,
    }  # fmt: skip
    assert by_case(case, "improved") == {
        A: True, B: None, C: False, D: False, E: True, F: True, G: None, H: True,
    }  # fmt: skip
    assert by_case(case, "held") == {
        A: True, B: None, C: False, D: False, E: None, F: None, G: None, H: True,
    }  # fmt: skip
    assert by_case(case, "recovered") == {
        A: False, B: None, C: False, D: False, E: True, F: False, G: None, H: False,
    }  # fmt: skip


def test_same_side_recurrence(derived):
    case = derived["case"]
    assert by_case(case, "flare_sessions_known") == {
        A: 3, B: 2, C: 2, D: 2, E: 1, F: 1, G: 0, H: 2,
    }  # fmt: skip
    assert by_case(case, "same_side_recurrence") == {
        A: True, B: False, C: False, D: True, E: None, F: None, G: None, H: False,
    }  # fmt: skip


def test_empty_store_derives_empty_frames(store):
    derived = derive(store.frames())
    assert all(len(frame) == 0 for frame in derived.values())
    assert "flare_after_care" in derived["session"]
    assert "same_side_recurrence" in derived["case"]


def test_rows_of_a_case_not_in_the_case_frame_count_nowhere(frames):
    frames = dict(frames, case=frames["case"][frames["case"]["case_id"] != A])
    derived = derive(frames)
    session = derived["session"]
    assert session.loc[session["case_id"] == A, "day"].isna().all()
    f = derived["followup"]
    assert not f.loc[f["case_id"] == A, "flare_event"].any()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    among=st.lists(st.text(max_size=4), unique=True, max_size=12),
    ids=st.lists(st.text(max_size=4), max_size=20),
    as_str=st.booleans(),
)
def test_positions_of_is_get_indexer(among, ids, as_str):
    dtype = "str" if as_str else object
    found = positions_of(pd.Series(ids, dtype=dtype), pd.Series(among, dtype=dtype))
    expected = pd.Index(pd.Series(among, dtype=object)).get_indexer(ids)
    np.testing.assert_array_equal(found, expected)


def test_positions_of_refuses_a_case_id_given_twice():
    with pytest.raises(ValueError, match="once"):
        positions_of(pd.Series(["A"], dtype="str"), pd.Series(["A", "A"], dtype="str"))
