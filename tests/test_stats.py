"""The statistics wrappers give exactly what statsmodels and scipy give."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats.contingency import odds_ratio
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from casekit import stats

# The literature counts of the domain brief, with their published Wilson intervals.
REFERENCE = [
    (283, 465, 0.5635, 0.6519),  # Cagnie 2004
    (85, 280, 0.2527, 0.3598),  # Hurwitz 2005
    (15, 16, 0.7167, 0.9889),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), REFERENCE)
def test_wilson_equals_statsmodels_and_the_reference_values(k, n, low, high):
    share = stats.wilson(k, n)
    lib_low, lib_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert share.low == pytest.approx(lib_low, abs=1e-12)
    assert share.high == pytest.approx(lib_high, abs=1e-12)
    assert share.proportion == pytest.approx(k / n)
    assert round(share.low, 4) == low
    assert round(share.high, 4) == high


def test_wilson_is_vectorised_and_gives_nan_for_an_empty_denominator():
    k = np.array([283, 85, 15, 0])
    n = np.array([465, 280, 16, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warning leaks out either
        share = stats.wilson(k, n)
    lib_low, lib_high = proportion_confint(k[:3], n[:3], method="wilson")
    np.testing.assert_allclose(share.low[:3], lib_low)
    np.testing.assert_allclose(share.high[:3], lib_high)
    assert np.isnan(share.proportion[3]) and np.isnan(share.low[3])
    assert all(math.isnan(v) for v in stats.wilson(0, 0))


def test_wilson_other_confidence_level():
    low, high = proportion_confint(15, 16, alpha=0.1, method="wilson")
    share = stats.wilson(15, 16, confidence=0.9)
    assert (share.low, share.high) == pytest.approx((low, high))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        (283, 465, 0.5),
        (85, 280, 0.33),
        (15, 16, 0.5),
        (520, 751, (342 + 178) / 751),
        (0, 5, 0.5),
    ],
)
def test_binomial_p_equals_scipy(k, n, p):
    assert stats.binomial_p(k, n, p) == sps.binomtest(k, n, p).pvalue


def test_binomial_p_known_values():
    # Two-sided exact test of 15 of 16 against a half: 2 * 17 / 2**16.
    assert stats.binomial_p(15, 16) == pytest.approx(34 / 2**16)
    assert round(stats.binomial_p(283, 465), 6) == round(
        sps.binomtest(283, 465, 0.5).pvalue, 6
    )
    assert stats.binomial_p(15, 16, alternative="greater") == pytest.approx(17 / 2**16)


def test_binomial_p_is_nan_when_there_is_nothing_to_test():
    assert math.isnan(stats.binomial_p(0, 0))
    assert math.isnan(stats.binomial_p(3, 5, float("nan")))


def test_fisher_equals_scipy():
    table = [[12, 5], [7, 14]]
    result = stats.fisher(table)
    assert result.p_value == sps.fisher_exact(table).pvalue
    expected = odds_ratio(table)
    ci = expected.confidence_interval()
    assert result.odds_ratio == expected.statistic
    assert (result.ci_low, result.ci_high) == (ci.low, ci.high)
    assert result.ci_low < result.odds_ratio < result.ci_high


def test_fisher_with_an_empty_row_is_nan_and_a_bad_shape_is_refused():
    assert all(math.isnan(v) for v in stats.fisher([[0, 0], [3, 4]]))
    assert all(math.isnan(v) for v in stats.fisher([[0, 0], [0, 0]]))
    with pytest.raises(ValueError, match="2 x 2"):
        stats.fisher([[1, 2, 3], [4, 5, 6]])


def test_kaplan_meier_equals_scipy_and_statsmodels():
    # Flare durations in hours; False = still going on when reported (censored).
    time = [2, 5, 5, 8, 12, 12, 20, 24, 30, 48]
    seen = [True, True, False, True, True, True, False, True, False, True]
    curve = stats.kaplan_meier(time, seen)
    assert list(curve.columns) == stats.KM_COLUMNS
    assert curve["time"].tolist() == [2, 5, 8, 12, 20, 24, 30, 48]
    assert curve["at_risk"].tolist() == [10, 9, 7, 6, 4, 3, 2, 1]
    assert curve["events"].tolist() == [1, 1, 1, 2, 0, 1, 0, 1]

    data = sps.CensoredData(
        uncensored=[t for t, s in zip(time, seen, strict=True) if s],
        right=[t for t, s in zip(time, seen, strict=True) if not s],
    )
    sf = sps.ecdf(data).sf
    np.testing.assert_allclose(curve["survival"], sf.evaluate(curve["time"]))
    with warnings.catch_warnings():  # undefined where survival reaches 0
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sf.confidence_interval(0.95, method="log-log")
    np.testing.assert_allclose(
        curve["ci_low"][:-1], ci.low.evaluate(curve["time"])[:-1]
    )
    np.testing.assert_allclose(curve["cumulative_incidence"], 1 - curve["survival"])

    # statsmodels agrees at its event times.
    other = SurvfuncRight(np.array(time, float), np.array(seen, int))
    at_events = curve[curve["events"] > 0]
    np.testing.assert_allclose(at_events["survival"], other.surv_prob)
    np.testing.assert_allclose(at_events["at_risk"], other.n_risk)
    # Hand check of the first two steps: 9/10, then 9/10 * 8/9.
    assert curve["survival"].iloc[:2].tolist() == pytest.approx([0.9, 0.8])


def test_kaplan_meier_edge_cases():
    empty = stats.kaplan_meier([], [])
    assert empty.empty and list(empty.columns) == stats.KM_COLUMNS
    censored = stats.kaplan_meier([3, 6], [False, False])
    assert censored["survival"].tolist() == [1.0, 1.0]
    assert censored["events"].tolist() == [0, 0]
    skipped = stats.kaplan_meier([1, None, 4], [True, True, None])
    assert skipped["time"].tolist() == [1.0]
    # A Series with its own index is taken in order, never aligned on the index.
    series = stats.kaplan_meier(pd.Series([5.0, 2.0], index=[7, 3]), [True, False])
    assert series["events"].tolist() == [0, 1]


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjust_equals_multipletests_and_leaves_nan_alone(method):
    p = [0.01, np.nan, 0.04, 0.03, np.nan, 0.5]
    adjusted = stats.adjust(p, method)
    expected = multipletests([0.01, 0.04, 0.03, 0.5], method=method)[1]
    np.testing.assert_allclose(adjusted[[0, 2, 3, 5]], expected)
    assert np.isnan(adjusted[[1, 4]]).all()
    assert np.isnan(stats.adjust([np.nan])).all()
    assert stats.adjust([]).size == 0


def test_adjust_hands_every_object_back_to_the_collector():
    import gc

    p = [0.01, float("nan"), 0.04, 0.03]
    assert gc.get_freeze_count() == 0
    adjusted = stats.adjust(p)
    assert gc.get_freeze_count() == 0
    expected = multipletests([0.01, 0.04, 0.03], method="holm")[1]
    np.testing.assert_allclose(adjusted[[0, 2, 3]], expected)
    assert np.isnan(adjusted[1])
