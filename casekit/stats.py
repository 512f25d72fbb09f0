"""Thin wrappers over statsmodels and scipy: none of the statistics is hand-written.

Each wrapper does three things the library calls do not: it gives NaN (never an
exception, never a warning) when there is nothing to count, it names its results, and
it takes plain counts so the pattern table can call it row by row. The tests check
every number against the library call itself and against published reference values.

References: Wilson interval (Brown, Cai & DasGupta 2001); exact binomial test; Fisher's
exact test with the conditional maximum-likelihood odds ratio; Kaplan-Meier with a
log-log pointwise interval; Holm (1979) and Benjamini-Hochberg (1995) adjustment.

scipy.stats and statsmodels take about half a second to import, more than counting a
100,000-case store's patterns once it is read; each wrapper imports them where it
calls them, and :func:`preload` imports them on another thread while the caller
reads its store (the read spends its time in SQLite and Arrow, which let go of the
interpreter), so ``casekit patterns`` does not wait for the two one after the other.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

# What the wrappers call, in the order :func:`preload` imports it.
LIBRARIES = (
    "scipy.stats",
    "scipy.stats.contingency",
    "statsmodels.stats.proportion",
    "statsmodels.stats.multitest",
)

# How a rate table's numbers were computed, said where they are shown without
# headings that name it (casekit patterns' text): which interval, which test.
INTERVAL_METHOD = "intervals: Wilson 95 % (statsmodels)"
TEST_METHOD = "p: exact binomial test (scipy), Holm-adjusted over the tests"

KM_COLUMNS = [
    "time",
    "at_risk",
    "events",
    "survival",
    "ci_low",
    "ci_high",
    "cumulative_incidence",
]


def preload() -> threading.Thread:
    """Import the statistics libraries on a thread of their own and return it
    (started; a daemon, so it never holds the process open). Importing them again
    afterwards, or while it runs, waits for it: Python locks each module while it
    is imported."""
    thread = threading.Thread(
        target=_import_quietly, name="casekit-preload-statistics", daemon=True
    )
    thread.start()
    return thread


def _import_quietly() -> None:
    # A library that fails to import here fails again, in words, where it is
    # called: nothing to say from this thread.
    with contextlib.suppress(Exception):
        for name in LIBRARIES:
            importlib.import_module(name)


class Interval(NamedTuple):
    """A proportion with its confidence interval (NaN when ``n`` is 0)."""

    proportion: float
    low: float
    high: float


class TwoByTwo(NamedTuple):
    """Fisher's exact test on a 2 x 2 table, with the odds ratio and its interval."""

    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float


def wilson(k, n, confidence: float = 0.95) -> Interval:
    """Proportion ``k / n`` with its Wilson score interval.

    Parameters
    ----------
    k, n : int or array-like of int
        Successes and trials; arrays are computed element-wise.
    confidence : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    Interval
        ``(proportion, low, high)``, floats or arrays; NaN wherever ``n`` is 0.

    Notes
    -----
    Calls ``statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")``.
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    empty = n_arr <= 0
    # The library divides by n; feed it a harmless 1 where n is 0 and blank it after.
    safe_n = np.where(empty, 1.0, n_arr)
    safe_k = np.where(empty, 0.0, k_arr)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(
        safe_k, safe_n, alpha=1 - confidence, method="wilson"
    )
    share = safe_k / safe_n
    out = [
        np.where(empty, np.nan, np.asarray(v, dtype=float)) for v in (share, low, high)
    ]
    if np.ndim(k) == 0 and np.ndim(n) == 0:
        return Interval(*(float(v) for v in out))
    return Interval(*out)


def binomial_p(k: int, n: int, p: float = 0.5, alternative: str = "two-sided") -> float:
    """Exact binomial test of ``k`` successes in ``n`` against the rate ``p``.

    Parameters
    ----------
    k, n : int
        Successes and trials.
    p : float, default 0.5
        The rate under the null hypothesis (50 %, or a published base rate).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"

    Returns
    -------
    float
        ``scipy.stats.binomtest(k, n, p).pvalue``; NaN when ``n`` is 0 or ``p`` is
        missing.
    """
    if n is None or pd.isna(n) or int(n) <= 0 or p is None or pd.isna(p):
        return float("nan")
    from scipy.stats import binomtest

    return float(binomtest(int(k), int(n), float(p), alternative=alternative).pvalue)


def fisher(table, alternative: str = "two-sided", confidence: float = 0.95) -> TwoByTwo:
    """Fisher's exact test and the conditional odds ratio of a 2 x 2 table.

    Parameters
    ----------
    table : array-like, shape (2, 2)
        Counts ``[[a, b], [c, d]]``: rows are the groups (e.g. upstream treated or
        not), columns the outcome (yes, no).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
    confidence : float, default 0.95

    Returns
    -------
    TwoByTwo
        ``(odds_ratio, ci_low, ci_high, p_value)``. The p-value is
        ``scipy.stats.fisher_exact``; the odds ratio and its interval are
        ``scipy.stats.contingency.odds_ratio(table).confidence_interval()``
        (conditional maximum likelihood). All NaN when a row or column is empty,
        where no odds ratio is defined.
    """
    counts = np.asarray(table, dtype=np.int64)
    if counts.shape != (2, 2):
        raise ValueError(f"`table` must be 2 x 2 counts, got shape {counts.shape!r}")
    if (counts.sum(axis=0) == 0).any() or (counts.sum(axis=1) == 0).any():
        return TwoByTwo(*([float("nan")] * 4))
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio

    p_value = fisher_exact(counts, alternative=alternative).pvalue
    result = odds_ratio(counts)
    ci = result.confidence_interval(
        confidence_level=confidence, alternative=alternative
    )
    return TwoByTwo(
        float(result.statistic), float(ci.low), float(ci.high), float(p_value)
    )


def kaplan_meier(time, observed, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival of right-censored times, as a tidy frame.

    Parameters
    ----------
    time : array-like of float
        Time of the event, or of the last moment it was known not to have happened
        (e.g. hours a flare had lasted when it was still going on at the report).
    observed : array-like of bool
        True where the event was seen, False where the time is censored.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row per distinct time: ``time, at_risk, events, survival, ci_low,
        ci_high, cumulative_incidence`` (``1 - survival``). The estimate and its
        pointwise log-log interval are ``scipy.stats.ecdf`` on
        ``scipy.stats.CensoredData``; ``at_risk`` and ``events`` are plain counts
        for the table under a curve. Empty (with these columns) when there are no
        times; NaN rows or times are left out.
    """
    # Arrays, not Series: a Series would align on its index, silently.
    hours = pd.array(time, dtype="Float64").to_numpy(float, na_value=np.nan)
    event = pd.array(observed, dtype="boolean")
    keep = np.isfinite(hours) & ~event.isna()
    t, seen = hours[keep], event.to_numpy(bool, na_value=False)[keep]
    if t.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in KM_COLUMNS}).astype(
            {"at_risk": "int64", "events": "int64"}
        )
    times = np.unique(t)
    ordered = np.sort(t)
    at_risk = ordered.size - np.searchsorted(ordered, times, side="left")
    events = np.bincount(np.searchsorted(times, t[seen]), minlength=times.size)
    if seen.any():
        from scipy.stats import CensoredData, ecdf

        data = CensoredData(uncensored=t[seen], right=t[~seen])
        sf = ecdf(data).sf
        survival = sf.evaluate(times)
        with warnings.catch_warnings():
            # Undefined where survival is 0 or 1: those ends of the band stay NaN.
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(confidence, method="log-log")
            low, high = ci.low.evaluate(times), ci.high.evaluate(times)
    else:  # nothing happened yet: survival is 1 throughout, with no interval
        survival = np.ones(times.size)
        low = high = np.full(times.size, np.nan)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype("int64"),
            "events": events.astype("int64"),
            "survival": survival,
            "ci_low": low,
            "ci_high": high,
            "cumulative_incidence": 1 - survival,
        }
    )


def adjust(p_values, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values; NaN entries stay NaN and are not counted.

    Parameters
    ----------
    p_values : array-like of float
    method : {"holm", "fdr_bh"} or any ``multipletests`` method, default "holm"
        Holm controls the family-wise error; ``fdr_bh`` (Benjamini-Hochberg) the
        false-discovery rate.

    Returns
    -------
    numpy.ndarray
        ``statsmodels.stats.multitest.multipletests(p, method=method)[1]`` over the
        p-values that exist, in the input order.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    if present.any():
        with _young_objects_only():
            from statsmodels.stats.multitest import multipletests

            out[present] = multipletests(p[present], method=method)[1]
    return out


@contextlib.contextmanager
def _young_objects_only():
    """statsmodels' Holm branch calls ``gc.collect()``, whose cost grows with all a
    process holds: 0.4 s beside a 100,000-case store's frames. Freezing the heap for
    the call makes that collection look at new objects only; unfreezing puts every
    object back, so nothing escapes the collections that follow."""
    if gc.get_freeze_count():  # someone froze objects on purpose: leave them be
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
