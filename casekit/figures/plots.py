"""Figures of the pattern tables, in seaborn's signature style.

Every function takes ``data=``, a tidy DataFrame that :mod:`casekit.patterns` or
:func:`casekit.derive.derive` made, keyword arguments and ``ax=`` (a new figure's
Axes when None), and returns the Axes. No statistic is computed here: counts,
rates, intervals and curves arrive computed, and a plot draws them in dictionary
order with dictionary labels, with ``k/n`` written beside every rate so that no
denominator is hidden. The labels are those of ``dictionary=``: give the store's
(``store.dictionary``) for a store's data, since only it knows the fields of its
``dictionary.local.yaml``; without one, the built-in dictionary names things.

This module needs seaborn and matplotlib; the core of casekit does not import it.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

try:
    import matplotlib.pyplot as plt
    import seaborn as sns
except ImportError as exc:  # the core runs without them; the figures do not
    raise ImportError(
        f"casekit.figures.plots needs seaborn and matplotlib ({exc.name} is missing): "
        "pip install 'seaborn>=0.13.2' matplotlib"
    ) from exc
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ..dictionary import Dictionary
from ..disclosure import SUPPRESSED
from ..labels import NOT_YET, column_label, finding_label, or_builtin
from .bars import checked, counted, draw_bars, hidden_rows, legend_beside, not_yet
from .bodymap import body_chain

__all__ = [
    "body_chain",
    "flare_timing",
    "nprs_course",
    "outcome_bars",
    "pattern_rates",
    "side_bars",
]

SAME, OPPOSITE = "Same side as the pain", "Opposite side"
# Pattern id -> (form, field whose label names the finding, k counts the same side?)
SIDED = {
    "si_opposite": ("case", "si_tight_side", False),
    "flare_same_side": ("followup", "flare_side", True),
    "ankle_same_side": ("case", "ankle_injury_side", True),
    "knee_same_side": ("case", "knee_pain_side", True),
    "plantar_same_side": ("case", "plantar_fasciitis_side", True),
}
CAVEAT = (
    "Observational: whoever got upstream work was not chosen at random, "
    "so a difference here does not show that it works"
)


def pattern_rates(
    data: pd.DataFrame,
    *,
    y: str = "label",
    hue: str | None = None,
    comparator: bool = True,
    dictionary: Dictionary | None = None,
    nothing_yet: str = NOT_YET["rates"],
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of pattern rates with their 95 % intervals and comparators.

    Parameters
    ----------
    data : DataFrame
        A :func:`casekit.patterns.pattern_table` (split or not, or some of its
        rows): ``k, n, proportion, ci_low, ci_high, comparator`` and the columns
        named by ``y`` and ``hue``. One row per bar.
    y : str, default "label"
        The column giving one bar (or group of bars) per value, top to bottom in
        the order of ``data``: the pattern labels, or a split column such as
        ``sex`` (its codes shown with their dictionary labels).
    hue : str, optional
        A split column for bars side by side within each ``y`` value.
    comparator : bool, default True
        Draw a short black tick across each bar at what it is held against (50 %,
        the community base rate or the literature rate); rows without one get none.
    dictionary : Dictionary, optional
        Names ``y`` and ``hue`` and their values: the store's for a store's data
        (a local field is known only there); the built-in one if None.
    nothing_yet : str, optional
        What to say when nothing is counted yet (every ``n`` is 0, or no row).
    ax : matplotlib Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    matplotlib Axes
        Bars are the proportions (0 where ``n`` is 0), ``k/n`` is written beside
        each bar (of a safe table, a row with ``*`` gets no bar and the words of
        :data:`casekit.figures.bars.HIDDEN` instead), and the comparator ticks are the
        LineCollection with gid ``comparator``. When no row has anything counted
        (every ``n`` is 0, or there is no row), ``nothing_yet`` says so
        (:func:`casekit.figures.bars.not_yet`).
    """
    frame = checked(data, ["k", "n", "proportion", "ci_low", "ci_high", y, hue])
    if frame.duplicated([c for c in (y, hue) if c]).any():
        raise ValueError(
            f"`data` must have one row per bar, got several rows for one `y` value "
            f"({y!r}); pass the split column as `hue=`"
        )
    words = or_builtin(dictionary)
    if ax is None:
        bars = len(frame)
        _, ax = plt.subplots(figsize=(9, 1.2 + 0.42 * bars), layout="constrained")
    if frame.empty:  # not even a row of 0 / 0: no case at all, in any group
        ax.set_axis_off()
        return not_yet(ax, nothing_yet)
    shown = draw_bars(ax, frame, cat=y, hue=hue, orient="y", width=34, dictionary=words)
    if comparator:
        ticks = shown[shown["comparator"].notna()]
        ax.vlines(
            ticks["comparator"],
            ticks["centre"] - ticks["thickness"] / 2,
            ticks["centre"] + ticks["thickness"] / 2,
            colors="black",
            linewidth=2.5,
            zorder=4,
            gid="comparator",
        )
    ax.set_xlim(0, 1.22)
    ax.set_xticks(np.linspace(0, 1, 5))
    ax.xaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("How often, with its 95 % interval (k of n beside each bar)")
    ax.set_ylabel("" if y == "label" else column_label(y, words))
    handles = [Line2D([], [], color="0.2", marker="_", markersize=14, ls="none")]
    labels = ["95 % interval"]
    if comparator and len(ticks):
        handles.append(Line2D([], [], color="black", marker="|", ms=14, ls="none"))
        labels.append("Compared with: 50 %,\nbase rate or literature")
    legend_beside(ax, handles, labels, hue, words)
    if not counted(frame):
        not_yet(ax, nothing_yet)
    return ax


def side_bars(
    data: pd.DataFrame, *, dictionary: Dictionary | None = None, ax: Axes | None = None
) -> Axes:
    """Same side as the pain against the opposite side, finding by finding.

    Parameters
    ----------
    data : DataFrame
        A :func:`casekit.patterns.pattern_table` (unsplit); its rows
        ``si_opposite``, ``flare_same_side``, ``ankle_same_side``,
        ``knee_same_side`` and ``plantar_same_side`` are drawn, in that order. Each
        counts one-sided cases (flares, for the flare) with a one-sided finding, so
        the two bars of a finding add up to its ``n``. Of a safe table, a
        suppressed finding has neither bar, and one note says why.
    dictionary : Dictionary, optional
        Names the findings: the store's for a store's data; built-in if None.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Two bars per finding (same side, opposite side) whose heights are the
        shares of ``n``, with 95 % intervals, ``k/n`` above each bar, and a dashed
        line at half and half.
    """
    table = checked(data, ["pattern", "k", "n", "proportion", "ci_low", "ci_high"])
    words = or_builtin(dictionary)
    rows = []
    for pattern, (form, field, same) in SIDED.items():
        for row in table[table["pattern"] == pattern].itertuples():
            # The interval of the other bar is the mirror image: 1 - (high, low).
            flip = (row.k, row.proportion, row.ci_low, row.ci_high)
            if hidden_rows(table.loc[[row.Index]])[0]:  # suppressed in a safe table
                mirror = flip = (SUPPRESSED,) * 4
            else:
                # Of a safe table, n - k of the rounded counts: still a rounded
                # count, and the two bars' counts add up to the n shown.
                mirror = (row.n - row.k, 1 - row.proportion, 1 - row.ci_high)
                mirror += (1 - row.ci_low,)
            pair = (flip, mirror) if same else (mirror, flip)
            for side, (k, share, low, high) in zip((SAME, OPPOSITE), pair, strict=True):
                finding = finding_label(form, field, words)
                rows.append((finding, side, k, row.n, share, low, high))
    columns = ["finding", "side", "k", "n", "proportion", "ci_low", "ci_high"]
    frame = pd.DataFrame(rows, columns=columns)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    draw_bars(
        ax, frame, cat="finding", hue="side", orient="x", width=18, dictionary=words
    )
    ax.axhline(0.5, color="0.3", ls="--", lw=1, zorder=0, gid="half")
    ax.set_ylim(0, 1.12)
    ax.set_yticks(np.linspace(0, 1, 5))
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("")
    ax.set_ylabel("Share of those with a one-sided finding")
    ax.set_title("Same side as the pain, or the opposite side? (dashed: half and half)")
    legend_beside(ax, [], [], "side", words)
    if frame.empty or not counted(frame):
        not_yet(ax, NOT_YET["one_sided"])
    return ax


def nprs_course(
    data: pd.DataFrame,
    *,
    y: str = "nprs_before",
    max_cases: int = 400,
    dictionary: Dictionary | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Pain over the sessions: each case a faint line, the median bold.

    Parameters
    ----------
    data : DataFrame
        Sessions: ``case_id``, ``session_no`` and the pain column ``y`` (the
        session frame of :func:`casekit.derive.derive` or of the store).
    y : {"nprs_before", "nprs_after"}, default "nprs_before"
        Pain on arrival, or right after care.
    max_cases : int, default 400
        At most this many faint lines (every k-th case), so that a large cohort
        stays a picture; the median and the counts use every case.
    dictionary : Dictionary, optional
        Names the pain column: the store's for a store's data; built-in if None.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The faint lines are one LineCollection (gid ``cases``), one segment per
        case drawn; the median is seaborn's line (gid ``median``); the number of
        cases at each session is written along the top. Without a session, or
        without pain recorded at one, the words of
        :func:`casekit.figures.bars.not_yet` say which.
    """
    sessions = checked(data, ["case_id", "session_no", y])
    frame = sessions[sessions[y].notna() & sessions["session_no"].notna()]
    frame = frame.astype({"session_no": "int64", y: "float64"})
    frame = frame.sort_values(["case_id", "session_no"], kind="stable")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    ax.set_xlabel("Session")
    ax.set_ylabel(or_builtin(dictionary)["session"][y].label)
    if frame.empty:  # the pain scale, no session on it yet
        ax.set(title="Pain over the sessions", ylim=(-0.3, 11.2), xticks=[])
        ax.set_yticks(range(0, 11, 2))
        return not_yet(ax, NOT_YET["pain" if len(sessions) else "session"])
    ids = frame["case_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else ids
    step = max(1, -(-len(starts) // max_cases))  # ceiling division
    points = frame[["session_no", y]].to_numpy()
    ends = np.r_[starts[1:], len(frame)]
    lines = [points[a:b] for a, b in zip(starts[::step], ends[::step], strict=True)]
    ax.add_collection(
        LineCollection(lines, colors="C0", alpha=0.15, linewidths=0.8, gid="cases")
    )
    sns.lineplot(
        data=frame,
        x="session_no",
        y=y,
        estimator="median",
        errorbar=None,
        color="black",
        linewidth=3,
        label="Median",
        ax=ax,
    )
    ax.lines[-1].set_gid("median")
    counts = frame.groupby("session_no").size()
    for session, count in counts.items():
        ax.text(session, 10.6, f"{count}", ha="center", fontsize=8, color="0.35")
    ax.text(0.5, 10.6, "cases:", ha="right", fontsize=8, color="0.35")
    ax.set_ylim(-0.3, 11.2)
    ax.set_yticks(range(0, 11, 2))
    if len(counts):
        ax.set_xlim(0.4, counts.index.max() + 0.6)
        ax.set_xticks(counts.index)
    drawn = f"{len(lines)} of {len(starts)} cases" if step > 1 else "each case"
    ax.set_title(f"Pain over the sessions: {drawn} a faint line, the median bold")
    ax.legend(loc="lower left", frameon=False)
    return ax


def flare_timing(
    data: pd.DataFrame,
    *,
    measure: str = "onset",
    marks: tuple[float, ...] = (4, 24),
    ax: Axes | None = None,
) -> Axes:
    """Kaplan-Meier step curve of flare timing, with 4 h and 24 h marked.

    Parameters
    ----------
    data : DataFrame
        :func:`casekit.patterns.flare_curve`: ``time, at_risk, events, ci_low,
        ci_high, cumulative_incidence``.
    measure : {"onset", "duration"}, default "onset"
        Which curve ``data`` is, for the words on the axes: when flares began, or
        when they were over.
    marks : tuple of float, default (4, 24)
        Hours marked with a dotted line and the curve's value there.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The step line (gid ``km``) starts at (0, 0) and steps at each ``time`` to
        its ``cumulative_incidence``; the 95 % band is shaded; each mark is a line
        with gid ``mark <h> h``.
    """
    if measure not in ("onset", "duration"):
        raise ValueError(f"`measure` must be 'onset' or 'duration', got {measure!r}")
    frame = checked(data, ["time", "at_risk", "events", "cumulative_incidence"])
    frame = frame.sort_values("time")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    hours = np.r_[0.0, frame["time"].to_numpy(float)]
    share = np.r_[0.0, frame["cumulative_incidence"].to_numpy(float)]
    (line,) = ax.step(hours, share, where="post", color="C3", lw=2, gid="km")
    ceiling = share
    if {"ci_low", "ci_high"} <= set(frame.columns):
        # The band of 1 - survival is the survival band upside down.
        low = np.r_[0.0, 1 - frame["ci_high"].to_numpy(float)]
        high = np.r_[0.0, 1 - frame["ci_low"].to_numpy(float)]
        ok = ~(np.isnan(low) | np.isnan(high))
        ceiling = np.r_[share, high[ok]]
        ax.fill_between(
            hours[ok], low[ok], high[ok], step="post", color="C3", alpha=0.15, lw=0
        )
    top = max(float(np.nanmax(share)) if share.size else 0.0, 0.05)
    for h in marks:
        at = share[np.searchsorted(hours, h, side="right") - 1]
        ax.axvline(h, color="0.3", ls=":", lw=1.2, gid=f"mark {h:g} h")
        # Also as a share of the curve's end, the form the literature reports
        # ("64 % of reactions began within 4 h"): reading the curve, not a statistic.
        of_all = f"\n {at / top:.0%} of the flares" if measure == "onset" else ""
        ax.text(
            h,
            0.97,
            f" {h:g} h: {at:.0%}{of_all if share.max() > 0 else ''}",
            transform=ax.get_xaxis_transform(),
            fontsize=9,
            va="top",
            gid=f"mark text {h:g} h",
        )
    n, k = (
        (int(frame["at_risk"].iat[0]), int(frame["events"].sum()))
        if len(frame)
        else (0, 0)
    )
    # Room above the curve and its band for the words at the marks.
    ax.set_ylim(0, min(max(float(np.nanmax(ceiling)), 0.05) * 1.3, 1.05))
    ax.set_xlim(0, max(hours.max(initial=0), max(marks, default=0)) * 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    if measure == "onset":
        ax.set_xlabel("Hours after a session that brought relief")
        ax.set_ylabel("Share of sessions with a flare begun by then")
        what = f"{k} flares after {n} sessions with relief and a check-in"
        ax.set_title(f"When flares began (Kaplan-Meier)\n{what}", fontsize=10)
    else:
        ax.set_xlabel("Hours since the flare began")
        ax.set_ylabel("Share of flares over by then")
        what = f"{k} of {n} flares over, the others still going on when reported"
        ax.set_title(f"How long flares lasted (Kaplan-Meier)\n{what}", fontsize=10)
    ax.legend(
        [line, Line2D([], [], color="0.3", ls=":")],
        ["Kaplan-Meier estimate, 95 % band", "Marked hours"],
        loc="lower right",
        frameon=False,
    )
    if frame.empty:
        not_yet(ax, NOT_YET[measure])
    return ax


def outcome_bars(
    data: pd.DataFrame,
    *,
    by: str = "upstream_treated",
    dictionary: Dictionary | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Improved, and improvement held, split by ``by``, with the caveat as title.

    Parameters
    ----------
    data : DataFrame
        ``pattern_table(frames, by=by)``; its ``improved`` and
        ``improvement_held`` rows are drawn.
    by : str, default "upstream_treated"
        The split column of ``data``.
    dictionary : Dictionary, optional
        As :func:`pattern_rates`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        As :func:`pattern_rates` with ``hue=by``; the title says that the split is
        observational.
    """
    frame = checked(data, ["pattern", by])
    frame = frame[frame["pattern"].isin(["improved", "improvement_held"])]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    pattern_rates(
        frame,
        hue=by,
        comparator=False,
        dictionary=dictionary,
        nothing_yet=NOT_YET["outcome"],
        ax=ax,
    )
    ax.set_title(textwrap.fill(CAVEAT, 80), fontsize=10, loc="left")
    return ax
