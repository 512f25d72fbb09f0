"""k-anonymity for the share export: no case stands out on what others may know.

A shared export has no name, date or note, yet a case can still be singled out by
what a colleague, a neighbour or a linked data set knows about a person: the site,
the age band, the sex, the side and duration of the pain, a first or recurrent
episode. The dictionary flags these fields ``quasi_identifier: true``. Every
combination of them must be shared by at least ``k`` cases (default 5):

1. **Generalisation** (Sweeney's Datafly): while more than ``budget`` of the cases
   sit in groups smaller than ``k``, the flagged field with the most distinct values
   is made one step coarser along its ladder (:data:`LADDERS`: 10-year age bands
   become 20-year bands, then one; other sex and not disclosed merge; subacute and
   chronic merge; sites merge). A flagged field without a ladder is merged whole
   in one step.
2. **Local suppression**: the cases still in groups smaller than ``k`` lose values,
   one field at a time in :data:`SUPPRESS_FIRST` order (site first, the side of the
   pain last: every side pattern needs it), until each sits in a group of ``k`` or
   more. If a few cases are left with every field blank, other cases from the
   largest groups join them, blanked too, until they number ``k``. Every blanked
   cell is counted.

The side of the pain is never generalised (the patterns compare sides) and only
suppressed as the last resort. :func:`l_diversity` measures, for the report in
``disclosure.txt``, how many distinct values a sensitive field has in the smallest
group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .dictionary import Field, Form, noun_of

DEFAULT_K = 5
DEFAULT_BUDGET = 0.05  # share of cases that may be left to local suppression
# Each step of a ladder maps codes (or an earlier step's labels) to coarser labels.
LADDERS: dict[str, list[dict[str, str]]] = {
    "age_band": [
        {
            "18-29": "18-39",
            "30-39": "18-39",
            "40-49": "40-59",
            "50-59": "40-59",
            "60-69": "60+",
            "70-79": "60+",
            "80+": "60+",
        },
        {"18-39": "18+", "40-59": "18+", "60+": "18+"},
    ],
    "sex": [
        {"other": "other or not disclosed", "undisclosed": "other or not disclosed"}
    ],
    "duration": [{"subacute": "6 weeks or more", "chronic": "6 weeks or more"}],
}
ANY = "any"  # the one value of a field merged whole
SUPPRESS_FIRST = ("site", "episode", "duration", "sex", "age_band", "pain_side")


@dataclass
class Anonymised:
    """A case frame made k-anonymous, and what was done to it."""

    frame: pd.DataFrame
    k: int
    quasi_identifiers: tuple[str, ...]
    steps: dict[str, int] = field(default_factory=dict)  # ladder steps taken
    suppressed: dict[str, int] = field(default_factory=dict)  # cells blanked
    smallest: int = 0  # size of the smallest group after all (0: no cases)
    # fields withheld whatever their answer where a row leaves blank a value they
    # can say (casekit.reveals): how many cases each, and the values said (sex)
    withheld: dict[str, int] = field(default_factory=dict)
    withheld_says: tuple[str, ...] = ()

    @property
    def cells_suppressed(self) -> int:
        return sum(self.suppressed.values())

    def generalised(self) -> dict[str, list[str]]:
        """Each generalised field's values as shared, in order of first step."""
        return {
            q: sorted(self.frame[q].dropna().astype(str).unique())
            for q, steps in self.steps.items()
            if steps
        }


def quasi_identifiers(form: Form, columns: Sequence[str]) -> tuple[str, ...]:
    """The flagged fields of ``form`` that are among ``columns``."""
    return tuple(
        f.code for f in form.fields if f.quasi_identifier and f.code in columns
    )


def group_sizes(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """For each row, how many rows share its values of ``columns`` (missing is a
    value like any other: a blank cell matches only blank cells)."""
    if not len(frame):
        return pd.Series([], dtype="int64", index=frame.index)
    if not columns:
        return pd.Series(len(frame), index=frame.index)
    keys = _keys(frame, columns)
    return keys.groupby(list(columns), dropna=False)[columns[0]].transform("size")


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The ``columns`` with missing as '', so that a blank matches only a blank."""
    return frame[list(columns)].astype(object).where(frame[list(columns)].notna(), "")


def k_anonymise(
    cases: pd.DataFrame,
    qis: Sequence[str],
    k: int = DEFAULT_K,
    budget: float = DEFAULT_BUDGET,
) -> Anonymised:
    """``cases`` with every combination of ``qis`` shared by ``k`` or more rows.

    Parameters
    ----------
    cases : DataFrame
        One row per case; the ``qis`` columns hold codes (or are missing).
    qis : sequence of str
        The quasi-identifier columns.
    k : int, default 5
    budget : float, default 0.05
        Generalise until at most this share of cases sits in small groups; those
        are then suppressed cell by cell.

    Returns
    -------
    Anonymised
        The frame (the ``qis`` columns as text, missing as NA) and what was done.
        With fewer than ``k`` cases, every quasi-identifier is blanked (one
        shared by all of them too) and ``smallest`` stays below ``k``: no export
        of them can be k-anonymous (:func:`casekit.io.exporter.export_csv`
        refuses one).
    """
    if k < 1:
        raise ValueError(f"`k` must be at least 1, got {k!r}")
    qis = tuple(qis)
    frame = cases.copy()
    original = {q: _plain(frame[q]) for q in qis}
    for q in qis:
        frame[q] = pd.Series(original[q], index=frame.index, dtype=object)
    result = Anonymised(frame, k, qis, dict.fromkeys(qis, 0), dict.fromkeys(qis, 0))
    _generalise(result, original, budget)
    _suppress(result)
    for q in qis:
        result.frame[q] = result.frame[q].astype("str")
    sizes = group_sizes(result.frame, qis)
    result.smallest = int(sizes.min()) if len(sizes) else 0
    return result


def _ladder(code: str) -> list[dict[str, str]] | None:
    return LADDERS.get(code)


def _apply(values: pd.Series, code: str, steps: int) -> pd.Series:
    ladder = _ladder(code)
    if steps == 0:
        return values
    if ladder is None:
        return values.map(lambda v: ANY, na_action="ignore")
    for step in ladder[:steps]:
        values = values.map(lambda v, s=step: s.get(v, v), na_action="ignore")
    return values


def stands_for(code: str, codes: Sequence[str], steps: int) -> dict[str, frozenset]:
    """Each value field ``code`` of ``codes`` is shared as after ``steps`` steps of
    generalisation, and the codes it stands for (a blank stands for them all)."""
    shared = _apply(pd.Series(list(codes), dtype=object), code, steps)
    found: dict[str, set[str]] = {}
    for original, value in zip(codes, shared, strict=True):
        found.setdefault(value, set()).add(original)
    return {value: frozenset(originals) for value, originals in found.items()}


def _steps_left(code: str, taken: int) -> bool:
    if code == "pain_side":  # every side pattern needs it as it is
        return False
    ladder = _ladder(code)
    return taken < (1 if ladder is None else len(ladder))


def _generalise(result: Anonymised, original: Mapping[str, pd.Series], budget):
    """Greedy, one ladder step at a time: the step that leaves the fewest cases in
    small groups (ties: the field suppressed first anyway), while any step helps."""
    frame, qis, k = result.frame, result.quasi_identifiers, result.k
    small = _small(frame, qis, k)
    while small > budget * len(frame):
        tried = {}
        for q in qis:
            if not _steps_left(q, result.steps[q]) or frame[q].nunique() < 2:
                continue
            trial = frame.copy()
            trial[q] = _apply(original[q], q, result.steps[q] + 1)
            tried[q] = (_small(trial, qis, k), _cost(q), trial[q])
        if not tried:
            return
        best = min(tried, key=lambda q: tried[q][:2])
        if tried[best][0] >= small:
            return  # no step helps: what is left is for local suppression
        small = tried[best][0]
        result.steps[best] += 1
        frame[best] = tried[best][2]


def _small(frame: pd.DataFrame, qis: Sequence[str], k: int) -> int:
    return int((group_sizes(frame, qis) < k).sum())


def _cost(code: str) -> int:
    """How much a field is worth to the analysis: suppressed and generalised last."""
    return SUPPRESS_FIRST.index(code) if code in SUPPRESS_FIRST else -1


def _suppress(result: Anonymised) -> None:
    frame, qis, k = result.frame, result.quasi_identifiers, result.k
    order = [q for q in qis if q not in SUPPRESS_FIRST]
    order += [q for q in SUPPRESS_FIRST if q in qis]
    # A field of one value singles no case out among k or more: blanking it would
    # only mark a case. Among fewer than k, that one value is the few cases' own.
    if len(frame) >= k:
        order = [q for q in order if frame[q].nunique(dropna=False) > 1]
    small = frame.index[group_sizes(frame, qis) < k]
    for q in order:
        if not len(small):
            return
        result.suppressed[q] += int(frame.loc[small, q].notna().sum())
        frame.loc[small, q] = None
        small = frame.index[group_sizes(frame, qis) < k]
    # Left: cases with every field of `order` blank, fewer than k of them. Cases
    # of the largest group join them (one at a time while that group keeps k, else
    # the whole of the smallest group), blanked too, until they are k.
    while len(small) and len(small) < k:
        sizes = group_sizes(frame, qis)[~frame.index.isin(small)]
        if sizes.empty:
            break
        if sizes.max() > k:
            joining = [sizes.idxmax()]
        else:  # every other group has exactly k: one of them joins whole
            keys = _keys(frame.loc[sizes.index], qis)
            first = keys.iloc[0]
            joining = list(keys.index[(keys == first).all(axis=1)])
        for q in order:
            result.suppressed[q] += int(frame.loc[joining, q].notna().sum())
            frame.loc[joining, q] = None
        small = frame.index[group_sizes(frame, qis) < k]


def _plain(values: pd.Series) -> pd.Series:
    """Codes as plain objects, a multi-select's list as its `a|b` text, missing as
    None."""
    # Kept as objects: `map` would make whole numbers with a missing one floats
    # (a local year of birth 1961 shared as `1961.0`).
    plain = [
        "|".join(v) if isinstance(v, list) else (None if pd.isna(v) else v)
        for v in values.astype(object)
    ]
    return pd.Series(plain, index=values.index, dtype=object)


def l_diversity(frame: pd.DataFrame, qis: Sequence[str], sensitive: str) -> int:
    """The fewest distinct values of ``sensitive`` (missing counted as one) within
    any group of rows that share their ``qis`` values; 0 for no rows."""
    if not len(frame):
        return 0
    keys = _keys(frame, qis)
    values = _plain(frame[sensitive]).fillna("")
    return int(values.groupby([keys[q] for q in qis]).nunique().min())


def unique_share(sequences: pd.Series) -> float:
    """The share of cases whose value (e.g. the weeks of their visits) no other
    case has; 0 for no cases."""
    if not len(sequences):
        return 0.0
    counts = sequences.map(tuple).value_counts()
    return float(sequences.map(tuple).map(counts).eq(1).mean())


def _cases(n: int) -> str:
    return f"{n} case{'s' * (n != 1)}"


def disclosure_note(
    result: Anonymised,
    sensitive: Mapping[str, int],
    visits_unique: float,
    labels: Mapping[str, str],
    local_fields: Sequence[Field] = (),
) -> str:
    """What the share export did to keep cases from being singled out, in words,
    for ``disclosure.txt``; ``local_fields`` (the practitioner's own) are each
    named as shared or left out."""
    n = len(result.frame)
    names = ", ".join(labels.get(q, q) for q in result.quasi_identifiers)
    lines = [
        "casekit share export: disclosure control",
        "",
        f"Cases: {n}. Quasi-identifiers (what others may know of a person): {names}.",
    ]
    if n and result.smallest < result.k:
        lines.append(
            f"k-anonymity NOT reached: with {_cases(n)}, no "
            f"combination can be shared by {_cases(result.k)}; every "
            "quasi-identifier is blank, and still these cases are too few to share."
        )
    else:
        lines.append(
            f"k-anonymity: every combination of them is shared by at least "
            f"{_cases(result.k)} (smallest group: {result.smallest})."
        )
    if result.k < DEFAULT_K:
        lines.append(
            f"k = {result.k} is below the default of {DEFAULT_K}: this export is "
            "NOT k-anonymous in the usual sense; a combination of its "
            f"quasi-identifiers may single out as few as {_cases(result.k)}."
        )
    lines += _local_lines(local_fields)
    lines += ["", "Generalised (values as shared):"]
    shared = result.generalised()
    lines += [
        f"- {labels.get(q, q)}: {', '.join(values)}" for q, values in shared.items()
    ] or ["- nothing"]
    lines += ["", f"Suppressed cells (left blank): {result.cells_suppressed}"]
    lines += [
        f"- {labels.get(q, q)}: {count}"
        for q, count in result.suppressed.items()
        if count
    ]
    if result.suppressed.get("pain_side"):
        lines.append(
            f"The {result.suppressed['pain_side']} cases without a side of the pain "
            "are left out of the patterns that compare sides."
        )
    lines += _withheld_lines(result, labels)
    lines += [
        "",
        "Sites are shown as site A, B, ... (largest first), never by their code.",
        "Sessions and follow-ups carry `week` (whole weeks since intake), not a "
        f"date or a day: {visits_unique:.0%} of cases have a pattern of session "
        "weeks no other case has.",
        "No free text, no calendar date, no identifier field, no case id of the "
        "store; withdrawn cases are left out.",
    ]
    if sensitive:
        lines += ["", "l-diversity (fewest distinct values within any group):"]
        lines += [f"- {labels.get(c, c)}: {value}" for c, value in sensitive.items()]
    return "\n".join(lines) + "\n"


def _withheld_lines(result: Anonymised, labels: Mapping[str, str]) -> list[str]:
    """The fields withheld where a row leaves blank what they can say, and in
    how many cases: a count of the rows so blanked, which the reader sees, never
    of the answers (which answer was withheld where would be the leak itself)."""
    if not result.withheld:
        return []
    says = " or ".join(labels.get(q, q).lower() for q in result.withheld_says)
    return [
        "",
        f"Withheld whatever the answer (None too), in the rows of every case whose "
        f"{says} the share leaves blank or generalised, the fields whose answers "
        f"can say it (as a caesarean says female): a blank there tells nothing of "
        f"the answer. A row that shows its {says} keeps their answers (but one "
        "contradicting it, such as prostate surgery in a row showing female).",
        *(f"- {name}, withheld in {_cases(n)}" for name, n in result.withheld.items()),
    ]


def _local_lines(local_fields: Sequence[Field]) -> list[str]:
    """Each of the practitioner's own fields, shared or left out, and why."""
    if not local_fields:
        return []
    lines = ["", "Fields of the local dictionary (dictionary.local.yaml):"]
    for f in local_fields:
        where = f"{f.label} (`{f.code}`, {noun_of(f.form)} form)"
        if f.is_shareable and f.quasi_identifier:
            lines.append(f"- shared: {where}, a quasi-identifier")
        elif f.is_shareable:
            why = (
                "declared `quasi_identifier: false`"
                if f.form == "case"
                else "k-anonymity is over the cases' fields"
            )
            lines.append(f"- shared: {where}, not a quasi-identifier ({why})")
        else:
            why = (
                "an identifier"
                if f.identifier
                else "free text"
                if f.free_text
                else "a date"
                if f.type == "date"
                else "not declared `share: true`"
            )
            lines.append(f"- left out: {where}, {why}")
    return lines
