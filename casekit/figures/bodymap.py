"""The body-chain picture: two legs and a pelvis, each link shaded by how often it is
involved on the pain side and on the other side, with k/n written beside it.

Drawn with plain matplotlib patches, so the chain can be seen rather than read. The
numbers come from :func:`casekit.chain.chain_sides`; nothing is counted here.
"""

from __future__ import annotations

import pandas as pd

try:
    import matplotlib.pyplot as plt
    import seaborn as sns
except ImportError as exc:  # the core runs without them; the figures do not
    raise ImportError(
        f"casekit.figures.bodymap needs seaborn and matplotlib ({exc.name} missing): "
        "pip install 'seaborn>=0.13.2' matplotlib"
    ) from exc
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.patches import Ellipse, Polygon, Rectangle
from matplotlib.ticker import PercentFormatter

from ..dictionary import Dictionary
from ..disclosure import SUPPRESSED
from ..labels import NOT_YET, finding_label, or_builtin
from .bars import checked, counted, hidden_rows, not_yet

# Where each link of the chain sits on the schematic, on the pain side (x < 0): an
# ellipse's centre, width, height. The other side is the mirror image.
BODY = {
    "pain_side": ((-0.45, 9.3), 0.8, 1.1),
    "si_tight_side": ((-0.45, 7.95), 0.35, 0.9),
    "glute_weak_side": ((-1.5, 7.1), 0.95, 1.0),
    "hip_flexor_tight_side": ((-1.05, 5.8), 0.55, 1.3),
    "knee_pain_side": ((-0.95, 3.6), 0.75, 0.75),
    "ankle_injury_side": ((-0.85, 1.25), 0.6, 0.6),
    "plantar_fasciitis_side": ((-1.2, 0.35), 1.1, 0.4),
}


def body_chain(
    data: pd.DataFrame,
    *,
    colorbar: bool = True,
    dictionary: Dictionary | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The chain drawn on a body: pain side on the left, the other side on the right.

    Parameters
    ----------
    data : DataFrame
        :func:`casekit.chain.chain_sides`: ``link, side, k, n, proportion``.
        Each link (low back, SI joint, glute, hip flexors, knee, ankle, heel) is
        shaded by how often it is involved on that side; grey when ``n`` is 0.
        Of a safe table (a shared report), a suppressed link is grey and hatched
        and its count written ``*``, with a note under the picture.
    colorbar : bool, default True
        Add a colour scale beside the picture.
    dictionary : Dictionary, optional
        Names the findings: the store's (``store.dictionary``) for a store's
        data; the built-in one if None.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Each link is a patch (the low back a rectangle, the others ellipses)
        with gid ``"<link>|<side>"``; each ``k/n`` a Text with gid
        ``"count|<link>|<side>"``. Without a one-sided case, the words of
        :func:`casekit.figures.bars.not_yet` over the picture.
    """
    frame = checked(data, ["link", "side", "k", "n", "proportion"])
    words = or_builtin(dictionary)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 8), layout="constrained")
    cmap = sns.light_palette("#b2182b", as_cmap=True)
    _skeleton(ax)
    for row in frame.itertuples():
        if row.link not in BODY or row.side not in ("pain side", "other side"):
            continue
        (x, y), width, height = BODY[row.link]
        mirror = 1 if row.side == "pain side" else -1
        share = row.proportion
        hidden = SUPPRESSED in (row.k, row.n, share)  # suppressed in a safe table
        hatch = "///" if hidden else None
        colour = "0.92" if hidden or pd.isna(share) else cmap(float(share))
        style = {"facecolor": colour, "edgecolor": "0.25", "lw": 1, "zorder": 3}
        style["hatch"] = hatch
        gid = f"{row.link}|{row.side}"
        if row.link == "pain_side":  # the low back: one half of the lumbar block
            corner = (min(0.0, x * mirror * 2), y - height / 2)
            ax.add_patch(Rectangle(corner, abs(x) * 2, height, gid=gid, **style))
        else:
            ax.add_patch(Ellipse((x * mirror, y), width, height, gid=gid, **style))
        ax.text(
            -2.35 * mirror,
            y,
            SUPPRESSED if hidden else f"{row.k}/{row.n}",
            ha="right" if mirror == 1 else "left",
            va="center",
            fontsize=10,
            gid=f"count|{row.link}|{row.side}",
        )
        if mirror == 1:
            ax.text(
                -6.0,
                y,
                finding_label("case", row.link, words),
                ha="left",
                va="center",
                fontsize=9,
            )
    if hidden_rows(frame).any():
        ax.text(
            -6.0,
            -0.2,
            "* hatched, not shown: a count under 8",
            fontsize=9,
            va="top",
            gid="hidden note",
        )
    if not counted(frame):
        not_yet(ax, NOT_YET["one_sided"])
    ax.text(-1.2, 10.4, "Pain side", ha="center", fontsize=12, weight="bold")
    ax.text(1.2, 10.4, "Other side", ha="center", fontsize=12, weight="bold")
    ax.set_xlim(-6.1, 3.6)
    ax.set_ylim(-0.8, 10.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(
        "Where the chain sits, in one-sided cases\n"
        "k of n asked or examined on each side; a finding on both sides counts on each",
        fontsize=10,
    )
    if colorbar:
        scale = ScalarMappable(norm=Normalize(0, 1), cmap=cmap)
        bar = ax.figure.colorbar(
            scale, ax=ax, shrink=0.45, format=PercentFormatter(1), pad=0.01
        )
        bar.set_label("Share of cases with the finding on that side")
    return ax


def _skeleton(ax) -> None:
    """Pelvis, thighs and shins in grey, under the shaded links."""
    grey = {"color": "0.7", "lw": 7, "solid_capstyle": "round", "zorder": 1}
    for s in (-1, 1):
        ax.plot([1.15 * s, 0.95 * s], [6.6, 3.6], **grey)  # thigh
        ax.plot([0.95 * s, 0.85 * s], [3.6, 1.25], **grey)  # shin
    pelvis = [(-2.1, 8.6), (2.1, 8.6), (1.4, 6.7), (0.5, 6.4), (-0.5, 6.4), (-1.4, 6.7)]
    ax.add_patch(Polygon(pelvis, closed=True, fc="0.95", ec="0.6", lw=1.2, zorder=0))
    ax.add_patch(Rectangle((-0.25, 7.0), 0.5, 1.7, fc="0.85", ec="0.6", zorder=1))
    ax.plot([0, 0], [8.6, 10.0], color="0.6", lw=1, ls="--", zorder=2)  # midline
