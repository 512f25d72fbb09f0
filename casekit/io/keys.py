"""An import's keys: a case, session or follow-up already in the store, or one
given twice in the files, each a problem with its file and spreadsheet row."""

from __future__ import annotations

import pandas as pd

from ..dictionary import Dictionary
from ..problems import Problem


def key_problems(
    dictionary: Dictionary,
    stored: dict[str, pd.DataFrame],
    incoming: dict[str, pd.DataFrame],
) -> list[Problem]:
    """A case, session or follow-up already in the store, or a key given twice."""
    problems = []
    for form in dictionary:
        frame, key = incoming[form.name], list(form.key)
        if any(code not in frame.columns for code in key):
            continue
        given = frame[key].notna().all(axis=1)
        for _, row in frame[given & frame.duplicated(key, keep=False)].iterrows():
            problems.append(_row_problem(form, row, key[-1], "repeated"))
        known = pd.MultiIndex.from_frame(stored[form.name][key].astype(object))
        clash = pd.MultiIndex.from_frame(frame[key].astype(object)).isin(known)
        for _, row in frame[given & clash].iterrows():
            problems.append(_row_problem(form, row, key[-1], "already_stored"))
    return problems


def _row_problem(form, row, field_code: str, rule: str) -> Problem:
    instance = row.get(form.instance) if form.instance else None
    return Problem(
        rule=rule,
        source=row["_source"],
        row=int(row["_row"]),
        case_id=row["case_id"],
        form=form.name,
        instance=None if pd.isna(instance) else int(instance),
        field=field_code,
        value=str(row[field_code]),
    )
