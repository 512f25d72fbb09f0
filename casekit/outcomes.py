"""How each case fared: improved, no clear change, worse, or no outcome yet.

Each case is classified once, by :func:`casekit.derive.derive` (its ``outcome``
column), at its latest follow-up 14 or more days after its last session:
**improved** is the clinically important drop of Ostelo 2008 (2 points and 30 % of
the intake pain), **worse** is pain up by 2 points or more from intake, **no clear
change** is the rest of the cases with such a follow-up, and **no outcome yet** is
a case without one, or without a pain score recorded at intake to compare with. A
case with no pain at intake (NPRS 0) has an outcome all the same: it cannot fall 2
points and 30 %, but it can get worse, and a deterioration is its own class, never
folded into "not improved" nor into "no outcome yet".

:func:`outcome_table` counts the classes as rates with Wilson intervals, in the
columns of :func:`casekit.patterns.pattern_table`, so that
:func:`casekit.readable.rate_table` shows them and
:func:`casekit.disclosure.safe_table` makes them safe. Pure pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .derive import OUTCOMES, ensure_derived
from .literature import IMPORTANT_POINTS, IMPORTANT_TENTHS

# The words for each class, in the order of :data:`casekit.derive.OUTCOMES`.
OUTCOME_LABELS = {
    "improved": f"Improved (pain down {IMPORTANT_POINTS}+ points and "
    f"{10 * IMPORTANT_TENTHS} %+)",
    "no_change": "No clear change",
    "worse": f"Worse (pain up {IMPORTANT_POINTS}+ points)",
    "no_outcome": "No outcome yet (no pain score 2+ weeks after the last session, "
    "or none recorded at intake)",
}
COLUMNS = ["outcome", "label", "k", "n", "proportion", "ci_low", "ci_high"]


def outcome_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The share of cases in each outcome class, with its 95 % Wilson interval.

    Parameters
    ----------
    frames : dict of DataFrame
        As :meth:`casekit.Store.frames` or :func:`casekit.derive.derive` return
        them.

    Returns
    -------
    DataFrame
        Columns ``outcome, label, k, n, proportion, ci_low, ci_high``, one row a
        class in the order of :data:`casekit.derive.OUTCOMES`. For improved, no
        clear change and worse, ``n`` is the cases with an outcome (so improved is
        the ``improved`` row of the pattern table, and the three add up to ``n``);
        for no outcome yet, ``n`` is every case. Proportion and interval are NaN
        where ``n`` is 0.
    """
    case = ensure_derived(frames)["case"]
    counts = case["outcome"].value_counts().reindex(list(OUTCOMES), fill_value=0)
    k = counts.to_numpy(np.int64)
    with_outcome = int(k[:-1].sum())
    n = np.array([with_outcome] * (len(OUTCOMES) - 1) + [len(case)], dtype=np.int64)
    share = stats.wilson(k, n)
    return pd.DataFrame(
        {
            "outcome": list(OUTCOMES),
            "label": [OUTCOME_LABELS[o] for o in OUTCOMES],
            "k": k,
            "n": n,
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
        },
        columns=COLUMNS,
    )
