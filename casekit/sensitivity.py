"""What an observed left/right rate is compatible with when the call is unreliable.

A pattern such as "the SI joint opposite the pain feels tighter" counts left/right
calls made by palpation. If a share ``e`` of such calls is wrong (the other side),
an observed rate is pulled toward 50 %: observed = e + p (1 - 2e) for a true rate p.
The share ``e`` comes from the examiners' agreement measured in the practice, over
the pairs in which both examiners called one side
(:func:`casekit.agreement.side_kappas`: the model knows only flips of side, and the
pattern counts only cases called on one side; a "none" against a "left" is no flip,
and the kappa over all codes would count it as one), or, until the practice has at
least :data:`casekit.patterns.SMALL_N` such pairs, from the published figure
(:data:`casekit.literature.SI_PALPATION`). This module says, in numbers and in
words, which true rates the observed one is compatible with, and how far examiners
agree on the findings a pattern rests on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from .agreement import PALPATION, Kappa, best_row, kappa_words
from .labels import finding_label, or_builtin, percent
from .literature import SI_PALPATION, Agreement
from .patterns import SMALL_N
from .stats import wilson

HOW_TO_MEASURE = (
    "to measure it, have a second examiner examine some cases on the same day, each "
    "blind to the pain side and to the other's findings, and log both as exams "
    "(`casekit agreement` counts the pairs)"
)


class Sensitivity(NamedTuple):
    """An observed rate corrected for misclassified calls: the error rate per call,
    the corrected rate and the range of true rates it is compatible with, and the
    kappa (and its source) the error rate comes from, and the practice's pairs in
    which both examiners called a side (0 where none are measured; fewer than
    :data:`casekit.patterns.SMALL_N`: the published kappa stands in)."""

    error: float
    rate: float
    low: float
    high: float
    kappa: float
    source: str
    pairs: int = 0


def error_rate(kappa: float) -> float:
    """The share of left/right calls that are wrong, as a kappa implies it.

    ``kappa`` must be that of calls of a side against calls of a side: the 2 x 2
    table of the pairs in which both examiners called left or right
    (:func:`casekit.agreement.side_kappas`), not the kappa over every code of a
    finding (none, left, right, both), whose disagreements are mostly no flip of
    side at all and would give a larger ``e`` than the model's.

    The model: each examiner calls the true side with probability ``1 - e`` and the
    other side otherwise, independently of the other examiner. Two examiners then
    agree with probability ``(1 - e)^2 + e^2``; with the two sides about equally
    common, chance agreement is 1/2, so ``kappa = (1 - 2e)^2`` and
    ``e = (1 - sqrt(kappa)) / 2``. A kappa of 0 or below gives ``e = 0.5``: the
    call says nothing of the true side.
    """
    if kappa is None or math.isnan(kappa):
        return math.nan
    return (1 - math.sqrt(min(max(kappa, 0.0), 1.0))) / 2


def corrected(observed: float, error: float) -> float:
    """The true rate behind an ``observed`` one when a share ``error`` of calls is
    flipped: p = (observed - e) / (1 - 2e), kept within 0 to 1; NaN when ``error``
    is 0.5 or more (undefined: any true rate gives 50 %)."""
    if math.isnan(error) or error >= 0.5:
        return math.nan
    return min(max((observed - error) / (1 - 2 * error), 0.0), 1.0)


def sensitivity(
    k: int,
    n: int,
    kappa: float,
    kappa_low: float,
    kappa_high: float,
    source: str = "this practice",
    pairs: int = 0,
) -> Sensitivity:
    """What ``k`` of ``n`` (an "opposite side" rate) is compatible with when the
    left/right call is wrong as often as ``kappa`` implies (:func:`error_rate`).

    The rate is corrected at kappa's point estimate; the range takes every corner
    of the rate's Wilson interval and kappa's interval (the correction is monotone
    in each), so it is as wide as both uncertainties together. When kappa's lower
    end is 0 or below, no true rate is ruled out: the range is 0 to 1. ``pairs``:
    the pairs ``kappa`` was measured on, kept to be said.
    """
    if n == 0 or math.isnan(kappa):
        nan = math.nan
        return Sensitivity(nan, nan, nan, nan, kappa, source, pairs)
    ci = wilson(k, n)
    error = error_rate(kappa)
    ends = [
        corrected(p, error_rate(q))
        for p in (ci.low, ci.high)
        for q in (kappa_low, kappa_high)
    ]
    if any(math.isnan(end) for end in ends):
        low, high = 0.0, 1.0
    else:
        low, high = min(ends), max(ends)
    rate = corrected(k / n, error)
    return Sensitivity(error, rate, low, high, kappa, source, pairs)


def pattern_agreement(
    table: pd.DataFrame | None,
    pattern: str,
    k: int,
    n: int,
    sides: Mapping[str, Kappa | None] | None = None,
) -> tuple[str, Sensitivity | None]:
    """How far examiners agree on the findings ``pattern`` rests on, in words, and
    the sensitivity of its rate (for the left/right call of ``si_opposite``).
    ``("", None)`` for a pattern that rests on no palpation finding.

    The words quote ``table`` (:func:`casekit.agreement.agreement_table`), kappa
    over all of a finding's codes: how far examiners agree. The sensitivity reads
    ``sides`` instead (:func:`casekit.agreement.side_kappas`: kappa of the pairs
    in which both examiners called a side), the only kappa the left/right error
    model fits (:func:`error_rate`); the published figure stands in below
    :data:`casekit.patterns.SMALL_N` such pairs. ``sides`` is needed whenever
    ``table`` has pairs for the finding: the kappa over all codes is never used in
    its place. Hip flexors and glute have the same side codes, but their pattern
    rests on two calls at once, for which the model has no line.
    """
    rests_on = PALPATION.get(pattern, ())
    if not rests_on:
        return "", None
    rows = {f: None if table is None else best_row(table, f) for f in rests_on}
    words = agreement_words(rows, SI_PALPATION)
    if pattern != "si_opposite":
        return words, None
    finding = "si_tight_side"
    if rows[finding] is not None and sides is None:
        raise ValueError(
            "the sensitivity line needs the kappa of the pairs that both called a "
            "side (casekit.agreement.side_kappas), not the kappa over all codes"
        )
    side = None if sides is None else sides.get(finding)
    pairs = 0 if side is None else side.pairs
    if _readable_side(side):
        result = sensitivity(k, n, side.kappa, side.ci_low, side.ci_high, pairs=pairs)
    else:
        result = sensitivity(k, n, *_published(SI_PALPATION), pairs=pairs)
    return words, result


def _readable_side(side: Kappa | None) -> bool:
    return side is not None and side.pairs >= SMALL_N and not math.isnan(side.kappa)


def _readable(row: pd.Series | None) -> bool:
    return row is not None and row["pairs"] >= SMALL_N and not math.isnan(row["kappa"])


def _published(study: Agreement) -> tuple[float, float, float, str]:
    middle = (study.kappa_low + study.kappa_high) / 2
    return middle, study.kappa_low, study.kappa_high, study.source


def agreement_words(
    rows: Mapping[str, pd.Series | None], published: Agreement = SI_PALPATION
) -> str:
    """One sentence per finding: the practice's agreement (from
    :func:`casekit.agreement.best_row`), or that it is not measured yet and how to
    measure it; then the published figure."""
    parts = []
    for finding, row in rows.items():
        name = finding_label("exam", finding, or_builtin(None))
        if row is None:
            parts.append(f"Examiner agreement on {name}: not measured yet; ")
        elif row["pairs"] < SMALL_N or math.isnan(row["kappa"]):
            parts.append(
                f"Examiner agreement on {name}: {row['pairs']} pair"
                f"{'s' * int(row['pairs'] != 1)} so far, too few to read; "
            )
        else:
            which = "blinded " if row["blinded"] == "yes" else ""
            parts.append(
                f"Examiner agreement on {name}: {percent(row['agreement'])} of "
                f"{row['pairs']} {which}pairs, kappa "
                f"{kappa_words(row['kappa'], row['ci_low'], row['ci_high'])}, PABAK "
                f"{row['pabak']:.2f}. "
            )
    measured = all(_readable(row) for row in rows.values())
    how = "" if measured else HOW_TO_MEASURE + ". "
    return (
        "".join(parts)
        + how
        + f"Published: kappa {published.kappa} ({published.source})."
    )


def side_pairs_words(pairs: int) -> str:
    """``the 27 pairs where both called a side``: what a measured kappa of the
    sensitivity line is over."""
    return f"the {pairs} pair{'s' * int(pairs != 1)} where both called a side"


def kappa_used(result: Sensitivity) -> str:
    """Which kappa the sensitivity line used: ``kappa 0.63 on the 27 pairs where
    both called a side (measured here)``, or the published one and why."""
    if result.source == "this practice":
        if not result.pairs:  # a kappa given without its pairs (a worked example)
            return f"kappa {result.kappa:.2f} (measured here)"
        pairs = side_pairs_words(result.pairs)
        return f"kappa {result.kappa:.2f} on {pairs} (measured here)"
    if result.pairs:
        why = f"here only {side_pairs_words(result.pairs)}, too few to read"
    else:
        why = "not measured here yet"
    return f"kappa {result.kappa:.2f} (published, {result.source}; {why})"


def sensitivity_words(result: Sensitivity | None, k: int, n: int) -> str:
    """The sensitivity line: what the observed rate is compatible with, and which
    kappa it took (:func:`kappa_used`)."""
    if result is None or n == 0:
        return ""
    if math.isnan(result.kappa):
        return ""
    seen = f"the observed {percent(k / n)} ({k} of {n})"
    if math.isnan(result.rate):
        return (
            f"Sensitivity: with {kappa_used(result)}, a left/right call is no "
            f"better than a coin, and {seen} is compatible with any true rate."
        )
    return (
        f"Sensitivity: {kappa_used(result)} implies that about "
        f"{percent(result.error)} of left/right calls are wrong; if so, {seen} is "
        f"compatible with a true rate of {percent(result.rate)} "
        f"({percent(result.low)} to {percent(result.high)})."
    )


def palpation_table(
    patterns: pd.DataFrame,
    agreement: pd.DataFrame | None,
    sides: Mapping[str, Kappa | None] | None = None,
) -> pd.DataFrame:
    """Beside each pattern of ``patterns`` (a :func:`casekit.patterns.pattern_table`)
    that rests on a palpation finding: the examiners' agreement in words, from
    ``agreement`` (:func:`casekit.agreement.agreement_table`; None: not measured),
    and the sensitivity line, from ``sides`` (:func:`casekit.agreement.side_kappas`
    of the same exams; needed with ``agreement``)."""
    rows = []
    for row in patterns.to_dict("records"):
        if row["pattern"] not in PALPATION:
            continue
        k, n = int(row["k"]), int(row["n"])
        words, result = pattern_agreement(agreement, row["pattern"], k, n, sides)
        if result is None:
            line = "No sensitivity line: this pattern rests on two calls at once."
        else:
            line = sensitivity_words(result, k, n) or "No cases to count yet."
        rows.append(
            {"Pattern": row["label"], "Examiner agreement": words, "Sensitivity": line}
        )
    return pd.DataFrame(rows, columns=["Pattern", "Examiner agreement", "Sensitivity"])
