"""A shared report's p-values are those of its rounded counts (exact 73 / 117 gives
p 0.009, Holm 0.047; shown 75 / 115 gives p 0.001, Holm 0.007): the table says so,
and where to judge significance, so that no reader takes them for the exact ones."""

from __future__ import annotations

from dataclasses import replace

import pytest
from stores import frames_of

from casekit.disclosure import NHS, threshold
from casekit.report import rates
from casekit.report.markup import to_html
from casekit.report.series import EXACT, series_of
from casekit.synth import cohort

NOTE = "computed from the rounded counts shown"


@pytest.fixture(scope="module")
def series():
    return series_of(frames_of(cohort(60, seed=4)))


def test_the_shared_pattern_table_says_its_p_values_are_of_rounded_counts(series):
    shared = rates.patterns(series, NHS)
    assert NOTE in shared.notes and "Judge significance from the full report" in (
        shared.notes
    )
    assert NOTE in to_html(shared)  # below the table itself


def test_no_such_note_where_nothing_is_rounded(series):
    assert rates.patterns(series, EXACT).notes == ""
    assert rates.patterns(series, threshold(10)).notes == ""


@pytest.fixture(scope="module")
def two_sites():
    records = cohort(120, seed=4)
    for case in records["case"][::2]:
        case["site"] = "b"
    return series_of(frames_of(records))


def test_an_analysts_full_report_says_its_site_rates_are_of_rounded_counts(two_sites):
    # A network analyst's full report: exact, except each site's counts, which
    # are made safe (series.site_rule), so that its rates are those of rounded
    # counts too.
    analyst = replace(two_sites, pooled=True)
    sites = rates.by_site(analyst, EXACT)
    assert sites.safe.table["k"].dropna().map(lambda k: k == "*" or k % 5 == 0).all()
    assert NOTE in sites.notes and "The pooled rates above are exact" in sites.notes
    assert NOTE in to_html(sites)
    # The pooled table of the same report is exact: no note there.
    assert rates.patterns(analyst, EXACT).notes == ""


def test_a_practitioners_full_report_of_several_sites_has_no_such_note(two_sites):
    # Their own cases, every site's counts exact.
    assert not two_sites.pooled
    assert rates.by_site(two_sites, EXACT).notes == ""
    shared = rates.by_site(two_sites, NHS).notes
    assert NOTE in shared and "Judge significance from the full report" in shared
