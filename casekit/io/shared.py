"""A share export read back into the analysis: a colleague's pattern table.

A share export cannot be imported into a store (it has no dates, its sites are
labels, some of its values are generalised), but it holds what the patterns need.
:func:`read_share` turns its files into the frames :func:`casekit.derive.derive` and
:func:`casekit.patterns.pattern_table` take: each ``week`` since intake becomes a
date that many weeks after a made-up intake date (:data:`EPOCH`), a generalised
value (``18+``, ``6 weeks or more``) is a category of its own, a blank cell is
missing.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from ..cells import restore_frame
from ..dictionary import Dictionary, Field, Form
from ..frames import column
from .exporter import FILE_OF

EPOCH = dt.date(2000, 1, 3)  # a Monday; no real date is in a share export


def read_share(folder: str | os.PathLike, dictionary: Dictionary) -> dict:
    """The frames of a share export folder (``cases.csv``, ``sessions.csv``,
    ``followups.csv``, ``exams.csv``), typed as :meth:`casekit.Store.frames`
    types them."""
    frames = {}
    for form in dictionary:
        path = Path(folder) / FILE_OF[form.name]
        if form.instance and not path.is_file():  # an export older than the form
            text = pd.DataFrame({code: [] for code in form.codes}, dtype=str)
            frames[form.name] = _typed(form, text)
            continue
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames[form.name] = _typed(form, restore_frame(text))
    return frames


def _typed(form: Form, text: pd.DataFrame) -> pd.DataFrame:
    n = len(text)
    weeks = pd.to_numeric(text.get("week", pd.Series([""] * n)), errors="coerce")
    data = {}
    for f in form.fields:
        cells = text[f.code] if f.code in text.columns else pd.Series([""] * n)
        values = [None if c == "" else c for c in cells]
        if f.type == "date":
            days = [EPOCH] * n if form.instance is None else _dates(weeks)
            data[f.code] = column(f, days)
        else:
            data[f.code] = _column(f, values)
    return pd.DataFrame(data, columns=form.codes)


def _dates(weeks: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(w) else EPOCH + dt.timedelta(weeks=int(w)) for w in weeks]


def _column(f: Field, values: list):
    if f.type in ("choice", "yesno"):
        given = [v for v in values if v is not None]
        if all(v in f.code_values for v in given):
            return column(f, values)
        # Generalised: its values are categories of their own, in the order seen.
        return pd.Categorical(values, categories=list(dict.fromkeys(given)))
    if f.type == "multi":
        return column(f, values)
    if f.type in ("integer", "number"):
        given = [v for v in values if v is not None]
        if not all(_is_number(v) for v in given):  # generalised (`any`): a category
            return pd.Categorical(values, categories=list(dict.fromkeys(given)))
        numbers = [None if v is None else float(v) for v in values]
        if f.type == "integer":
            numbers = [None if v is None else int(v) for v in numbers]
        return column(f, numbers)
    return column(f, values)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
