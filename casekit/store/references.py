"""A removal that would leave another row pointing at nothing is refused.

A follow-up names the session it reports on (``after_session``). Removing that
session (``Store.delete``) would leave the follow-up naming a session that is no
longer there: a store whose own export the import refuses (``no_such_session``),
and a follow-up whose timing is counted from nothing. Nothing is lost by refusing:
the practitioner removes the follow-ups first (``casekit remove followup``, which
the refusal names), or points them at another session (in the follow-up form, or
``Store.update``), and then removes the session.

The rules are :func:`casekit.checks.cross_form_problems`, run on the case's stored
rows with and without the row to remove, so any later rule of that kind (an exam
that names its session, say) is kept here too without a word of this module
changing. Withdrawing a whole case breaks nothing: its sessions and follow-ups go
with it (a read, an export and the rules leave every row of a withdrawn case out).
"""

from __future__ import annotations

from collections.abc import Callable

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
    command: Callable[..., str],
) -> None:
    """Raise ``ValidationFailed`` (nothing removed) when removing the record ``key``
    of ``form`` would break a rule across forms for another row of its case; the
    problem names the rows that refer to it and what to do first, with the
    commands that remove them (``command``: :attr:`casekit.Store.command`, naming
    the store as it was named)."""
    left = orphaned(conn, metadata, dictionary, form, key)
    if left:
        raise refusal([_still_referred(form, key, left, command)])


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


def _still_referred(
    form: Form, key: tuple, left: list[Problem], command: Callable[..., str]
) -> Problem:
    """One problem about the record to remove: which rows refer to it, and that
    they are removed (the commands that do it) or re-pointed (in their form:
    no command changes a record) first."""
    referring = sorted({(p.form, p.instance or 0, p.field, p.value) for p in left})
    names = [
        f"{noun_of(other)} {number} (`{field}` is {value})"
        for other, number, field, value in referring
    ]
    removals = [
        command("remove", other, str(key[0]), str(number))
        for other, number, _, _ in referring
    ]
    forms = sorted({noun_of(other) for other, *_ in referring})
    they = "it" if len(names) == 1 else "them"
    # The commands are the problem's fix too: a form, where each row is removed
    # by its own button, drops exactly " (fix)" from the sentence, whatever the
    # store's path holds (a bracket, a quote).
    fix = _and(removals)
    detail = (
        f"{_and(names)} of the case {'refers' if len(names) == 1 else 'refer'} "
        f"to this {form.noun}, so it cannot be removed; remove {they} first "
        f"({fix}) or, in the {_and(forms)} form, point {they} at "
        f"another {form.noun}, then remove this {form.noun} (nothing was removed)"
    )
    return Problem(
        rule="advice",
        form=form.name,
        case_id=key[0],
        instance=key[1],
        detail=detail,
        fix=fix,
        source=form.name,
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _which(problem: Problem) -> tuple:
    """What a problem is about, whatever its values: its rule, row and field."""
    return (problem.rule, problem.form, problem.instance, problem.field)
