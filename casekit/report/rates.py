"""The report's rates: the pre-stated patterns, recurrence per patient, outcomes
by upstream treatment, and the body chain, each through disclosure control.

Every function takes a :class:`~casekit.report.series.CaseSeries` and a disclosure
:class:`~casekit.disclosure.Rule` (:data:`~casekit.disclosure.NHS` to share,
:data:`~casekit.report.series.EXACT` for the practitioner's own report) and returns a
:class:`~casekit.report.markup.Shown` whose ``safe.table`` the figures draw. A rate
row with a small ``k``, ``n`` or ``n - k`` is suppressed whole; under a rule that
rounds, the rates that stay are computed from the rounded counts shown beside them.
"""

from __future__ import annotations

import pandas as pd

from .. import sitewise
from ..chain import chain_sides, complete_links
from ..disclosure import (
    SUPPRESSED,
    Rule,
    SafeTable,
    is_suppressed,
    safe_count,
    safe_table,
    small_reason,
)
from ..labels import finding_label
from ..outcomes import outcome_table
from ..patterns import pattern_table, recurrence_table, with_adjusted_p
from ..readable import rate_table
from .markup import Prose, Shown, shown
from .nested import safe_tails
from .series import EXACT, RATES, CaseSeries, partition, site_rule


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
    # No notes: they hold exact counts.
    frame = rate_table(safe.table, notes=False, small=True)
    return shown(
        frame,
        safe,
        "patterns",
        pairs=["k / n"],
        row_keys=table["pattern"].tolist(),
        caption="The pre-stated patterns",
        notes=from_rounded(rule),
    )


def from_rounded(rule: Rule) -> str:
    """The note beside a shared table of tested rates: its intervals and p-values
    are those of the rounded counts (:mod:`casekit.disclosure`), which can differ
    from the exact ones enough to cross 0.05 either way ("" when nothing is
    rounded)."""
    if rule is EXACT or rule.round_to == 1:
        return ""
    return (
        "<p>The rates, intervals and p-values of this shareable report are computed "
        "from the rounded counts shown, not from the exact ones, and can differ "
        "from those of the full report, p-values most of all. Judge significance "
        "from the full report.</p>"
    )


def by_site(series: CaseSeries, rule: Rule) -> Shown | Prose:
    """The pre-stated patterns site by site, when the cases come from several.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown or Prose
        :func:`casekit.sitewise.by_site` under :func:`~casekit.report.series.
        site_rule` (each site's counts made safe in a shared report and in a
        network analyst's full one; a site row is never suppressed alone beside
        the pooled one, exact or rounded: the rule of ``casekit patterns --by
        site``), sites named ``site A``, ``site B``, ... in
        a shared report; shown as ``Site, Pattern, k / n, Rate, 95 % interval,
        Compared with, p, p (Holm)``, and the note that the rates are of
        rounded counts where they are (:func:`from_rounded`,
        :func:`sites_rounded`). A sentence when there is one site.
    """
    if series.sites <= 1:
        return Prose(
            "<p>All the cases come from one site: the rates above are its own.</p>"
        )
    each = site_rule(series, rule)
    safe = sitewise.by_site(series.frames, each, neutral=rule is not EXACT)
    frame = rate_table(
        safe.table,
        by="site",
        dictionary=series.dictionary,
        notes=False,
        small=True,
        protecting=safe.protecting,
    )
    return shown(
        frame,
        safe,
        "sites",
        pairs=["k / n"],
        caption="The patterns, site by site",
        notes=from_rounded(rule) or sites_rounded(rule, each),
    )


def sites_rounded(rule: Rule, each: Rule) -> str:
    """The note beside the table site by site of a report whose ``rule`` is
    exact but whose sites' counts are made safe under ``each`` (a network
    analyst's full report: :func:`~casekit.report.series.site_rule`): its rates,
    intervals and p-values are those of the rounded counts shown ("" when the
    sites' counts are not rounded, or the whole report is shared and says so)."""
    if rule is not EXACT or each.round_to == 1:
        return ""
    return (
        "<p>Each site's counts in this table are made safe (small ones hidden, "
        f"the others rounded to the nearest {each.round_to}), though the rest "
        "of this report is exact: the rates, intervals and p-values of a site are "
        "computed from the rounded counts shown, not from the exact ones, and can "
        "differ from those of its exact counts, p-values most of all. The pooled "
        "rates above are exact.</p>"
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
        :func:`patterns`, and beside the series (:func:`_beside_the_series`):
        ``Per patient, k / n, Rate, 95 % interval``.
    """
    table = recurrence_table(series.frames)
    safe = safe_table(table, rule, derived=RATES)
    _beside_the_series(table, safe, len(series.frames["case"]), rule)
    frame = rate_table(safe.table, "Per patient", tests=False, notes=False, small=True)
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
        Rate, 95 % interval``. The groups of an outcome (with "Not recorded")
        add up to its row of :func:`patterns`, so an outcome never has one group
        suppressed alone (secondary suppression, as site by site).
    """
    table = pattern_table(series.frames, by=by)
    table = table[table["pattern"].isin(["improved", "improvement_held"])]
    # The pooled rows of these outcomes are in the pattern table (exact under a
    # threshold rule, within 4 when rounded): a lone hidden group would be the
    # pooled row less the others.
    safe = safe_table(
        table.reset_index(drop=True), rule, derived=RATES, adding_up="pattern"
    )
    frame = rate_table(
        safe.table,
        "Outcome",
        by=by,
        dictionary=series.dictionary,
        tests=False,
        notes=False,
        small=True,
        protecting=safe.protecting,
    )
    frame.columns = ["Group", *frame.columns[1:]]  # the values name their group
    return shown(frame, safe, "outcomes", pairs=["k / n"])


def fared(series: CaseSeries, rule: Rule) -> Shown:
    """How each case fared: improved, no clear change, worse, no outcome yet.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        ``How the case fared, k / n, Rate, 95 % interval`` and a word on small
        denominators (:func:`casekit.outcomes.outcome_table`). Improved, no clear
        change and worse are shares of the cases with an outcome, made safe as one
        partition (:func:`partition`: a lone hidden class is protected by a
        second); no outcome yet is a share of every case, made safe as a rate.
        Each row's ``data-key`` is its class.
    """
    table = outcome_table(series.frames)
    classes = table.iloc[:-1]
    counts = pd.Series(classes["k"].to_numpy(), index=classes["outcome"].to_numpy())
    parts, split = partition(counts, rule)
    rest = safe_table(table.iloc[[-1]].reset_index(drop=True), rule, derived=RATES)
    columns = ["k", "n", "proportion", "ci_low", "ci_high"]
    safe = pd.concat(
        [parts.reset_index(drop=True), rest.table[columns]], ignore_index=True
    ).assign(outcome=table["outcome"].to_numpy(), label=table["label"].to_numpy())
    hidden = pd.concat([split.suppressed, rest.suppressed], ignore_index=True)
    frame = rate_table(safe, "How the case fared", tests=False, notes=False, small=True)
    return shown(
        frame,
        SafeTable(safe, hidden, rule),
        "fared",
        pairs=["k / n"],
        row_keys=table["outcome"].tolist(),
        caption="How each case fared",
    )


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
    frame = rate_table(
        safe.table, "Finding", links, tests=False, notes=False, small=True
    )
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
        One row per number of links (0 to 5) over one-sided cases with all five
        links examined (:func:`casekit.chain.complete_links`): a partition, made
        safe as one (:func:`partition`). Its notes say how many one-sided cases
        were left out for a link not examined, a count under ``rule`` too.
    """
    links, left_out = complete_links(series.frames)
    counts = links.astype(int).value_counts().reindex(range(6), fill_value=0)
    counts.index = [str(i) for i in range(6)]
    parts, safe = partition(counts, rule)
    frame = rate_table(
        parts, "Links on the pain side (of 5)", counts.index, tests=False, notes=False
    )
    hidden = safe.suppressed
    shown_out = safe_count(left_out, rule)
    if is_suppressed(shown_out):
        why = small_reason("count", rule)
        more = pd.DataFrame([("left out", "k", why)], columns=hidden.columns)
        hidden = pd.concat([hidden, more], ignore_index=True)
    notes = (
        f"<p>Left out: {shown_out} one-sided case{'s' * (shown_out != 1)} with a "
        "link not examined (not tested, unsure or not recorded): a link not "
        "examined is not counted as off the pain side. A finding on both sides "
        "counts as on the pain side, as in the chain table.</p>"
    )
    return shown(
        frame,
        SafeTable(parts, hidden, rule),
        "links",
        pairs=["k / n"],
        notes=notes,
    )


def _beside_the_series(table, safe: SafeTable, cases: int, rule: Rule) -> None:
    """Hide, in place, a recurrence row whose counts lie within a small count of
    the series' total.

    Each row counts patients of the series, all with a session (one that
    brought relief, or two or more): "In the series" less a row's ``n`` is the
    cases without, among them the baseline's "None yet", which it hides when
    small. So a difference from 1 to ``suppress_max`` tells a reader that
    "None yet" is as small, exactly under a threshold rule where it is all of
    them. Each row's ``n`` and ``k`` join the series' total as nested totals
    (:func:`~casekit.report.nested.safe_tails`); a row that does not is hidden
    whole.
    """
    if rule.suppress_max == 0:
        return
    hide = [c for c in ("k", "n", *RATES) if c in table.columns]
    for index, row in table.iterrows():
        if is_suppressed(safe.table.at[index, "k"]):
            continue
        values = {0: cases, 1: int(row["n"]), 2: int(row["k"]), 3: 0}
        joined = safe_tails(values, [(0, 3)], (1, 3), [], rule)
        if joined and safe_tails(values, [(0, 3), (1, 3)], (2, 3), [], rule):
            continue
        safe.table.loc[index, hide] = SUPPRESSED
        why = "less the cases in the series, a count from 1 to the small ones"
        more = pd.DataFrame(
            [(index, c, why) for c in hide], columns=safe.suppressed.columns
        )
        safe.suppressed = pd.concat([safe.suppressed, more], ignore_index=True)
