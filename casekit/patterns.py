"""The named patterns, counted honestly: k of n, a 95 % interval, and a comparator.

Each pattern is one boolean column of :func:`casekit.derive.derive`: ``n`` counts the
rows where it is known (not NA) and ``k`` those where it is True, so every
denominator is written down once, in ``derive``. This module only adds which rows
belong to a pattern, what to hold the rate against (50 %, or a published figure of
:mod:`casekit.literature`) and the words a practitioner reads. The statistics come
from :mod:`casekit.stats`; :data:`SMALL_N`, below which a denominator is too small to
read a rate from, is the kit's one such threshold.

Denominators (n), in one place:

- si_opposite: one-sided cases whose tighter SI is left or right (both, none,
  not_tested and empty are out; "both" is counted in the note).
- flare_after_care: sessions with relief (after < before) that a follow-up within
  7 days reports on with flare yes or no (and, for yes, a known onset); k: a flare
  that began within 72 h. A flare reported within the 7 days without its onset
  leaves its session out, whatever other reports say, unless one of them places a
  flare within 72 h (it is then k): it may have begun within 72 h, after a "no".
  A later report of a flare whose first report gave its onset
  (:mod:`casekit.flares`) leaves nothing out: the first report answers for it.
- flare_same_side: first reports of flares in one-sided cases with a left or right
  flare side (both and other_region counted in the note).
- ankle_history: one-sided cases with the ankle question answered; `unsure` is k.
- ankle / knee / plantar_same_side: one-sided cases whose finding is left or right.
- flexor_glute_same_side: one-sided cases with both the hip flexors and the glute
  examined (none, left, right or both); k: both on the same single side.
- improved: cases with an outcome (:data:`casekit.derive.OUTCOMES`): an NPRS at
  intake and 14+ days after their last session; k: clinically important
  improvement at the latest such follow-up. A case without pain at intake
  (NPRS 0) is in n, not in k: it cannot improve, and may be worse.
- improvement_held: those of them improved at an earlier follow-up; k: still
  improved at the latest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats
from .derive import CHECKIN_WINDOW_DAYS, INPUTS, ensure_derived, positions_of
from .dictionary import Dictionary, load_dictionary
from .errors import UsageError
from .labels import percent
from .literature import (
    ANKLE_BASE_RATE,
    HILLER_ADULTS,
    HILLER_INJURED,
    IMPORTANT_POINTS,
    IMPORTANT_TENTHS,
    PATIENTS_REACTING,
    WALKER_SHAM,
    WALKER_USUAL,
)

COLUMNS = "pattern label k n proportion ci_low ci_high comparator p_value note".split()
# The splits a practitioner asks for (any categorical case column works).
SPLITS = ("site", "sex", "age_band", "duration", "episode", "upstream_treated")
SMALL_N = 10  # below this a denominator is too small to read a rate from
HALF = "Compared with 50 % (exact binomial test)."
WALKER = (
    f"{percent(WALKER_SHAM)} in the sham arm and {percent(WALKER_USUAL)} with usual "
    "care (Walker 2013)"
)
_LOW, *_, _HIGH = sorted(s.share for s in PATIENTS_REACTING)
REACTING = (
    f"{100 * _LOW:.0f}-{percent(_HIGH)} of patients react after manual therapy "
    f"({', '.join(s.source for s in PATIENTS_REACTING)})"
)


@dataclass(frozen=True)
class Pattern:
    """One row of the pattern table: which boolean column, and against what."""

    id: str
    label: str
    form: str  # the frame the column lives in: case, session or followup
    column: str
    comparator: float | None = None  # NaN in the table when None
    tested: bool = False  # exact binomial test against ``comparator``
    only: str | None = None  # a case column that must be True for the row to count
    about: str = ""  # what the comparator is, for the note


def _against_half(id: str, label: str, form: str = "case", about: str = HALF):
    return Pattern(id, label, form, id, 0.5, True, about=about)


PATTERNS: tuple[Pattern, ...] = (
    _against_half(
        "si_opposite",
        "SI joint tighter on the side opposite the pain",
        about=f"{HALF} Motion palpation is one examiner's judgement, made knowing "
        "the pain side; examiners agree on it little better than chance.",
    ),
    Pattern(
        "flare_after_care",
        "Flare within 72 h after a session that brought relief",
        "session",
        "flare_after_care",
        WALKER_SHAM,
        about=f"Literature, not tested: {WALKER}; {REACTING}, mostly within 4 h "
        "and gone within 24 h (Senstad 1997). Those count patients and a 24 h "
        "window; this counts sessions with relief and a check-in within 7 days, so "
        "no p-value.",
    ),
    _against_half(
        "flare_same_side", "Flare on the same side as the back pain", "followup"
    ),
    Pattern(
        "ankle_history",
        "Old ankle injury (any side, however mild)",
        "case",
        "ankle_history",
        ANKLE_BASE_RATE,
        True,
        only="one_sided",
        about=f"Compared with the community base rate of {percent(ANKLE_BASE_RATE)} "
        f"(Hiller 2012: {HILLER_INJURED} of {HILLER_ADULTS} adults had injured an "
        "ankle), exact binomial test; not with 50 %. 'Unsure' counts as an injury.",
    ),
    _against_half("ankle_same_side", "Old ankle injury on the side of the pain"),
    Pattern(
        "flexor_glute_same_side",
        "Tight hip flexors and weak glute on the same side",
        "case",
        "flexor_glute_same_side",
        about="Descriptive, no comparator: of one-sided cases with both the Thomas "
        "test and glute strength examined.",
    ),
    _against_half("knee_same_side", "Knee pain on the side of the back pain"),
    _against_half(
        "plantar_same_side", "Plantar fasciitis on the side of the back pain"
    ),
    Pattern(
        "improved",
        f"Pain clearly better (NPRS down {IMPORTANT_POINTS}+ points and "
        f"{10 * IMPORTANT_TENTHS} %+)",
        "case",
        "improved",
        about="Descriptive (Ostelo 2008 threshold), at the latest follow-up 14+ "
        "days after the last session, of cases with a pain score at intake "
        "followed up that late (one with no pain at intake cannot improve: it is "
        "counted as not improved). No control group: natural recovery and "
        "regression to the mean are in it too.",
    ),
    Pattern(
        "improvement_held",
        "Improvement still there 2+ weeks after the last session",
        "case",
        "held",
        about="Descriptive: of cases improved at an earlier follow-up, those still "
        "improved at the latest one 14+ days after the last session. "
        "Observational, no control group.",
    ),
)
RECURRENCE: tuple[Pattern, ...] = (
    Pattern(
        "flare_after_care_cases",
        "Patients with a flare within 72 h after a session that brought relief",
        "case",
        "flare_after_care",
        WALKER_SHAM,
        about=f"Literature, not tested: {WALKER}, counting patients; windows and "
        "definitions differ, so no p-value.",
    ),
    Pattern(
        "same_side_recurrence",
        "Same-side flare after two or more sessions",
        "case",
        "same_side_recurrence",
        about="Descriptive: one-sided cases with a flare answer (yes or no) after "
        "two or more sessions.",
    ),
)


def local_splits(dictionary: Dictionary) -> tuple[str, ...]:
    """The case fields with codes that ``dictionary`` adds to the built-in one.

    Parameters
    ----------
    dictionary : Dictionary
        A store's dictionary: the built-in one plus its ``dictionary.local.yaml``.

    Returns
    -------
    tuple of str
        The codes of its local ``choice`` and ``yesno`` case fields, in order
        (a kind of work, say): a practice splits and filters by these beside
        :data:`SPLITS`.
    """
    builtin = load_dictionary()["case"]
    return tuple(
        f.code
        for f in dictionary["case"].fields
        if f.type in ("choice", "yesno") and f.code not in builtin
    )


def inputs(by: str | None = None) -> dict[str, tuple[str, ...]]:
    """The stored columns :func:`pattern_table` reads, split ``by`` a case column,
    by form: ask :meth:`casekit.Store.frames` for these (``columns=``) to count
    the patterns without reading the rest."""
    return INPUTS if by is None else {**INPUTS, "case": (*INPUTS["case"], by)}


def pattern_table(
    frames: dict[str, pd.DataFrame], by: str | None = None
) -> pd.DataFrame:
    """Every named pattern as a row: count, denominator, interval and comparator.

    Parameters
    ----------
    frames : dict of DataFrame
        As :meth:`casekit.Store.frames` returns them, or as
        :func:`casekit.derive.derive` returns them (faster when the table is
        recomputed often, e.g. by an explorer that filters the case frame: rows of
        cases no longer in it are left out).
    by : str, optional
        A case column to split by (``site``, ``sex``, ``age_band``, ``duration``,
        ``episode``, ``upstream_treated``, ...). Categories keep dictionary order,
        empty categories included; cases with no value form a last group (NA).

    Returns
    -------
    DataFrame
        Columns ``pattern, label, k, n, proportion, ci_low, ci_high, comparator,
        p_value, note`` (with ``by`` first when split), one row per pattern of
        :data:`PATTERNS` in that order (per group when split). ``proportion`` and
        the Wilson 95 % interval are NaN when ``n`` is 0; ``p_value`` is the exact
        binomial test against ``comparator`` where the comparison is fair, else NaN.
    """
    return _table(ensure_derived(frames), PATTERNS, by)


def recurrence_table(
    frames: dict[str, pd.DataFrame], by: str | None = None
) -> pd.DataFrame:
    """Recurrence counted per case, with the columns of :func:`pattern_table`.

    Rows: ``flare_after_care_cases`` (cases with a flare within 72 h after a session
    with relief, of cases with such a session checked within 7 days) and
    ``same_side_recurrence`` (one-sided cases whose pain side flared after two or
    more sessions, of one-sided cases with a flare answer after two or more).
    """
    return _table(ensure_derived(frames), RECURRENCE, by)


def with_adjusted_p(table: pd.DataFrame, method: str = "holm") -> pd.DataFrame:
    """The table with ``p_adjusted``: its p-values adjusted as one family.

    Parameters
    ----------
    table : DataFrame
        A :func:`pattern_table` (split or not).
    method : {"holm", "fdr_bh"}, default "holm"
        Holm keeps the chance of any false finding at 5 %; ``fdr_bh``
        (Benjamini-Hochberg) the expected share of false findings.

    Returns
    -------
    DataFrame
        A copy with ``p_adjusted`` after ``p_value``; rows without a test stay NaN.
    """
    out = table.copy()
    out.insert(
        out.columns.get_loc("p_value") + 1,
        "p_adjusted",
        stats.adjust(out["p_value"], method),
    )
    return out


def flare_curve(
    frames: dict[str, pd.DataFrame], measure: str = "onset", relief_only: bool = True
) -> pd.DataFrame:
    """Kaplan-Meier curve of flare timing, in hours, as :func:`stats.kaplan_meier`.

    Parameters
    ----------
    frames : dict of DataFrame
        Stored or derived frames.
    measure : {"onset", "duration"}, default "onset"
        ``onset``: hours from a session to its flare, over sessions checked within
        7 days; a session without a flare is censored at its check-in.
        ``duration``: how long flares lasted, read from every report of the flare
        (:mod:`casekit.flares`: a later report of the same flare may say when it
        ended); one still going on at its last report is censored at the hours
        it had lasted by then.
    relief_only : bool, default True
        For ``onset``, only sessions that brought relief (as ``flare_after_care``).
    """
    d = ensure_derived(frames)
    f = d["followup"][d["followup"]["case_id"].isin(d["case"]["case_id"])]
    if measure == "duration":
        first = f[f["flare_event"]]
        return stats.kaplan_meier(
            first["flare_hours_observed"], ~first["flare_ongoing"].astype(bool)
        )
    if measure != "onset":
        raise UsageError(f"`measure` must be 'onset' or 'duration', got {measure!r}")
    gap = f["days_after_session"]
    soon = f[
        ((gap >= 0) & (gap <= CHECKIN_WINDOW_DAYS)).fillna(False)
        & f["flare_reported"].notna()
    ]
    if relief_only:
        soon = soon[soon["after_relief"].fillna(False)]
    # A repeated report of a flare already counted is neither an event nor a censor.
    soon = soon[soon["flare_event"] | ~soon["flare_reported"].astype(bool)]
    per = soon[["case_id", "after_session"]].assign(
        hours=soon["flare_onset_hours"].where(
            soon["flare_event"], soon["days_after_session"].astype("Float64") * 24
        ),
        event=soon["flare_event"],
    )
    # One row per session: its flare if it had one, else its latest check-in.
    per = per.sort_values(["event", "hours"]).drop_duplicates(
        ["case_id", "after_session"], keep="last"
    )
    return stats.kaplan_meier(per["hours"], per["event"])


# -- counting ------------------------------------------------------------------------


def _groups(case: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list, object]:
    """Each case's group number, the group labels in order, and their dtype."""
    if by is None:
        return np.zeros(len(case), dtype=np.int64), [None], None
    if by not in case.columns or by in ("case_id", "notes", "intake_date"):
        raise UsageError(
            f"`by` must be a case column such as site, sex, age_band, duration, "
            f"episode or upstream_treated, got {by!r}"
        )
    column = case[by]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = column.cat.codes.to_numpy(np.int64), list(column.cat.categories)
    elif pd.api.types.is_bool_dtype(column.dtype):
        flags = pd.array(column, dtype="boolean")
        codes = np.where(flags.isna(), -1, flags.to_numpy(bool, na_value=False))
        labels = [False, True]
    elif by == "site":  # text, but each value is one of the store's site codes
        codes, uniques = pd.factorize(column, sort=True)
        labels = list(uniques)
    else:
        # A free-text or number field (a local `referred_by`, `birth_year`) would
        # print what was typed as group labels: only coded fields split.
        kind = "free text" if pd.api.types.is_string_dtype(column) else "not coded"
        raise UsageError(
            f"`by` must be site or a choice field of the case form, such as sex, "
            f"age_band, duration, episode or upstream_treated, got {by!r} ({kind})"
        )
    if (codes < 0).any():
        codes = np.where(codes < 0, len(labels), codes)
        labels = [*labels, None]
    kind = column.dtype if isinstance(column.dtype, pd.CategoricalDtype) else None
    return codes.astype(np.int64), labels, kind


def _table(d: dict[str, pd.DataFrame], patterns, by: str | None) -> pd.DataFrame:
    return Tally(d, patterns).table(by=by)


class Tally:
    """The patterns of derived frames, ready to count again for any subset of cases.

    Which rows each pattern counts (its ``k`` and ``n``, and what its note sets
    aside) is found once, as the positions of their cases in ``d["case"]``;
    :meth:`table` then only gathers the group of each such case and counts with
    ``bincount``. An explorer that filters the cases calls it on every change.
    """

    def __init__(self, d: dict[str, pd.DataFrame], patterns=PATTERNS) -> None:
        self.patterns = tuple(patterns)
        self.case = d["case"]
        positions = {"case": np.arange(len(self.case))}
        for form in {p.form for p in self.patterns} - {"case"}:
            positions[form] = positions_of(d[form]["case_id"], self.case["case_id"])

        def cases(form: str, mask) -> np.ndarray:
            pos = positions[form]
            return pos[np.asarray(mask, dtype=bool) & (pos >= 0)]

        self._k, self._n, self._aside = [], [], []
        for p in self.patterns:
            values = pd.array(d[p.form][p.column], dtype="boolean")
            known = ~values.isna()
            if p.only is not None:
                only = pd.array(self.case[p.only], dtype="boolean")
                ok = only.to_numpy(bool, na_value=False)
                known &= ok[np.maximum(positions[p.form], 0)]
            self._k.append(cases(p.form, known & values.to_numpy(bool, na_value=False)))
            self._n.append(cases(p.form, known))
            self._aside.append([cases(form, m) for form, m in _set_aside(p, d)])

    def table(self, keep: np.ndarray | None = None, by: str | None = None):
        """The pattern table of the cases ``keep`` (a boolean mask over the case
        frame; all by default), split by ``by``: what :func:`pattern_table` gives
        for the frames with only those cases."""
        case = self.case if keep is None else self.case[keep]
        group, labels, kind = _groups(case, by)
        size = len(labels)
        # Each case's group; a case left out counts in a last bin, dropped.
        of_case = np.full(len(self.case) + 1, size, dtype=np.int64)
        of_case[np.arange(len(self.case)) if keep is None else np.flatnonzero(keep)] = (
            group
        )

        def tally(pos: np.ndarray) -> np.ndarray:
            return np.bincount(of_case[pos], minlength=size + 1)[:size]

        k = np.stack([tally(pos) for pos in self._k], axis=1).ravel()
        n = np.stack([tally(pos) for pos in self._n], axis=1).ravel()
        extra = [
            _aside_words(p, [tally(pos) for pos in aside], size)
            for p, aside in zip(self.patterns, self._aside, strict=True)
        ]
        return _rows(self.patterns, labels, kind, by, k, n, extra)


def _rows(patterns, labels, kind, by, k, n, extra) -> pd.DataFrame:
    """The table from the counts: one row per pattern (per group when split)."""
    size = len(labels)
    share = stats.wilson(k, n)
    tiled = [p for _ in labels for p in patterns]
    comparator = np.array(
        [np.nan if p.comparator is None else p.comparator for p in tiled]
    )
    p_value = [
        stats.binomial_p(ki, ni, p.comparator) if p.tested else np.nan
        for p, ki, ni in zip(tiled, k, n, strict=True)
    ]
    asides = [extra[j][g] for g in range(size) for j in range(len(patterns))]
    table = pd.DataFrame(
        {
            "pattern": [p.id for p in tiled],
            "label": [p.label for p in tiled],
            "k": k.astype(np.int64),
            "n": n.astype(np.int64),
            "proportion": share.proportion,
            "ci_low": share.low,
            "ci_high": share.high,
            "comparator": comparator,
            "p_value": np.asarray(p_value, dtype=float),
            "note": [
                _note(p, ni, aside)
                for p, ni, aside in zip(tiled, n, asides, strict=True)
            ],
        }
    )
    if by is not None:
        values = np.repeat(np.array(labels, dtype=object), len(patterns))
        if kind is not None:
            values = pd.Categorical(values, dtype=kind)
        table.insert(0, by, values)
    return table


def _set_aside(p: Pattern, d: dict[str, pd.DataFrame]) -> list[tuple[str, object]]:
    """The rows a pattern's note counts apart from its test: (form, mask) each."""
    if p.id == "si_opposite":
        return [("case", (d["case"]["si_relation"] == "both").to_numpy())]
    if p.id == "flare_same_side":
        relation = d["followup"]["flare_side_relation"]
        return [
            ("followup", (relation == "both").to_numpy()),
            ("followup", (relation == "other_region").to_numpy()),
        ]
    return []


def _aside_words(p: Pattern, counts: list[np.ndarray], size: int) -> list[str]:
    """Per group, what the pattern leaves out of its test, in words."""
    if p.id == "si_opposite":
        return [f"Not in the test: both SI joints tighter {b}." for b in counts[0]]
    if p.id == "flare_same_side":
        return [
            f"Not in the test: flares on both sides {b}, in another region {o}."
            for b, o in zip(*counts, strict=True)
        ]
    return [""] * size


def _note(p: Pattern, n: int, aside: str) -> str:
    if n == 0:
        small = "Nothing to count yet (n = 0)."
    elif n < SMALL_N:
        small = f"Only {n}: too few to read a rate from; the interval shows how little."
    else:
        small = ""
    return " ".join(part for part in (small, p.about, aside) if part)
