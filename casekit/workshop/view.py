"""The workshop's figures and its sliders, over :mod:`casekit.workshop.exercises`.

Needs matplotlib and ipywidgets; the core of casekit does not import this module.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import numpy as np
import pandas as pd

try:
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from matplotlib import rc_context
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter
except ImportError as exc:  # the core runs without them; the workshop does not
    raise ImportError(
        f"casekit.workshop.view needs ipywidgets and matplotlib ({exc.name} is "
        "missing): pip install ipywidgets matplotlib"
    ) from exc

from ..labels import interval, percent
from ..patterns import SMALL_N
from .exercises import COUNTED, cohort_rates

# -- figures -------------------------------------------------------------------------


def plot_observed(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Counted rates with their 95 % intervals, against the true rates.

    Parameters
    ----------
    data : DataFrame
        :func:`cohort_rates`: ``label, k, n, proportion, ci_low, ci_high,
        true_rate``, one row per pattern, drawn top to bottom.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The intervals are the LineCollection with gid ``interval``, the counted
        rates the line with gid ``observed``, the true rates the line with gid
        ``true``; ``k/n`` is written at the right.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 1.6 + 0.8 * len(data)), layout="constrained")
    y = np.arange(len(data))[::-1]
    ax.hlines(y, data["ci_low"], data["ci_high"], color="C0", lw=4, gid="interval")
    ax.plot(data["proportion"], y, "o", color="C0", ms=9, gid="observed")
    ax.plot(data["true_rate"], y, "|", color="C3", ms=26, mew=3, gid="true")
    for row, at in zip(data.itertuples(), y, strict=True):
        ax.text(1.03, at, f"{row.k}/{row.n}", va="center", fontsize=10)
    ax.set_yticks(y, [textwrap.fill(label, 30) for label in data["label"]])
    ax.set_ylim(-0.6, len(data) - 0.4)
    ax.set_xlim(0, 1.15)
    ax.set_xticks(np.linspace(0, 1, 5))
    ax.xaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("Rate counted in the made-up cohort (k/n at the right)")
    ax.legend(
        ax.lines[-2:],
        ["Counted, with its 95 % interval", "True rate (the slider)"],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=2,
        frameon=False,
    )
    return ax


def plot_interval_widths(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The 95 % interval at each number of cases, with its width written above.

    Parameters
    ----------
    data : DataFrame
        :func:`interval_widths`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One interval per row, left to right (LineCollection, gid ``interval``); the
        true rate is the dashed line with gid ``true``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    x = np.arange(len(data))
    ax.vlines(x, data["ci_low"], data["ci_high"], color="C0", lw=8, gid="interval")
    ax.plot(x, data["proportion"], "o", color="white", mec="C0", ms=7)
    ax.axhline(data["true_rate"].iat[0], color="C3", ls="--", lw=1.5, gid="true")
    for at, row in zip(x, data.itertuples(), strict=True):
        ax.text(at, row.ci_high + 0.03, f"{100 * row.width:.0f} points", ha="center")
    ax.set_xticks(x, [f"{n:,}" for n in data["n"]])
    ax.set_xlim(-0.5, len(data) - 0.5)
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("Cases that count for the pattern")
    ax.set_ylabel("Rate, with its 95 % interval")
    true = percent(data["true_rate"].iat[0])
    ax.set_title(
        f"The same true rate ({true}, dashed), more cases: a narrower interval"
    )
    return ax


def plot_drift(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Examiner A's "opposite side" rate at each chosen agreement.

    Parameters
    ----------
    data : DataFrame
        :func:`casekit.workshop.examiners.drift`, one row per chosen kappa.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The counted rates' intervals are the LineCollection with gid ``interval``
        and the rates the line with gid ``observed``; where they drift to, the line
        with gid ``expected``; the true rate the dashed line with gid ``true``, and
        50 % the dotted line with gid ``half``. Kappa falls from left to right.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    x = np.arange(len(data))
    ax.vlines(x, data["ci_low"], data["ci_high"], color="C0", lw=6, gid="interval")
    ax.plot(x, data["proportion"], "o", color="C0", ms=8, gid="observed")
    ax.plot(x, data["expected"], "-", color="C1", lw=1.5, gid="expected")
    ax.axhline(data["true_rate"].iat[0], color="C3", ls="--", lw=1.5, gid="true")
    ax.axhline(0.5, color="grey", ls=":", lw=1.5, gid="half")
    ax.set_xticks(x, [f"{k:.1f}" for k in data["kappa"]])
    ax.set_ylim(0.3, 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1))
    ax.set_xlabel("Agreement between the two examiners (chosen kappa)")
    ax.set_ylabel("Opposite side, as examiner A counts it")
    ax.legend(
        ax.lines[:2] + ax.lines[2:4],
        ["A's count", "Where it drifts to", "True rate", "50 %"],
        loc="upper right",
        ncols=2,
        frameon=False,
    )
    return ax


# -- the sliders ---------------------------------------------------------------------


class CohortSliders:
    """Sliders for a made-up cohort's size, true rates and seed; the counts follow.

    Each change draws a new cohort (:func:`cohort_rates`) and redraws, in
    ``output``, the counted SI-opposite and flare rates with their intervals
    against the true rates. Drive it headlessly by setting ``.value`` on ``size``,
    ``si_opposite``, ``flare`` or ``seed``, and read ``table`` and ``summary``.

    Parameters
    ----------
    n_cases : int, default 50
    si_opposite, flare : float, default 0.6 and 0.35
        The true rates the sliders start at.
    seed : int, default 0
    """

    def __init__(
        self,
        n_cases: int = 50,
        *,
        si_opposite: float = 0.6,
        flare: float = 0.35,
        seed: int = 0,
    ) -> None:
        common = {
            "continuous_update": False,  # a new cohort when the slider is let go
            "style": {"description_width": "initial"},
            "layout": w.Layout(width="440px"),  # room for the words and a long track
        }
        self.size = w.IntSlider(
            n_cases, min=10, max=1000, step=10, description="Cases logged", **common
        )
        self.seed = w.IntSlider(seed, min=0, max=99, description="Seed", **common)
        rate = {"min": 0.0, "max": 1.0, "readout_format": ".0%", **common}
        self.si_opposite = w.FloatSlider(
            si_opposite, step=0.05, description="True rate: SI tighter opposite", **rate
        )
        self.flare = w.FloatSlider(
            flare, step=0.01, description="True rate: flare after relief", **rate
        )
        self.output = w.Output()
        # A Figure of its own, not pyplot's: drawn again on each change, never shown
        # behind our back by the inline backend.
        self.figure = Figure(figsize=(9, 3.2))
        self.ax = self.figure.add_subplot()
        self.table, self.summary, self.svg = pd.DataFrame(), "", b""
        for slider in (self.size, self.seed, self.si_opposite, self.flare):
            slider.observe(lambda _change: self.update(), names="value")
        row = w.Layout(flex_flow="row wrap")
        self.widget = w.VBox(
            [
                w.HBox([self.size, self.seed], layout=row),
                w.HBox([self.si_opposite, self.flare], layout=row),
                self.output,
            ]
        )
        self.update()

    def update(self) -> None:
        """Draw a new cohort from the sliders, count, and redraw the output."""
        self.table = cohort_rates(
            self.size.value,
            # Slider floats such as 0.35000000000000003, as the rates people chose
            si_opposite=round(self.si_opposite.value, 2),
            flare=round(self.flare.value, 2),
            seed=self.seed.value,
        )
        self.ax.clear()
        plot_observed(self.table, ax=self.ax)
        self.figure.subplots_adjust(left=0.3, right=0.95, top=0.82, bottom=0.2)
        buffer = io.BytesIO()
        with rc_context({"svg.fonttype": "none"}):  # real text: sharp at any zoom
            self.figure.savefig(buffer, format="svg")
        self.svg = buffer.getvalue()
        self.summary = _summary(self.table, self.size.value)
        # Outputs set as a whole, not printed into: the same with or without a kernel.
        self.output.outputs = (
            _display({"text/html": self.summary}),
            _display({"image/svg+xml": self.svg.decode()}),
        )

    def _repr_mimebundle_(self, **kwargs):
        # JupyterLab shows the live widget; a rendering without widget state (the
        # workshop handout) falls back to the text and figure of the first values.
        bundle = self.widget._repr_mimebundle_(**kwargs)
        image = base64.b64encode(self.svg).decode()
        bundle["text/html"] = (
            "<p><i>In JupyterLab, sliders here set the number of cases, the true "
            "rates and the seed; this page shows where they start.</i></p>"
            f'{self.summary}<img src="data:image/svg+xml;base64,{image}" '
            'alt="Counted rates against the true rates">'
        )
        return bundle


def _display(data: dict[str, str]) -> dict:
    data = {**data, "text/plain": "(see the page in JupyterLab)"}
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _summary(table: pd.DataFrame, n_cases: int) -> str:
    items = []
    for row in table.itertuples():
        verdict = "inside" if row.inside else "<b>outside</b>"
        few = " Too few to read a rate from." if row.n < SMALL_N else ""
        items.append(
            f"<li><b>{html.escape(row.label)}</b>: {row.k} of {row.n} "
            f"{COUNTED[row.pattern]} ({percent(row.proportion)}, 95 % interval "
            f"{interval(row.ci_low, row.ci_high)}). True rate "
            f"{percent(row.true_rate)}: {verdict} the interval.{few}</li>"
        )
    return f"<p>Of {n_cases:,} made-up cases:</p><ul>{''.join(items)}</ul>"
