"""A removal that would leave another row pointing at nothing is refused.

A follow-up names the session it reports on (``after_session``). Removing that
session (``Store.delete``) would leave the follow-up naming a session that is no
longer there: a store whose own export the import refuses (``no_such_session``),
and a follow-up whose timing is counted from nothing. Nothing is lost by refusing:
the practitioner deletes the follow-ups first, or points them at another session
(``Store.update``), and then removes the session.

The rules are :func:`casekit.checks.cross_form_problems`, run on the case's stored
rows with and without the row to remove, so any later rule of that kind (an exam
that names its session, say) is kept here too without a word of this module
changing. Withdrawing a whole case breaks nothing: its sessions and follow-ups go
with it (a read, an export and the rules leave every row of a withdrawn case out).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..checks import cross_form_problems
from ..dictionary import Dictionary, Form, noun_of
from ..problems import Problem, refusal
from .across import case_frames


def refuse_orphaning(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    form: Form,
    key: tuple,
) -> None:
    """Raise ``ValidationFailed`` (nothing removed) when removing the record ``key``
    of ``form`` would break a rule across forms for another row of its case; the
    problem names the rows that refer to it and what to do first."""
    left = orphaned(conn, metadata, dictionary, form, key)
    if left:
        raise refusal([_still_referred(form, key, left)])


def orphaned(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    form: Form,
    key: tuple,
) -> list[Problem]:
    """The problems that removing the record ``key`` of ``form`` would make of the
    other rows of its case (none for a whole case: they go with it)."""
    if form.instance is None:
        return []
    stored = case_frames(conn, metadata, dictionary, key[0])
    if stored["case"].empty:
        return []  # a withdrawn case: its rows are out of every read already
    rows = stored[form.name]
    without = {**stored, form.name: rows[rows[form.instance] != key[1]]}
    had = {_which(p) for p in cross_form_problems(dictionary, stored)}
    return [
        p
        for p in cross_form_problems(dictionary, without)
        if _which(p) not in had and (p.form, p.instance) != (form.name, key[1])
    ]


def _still_referred(form: Form, key: tuple, left: list[Problem]) -> Problem:
    """One problem about the record to remove: which rows refer to it, and that
    they are deleted or re-pointed first."""
    referring = sorted({(p.form, p.instance or 0, p.field, p.value) for p in left})
    names = [
        f"{noun_of(other)} {number} (`{field}` is {value})"
        for other, number, field, value in referring
    ]
    they = "it" if len(names) == 1 else "them"
    detail = (
        f"{_and(names)} of the case {'refers' if len(names) == 1 else 'refer'} "
        f"to this {form.noun}, so it cannot be removed; delete {they} or point "
        f"{they} at another {form.noun} first, then remove this one (nothing was "
        "removed)"
    )
    return Problem(
        rule="advice",
        form=form.name,
        case_id=key[0],
        instance=key[1],
        detail=detail,
        source=form.name,
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _which(problem: Problem) -> tuple:
    """What a problem is about, whatever its values: its rule, row and field."""
    return (problem.rule, problem.form, problem.instance, problem.field)
