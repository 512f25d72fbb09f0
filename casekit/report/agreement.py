"""The report's examiner agreement: beside each pattern that rests on a palpation
finding, how far the practice's examiners agree on it (or that it is not measured
yet, and how to measure it), and what the pattern's rate is compatible with when
the left/right call is that unreliable (:mod:`casekit.sensitivity`).

Agreement is a rate too (pairs that agreed, of pairs), so it passes through
:func:`casekit.disclosure.safe_table` like every other: a finding with a small
number of pairs, or of (dis)agreeing pairs, loses its counts and everything computed
from them. Every figure of a row that stays is computed from the counts as shown,
never from the exact ones (beside rounded pairs, an exact agreement, kappa or PABAK
would let a reader solve for the exact pairs): the agreement and PABAK from the
pairs agreed and the pairs shown, kappa and its interval from the table of paired
calls with each cell under the rule (:func:`casekit.agreement.shown_kappa`), and
withheld, in words, where a cell of that table is suppressed. The sensitivity line
is computed from the pattern's counts as shown and another kappa: that of the 2 x 2
part of the same table in which both examiners called a side
(:func:`casekit.agreement.side_square`), its cells under the same rule, the line
withheld in words where one of them is suppressed; it says which kappa, on how many
such pairs (as shown), and is ``*`` where the pattern's row is suppressed. Under
:data:`~casekit.report.series.EXACT` the counts shown are the exact ones, and so is
every figure.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from ..agreement import (
    PALPATION,
    best_row,
    calls,
    kappa_words,
    pabak,
    shown_kappa,
    side_square,
)
from ..disclosure import SUPPRESSED, Rule, SafeTable, safe_table
from ..labels import finding_label, percent
from ..literature import SI_PALPATION
from ..patterns import PATTERNS, SMALL_N, pattern_table
from ..sensitivity import HOW_TO_MEASURE, pattern_agreement, side_pairs_words
from .markup import PUBLISHED, Prose, Shown, shown
from .series import EXACT

# Kappa where a cell of the table of paired calls is suppressed: the cells shown
# cannot give one, and the exact cells would give the pairs away.
WITHHELD = "a pairing of calls too few to show"
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
    rows, squares, sides = [], [], []
    tables, form = series.pair_tables or {}, series.dictionary["exam"]
    for pattern, rests_on in PALPATION.items():
        for finding in rests_on:
            row = (
                None
                if series.agreement is None
                else best_row(series.agreement, finding)
            )
            key = None if row is None else (finding, row["kind"], row["blinded"])
            square, codes = tables.get(key), calls(form, finding)
            squares.append((square, len(codes)))
            sides.append(_side_kappa(square, codes, rule))
            rows.append(
                {
                    "pattern": pattern,
                    "finding": finding,
                    "k": 0 if row is None else round(row["agreement"] * row["pairs"]),
                    "n": 0 if row is None else int(row["pairs"]),
                    "kind": "between",
                    "blinded": "all" if row is None else row["blinded"],
                    **{c: math.nan if row is None else row[c] for c in DERIVED},
                }
            )
    table = pd.DataFrame(rows)
    safe = safe_table(table, rule, derived=DERIVED)
    safe = _figures_of_shown(safe, squares)
    table = safe.table.assign(
        sensitivity=[
            _compatible(_sensitivity(safe.table, r["pattern"], safe_patterns, sides))
            for r in rows
        ]
    )
    safe = SafeTable(table, safe.suppressed, rule)
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


def _figures_of_shown(safe: SafeTable, squares: list[tuple]) -> SafeTable:
    """The agreement, kappa, its interval and PABAK of each row whose pairs are
    shown, computed afresh from what is shown (see the module's docstring).
    ``squares``: per row, its table of paired calls (None without one) and how
    many codes a call has."""
    out, reasons = safe.table.copy(), [safe.suppressed]
    for i, (square, codes) in enumerate(squares):
        k, n = out.at[i, "k"], out.at[i, "n"]
        if SUPPRESSED in (k, n) or n == 0:
            continue  # no pairs yet, or every figure hidden with the pairs
        out.at[i, "agreement"] = k / n
        out.at[i, "pabak"] = pabak(k / n, codes)
        kappa = None if square is None else shown_kappa(square, safe.rule)
        figures = (
            [WITHHELD] * 3
            if kappa is None
            else [kappa.kappa, kappa.ci_low, kappa.ci_high]
        )
        out.loc[i, ["kappa", "ci_low", "ci_high"]] = figures
        if kappa is None:
            why = (
                f"a pairing of calls made by 1 to {safe.rule.suppress_max} pairs"
                if square is not None
                else "no table of paired calls to compute it from"
            )
            reasons.append(
                pd.DataFrame(
                    {"row": i, "column": ["kappa", "ci_low", "ci_high"], "reason": why}
                )
            )
    return SafeTable(out, pd.concat(reasons, ignore_index=True), safe.rule)


def _side_kappa(square, codes: list[str], rule: Rule):
    """The kappa of ``square``'s pairs that both called a side, of its cells as
    ``rule`` shows them; :data:`WITHHELD` where one is suppressed, or there is no
    table of paired calls to take them from."""
    part = None if square is None else side_square(square, codes)
    kappa = None if part is None else shown_kappa(part, rule)
    return WITHHELD if kappa is None else kappa


def _sensitivity(
    shown: pd.DataFrame, pattern: str, safe_patterns: pd.DataFrame, sides: list
):
    """The sensitivity of ``pattern``'s rate as shown, at the side calls' kappa
    shown (``sides``: per row of ``shown``, :func:`_side_kappa`): the published
    one where those pairs are too few, or the finding's pairs hidden (read as not
    measured: the published kappa tells nothing of them). None for a pattern
    without a sensitivity line; ``*`` when the pattern's row is hidden;
    :data:`WITHHELD` when the side calls' kappa is."""
    k, n = safe_patterns.at[pattern, "k"], safe_patterns.at[pattern, "n"]
    if SUPPRESSED in (k, n):
        # A star where the pattern has a line: pattern_agreement says whether.
        has_line = pattern_agreement(None, pattern, 0, 0)[1] is not None
        return SUPPRESSED if has_line else None
    measured = shown[
        (shown["pattern"] == pattern)
        & (shown["n"].astype(str) != "0")
        & ~shown["n"].isin([SUPPRESSED])
    ]
    side = {shown.at[i, "finding"]: sides[i] for i in measured.index}
    withheld = any(value is WITHHELD for value in side.values())
    # What pattern_agreement reads of the agreement table: the pairs and kappa shown.
    table = measured.drop(columns="k").rename(columns={"n": "pairs"})
    figures = ["kappa", "ci_low", "ci_high"]
    table[figures] = table[figures].mask(table[figures].isin([WITHHELD]))
    table = table.astype({c: float for c in ("pairs", "kappa", "ci_low", "ci_high")})
    if withheld:
        has_line = pattern_agreement(None, pattern, 0, 0)[1] is not None
        return WITHHELD if has_line else None
    return pattern_agreement(table, pattern, int(k), int(n), side)[1]


def agreement_notes(table: Shown) -> Prose:
    """How to read the agreement table: the pairs, the published figures, how to
    measure agreement where it is not measured, and how the sensitivity is
    derived."""
    measured = (table.safe.table["n"].astype(str) != "0").all()
    how = "" if measured else f"<p>Not measured yet: {html.escape(HOW_TO_MEASURE)}.</p>"
    rule = table.safe.rule
    shared = (
        ""
        if rule is EXACT
        else "<p>As shown here, <b>agreement</b> and PABAK are those of the pairs "
        "shown, and <b>kappa</b> that of the table of the two examiners' calls with "
        "each of its cells under the same rule as the counts: where a pairing of "
        f"calls was made by 1 to {rule.suppress_max} pairs, that table cannot give "
        "a kappa, and none is shown; the same for the rate compatible with it, "
        "whose kappa is that of the pairs where both called a side, its cells "
        "under the rule too. The exact figures would give away the pairs the rule "
        "hides.</p>"
    )
    return Prose(
        "<p><b>Pairs</b>: two exams of the same case on the same day by different "
        "examiners, blinded ones when there are any. <b>Kappa</b> corrects agreement "
        "for chance (0 is chance, 1 perfect); <b>PABAK</b> allows for one answer "
        "being far more common than the others.</p>"
        f"{how}{shared}"
        f'<p class="{PUBLISHED}">Published, between examiners: kappa '
        f"{html.escape(SI_PALPATION.kappa)} ({html.escape(SI_PALPATION.source)}) for "
        "SI joint tests, and no better for static palpation of the pelvis.</p>"
        "<p><b>True rate compatible with</b>: if each examiner calls the wrong side "
        "with a probability e, two examiners' kappa is (1 - 2e)² when the sides are "
        "about equally common, so e = (1 - √kappa) / 2, and an observed rate is "
        "e + p (1 - 2e) for a true rate p. That kappa is not the one of the "
        "<b>Kappa</b> column, over every call (none, left, right, both), whose "
        "disagreements are mostly no wrong side at all: it is the kappa of the "
        "pairs where both examiners called a side (left or right), and the column "
        "says on how many. It gives p at that kappa (the published one where fewer "
        f"than {SMALL_N} such pairs are measured) and the range compatible with "
        "both the rate's interval and kappa's: with calls that unreliable, an "
        "observed rate near 50 % says little either way.</p>"
    )


def _compatible(result) -> str:
    if result is None:
        return ""
    if result == SUPPRESSED:
        return SUPPRESSED
    if isinstance(result, str):
        return f"not shown: {result}"
    if math.isnan(result.kappa) or math.isnan(result.low):
        return "no cases to count"
    if result.source == "this practice":
        used = f"kappa {result.kappa:.2f} on {side_pairs_words(result.pairs)}"
    else:
        used = f"kappa from {result.source}"
        if result.pairs:
            used += f"; here only {side_pairs_words(result.pairs)}"
    if math.isnan(result.rate):
        return f"any rate (the call is no better than a coin; {used})"
    return (
        f"{percent(result.rate)} ({percent(result.low)} to {percent(result.high)}"
        f"; {used})"
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
    if row["kappa"] == WITHHELD:
        return f"not shown: {WITHHELD}"
    if pd.isna(row["kappa"]):
        return "not measured yet" if row["n"] == 0 else ""
    pairs = None if row["n"] == SUPPRESSED else row["n"]
    return kappa_words(row["kappa"], row["ci_low"], row["ci_high"], ci="", pairs=pairs)
