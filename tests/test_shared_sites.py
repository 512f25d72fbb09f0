"""A suppressed row of a split cannot be worked back from the other numbers of a
shared report: the pooled row and the other rows show only what their rounded (or,
under a threshold rule, exact) counts give, and in a split whose pooled row is
shown, exact or rounded, no row is hidden alone, in the shared report as in
``casekit patterns --by site`` and an analyst's full report.

The reviewer's case, synthetic: the 300 demo cases, and a practice of 10 merged
in as a second site whose "SI opposite" is 3 of 4. Rounding the pooled row to 5 was
once taken to protect a lone hidden site: it does not (pooled less site A is site
B's count to within 4, so a reader knows it is small)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from reader import possible_values, what_a_reader_holds
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportion_confint
from stores import frames_of

from casekit import Store
from casekit.disclosure import NHS, SUPPRESSED, Rule, safe_table, threshold
from casekit.io.pool import merge
from casekit.patterns import pattern_table
from casekit.privacy import neutral_sites
from casekit.report import rates
from casekit.report.markup import Shown
from casekit.report.series import EXACT, series_of
from casekit.sitewise import by_site
from casekit.synth import cohort, populate

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


def _read(pair: str) -> tuple[int, int] | None:
    """A rendered ``k / n`` cell: the two counts, or None where it is ``*``."""
    if pair == SUPPRESSED:
        return None
    k, n = pair.split(" / ")
    return int(k), int(n)


def _small(k: int, n: int, rule: Rule) -> bool:
    """Whether the rule suppresses a row of k of n on its own (primary)."""
    return any(rule.is_small(c) for c in (k, n, n - k))


def _exact(count: int, rule: Rule) -> list[int]:
    """The exact counts a shown count can come from under the rule."""
    near = range(max(count - rule.round_to, 0), count + rule.round_to + 1)
    return [c for c in near if not rule.is_small(c) and rule.round(c) == count]


def _could_be(pair: tuple[int, int], rule: Rule) -> set[tuple[int, int]]:
    """The exact (k, n) of a shown row: counts that show as it does, in a row the
    rule would show."""
    k, n = pair
    return {
        (a, b)
        for a, b in itertools.product(_exact(k, rule), _exact(n, rule))
        if a <= b and not _small(a, b, rule)
    }


def _worked_back(pooled_rows, shown_rows, hidden: int, rule: Rule):
    """Every (k, n) one hidden row of a split could have, to a reader who knows
    the rule, the pooled row (``pooled_rows``: what it could be), the shown rows
    of the split (each a set of what it could be) and how many are hidden: the
    hidden rows add up to the pooled row less the shown ones; a lone hidden row
    is small, and of two hidden rows at least one is (the other may be hidden
    only to protect it)."""
    assert hidden in (1, 2)
    rests = set()
    for (kp, np_), *rows in itertools.product(pooled_rows, *shown_rows):
        rests.add((kp - sum(k for k, _ in rows), np_ - sum(n for _, n in rows)))
    found = set()
    for rest_k, rest_n in rests:
        if hidden == 1:
            if 0 <= rest_k <= rest_n and _small(rest_k, rest_n, rule):
                found.add((rest_k, rest_n))
            continue
        for k, n in itertools.product(range(rest_k + 1), range(rest_n + 1)):
            other_k, other_n = rest_k - k, rest_n - n
            if k <= n and other_k <= other_n:
                if _small(k, n, rule) or _small(other_k, other_n, rule):
                    found.add((k, n))
    return found


def _assert_left_open(candidates: set, truth: tuple[int, int], rule: Rule) -> None:
    """The shown numbers leave a hidden row's counts open: its true counts among
    several k and several n, some of them counts the rule would have shown (a
    reader cannot even tell that this row is the small one)."""
    assert truth in candidates
    assert len({k for k, _ in candidates}) > 1, candidates
    assert len({n for _, n in candidates}) > 1, candidates
    assert any(not _small(k, n, rule) for k, n in candidates), candidates


def _pooled_pair(patterns: Shown, pattern: str) -> tuple[int, int]:
    """The pattern's pooled ``k / n`` as the report renders it."""
    row = patterns.row_keys.index(pattern)
    return _read(patterns.frame.at[row, "k / n"])


def test_the_suppressed_site_cannot_be_worked_back_from_the_shared_page(pooled):
    patterns = rates.patterns(pooled, NHS)
    pooled_row = patterns.safe.table.set_index("pattern").loc["si_opposite"]
    label = patterns.frame.at[patterns.row_keys.index("si_opposite"), "Pattern"]
    sites = rates.by_site(pooled, NHS).frame
    sites = sites[sites["Pattern"] == label].set_index("Site")["k / n"].map(_read)
    assert sites["site B"] is None
    # The pooled row's rates, interval and p-value tell the reader nothing its
    # rounded counts do not.
    known = _candidates(pooled_row, statistics=True)
    assert known == _candidates(pooled_row, statistics=False)
    shown = [_could_be(pair, NHS) for pair in sites if pair is not None]
    hidden = int(sites.isna().sum())
    site_b = _worked_back(known, shown, hidden, NHS)
    # Before the fix site A's row (75 / 115) was shown beside the pooled 75 / 120:
    # site B was 0 to 4 of 1 to 9, small whichever.
    _assert_left_open(site_b, (3, 4), NHS)


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_outcomes_by_upstream_treatment_cannot_be_worked_back(pooled, rule):
    # The groups (treated upstream, not, not recorded) of each outcome add up
    # to its row of the pattern table: exact under a threshold rule.
    patterns = rates.patterns(pooled, rule)
    outcomes = rates.outcomes(pooled, rule)
    exact = pattern_table(pooled.frames, by="upstream_treated")
    exact = exact[exact["pattern"].isin(["improved", "improvement_held"])]
    exact = exact.reset_index(drop=True)
    checked = 0
    for pattern in ("improved", "improvement_held"):
        rows = exact.index[exact["pattern"] == pattern]
        pairs = outcomes.frame.loc[rows, "k / n"].map(_read)
        hidden = pairs.index[pairs.isna()]
        if not len(hidden):
            continue
        checked += 1
        pooled_rows = _could_be(_pooled_pair(patterns, pattern), rule)
        shown = [_could_be(pair, rule) for pair in pairs.dropna()]
        for row in hidden:
            truth = tuple(int(c) for c in exact.loc[row, ["k", "n"]])
            found = _worked_back(pooled_rows, shown, len(hidden), rule)
            _assert_left_open(found, truth, rule)
    assert checked  # the synthetic cases do hide a group


def test_shown_statistics_are_those_of_the_rounded_counts(pooled):
    pooled_row = rates.patterns(pooled, NHS).safe.table.set_index("pattern")
    sites = rates.by_site(pooled, NHS).safe.table.set_index("pattern")
    # A site row tested against 50 % and shown (si_opposite is hidden now).
    site_a = sites.loc["plantar_same_side"].iloc[0]
    assert site_a["site"] == "site A" and site_a["k"] != SUPPRESSED
    for row in (pooled_row.loc["si_opposite"], site_a):
        k, n = int(row["k"]), int(row["n"])
        assert k % 5 == 0 and n % 5 == 0
        low, high = proportion_confint(k, n, method="wilson")
        expected = [k / n, low, high, binomtest(k, n, 0.5).pvalue]
        assert row[SHOWN].astype(float).tolist() == pytest.approx(expected)


def _lone(table: pd.DataFrame) -> pd.Series:
    """How many rows of each pattern are hidden."""
    return (table["k"] == SUPPRESSED).groupby(table["pattern"]).sum()


def test_beside_exact_pooled_counts_no_site_row_is_hidden_alone(pooled):
    # An analyst's `casekit patterns --by site`: the pooled rows are exact.
    hidden = _lone(by_site(pooled.frames).table)
    assert hidden["si_opposite"] == 2
    assert set(hidden) <= {0, 2}  # two sites: none or both


@pytest.mark.parametrize("rule", [NHS, threshold(10)], ids=["nhs", "threshold"])
def test_the_shared_report_hides_site_rows_as_the_cli_does(pooled, rule):
    # Beside the pooled row, rounded or exact: never one site row alone.
    shared = rates.by_site(pooled, rule).safe.table
    assert set(_lone(shared)) <= {0, 2}
    if rule is NHS:  # the CLI's rule: the same cells hidden, the same counts
        cli = by_site(pooled.frames).table
        names = dict(
            zip(
                pooled.frames["case"]["site"],
                neutral_sites(pooled.frames["case"]["site"]),
                strict=True,
            )
        )
        cli = cli.assign(site=cli["site"].map(names))
        key = ["site", "pattern"]
        shared = shared.sort_values(key).reset_index(drop=True)
        cli = cli.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(shared, cli, check_dtype=False)


def test_the_full_reports_are_unchanged(pooled):
    # A network analyst's full report: each site's counts through the CLI's
    # rule (sites by their codes), the pooled and the outcome rows exact.
    analyst = replace(pooled, pooled=True)
    sites = rates.by_site(analyst, EXACT).safe.table
    pd.testing.assert_frame_equal(sites, by_site(pooled.frames).table)
    exact = pattern_table(pooled.frames, by="upstream_treated")
    exact = exact[exact["pattern"].isin(["improved", "improvement_held"])]
    for cases in (pooled, analyst):
        outcomes = rates.outcomes(cases, EXACT).safe.table
        assert outcomes[["k", "n"]].to_numpy().tolist() == (
            exact[["k", "n"]].to_numpy().tolist()
        )
    # A practitioner's own full report: every site's exact counts.
    own = rates.by_site(pooled, EXACT).safe.table
    split = pattern_table(pooled.frames, by="site")
    assert own[["site", "pattern", "k", "n"]].to_numpy().tolist() == (
        split[["site", "pattern", "k", "n"]].to_numpy().tolist()
    )


# -- an empty site row never protects a hidden one -----------------------------------


@pytest.fixture(scope="module")
def new_site():
    """150 synthetic cases at three sites: site c (25 cases) keeps its held
    improvement to 14 of 23, site b (6 cases) joined lately and has no follow-up
    yet, so every outcome row of it is 0 of 0."""
    frames = frames_of(cohort(150, seed=1))
    case = frames["case"].copy()
    ids = case["case_id"].tolist()
    case["site"] = ["c"] * 25 + ["a"] * (len(case) - 31) + ["b"] * 6
    followup = frames["followup"]
    followup = followup[~followup["case_id"].isin(ids[-6:])]
    return series_of({**frames, "case": case, "followup": followup})


def test_an_empty_site_row_is_never_the_second_hidden_one(new_site):
    rule = threshold(10)
    exact = pattern_table(new_site.frames, by="site").set_index(["pattern", "site"])
    assert exact.loc["improvement_held", ["k", "n"]].to_numpy().tolist() == [
        [63, 86],
        [0, 0],
        [14, 23],
    ]
    pooled = rates.patterns(new_site, rule).safe.table.set_index("pattern")
    sites = by_site(new_site.frames, rule).table.set_index(["pattern", "site"])
    held, improved = sites.loc["improvement_held"], sites.loc["improved"]
    # What a reader holds: per site k and n of held improvement (a, b, c), each
    # k at most its n; the pooled row and the site rows shown; and, from the
    # improved rows, that a site's cases improved earlier are among those with
    # an outcome (b's "0 / 0" there says its held row is 0 of 0 too).
    forms, shown = [], []
    for column, (k, n) in enumerate(held[["k", "n"]].to_numpy()):
        forms += [np.eye(6)[2 * column], np.eye(6)[2 * column + 1]]
        shown += [k, n]
    forms += [np.tile([1, 0], 3), np.tile([0, 1], 3)]
    shown += pooled.loc["improvement_held", ["k", "n"]].tolist()
    rows, lo, hi = what_a_reader_holds(forms, shown, rule)
    for column, n in enumerate(improved["n"]):
        rows.append(np.eye(6)[2 * column] - np.eye(6)[2 * column + 1])
        lo.append(-np.inf), hi.append(0)
        if n != SUPPRESSED:  # rounded: within half the rounding
            top = n + (0 if n == 0 else rule.round_to // 2)
            rows.append(np.eye(6)[2 * column + 1]), lo.append(0), hi.append(top)
    # Before, b's 0 of 0 was hidden beside c's: pooled 77 of 109 less a's 63 of
    # 86 was c's 14 of 23 exactly, 9 without a held improvement.
    found = possible_values(rows, lo, hi, np.eye(6)[5] - np.eye(6)[4])
    assert len(found) > 1 and max(found) > rule.suppress_max, found
