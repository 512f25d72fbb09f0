"""An import's rows of a case that was withdrawn, or giving the number of a
removed record: said so, with the day, rather than "not a case in the store" or
a database's key error, which would send the practitioner looking for a typo in
an id that is right."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import sqlalchemy as sa

from ..problems import Problem
from ..repeats import compared, row_hashes
from ..store import Store
from ..store.queries import removed_on, withdrawn_on
from ..store.rows import form_query, read_rows


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


def withdrawn_given(store: Store, cases: pd.DataFrame) -> list[Problem]:
    """A problem for each case row of an import (a frame with ``_source`` and
    ``_row``) whose id is that of a withdrawn case, giving the day: its row is
    kept, marked, so the id cannot be given again (the write would fail on the
    key, naming no row)."""
    if cases.empty:
        return []
    table = store.table("case")
    with store.connect() as conn:
        # Few are withdrawn: asked for alone, not as all cases less the others.
        gone = conn.execute(
            sa.select(table.c.case_id).where(table.c.deleted == sa.true())
        ).scalars()
        given = cases[cases["case_id"].isin(set(gone))]
        if given.empty:
            return []
        days = {c: withdrawn_on(store, conn, c) for c in set(given["case_id"])}
    return [
        Problem(
            rule="withdrawn_case",
            source=source,
            row=int(row),
            form="case",
            case_id=case_id,
            field="case_id",
            value=case_id,
            detail=_on(days[case_id]),
        )
        for source, row, case_id in zip(
            given["_source"], given["_row"], given["case_id"], strict=True
        )
    ]


def withdrawn_repeated(store: Store, cases: pd.DataFrame) -> list[Problem]:
    """A problem for each case row of an import (a frame with ``_source`` and
    ``_row``) identical in every intake answer to a withdrawn case (its id aside):
    an old spreadsheet imported again, its ids left empty, would log the case
    anew under a fresh id. A withdrawn case's data is not logged again, so no
    ``--allow-repeats`` lets it in: the patient asked for it to go."""
    if cases is None or cases.empty:
        return []
    # The withdrawn cases alone: few, where reading every case to keep them took
    # seconds of each import into a large store.
    form, table = store.dictionary["case"], store.table("case")
    query = form_query(table, table, form, True).where(table.c.deleted == sa.true())
    with store.connect() as conn:
        gone = read_rows(conn, {"case": query}, {"case": form})["case"]
    if gone.empty:  # the common case: nothing withdrawn
        return []
    codes = [c for c in compared(form, cases) if c in gone.columns]
    first = dict(zip(row_hashes(form, gone, codes), gone["case_id"], strict=True))
    hits = [
        (source, int(row), first[h])
        for source, row, h in zip(
            cases["_source"], cases["_row"], row_hashes(form, cases, codes), strict=True
        )
        if h in first
    ]
    if not hits:
        return []
    with store.connect() as conn:
        days = {c: withdrawn_on(store, conn, c) for _, _, c in hits}
    return [
        Problem(
            rule="repeat_of_withdrawn",
            source=source,
            row=row,
            form="case",
            value=f"case {case_id}",
            detail=_on(days[case_id]),
        )
        for source, row, case_id in hits
    ]


def removed_given(store: Store, incoming: dict[str, pd.DataFrame]) -> list[Problem]:
    """A problem for each session, follow-up or exam of an import whose number is
    that of a removed one of its case, giving the day: a removed record keeps its
    row, marked, and its number (the write would fail on the key, naming no
    row)."""
    problems = []
    with store.connect() as conn:
        for form in store.dictionary:
            frame = incoming.get(form.name)
            if not form.instance or frame is None or frame.empty:
                continue
            table = store.table(form.name)
            number = table.c[form.instance]
            removed = conn.execute(
                sa.select(table.c.case_id, number).where(table.c.deleted == sa.true())
            ).all()  # few: a record entered twice, or by mistake
            keys = set(map(tuple, removed))
            given = [
                (source, row, case_id, int(n))
                for source, row, case_id, n in zip(
                    frame["_source"],
                    frame["_row"],
                    frame["case_id"],
                    frame[form.instance],
                    strict=True,
                )
                if not pd.isna(n) and (case_id, int(n)) in keys
            ]
            problems += [
                Problem(
                    rule="removed_number",
                    source=source,
                    row=int(row),
                    form=form.name,
                    case_id=case_id,
                    instance=n,
                    field=form.instance,
                    value=str(n),
                    detail=_on(removed_on(store, conn, form.name, case_id, n)),
                )
                for source, row, case_id, n in given
            ]
    return problems
