"""Teaching helpers for the workshop notebook: made-up cohorts, never real patients.

Each function answers one question a room of practitioners asks, with the kit's
own counting (:mod:`casekit.synth`, :mod:`casekit.patterns`, :mod:`casekit.stats`):
how far a counted rate wanders from the true one, how the interval narrows with
more cases, whether "most of my patients" beats a coin toss or a base rate, how
often care that does nothing beyond a sham is followed by a flare, and how often
ten tests of findings that mean nothing give at least one p < 0.05. Everything is
seeded: the same seed gives everyone in the room the same numbers.

Nothing here opens a case store, draws or shows anything: the figures and the
sliders live in :mod:`casekit.workshop.view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import binom

from .. import stats
from ..derive import derive
from ..dictionary import load_dictionary
from ..frames import typed_frame
from ..labels import interval, p_text, percent
from ..literature import WALKER_SHAM
from ..patterns import pattern_table, recurrence_table
from ..readable import rate_table
from ..synth import CohortParams, cohort

SIZES = (10, 30, 100, 300, 1000)
# One-sided findings a practitioner might test; in a null cohort none is real.
FINDINGS = (
    "SI tighter on the opposite side",
    "Old ankle injury on the pain side",
    "Knee pain on the pain side",
    "Plantar fasciitis on the pain side",
    "Tight hip flexors on the pain side",
    "Weak glute on the pain side",
    "Trendelenburg on the pain side",
    "Pelvis high on the pain side",
    "Flare on the pain side",
    "Abdominal scar on the pain side",
)
COUNTED = {  # what n counts, in words, for the sliders' summary
    "si_opposite": "one-sided cases with exactly one SI joint tighter",
    "flare_after_care": "sessions that brought relief, with a check-in after",
}


class Observed(NamedTuple):
    """A simulated count, its rate and Wilson 95 % interval, and the true rate."""

    k: int
    n: int
    proportion: float
    ci_low: float
    ci_high: float
    true_rate: float


class FalseAlarms(NamedTuple):
    """How often null cohorts give at least one p < alpha, before and after Holm."""

    tests: int  # findings tested in each cohort
    cohorts: int  # null cohorts simulated
    any_raw: float  # share of cohorts with at least one p < alpha
    any_holm: float  # the same after Holm's adjustment
    test_size: float  # chance that one exact test gives p < alpha when nothing is there
    expected_raw: float  # 1 - (1 - test_size) ** tests
    textbook: float  # 1 - (1 - alpha) ** tests, for a test that is exactly alpha


# -- counting ------------------------------------------------------------------------


def simulate_rate(n: int, true_rate: float, seed: int = 0) -> Observed:
    """How many of ``n`` cases show a finding whose true rate is ``true_rate``.

    Parameters
    ----------
    n : int
        Cases that could show the finding (the denominator).
    true_rate : float
        The chance, from 0 to 1, that a case shows it.
    seed : int, default 0

    Returns
    -------
    Observed
        ``k`` drawn from the binomial distribution, with ``k / n`` and its interval.
    """
    k = int(np.random.default_rng(seed).binomial(n, true_rate))
    return Observed(k, n, *stats.wilson(k, n), float(true_rate))


def interval_widths(
    sizes: Sequence[int] = SIZES, true_rate: float = 0.6, *, seed: int | None = None
) -> pd.DataFrame:
    """The 95 % interval of a rate at several numbers of cases.

    Parameters
    ----------
    sizes : sequence of int, default (10, 30, 100, 300, 1000)
    true_rate : float, default 0.6
    seed : int, optional
        None: at each size the count nearest the true rate (``round(n * rate)``),
        so that only the number of cases changes. A seed: a simulated count.

    Returns
    -------
    DataFrame
        ``n, k, proportion, ci_low, ci_high, width`` (``ci_high - ci_low``),
        ``true_rate``; one row per size, in the order given.
    """
    n = np.asarray(sizes, dtype=np.int64)
    if seed is None:
        k = np.rint(n * true_rate).astype(np.int64)
    else:
        k = np.random.default_rng(seed).binomial(n, true_rate).astype(np.int64)
    share = stats.wilson(k, n)
    return pd.DataFrame(
        {
            "n": n,
            "k": k,
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
            "width": share.high - share.low,
            "true_rate": float(true_rate),
        }
    )


def compare_rate(
    k: int, n: int, against: float | Mapping[str, float] = 0.5
) -> pd.DataFrame:
    """A count against one or more rates by the exact binomial test, also in words.

    Parameters
    ----------
    k, n : int
        Cases with the finding, of the cases where it was looked for.
    against : float or mapping of str to float, default 0.5
        The rate to hold the count against, or several by name, e.g.
        ``{"a coin toss": 0.5, "adults in general": ANKLE_BASE_RATE}``.

    Returns
    -------
    DataFrame
        ``compared_with, comparator, k, n, proportion, ci_low, ci_high, p_value,
        reading``: ``p_value`` is ``scipy.stats.binomtest(k, n, comparator)``
        (two-sided) and ``reading`` says it all in a sentence.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"`k` must be from 0 to `n` (at least 1), got {k!r} of {n!r}")
    if not isinstance(against, Mapping):
        against = {percent(against): against}
    share = stats.wilson(k, n)
    said = f"{k} of {n} ({percent(share.proportion)}, 95 % interval "
    said += f"{interval(share.low, share.high)}) against"
    rows = []
    for name, rate in against.items():
        p = stats.binomial_p(k, n, rate)
        if p < 0.001:
            chance = "Chance alone would almost never give a count this far off."
        elif p >= 0.5:
            chance = "A count this far off is what chance gives more often than not."
        else:
            chance = "Chance alone gives a count at least this far off in about 1 of "
            chance += f"{round(1 / p)} groups of {n}."
        what = name if name == percent(rate) else f"{name} ({percent(rate)})"
        reading = f"{said} {what}: p = {p_text(p)}. {chance}"
        rows.append([name, rate, k, n, *share, p, reading])
    columns = "compared_with comparator k n proportion ci_low ci_high p_value reading"
    return pd.DataFrame(rows, columns=columns.split())


def cohort_frames(
    n_cases: int, *, seed: int = 0, params: CohortParams | None = None
) -> dict[str, pd.DataFrame]:
    """A synthetic cohort (:func:`casekit.synth.cohort`) as derived frames, in memory.

    Returns
    -------
    dict of DataFrame
        :func:`casekit.derive.derive` of the records, typed as a store types them
        (by the built-in dictionary: a made-up cohort has no local field), ready
        for :func:`casekit.patterns.pattern_table`. No store is opened.
    """
    records = cohort(n_cases, seed=seed, params=params)
    frames = {}
    for form in load_dictionary():
        frames[form.name] = typed_frame(form, records[form.name])
    return derive(frames)


def cohort_rates(
    n_cases: int, *, si_opposite: float = 0.6, flare: float = 0.35, seed: int = 0
) -> pd.DataFrame:
    """What the kit counts in a made-up cohort whose two true rates you set.

    Parameters
    ----------
    n_cases : int
        Cases logged.
    si_opposite : float, default 0.6
        True share, of one-sided cases with one SI tighter, tighter opposite the pain.
    flare : float, default 0.35
        True chance of a flare after a session that brought relief.
    seed : int, default 0

    Returns
    -------
    DataFrame
        The ``si_opposite`` and ``flare_after_care`` rows of the pattern table
        (``pattern, label, k, n, proportion, ci_low, ci_high``), with
        ``true_rate`` and ``inside`` (the true rate is within the interval).
    """
    params = CohortParams(si_opposite=si_opposite, flare_after_relief=flare)
    table = pattern_table(cohort_frames(n_cases, seed=seed, params=params))
    rows = table.set_index("pattern").loc[["si_opposite", "flare_after_care"]]
    rows = rows[["label", "k", "n", "proportion", "ci_low", "ci_high"]].reset_index()
    rows["true_rate"] = [si_opposite, flare]
    rows["inside"] = rows["true_rate"].between(rows["ci_low"], rows["ci_high"])
    return rows


def sham_flares(
    n_cases: int = 300, *, seed: int = 0, rate: float = WALKER_SHAM
) -> pd.DataFrame:
    """Flares counted in a made-up cohort whose care does nothing beyond a sham.

    Each session that brings relief is followed by a flare with chance ``rate``
    (the sham arm of Walker 2013 by default), whatever was done.

    Returns
    -------
    DataFrame
        ``counted, k, n, proportion, ci_low, ci_high``: sessions with relief
        followed by a flare (pattern ``flare_after_care``), then patients with at
        least one such flare (``flare_after_care_cases``).
    """
    params = CohortParams(flare_after_relief=rate)
    frames = cohort_frames(n_cases, seed=seed, params=params)
    per_session = pattern_table(frames).query("pattern == 'flare_after_care'")
    per_case = recurrence_table(frames).query("pattern == 'flare_after_care_cases'")
    out = pd.concat([per_session, per_case], ignore_index=True)
    out.insert(0, "counted", ["sessions with relief", "patients"])
    return out[["counted", "k", "n", "proportion", "ci_low", "ci_high"]]


def null_patterns(
    n_patterns: int = 10, n_cases: int = 90, *, seed: int = 0
) -> pd.DataFrame:
    """One made-up cohort in which no finding depends on the pain side, tested.

    Each finding is on the pain side with chance one half (a coin toss) in each of
    ``n_cases`` cases, and is tested against 50 % as the kit's patterns are.

    Returns
    -------
    DataFrame
        ``finding, k, n, proportion, ci_low, ci_high, p_value, p_adjusted``
        (Holm's, as :func:`casekit.patterns.with_adjusted_p` names it).
    """
    k = np.random.default_rng(seed).binomial(n_cases, 0.5, size=n_patterns)
    share = stats.wilson(k, np.full(n_patterns, n_cases))
    p = np.array([stats.binomial_p(int(x), n_cases) for x in k])
    names = [*FINDINGS, *(f"Finding {i + 1}" for i in range(len(FINDINGS), n_patterns))]
    return pd.DataFrame(
        {
            "finding": names[:n_patterns],
            "k": k.astype(np.int64),
            "n": n_cases,
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
            "p_value": p,
            "p_adjusted": stats.adjust(p, "holm"),
        }
    )


def null_cohort_false_alarms(
    n_patterns: int = 10,
    n_cases: int = 90,
    *,
    cohorts: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> FalseAlarms:
    """How often testing ``n_patterns`` findings that mean nothing finds something.

    Simulates ``cohorts`` cohorts as :func:`null_patterns` does and counts those
    with at least one p < ``alpha``, before and after Holm's adjustment.

    Notes
    -----
    An exact test on whole counts gives p < 0.05 a little less often than 5 % of
    the time when nothing is there (``test_size``: 4.5 % for 90 cases), so the
    expected share is ``1 - (1 - test_size) ** n_patterns``, a little under the
    textbook ``1 - 0.95 ** n_patterns``.
    """
    counts = np.arange(n_cases + 1)
    # One exact test per possible count, then looked up: the same p-values as a
    # scipy call per finding per cohort, a thousand times faster.
    p_of = np.array([stats.binomial_p(int(x), n_cases) for x in counts])
    rng = np.random.default_rng(seed)
    p = p_of[rng.binomial(n_cases, 0.5, size=(cohorts, n_patterns))]
    holm = np.array([stats.adjust(row, "holm") for row in p])
    size = float(binom.pmf(counts, n_cases, 0.5)[p_of < alpha].sum())
    return FalseAlarms(
        tests=n_patterns,
        cohorts=cohorts,
        any_raw=float((p < alpha).any(axis=1).mean()),
        any_holm=float((holm < alpha).any(axis=1).mean()),
        test_size=size,
        expected_raw=1 - (1 - size) ** n_patterns,
        textbook=1 - (1 - alpha) ** n_patterns,
    )


def in_words(table: pd.DataFrame) -> pd.DataFrame:
    """A table of this module in words and whole percentages, numbered from 1.

    Parameters
    ----------
    table : DataFrame
        From :func:`interval_widths`, :func:`compare_rate`, :func:`sham_flares` or
        :func:`null_patterns`.

    Returns
    -------
    DataFrame
        As :func:`casekit.readable.rate_table`: the table's column of words
        (``counted``, ``finding`` or ``compared_with``) if it has one, ``k / n``,
        ``Rate``, ``95 % interval``, then ``Width``, ``p`` and ``p (Holm)`` where
        the table has them.
    """
    words = [c for c in ("counted", "finding", "compared_with") if c in table]
    first = words[0].replace("_", " ").capitalize() if words else None
    # compare_rate's comparators are shown by their names ("a coin toss").
    out = rate_table(
        table.drop(columns="comparator", errors="ignore"),
        first,
        table[words[0]] if words else None,
        notes=False,
    )
    if "width" in table:
        widths = [f"{100 * v:.0f} points" for v in table["width"]]
        out.insert(out.columns.get_loc("95 % interval") + 1, "Width", widths)
    return out
