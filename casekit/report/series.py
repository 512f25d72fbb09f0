"""The case series behind the report, and its tables of cases: flow and baseline.

The report's tables live in a small family of modules, one concept each: this one
(the cases: :func:`case_series`, :func:`flow`, :func:`baseline`, and the helpers the
others share), :mod:`casekit.report.rates` (the patterns and their rates),
:mod:`casekit.report.timing` (pain session by session, flare timing),
:mod:`casekit.report.text` (the sentences), :mod:`casekit.report.markup` (how a table
is shown) and :mod:`casekit.report.figures` (the figures of safe tables).

Each table function takes a :class:`CaseSeries` and a disclosure :class:`Rule` and
returns a :class:`~casekit.report.markup.Shown`: the table in words, and the
:class:`~casekit.disclosure.SafeTable` it was made from, which is what the report's
figures draw. Every count passes through :func:`casekit.disclosure.safe_table`:
with :data:`~casekit.disclosure.NHS` for a shared report, with :data:`EXACT` (which
suppresses and rounds nothing) for the practitioner's own. One code path for both,
so that the shared report is the full one with its small counts hidden, not another
report.

Counts that add up to a known total (the flow of cases, each baseline
characteristic, the chain links, the flare windows) are passed as one-column
cross-tabulations, so that a lone suppressed cell is protected by a second one
(secondary suppression). Under a rule that rounds, rates of rows that stay are
computed from the rounded counts shown. No free text, no calendar date and no case
id is ever put in a table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .. import stats
from ..agreement import agreement_table, square_tables
from ..derive import derive
from ..dictionary import Dictionary
from ..disclosure import (
    NHS,
    SUPPRESSED,
    Rule,
    SafeTable,
    is_suppressed,
    safe_count,
    safe_table,
)
from ..labels import column_label, display_values, or_builtin, percent
from ..privacy import neutral_sites
from ..store import Store
from .markup import Shown, shown

EXACT = Rule(0, 1, "none: exact counts, for the practitioner's own use")
RATES = ("proportion", "ci_low", "ci_high", "p_value", "p_adjusted")
BASELINE = ("age_band", "sex", "pain_side", "duration", "episode")
BASELINE += ("leg_pain_below_knee", "red_flags_cleared")
# The baseline's bands of sessions (upper ends): the pain course checks its counts
# of arrivals against them (casekit.report.timing).
SESSIONS = {"None yet": 0, "1": 1, "2-3": 3, "4-6": 6, "7 or more": np.inf}
# Why a case has no outcome, from the status of its latest follow-up.
REASONS = {
    "lost": "lost to follow-up",
    "withdrew": "withdrew from care",
    "in_care": "still in care",
    "discharged": "discharged before a follow-up 2+ weeks after care",
}


def rule_for(share: bool, rule: Rule = NHS) -> Rule:
    """The disclosure rule of a report.

    Parameters
    ----------
    share : bool
        Whether the report is to be shared.
    rule : Rule, default NHS
        The rule for a shared report.

    Returns
    -------
    Rule
        ``rule`` to share; :data:`EXACT` (nothing suppressed, nothing rounded)
        for the practitioner's own report.
    """
    return rule if share else EXACT


@dataclass(frozen=True)
class CaseSeries:
    """The cases of a report: derived frames without dates, notes or lists.

    Attributes
    ----------
    frames : dict of DataFrame
        :func:`casekit.derive.derive` of the store, without calendar dates, free
        text or multi-select lists (derive has used them).
    withdrawn : int
        Cases withdrawn from the store: left out of every count but the flow.
    years : tuple of int, optional
        First and last intake year.
    sites : int
        How many sites the cases come from.
    continuous : bool, optional
        Whether every calendar month from the first intake to the last has a
        logged case.
    dictionary : Dictionary
        The store's dictionary (built-in plus ``dictionary.local.yaml``): every
        field and code of the report is named with it.
    pooled : bool
        Read by a network's analyst (every practitioner's cases): counts split by
        site pass through disclosure control even in the full report
        (:func:`site_rule`).
    agreement : DataFrame, optional
        :func:`casekit.agreement.agreement_table` of the repeated exams (counted
        before their dates and examiners stay behind).
    pair_tables : dict, optional
        :func:`casekit.agreement.square_tables` behind ``agreement``: a shared
        report computes kappa from their cells as rounded, never from the exact
        figures of ``agreement``.
    """

    frames: dict[str, pd.DataFrame]
    withdrawn: int
    years: tuple[int, int] | None
    sites: int
    continuous: bool | None
    dictionary: Dictionary
    pooled: bool = False
    agreement: pd.DataFrame | None = None
    pair_tables: dict[tuple[str, str, str], np.ndarray] | None = None


def case_series(db: str | os.PathLike | None = None) -> CaseSeries:
    """Read the store (read only) into a :class:`CaseSeries`.

    Parameters
    ----------
    db : str or path, optional
        The store (``CASEKIT_DB`` or ``data/casekit.db`` by default).
    """
    with Store(db, read_only=True) as store:
        frames = store.frames()
        everyone = store.read("case", include_deleted=True)
        dictionary = store.dictionary
        pooled = store.access.kind == "analyst"
    withdrawn = int(everyone["deleted"].astype(bool).sum())
    series = series_of(frames, withdrawn=withdrawn, dictionary=dictionary)
    return replace(series, pooled=pooled)


def site_rule(series: CaseSeries, rule: Rule) -> Rule:
    """The rule for counts split by site: the report's, or NHS Digital's in a
    network analyst's full report (each site's small counts stay its own)."""
    return NHS if series.pooled and rule is EXACT else rule


def series_of(
    frames: dict[str, pd.DataFrame],
    *,
    withdrawn: int = 0,
    dictionary: Dictionary | None = None,
) -> CaseSeries:
    """A :class:`CaseSeries` of frames already read (as :meth:`casekit.Store.frames`
    returns them), without a store.

    Parameters
    ----------
    frames : dict of DataFrame
        The three forms, typed, without withdrawn cases.
    withdrawn : int, default 0
        How many cases were withdrawn (they are counted in the flow only).
    dictionary : Dictionary, optional
        The dictionary of the frames; the built-in one if None.
    """
    intake = frames["case"]["intake_date"].dropna()
    years, continuous = None, None
    if len(intake):
        years = (int(intake.dt.year.min()), int(intake.dt.year.max()))
        months = intake.dt.year * 12 + intake.dt.month
        continuous = months.nunique() == months.max() - months.min() + 1
    sites = int(frames["case"]["site"].nunique())
    derived = derive(frames)
    words = or_builtin(dictionary)
    # Every field a person types into (a local one too), not only `notes`.
    typed = {f.code for form in words for f in form.fields if f.free_text}
    # Dates, free text and lists stay behind: the report's kernel never holds them.
    kept = {
        name: frame.drop(
            columns=[
                c
                for c in frame.columns
                if frame[c].dtype == object
                or c in typed
                or pd.api.types.is_datetime64_any_dtype(frame[c])
            ]
        )
        for name, frame in derived.items()
    }
    exams = frames.get("exam")
    agreement = tables = None
    if exams is not None:
        tables = square_tables(exams, words)
        agreement = agreement_table(exams, words, tables)
    return CaseSeries(
        kept,
        withdrawn,
        years,
        sites,
        continuous,
        words,
        agreement=agreement,
        pair_tables=tables,
    )


# -- counts that add up to a total ----------------------------------------------------


def partition(counts: pd.Series, rule: Rule) -> tuple[pd.DataFrame, SafeTable]:
    """Counts of one whole split into parts, as safe rates of the whole.

    Parameters
    ----------
    counts : Series
        Exact counts, one per part; their sum is the whole.
    rule : Rule

    Returns
    -------
    (DataFrame, SafeTable)
        ``k`` (the part, safe), ``n`` (the whole, safe), ``proportion``,
        ``ci_low``, ``ci_high`` (from the counts shown: rounded under a rule that
        rounds; ``*`` where the part is suppressed), indexed as ``counts``; and
        the cross-tabulation's SafeTable.
    """
    exact = counts.astype("int64")
    safe = safe_table(exact.to_frame("k"), rule)
    total = int(exact.sum())
    parts, whole = exact.to_numpy(), np.full(len(exact), total)
    if rule.round_to > 1:  # a rate of exact counts would undo their rounding
        shown = safe.table["k"].map(lambda c: 0 if c == SUPPRESSED else c)
        parts, whole = shown.to_numpy(float), np.full(len(exact), rule.round(total))
    share = stats.wilson(parts, whole)
    out = pd.DataFrame(
        {
            "k": safe.table["k"],
            "n": safe_count(total, rule),
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
        },
        index=counts.index,
    ).astype(object)
    hidden = (out["k"] == SUPPRESSED) | (out["n"] == SUPPRESSED)
    out.loc[hidden, ["k", "n", "proportion", "ci_low", "ci_high"]] = SUPPRESSED
    return out, safe


def flow(series: CaseSeries, rule: Rule) -> Shown:
    """Cases logged, withdrawn, followed up, and why an outcome is missing.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule

    Returns
    -------
    Shown
        ``Stage, Cases``: logged, withdrawn, in the series, with any follow-up,
        with an outcome, and without one by reason.

    Notes
    -----

    Each logged case is in one part: withdrawn, with an outcome (the cases
    :func:`casekit.outcomes.outcome_table` counts as having one: pain reported 2+
    weeks after the last session, and at intake), without one for want of a pain
    score at intake, or without one for the reason its latest follow-up status
    gives. The parts are safe as one cross-tabulation; the totals
    (logged, in the series, with any follow-up) are rounded on their own, and none
    lets a hidden part be worked back (:func:`_nested_totals`).
    """
    case, followup = series.frames["case"], series.frames["followup"]
    latest = (
        followup[followup["status"].notna()]
        .sort_values(["case_id", "followup_no"])
        .groupby("case_id", observed=True)["status"]
        .last()
        .astype(str)
    )
    status = case["case_id"].map(latest)
    any_followup = case["case_id"].isin(followup["case_id"])
    # "With an outcome" is the class "How each case fared" counts (derive's
    # `outcome`): one definition, so the two tables cannot disagree.
    outcome = (case["outcome"] != "no_outcome").to_numpy(bool)
    late = pd.array(case["followup_14d"], dtype="boolean").fillna(False)
    late = late.to_numpy(bool)
    waiting = ~outcome & ~late  # no pain score 2+ weeks after care, yet
    parts = {"Withdrawn from the series (all their records left out)": series.withdrawn}
    parts["With an outcome: pain reported 2+ weeks after the last session"] = int(
        outcome.sum()
    )
    # Followed up that late, but nothing at intake to compare with (an older store
    # or a loose import: the form requires the score).
    parts["No outcome: no pain score recorded at intake"] = int((~outcome & late).sum())
    for code, words in REASONS.items():
        parts[f"No outcome: {words}"] = int((waiting & (status == code)).sum())
    parts["No outcome: follow-up without a status"] = int(
        (waiting & any_followup & status.isna()).sum()
    )
    parts["No outcome: no follow-up recorded"] = int((waiting & ~any_followup).sum())
    safe = safe_table(pd.Series(parts).to_frame("Cases"), rule)
    # The totals, each on its own: rounded, not protecting one another.
    totals = pd.Series(
        {
            "Cases logged": len(case) + series.withdrawn,
            "In the series": len(case),
            "with a follow-up of any kind": int(any_followup.sum()),
        }
    ).to_frame("Cases")
    total = safe_table(totals, rule, k="Cases", n="Cases", derived=()).table["Cases"]
    names = list(parts)
    _nested_totals(pd.Series(parts), safe, total, names)
    rows = [("Cases logged", total["Cases logged"])]
    rows.append((names[0], safe.table.at[names[0], "Cases"]))
    rows += [(name, total[name]) for name in total.index[1:]]
    rows += [(name, safe.table.at[name, "Cases"]) for name in names[1:]]
    frame = pd.DataFrame(rows, columns=["Stage", "Cases"])
    return shown(
        frame,
        safe,
        "flow",
        counts=["Cases"],
        row_classes={0: "casekit-total", 2: "casekit-total"},
        caption="Flow of cases",
    )


def cases_logged(series: CaseSeries, rule: Rule) -> object:
    """The cases logged as the flow table shows them: rounded, or ``*`` where a
    hidden part of the flow would otherwise be worked back from it. Anything
    else that says how many cases were logged says this, lest two safe numbers
    disagree (10 in a sentence, ``*`` in the table)."""
    table = flow(series, rule).frame
    return table.loc[table["Stage"] == "Cases logged", "Cases"].iloc[0]


def baseline(series: CaseSeries, rule: Rule) -> Shown:
    """Who the cases are, at intake.

    Parameters
    ----------
    series : CaseSeries
    rule : Rule
        :data:`~casekit.disclosure.NHS` to share, :data:`EXACT` otherwise.

    Returns
    -------
    Shown
        ``Characteristic, Value, Cases, Share``: age band, sex, side of the pain,
        duration, episode, leg pain below the knee, red flags cleared, pain at
        intake (mild, moderate, severe), sessions, upstream treated (and site when
        there are several), each split into its values in dictionary order, then
        "Not recorded" when some are missing. Each characteristic is a partition
        of the series, made safe as one (see :func:`partition`).
    """
    case = series.frames["case"]
    columns = {c: case[c] for c in BASELINE}
    pain = pd.cut(case["nprs"].astype("Float64"), [-1, 3, 6, 10])
    columns["Pain at intake (NPRS 0-10)"] = pain.cat.rename_categories(
        ["0-3 (mild)", "4-6 (moderate)", "7-10 (severe)"]
    )
    columns["Sessions"] = session_bands(case["n_sessions"])
    columns["upstream_treated"] = case["upstream_treated"]
    if series.sites > 1:  # a shared report names no site: site A, B, ...
        columns["site"] = case["site"] if rule is EXACT else neutral_sites(case["site"])
    rows, suppressed = [], []
    for name, values in columns.items():
        counts = _value_counts(values, name, series.dictionary)
        parts, safe = partition(
            counts, site_rule(series, rule) if name == "site" else rule
        )
        suppressed.append(
            safe.suppressed.assign(row=[(name, r) for r in safe.suppressed["row"]])
        )
        label = _column_words(name, series.dictionary)
        for i, (value, row) in enumerate(parts.iterrows()):
            rows.append(
                (label if i == 0 else "", value, row["k"], percent(row["proportion"]))
            )
    frame = pd.DataFrame(rows, columns=["Characteristic", "Value", "Cases", "Share"])
    safe = SafeTable(frame, pd.concat(suppressed, ignore_index=True), rule)
    groups = {i: "casekit-group" for i in np.flatnonzero(frame["Characteristic"] != "")}
    return shown(
        frame,
        safe,
        "baseline",
        counts=["Cases"],
        row_classes=groups,
        caption="Baseline",
    )


# -- helpers --------------------------------------------------------------------------


def session_bands(sessions: pd.Series) -> pd.Series:
    """Each case's number of sessions in the baseline's bands (:data:`SESSIONS`)."""
    bands = pd.cut(sessions, [-1, *SESSIONS.values()])
    return bands.cat.rename_categories(list(SESSIONS))


def _nested_totals(
    parts: pd.Series, safe: SafeTable, total: pd.Series, names: list[str]
) -> None:
    """Secondary suppression in the flow's nested totals, in place.

    ``safe_table`` protects the parts against their grand total only, but the flow
    shows three: logged (every part), in the series (all but the withdrawn) and
    with a follow-up (all but the withdrawn and those without one). A part hidden
    alone among those a total adds up would be that total less the others, and the
    withdrawn (logged less in the series) and those without a follow-up (in the
    series less with a follow-up) are each the difference of two totals: exactly
    under a threshold rule, to within 4 when rounded, which is no protection for
    a count of 3. So such a part takes a second part of its total with it, and a
    part that is a difference takes the total only it separates (in the series
    is the sum of every other table's parts, and stays).
    """
    hidden = safe.table["Cases"].map(is_suppressed)
    sums = {
        "Cases logged": names,
        "In the series": names[1:],
        "with a follow-up of any kind": names[1:-1],
    }
    gaps = {names[0]: "Cases logged", names[-1]: "with a follow-up of any kind"}
    reasons = []
    changed = True
    while changed:
        changed = False
        for part, name in gaps.items():
            if hidden[part] and not is_suppressed(total[name]):
                total[name] = SUPPRESSED
                reasons.append((name, "Cases", f"less another total is {part!r}"))
                changed = True
        for name, members in sums.items():
            lone = hidden[members]
            if is_suppressed(total[name]) or lone.sum() != 1:
                continue
            pick = parts[members][~lone.to_numpy()].idxmin()
            hidden[pick] = True
            safe.table.at[pick, "Cases"] = SUPPRESSED
            reasons.append((pick, "Cases", f"could be worked back from {name!r}"))
            changed = True
    more = pd.DataFrame(reasons, columns=safe.suppressed.columns)
    safe.suppressed = pd.concat([safe.suppressed, more], ignore_index=True)


def _value_counts(values: pd.Series, name: str, dictionary: Dictionary) -> pd.Series:
    """Counts of each value in order (dictionary order, in words), then "Not
    recorded" when some are missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        order = list(values.cat.categories)
    elif pd.api.types.is_bool_dtype(values.dtype):
        order = [True, False]
    else:
        order = sorted(values.dropna().unique().tolist())
    counts = values.value_counts().reindex(order, fill_value=0).astype("int64")
    counts.index = display_values(pd.DataFrame({name: order}), name, dictionary)
    missing = int(values.isna().sum())
    if missing:
        counts["Not recorded"] = missing
    return counts


def _column_words(name: str, dictionary: Dictionary) -> str:
    known = name in dictionary["case"] or name == "upstream_treated"
    return column_label(name, dictionary) if known else name
