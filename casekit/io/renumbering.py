"""An import's new sessions numbered by date, and the follow-ups that name them.

A session without a ``session_no`` is numbered by the store in the order of its
case's dates (:func:`casekit.store.numbering.numbers`), where casekit numbered it in
the order of the file's rows before. A follow-up of the same import that names such
a session by number (``after_session``) may mean either: whoever wrote the file
counted its rows, or the visits. Rather than guess, the import is refused when a
follow-up names a number that the dates gave to another session than the rows
would have; the fix is to give the sessions their numbers in the file.

A new session dated before a stored one of its case takes its place by date, and the
stored ones after it move up as the import is written (:mod:`casekit.store.late`).
A follow-up of the same import that names such a stored session by number is
refused for the same reason: it may mean the session as numbered before the import
or after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..dictionary import Form
from ..problems import Problem
from ..store import Store
from ..store.numbering import moves as _moves
from ..store.numbering import renumbered as _renumbered


def renumbered(
    store: Store, form: Form, records: Sequence[Mapping]
) -> dict[tuple, int]:
    """``(case_id, number)`` of each number drawn for ``records`` that goes by date
    to another record than by their order, with the index of the record that the
    order would have given it."""
    with store.connect() as conn:
        return _renumbered(conn, store.table(form.name), form, records)


def stored_moves(
    store: Store, form: Form, records: Sequence[Mapping]
) -> dict[tuple, int]:
    """``(case_id, number)`` of each stored record that writing ``records`` moves
    (one of them dated before it), with its new number."""
    with store.connect() as conn:
        return _moves(conn, store.table(form.name), form, records)


def moved_notes(shifts: Mapping[str, Mapping[tuple, int]]) -> list[Problem]:
    """A warning for each stored record that the import moves (:func:`stored_moves`
    of each form), so that what it renumbers is said, not only audited."""
    return [
        Problem(
            rule="renumbered_by_date",
            severity="warning",
            form=form,
            case_id=case,
            instance=old,
            other_value=str(new),
            source=form,
        )
        for form, moves in shifts.items()
        for (case, old), new in sorted(moves.items())
    ]


def moved_stored_references(
    moved: Mapping[tuple, int], incoming: Mapping[str, pd.DataFrame]
) -> list[Problem]:
    """A problem for each incoming follow-up whose ``after_session`` names a
    stored session that a new one moves (:func:`stored_moves`)."""
    followups = incoming.get("followup")
    if not moved or followups is None:
        return []
    return [
        _about(row, "moved_session", other_value=str(new))
        for row, new in _naming(moved, followups)
    ]


def moved_references(
    moved: Mapping[tuple, int], incoming: Mapping[str, pd.DataFrame]
) -> list[Problem]:
    """A problem for each incoming follow-up whose ``after_session`` is a number
    of ``moved``: which session it means is not known."""
    followups, sessions = incoming.get("followup"), incoming.get("session")
    if not moved or followups is None or sessions is None:
        return []
    rows = sessions["_row"].tolist()
    return [
        _about(
            row,
            "renumbered_session",
            detail=f"{sessions['_source'].iloc[at]} row {rows[at]}",
        )
        for row, at in _naming(moved, followups)
    ]


def _number(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _naming(moved: Mapping[tuple, object], followups: pd.DataFrame):
    """Each follow-up row whose ``after_session`` is a key of ``moved`` (``(case
    id, session number)``), with what ``moved`` gives for it."""
    for _, row in followups.iterrows():
        if pd.isna(row["after_session"]):
            continue
        found = moved.get((row["case_id"], int(row["after_session"])))
        if found is not None:
            yield row, found


def _about(row, rule: str, **told: str) -> Problem:
    """The problem ``rule`` of an incoming follow-up row, of its ``after_session``."""
    return Problem(
        rule=rule,
        source=row["_source"],
        row=int(row["_row"]),
        case_id=row["case_id"],
        form="followup",
        instance=_number(row.get("followup_no")),
        field="after_session",
        value=str(int(row["after_session"])),
        **told,
    )
