"""Derived values: the three stored forms turned into analysis frames.

:func:`derive` takes the frames :meth:`casekit.Store.frames` returns and gives back
one frame per case, per session and per follow-up, each the stored columns plus the
values of the domain brief that are computed, never typed. Three rules hold
throughout:

- Missing is not "no": every yes/no value is a nullable ``boolean`` and is NA when
  an input it needs is missing, ``not_tested`` or ``unknown``. A pattern's
  denominator is simply where its column is not NA.
- Sides are stored absolute (left / right); "same side as the pain" and "opposite"
  exist only here, and only for one-sided pain.
- Everything is vectorised (lookups by position, ``bincount``, ``lexsort``), so
  100,000 cases with half a million sessions derive in a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .flares import flare_course, unplaced_reports

# Ostelo 2008's clinically important change in NPRS.
from .literature import IMPORTANT_POINTS, IMPORTANT_TENTHS

SIDES = ("left", "right")
# Regions whose treatment counts as working "upstream" of the low back.
UPSTREAM_REGIONS = frozenset({"hip_flexors", "abdomen_visceral", "ankle_foot"})
FLARE_WINDOW_HOURS = 72  # "a day or two later", with a day's slack
CHECKIN_WINDOW_DAYS = 7  # a follow-up this soon after a session reports on its flare
HELD_AFTER_DAYS = 14  # "held": still improved this long after the last session
# A deterioration: pain up by as many points as a clinically important drop. Counted
# as its own outcome, never hidden among "not improved".
WORSE_POINTS = IMPORTANT_POINTS
# How each case fared, at its latest follow-up 14+ days after the last session
# (the domain brief's classes, in the order they are shown).
OUTCOMES = ("improved", "no_change", "worse", "no_outcome")
CHAIN = (
    "ankle_injury_side",
    "knee_pain_side",
    "plantar_fasciitis_side",
    "hip_flexor_tight_side",
    "glute_weak_side",
)
# The stored columns derive reads, by form (besides each form's key): a reader that
# only counts (``casekit patterns``) asks the store for these alone.
# ``tests/test_patterns.py`` holds the counts from them to those of whole frames.
INPUTS = {
    "case": ("intake_date", "pain_side", "nprs", "si_tight_side", *CHAIN),
    "session": (
        "session_date",
        "nprs_before",
        "nprs_after",
        "regions_treated",
    ),
    "followup": (
        "followup_date",
        "after_session",
        "nprs",
        "flare",
        "flare_side",
        "flare_onset_hours",
        "flare_duration_hours",
    ),
}
SI_RELATIONS = ("opposite", "same", "both")
FLARE_RELATIONS = ("same", "opposite", "both", "other_region")
_LEFT, _RIGHT = 1, 2  # side codes; 0 is anything else, missing included


def derive(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Analysis frames with the derived values of the domain brief.

    Parameters
    ----------
    frames : dict of DataFrame
        ``{"case": ..., "session": ..., "followup": ...}`` as
        :meth:`casekit.Store.frames` returns them (typed: categoricals, Int64,
        Float64, datetime64 dates, multi-selects as lists or None).

    Returns
    -------
    dict of DataFrame
        The same keys (a form nothing is derived from, such as ``exam``, as it
        is); each of case, session and followup keeps its stored columns (and a fresh
        0..n-1 index) and gains:

        case
            ``one_sided``, ``opposite_side``, ``si_relation`` (opposite / same /
            both), ``si_opposite``, ``ankle_history``, ``ankle_same_side``,
            ``knee_same_side``, ``plantar_same_side``, ``flexor_glute_same_side``,
            ``chain_links``, ``chain_links_known``, ``n_sessions``,
            ``last_session_day``, ``upstream_treated``, ``followup_14d``,
            ``final_nprs``, ``improved``, ``worse``, ``outcome`` (one of
            :data:`OUTCOMES`), ``improved_before``, ``held``, ``recovered``,
            ``flare_after_care``, ``flare_sessions_known``,
            ``same_side_flare_sessions``, ``same_side_recurrence``.
        session
            ``day``, ``relief``, ``upstream_region``, ``checked_in``,
            ``flare_unplaced``, ``flare_after_care``.
        followup
            ``day``, ``days_after_session``, ``days_after_last_session``,
            ``nprs_change``, ``improved``, ``worse``, ``recovered``, ``late``,
            ``flare_reported``, ``after_relief``, ``flare_after_care``,
            ``flare_event``, ``flare_side_relation``, ``flare_same_side``,
            ``flare_ongoing``, ``flare_hours_observed``.

        Yes/no values are ``boolean`` (NA where they cannot be said), counts and
        days ``Int64``, relations ordered categoricals.

    Notes
    -----
    A session or follow-up whose case is not in ``frames["case"]`` gets NA for
    everything that needs the case: it is a data problem ``casekit check`` reports,
    and a filtered case frame thereby leaves it out of every count.
    """
    # pandas copies on write: new columns never reach the caller's frames.
    case = frames["case"].reset_index(drop=True)
    session = frames["session"].reset_index(drop=True)
    followup = frames["followup"].reset_index(drop=True)
    s_case = positions_of(session["case_id"], case["case_id"])
    f_case = positions_of(followup["case_id"], case["case_id"])
    s_no, f_no = _int(session["session_no"]), _int(followup["after_session"])
    # One integer key per (case, session number): a hash lookup instead of a merge.
    width = int(max(s_no.max(initial=0), f_no.max(initial=0))) + 2
    s_key = np.where((s_case >= 0) & (s_no >= 0), s_case * width + s_no, -1)
    f_key = np.where((f_case >= 0) & (f_no >= 0), f_case * width + f_no, -2)
    # Sessions of a missing case, or a number given twice, cannot be looked up.
    usable = np.flatnonzero((s_key >= 0) & ~pd.Series(s_key).duplicated().to_numpy())
    found = pd.Index(s_key[usable]).get_indexer(f_key)
    f_session = _at(usable, found, -1)  # -1: no such session (none at all, even)

    last = _last_session_date(session, s_case, len(case))

    _case_values(case)
    _session_values(session, case, s_case)
    _followup_values(followup, session, case, last, f_case, f_session, f_key)
    _session_flares(session, followup, f_session)
    _case_outcomes(case, session, followup, last, s_case, f_case, f_key, width)
    derived = {"case": case, "session": session, "followup": followup}
    # Forms nothing is derived from (the repeated exams) pass through as they are.
    return {**frames, **derived}


def ensure_derived(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``frames`` as :func:`derive` returns them: derived once, not again."""
    return frames if "one_sided" in frames["case"].columns else derive(frames)


# -- small vectorised helpers ---------------------------------------------------------


def positions_of(ids: pd.Series, among: pd.Series) -> np.ndarray:
    """Where each of ``ids`` stands in ``among`` (case ids, each once), -1 where it
    is not there: ``pd.Index(among).get_indexer(ids)``, which it equals, turns
    Arrow's text into Python objects first; Arrow's own hash look-up does not
    (half a million sessions: 0.1 s instead of 0.35 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(map(pd.api.types.is_string_dtype, (ids, among))):
        return pd.Index(among).get_indexer(ids)  # no text (an empty frame's column)
    if among.duplicated().any():  # as get_indexer, refuse to guess which is meant
        raise ValueError("case ids must each be there once to be looked up")
    found = pc.index_in(
        pa.array(ids, type=pa.string()), value_set=pa.array(among, type=pa.string())
    )
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _flag(value, known) -> pd.arrays.BooleanArray:
    """A nullable boolean: ``value`` where ``known``, NA elsewhere."""
    known = np.asarray(known, dtype=bool)
    return pd.arrays.BooleanArray(np.asarray(value, dtype=bool) & known, ~known)


def _true(values) -> np.ndarray:
    return pd.array(values, dtype="boolean").to_numpy(bool, na_value=False)


def _known(values) -> np.ndarray:
    return ~pd.array(values, dtype="boolean").isna()


def _int(values) -> np.ndarray:
    return pd.array(values, dtype="Int64").to_numpy("int64", na_value=-1)


def _float(values) -> np.ndarray:
    return pd.array(values, dtype="Float64").to_numpy("float64", na_value=np.nan)


def _side(series: pd.Series) -> np.ndarray:
    """1 for left, 2 for right, 0 for anything else (both, none, missing...)."""
    cat = series.astype("category").array
    lut = np.zeros(len(cat.categories) + 1, dtype=np.int8)  # the extra slot: NaN
    for i, code in enumerate(cat.categories):
        lut[i] = {"left": _LEFT, "right": _RIGHT}.get(code, 0)
    return lut[cat.codes]


def _has(series: pd.Series, codes) -> np.ndarray:
    return series.isin(codes).to_numpy()


def _at(values: np.ndarray, pos: np.ndarray, fill=0) -> np.ndarray:
    """``values[pos]`` with ``fill`` where ``pos`` is -1 (no such row)."""
    if values.size == 0:
        return np.full(pos.shape, fill, dtype=values.dtype)
    return np.where(pos >= 0, values[np.maximum(pos, 0)], fill)


def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy("datetime64[s]")


def _days(later: np.ndarray, earlier: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(np.floor((later - earlier) / np.timedelta64(1, "D")), dtype="Int64")


def _count(pos: np.ndarray, mask, size: int) -> np.ndarray:
    """How many rows with ``mask`` fall on each of ``size`` positions."""
    mask = np.asarray(mask, dtype=bool) & (pos >= 0)
    return np.bincount(pos[mask], minlength=size)[:size]


def _any(pos: np.ndarray, values, size: int, unsure=None) -> pd.arrays.BooleanArray:
    """Per position: True if any row is True, False if some row is known and none is
    True, NA when no row is known, or when a row is ``unsure`` (it may be True, as a
    flare of unknown onset may be within 72 h) and none is True."""
    hits = _count(pos, _true(values), size)
    known = _count(pos, _known(values), size)
    doubt = _count(pos, False if unsure is None else unsure, size) > 0
    return _flag(hits > 0, (hits > 0) | ((known > 0) & ~doubt))


def _categorical(codes: np.ndarray, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(categories), ordered=True)


# -- case ------------------------------------------------------------------------------


def _case_values(case: pd.DataFrame) -> None:
    pain = _side(case["pain_side"])
    one = pain > 0
    case["one_sided"] = _flag(one, case["pain_side"].notna())
    case["opposite_side"] = _categorical(np.array([-1, 1, 0])[pain], SIDES)

    si = _side(case["si_tight_side"])
    lateral = one & (si > 0)
    relation = np.select(
        [
            lateral & (si != pain),
            lateral & (si == pain),
            one & _has(case["si_tight_side"], ["both"]),
        ],
        [0, 1, 2],
        default=-1,
    )
    case["si_relation"] = _categorical(relation, SI_RELATIONS)
    case["si_opposite"] = _flag(si != pain, lateral)

    # `unsure` is a remembered injury on an unremembered side: an injury all the same.
    ankle = case["ankle_injury_side"]
    case["ankle_history"] = _flag(
        _has(ankle, ["left", "right", "both", "unsure"]), ankle.notna()
    )
    for name, column in (
        ("ankle_same_side", "ankle_injury_side"),
        ("knee_same_side", "knee_pain_side"),
        ("plantar_same_side", "plantar_fasciitis_side"),
    ):
        side = _side(case[column])
        case[name] = _flag(side == pain, one & (side > 0))

    tested = ("none", "left", "right", "both")
    flexor, glute = _side(case["hip_flexor_tight_side"]), _side(case["glute_weak_side"])
    case["flexor_glute_same_side"] = _flag(
        (flexor > 0) & (flexor == glute),
        one
        & _has(case["hip_flexor_tight_side"], tested)
        & _has(case["glute_weak_side"], tested),
    )

    on_side = np.zeros(len(case), dtype=np.int64)
    answered = np.zeros(len(case), dtype=np.int64)
    for column in CHAIN:
        # On both sides is on the pain side too, as the chain table counts it.
        both = _has(case[column], ["both"])
        on_side += one & ((_side(case[column]) == pain) | both)
        # A side we cannot place (not tested, unsure, empty) is not a known link.
        answered += _has(case[column], tested)
    case["chain_links"] = pd.Series(on_side, dtype="Int64").mask(~one)
    case["chain_links_known"] = pd.Series(answered, dtype="Int64").mask(~one)


# -- session --------------------------------------------------------------------------


def _session_values(session: pd.DataFrame, case: pd.DataFrame, s_case) -> None:
    intake = _at(_dates(case["intake_date"]), s_case, np.datetime64("NaT"))
    session["day"] = _days(_dates(session["session_date"]), intake)
    before, after = _float(session["nprs_before"]), _float(session["nprs_after"])
    session["relief"] = _flag(after < before, ~np.isnan(before) & ~np.isnan(after))
    regions = session["regions_treated"]
    recorded = regions.notna().to_numpy()
    listed = regions.to_numpy()[recorded]
    # `isdisjoint` runs in C over each list: about 3x faster than explode + isin.
    hit = np.zeros(len(session), dtype=bool)
    hit[recorded] = ~np.fromiter(
        map(UPSTREAM_REGIONS.isdisjoint, listed), dtype=bool, count=listed.size
    )
    session["upstream_region"] = _flag(hit, recorded)


# -- follow-up ------------------------------------------------------------------------


def _followup_values(followup, session, case, last, f_case, f_session, f_key):
    nat = np.datetime64("NaT")
    date = _dates(followup["followup_date"])
    followup["day"] = _days(date, _at(_dates(case["intake_date"]), f_case, nat))
    gap = _days(date, _at(_dates(session["session_date"]), f_session, nat))
    followup["days_after_session"] = gap
    followup["days_after_last_session"] = _days(date, _at(last, f_case, nat))

    nprs = _float(followup["nprs"])
    intake = _at(_float(case["nprs"]), f_case, np.nan)
    known = ~np.isnan(nprs) & ~np.isnan(intake)
    drop = np.where(known, intake - nprs, 0)
    followup["nprs_change"] = pd.array(np.where(known, -drop, np.nan), dtype="Int64")
    # Better or worse is judged against pain at intake, wherever both scores are
    # known. A case with none at intake (NPRS 0) cannot fall 2 points and 30 %: it
    # is not improved, yet it can get worse, and a deterioration must be counted,
    # never hidden among "no outcome".
    followup["improved"] = _flag(
        (drop >= IMPORTANT_POINTS) & (10 * drop >= IMPORTANT_TENTHS * intake), known
    )
    followup["worse"] = _flag(-drop >= WORSE_POINTS, known)
    followup["recovered"] = _flag(nprs == 0, ~np.isnan(nprs))
    late = followup["days_after_last_session"]
    followup["late"] = _flag((late >= HELD_AFTER_DAYS).fillna(False), late.notna())

    said = _has(followup["flare"], ("yes", "no"))
    yes = _has(followup["flare"], ("yes",))
    followup["flare_reported"] = _flag(yes, said)
    relief = session["relief"].array
    followup["after_relief"] = relief.take(f_session, allow_fill=True)
    soon = ((gap >= 0) & (gap <= CHECKIN_WINDOW_DAYS)).fillna(False).to_numpy(bool)
    onset = _float(followup["flare_onset_hours"])
    # A flare of unknown onset cannot be placed inside or outside 72 h: not counted.
    placed = ~yes | ~np.isnan(onset)
    followup["flare_after_care"] = _flag(
        yes & (onset <= FLARE_WINDOW_HOURS),
        _true(followup["after_relief"]) & soon & said & placed,
    )

    # Two reports of the flare after one session (a check-in, then the next visit's
    # history) are one flare: the first report (lowest number) stands for it.
    rows = np.flatnonzero(yes & (f_key >= 0))
    rows = rows[np.lexsort((_int(followup["followup_no"])[rows], f_key[rows]))]
    keys = f_key[rows]
    first = np.zeros(len(followup), dtype=bool)
    first[rows[np.r_[True, keys[1:] != keys[:-1]] if rows.size else rows]] = True
    followup["flare_event"] = first

    pain = _at(_side(case["pain_side"]), f_case)
    side = _side(followup["flare_side"])
    mine = first & (pain > 0)
    lateral = mine & (side > 0)
    relation = np.select(
        [
            lateral & (side == pain),
            lateral & (side != pain),
            mine & _has(followup["flare_side"], ["both"]),
            mine & _has(followup["flare_side"], ["other_region"]),
        ],
        [0, 1, 2, 3],
        default=-1,
    )
    followup["flare_side_relation"] = _categorical(relation, FLARE_RELATIONS)
    followup["flare_same_side"] = _flag(side == pain, lateral)

    # Read from every report of the flare: a later one may say when it ended. A
    # flare still going on is censored at the longest it was seen going on.
    ongoing, hours = flare_course(followup, yes, f_key, _float(gap))
    followup["flare_ongoing"] = _flag(ongoing, first)
    followup["flare_hours_observed"] = pd.array(
        np.where(first, hours, np.nan), dtype="Float64"
    )


def _last_session_date(session: pd.DataFrame, s_case, size: int) -> np.ndarray:
    """Each case's latest session date (NaT for a case without sessions)."""
    dates = _dates(session["session_date"])
    ticks = dates.view("int64")
    nat = np.iinfo(np.int64).min  # NaT's own bit pattern, which loses every max
    last = np.full(size, nat, dtype=np.int64)
    ok = (s_case >= 0) & (ticks != nat)
    np.maximum.at(last, s_case[ok], ticks[ok])
    return last.view(dates.dtype)


def _session_flares(session, followup, f_session) -> None:
    size = len(session)
    gap = followup["days_after_session"]
    soon = ((gap >= 0) & (gap <= CHECKIN_WINDOW_DAYS)).fillna(False).to_numpy(bool)
    session["checked_in"] = (
        _count(f_session, _known(followup["flare_reported"]) & soon, size) > 0
    )
    # A flare after relief reported in the window without its onset (not a later
    # report of one its first report placed: casekit.flares) may have begun within
    # 72 h: a "no" elsewhere cannot rule it out, unless a flare is placed within 72 h.
    yes, days = _true(followup["flare_reported"]), _float(gap)
    unplaced = unplaced_reports(followup, yes, f_session, days)
    unplaced &= _true(followup["after_relief"]) & soon
    session["flare_unplaced"] = _count(f_session, unplaced, size) > 0
    session["flare_after_care"] = _any(
        f_session, followup["flare_after_care"], size, unsure=unplaced
    )


# -- case outcomes --------------------------------------------------------------------


def _case_outcomes(case, session, followup, last, s_case, f_case, f_key, width):
    size = len(case)
    n_sessions = _count(s_case, np.ones(len(session), dtype=bool), size)
    case["n_sessions"] = n_sessions
    case["last_session_day"] = _days(last, _dates(case["intake_date"]))
    # "Ever" upstream: one session says yes; "never" needs every session recorded.
    up = session["upstream_region"]
    hits = _count(s_case, _true(up), size)
    unrecorded = _count(s_case, ~_known(up), size)
    case["upstream_treated"] = _flag(
        hits > 0, (hits > 0) | ((n_sessions > 0) & (unrecorded == 0))
    )

    # The outcome is the latest follow-up >= 14 days after the last session: once
    # care is over, not the relief of the day after a session.
    rows = np.flatnonzero(
        _true(followup["late"]) & followup["nprs"].notna().to_numpy() & (f_case >= 0)
    )
    dates = _dates(followup["followup_date"]).view("int64")[rows]
    rows = rows[np.lexsort((_int(followup["followup_no"])[rows], dates, f_case[rows]))]
    owner = f_case[rows]
    last = np.r_[owner[1:] != owner[:-1], True] if rows.size else np.zeros(0, bool)
    final = np.full(size, -1)
    final[owner[last]] = rows[last]
    has_late = final >= 0
    case["followup_14d"] = has_late
    case["final_nprs"] = followup["nprs"].array.take(final, allow_fill=True)
    improved = followup["improved"].array
    case["improved"] = improved.take(final, allow_fill=True)
    case["worse"] = followup["worse"].array.take(final, allow_fill=True)
    # One class a case: improved, worse, no clear change (the rest of those with an
    # outcome, a case without pain at intake that did not get worse among them), or
    # no outcome yet (no pain score 14+ days after care, or none recorded at intake).
    case["outcome"] = _categorical(
        np.select(
            [_true(case["improved"]), _true(case["worse"]), _known(case["improved"])],
            [0, 2, 1],
            default=3,
        ),
        OUTCOMES,
    )
    # "Held": an improvement seen at an earlier follow-up is still there at the
    # outcome; the earlier one may be a 48-hour check-in or the 2-week call.
    earlier = improved.copy()
    earlier[final[has_late]] = pd.NA
    case["improved_before"] = _any(f_case, earlier, size)
    case["held"] = _flag(
        _true(case["improved"]), has_late & _true(case["improved_before"])
    )
    case["recovered"] = _flag(_float(case["final_nprs"]) == 0, has_late)

    case["flare_after_care"] = _any(
        s_case, session["flare_after_care"], size, unsure=session["flare_unplaced"]
    )
    one = _true(case["one_sided"])
    # Distinct sessions with a yes/no flare answer, and with a same-side flare.
    # Sorting then comparing neighbours: numpy's hash-based unique is slower here.
    answered = np.sort(f_key[_known(followup["flare_reported"]) & (f_key >= 0)])
    answered = (
        answered[np.r_[True, answered[1:] != answered[:-1]]]
        if answered.size
        else answered
    )
    known = np.bincount(answered // width, minlength=size)[:size]
    same = _count(f_case, _true(followup["flare_same_side"]), size)
    case["flare_sessions_known"] = pd.Series(known, dtype="Int64")
    case["same_side_flare_sessions"] = pd.Series(same, dtype="Int64").mask(~one)
    case["same_side_recurrence"] = _flag(same >= 2, one & (known >= 2))
