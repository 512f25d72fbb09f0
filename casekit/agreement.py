"""How far examiners agree on the palpation findings, measured on the practice's
own repeated exams (the ``exam`` form).

Pairs, per finding:

- **between**: two exams of the same case on the same day by different examiners;
- **within**: two exams of the same case by the same examiner on different days.

A pair counts for a finding when both exams called it (any code but
``not_tested``; an empty answer leaves it out too). A pair is **blinded** when both
of its exams were. For each finding and kind, over all pairs and over the blinded
and the other pairs apart: the observed agreement, Cohen's kappa with its 95 %
interval (:func:`statsmodels.stats.inter_rater.cohens_kappa`), the prevalence- and
bias-adjusted kappa (PABAK = (k p_o - 1) / (k - 1) for k codes) and, where three or
more examiners saw a case on one day, Fleiss' kappa
(:func:`statsmodels.stats.inter_rater.fleiss_kappa`). Below
:data:`casekit.patterns.SMALL_N` pairs the note says they are too few to read from.
A shared output computes kappa from the tables of paired calls with their cells
rounded (:func:`shown_kappa`), never from these exact figures.

That kappa is over all of a finding's codes (none, left, right, both): the honest
figure for how far examiners agree. The left/right error model of
:mod:`casekit.sensitivity` needs another one, over the pairs in which both examiners
called one side (:func:`side_square`, :func:`side_kappas`): a "none" against a
"left" is no side flipped, and a pattern counts only the cases called on one side.

What a pattern's rate is compatible with when the calls are that unreliable is
:mod:`casekit.sensitivity`.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from .dictionary import Dictionary, Form
from .disclosure import Rule, is_suppressed, safe_count
from .patterns import SMALL_N

COLUMNS = [
    "finding",
    "kind",
    "blinded",
    "pairs",
    "agreement",
    "kappa",
    "ci_low",
    "ci_high",
    "pabak",
    "fleiss",
    "note",
]
KINDS = ("between", "within")
BLINDING = ("all", "yes", "no")  # all pairs, the blinded ones, the others
NOT_CALLED = "not_tested"
# The one-sided calls of a finding: what a left/right error model counts.
SIDES = ("left", "right")
FLEISS_RATERS = 3  # Fleiss' kappa on the first three examiners of a case's day
# The patterns that rest on a palpation finding, and on which.
PALPATION = {
    "si_opposite": ("si_tight_side",),
    "flexor_glute_same_side": ("hip_flexor_tight_side", "glute_weak_side"),
}


class Kappa(NamedTuple):
    """Cohen's kappa of a square table of two examiners' calls."""

    pairs: int
    agreement: float
    kappa: float
    ci_low: float
    ci_high: float
    pabak: float


def findings(form: Form) -> list[str]:
    """The exam's findings: its choice fields that may be ``not_tested``."""
    return [
        f.code
        for f in form.fields
        if f.type == "choice" and NOT_CALLED in f.code_values
    ]


def calls(form: Form, finding: str) -> list[str]:
    """The codes a pair may agree on for ``finding`` (``not_tested`` aside)."""
    return [c for c in form[finding].code_values if c != NOT_CALLED]


def pairs(exams: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Every pair of exams of one kind: ``first`` and ``second`` exam numbers (in
    order) of each ``case_id``, and whether both were blinded.

    Parameters
    ----------
    exams : DataFrame
        The ``exam`` form as :meth:`casekit.Store.read` gives it.
    kind : {"between", "within"}
        Same day, different examiners; or same examiner, different days.
    """
    if kind not in KINDS:
        raise ValueError(f"kind is {kind!r}; expected one of {', '.join(KINDS)}")
    columns = ["case_id", "exam_no", "exam_date", "examiner", "blinded"]
    known = exams[columns].dropna(subset=["exam_date", "examiner"])
    known = known.assign(blinded=known["blinded"].astype(object) == "yes")
    both = known.merge(known, on="case_id", suffixes=("_1", "_2"))
    both = both[both["exam_no_1"] < both["exam_no_2"]]
    same_day = both["exam_date_1"] == both["exam_date_2"]
    same_examiner = both["examiner_1"].astype(str) == both["examiner_2"].astype(str)
    chosen = (
        same_day & ~same_examiner if kind == "between" else same_examiner & ~same_day
    )
    found = both[chosen.to_numpy(dtype=bool)].sort_values(
        ["case_id", "exam_no_1", "exam_no_2"]
    )
    return pd.DataFrame(
        {
            "case_id": found["case_id"].astype(str).to_numpy(),
            "first": found["exam_no_1"].to_numpy(),
            "second": found["exam_no_2"].to_numpy(),
            "blinded": (found["blinded_1"] & found["blinded_2"]).to_numpy(dtype=bool),
        }
    )


def square_table(first, second, codes: list[str]) -> np.ndarray:
    """The ``len(codes)`` square table of paired calls (rows: the first exam)."""
    index = {code: i for i, code in enumerate(codes)}
    table = np.zeros((len(codes), len(codes)), dtype=int)
    for a, b in zip(first, second, strict=True):
        table[index[a], index[b]] += 1
    return table


def cohen(table: np.ndarray) -> Kappa:
    """Cohen's kappa of ``table`` with its 95 % interval (statsmodels), observed
    agreement and PABAK; NaN where it is undefined (no pairs, or every call the
    same, so that chance agreement is 1). The interval is NaN too where its
    standard error is 0 or not finite (see below)."""
    table = np.asarray(table)
    n = int(table.sum())
    k = table.shape[0]
    if n == 0:
        return Kappa(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    observed = float(np.trace(table)) / n
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        from statsmodels.stats.inter_rater import cohens_kappa

        result = cohens_kappa(table)
    low, high = float(result.kappa_low), float(result.kappa_upp)
    # statsmodels' standard error is 0 for a table too small or too one-sided to
    # vary (one or two pairs; pairs that all agreed): an interval of no width
    # there claims a certainty no such count of pairs gives. No interval then.
    std = float(result.std_kappa)
    if not (math.isfinite(std) and std > 0):
        low = high = math.nan
    return Kappa(n, observed, float(result.kappa), low, high, pabak(observed, k))


def pabak(observed: float, codes: int) -> float:
    """The prevalence- and bias-adjusted kappa of an ``observed`` agreement over
    ``codes`` codes: (codes x observed - 1) / (codes - 1)."""
    return (codes * observed - 1) / (codes - 1)


def shown_kappa(table: np.ndarray, rule: Rule) -> Kappa | None:
    """Cohen's kappa of ``table`` as a shared output may show it: of the table
    whose every cell went through ``rule`` (rounded; exact under a rule that
    rounds nothing), never of the exact one, whose kappa beside rounded counts
    would let a reader solve for them. None when a cell is suppressed (from 1 to
    ``rule.suppress_max`` pairs): the cells shown cannot give a kappa then.
    ``pairs``, ``agreement`` and ``pabak`` are those of the table's cells as
    rounded; a table shows its own pairs and agreement apart (rounded as a rate)."""
    cells = [safe_count(int(c), rule) for c in np.ravel(table)]
    if any(is_suppressed(c) for c in cells):
        return None
    return cohen(np.reshape(np.array(cells, dtype=int), np.shape(table)))


def side_square(table: np.ndarray, codes: list[str]) -> np.ndarray | None:
    """The 2 x 2 part of a square ``table`` of paired calls (:func:`square_table`,
    over ``codes``) in which both examiners called one side (:data:`SIDES`): rows
    the first exam's left, right; columns the second's. None where ``codes`` lack
    a side. Its cells are cells of ``table``, so a shared output rounds them as it
    rounds the whole table's (:func:`shown_kappa`)."""
    if not all(side in codes for side in SIDES):
        return None
    index = [codes.index(side) for side in SIDES]
    return np.asarray(table)[np.ix_(index, index)]


def side_kappas(
    table: pd.DataFrame | None,
    tables: dict[tuple[str, str, str], np.ndarray] | None,
    dictionary: Dictionary,
    rule: Rule | None = None,
) -> dict[str, Kappa | None]:
    """Per finding a pattern rests on (:data:`PALPATION`), Cohen's kappa of the
    pairs of its :func:`best_row` (same kind and blinding as the agreement quoted)
    in which both examiners called one side: the kappa that implies how often a
    left/right call is wrong (:func:`casekit.sensitivity.error_rate`). The
    agreement ``table`` and its ``tables`` of paired calls (:func:`square_tables`).

    Under a disclosure ``rule`` the 2 x 2 table's cells are shown as the rule shows
    them and the kappa is theirs (:func:`shown_kappa`); None where a cell is
    suppressed (or a finding has no side codes). A finding without pairs is left
    out."""
    form = dictionary["exam"]
    found = {}
    for finding in dict.fromkeys(f for rests in PALPATION.values() for f in rests):
        row = None if table is None else best_row(table, finding)
        square = (
            None
            if row is None or tables is None
            else tables.get((finding, row["kind"], row["blinded"]))
        )
        if square is None:
            continue
        sides = side_square(square, calls(form, finding))
        if sides is None:
            found[finding] = None
        else:
            found[finding] = cohen(sides) if rule is None else shown_kappa(sides, rule)
    return found


# statsmodels gives kappa but no interval (NaN) when the calls are nearly all the
# same (11 pairs "left, left" and one "left, right", say): its variance is then
# undefined. Said in words, never as "nan".
NO_INTERVAL = "95 % CI not computable: the calls were nearly all the same"
# and :func:`cohen` gives none where it would have no width: from fewer pairs than
# patterns.SMALL_N, or from pairs that all agreed.
TOO_FEW_FOR_INTERVAL = "no interval: too few pairs"
ALL_AGREED = "no interval: every pair agreed"


def kappa_words(
    kappa: float,
    low: float,
    high: float,
    *,
    ci: str = "95 % CI ",
    pairs: int | None = None,
) -> str:
    """Kappa to two decimals with its interval in brackets (headed ``ci``), or in
    their place why there is none: :data:`TOO_FEW_FOR_INTERVAL` under
    :data:`casekit.patterns.SMALL_N` ``pairs`` (when given), :data:`ALL_AGREED`
    at a kappa of 1, else :data:`NO_INTERVAL`."""
    if pd.isna(low) or pd.isna(high):
        if pairs is not None and pairs < SMALL_N:
            why = TOO_FEW_FOR_INTERVAL
        elif kappa == 1:
            why = ALL_AGREED
        else:
            why = NO_INTERVAL
        return f"{kappa:.2f} ({why})"
    return f"{kappa:.2f} ({ci}{low:.2f} to {high:.2f})"


def fleiss(ratings: np.ndarray) -> float:
    """Fleiss' kappa of a subjects x raters array of category codes (statsmodels'
    ``aggregate_raters`` then ``fleiss_kappa``); NaN for fewer than two subjects
    or when every call is the same."""
    ratings = np.asarray(ratings)
    if ratings.ndim != 2 or ratings.shape[0] < 2:
        return math.nan
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    counts, _ = aggregate_raters(ratings)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(fleiss_kappa(counts, method="fleiss"))


def square_tables(
    exams: pd.DataFrame, dictionary: Dictionary
) -> dict[tuple[str, str, str], np.ndarray]:
    """The square table of paired calls (:func:`square_table`) of each finding,
    kind and blinding, keyed ``(finding, kind, blinding)`` in the order of
    :func:`agreement_table`'s rows: what a shared output computes kappa from
    (:func:`shown_kappa`)."""
    form = dictionary["exam"]
    indexed = exams.set_index(["case_id", "exam_no"])
    tables = {}
    for kind in KINDS:
        found = pairs(exams, kind)
        for finding in findings(form):
            codes = calls(form, finding)
            value = indexed[finding].astype(object)
            first = value.reindex(_keys(found, "first"))
            second = value.reindex(_keys(found, "second"))
            called = first.isin(codes).to_numpy() & second.isin(codes).to_numpy()
            for blinding in BLINDING:
                keep = called & _blinding_mask(found, blinding)
                tables[finding, kind, blinding] = square_table(
                    first[keep], second[keep], codes
                )
    return tables


def agreement_table(
    exams: pd.DataFrame,
    dictionary: Dictionary,
    tables: dict[tuple[str, str, str], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Agreement per finding, kind (between, within) and blinding (all pairs, the
    blinded ones, the others): the :data:`COLUMNS` table ``casekit agreement``
    prints. ``tables``: :func:`square_tables` of ``exams`` when already counted."""
    if tables is None:
        tables = square_tables(exams, dictionary)
    form = dictionary["exam"]
    raters = {f: _fleiss_ratings(exams, f, calls(form, f)) for f in findings(form)}
    rows = []
    for (finding, kind, blinding), table in tables.items():
        result = cohen(table)
        three = raters[finding] if kind == "between" and blinding == "all" else None
        rows.append(
            {
                "finding": finding,
                "kind": kind,
                "blinded": blinding,
                **result._asdict(),
                "fleiss": math.nan if three is None else fleiss(three),
                "note": _note(result),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _keys(found: pd.DataFrame, which: str) -> list[tuple]:
    return list(zip(found["case_id"], found[which], strict=True))


def _blinding_mask(found: pd.DataFrame, blinding: str) -> np.ndarray:
    blinded = found["blinded"].to_numpy(dtype=bool)
    if blinding == "yes":
        return blinded
    if blinding == "no":
        return ~blinded
    return np.ones(len(found), dtype=bool)


def _fleiss_ratings(exams: pd.DataFrame, finding: str, codes: list[str]):
    """Subjects x 3 calls: each case's day on which three or more examiners
    called ``finding`` (the first exam of each of its first three examiners)."""
    called = exams[exams[finding].isin(codes)].sort_values(["case_id", "exam_no"])
    called = called.drop_duplicates(["case_id", "exam_date", "examiner"])
    day = ["case_id", "exam_date"]
    seen = called.groupby(day, observed=True)[finding].transform("size")
    rows = [
        [codes.index(v) for v in group[finding].astype(str)[:FLEISS_RATERS]]
        for _, group in called[seen >= FLEISS_RATERS].groupby(day, observed=True)
    ]
    return np.array(rows) if len(rows) >= 2 else None


def _note(result: Kappa) -> str:
    if result.pairs == 0:
        return "no pairs yet"
    if result.pairs < SMALL_N:
        return f"too few pairs to read agreement from (under {SMALL_N})"
    if math.isnan(result.kappa):
        return "every call the same: kappa undefined, see PABAK"
    return ""


def best_row(table: pd.DataFrame, finding: str) -> pd.Series | None:
    """The row to quote for ``finding``: blinded between-examiner pairs when there
    are any, else all between pairs; None when there is none."""
    between = table[(table["finding"] == finding) & (table["kind"] == "between")]
    for blinding in ("yes", "all"):
        row = between[between["blinded"] == blinding]
        if len(row) and row.iloc[0]["pairs"] > 0:
            return row.iloc[0]
    return None
