"""One case's pain over time, for its case card: never a figure of a shared page.

:func:`pain_over_time` draws the points a :class:`casekit.card.CaseCard` gathered:
the pain at intake, on arrival and right after care at each session, and at each
follow-up, by day since intake; each session a dotted line, each flare a red
triangle where it began. Nothing is computed here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..card import CaseCard
from .bars import not_yet

KINDS = {  # kind of point: (marker, filled, words)
    "intake": ("s", True, "At intake"),
    "before": ("o", False, "On arrival at a session"),
    "after": ("o", True, "Right after care"),
    "follow-up": ("D", True, "At a follow-up"),
}
FLARE_Y = 10.6  # flares sit above the pain scale


def pain_over_time(card: CaseCard, *, ax: Axes | None = None) -> Axes:
    """Pain by day since intake, with the sessions and the flares marked.

    Parameters
    ----------
    card : CaseCard
        :func:`casekit.card.case_card` of one case.
    ax : matplotlib Axes, optional
        Draw here; by default on a new, small figure.

    Returns
    -------
    matplotlib Axes
        A thin line through every pain score in time order (gid ``course``), one
        Line2D of markers per kind of score (gid ``intake``, ``before``,
        ``after``, ``follow-up``), a dotted vertical line per session (gid
        ``session``), and the flares as red triangles: one Line2D (gid ``flare``)
        of those placed where they began, another, hollow (gid ``flare, onset
        unknown``), of those whose onset is unknown, at their follow-up's day.
        Without any pain score, words say so.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    points = card.pain
    for day in card.session_days:
        ax.axvline(day, color="0.55", ls=":", lw=1, zorder=0, gid="session")
    if len(points):
        ax.plot(
            points["day"], points["nprs"], color="0.6", lw=1, zorder=1, gid="course"
        )
    handles, labels = [], []
    for kind, (marker, filled, words) in KINDS.items():
        shown = points[points["kind"] == kind]
        if shown.empty:
            continue
        (line,) = ax.plot(
            shown["day"],
            shown["nprs"],
            ls="none",
            marker=marker,
            color="C0",
            markerfacecolor="C0" if filled else "white",
            zorder=3,
            gid=kind,
        )
        handles.append(line)
        labels.append(words)
    placed = card.flares["placed"].to_numpy(bool)
    for mask, gid, words in (
        (placed, "flare", "Flare, where it began"),
        (~placed, "flare, onset unknown", "Flare, onset unknown (at its follow-up)"),
    ):
        if not mask.any():
            continue
        (flares,) = ax.plot(
            card.flares["day"][mask],
            [FLARE_Y] * int(mask.sum()),
            ls="none",
            marker="v",
            markersize=9,
            color="C3",
            markerfacecolor="C3" if gid == "flare" else "white",
            zorder=4,
            gid=gid,
        )
        handles.append(flares)
        labels.append(words)
    if card.session_days:
        handles.append(Line2D([], [], color="0.55", ls=":"))
        labels.append("Session")
    last = max([*points["day"], *card.flares["day"], *card.session_days, 1])
    ax.set_xlim(-0.5, last + 1.5)
    ax.set_ylim(-0.3, 11.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_xlabel("Days since intake")
    ax.set_ylabel("Pain (NPRS 0-10)")
    ax.set_title(f"Case {card.case_id}: pain over time", fontsize=10, loc="left")
    if handles:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=8,
        )
    if points.empty:
        not_yet(
            ax, "No pain recorded yet: the course appears once a pain score is logged"
        )
    return ax
