"""The rules across forms at a single save: a record judged against its case's rows.

The rules themselves are :func:`casekit.checks.cross_form_problems`, the ones an
import and ``casekit check`` run; a save through ``Store.add`` or ``Store.update``
(a form's Save, a notebook, a script) runs them here on the stored rows of the one
case it touches plus the record, so a save stays quick on a store of 100,000 cases
and never stores a row that an import of the store's own export would refuse.
``Store.add_many`` does not come here: the importer has already run the same rules
on everything it brings and everything stored, in one pass. A merge
(:mod:`casekit.store.merge`) runs them on every case it wrote, inside its
transaction (:func:`cases_problems`), before it commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..checks import cross_form_problems
from ..dictionary import Dictionary, Form
from ..frames import typed_frame
from ..problems import Problem, refusal
from .late import shifted
from .numbering import placed
from .rows import form_query, read_rows
from .schema import TABLE_OF


def save_problems(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    form: Form,
    record: Mapping[str, Any],
    *,
    new: bool = False,
) -> list[Problem]:
    """The problems across forms that saving ``record`` (typed, new or changed) of
    ``form`` would leave in its case: every one about the record itself, and each
    one it would make of another row (an intake moved after a session).

    A ``new`` record numbered by hand with a number its case has already given
    (:func:`taken_number`) has that one problem alone: judged as if it replaced
    the stored one, it would be blamed for that one's dates.

    A problem another row had before the save is left to ``casekit check``: a
    store written by an older casekit may hold some, and they must not stop a
    practitioner from saving an unrelated entry of that case.
    """
    stored = case_frames(conn, metadata, dictionary, record.get("case_id"))
    if stored["case"].empty:
        return []  # no such case (the write says so), or a withdrawn one
    taken = taken_number(conn, metadata, form, record) if new else None
    if taken is not None:
        return [taken]
    record = dict(record)
    if form.instance and record.get(form.instance) is None:
        # Numbered as the write will number it: a late visit takes its place by
        # date, and the stored rows it moves are judged with their new numbers.
        table = metadata.tables[TABLE_OF[form.name]]
        numbered, moves = placed(conn, table, form, [record])
        record[form.instance] = numbered[0]
        stored = shifted(stored, form, moves)
    own = (form.name, record.get(form.instance) if form.instance else None)
    found = cross_form_problems(dictionary, _with(stored, form, record))
    if all((p.form, p.instance) == own for p in found):
        return found  # the usual save: nothing of another row to sort out
    had = {_which(p) for p in cross_form_problems(dictionary, stored)}
    return [p for p in found if (p.form, p.instance) == own or _which(p) not in had]


def refuse_breaking(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    form: Form,
    record: Mapping[str, Any],
    *,
    new: bool = False,
) -> None:
    """Raise ``ValidationFailed`` (nothing written) when saving ``record`` would
    break a rule across forms (:func:`save_problems`)."""
    problems = save_problems(conn, metadata, dictionary, form, record, new=new)
    if problems:
        raise refusal(problems)


def taken_number(
    conn: sa.Connection, metadata: sa.MetaData, form: Form, record: Mapping[str, Any]
) -> Problem | None:
    """The problem of a new session, follow-up or exam numbered by hand with a
    number its case already has (a removed one's too, which is never given
    again), or None. Found before the write, so that it is said beside the
    number, in words, rather than as the database's refusal of a repeated key."""
    number = record.get(form.instance) if form.instance else None
    if number is None:
        return None
    table = metadata.tables[TABLE_OF[form.name]]
    found = conn.execute(
        sa.select(table.c.deleted).where(
            table.c.case_id == record.get("case_id"),
            table.c[form.instance] == number,
        )
    ).first()
    if found is None:
        return None
    return Problem(
        rule="removed_number" if found.deleted else "taken_number",
        source=form.name,
        form=form.name,
        case_id=record.get("case_id"),
        instance=number,
        field=form.instance,
        value=str(number),
        detail="" if found.deleted else None,
    )


def case_frames(
    conn: sa.Connection, metadata: sa.MetaData, dictionary: Dictionary, case_id: Any
) -> dict[str, pd.DataFrame]:
    """The stored rows of one case, every form typed as ``Store.frames`` types
    them (removed rows left out, as an export leaves them out; a withdrawn case
    has no case row, and its rows are then not looked at)."""
    cases = metadata.tables[TABLE_OF["case"]]
    forms = {form.name: form for form in dictionary}
    selects = {}
    for name, form in forms.items():
        table = metadata.tables[TABLE_OF[name]]
        # By the case's key alone: the list of every withdrawn case, which a whole
        # form's read leaves out, is no business of one case's save.
        query = form_query(table, cases, form, include_deleted=True)
        selects[name] = query.where(
            table.c.case_id == case_id, table.c.deleted == sa.false()
        )
    frames = read_rows(conn, selects, forms)
    return {name: frame.drop(columns="deleted") for name, frame in frames.items()}


def cases_problems(
    conn: sa.Connection,
    metadata: sa.MetaData,
    dictionary: Dictionary,
    case_ids: Sequence[str],
    *,
    chunk: int = 500,
) -> list[Problem]:
    """Every problem across forms of the cases ``case_ids`` as stored (in this
    transaction), read as an export reads them: removed rows and withdrawn cases
    left out. The rules are each about one case's rows, so the cases are read
    ``chunk`` at a time, within any driver's limit on a query's values."""
    cases = metadata.tables[TABLE_OF["case"]]
    forms = {form.name: form for form in dictionary}
    problems: list[Problem] = []
    for start in range(0, len(case_ids), chunk):
        some = list(case_ids[start : start + chunk])
        selects = {}
        for name, form in forms.items():
            table = metadata.tables[TABLE_OF[name]]
            query = form_query(table, cases, form, include_deleted=False)
            selects[name] = query.where(table.c.case_id.in_(some))
        frames = read_rows(conn, selects, forms)
        frames = {name: frame.drop(columns="deleted") for name, frame in frames.items()}
        problems += cross_form_problems(dictionary, frames)
    return problems


def _with(
    frames: dict[str, pd.DataFrame], form: Form, record: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """``frames`` with ``record`` in place of the stored row of its key (or added)."""
    stored = frames[form.name]
    same = pd.Series(True, index=stored.index)
    for code in form.key:
        same &= stored[code] == record.get(code)
    saved = typed_frame(form, [record])
    kept = stored[~same.fillna(False).astype(bool)]
    return {**frames, form.name: pd.concat([kept, saved], ignore_index=True)}


def _which(problem: Problem) -> tuple:
    """What a problem is about, whatever its values: its rule, row and field."""
    return (problem.rule, problem.form, problem.instance, problem.field)
