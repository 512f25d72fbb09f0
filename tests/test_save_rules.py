"""A save through the store keeps the rules across forms that an import keeps.

Each record below breaks one rule of :func:`casekit.checks.cross_form_problems`
against its case's stored rows. ``Store.add``, ``Store.update`` and a form's Save
refuse it with the problem the import of the same row reports, so a store's own
export always imports again.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from conftest import case_record, followup_record, session_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checks import _raw_insert
from test_forms import answer, fill

from casekit import Store
from casekit.errors import ValidationFailed
from casekit.frames import text_cell
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files
from casekit.ui.forms import RecordForm, in_words

INTAKE = dt.date(2025, 3, 3)
SESSION_DAY = dt.date(2025, 3, 5)
# name: the form, what breaks a valid record of it, and the (rule, field) expected.
BREAKS = {
    "session before intake": (
        "session",
        # Numbered: unnumbered, a save would number it 1 by its date, before the
        # stored session 1 (casekit.store.late), where the import of the export
        # numbers it 2, after the exported session 1, which comes with its number.
        {"session_date": dt.date(2025, 3, 1), "session_no": 2},
        ("before_intake", "session_date"),
    ),
    "relief without pain before": (
        "session",
        {"nprs_before": None},
        ("relief_uncounted", "nprs_before"),
    ),
    "flare without side": (
        "followup",
        {"flare": "yes", "flare_side": None},
        ("flare_without_side", "flare_side"),
    ),
    "follow-up before its session": (
        "followup",
        {"followup_date": dt.date(2025, 3, 4)},
        ("before_session", "followup_date"),
    ),
    "follow-up of no such session": (
        "followup",
        {"after_session": 9},
        ("no_such_session", "after_session"),
    ),
}


def next_session(case_id: str, **changes) -> dict:
    """A valid session after the seeded one (a session dated before the one
    numbered before it breaks a rule of its own)."""
    return session_record(case_id, **{"session_date": dt.date(2025, 3, 12), **changes})


RECORD = {"session": next_session, "followup": followup_record}
UNRELATED = {"session": ("techniques", ["advice"]), "followup": ("nprs", "3")}
FILE = {"case": "cases.csv", "session": "sessions.csv", "followup": "followups.csv"}


def seeded(store: Store) -> str:
    """A case of intake 2025-03-03 with one session, on 2025-03-05."""
    case_id = store.add("case", case_record(intake_date=INTAKE))["case_id"]
    store.add("session", session_record(case_id, session_date=SESSION_DAY))
    return case_id


def which(problems) -> set[tuple]:
    """What a problem says, whatever file or form it came from."""
    return {
        (p.rule, p.form, p.case_id, p.instance, p.field, p.value, p.other_value)
        for p in problems
    }


def import_problems(store: Store, folder: Path, form: str, record: dict) -> tuple:
    """The problems an import into a fresh store reports of ``store``'s export with
    ``record`` of ``form`` (a new row, or a case's changed row) in its file."""
    export_csv(store, folder / "export")
    path = folder / "export" / FILE[form]
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        rows, columns = list(reader), list(reader.fieldnames)
    spec = store.dictionary[form]
    line = {c: text_cell(spec[c], record.get(c)) for c in columns if c in spec}
    if form == "case":
        rows = [line if r["case_id"] == record["case_id"] else r for r in rows]
    else:
        rows.append(line)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    with Store(folder / "fresh.db", create=True) as fresh:
        with pytest.raises(ValidationFailed) as refused:
            import_files(fresh, [folder / "export"])
    return refused.value.found


@pytest.mark.parametrize("name", list(BREAKS))
def test_store_add_refuses_what_the_import_refuses(store, tmp_path, name):
    form, changes, expected = BREAKS[name]
    case_id = seeded(store)
    record = RECORD[form](case_id, **changes)
    before = len(store.read(form)), len(store.audit())
    with pytest.raises(ValidationFailed) as refused:
        store.add(form, record)
    assert {(p.rule, p.field) for p in refused.value.found} == {expected}
    assert (len(store.read(form)), len(store.audit())) == before  # nothing written
    imported = import_problems(store, tmp_path, form, record)
    assert which(refused.value.found) == which(imported)


def answers(record: dict) -> dict:
    """A record as a person types it into the form (numbers as text)."""
    return {
        code: str(value) if isinstance(value, int | float) else value
        for code, value in record.items()
        if code != "case_id"
    }


@pytest.mark.parametrize("name", list(BREAKS))
def test_a_form_s_save_is_refused_and_the_problem_shown_beside_its_field(store, name):
    form, changes, (rule, field) = BREAKS[name]
    case_id = seeded(store)
    record = RECORD[form](case_id, **changes)
    with pytest.raises(ValidationFailed) as refused:
        store.add(form, record)
    (problem,) = refused.value.found
    stored = len(store.read(form))

    entry = RecordForm(store, form)
    entry.new(case_id)
    fill(entry, **answers(record))
    checked = entry.check()  # before any Save, as the answers are checked
    assert (checked["field"] == field).any()
    entry.save_button.click()
    assert "Nothing was saved: 1 problem" in entry.status.value
    said = in_words(problem, store.dictionary[form])
    assert said in entry.fields[field].problem.value
    assert len(store.read(form)) == stored

    # Another answer changed: the problem, not fixed, is still shown.
    answer(entry, *UNRELATED[form])
    assert said in entry.fields[field].problem.value

    # Fixed, the message goes as the answer changes, and the save goes through.
    fixed = RECORD[form](case_id)[field]
    answer(entry, field, str(fixed) if isinstance(fixed, int | float) else fixed)
    assert entry.fields[field].problem.value == ""
    entry.save_button.click()
    assert "Saved" in entry.status.value
    assert len(store.read(form)) == stored + 1


def test_an_intake_moved_after_a_session_is_refused(store, tmp_path):
    case_id = seeded(store)
    later = {"intake_date": dt.date(2025, 3, 8)}
    with pytest.raises(ValidationFailed) as refused:
        store.update("case", case_id, later)
    (problem,) = refused.value.found
    assert (problem.rule, problem.form, problem.instance, problem.field) == (
        "before_intake",
        "session",
        1,
        "session_date",
    )
    assert store.get("case", case_id)["intake_date"] == INTAKE
    imported = import_problems(
        store, tmp_path, "case", {**store.get("case", case_id), **later}
    )
    assert which(refused.value.found) == which(imported)

    # Through the form: beside the intake date, naming the session.
    entry = RecordForm(store, "case")
    entry.load(case_id)
    answer(entry, "intake_date", later["intake_date"])
    entry.save_button.click()
    message = entry.fields["intake_date"].problem.value
    assert f"Session 1 of case {case_id}" in message
    assert "before the intake date 2025-03-08" in message
    assert "Nothing was saved" in entry.status.value
    assert store.get("case", case_id)["intake_date"] == INTAKE


def test_a_session_moved_after_its_follow_up_is_refused(store):
    case_id = seeded(store)
    store.add("followup", followup_record(case_id, followup_date=SESSION_DAY))
    with pytest.raises(ValidationFailed) as refused:
        store.update("session", (case_id, 1), {"session_date": dt.date(2025, 3, 9)})
    assert {(p.rule, p.form, p.instance) for p in refused.value.found} == {
        ("before_session", "followup", 1)
    }
    assert store.get("session", (case_id, 1))["session_date"] == SESSION_DAY


def test_a_problem_an_older_store_holds_does_not_block_other_saves(store):
    case_id = seeded(store)
    _raw_insert(  # a flare without side, written by an older casekit
        store.path,
        "followups",
        case_id=case_id,
        followup_no=1,
        after_session=1,
        followup_date=SESSION_DAY,
        flare="yes",
        deleted=0,
    )
    saved = store.add("session", session_record(case_id, session_date=SESSION_DAY))
    assert saved["session_no"] == 2
    store.update("case", case_id, {"nprs": 7})
    # The follow-up itself, changed but still without a side, is refused.
    with pytest.raises(ValidationFailed, match="without `flare_side`"):
        store.update("followup", (case_id, 1), {"nprs": 3})


DAY = st.integers(min_value=-4, max_value=30).map(
    lambda n: INTAKE + dt.timedelta(days=n)
)
PAIN = st.none() | st.integers(min_value=0, max_value=10)
SESSION = st.fixed_dictionaries(
    {"session_date": DAY, "nprs_before": PAIN, "nprs_after": PAIN}
)
FOLLOWUP = st.fixed_dictionaries(
    {
        "followup_date": DAY,
        "after_session": st.integers(min_value=1, max_value=4),
        "flare": st.sampled_from(["yes", "no"]),
        "flare_side": st.none() | st.sampled_from(["left", "right", "both"]),
    }
)
CASE = st.tuples(
    st.lists(SESSION, max_size=4),
    st.lists(FOLLOWUP, max_size=3),
    st.sampled_from([INTAKE, INTAKE + dt.timedelta(days=6)]),  # an edit of intake
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cases=st.lists(CASE, min_size=1, max_size=3))
def test_a_store_built_through_add_exports_and_imports_again(cases):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        with Store(folder / "a.db", create=True) as store:
            for sessions, followups, intake in cases:
                case_id = store.add("case", case_record(intake_date=INTAKE))["case_id"]
                for form, records in (("session", sessions), ("followup", followups)):
                    for changes in records:
                        record = RECORD[form](case_id, **changes)
                        if changes.get("flare") == "no":
                            record["flare_onset_hours"] = None
                        try:
                            store.add(form, record)
                        except ValidationFailed:
                            pass  # refused: nothing written
                try:
                    store.update("case", case_id, {"intake_date": intake})
                except ValidationFailed:
                    pass
            export_csv(store, folder / "export")
            counts = {form: len(store.read(form)) for form in FILE}
        with Store(folder / "fresh.db", create=True) as fresh:
            result = import_files(fresh, [folder / "export"])
        assert {f: result.counts.get(f, 0) for f in FILE} == counts
