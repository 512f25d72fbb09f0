"""Published rates of reactions after manual therapy, and this practice's beside them.

The published rows are the studies of :data:`casekit.literature.REACTIONS`: where a
study gives counts, its Wilson 95 % interval is computed from them; where it gives a
percentage only, the percentage is shown and nothing is made up. The practice's rows
come from the pattern tables and the Kaplan-Meier curves of flare timing.

What is counted differs (patients or sessions, any reaction or a flare after relief,
24 h or 72 h), and the table says so in each row: it puts numbers side by side, it
does not test one against another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .labels import percent
from .literature import REACTIONS
from .patterns import flare_curve, pattern_table, recurrence_table
from .readable import rate_table

COLUMNS = ["Source", "What was counted", "k / n", "Rate", "95 % interval", "Timing"]


def reactions(frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The literature table, then this practice's flare rates and timing.

    Parameters
    ----------
    frames : dict of DataFrame, optional
        Stored or derived frames; without them, the literature rows only.

    Returns
    -------
    DataFrame
        ``Source, What was counted, k / n, Rate, 95 % interval, Timing`` in words,
        one row per published figure and, last, two rows for "This practice":
        patients (cases) with a flare within 72 h after a session that brought
        relief, and such sessions. Their timing is read off the Kaplan-Meier
        curves: the share of flares begun within 4 h and within 24 h (of those
        begun by the last hour observed), and the share over within 24 h.
    """
    rows = []
    for s in REACTIONS:
        share = stats.wilson(s.k, s.n) if s.k is not None else (s.rate, np.nan, np.nan)
        rows.append((s.source, s.counted, s.k, s.n, *share, s.timing))
    if frames is not None:
        timing = flare_timing(frames)
        for table, what in (
            (recurrence_table(frames), ""),
            (pattern_table(frames), "sessions: "),
        ):
            row = table[table["pattern"].str.startswith("flare_after_care")].iloc[0]
            label = row["label"] if not what else row["label"].lower()
            counts = row[["k", "n", "proportion", "ci_low", "ci_high"]]
            rows.append(("This practice", f"{what}{label}", *counts, timing))
    table = pd.DataFrame(
        rows, columns="source counted k n proportion ci_low ci_high timing".split()
    )
    out = rate_table(table, "What was counted", table["counted"], notes=False)
    out.insert(0, "Source", table["source"].to_numpy())
    out["Timing"] = table["timing"].to_numpy()
    return out


def flare_timing(frames: dict[str, pd.DataFrame]) -> str:
    """This practice's flare timing in the words of Senstad 1997.

    Returns
    -------
    str
        E.g. "64 % of flares began within 4 h, 95 % within 24 h; 74 % were over
        within 24 h" (shares read off :func:`casekit.patterns.flare_curve`), or a
        note that there is no flare to time yet.
    """
    onset = flare_curve(frames)
    lasted = flare_curve(frames, measure="duration")
    end = _by(onset, np.inf)
    if not end > 0:
        return "no flare to time yet"
    began = [percent(_by(onset, h) / end) for h in (4, 24)]
    over = percent(_by(lasted, 24))
    return (
        f"{began[0]} of flares began within 4 h, {began[1]} within 24 h; "
        f"{over} were over within 24 h"
    )


def _by(curve: pd.DataFrame, hours: float) -> float:
    """The Kaplan-Meier cumulative incidence at ``hours`` (0 before any event)."""
    before = curve.loc[curve["time"] <= hours, "cumulative_incidence"]
    return float(before.iloc[-1]) if len(before) else 0.0
