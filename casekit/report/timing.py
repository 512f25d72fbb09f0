"""The report's tables over time: pain session by session, and when flares began
and how long they lasted.

A picture of each case's own course, or a Kaplan-Meier curve whose every step is
one patient, is per-patient data: these tables give instead, per session, how many
cases came and the median and quartiles of their pain, and, per coarse window of
hours, how many flares, all through the report's disclosure rule (see
:mod:`casekit.report.series`). Where the counts are rounded, the quartiles are
scores some case gave, which any count rounding alike could give
(:func:`quartile_method`). :mod:`casekit.report.figures` draws them.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from ..disclosure import SUPPRESSED, Rule, SafeTable, is_suppressed, safe_table
from ..labels import NOT_YET, percent
from ..literature import SENSTAD_GONE_24H, SENSTAD_WITHIN_4H
from ..patterns import flare_curve
from ..readable import rate_table
from .markup import Shown, shown
from .nested import safe_tails
from .series import SESSIONS, CaseSeries, partition, session_bands

# The windows of flare onset, with Senstad 1997's share where it reports one.
ONSET = (("Within 4 h", 4.0, SENSTAD_WITHIN_4H), ("4 to 24 h", 24.0, None))
ONSET += (("24 to 48 h", 48.0, None), ("Later than 48 h", np.inf, None))
QUARTILES = ("q1", "median", "q3")
RATES = ("proportion", "ci_low", "ci_high")  # a window's share: n with its k
WHEN = ("On arrival", "After care")  # the pain of a session: before care, after it


def flare_windows(series: CaseSeries, rule: Rule, measure: str = "onset") -> Shown:
    """Flares in coarse windows of hours, instead of a Kaplan-Meier curve whose
    steps would show single patients.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule
        :data:`casekit.disclosure.NHS` to share, :data:`casekit.report.series.EXACT`
        for the practitioner's own report.
    measure : {"onset", "duration"}, default "onset"
        ``onset``: flares after a session that brought relief (checked within 7
        days), by the hours from the session to the flare (within 4 h, 4 to 24,
        24 to 48, later). ``duration``: every flare reported, by how long it
        lasted (over within 24 h, later, still going on when reported). As
        :func:`casekit.patterns.flare_curve` counts them.

    Returns
    -------
    Shown
        ``safe.table``: ``window, k, n, proportion, ci_low, ci_high,
        comparator`` (Senstad 1997 where it has a figure); the windows are one
        partition of the flares, safe as a cross-tabulation, the onset
        windows safe beside the pattern row "Flare within 72 h" too
        (:func:`_beside_the_pattern`), and the duration windows' total beside
        both (:func:`_beside_the_onsets`).
    """
    windows = _onset_windows if measure == "onset" else _duration_windows
    parts, safe, compare = windows(series, rule)
    names = parts.index.tolist()
    data = parts.reset_index(names="window").assign(
        comparator=[np.nan if c is None else c for c in compare]
    )
    what = "When it began" if measure == "onset" else "How long"
    frame = rate_table(data, what, names, tests=False, notes=False)
    frame["Literature (Senstad 1997)"] = [percent(c) for c in compare]
    return shown(
        frame,
        SafeTable(data, safe.suppressed, rule),
        f"flare-{measure}",
        pairs=["k / n"],
    )


def _onset_curve(series: CaseSeries) -> tuple[np.ndarray, np.ndarray]:
    curve = flare_curve(series.frames, measure="onset")
    return curve["time"].to_numpy(float), curve["events"].to_numpy(int)


def _onset_windows(series: CaseSeries, rule: Rule):
    """The onset windows' parts and SafeTable, safe beside the pattern row, and
    their comparators."""
    times, events = _onset_curve(series)
    edges = [-np.inf] + [end for _, end, _ in ONSET]
    k = [events[(times > a) & (times <= b)].sum() for a, b in pairwise(edges)]
    names, compare = [w for w, _, _ in ONSET], [c for _, _, c in ONSET]
    parts, safe = partition(pd.Series(k, index=names), rule)
    # The pattern row counts flares within 72 h.
    late = [events[(times > 48) & (times <= 72)].sum(), events[times > 72].sum()]
    _beside_the_pattern(parts, safe, k, late, rule)
    return parts, safe, compare


def _duration_windows(series: CaseSeries, rule: Rule):
    """The duration windows' parts and SafeTable, safe beside the onset windows
    and the pattern row, and their comparators."""
    curve = flare_curve(series.frames, measure="duration")
    times, events = curve["time"].to_numpy(float), curve["events"].to_numpy(int)
    ongoing = int(curve["at_risk"].iat[0]) - events.sum() if len(curve) else 0
    k = [events[times <= 24].sum(), events[times > 24].sum(), ongoing]
    names = ["Over within 24 h", "Over after 24 h", "Still going on when reported"]
    parts, safe = partition(pd.Series(k, index=names), rule)
    _beside_the_onsets(parts, safe, int(sum(k)), series, rule)
    return parts, safe, [SENSTAD_GONE_24H, None, None]


def quartile_method(rule: Rule) -> str:
    """How :func:`pain_course` takes quartiles under ``rule`` (numpy's names).

    Where the counts are exact, the usual interpolated quartiles (``linear``,
    pandas' default). Where they are rounded, an interpolated quartile would give
    the count away: it falls between two scores at a point fixed by the count (at
    a quarter of the way for 10 cases, at half of it for 11), so ``0.25`` beside
    "10 cases" says the count is 10, neither 8, 9, 11 nor 12. ``inverted_cdf``
    (Hyndman & Fan's definition 1: the lower of two middle scores) gives instead a
    score some case gave, at a position that the rounded count leaves open: any
    count that rounds alike (8 or more: fewer are suppressed, quartiles and all)
    can give the same three scores, so they tell a reader nothing of the count
    that the rounded one does not.
    """
    return "linear" if rule.round_to == 1 else "inverted_cdf"


def pain_course(series: CaseSeries, rule: Rule) -> Shown:
    """Pain on arrival and right after care, session by session: how many cases,
    the median and the middle half (quartiles), never a case's own line.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        ``safe.table``: ``session_no, when`` (``On arrival``, ``After care``),
        ``cases`` (safe), ``q1, median, q3`` (``*`` where ``cases`` is; scores
        a case gave where the counts are rounded: :func:`quartile_method`). Without
        a session (or pain recorded at one), no row, and a note that says which
        and when the table will fill.
    """
    session = series.frames["session"]
    method = quartile_method(rule)
    rows = []
    for column, when in zip(("nprs_before", "nprs_after"), WHEN, strict=True):
        known = session[session[column].notna()]
        for number, values in known.groupby("session_no")[column]:
            scores = values.to_numpy(dtype=float)
            quartiles = np.quantile(scores, [0.25, 0.5, 0.75], method=method)
            rows.append((int(number), when, len(values), *quartiles))
    exact = pd.DataFrame(
        rows, columns=["session_no", "when", "cases", "q1", "median", "q3"]
    )
    # Each count on its own, the quartiles hidden with it; then the sessions whose
    # arrivals, one less another, would give back a count no table shows.
    safe = safe_table(exact, rule, k="cases", n="cases", derived=QUARTILES)
    arrivals = exact[exact["when"] == WHEN[0]].set_index("session_no")["cases"]
    worked_back = _worked_back(series, rule, arrivals)
    gone = exact.index[exact["session_no"].isin(worked_back)]
    if len(gone):  # the whole session: its scores after care are of the same cases
        safe.table.loc[gone, ["cases", *QUARTILES]] = SUPPRESSED
        why = [(i, "cases", worked_back[exact.at[i, "session_no"]]) for i in gone]
        more = pd.DataFrame(why, columns=safe.suppressed.columns)
        safe.suppressed = pd.concat([safe.suppressed, more], ignore_index=True)
    data = safe.table
    summary = [
        SUPPRESSED if m == SUPPRESSED else f"{m:g} ({a:g} to {b:g})"
        for a, m, b in zip(data["q1"], data["median"], data["q3"], strict=True)
    ]
    wide = data.assign(summary=summary).pivot(
        index="session_no", columns="when", values=["cases", "summary"]
    )
    # Both columns, even where no pain was recorded at all (or no session yet).
    wide = wide.reindex(
        columns=pd.MultiIndex.from_product([["cases", "summary"], WHEN])
    )
    # Objects (counts and "*"): a session without pain on arrival came 0 times.
    arrivals = wide[("cases", "On arrival")].astype(object).fillna(0)
    frame = pd.DataFrame(
        {
            "Session": wide.index,
            "Cases (on arrival)": arrivals.to_numpy(),
            # Objects: a column with no summary at all is NaN, not text.
            "Pain on arrival: median (middle half)": wide[("summary", "On arrival")]
            .astype(object)
            .fillna(""),
            "Right after care": wide[("summary", "After care")]
            .astype(object)
            .fillna(""),
        }
    )
    missing = NOT_YET["pain" if len(session) else "session"]
    notes = "" if len(frame) else f"<p>{missing}.</p>"
    return shown(frame, safe, "pain", counts=["Cases (on arrival)"], notes=notes)


def _worked_back(series: CaseSeries, rule: Rule, arrivals: pd.Series) -> dict:
    """The sessions whose count of arrivals is not shown, lest a difference give
    back a count no table shows; each with the reason.

    Where pain is scored at every arrival, the cases at session ``s`` are those
    with ``s`` sessions or more: arrivals at ``s`` less arrivals at ``s + 1`` is
    the number of cases with exactly ``s``, "In the series" less arrivals at 1 is
    the baseline's "None yet", and arrivals at 2 less the baseline's band "1"
    closes the same gap another way. So a reader holds the numbers of cases with
    at least ``s`` sessions (tails) at every node ``s`` that a shown number joins
    to "no session at all" (the series' total) or to "beyond the last" (0): the
    series (node 0 to the end), each band of the baseline shown (its ends), each
    count of arrivals shown (its session to the end). Every difference of two
    tails so joined is a count the reader works out, exactly under a threshold
    rule, to within 4 when rounded (no protection for a count of 3). The rule:
    a count of arrivals is shown, session by session, only if afterwards every
    two tails the reader holds differ by 0 or by more than ``suppress_max`` (a
    band the baseline hid then never lies between two of them: it is small, or
    its small partner would be). Sorted, that is each tail against the next.
    Where some arrival had no score, the count is not that tail but a node of
    its own (what a reader takes for the tail is off by the scores missing,
    which no table shows); it is checked against the tails all the same. A
    session not shown is not drawn at all: its scores after care are mostly of
    the same cases, and their quartiles (interpolated under a threshold rule)
    would narrow the count. The baseline's "None yet" is 0 sessions: node 0 to 1.
    """
    if rule.suppress_max == 0 or arrivals.empty:
        return {}
    sessions = series.frames["case"]["n_sessions"].dropna().astype(int)
    end = int(max(sessions.max() if len(sessions) else 0, arrivals.index.max())) + 1
    tails = [int((sessions >= s).sum()) for s in range(end + 1)]
    bands = session_bands(sessions).value_counts(sort=False)
    _, baseline = partition(bands, rule)
    edges, hidden_bands, low = [(0, end)], [], 0
    for top, band in zip(SESSIONS.values(), baseline.table["k"], strict=True):
        ends = (min(low, end), int(min(top + 1, end)))  # tails of a band's ends
        (hidden_bands if is_suppressed(band) else edges).append(ends)
        low = int(min(top + 1, end))
    values = dict(enumerate(tails))
    out = {}
    for session, count in arrivals.items():
        if rule.is_small(count):
            continue  # suppressed already, quartiles and all
        node = session if count == tails[session] else end + 1 + session
        trial = {**values, node: count}
        if safe_tails(trial, edges, (node, end), hidden_bands, rule):
            values, edges = trial, [*edges, (node, end)]
        else:
            out[session] = (
                f"less another count shown, a count from 1 to {rule.suppress_max}"
            )
    return out


def _beside_the_pattern(parts, safe, counts, late, rule: Rule) -> None:
    """Secondary suppression of the onset windows against the pattern row, in place.

    The flares are five parts: the three windows up to 48 h, those from 48 to
    72 h and those later (``late``); the last window shows the two together. A
    reader holds, besides the windows shown, two totals: the windows' ``n`` (every
    flare, on any row shown) and the ``k`` of "Flare within 72 h" in the pattern
    table (the first four parts), which is shown whatever the windows do (taken as
    exact: rounded, it is within 2). So the 48-72 h flares are that ``k`` less
    the first three windows, and the later ones ``n`` less ``k``: counts no table
    shows, exact under a threshold rule. A count is worked back when it is a sum
    and difference of what the reader holds (its row of parts lies in their span:
    numpy's rank). Every part from 1 to ``suppress_max``, and every window hidden
    (or its small partner would follow), must stay out of that span: windows are
    hidden until they do, one that does it alone if there is one, the smallest
    first. So a small 48-72 h remainder takes a window up to 48 h and the last
    window with it (the rows behind them only ever give the two together); small
    later flares, ``n`` less ``k``, go only with ``n``, that is every window.
    Linear in the exact counts: rounding only blurs what it leaves.
    """
    rows = np.array(
        [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 1]]
    )
    every, within_72 = np.ones(5), np.array([1, 1, 1, 1, 0])
    hidden = parts["k"].map(is_suppressed).to_numpy(bool).copy()
    small = [np.eye(5)[3 + i] for i, c in enumerate(late) if rule.is_small(c)]

    def worked_back(hide) -> bool:
        held = [within_72, *rows[~hide]] + ([every] if (~hide).any() else [])
        rank = np.linalg.matrix_rank(np.array(held))
        kept = [*rows[hide], *small]
        return any(np.linalg.matrix_rank(np.array([*held, t])) == rank for t in kept)

    if not small and not hidden.any():
        return
    while worked_back(hidden):
        shown = np.flatnonzero(~hidden)
        alone = [i for i in shown if not worked_back(hidden | (np.arange(4) == i))]
        pick = min(alone or shown, key=lambda i: counts[i])
        hidden[pick] = True
        parts.loc[parts.index[pick], ["k", "n", *RATES]] = SUPPRESSED
        why = "with the pattern row, would give back a count no table shows"
        more = pd.DataFrame(
            [(parts.index[pick], "k", why)], columns=safe.suppressed.columns
        )
        safe.suppressed = pd.concat([safe.suppressed, more], ignore_index=True)


def _beside_the_onsets(parts, safe, total: int, series: CaseSeries, rule: Rule):
    """Hide every duration window, in place, where their total (every flare)
    beside the onset windows and the pattern row gives back a count no table
    shows.

    The flares are nested: every flare reported, those after a session with
    relief checked within 7 days (the onset windows' ``n``), those within 72 h
    (the pattern's ``k``), 48 h, 24 h, 4 h. A reader holds each of these totals
    that a shown number joins to "none" (as the tails of :func:`_worked_back`):
    the pattern's ``k``, each onset window shown (its two ends), the onset
    windows' ``n``. Every flare less the onset windows' ``n`` is the flares after
    a session without relief; less the pattern's ``k``, those and the flares
    later than 72 h, which :func:`_beside_the_pattern` may have hidden every
    onset window to keep. So the total is shown only if it joins safely
    (:func:`~casekit.report.nested.safe_tails`); otherwise no duration window
    is (the total is on each row).
    """
    if rule.suppress_max == 0 or total == 0:
        return
    times, events = _onset_curve(series)
    bounds = [np.inf, 72.0, 48.0, 24.0, 4.0]  # nodes 1 to 5; 0 every flare, 6 none
    values = {0: total, 6: 0} | {
        i: int(events[times <= b].sum()) for i, b in enumerate(bounds, start=1)
    }
    onset, _, _ = _onset_windows(series, rule)
    ends = [(5, 6), (4, 5), (3, 4), (1, 3)]  # each onset window's two tails
    shown = ~onset["k"].map(is_suppressed).to_numpy(bool)
    # The pattern's k is taken as held, as _beside_the_pattern takes it.
    edges = [(2, 6)] + [e for e, s in zip(ends, shown, strict=True) if s]
    edges += [(1, 6)] if shown.any() else []
    hidden = [e for e, s in zip(ends, shown, strict=True) if not s]
    if safe_tails(values, edges, (0, 6), hidden, rule):
        return
    parts.loc[:, ["k", "n", *RATES]] = SUPPRESSED
    why = "its total, less the onset windows' or the pattern's, is a small count"
    more = pd.DataFrame(
        [(name, "n", why) for name in parts.index], columns=safe.suppressed.columns
    )
    safe.suppressed = pd.concat([safe.suppressed, more], ignore_index=True)
