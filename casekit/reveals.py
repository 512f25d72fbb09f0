"""Answers that say a quasi-identifier, kept out of a share that leaves it unsaid.

A share export blanks or generalises the quasi-identifiers until every combination
of them is shared by ``k`` cases (:mod:`casekit.anonymity`), yet some answers say
one of them outright: a caesarean or a hysterectomy says the sex is female,
prostate surgery that it is male. The dictionary says which (a field's
``reveals: {ANSWER: {FIELD: VALUE or [VALUES]}}``). Shared as they are, such
answers would let a reader put the blanked value back and split the groups the
share was made of: in the 40-case demo, half the cases fell into groups of fewer
than 5 that way.

- :func:`withhold` takes out of every shared row (of any form) each answer that
  says more of its case's quasi-identifier than the case's row does: the field is
  left blank in that row, a multi-select whole (without only the revealing choice
  it would say "no" to it, which is false: blank is "not known", which is true). A
  case whose sex is shared keeps its answers.
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
    """Take out of ``shared`` (the share's frames, the case frame being
    ``result.frame``) every answer that says of its case more than the case's row
    does; returns how many were taken out, by field and answer label."""
    left = _open(dictionary, result)
    withheld: dict[str, int] = {}
    for form in dictionary:
        frame = shared[form.name]
        for f in _revealing(form, frame, result):
            says_more = _says_more(f, left)
            kept = []
            for answer, case_id in zip(
                frame[f.code].astype(object), frame["case_id"], strict=True
            ):
                chosen = answer if isinstance(answer, list) else [answer]
                gone = [a for a in chosen if says_more(a, case_id)]
                for a in gone:
                    name = _name(form, f, a)
                    withheld[name] = withheld.get(name, 0) + 1
                kept.append(None if gone else answer)
            if f.type == "multi":
                frame[f.code] = pd.Series(kept, index=frame.index, dtype=object)
            else:  # a choice keeps its dtype (categories), blank where withheld
                frame[f.code] = frame[f.code].where(pd.Series(kept).notna().values)
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


def _says_more(f: Field, left: Open):
    """Whether an answer of ``f`` says more of its case than the case's row does:
    it leaves open a code the answer rules out."""
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
    targets = {t for form in dictionary for f in form.fields for _, t, _ in f.reveals}
    frame = result.frame
    left: Open = {}
    for q in sorted(targets):
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


def _name(form: Form, f: Field, answer: str) -> str:
    where = "" if form.name == "case" else f", {form.noun} form"
    return f"{f.label} ({f.label_of(answer)}{where})"
