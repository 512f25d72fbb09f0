"""Two made-up examiners on the same made-up cohort: how agreement between them
bears on the "opposite side" rate one of them counts.

The cohort is :func:`casekit.synth.cohort`'s, with a true share of one-sided cases
whose SI joint is tighter opposite the pain; its intake findings are the truth. Two
examiners, ``A`` and ``B``, each call the tighter side of every such case, blind to
the other: each calls the other side with the probability ``e`` that a chosen kappa
implies (:func:`casekit.sensitivity.error_rate`: kappa = (1 - 2e)^2). A then counts
the pattern from their own calls, and the two calls give Cohen's kappa. As the
chosen agreement falls, A's count drifts toward 50 % whatever the truth is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..agreement import cohen, square_table
from ..sensitivity import corrected, error_rate, sensitivity
from ..stats import wilson
from ..synth import CohortParams, cohort

SIDES = ["left", "right"]
KAPPAS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.1, 0.0)


def truth(n_cases: int, true_rate: float, seed: int = 0) -> pd.DataFrame:
    """The made-up cohort's one-sided cases with exactly one SI joint tighter:
    ``pain_side``, the true ``si_side`` and whether it is ``opposite``."""
    records = cohort(
        n_cases, seed=seed, params=CohortParams(si_opposite=true_rate, not_tested=0)
    )["case"]
    cases = pd.DataFrame(records)
    cases = cases[
        cases["pain_side"].isin(SIDES) & cases["si_tight_side"].isin(SIDES)
    ].rename(columns={"si_tight_side": "si_side"})
    cases["opposite"] = cases["si_side"] != cases["pain_side"]
    return cases[["case_id", "pain_side", "si_side", "opposite"]].reset_index(drop=True)


def examine(cases: pd.DataFrame, kappa: float, seed: int = 0) -> pd.DataFrame:
    """``cases`` with the calls of examiners ``a`` and ``b``, each wrong with the
    probability that ``kappa`` implies, independently."""
    rng = np.random.default_rng(seed)
    error = error_rate(kappa)
    true = cases["si_side"].to_numpy()
    other = np.where(true == "left", "right", "left")
    out = cases.copy()
    for examiner in ("a", "b"):
        wrong = rng.random(len(cases)) < error
        out[examiner] = np.where(wrong, other, true)
    return out


def drift(
    n_cases: int = 300,
    true_rate: float = 0.7,
    kappas=KAPPAS,
    seed: int = 0,
) -> pd.DataFrame:
    """Examiner A's count of the pattern at each chosen agreement.

    Returns
    -------
    DataFrame
        One row per chosen ``kappa``: ``error`` (the share of wrong calls it
        implies), ``measured_kappa`` (between A and B, with ``kappa_low`` and
        ``kappa_high``), ``k, n, proportion, ci_low, ci_high`` (A's "opposite
        side" count), ``expected`` (e + p (1 - 2e): where it drifts to),
        ``true_rate`` and ``corrected`` (A's rate corrected with the measured
        kappa, :func:`casekit.sensitivity.sensitivity`).
    """
    cases = truth(n_cases, true_rate, seed)
    rows = []
    for kappa in kappas:
        called = examine(cases, kappa, seed)
        measured = cohen(square_table(called["a"], called["b"], SIDES))
        k = int((called["a"] != called["pain_side"]).sum())
        n = len(called)
        ci = wilson(k, n)
        fixed = sensitivity(k, n, measured.kappa, measured.ci_low, measured.ci_high)
        e = error_rate(kappa)
        rows.append(
            {
                "kappa": kappa,
                "error": e,
                "measured_kappa": measured.kappa,
                "kappa_low": measured.ci_low,
                "kappa_high": measured.ci_high,
                "k": k,
                "n": n,
                "proportion": ci.proportion,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "expected": e + true_rate * (1 - 2 * e),
                "true_rate": true_rate,
                "corrected": fixed.rate,
            }
        )
    return pd.DataFrame(rows)


def kappa_interval(pairs: int, kappa: float) -> tuple[float, float]:
    """Cohen's kappa's 95 % interval (statsmodels) for ``pairs`` blinded pairs of
    left/right calls whose true kappa is ``kappa``: the table a balanced cohort
    gives on average, each examiner wrong with the implied probability."""
    e = error_rate(kappa)
    agree = (1 - e) ** 2 + e**2
    same = round(pairs * agree / 2)
    differ = round(pairs * (1 - agree) / 2)
    result = cohen(np.array([[same, differ], [differ, pairs - 2 * differ - same]]))
    return result.ci_low, result.ci_high


def pairs_needed(kappa: float, exclude: float = 0.2, most: int = 5000) -> int | None:
    """The fewest blinded pairs whose kappa interval leaves ``exclude`` out (below
    it), at a true ``kappa``; None when even ``most`` pairs do not."""
    if kappa <= exclude:
        return None
    for pairs in range(10, most + 1):
        low, _ = kappa_interval(pairs, kappa)
        if low > exclude:
            return pairs
    return None


def corrected_rates(observed: float, kappas=KAPPAS) -> pd.DataFrame:
    """The true rate an observed one stands for at each kappa (NaN: any)."""
    return pd.DataFrame(
        {
            "kappa": list(kappas),
            "error": [error_rate(k) for k in kappas],
            "true_rate": [corrected(observed, error_rate(k)) for k in kappas],
        }
    )
