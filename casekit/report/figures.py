"""Figures of the report that are drawn from safe tables only.

:func:`pain_band` replaces the faint line per case of
:func:`casekit.figures.plots.nprs_course` (a case's own course is per-patient
data) with the median and the middle half of the cases at each session;
:func:`flare_windows` replaces the Kaplan-Meier step curve (whose steps can show
single patients) with bars of coarse time windows. Both take the tables of
:mod:`casekit.report.series`, in which a suppressed count is ``*``: such a session or
window is not drawn, and says so. Seaborn's signature style: ``data=``, keywords,
``ax=``, the Axes returned.
"""

from __future__ import annotations

import pandas as pd

try:
    import matplotlib.pyplot as plt
except ImportError as exc:  # the core runs without it; the figures do not
    raise ImportError(
        f"casekit.report.figures needs matplotlib ({exc.name} is missing): "
        "pip install 'seaborn>=0.13.2' matplotlib"
    ) from exc
from matplotlib.axes import Axes

from ..disclosure import SUPPRESSED
from ..figures.bars import HIDDEN, checked, not_yet, numbers
from ..figures.plots import pattern_rates
from ..labels import NOT_YET

COLOURS = {"On arrival": "C3", "After care": "C0"}


def pain_band(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Pain session by session: the median and the middle half of the cases.

    Parameters
    ----------
    data : DataFrame
        ``session_no, when, cases, q1, median, q3`` as in the safe table of
        :func:`casekit.report.series.pain_course`: ``when`` is ``On arrival`` or
        ``After care``; ``*`` where the number of cases was suppressed.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One median line per ``when`` (gid ``median|<when>``) over a shaded band
        from the lower to the upper quartile, only at sessions whose count is
        shown; the number of cases on arrival is written along the top (gid
        ``count``), ``*`` where suppressed. Without a session with its pain
        recorded, the words of :func:`casekit.figures.bars.not_yet` instead.
    """
    frame = checked(data, ["session_no", "when", "cases", "q1", "median", "q3"])
    # A safe table holds objects (numbers and "*"): the axis wants numbers.
    frame = frame.assign(session_no=frame["session_no"].astype(float))
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    if frame.empty:  # the pain scale, no session on it yet
        ax.set(xlabel="Session", ylabel="Pain, NPRS 0-10", ylim=(-0.3, 11.3), xticks=[])
        ax.set_yticks(range(0, 11, 2))
        return not_yet(ax, NOT_YET["pain"])  # no session, or none with its pain
    for when, colour in COLOURS.items():
        rows = frame[(frame["when"] == when) & ~frame["cases"].isin([SUPPRESSED])]
        x = rows["session_no"].to_numpy(float)
        low, mid, high = (
            numbers(rows[c]).to_numpy(float) for c in ("q1", "median", "q3")
        )
        ax.fill_between(x, low, high, color=colour, alpha=0.18, lw=0)
        ax.plot(
            x,
            mid,
            color=colour,
            lw=2.5,
            marker="o",
            label=f"{when}: median",
            gid=f"median|{when}",
        )
    arrival = frame[frame["when"] == "On arrival"]
    for row in arrival.itertuples():
        ax.text(
            row.session_no,
            10.6,
            str(row.cases),
            ha="center",
            fontsize=9,
            color="0.3",
            gid="count",
        )
    ax.text(0.45, 10.6, "cases:", ha="right", fontsize=9, color="0.3")
    if len(arrival):
        ax.set_xlim(0.4, arrival["session_no"].max() + 0.6)
        ax.set_xticks(arrival["session_no"])
    ax.set_ylim(-0.3, 11.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_xlabel("Session")
    ax.set_ylabel("Pain, NPRS 0-10")
    ax.set_title(
        "Pain at each session: median line, shaded band = middle half of the cases",
        fontsize=10,
    )
    handles, labels = ax.get_legend_handles_labels()
    if frame["cases"].isin([SUPPRESSED]).any():
        handles.append(plt.Line2D([], [], ls="none"))
        labels.append(HIDDEN.replace("not shown", "session not drawn"))
    ax.legend(handles, labels, loc="lower left", frameon=False, fontsize=9)
    return ax


def flare_windows(
    data: pd.DataFrame, *, measure: str = "onset", ax: Axes | None = None
) -> Axes:
    """Flares by time window, as bars of shares with k/n and the literature.

    Parameters
    ----------
    data : DataFrame
        The safe table of :func:`casekit.report.series.flare_windows`: ``window, k, n,
        proportion, ci_low, ci_high, comparator``.
    measure : {"onset", "duration"}, default "onset"
        Which windows: when flares began, or how long they lasted (for the words).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        As :func:`casekit.figures.plots.pattern_rates` with ``y="window"``: a suppressed
        window has no bar and says why; Senstad 1997 is the black tick.
    """
    if measure not in ("onset", "duration"):
        raise ValueError(f"`measure` must be 'onset' or 'duration', got {measure!r}")
    frame = checked(data, ["window", "k", "n", "proportion", "comparator"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.9 + 0.45 * len(frame)), layout="constrained")
    pattern_rates(frame, y="window", nothing_yet=NOT_YET[measure], ax=ax)
    ax.set_ylabel("")
    legend = ax.get_legend()
    if legend is not None and len(legend.get_texts()) > 1:
        legend.get_texts()[1].set_text(
            "Senstad 1997\n(reactions after\nmanual therapy)"
        )
    ax.set_title(
        "When flares began, after a session that brought relief (share of those flares)"
        if measure == "onset"
        else "How long flares lasted, every flare reported (share of them, those "
        "still going on included)",
        fontsize=10,
        loc="left",
    )
    ax.set_xlabel("Share of flares, with its 95 % interval (k of n beside each bar)")
    return ax


def count_texts(ax: Axes) -> list[str]:
    """Every count written on ``ax`` (texts with gid ``count`` or ``count|...``),
    for checking a shared figure: each is 0, ``*``, a rounded ``k/n`` or the
    words for a suppressed one."""
    return [
        t.get_text() for t in ax.texts if (t.get_gid() or "").split("|")[0] == "count"
    ]
