"""Stores for the edge tests: the shapes of a practitioner's first weeks, and a
Hypothesis strategy that draws any small valid store.

A drawn store is plain records (``{"case": [...], "session": [...], "followup":
[...], "exam": [...]}``) plus the ids of the cases withdrawn since.
:func:`frames_of` types them as ``Store.frames`` does, in memory (cheap: many
examples go through the functions); :func:`write_store` writes them to a real
store (for the few that go through the commands and the notebooks). :func:`shown`
prints one for a failing example.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from casekit import Store
from casekit.dictionary import Field, load_dictionary
from casekit.frames import records_to_frame, to_cell
from casekit.privacy import CASE_ID_ALPHABET, CASE_ID_LENGTH, is_case_id
from casekit.synth import CohortParams, cohort

DICTIONARY = load_dictionary()
EXAM = tuple(f.code for f in DICTIONARY["case"].fields if f.section == "Intake exam")
FIRST_DAY = dt.date(2023, 1, 2)
# The store shapes of a first week, and of the odd corners after it.
SHAPES = (
    "empty",
    "one_case",
    "no_sessions",
    "no_followups",
    "both_or_central",
    "no_exam",
    "all_withdrawn",
)


def shape_records(shape: str) -> tuple[dict[str, list[dict]], bool]:
    """The records of one store shape, and whether its cases are then withdrawn.

    ``empty``: nothing; ``one_case``: one case with its sessions and follow-ups;
    ``no_sessions``: five cases, no session yet; ``no_followups``: cases with
    sessions, no follow-up yet; ``both_or_central``: no one-sided case;
    ``no_exam``: no intake exam (nor SI re-test, nor repeated exam) ever done;
    ``all_withdrawn``: every case withdrawn.
    """
    if shape == "empty":
        return {"case": [], "session": [], "followup": [], "exam": []}, False
    if shape not in SHAPES:
        raise ValueError(f"no store shape {shape!r}; expected one of {SHAPES}")
    size = {"one_case": 1, "no_sessions": 5}.get(shape, 24)
    one_sided = 0.0 if shape == "both_or_central" else 0.7
    records = cohort(size, seed=3, params=CohortParams(one_sided=one_sided))
    if shape == "no_sessions":
        records["session"] = records["exam"] = []
    if shape in ("no_sessions", "no_followups"):
        records["followup"] = []
    if shape == "no_exam":
        for record in records["case"]:
            record.update(dict.fromkeys(EXAM))
        for record in records["session"]:
            record["si_tight_side"] = None
        records["exam"] = []
    return records, shape == "all_withdrawn"


def write_store(
    db: Path, records: dict[str, list[dict]], withdrawn=(), *, every=False
) -> Path:
    """A real store at ``db`` holding ``records``; the cases of ``withdrawn`` (or,
    with ``every``, all of them) withdrawn after."""
    with Store(db, create=True, actor="tests") as store:
        for site in sorted({r["site"] for r in records["case"] if r.get("site")}):
            store.add_site(site)  # a store writes only the sites it lists
        if any(records.values()):
            store.add_many(records)
        gone = store.case_ids() if every else withdrawn
        for case_id in sorted(gone):
            store.delete("case", case_id, reason="withdrew consent")
    return db


def frames_of(records: dict[str, list[dict]], withdrawn=()) -> dict[str, pd.DataFrame]:
    """The records typed as ``Store.frames`` types them: rows in key order, the
    rows of withdrawn cases left out."""
    frames = {}
    for form in DICTIONARY:
        kept = [r for r in records.get(form.name, []) if r["case_id"] not in withdrawn]
        kept.sort(key=lambda r: tuple(r[code] for code in form.key))
        rows = [[to_cell(f, r.get(f.code)) for f in form.fields] for r in kept]
        frames[form.name] = records_to_frame(form, rows)
    return frames


def shown(records: dict[str, list[dict]], withdrawn=()) -> str:
    """A drawn store as a person reads it, for Hypothesis to print on a failure:
    each form's non-empty columns, and the withdrawn cases."""
    parts = []
    for name, rows in records.items():
        frame = pd.DataFrame(rows).dropna(axis=1, how="all")
        parts.append(f"{name} ({len(rows)}):\n{frame.to_string() if rows else '-'}")
    parts.append(f"withdrawn: {sorted(withdrawn) or '-'}")
    return "\n".join(parts)


# -- any small valid store -----------------------------------------------------------

_NUMBER_TOP = 200.0  # hours, for the numbers without a maximum (flare timing)


def _value(draw, f: Field, missing: bool) -> Any:
    """A valid value of ``f`` (None when ``missing`` allows it)."""
    if missing and not f.required and draw(st.booleans()):
        return None
    if f.type in ("choice", "yesno"):
        return draw(st.sampled_from(f.code_values))
    if f.type == "multi":
        return draw(st.lists(st.sampled_from(f.code_values), min_size=1, unique=True))
    if f.type == "integer":
        low = int(f.min) if f.min is not None else 0
        return draw(st.integers(low, int(f.max) if f.max is not None else low + 10))
    if f.type == "number":
        top = f.max if f.max is not None else _NUMBER_TOP
        return draw(st.integers(0, int(top * 2))) / 2  # whole and half hours
    if f.type == "text":
        return draw(st.sampled_from(["main", "north"])) if f.code == "site" else None
    raise ValueError(f"no drawing for a {f.type} field")  # dates and keys: below


def _record(draw, form: str, given: dict[str, Any], style: dict) -> dict[str, Any]:
    record = dict(given)
    for f in DICTIONARY[form].fields:
        if f.code in record or f.type in ("key", "date"):
            continue
        if f.code in EXAM and not style["exam"]:
            record[f.code] = draw(st.sampled_from([None, "not_tested"]))
            if f.type != "choice":
                record[f.code] = None
            continue
        record[f.code] = _value(draw, f, style["missing"])
    if form == "case" and style["sides"] != "any":
        sides = ("left", "right") if style["sides"] == "one" else ("both", "central")
        record["pain_side"] = draw(st.sampled_from(sides))
    # A question asked only for some answers is empty otherwise, as a form saves it.
    for f in DICTIONARY[form].fields:
        if f.show_if is not None and not f.show_if.holds(record):
            record[f.code] = None
    return record


@st.composite
def stores(draw, max_cases: int = 40) -> tuple[dict[str, list[dict]], set[str]]:
    """Any small valid store: 0 to ``max_cases`` cases, with any mix of missing
    answers, exams done or not, sides, sessions, follow-ups, flares, statuses and
    withdrawn cases.

    Returns
    -------
    (records, withdrawn)
        Records by form, as ``Store.add_many`` takes them, and the ids of the
        cases withdrawn after they were written.
    """
    style = {
        "missing": draw(st.booleans()),
        "exam": draw(st.booleans()),
        "sides": draw(st.sampled_from(["any", "one", "both_or_central"])),
        "sessions": draw(st.sampled_from([0, 1, 3, 6])),
        "followups": draw(st.sampled_from([0, 1, 3])),
        "exams": draw(st.sampled_from([0, 2, 3])),
    }
    ids = draw(
        st.lists(
            # casekit keeps only ids that read as no identifier ("222222" is not one)
            st.text(
                CASE_ID_ALPHABET, min_size=CASE_ID_LENGTH, max_size=CASE_ID_LENGTH
            ).filter(is_case_id),
            max_size=max_cases,
            unique=True,
        )
    )
    records: dict[str, list[dict]] = {form.name: [] for form in DICTIONARY}
    for case_id in ids:
        intake = FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 900)))
        given = {"case_id": case_id, "intake_date": intake}
        records["case"].append(_record(draw, "case", given, style))
        days = sorted(draw(st.lists(st.integers(0, 90), max_size=style["sessions"])))
        for number, day in enumerate(days, start=1):
            given = {
                "case_id": case_id,
                "session_no": number,
                "session_date": intake + dt.timedelta(days=day),
            }
            records["session"].append(_record(draw, "session", given, style))
        for number in range(1, draw(st.integers(0, style["followups"])) + 1):
            after = draw(st.integers(1, max(len(days), 1)))
            day = days[after - 1] if days else 0
            given = {
                "case_id": case_id,
                "followup_no": number,
                "after_session": after,
                "followup_date": intake
                + dt.timedelta(days=day + draw(st.sampled_from([1, 2, 5, 15, 45]))),
            }
            records["followup"].append(_record(draw, "followup", given, style))
        for number in range(1, draw(st.integers(0, style["exams"])) + 1):
            given = {
                "case_id": case_id,
                "exam_no": number,
                "exam_date": intake + dt.timedelta(days=draw(st.sampled_from([0, 7]))),
                "examiner": draw(st.sampled_from(["a", "b", "kb"])),
            }
            records["exam"].append(_record(draw, "exam", given, style))
    withdrawn = draw(st.sampled_from(["none", "some", "all"])) if ids else "none"
    if withdrawn == "some":
        return records, set(draw(st.lists(st.sampled_from(ids), unique=True)))
    return records, set(ids) if withdrawn == "all" else set()
