"""The words a form says: a record in one line, a problem with labels for codes.

Kept apart from the widgets of :mod:`casekit.ui.forms`, so that the sentences can
be read and tested without a form.
"""

from __future__ import annotations

from typing import Any

from ..dictionary import Form
from ..errors import IdentifyingReason, ReasonRequired
from ..problems import Problem


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
    text = problem.says(lambda code: form[code].label if code in form else f"`{code}`")
    return text[:1].upper() + text[1:]


def reason_wanted(refused: ReasonRequired | IdentifyingReason) -> str:
    """What a form says when an edit of a closed case needs a reason, or when the
    reason given was refused: both are answered under 'Reason for the change'."""
    if isinstance(refused, IdentifyingReason):
        return (
            f"The reason for the change {refused.found}: the audit keeps it for "
            "good, so write why without naming or contacting anyone, then Save "
            "again. Nothing was saved."
        )
    return (
        f"Case {refused.case_id} is closed (discharged, lost or withdrew): write "
        "why you change it under 'Reason for the change', then Save again. "
        "Nothing was saved."
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
