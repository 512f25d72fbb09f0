"""Answers that say a quasi-identifier, kept out of a share that leaves it unsaid.

A share export blanks or generalises the quasi-identifiers until every combination
of them is shared by ``k`` cases (:mod:`casekit.anonymity`), yet some answers say
one of them outright: a caesarean or a hysterectomy says the sex is female,
prostate surgery that it is male. The dictionary says which (a field's
``reveals: {ANSWER: {FIELD: VALUE or [VALUES]}}``). Shared as they are, such
answers would let a reader put the blanked value back and split the groups the
share was made of: in the 40-case demo, half the cases fell into groups of fewer
than 5 that way.

- :func:`withhold` blanks, in every shared row (of any form) whose case's row
  leaves open a value that an answer of a field could narrow (sex blank, or
  generalised to several), that field whatever the row answered: None and an
  appendectomy as a caesarean. Withheld only where the answer revealed, the blank
  itself would tell (where the field is always answered, a blank in a row without
  sex read "a sex-specific surgery"); withheld whatever the answer, it says
  nothing of it, and the rows it is in are those a reader already sees blanked.
  A multi-select is blanked whole (without only the revealing choice it would say
  "no" to it, which is false). A row that shows the value keeps its answers, but
  one that contradicts it (prostate surgery in a row showing female).
- :func:`put_back` is the measure: the cases' quasi-identifiers as a reader would
  narrow them from the answers shared. The share's smallest group is counted on it.

An answer of a quasi-identifier itself is never withheld: its value is already in
the combination every group shares, so what it says splits no group.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .anonymity import Anonymised, stands_for
from .dictionary import Dictionary, Field, Form

# Per quasi-identifier, each shared case's id to the codes its row leaves open.
Open = dict[str, dict[str, frozenset]]


def withhold(
    shared: dict[str, pd.DataFrame], dictionary: Dictionary, result: Anonymised
) -> dict[str, int]:
    """Blank in ``shared`` (the share's frames, the case frame being
    ``result.frame``) each field that could say of a case more than the case's
    row does, in that case's rows whatever their answer; returns, by field, how
    many cases it was withheld in (a count of the blanking alone, which the
    reader sees: never of the answers)."""
    left = _open(dictionary, result)
    said_by = sayable(dictionary)
    withheld: dict[str, int] = {}
    for form in dictionary:
        frame = shared[form.name]
        for f in _revealing(form, frame, result):
            unsaid = _could_narrow(f, left, said_by)
            says_more = _says_more(f, left)
            kept = []
            for answer, case_id in zip(
                frame[f.code].astype(object), frame["case_id"], strict=True
            ):
                chosen = answer if isinstance(answer, list) else [answer]
                gone = case_id in unsaid or any(says_more(a, case_id) for a in chosen)
                kept.append(None if gone else answer)
            if f.type == "multi":
                frame[f.code] = pd.Series(kept, index=frame.index, dtype=object)
            else:  # a choice keeps its dtype (categories), blank where withheld
                frame[f.code] = frame[f.code].where(pd.Series(kept).notna().values)
            if unsaid:
                withheld[_name(form, f)] = len(unsaid)
    return dict(sorted(withheld.items()))


def put_back(
    shared: Mapping[str, pd.DataFrame], dictionary: Dictionary, result: Anonymised
) -> pd.DataFrame:
    """The shared case frame's quasi-identifiers as a reader would narrow them
    from the answers the share holds: a row whose sex is blank but whose answers
    say female is female. A value left as it was keeps its shared label."""
    left = _open(dictionary, result)
    said: dict[str, dict[str, frozenset]] = {q: {} for q in left}
    for form in dictionary:
        frame = shared[form.name]
        for f in _revealing(form, frame, result, every=True):
            rules = _rules(f)
            for answer, case_id in zip(
                frame[f.code].astype(object), frame["case_id"], strict=True
            ):
                answers = answer if isinstance(answer, list) else [answer]
                for a in answers:
                    for target, values in rules.get(a, ()):
                        before = said[target].get(case_id, values)
                        said[target][case_id] = before & values
    frame = result.frame.copy()
    for q, by_case in said.items():
        if q not in frame.columns:
            continue
        labels = _labels(dictionary["case"][q], result)
        narrowed = []
        values = frame[q].astype(object)
        for value, case_id in zip(values, frame["case_id"], strict=True):
            now = left[q].get(case_id, frozenset())
            told = by_case.get(case_id)
            if told is None or now <= told:
                narrowed.append(value)
            else:
                codes = (now & told) or told
                narrowed.append(labels.get(codes, "|".join(sorted(codes))))
        frame[q] = pd.Series(narrowed, index=frame.index, dtype=object)
    return frame


def says(dictionary: Dictionary) -> tuple[str, ...]:
    """The quasi-identifiers that some answer of the dictionary says (sex)."""
    return tuple(
        sorted({t for form in dictionary for f in form.fields for _, t, _ in f.reveals})
    )


def _revealing(form: Form, frame: pd.DataFrame, result: Anonymised, every=False):
    """The fields of ``form`` in ``frame`` with answers that reveal something; a
    quasi-identifier of the cases only when ``every`` (it splits no group)."""
    for f in form.fields:
        if not f.reveals or f.code not in frame.columns:
            continue
        if every or form.name != "case" or f.code not in result.quasi_identifiers:
            yield f


def _rules(f: Field) -> dict[str, list[tuple[str, frozenset]]]:
    rules: dict[str, list[tuple[str, frozenset]]] = {}
    for answer, target, values in f.reveals:
        rules.setdefault(answer, []).append((target, frozenset(values)))
    return rules


def _could_narrow(f: Field, left: Open, said_by: dict[str, frozenset]) -> set[str]:
    """The cases whose row leaves open several values of a quasi-identifier that
    some answer of ``f`` would narrow (or rule out): there ``f`` is withheld
    whatever the answer, so that its blank tells nothing. Decided by the row and
    the dictionary alone, never by the case's own answer."""
    unsaid: set[str] = set()
    for _, target, values in f.reveals:
        said = said_by.get(target, frozenset())
        for case_id, now in left[target].items():
            # A row showing a value no answer can say ("Not disclosed", and
            # "Other" unless a field says it) has not said what an answer would:
            # open like a blank, not a contradiction withheld answer by answer,
            # whose blank would then tell the answer.
            if (len(now) > 1 and not now <= frozenset(values)) or not now & said:
                unsaid.add(case_id)
    return unsaid


def sayable(dictionary: Dictionary) -> dict[str, frozenset]:
    """For each quasi-identifier some answer says, every value an answer of the
    dictionary can say of it (sex: female and male in the kit's own)."""
    found: dict[str, frozenset] = {}
    for form in dictionary:
        for f in form.fields:
            for _, target, values in f.reveals:
                found[target] = found.get(target, frozenset()) | frozenset(values)
    return found


def _says_more(f: Field, left: Open):
    """Whether an answer of ``f`` says more of its case than the case's row does:
    it leaves open a code the answer rules out. Where the row shows one value,
    only an answer contradicting it does (prostate surgery, the row female)."""
    rules = _rules(f)

    def says_more(answer, case_id: str) -> bool:
        return any(
            not left[target].get(case_id, frozenset()) <= values
            for target, values in rules.get(answer, ())
        )

    return says_more


def _open(dictionary: Dictionary, result: Anonymised) -> Open:
    """For each quasi-identifier an answer reveals, the codes each case's shared
    row leaves open: all of them where it is blank (or not shared), those its
    generalised value stands for, or the one it shows."""
    case = dictionary["case"]
    targets = says(dictionary)
    frame = result.frame
    left: Open = {}
    for q in targets:
        codes = case[q].code_values
        every = frozenset(codes)
        if q not in frame.columns:
            left[q] = dict.fromkeys(frame["case_id"], every)
            continue
        covers = stands_for(q, codes, result.steps.get(q, 0))
        values = frame[q].astype(object)
        left[q] = {
            case_id: covers.get(value, every) if pd.notna(value) else every
            for case_id, value in zip(frame["case_id"], values, strict=True)
        }
    return left


def _labels(f: Field, result: Anonymised) -> dict[frozenset, str]:
    """The shared label of each set of codes a value of ``f`` stands for."""
    covers = stands_for(f.code, f.code_values, result.steps.get(f.code, 0))
    return {codes: value for value, codes in covers.items()}


def _name(form: Form, f: Field) -> str:
    return f.label if form.name == "case" else f"{f.label} ({form.noun} form)"
