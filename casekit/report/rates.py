"""The report's rates: the pre-stated patterns, recurrence per patient, outcomes
by upstream treatment, and the body chain, each through disclosure control.

Every function takes a :class:`~casekit.report.series.CaseSeries` and a disclosure
:class:`~casekit.disclosure.Rule` (:data:`~casekit.disclosure.NHS` to share,
:data:`~casekit.report.series.EXACT` for the practitioner's own report) and returns a
:class:`~casekit.report.markup.Shown` whose ``safe.table`` the figures draw. A rate
row with a small ``k``, ``n`` or ``n - k`` is suppressed whole; rates that stay are
computed from the exact counts.
"""

from __future__ import annotations

import pandas as pd

from ..chain import chain_sides
from ..disclosure import Rule, SafeTable, safe_table
from ..labels import display_values, finding_label, percent
from ..patterns import (
    PATTERNS,
    pattern_table,
    recurrence_table,
    with_adjusted_p,
)
from .markup import Shown, p_value, shown
from .series import RATES, CaseSeries, partition, rate_columns


def patterns(series: CaseSeries, rule: Rule) -> Shown:
    """The pre-stated patterns with their comparators.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        ``safe.table`` is :func:`casekit.patterns.with_adjusted_p` of the pattern
        table (Holm, over the exact p-values), through
        :func:`~casekit.disclosure.safe_table`: a row with a small ``k``, ``n`` or
        ``n - k`` loses its counts, rate, interval and p-values to ``*``. Shown:
        ``Pattern, k / n, Rate, 95 % interval, Compared with, p, p (Holm)`` and a
        word on small denominators; each row's ``data-key`` is the pattern id.
        The table's notes (which hold counts) are not shown.
    """
    table = with_adjusted_p(pattern_table(series.frames))
    safe = safe_table(table, rule, derived=RATES)
    tested = {p.id: p.tested for p in PATTERNS}
    frame = rate_columns(safe.table, "Pattern", safe.table["label"])
    frame.insert(
        4,
        "Compared with",
        [
            "" if pd.isna(c) else percent(c) + ("" if tested[p] else " (literature)")
            for p, c in zip(table["pattern"], table["comparator"], strict=True)
        ],
    )
    frame.insert(5, "p", safe.table["p_value"].map(p_value).to_numpy())
    frame.insert(6, "p (Holm)", safe.table["p_adjusted"].map(p_value).to_numpy())
    return shown(
        frame,
        safe,
        "patterns",
        pairs=["k / n"],
        row_keys=table["pattern"].tolist(),
        caption="The pre-stated patterns",
    )


def recurrence(series: CaseSeries, rule: Rule) -> Shown:
    """Recurrence counted per patient.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        :func:`casekit.patterns.recurrence_table` made safe as in
        :func:`patterns`: ``Per patient, k / n, Rate, 95 % interval``.
    """
    table = recurrence_table(series.frames)
    safe = safe_table(table, rule, derived=RATES)
    frame = rate_columns(safe.table, "Per patient", safe.table["label"])
    return shown(
        frame, safe, "recurrence", pairs=["k / n"], row_keys=table["pattern"].tolist()
    )


def outcomes(series: CaseSeries, rule: Rule, by: str = "upstream_treated") -> Shown:
    """Improved, and improvement held, split by ``by`` (observational).

    Parameters
    ----------
    series : CaseSeries
    rule : Rule
    by : str, default "upstream_treated"
        A case column to split by.

    Returns
    -------
    Shown
        ``safe.table``: the ``improved`` and ``improvement_held`` rows of
        ``pattern_table(frames, by=by)``, safe; shown as ``Group, Outcome, k / n,
        Rate, 95 % interval``.
    """
    table = pattern_table(series.frames, by=by)
    table = table[table["pattern"].isin(["improved", "improvement_held"])]
    safe = safe_table(table.reset_index(drop=True), rule, derived=RATES)
    frame = rate_columns(safe.table, "Outcome", safe.table["label"])
    frame.insert(0, "Group", display_values(safe.table, by, series.dictionary))
    return shown(frame, safe, "outcomes", pairs=["k / n"])


def chain(series: CaseSeries, rule: Rule) -> Shown:
    """Each link of the body chain on the pain side and the other side.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        ``safe.table``: :func:`casekit.chain.chain_sides` made safe (what
        :func:`casekit.figures.plots.body_chain` draws); shown as ``Finding, Side,
        k / n, Rate, 95 % interval``.
    """
    safe = safe_table(chain_sides(series.frames), rule, derived=RATES)
    links = [finding_label("case", x, series.dictionary) for x in safe.table["link"]]
    frame = rate_columns(safe.table, "Finding", links)
    frame.insert(1, "Side", safe.table["side"].astype(str).str.capitalize().to_numpy())
    return shown(frame, safe, "chain", pairs=["k / n"])


def chain_links(series: CaseSeries, rule: Rule) -> Shown:
    """How many of the five chain links sit on the pain side, case by case.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        One row per number of links (0 to 5) over one-sided cases: a partition,
        made safe as one (:func:`partition`).
    """
    links = series.frames["case"]["chain_links"].dropna().astype(int)
    counts = links.value_counts().reindex(range(6), fill_value=0)
    counts.index = [str(i) for i in range(6)]
    parts, safe = partition(counts, rule)
    frame = rate_columns(
        parts.reset_index(drop=True), "Links on the pain side (of 5)", counts.index
    )
    frame = frame.drop(columns=[""])
    return shown(
        frame, SafeTable(parts, safe.suppressed, rule), "links", pairs=["k / n"]
    )
