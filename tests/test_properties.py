"""Every page works on the data a practitioner really has: property tests.

Hypothesis draws small valid stores (:func:`stores.stores`: 0 to 40 cases, any mix of
missing exams, sides, sessions, follow-ups, flares, statuses and withdrawn cases) and
puts each through the functions behind the pages: ``derive``, the pattern tables,
every figure, the report's tables and sentences, in full and shared, and the
explorer with its filters and splits. None may raise,
and every count a shared table or figure shows is 0, ``*`` or a multiple of 5.
A failing example prints the store it drew (``note``).

The budget is fixed (``derandomize``: the same examples on every run, no database
of past failures): many cheap examples through the functions here; the commands and
the notebooks run on a handful of stores in ``tests/test_shapes.py``.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, Phase, given, note, settings  # noqa: E402
from stores import frames_of, shown, stores  # noqa: E402

from casekit.agreement import agreement_table, pairs  # noqa: E402
from casekit.chain import chain_distribution, chain_sides  # noqa: E402
from casekit.derive import derive  # noqa: E402
from casekit.dictionary import load_dictionary  # noqa: E402
from casekit.disclosure import NHS, SUPPRESSED  # noqa: E402
from casekit.figures import plots  # noqa: E402
from casekit.figures.bars import not_yet_text  # noqa: E402
from casekit.labels import NOT_YET  # noqa: E402
from casekit.patterns import (  # noqa: E402
    PATTERNS,
    SPLITS,
    flare_curve,
    pattern_table,
    recurrence_table,
    with_adjusted_p,
)
from casekit.reactions import reactions  # noqa: E402
from casekit.readable import rate_table  # noqa: E402
from casekit.report import figures as safe_figures  # noqa: E402
from casekit.report import rates, series, text, timing  # noqa: E402
from casekit.report.agreement import agreement  # noqa: E402
from casekit.report.markup import COUNT, KN, to_html  # noqa: E402
from casekit.report.series import EXACT  # noqa: E402
from casekit.ui.explore import Explorer  # noqa: E402

# HYPOTHESIS_PROFILE=explore: no shrinking, to see a failure at once while working.
settings.register_profile("explore", phases=[Phase.explicit, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def budget(examples: int):
    """A fixed budget: the same ``examples`` stores on every run, however slow."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _drawn(store) -> dict[str, pd.DataFrame]:
    records, withdrawn = store
    note(shown(records, withdrawn))
    return frames_of(records, withdrawn)


def _safe(text: str) -> bool:
    """0, * or a multiple of 5 (each side of a k / n)."""
    parts = [p.strip() for p in str(text).split("/")]
    return all(p == "*" or (p.isdigit() and int(p) % 5 == 0) for p in parts)


@budget(60)
@given(stores())
def test_derive_and_the_pattern_tables_hold_for_any_store(store):
    frames = _drawn(store)
    d = derive(frames)
    assert [len(d[f]) for f in d] == [len(frames[f]) for f in frames]
    for by in (None, *SPLITS):
        table = with_adjusted_p(pattern_table(d, by=by))
        assert ((0 <= table["k"]) & (table["k"] <= table["n"])).all()
        assert table.loc[table["n"] == 0, "proportion"].isna().all()
        assert len(rate_table(table, by=by)) == len(table)
    assert len(pattern_table(d)) == 10
    recurrence = recurrence_table(d)
    assert ((0 <= recurrence["k"]) & (recurrence["k"] <= recurrence["n"])).all()
    sides = chain_sides(d)
    assert ((0 <= sides["k"]) & (sides["k"] <= sides["n"])).all()
    links = chain_distribution(d)
    complete = (d["case"]["chain_links_known"] == 5).sum()
    assert links["k"].sum() == links["n"].iat[0] == complete
    for measure in ("onset", "duration"):
        curve = flare_curve(d, measure=measure)
        assert curve["cumulative_incidence"].between(0, 1).all()
    assert reactions(d)["Source"].tolist().count("This practice") == 2


def _report(cases, rule) -> tuple[list, list]:
    """The tables and the sentences of the report, as 04_share_report makes them."""
    patterns = rates.patterns(cases, rule)
    recurrence = rates.recurrence(cases, rule)
    onset = timing.flare_windows(cases, rule)
    lasted = timing.flare_windows(cases, rule, measure="duration")
    tables = [
        series.flow(cases, rule),
        series.baseline(cases, rule),
        patterns,
        rates.chain(cases, rule),
        rates.chain_links(cases, rule),
        timing.pain_course(cases, rule),
        rates.outcomes(cases, rule),
        recurrence,
        onset,
        lasted,
        agreement(cases, rule),
    ]
    prose = [
        text.banner(rule),
        text.setting(cases, rule),
        text.eligibility(cases, rule),
        text.pattern_notes(patterns),
        text.literature_table(patterns, recurrence, onset, lasted),
        text.anonymisation(rule, tables),
    ]
    return tables, prose


@budget(40)
@given(stores())
def test_the_report_tables_hold_for_any_store_and_the_shared_ones_are_safe(store):
    records, withdrawn = store
    cases = series.series_of(_drawn(store), withdrawn=len(withdrawn))
    full, _ = _report(cases, EXACT)
    assert full[0].safe.table["Cases"].sum() == len(records["case"])  # each once
    # The flow's "with an outcome" is the fared table's: one definition.
    fared = rates.fared(cases, EXACT).safe.table
    with_outcome = full[0].safe.table["Cases"].filter(like="With an outcome")
    assert with_outcome.tolist() == [fared["n"].iat[0]]
    sessions = cases.frames["session"]
    if not len(full[5].frame):  # the pain table says why it is empty
        missing = "pain" if len(sessions) else "session"
        assert full[5].notes == f"<p>{NOT_YET[missing]}.</p>"
    tables, prose = _report(cases, NHS)
    for shown_table in [*tables, *prose]:
        assert shown_table._repr_html_()
    for t in tables:
        assert to_html(t).startswith('<table class="casekit-table')
        for column in t.frame.columns:
            kinds = t.classes[column]
            cells = t.frame.loc[kinds.isin([COUNT, KN]), column].astype(str)
            assert all(_safe(c) for c in cells), (t.name, column, list(cells))
    # Examiner agreement beside rounded pairs is that of the rounded pairs.
    for row in tables[-1].safe.table.to_dict("records"):
        if SUPPRESSED not in (row["k"], row["n"]) and row["n"]:
            assert row["agreement"] == row["k"] / row["n"]


@budget(10)
@given(stores())
def test_every_figure_draws_any_store_and_says_when_there_is_nothing_yet(store):
    records, withdrawn = store
    d = derive(_drawn(store))
    table = with_adjusted_p(pattern_table(d))
    sessions, pain = len(d["session"]), d["session"]["nprs_before"].notna().any()
    sided = table[table["pattern"].isin(plots.SIDED)]["n"].sum() > 0
    onset, lasted = flare_curve(d), flare_curve(d, measure="duration")
    outcome = pattern_table(d, by="upstream_treated")
    improved = outcome[outcome["pattern"] == "improved"]["n"].sum() > 0
    one_sided = d["case"]["one_sided"].fillna(False).any()
    # Each figure of the notebooks, whether it has something to draw, and if not,
    # what it must say.
    figures = [
        (plots.pattern_rates(table), (table["n"] > 0).any(), "rates"),
        (plots.side_bars(table), sided, "one_sided"),
        (plots.body_chain(chain_sides(d)), one_sided, "one_sided"),
        (plots.nprs_course(d["session"]), pain, "pain" if sessions else "session"),
        (plots.flare_timing(onset), len(onset) > 0, "onset"),
        (plots.flare_timing(lasted, measure="duration"), len(lasted) > 0, "duration"),
        (plots.outcome_bars(outcome), improved, "outcome"),
    ]
    # The shared report's, drawn from its safe tables: only safe counts on them.
    cases = series.series_of(d, withdrawn=len(withdrawn))
    tables, _ = _report(cases, NHS)
    patterns, chain, pain_table, outcomes = (tables[i].safe.table for i in (2, 3, 5, 6))
    shared = [
        plots.pattern_rates(patterns),
        plots.side_bars(patterns),
        plots.body_chain(chain),
        safe_figures.pain_band(pain_table),
        plots.outcome_bars(outcomes),
        safe_figures.flare_windows(tables[8].safe.table),
        safe_figures.flare_windows(tables[9].safe.table, measure="duration"),
    ]
    recorded = d["session"][["nprs_before", "nprs_after"]].notna().any().any()
    figures.append((shared[3], recorded, "pain"))
    try:
        for ax, has_data, words in figures:
            ax.figure.canvas.draw()  # layout and text too: where an empty axis fails
            expected = "" if has_data else " ".join(NOT_YET[words].split())
            assert not_yet_text(ax) == expected, (words, has_data)
        for ax in shared:
            ax.figure.canvas.draw()
            for written in safe_figures.count_texts(ax):
                assert "not shown" in written or _safe(written), written
    finally:
        plt.close("all")  # each example's figures, failing or not


@budget(8)
@given(stores())
def test_the_explorer_follows_any_store(store):
    d = derive(_drawn(store))
    explorer = Explorer(frames=d)
    assert len(explorer.cases) == len(d["case"]) and len(explorer.table) == 10
    explorer.by.value = "upstream_treated"
    explorer.pattern.value = "improved"
    assert set(explorer.table["pattern"]) <= {p.id for p in PATTERNS}
    explorer.pattern.value = ""
    for dropdown in explorer.filters.values():
        # The last value offered: "Not recorded" where some case has none.
        dropdown.value = dropdown.options[-1][1]
        assert explorer.summary.value.endswith("cases pass the filters.")
        assert bytes(explorer.image.value).startswith(b"<?xml")
        dropdown.value = ""
    assert len(explorer.cases) == len(d["case"])


def test_a_failing_example_prints_its_store():
    """What Hypothesis prints on a failure: the drawn store, readable."""
    records = {
        "case": [{"case_id": "ABCDEF", "pain_side": "left", "nprs": 6}],
        "session": [],
        "followup": [],
    }
    printed = shown(records, {"ABCDEF"})
    assert "case (1):" in printed and "ABCDEF" in printed and "left" in printed
    assert "session (0):\n-" in printed and "withdrawn: ['ABCDEF']" in printed


@budget(40)
@given(stores(max_cases=12))
def test_pairs_and_the_table_hold_for_any_store(store):
    records, withdrawn = store
    exams = frames_of(records, withdrawn)["exam"]
    for kind in ("between", "within"):
        found = pairs(exams, kind)
        expected = 0  # every two exams of a case, by the rule, counted by hand
        for _, group in exams.groupby("case_id", observed=True):
            rows = group.to_dict("records")
            for i, a in enumerate(rows):
                for b in rows[i + 1 :]:
                    day = a["exam_date"] == b["exam_date"]
                    same = a["examiner"] == b["examiner"]
                    expected += (
                        (day and not same) if kind == "between" else (same and not day)
                    )
        assert len(found) == expected
    table = agreement_table(exams, load_dictionary())
    assert len(table) == 30 and (table["pairs"] >= 0).all()
    counted = table[table["pairs"] > 0]
    assert counted["agreement"].between(0, 1).all()
    assert (counted["pabak"] <= 1).all()
    alone = table.set_index(["finding", "kind", "blinded"])["pairs"].unstack()
    assert (alone["yes"] + alone["no"] == alone["all"]).all()
