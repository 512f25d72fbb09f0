"""An import's rows of a case that was withdrawn: said so, with the day, rather
than "not a case in the store", which would send the practitioner looking for a
typo in an id that is right."""

from __future__ import annotations

from dataclasses import replace

from ..problems import Problem
from ..store import Store
from ..store.queries import withdrawn_on


def withdrawn_said(store: Store, problems: list[Problem]) -> list[Problem]:
    """``problems``, each ``no_such_case`` whose case the store holds withdrawn
    made a ``withdrawn_case`` problem that gives the day it was withdrawn (as
    ``casekit case`` does); a withdrawn case takes no new records."""
    asked = {p.value for p in problems if p.rule == "no_such_case"}
    if not asked:
        return problems
    withdrawn = asked & (store.case_ids() - store.case_ids(include_deleted=False))
    if not withdrawn:
        return problems
    with store.connect() as conn:
        days = {case_id: withdrawn_on(store, conn, case_id) for case_id in withdrawn}
    return [
        replace(p, rule="withdrawn_case", detail=_on(days[p.value]))
        if p.rule == "no_such_case" and p.value in days
        else p
        for p in problems
    ]


def _on(day: str) -> str:
    return f" on {day}" if day else ""  # an audit that does not say when
