"""The report's examiner agreement: beside each pattern that rests on a palpation
finding, how far the practice's examiners agree on it (or that it is not measured
yet, and how to measure it), and what the pattern's rate is compatible with when
the left/right call is that unreliable (:mod:`casekit.sensitivity`).

Agreement is a rate too (pairs that agreed, of pairs), so it passes through
:func:`casekit.disclosure.safe_table` like every other: a finding with a small
number of pairs, or of (dis)agreeing pairs, loses its counts and everything computed
from them. The sensitivity line is computed from a pattern's exact counts, like
every rate of the report, and is ``*`` where the pattern's row is suppressed.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from ..agreement import PALPATION, best_row
from ..disclosure import SUPPRESSED, Rule, safe_table
from ..labels import finding_label, percent
from ..literature import SI_PALPATION
from ..patterns import PATTERNS, pattern_table
from ..sensitivity import HOW_TO_MEASURE, pattern_agreement
from .markup import PUBLISHED, Prose, Shown, shown

DERIVED = ("agreement", "kappa", "ci_low", "ci_high", "pabak")
HEADINGS = ["Pattern", "Finding", "Pairs agreed", "Agreement", "Kappa (95 % CI)"]
HEADINGS += ["PABAK", "True rate compatible with"]


def agreement(series, rule: Rule) -> Shown:
    """Examiner agreement beside each pattern that rests on a palpation finding.

    Parameters
    ----------
    series : CaseSeries
        The cases, with ``agreement``: the exams' agreement table.
    rule : Rule
        Disclosure control: pairs are counted like cases, under the same rule.

    Returns
    -------
    Shown
        One row per (pattern, finding): ``Pattern, Finding, Pairs agreed`` (``k /
        n`` of the best pairs: blinded between examiners, else all between), its
        ``Agreement``, ``Kappa (95 % CI)``, ``PABAK`` and, for the left/right call
        of ``si_opposite``, the true rates its observed rate is compatible with.
        ``safe.table`` holds the counts after disclosure control.
    """
    labels = {p.id: p.label for p in PATTERNS}
    patterns = pattern_table(series.frames).set_index("pattern")
    safe_patterns = safe_table(patterns.reset_index(), rule).table.set_index("pattern")
    rows = []
    for pattern, rests_on in PALPATION.items():
        k, n = int(patterns.at[pattern, "k"]), int(patterns.at[pattern, "n"])
        _, result = pattern_agreement(series.agreement, pattern, k, n)
        for finding in rests_on:
            row = (
                None
                if series.agreement is None
                else best_row(series.agreement, finding)
            )
            rows.append(
                {
                    "pattern": pattern,
                    "finding": finding,
                    "k": 0 if row is None else round(row["agreement"] * row["pairs"]),
                    "n": 0 if row is None else int(row["pairs"]),
                    **{c: math.nan if row is None else row[c] for c in DERIVED},
                    "sensitivity": _compatible(result, safe_patterns.at[pattern, "k"]),
                }
            )
    table = pd.DataFrame(rows)
    safe = safe_table(table, rule, derived=DERIVED)
    frame = pd.DataFrame(
        [
            [
                labels[r["pattern"]],
                finding_label("exam", r["finding"], series.dictionary),
                _pair(r["k"], r["n"]),
                _share(r["agreement"]),
                _kappa(r),
                _number(r["pabak"]),
                r["sensitivity"] if r["sensitivity"] else "",
            ]
            for r in safe.table.to_dict("records")
        ],
        columns=HEADINGS,
    )
    return shown(
        frame,
        safe,
        "agreement",
        pairs=["Pairs agreed"],
        row_keys=[f"{r['pattern']}:{r['finding']}" for r in rows],
        caption="How far examiners agree on the findings the patterns rest on",
    )


def agreement_notes(table: Shown) -> Prose:
    """How to read the agreement table: the pairs, the published figures, how to
    measure agreement where it is not measured, and how the sensitivity is
    derived."""
    measured = (table.safe.table["n"].astype(str) != "0").all()
    how = "" if measured else f"<p>Not measured yet: {html.escape(HOW_TO_MEASURE)}.</p>"
    return Prose(
        "<p><b>Pairs</b>: two exams of the same case on the same day by different "
        "examiners, blinded ones when there are any. <b>Kappa</b> corrects agreement "
        "for chance (0 is chance, 1 perfect); <b>PABAK</b> allows for one answer "
        "being far more common than the others.</p>"
        f"{how}"
        f'<p class="{PUBLISHED}">Published, between examiners: kappa '
        f"{html.escape(SI_PALPATION.kappa)} ({html.escape(SI_PALPATION.source)}) for "
        "SI joint tests, and no better for static palpation of the pelvis.</p>"
        "<p><b>True rate compatible with</b>: if each examiner calls the wrong side "
        "with a probability e, two examiners' kappa is (1 - 2e)² when the sides are "
        "about equally common, so e = (1 - √kappa) / 2, and an observed rate is "
        "e + p (1 - 2e) for a true rate p. The column gives p at the measured kappa "
        "(the published one where none is measured) and the range compatible with "
        "both the rate's interval and kappa's: with calls that unreliable, an "
        "observed rate near 50 % says little either way.</p>"
    )


def _compatible(result, shown_k: object) -> str:
    if result is None:
        return ""
    if shown_k == SUPPRESSED:
        return SUPPRESSED
    if math.isnan(result.kappa) or math.isnan(result.low):
        return "no cases to count"
    if math.isnan(result.rate):
        return "any rate (the call is no better than a coin)"
    where = "" if result.source == "this practice" else f"; kappa from {result.source}"
    return (
        f"{percent(result.rate)} ({percent(result.low)} to {percent(result.high)}"
        f"{where})"
    )


def _pair(k: object, n: object) -> str:
    return SUPPRESSED if SUPPRESSED in (k, n) else f"{k} / {n}"


def _share(value: object) -> str:
    if value == SUPPRESSED:
        return SUPPRESSED
    return "" if pd.isna(value) else percent(value)


def _number(value: object) -> str:
    if value == SUPPRESSED:
        return SUPPRESSED
    return "" if pd.isna(value) else f"{value:.2f}"


def _kappa(row: dict) -> str:
    if SUPPRESSED in (row["kappa"], row["ci_low"]):
        return SUPPRESSED
    if pd.isna(row["kappa"]):
        return "not measured yet" if row["n"] == 0 else ""
    return f"{row['kappa']:.2f} ({row['ci_low']:.2f} to {row['ci_high']:.2f})"
