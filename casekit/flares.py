"""How long each flare lasted, read from every report of it, not the first alone.

A flare is often told more than once: at the 48-hour check-in ("it started 10 h
after, still going on"), then at the next visit ("it was over after 30 h"). The
first report after a session stands for the flare (``flare_event`` in
:func:`casekit.derive.derive`); read alone, it would leave every flare that was
still going on at the check-in censored there, though a later report says when it
ended, and the share of flares over within 24 h would be too small.

When a later report describes the same flare
---------------------------------------------
A later report (a higher follow-up number) after the same session describes the
flare of the first report when all of these hold:

- the first report says the flare was still going on: a flare reported over is
  closed, and a later report is of another flare (or a repeat) and changes
  nothing;
- the flare side is the same, and recorded on both;
- the onset hours are the same, or left empty on one of them. A later onset where
  the first report left it empty must be one the first report could have seen:
  no later than the end of the day it was made;
- a flare that is over did not end before a report already saw it going on (an
  end at 12 h, after a report saw it going on at 14 h, is another flare's).

The first later report that says such a flare was over gives its end (an event at
its duration); reports after it are of another flare. Without one, the flare is
censored at the longest it was seen going on. Any other report after the same
session (another side, another onset) is a new flare and is read into nothing
here: each session counts one flare, as before.

A flare already placed and told again
-------------------------------------
A flare of unknown onset cannot be placed inside or outside 72 h, and leaves its
session's "flare after care" unknown (:func:`casekit.derive.derive`). A later report
that leaves the onset empty but describes, by the rule above, a flare whose first
report gave its onset is not such a flare: the first report, which placed it,
answers for it (:func:`unplaced_reports`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def unplaced_reports(
    followup: pd.DataFrame, yes: np.ndarray, key: np.ndarray, gap_days: np.ndarray
) -> np.ndarray:
    """The reports of a flare that cannot be placed inside or outside 72 h.

    A report of a flare without its onset, unless it describes the flare of a first
    report that gave its onset (that report answers for it). Parameters as
    :func:`flare_course`; returns an ndarray of bool, one per row.
    """
    onset = pd.array(followup["flare_onset_hours"], dtype="Float64").to_numpy(
        float, na_value=np.nan
    )
    placed_again = _read(followup, yes, key, gap_days)[2]
    return np.asarray(yes, dtype=bool) & np.isnan(onset) & ~placed_again


def flare_course(
    followup: pd.DataFrame, yes: np.ndarray, key: np.ndarray, gap_days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each first report's flare was still going on, and its hours.

    Parameters
    ----------
    followup : DataFrame
        The follow-ups: ``followup_no``, ``flare_side``, ``flare_onset_hours``,
        ``flare_duration_hours``.
    yes : ndarray of bool
        The rows that report a flare.
    key : ndarray of int
        Each row's session (one integer per case and session; negative where the
        session is unknown, a row then never read).
    gap_days : ndarray of float
        Days from the session to the report (NaN where unknown).

    Returns
    -------
    ongoing, hours : ndarray of bool, ndarray of float
        At each first report (the lowest number after its session), whether the
        flare was still going on at the last report of it, and the hours it
        lasted (ended) or had lasted by then (censored; NaN where its onset is not
        known); False and NaN on every other row.
    """
    return _read(followup, yes, key, gap_days)[:2]


def _read(followup, yes, key, gap_days):
    """:func:`flare_course`'s two arrays, and the later reports without an onset
    that describe the flare of a first report with one."""
    size = len(followup)
    ongoing, hours = np.zeros(size, dtype=bool), np.full(size, np.nan)
    placed_again = np.zeros(size, dtype=bool)
    number = pd.array(followup["followup_no"], dtype="Int64")
    rows = np.flatnonzero(np.asarray(yes, dtype=bool) & (key >= 0))
    rows = rows[np.lexsort((number.to_numpy("int64", na_value=-1)[rows], key[rows]))]
    if rows.size == 0:
        return ongoing, hours, placed_again
    starts = np.r_[True, key[rows][1:] != key[rows][:-1]]
    group = np.cumsum(starts) - 1
    head = rows[np.flatnonzero(starts)][group]  # each report's first report

    side = followup["flare_side"].astype("category").cat.codes.to_numpy()
    onset = pd.array(followup["flare_onset_hours"], dtype="Float64").to_numpy(
        float, na_value=np.nan
    )
    duration = pd.array(followup["flare_duration_hours"], dtype="Float64").to_numpy(
        float, na_value=np.nan
    )
    gap = np.asarray(gap_days, dtype=float)
    o, oh = onset[rows], onset[head]
    # The first report saw its flare begun by the end of its day.
    seen_begun = np.isnan(oh) & ~np.isnan(o)
    with np.errstate(invalid="ignore"):
        began_in_time = ~seen_begun | (o <= (gap[head] + 1) * 24)
        matches = (side[rows] >= 0) & (side[rows] == side[head])
        matches &= (np.isnan(o) | np.isnan(oh) | (o == oh)) & began_in_time
    same = starts | matches
    going = np.isnan(duration[rows])
    same &= going[starts][group]  # an ended flare is closed: nothing updates it

    # How long each report saw its flare going on (its onset, else the first's).
    begun = np.where(np.isnan(o), oh, o)
    seen = np.clip(gap[rows] * 24 - begun, 0, None)
    seen = np.where(same & going & ~np.isnan(seen), seen, -np.inf)
    longest = pd.Series(seen).groupby(group).cummax().to_numpy()
    before = np.r_[-np.inf, longest[:-1]]
    before[starts] = -np.inf
    ends = same & ~going & ~starts & (duration[rows] >= before)
    # The first end of each flare; reports after it are of another flare.
    first_end = np.full(group[-1] + 1, rows.size)
    np.minimum.at(first_end, group[ends], np.flatnonzero(ends))
    closed = first_end < rows.size

    heads = rows[starts]
    last_seen = np.full(group[-1] + 1, -np.inf)
    np.maximum.at(last_seen, group, seen)
    censored = np.where(np.isfinite(last_seen), last_seen, np.nan)
    ended_at = duration[rows[np.minimum(first_end, rows.size - 1)]]
    head_ended = ~going[starts]
    ongoing[heads] = ~head_ended & ~closed
    hours[heads] = np.select(
        [head_ended, closed], [duration[heads], ended_at], default=censored
    )
    # A later report of the flare: up to its end, never one after it.
    at, end = np.arange(rows.size), first_end[group]
    later = same & ~starts & np.where(going, at < end, at == end)
    placed_again[rows] = later & np.isnan(o) & ~np.isnan(oh)
    return ongoing, hours, placed_again
