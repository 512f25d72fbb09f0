"""Privacy by construction: random case ids, the deny-list, de-identified shares.

A case id is drawn at random from an alphabet without look-alike characters (no 0/O,
1/I/L), never derived from the person. The free-text identifier scan itself lives in
:mod:`casekit.identifiers`; the deny-list of names it also checks is a plain text file
the practitioner keeps beside the store (``data/deny-list.txt``, one name a line).
:func:`share_frames` makes the frames that may leave the store, and
:func:`safe_table` (from :mod:`casekit.disclosure`) every aggregate that is shared.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from .dictionary import Dictionary
from .disclosure import safe_table

__all__ = [
    "is_case_id",
    "load_deny_list",
    "new_case_id",
    "safe_table",
    "share_frames",
]

CASE_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CASE_ID_LENGTH = 6
_CASE_ID = re.compile(f"^[{CASE_ID_ALPHABET}]{{{CASE_ID_LENGTH},12}}$")


def new_case_id(taken: Collection[str] = (), rng: random.Random | None = None) -> str:
    """A fresh random case id that is not in ``taken``.

    ``rng`` makes synthetic cohorts reproducible; real cases use ``secrets``.
    """
    choose = rng.choice if rng is not None else secrets.choice
    while True:
        case_id = "".join(choose(CASE_ID_ALPHABET) for _ in range(CASE_ID_LENGTH))
        if case_id not in taken:
            return case_id


def is_case_id(text: object) -> bool:
    """Whether ``text`` has the form of a casekit case id."""
    return isinstance(text, str) and bool(_CASE_ID.match(text))


def load_deny_list(path: str | Path | None) -> tuple[str, ...]:
    """Names from the practitioner's deny-list file, skipping blanks and `#` comments.

    A missing file is an empty list.
    """
    if path is None or not Path(path).exists():
        return ()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return tuple(
        line.strip()
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


def share_frames(
    frames: dict[str, pd.DataFrame],
    dictionary: Dictionary,
    taken: Collection[str] = (),
    rng: random.Random | None = None,
) -> dict[str, pd.DataFrame]:
    """De-identified copies of the three frames, fit to leave the store.

    No identifier or free-text field, no calendar date (``day``: days since intake
    instead), withdrawn cases left out, and fresh case ids that are not in ``taken``
    (the store's own ids), with rows in the order of the new ids so that row order
    cannot be matched back to the store.
    """
    cases = frames["case"]
    fresh: dict[str, str] = {}
    used = set(taken)
    for old in cases["case_id"]:
        fresh[old] = new_case_id(used, rng)
        used.add(fresh[old])
    intake = dict(zip(cases["case_id"], cases["intake_date"], strict=True))
    shared = {}
    for form in dictionary:
        frame = frames[form.name]
        frame = frame[frame["case_id"].isin(fresh)].copy()
        dates = [f.code for f in form.fields if f.type == "date"]
        if form.name != "case" and dates:
            start = frame["case_id"].map(intake)
            frame.insert(2, "day", (frame[dates[0]] - start).dt.days.astype("Int64"))
        keep = [
            c
            for c in frame.columns
            if c not in form or form[c].is_shareable or c == "case_id"
        ]
        frame = frame[keep]
        frame["case_id"] = frame["case_id"].map(fresh).astype("str")
        order = [c for c in form.key if c in frame.columns]
        shared[form.name] = frame.sort_values(order).reset_index(drop=True)
    return shared
