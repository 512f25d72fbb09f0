"""The words a form says: a record in one line, a problem with labels for codes.

Kept apart from the widgets of :mod:`casekit.ui.forms`, so that the sentences can
be read and tested without a form.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..dictionary import Dictionary, Form
from ..errors import IdentifyingReason, ReasonRequired
from ..problems import DEFAULT_DETAIL, Problem, where

# Rules a form says in words of its own: it can point at its own steps.
_FORM_SAYS = {
    "taken_number": "{noun} {value} is already logged for this case: leave the "
    "number empty for the next one, or choose {noun} {value} under step 2 to "
    "change it",
    # Its number checked before, a new entry clashes only with one saved meanwhile
    # (the database's own words are no help to a practitioner).
    "clash": "another {noun} of this case was saved meanwhile (in another window?) "
    "with the number this one was to take: leave the number empty for the next "
    "one, and Save again",
}
_OUT_OF_ORDER = frozenset({"session_out_of_order", "followup_out_of_order"})


def summary(form, record: dict[str, Any]) -> str:
    """A one-line summary of a record: its answered core fields, with labels."""
    parts = []
    for f in form.fields:
        value = record.get(f.code)
        if value is None or f.section != "core" or f.code in form.key:
            continue
        if f.type == "text":
            continue
        if f.type == "multi":
            value = ", ".join(f.label_of(code) for code in value)
        elif f.codes:
            value = f.label_of(value)
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{f.label} {value}")
    return "; ".join(parts[:6]) or "no answers"


def in_words(problem: Problem, form: Form) -> str:
    """A problem as a form shows it: fields by their labels, the record not named
    (the form shows which it is), e.g. 'Pain now (NPRS 0-10) is 14, expected 0 to
    10'."""
    problem = _labelled(problem, form)
    if problem.rule in _FORM_SAYS:
        text = _FORM_SAYS[problem.rule].format(noun=form.noun, value=problem.value)
    else:
        text = problem.says(
            lambda code: form[code].label if code in form else f"`{code}`"
        )
    return text[:1].upper() + text[1:]


def said_in(
    problem: Problem, dictionary: Dictionary, form: Form, number: Any = None
) -> str:
    """A problem as ``form`` shows it when it holds entry ``number`` (None: a case,
    or a new entry the store will number): one of this entry in its own words
    (:func:`in_words`); one of another record naming that record ('Session 1 of
    case K7Q2XM: ...'). A later entry of the same form that this one's new date
    puts out of order is said from this one's side: the sentence of its own,
    beside this entry's date, would read as this entry's date."""
    same = problem.form in ("", form.name)
    theirs = number is not None and problem.instance is not None
    if same and not (theirs and str(problem.instance) != str(number)):
        return in_words(problem, form)
    if same and problem.rule in _OUT_OF_ORDER:
        noun, n = form.noun, problem.instance
        return (
            f"{noun[:1].upper()}{noun[1:]} {n} is dated {problem.value}, before this "
            f"date: {noun}s are numbered in the order of their dates; check both "
            f"dates (change {noun} {n}'s first if it is the wrong one)"
        )
    record = where(problem.form, problem.case_id, problem.instance)
    said = in_words(problem, dictionary[problem.form])
    return f"{record[:1].upper()}{record[1:]}: {said[:1].lower()}{said[1:]}"


def _labelled(problem: Problem, form: Form) -> Problem:
    """``problem`` with the codes of its fields' answers (its values, and a list of
    them in its detail: 'left, right, both or other_region') said by their labels,
    as the form offers them ('Another region')."""
    listed = problem.other if problem.rule == "hidden_given" else problem.field
    labels = dict(form[listed].codes) if listed in form else {}
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(c) for c in sorted(labels, key=len, reverse=True))
        + r")(?![\w-])"
    )

    def said(text: str | None) -> str | None:
        if text is None or not labels:
            return text
        return pattern.sub(lambda m: labels[m.group(1)], text)

    def of(code: str | None, value: str | None) -> str | None:
        field = form[code] if code in form else None
        if value is None or field is None or not field.codes:
            return value
        return field.label_of(value)

    detail = DEFAULT_DETAIL.get(problem.rule) if problem.detail is None else None
    return dataclasses.replace(
        problem,
        value=of(problem.field, problem.value),
        other_value=of(problem.other, problem.other_value),
        detail=said(problem.detail if detail is None else detail),
    )


@dataclasses.dataclass(frozen=True)
class Asking:
    """How a reason box asks for a reason, and what it says when one is missing
    or refused: for a change of a closed case (:data:`FOR_A_CHANGE`), or for
    taking a record out (:mod:`casekit.ui.removal`)."""

    label: str = "Reason for the change"
    placeholder: str = "why this closed case is changed"
    reason: str = "reason for the change"  # "the reason ..." / "a reason ..."
    why: str = "why you change it"  # "write ... in this box"
    button: str = "Save"  # "then ... again"
    nothing: str = "Nothing was saved"


FOR_A_CHANGE = Asking()


def reason_wanted(
    refused: ReasonRequired | IdentifyingReason, asking: Asking = FOR_A_CHANGE
) -> str:
    """What a form says when an edit (or a removal) of a closed case needs a
    reason, or when the reason given was refused: both are said under the box of
    the reason, where they are answered (:mod:`casekit.ui.reason`)."""
    if isinstance(refused, IdentifyingReason):
        return (
            f"The {asking.reason} {refused.found}: the audit keeps it for "
            "good, so write why without naming or contacting anyone, then "
            f"{asking.button} again. {asking.nothing}."
        )
    return (
        f"Case {refused.case_id} is closed (discharged, lost or withdrew): write "
        f"{asking.why} in this box, then {asking.button} again. {asking.nothing}."
    )


def renumbered(form: Form, moves: dict[int, int]) -> str:
    """What a form adds to its saved message when a late entry moved the later
    ones up: '. The later sessions of the case were renumbered by their dates: 2
    is now 3, 3 is now 4; ...'. Empty when nothing moved."""
    if not moves:
        return ""
    nouns = f"{form.noun}s"
    each = ", ".join(f"{old} is now {new}" for old, new in sorted(moves.items()))
    said = f". The later {nouns} of the case were renumbered by their dates: {each}"
    if form.name == "session":
        said += "; the follow-ups that report on them moved with them"
    return said + "."
