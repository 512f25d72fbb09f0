"""The words a form says: a record in one line, a problem with labels for codes.

Kept apart from the widgets of :mod:`casekit.ui.forms`, so that the sentences can
be read and tested without a form.
"""

from __future__ import annotations

from typing import Any

from ..dictionary import Form
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
