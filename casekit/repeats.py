"""Records that repeat others: most often a file imported twice.

A session, follow-up or exam identical to another of its case (its date and every
answer, its number aside), or a case identical to another in every intake answer
(its id aside), is what importing the same file again makes: the import numbers
the sessions anew and draws new ids for cases given none. Two real visits are
seldom identical in every answer, so an import refuses such a row unless told the
rows are real (:func:`repeats_of_stored`), and ``casekit check`` warns of the ones
already stored (:func:`stored_repeats`).

Rows are compared by a 64-bit hash of their values, made column by column in
pandas, not record by record in Python: at 100,000 cases and 500,000 sessions the
hashes take a second or two. Two different rows sharing a hash is about as likely
as one in a hundred million at that size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dictionary import Dictionary, Form
from .frames import MULTI_SEPARATOR
from .problems import Problem, where

_MISSING = "\x00"  # a missing text, unlike any text typed


def compared(form: Form, frame: pd.DataFrame) -> list[str]:
    """The fields two records of ``form`` are compared on: all but the number
    of a session, follow-up or exam within its case, and a case's id."""
    left_out = form.instance or "case_id"
    return [c for c in form.codes if c != left_out and c in frame.columns]


def row_hashes(form: Form, frame: pd.DataFrame, codes: list[str]) -> pd.Series:
    """One unsigned 64-bit hash per row of a typed frame (:mod:`casekit.frames`)
    over ``codes``: equal rows, equal hashes, whether read from the store or from
    an import's files."""
    data = {code: _canonical(form, code, frame[code]) for code in codes}
    return pd.util.hash_pandas_object(
        pd.DataFrame(data, index=frame.index), index=False
    )


def _canonical(form: Form, code: str, values: pd.Series) -> np.ndarray:
    """A typed column as plain numbers or text, the same for the same values
    however the frame was made."""
    kind = form[code].type
    if kind == "multi":
        return np.array(
            [MULTI_SEPARATOR.join(v) if v else _MISSING for v in values], dtype=object
        )
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype="int64")
    if kind == "date":
        return values.to_numpy(dtype="datetime64[s]").view("int64")
    if kind in ("integer", "number"):
        return values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    text = values.astype(object)
    return text.where(text.notna(), _MISSING).to_numpy(dtype=object)


def _said(form: Form) -> str:
    if form.instance is None:
        return "every intake answer, its id aside"
    return "its date and every answer, its number aside"


def repeats_of_stored(
    dictionary: Dictionary,
    stored: dict[str, pd.DataFrame],
    incoming: dict[str, pd.DataFrame],
) -> list[Problem]:
    """Each row of the ``incoming`` frames (an import's, with ``_source`` and
    ``_row``) identical to a stored record of its form: an error naming the first
    such stored record. A row whose key is already stored is left to that
    problem (:func:`casekit.io.keys.key_problems`)."""
    problems = []
    for form in dictionary:
        new, old = incoming.get(form.name), stored.get(form.name)
        if new is None or old is None or new.empty or old.empty:
            continue
        key = list(form.key)
        codes = compared(form, new)
        if not codes or any(c not in old.columns for c in [*codes, *key]):
            continue
        new, old = _alike(form, new, old, codes)
        if new.empty or old.empty:
            continue
        old_hashes = row_hashes(form, old, codes).to_numpy()
        new_hashes = row_hashes(form, new, codes).to_numpy()
        hit = np.isin(new_hashes, old_hashes)
        if hit.any():  # a row whose key is stored: that problem alone
            hit[hit] = ~_keys(new[hit], key).isin(_keys(old, key))
        at = np.flatnonzero(hit)
        names = _names(form, old, _first_of(old_hashes)[new_hashes[at]])
        rows = new.iloc[at]
        problems += [
            Problem(
                rule="repeat_of_stored",
                source=source,
                row=int(row),
                form=form.name,
                case_id=case_id,
                value=name,
                detail=_said(form),
            )
            for source, row, case_id, name in zip(
                rows["_source"], rows["_row"], rows["case_id"], names, strict=True
            )
        ]
    return problems


def _alike(
    form: Form, new: pd.DataFrame, old: pd.DataFrame, codes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``new`` and ``old`` that may be identical to one of the other,
    found cheaply: of a case both have, equal in their numbers, dates and choices.
    Most rows of a week's import are not, and are hashed no further."""
    if form.instance is not None:
        new_ids, old_ids = _coded(new["case_id"], old["case_id"])
        new, old = new[np.isin(new_ids, old_ids)], old[np.isin(old_ids, new_ids)]
    plain = _plain(form, codes)
    if plain and not new.empty:
        new_plain = row_hashes(form, new, plain).to_numpy()
        old_plain = row_hashes(form, old, plain).to_numpy()
        new = new[np.isin(new_plain, old_plain)]
        old = old[np.isin(old_plain, new_plain)]
    return new, old


def _coded(one: pd.Series, other: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two columns of text as numbers, equal for equal texts: asked whether each
    is among the other's, numbers answer at once (pandas' ``isin`` of a text
    column takes the other's values one Python string at a time)."""
    codes, _ = pd.factorize(pd.concat([one, other], ignore_index=True))
    return codes[: len(one)], codes[len(one) :]


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.Index:
    """The keys of ``frame``'s rows, as one index (a case's id and a number)."""
    if len(key) == 1:
        return pd.Index(frame[key[0]].astype(object))
    return pd.MultiIndex.from_arrays([frame[c].astype(object) for c in key])


def _plain(form: Form, codes: list[str]) -> list[str]:
    """The fields among ``codes`` whose values are numbers, dates and codes: made
    plain without a Python object a cell."""
    return [c for c in codes if form[c].type not in ("text", "multi", "key")]


def stored_repeats(
    dictionary: Dictionary, frames: dict[str, pd.DataFrame]
) -> list[Problem]:
    """A warning for each stored record identical to another of its form (a case
    in every intake answer, a session, follow-up or exam of the same case in its
    date and every answer), naming the first one: a store into which a file was
    imported twice, before imports refused it."""
    problems = []
    for form in dictionary:
        frame = frames.get(form.name)
        if frame is None or len(frame) < 2:
            continue
        codes = compared(form, frame)
        # Only rows alike in their numbers, dates, codes (and case) are hashed
        # whole: at 100,000 cases, a few.
        plain = _plain(form, codes)
        if plain:
            cheap = row_hashes(form, frame, plain)
            if form.instance is not None:
                cheap = cheap ^ pd.factorize(frame["case_id"])[0].astype("uint64")
            frame = frame[cheap.duplicated(keep=False).to_numpy()]
        if frame.empty:
            continue
        hashes = row_hashes(form, frame, codes).to_numpy()
        again = pd.Series(hashes).duplicated().to_numpy()
        if not again.any():
            continue
        at = np.flatnonzero(again)
        names = _names(form, frame, _first_of(hashes)[hashes[at]])
        rows = frame.iloc[at]
        numbers = rows[form.instance] if form.instance else [None] * len(rows)
        problems += [
            Problem(
                rule="identical_stored",
                form=form.name,
                case_id=case_id,
                instance=None if pd.isna(number) else int(number),
                field=form.instance or "case_id",
                value=name,
                detail=_said(form),
                severity="warning",
            )
            for case_id, number, name in zip(
                rows["case_id"], numbers, names, strict=True
            )
        ]
    return problems


def _first_of(hashes: np.ndarray) -> pd.Series:
    """Each hash's first position in ``hashes``, by hash."""
    first = pd.Series(np.arange(len(hashes)), index=hashes)
    return first[~first.index.duplicated()]


def _names(form: Form, frame: pd.DataFrame, at: pd.Series) -> list[str]:
    """How a sentence names the records of ``frame`` at positions ``at``."""
    rows = frame.iloc[at.to_numpy()]
    numbers = rows[form.instance] if form.instance else [None] * len(rows)
    return [
        where(form.name, case_id, None if pd.isna(number) else int(number))
        for case_id, number in zip(rows["case_id"], numbers, strict=True)
    ]
