"""Bars of rates with their intervals and k/n, the drawing the figures share.

:func:`draw_bars` puts seaborn's bars (one per row of a tidy table, in its order,
optionally dodged by a split) and then, on each bar, its 95 % interval and its
``k/n``, so that a rate is never shown without its denominator.

A table that went through :func:`casekit.disclosure.safe_table` (a shared report)
holds ``*`` where a count was suppressed: such a row gets no bar and no interval,
only the words of :data:`HIDDEN` where its ``k/n`` would be; its rounded counts are
written as they are.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from ..dictionary import Dictionary
from ..disclosure import SUPPRESSED
from ..labels import column_label, display_values

# In the words of NHS Digital's rule, the shared report's: counts 1-7 are hidden.
HIDDEN = "* not shown: a count under 8"


def hidden_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of a (safe) rate table have a suppressed count or rate."""
    columns = [c for c in ("k", "n", "proportion") if c in frame.columns]
    return frame[columns].isin([SUPPRESSED]).any(axis=1).to_numpy()


def numbers(column: pd.Series) -> pd.Series:
    """A column of a safe table as floats, NaN where it is ``*`` or missing."""
    return pd.to_numeric(column.mask(column.isin([SUPPRESSED])), errors="coerce")


def counted(frame: pd.DataFrame) -> bool:
    """Whether any row of a rate table has something counted: an ``n`` above 0,
    or one suppressed (a hidden count is a count)."""
    n = frame["n"]
    return bool((n.isin([SUPPRESSED]) | (numbers(n) > 0)).any())


def not_yet(ax: Axes, words: str) -> Axes:
    """Say on ``ax``, in a box at its middle, why there is nothing to draw yet.

    Parameters
    ----------
    ax : matplotlib Axes
    words : str
        What is missing and when the figure appears, e.g. an entry of
        :data:`casekit.labels.NOT_YET`.

    Returns
    -------
    matplotlib Axes
        With a Text of gid ``not yet`` holding ``words``.
    """
    ax.text(
        0.5,
        0.5,
        textwrap.fill(words, 52, break_on_hyphens=False),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="0.2",
        bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "0.7"},
        zorder=6,
        gid="not yet",
    )
    return ax


def not_yet_text(ax: Axes) -> str:
    """The words of :func:`not_yet` on ``ax`` ('' when it has something drawn)."""
    said = [t.get_text() for t in ax.texts if t.get_gid() == "not yet"]
    return " ".join(" ".join(text.split()) for text in said)  # unwrapped


def checked(data: pd.DataFrame, columns) -> pd.DataFrame:
    """``data`` with a fresh index, once it is a DataFrame with ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ValueError(
            f"`data` must have the column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(str, data.columns))}"
        )
    return data.reset_index(drop=True)


def draw_bars(
    ax: Axes,
    frame: pd.DataFrame,
    *,
    cat: str,
    hue: str | None,
    orient: str,
    width: int,
    dictionary: Dictionary,
) -> pd.DataFrame:
    """Seaborn bars of ``proportion``, then intervals and ``k/n`` on each bar.

    Parameters
    ----------
    ax : matplotlib Axes
    frame : DataFrame
        One row per bar: ``k, n, proportion, ci_low, ci_high`` and ``cat`` (and
        ``hue``), whose values are shown as words (:func:`display_values`).
    cat, hue : str
        The column of the categories, and of the split dodged within each.
    orient : {"y", "x"}
        ``"y"``: horizontal bars, categories top to bottom; ``"x"``: vertical.
    width : int
        Wrap category words to this many characters.
    dictionary : Dictionary
        Names the values of ``cat`` and ``hue`` (the store's, for a store's data).

    Returns
    -------
    DataFrame
        ``frame`` with each row's bar ``centre`` and ``thickness``. A row with a
        ``*`` (suppressed) gets an invisible bar of length 0 and :data:`HIDDEN`.
    """
    hidden = hidden_rows(frame)
    shown = frame.assign(
        _cat=display_values(frame, cat, dictionary, width),
        _hue=display_values(frame, hue, dictionary, 40) if hue else None,
        # A bar for an empty denominator too (of length 0), so every row has one.
        _value=np.nan_to_num(numbers(frame["proportion"]).astype(float)),
    )
    order = list(dict.fromkeys(shown["_cat"]))
    hue_order = list(dict.fromkeys(shown["_hue"])) if hue else None
    value = (
        {"x": "_value", "y": "_cat"} if orient == "y" else {"x": "_cat", "y": "_value"}
    )
    drawn_before = len(ax.containers)  # an Axes given may hold bars already
    sns.barplot(
        data=shown,
        **value,
        hue="_hue" if hue else None,
        order=order,
        hue_order=hue_order,
        orient=orient,
        errorbar=None,
        color=None if hue else "C0",
        legend=bool(hue),
        ax=ax,
    )
    # seaborn draws one container per hue level (empty levels included), its bars
    # at integer category positions plus a dodge offset under half a bar.
    bars = {}
    new = ax.containers[drawn_before:]
    containers = [c for c in new if isinstance(c, BarContainer)]
    for level, container in enumerate(containers):
        for bar in container:
            lo, size = (
                (bar.get_y(), bar.get_height())
                if orient == "y"
                else (bar.get_x(), bar.get_width())
            )
            bars[(level, round(lo + size / 2))] = (lo + size / 2, size, bar)
    levels = [hue_order.index(h) if hue else 0 for h in shown["_hue"]]
    places = [
        bars[(lv, order.index(c))] for lv, c in zip(levels, shown["_cat"], strict=True)
    ]
    shown["centre"] = [p[0] for p in places]
    shown["thickness"] = [p[1] for p in places]
    for place, gone in zip(places, hidden, strict=True):
        place[2].set_visible(not gone)  # a suppressed row: not even a sliver of bar
    known = shown[(numbers(shown["n"]) > 0).to_numpy() & ~hidden]
    value, centre = known["_value"].to_numpy(), known["centre"].to_numpy()
    low, high = numbers(known["ci_low"]), numbers(known["ci_high"])
    # Clipped at 0: Wilson's bound at k = 0 can sit a rounding error above 0.
    error = np.clip([value - low.to_numpy(), high.to_numpy() - value], 0, None)
    xy = (value, centre) if orient == "y" else (centre, value)
    ax.errorbar(
        *xy,
        **{"xerr" if orient == "y" else "yerr": error},
        fmt="none",
        ecolor="0.2",
        elinewidth=1.2,
        capsize=3,
        zorder=3,
    )
    reach = np.fmax(numbers(shown["ci_high"]).to_numpy(), shown["_value"]) + 0.015
    reach = np.nan_to_num(reach, nan=0.015)
    groups = shown["_hue"] if hue else [None] * len(shown)
    # A category whose every bar is hidden gets one note at its middle, not one
    # per bar (side by side they would overprint each other).
    whole = pd.Series(hidden).groupby(shown["_cat"].to_numpy()).transform("all")
    noted = set()
    cats = shown["_cat"]
    rows = zip(shown.itertuples(), reach, hidden, groups, whole, cats, strict=True)
    for row, end, gone, group, all_gone, cat in rows:
        spot = (end, row.centre) if orient == "y" else (row.centre, end)
        if all_gone and hue:
            if cat in noted:
                continue
            noted.add(cat)
            middle = order.index(cat)
            spot, group = ((end, middle) if orient == "y" else (middle, end)), None
        ax.text(
            *spot,
            _hidden_text(group, orient) if gone else f"{row.k}/{row.n}",
            ha="left" if orient == "y" else "center",
            va="center" if orient == "y" else "bottom",
            fontsize=8,
            gid="count",
        )
    return shown


def _hidden_text(group: str | None, orient: str) -> str:
    """:data:`HIDDEN`, naming the split's group (whose bar, in its colour, is not
    there to say it), wrapped to fit above a narrow vertical bar."""
    text = f"{group}: {HIDDEN}" if group else HIDDEN
    return text if orient == "y" else textwrap.fill(text, 16)


def legend_beside(
    ax: Axes, handles: list, labels: list, hue: str | None, dictionary: Dictionary
) -> None:
    """One legend to the right of ``ax``: seaborn's split legend (titled with the
    label of ``hue`` in ``dictionary``), then ``handles``."""
    if hue and ax.get_legend() is not None:
        old = ax.get_legend()
        handles = [*old.legend_handles, *handles]
        labels = [t.get_text() for t in old.get_texts()] + labels
    title = None
    if hue and hue != "side":
        title = textwrap.fill(column_label(hue, dictionary), 30)
    ax.legend(
        handles,
        [textwrap.fill(label, 30) for label in labels],
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=8,
        title_fontsize=8,
    )
