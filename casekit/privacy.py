"""Privacy by construction: random case ids, the deny-list, de-identified shares.

A case id is drawn at random from an alphabet without look-alike characters (no 0/O,
1/I/L), never derived from the person. The free-text identifier scan itself lives in
:mod:`casekit.identifiers`; the deny-list of names it also checks is a plain text file
the practitioner keeps beside the store (``data/deny-list.txt``, one name a line).
:func:`share_frames` makes the frames that may leave the store, and
:func:`safe_table` (from :mod:`casekit.disclosure`) every aggregate that is shared.
"""

from __future__ import annotations

import functools
import random
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .anonymity import (
    DEFAULT_K,
    Anonymised,
    disclosure_note,
    group_sizes,
    k_anonymise,
    l_diversity,
    quasi_identifiers,
    unique_share,
)
from .dictionary import Dictionary
from .disclosure import safe_table
from .errors import IdentifyingReason
from .glued import case_id_spells_a_name, code_names
from .identifiers import Finding, describe, scan_text
from .reveals import put_back, says, withhold

__all__ = [
    "DEFAULT_SITE",
    "is_case_id",
    "load_deny_list",
    "neutral_sites",
    "new_case_id",
    "refuse_identifying_reason",
    "safe_table",
    "site_code_of",
    "Shared",
    "share_frames",
    "site_code_problem",
]

CASE_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CASE_ID_LENGTH = 6
_CASE_ID = re.compile(f"^[{CASE_ID_ALPHABET}]{{{CASE_ID_LENGTH},12}}$")
# A site is a short code from the store's site list, never free text: it reaches
# the analysis (splits by site), and a name or a number typed there would too.
DEFAULT_SITE = "main"
SITE_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")
SITE_CODE_RULE = (
    "at most 20 characters of a-z, 0-9 and -, starting with a letter or digit"
)


def new_case_id(taken: Collection[str] = (), rng: random.Random | None = None) -> str:
    """A fresh random case id that is not in ``taken``.

    ``rng`` makes synthetic cohorts reproducible; real cases use ``secrets``.
    """
    choose = rng.choice if rng is not None else secrets.choice
    while True:
        case_id = "".join(choose(CASE_ID_ALPHABET) for _ in range(CASE_ID_LENGTH))
        # About one draw in seventy reads as a postcode ("B338TH") or is all
        # digits: drawn again, so that every id casekit gives passes its own
        # import (is_case_id) and an export of the store imports as it was.
        if case_id not in taken and is_case_id(case_id):
            return case_id


def is_case_id(text: object, deny_list: Collection[str] = ()) -> bool:
    """Whether ``text`` may stand as a casekit case id: of its form, not all
    digits (a record, phone or NHS number fits the alphabet too), not spelling a
    name (``KATEWARD``, ``MRSWARD``: :func:`casekit.glued.case_id_spells_a_name`)
    and with nothing the identifier screen finds (``CHART4567``, ``MRN2345``, a
    postcode, a name of ``deny_list``)."""
    return isinstance(text, str) and _screened_case_id(text, tuple(deny_list))


# An import asks about each id three times (renaming, then the store's write, twice)
# and brings up to a hundred thousand of them, more than the screen's own cache
# holds: each id is screened once (about 40 microseconds each).
@functools.lru_cache(maxsize=2**18)
def _screened_case_id(text: str, deny_list: tuple[str, ...]) -> bool:
    return (
        bool(_CASE_ID.match(text))
        and not text.isdigit()
        and not case_id_spells_a_name(text, CASE_ID_LENGTH)
        and not scan_text(text, deny_list)
    )


def refuse_identifying_reason(
    reason: str | None, deny_list: Collection[str] = ()
) -> None:
    """Raise :class:`IdentifyingReason` when the reason given for an edit or a
    removal looks like an identifier. An audit row is never changed nor deleted,
    and a merge carries it to the network's server: what it says must be as safe
    as a note."""
    findings = scan_text(reason, deny_list) if reason else []
    if findings:
        raise IdentifyingReason(describe(findings))


def site_code_of(typed: str) -> str:
    """The site code ``typed`` stands for: spreadsheets and people capitalise
    (``Main``, ``North-Clinic``), codes are lower case; an import and
    ``casekit site add`` read a code alike."""
    return typed.strip().lower()


def site_code_problem(
    code: str, deny_list: Collection[str] = (), noun: str = "a site code"
) -> str | None:
    """Why ``code`` cannot be a site code (or another short code, such as an
    examiner's, which ``noun`` names), or None when it can.

    A site code is short (``SITE_CODE_RULE``) and screened like every text: a name,
    a phone number or anything else identifier-like is refused.
    """
    if not isinstance(code, str) or not SITE_CODE.fullmatch(code):
        return f"expected {noun}: {SITE_CODE_RULE}"
    # Words of a code are joined by hyphens; the screen reads them as words. A
    # name may also be run together or split by a hyphen (`jsmith`, `jo-smith`).
    findings = scan_text(code.replace("-", " "), deny_list, strict_names=True)
    findings = findings or [
        Finding("a name", code[a:b], a, b) for a, b in code_names(code)
    ]
    if findings:
        return describe(findings)
    return None


def actor_problem(actor: str, deny_list: Collection[str] = ()) -> str | None:
    """What ``actor`` (who an audit row names as its writer) looks like, when it
    looks like an identifier; None otherwise.

    Screened as a site code is (a network's writers are named by their site
    codes), whatever its shape: whole (an e-mail address), its words apart
    (``kate.ward``, ``Kate Ward``), and for a name run together (``kward``).
    """
    words = re.sub(r"[\W_]+", " ", actor).strip()
    findings = scan_text(actor, deny_list) or scan_text(
        words, deny_list, strict_names=True
    )
    findings = findings or [
        Finding("a name", actor[a:b], a, b) for a, b in code_names(actor.lower())
    ]
    return describe(findings) if findings else None


def neutral_sites(sites: pd.Series, noun: str = "site") -> pd.Series:
    """Neutral labels in place of site codes (``site A``, ``site B``, ...; or of
    another short code, ``examiner A``...), for anything shared: the largest is A,
    then by size (ties by code, which a reader never sees). Missing stays
    missing."""
    counts = sites.dropna().astype(str).value_counts()
    order = sorted(counts.index, key=lambda code: (-counts[code], code))
    labels = {code: f"{noun} {_letters(i)}" for i, code in enumerate(order)}
    return sites.map(lambda v: labels.get(str(v)) if pd.notna(v) else v).astype("str")


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: a label for as many sites as there are."""
    word = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        word = chr(ord("A") + rest) + word
    return word


def load_deny_list(path: str | Path | None) -> tuple[str, ...]:
    """Names from the practitioner's deny-list file, skipping blanks and `#` comments.

    A missing file is an empty list.
    """
    if path is None or not Path(path).exists():
        return ()
    # utf-8-sig: Notepad's "UTF-8 with BOM" would glue the mark to the first name.
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return tuple(
        line.strip()
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


@dataclass(frozen=True)
class Shared:
    """What a share export holds: the frames, how they were made k-anonymous, and
    the words of ``disclosure.txt``."""

    frames: dict[str, pd.DataFrame]
    anonymity: Anonymised
    note: str


def share_frames(
    frames: dict[str, pd.DataFrame],
    dictionary: Dictionary,
    taken: Collection[str] = (),
    rng: random.Random | None = None,
    k: int = DEFAULT_K,
) -> Shared:
    """De-identified copies of the three frames, fit to leave the store.

    No identifier or free-text field, no calendar date (``week``: whole weeks since
    intake instead, so that no case is singled out by its calendar), sites as
    neutral labels (:func:`neutral_sites`), withdrawn cases left out, and fresh case
    ids that are not in ``taken`` (the store's own ids), with rows in the order of
    the new ids so that row order cannot be matched back to the store. The cases'
    quasi-identifiers are made ``k``-anonymous (:mod:`casekit.anonymity`), and a
    field with an answer that would say one the share left blank or generalised
    is withheld there, whatever the answer (:mod:`casekit.reveals`).
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
            start = pd.to_datetime(frame["case_id"].map(intake)).astype(
                frame[dates[0]].dtype
            )
            days = (frame[dates[0]] - start).dt.days
            frame.insert(2, "week", (days // 7).astype("Int64"))
        keep = [
            c
            for c in frame.columns
            if c not in form or form[c].is_shareable or c == "case_id"
        ]
        frame = frame[keep]
        frame["case_id"] = frame["case_id"].map(fresh).astype("str")
        if "site" in frame.columns:
            frame["site"] = neutral_sites(frame["site"])
        for f in form.fields:  # an examiner's code: a neutral label too
            if f.short_code and f.code in frame.columns:
                frame[f.code] = neutral_sites(frame[f.code], f.code)
        order = [c for c in form.key if c in frame.columns]
        shared[form.name] = frame.sort_values(order).reset_index(drop=True)
    case_form = dictionary["case"]
    # A shared local field of the case form is a quasi-identifier unless declared
    # otherwise (see dictionary.Field): generalised and blanked with the kit's own.
    # Which case joins a small group to be blanked with it follows the rows' order
    # (casekit.anonymity): the store's order here, not the fresh ids' (drawn anew
    # each time), so that the same cases shared twice are blanked alike, and the
    # two shares together unblank nothing. The rows go back in fresh-id order.
    back = {new: old for old, new in fresh.items()}
    canonical = shared["case"].iloc[
        shared["case"]["case_id"].map(back).argsort(kind="stable")
    ]
    result = k_anonymise(
        canonical.reset_index(drop=True),
        quasi_identifiers(case_form, shared["case"].columns),
        k,
    )
    result.frame = result.frame.sort_values("case_id").reset_index(drop=True)
    for f in case_form.fields:  # a multi-select comes back as its `a|b` text
        if f.type == "multi" and f.code in result.quasi_identifiers:
            column = result.frame[f.code].astype(object)
            result.frame[f.code] = column.map(
                lambda v: v.split("|"), na_action="ignore"
            )
    shared["case"] = result.frame
    # A field with an answer that says a blanked quasi-identifier (a caesarean:
    # female) is withheld, whatever the answer, where that is blank; the groups
    # are counted as a reader would narrow them from what is left.
    result.withheld = withhold(shared, dictionary, result)
    result.withheld_says = says(dictionary)
    if len(result.frame):
        narrowed = put_back(shared, dictionary, result)
        sizes = group_sizes(narrowed, result.quasi_identifiers)
        result.smallest = min(result.smallest, int(sizes.min()))
    sensitive = {
        f.code: l_diversity(result.frame, result.quasi_identifiers, f.code)
        for f in case_form.fields
        if f.sensitive and f.code in result.frame.columns
    }
    weeks = shared["session"].groupby("case_id")["week"].agg(list)
    visits = (
        result.frame["case_id"]
        .map(weeks)
        .map(lambda w: w if isinstance(w, list) else [])
    )
    labels = {f.code: f.label for f in case_form.fields}
    local = [f for form in dictionary for f in form.fields if f.local]
    note = disclosure_note(
        result, sensitive, unique_share(visits), labels, local_fields=local
    )
    return Shared(shared, result, note)
