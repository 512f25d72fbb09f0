"""Export: the store as CSV files or a REDCap project, in full or fit to share.

The full export (owner-only files) is the practitioner's own copy: ``import`` reads it
back exactly. Neither kind carries a withdrawn case (nor a removed session, follow-up
or exam): it was withdrawn, perhaps at the patient's request, so its data does not
travel; it stays in the store, marked, and in its backups, and ``casekit export``
says how many it left out (:func:`casekit.store.queries.left_out`).

``share=True`` writes only what may leave the store (see
:func:`casekit.privacy.share_frames`): no calendar date, no free text, no identifier,
no case id of the store.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pandas as pd

from ..anonymity import DEFAULT_K
from ..cells import neutralise_frame
from ..dictionary import Dictionary
from ..errors import ShareRefused
from ..frames import frame_to_text
from ..privacy import share_frames
from ..store import Store, releases
from .redcap import data_dictionary, to_redcap

FILE_OF = {
    "case": "cases.csv",
    "session": "sessions.csv",
    "followup": "followups.csv",
    "exam": "exams.csv",
}
FORMATS = ("csv", "redcap")
# Every file an export of any kind writes: one kind written over another leaves
# none of the other's behind (a share's disclosure.txt beside full data would
# claim what is false of it).
EXPORT_FILES = frozenset(
    {
        *FILE_OF.values(),
        "dictionary.csv",
        "redcap_data.csv",
        "redcap_dictionary.csv",
        "disclosure.txt",
    }
)


def export_csv(
    store: Store,
    out_dir: str | os.PathLike,
    *,
    share: bool = False,
    fmt: str = "csv",
    k: int = DEFAULT_K,
) -> list[Path]:
    """Write the store to ``out_dir``; returns the paths written.

    ``fmt="csv"``: ``cases.csv``, ``sessions.csv``, ``followups.csv``, ``exams.csv`` and
    ``dictionary.csv``. ``fmt="redcap"``: ``redcap_data.csv`` (raw data, repeating
    instruments) and ``redcap_dictionary.csv``, ready for REDCap's import tools.
    ``share=True``: no calendar date (``week`` since intake instead), no free
    text, no identifier field, withdrawn cases left out, fresh case ids, sites as
    site A, B, ..., every combination of the quasi-identifiers shared by ``k`` or
    more cases, and ``disclosure.txt`` saying what was generalised and suppressed.

    A file that an export of another kind wrote into ``out_dir`` earlier (a
    share's ``disclosure.txt``, REDCap files beside CSVs) is removed.

    Raises
    ------
    ShareRefused
        ``share=True`` and the store holds fewer than ``k`` cases: no export of
        them can be k-anonymous, so nothing is written.
    ReleaseRefused
        ``share=True`` and the cases differ from those of an earlier share of the
        store (a report or an export) by 1 to 7, logged, changed (a follow-up
        added, a field corrected, a session removed) or withdrawn since, or by 1
        to 7 in any one form (the follow-ups of one case, among thirty cases
        logged): nothing is written (see :mod:`casekit.store.releases`). A share
        written is recorded there.
    OtherKRefused
        ``share=True`` and an earlier share export of the same cases, unchanged,
        was made at another ``k``: nothing is written.
    """
    out = Path(out_dir)
    dictionary = store.dictionary
    # The cases this share counts, each with a fingerprint of what it holds, read
    # before its data: what changes after is seen when the share is recorded.
    counted = releases.counted(store) if share else set()
    frames = store.frames()
    generalised: dict[str, list[str]] = {}
    note = None
    if share:
        # Refused at once if a share of nearly the same cases (or of the same
        # cases at another k) was released before (casekit.store.releases).
        releases.check(store, counted, k)
        shared = share_frames(frames, dictionary, taken=store.case_ids(), k=k)
        result = shared.anonymity
        # Fewer than k cases cannot be k-anonymous however much is blanked: such
        # an export is refused rather than written as "shareable". No case at all
        # is fewer than k too (smallest is 0): nothing to share, said the same way.
        if result.smallest < k:
            names = [dictionary["case"][q].label for q in result.quasi_identifiers]
            raise ShareRefused(len(result.frame), k, result.smallest, names)
        frames, note = shared.frames, shared.note
        generalised = shared.anonymity.generalised()
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = {form.name: frame_to_text(form, frames[form.name]) for form in dictionary}
    if fmt == "redcap":
        columns = {name: list(frame.columns) for name, frame in text.items()}
        written = {
            "redcap_data.csv": to_redcap(dictionary, text, generalised),
            "redcap_dictionary.csv": data_dictionary(dictionary, columns, generalised),
        }
    else:
        written = {FILE_OF[name]: frame for name, frame in text.items()}
        written["dictionary.csv"] = dictionary_table(
            dictionary, share=share, generalised=generalised
        )
    # A share is recorded as it is written, in one step: written, recorded;
    # refused or failed, neither.
    step = (
        releases.releasing(store, fmt if fmt == "redcap" else "export", counted, k)
        if share
        else contextlib.nullcontext()
    )
    # Each file is written aside and put in place (a rename) once the share is
    # recorded: a write that fails part way leaves no file, and none is in place
    # before its release is.
    paths, aside = [], []
    try:
        with step:
            for name, frame in written.items():
                # No cell may start a formula in the spreadsheet that opens the
                # file; CRLF line ends (RFC 4180, as Excel writes) make the writer
                # quote a lone \r in a note, which would otherwise split its row.
                aside.append((out / f".{name}.partial", out / name))
                if not share:
                    _owner_only(aside[-1][0])
                neutralise_frame(frame).to_csv(
                    aside[-1][0], index=False, lineterminator="\r\n"
                )
            if note is not None:
                aside.append((out / ".disclosure.txt.partial", out / "disclosure.txt"))
                aside[-1][0].write_text(note, encoding="utf-8")
        for part, path in aside:
            os.replace(part, path)
            paths.append(path)
    finally:
        for part, _ in aside:
            part.unlink(missing_ok=True)
    _remove_stale(out, {path.name for path in paths})
    return paths


def _owner_only(path: Path) -> None:
    """Make ``path`` an empty file readable by its owner alone, before anything is
    written to it: a full export holds the practitioner's records (case ids,
    dates, notes), and a file opened by another user while it was still readable
    could be read on after a later chmod."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # one left by a crash keeps its mode otherwise
    finally:
        os.close(descriptor)


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove what an earlier export of another kind left in ``out``; files that
    no export writes are the practitioner's and stay."""
    for name in EXPORT_FILES - written:
        (out / name).unlink(missing_ok=True)


def dictionary_table(
    dictionary: Dictionary,
    *,
    share: bool = False,
    generalised: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The data dictionary as one row per field, for people and spreadsheets; a
    field generalised in a share export lists the values it holds there."""
    generalised = generalised or {}
    rows = []
    for form in dictionary:
        for f in form.fields:
            if share and not (f.is_shareable or f.code == "case_id"):
                continue
            rows.append(
                {
                    "form": form.name,
                    "field": f.code,
                    "type": f.type,
                    "label": f.label,
                    "codes": (
                        " | ".join(generalised[f.code])
                        if form.name == "case" and f.code in generalised
                        else " | ".join(f"{c} = {label}" for c, label in f.codes)
                    ),
                    "min": _bound(f.min),
                    "max": _bound(f.max),
                    "required": f.required,
                    "show_if": (
                        f"{f.show_if.field} in {', '.join(f.show_if.values)}"
                        if f.show_if
                        else ""
                    ),
                    "help": f.help,
                }
            )
        if share and form.instance:
            rows.append(
                {
                    "form": form.name,
                    "field": "week",
                    "type": "integer",
                    "label": "Weeks since intake",
                    "codes": "",
                    "required": False,
                    "help": "Whole weeks; replaces the calendar date in a shared "
                    "export.",
                }
            )
    return pd.DataFrame(rows)


def _bound(value: float | None) -> str | None:
    """A field's ``min`` or ``max`` as typed, as text: ``10`` and ``0``, never
    ``10.0`` and ``0.0`` (a column of numbers and blanks is float to pandas)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
