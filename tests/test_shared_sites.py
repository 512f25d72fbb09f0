"""A suppressed site's counts cannot be worked back from the other numbers of a
shared report: the pooled row and the other sites' rows show only what their
rounded counts give, and beside exact pooled counts no site row is hidden alone.

The reviewer's case, synthetic: the 300 demo cases, and a practice of 10 merged
in as a second site whose "SI opposite" is 3 of 4."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportion_confint

from casekit import Store
from casekit.disclosure import NHS, SUPPRESSED, safe_table
from casekit.io.pool import merge
from casekit.patterns import pattern_table
from casekit.report import rates
from casekit.report.series import series_of
from casekit.sitewise import by_site
from casekit.synth import populate

SHOWN = ["proportion", "ci_low", "ci_high", "p_value"]


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pooled")
    with Store(folder / "b.db", create=True) as small:
        populate(small, 10, seed=10)
        site_b = pattern_table(small.frames()).set_index("pattern")
    assert site_b.loc["si_opposite", ["k", "n"]].tolist() == [3, 4]
    with Store(folder / "pooled.db", create=True, actor="casekit-demo") as store:
        populate(store, 300, seed=1)
        store.add_site("b")
        merge(store, folder / "b.db", "b")
        yield series_of(store.frames(), dictionary=store.dictionary)


def _row(k: int, n: int) -> pd.Series:
    """What the shared page shows of si_opposite at exact counts k of n, as the
    reader who knows the rule would compute it (scipy and statsmodels)."""
    low, high = proportion_confint(k, n, method="wilson")
    table = pd.DataFrame(
        {
            "k": [k],
            "n": [n],
            "proportion": [k / n],
            "ci_low": [low],
            "ci_high": [high],
            "comparator": [0.5],
            "p_value": [binomtest(k, n, 0.5).pvalue],
        }
    )
    return safe_table(table, NHS).table.iloc[0]


def _candidates(shown: pd.Series, statistics: bool) -> set[tuple[int, int]]:
    """Exact (k, n) that the page's row could come from: their counts round to
    those shown and (with ``statistics``) they give every statistic shown."""
    found = set()
    near_k = range(shown["k"] - 2, shown["k"] + 3)  # what rounds to 5 of them
    near_n = range(shown["n"] - 2, shown["n"] + 3)
    for k, n in itertools.product(near_k, near_n):
        if not 0 <= k <= n:
            continue
        row = _row(k, n)
        if row["k"] != shown["k"] or row["n"] != shown["n"]:
            continue
        if statistics and row[SHOWN].astype(float).tolist() != pytest.approx(
            shown[SHOWN].astype(float).tolist(), rel=1e-12
        ):
            continue
        found.add((k, n))
    return found


def _site_b(pooled_rows, site_a_rows) -> set[tuple[int, int]]:
    hidden = {
        (kp - ka, np_ - na)
        for (kp, np_), (ka, na) in itertools.product(pooled_rows, site_a_rows)
    }
    # The rows the rule would have suppressed: k, n or n - k from 1 to 7.
    return {
        (k, n)
        for k, n in hidden
        if 0 <= k <= n and any(NHS.is_small(c) for c in (k, n, n - k))
    }


def test_the_suppressed_site_cannot_be_worked_back_from_the_shared_page(pooled):
    pooled_row = rates.patterns(pooled, NHS).safe.table.set_index("pattern")
    pooled_row = pooled_row.loc["si_opposite"]
    sites = rates.by_site(pooled, NHS).safe.table
    sites = sites[sites["pattern"] == "si_opposite"].set_index("site")
    assert sites.loc["site B", "k"] == SUPPRESSED
    site_a = sites.loc["site A"]
    assert site_a["k"] != SUPPRESSED  # a rounded pooled row protects site B
    every_number = _site_b(
        _candidates(pooled_row, statistics=True),
        _candidates(site_a, statistics=True),
    )
    counts_only = _site_b(
        _candidates(pooled_row, statistics=False),
        _candidates(site_a, statistics=False),
    )
    assert (3, 4) in every_number and len(every_number) > 1
    # The rates, intervals and p-values tell the reader nothing the rounded
    # counts do not.
    assert every_number == counts_only


def test_shown_statistics_are_those_of_the_rounded_counts(pooled):
    pooled_row = rates.patterns(pooled, NHS).safe.table.set_index("pattern")
    sites = rates.by_site(pooled, NHS).safe.table
    site_a = sites[sites["pattern"] == "si_opposite"].iloc[0]
    for row in (pooled_row.loc["si_opposite"], site_a):
        k, n = int(row["k"]), int(row["n"])
        assert k % 5 == 0 and n % 5 == 0
        low, high = proportion_confint(k, n, method="wilson")
        expected = [k / n, low, high, binomtest(k, n, 0.5).pvalue]
        assert row[SHOWN].astype(float).tolist() == pytest.approx(expected)


def test_beside_exact_pooled_counts_no_site_row_is_hidden_alone(pooled):
    # An analyst's `casekit patterns --by site`: the pooled rows are exact.
    table = by_site(pooled.frames).table
    hidden = (table["k"] == SUPPRESSED).groupby(table["pattern"]).sum()
    assert hidden["si_opposite"] == 2
    assert set(hidden) <= {0, 2}  # two sites: none or both
