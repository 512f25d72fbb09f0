"""A draft a record: what is typed is never lost by opening another record.

A new entry half typed stays kept while a saved record is changed, another entry
opened or another case chosen (or searched for), and comes back with the new entry;
a restored draft brings back what was cleared as cleared, and a number typed by
hand. Headless, as in tests/test_drafts.py: a new ``LoggingApp`` on the same store
is what a reload or a reopened tab gets."""

from __future__ import annotations

import datetime as dt

from conftest import case_record, session_record
from test_forms import CORE, answer, fill

from casekit.store import drafts
from casekit.ui.logbook import LoggingApp

D = dt.date


def test_a_search_keeps_the_chosen_case_and_its_half_typed_session(store):
    a = store.add("case", case_record(intake_date=D(2026, 10, 20)))["case_id"]
    store.add("case", case_record(intake_date=D(2026, 11, 20)))
    entry = LoggingApp(store).session
    entry.chooser.search.value = "2026-10"
    entry.chooser.list.value = a
    fill(entry.record, nprs_before="6", notes="good relief")
    entry.chooser.search.value = "2026-11"  # looking at another case
    assert entry.chooser.value == a and entry.chooser.options[0][1] == a
    assert entry.body.layout.display is None  # the session stays shown
    entry.chooser.search.value = "2026-10"
    entry.chooser.list.value = a
    assert entry.record.fields["notes"].get() == "good relief"
    assert entry.record.data["nprs_before"] == 6


def test_opening_a_saved_case_keeps_the_new_one_half_typed(store):
    old = store.add("case", case_record(intake_date=D(2026, 10, 20)))["case_id"]
    app = LoggingApp(store)
    form = app.case.record
    fill(form, **CORE, notes="new pt, L SIJ")
    app.case.chooser.choose(old)
    assert form.editing == (old,)
    assert form.data["notes"] == "L4-5 tender, 3x/week walks"  # the stored one
    answer(form, "nprs", "5")
    new = drafts.find(store, "case", None, None)
    assert new.answers["notes"] == "new pt, L SIJ"
    assert drafts.find(store, "case", old, (old,)).answers["nprs"] == 5

    again = LoggingApp(store)  # a closed tab: the latest draft, the change, first
    assert again.case.record.editing == (old,)
    assert again.case.record.data["nprs"] == 5
    form.save_button.click()  # the change saved: the new case comes back
    assert store.get("case", old)["nprs"] == 5
    assert form.editing is None
    assert form.data["notes"] == "new pt, L SIJ" and form.data["sex"] == "female"
    assert "Restored what was typed" in form.drafts.note.value
    assert drafts.find(store, "case", old, (old,)) is None
    form.save_button.click()
    assert "Saved case" in form.status.value
    assert drafts.read(store, "case") is None


def test_leaving_a_change_brings_back_the_new_case_half_typed(store):
    old = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    form = app.case.record
    answer(form, "notes", "new pt, L SIJ")
    app.case.chooser.choose(old)
    answer(form, "nprs", "5")
    form.new_button.click()  # "Start a new entry instead": the change is dropped
    assert form.editing is None and form.data["notes"] == "new pt, L SIJ"
    assert drafts.find(store, "case", old, (old,)) is None


def test_another_entry_or_case_keeps_the_new_session_half_typed(store):
    a = store.add("case", case_record())["case_id"]
    b = store.add("case", case_record())["case_id"]
    store.add("session", session_record(a))
    entry = LoggingApp(store).session
    entry.chooser.list.value = a
    fill(entry.record, nprs_before="7", notes="new session")
    entry.entry.value = 1  # change session 1 instead
    assert entry.record.data["nprs_before"] == 6
    answer(entry.record, "nprs_after", "2")
    entry.entry.value = 0  # back to the new one
    assert entry.record.data["notes"] == "new session"
    assert entry.record.data["session_no"] == 2
    entry.chooser.list.value = b  # another case: its own new session
    assert entry.record.data["notes"] is None
    answer(entry.record, "notes", "b's session")
    entry.chooser.list.value = a
    assert entry.record.data["notes"] == "new session"
    entry.entry.value = 1  # the change of session 1 was kept too
    assert entry.record.data["nprs_after"] == 2
    assert drafts.find(store, "session", b, None).answers["notes"] == "b's session"


def test_a_cleared_answer_comes_back_cleared(store):
    case_id = store.add("case", case_record(odi=30))["case_id"]
    store.add("session", session_record(case_id))
    app = LoggingApp(store)
    app.case.chooser.choose(case_id)
    fill(
        app.case.record,
        odi=None,
        pain_regions=None,
        notes=None,
        red_flags_cleared=None,
    )
    app.session.chooser.list.value = case_id
    app.session.entry.value = 1
    answer(app.session.record, "techniques", None)

    again = LoggingApp(store)
    case = again.case.record
    assert case.editing == (case_id,)
    for code in ("odi", "pain_regions", "notes", "red_flags_cleared"):
        assert case.data[code] is None, code
    assert case.data["nprs"] == 6  # what was not touched is as stored
    assert again.session.record.editing == (case_id, 1)
    assert again.session.record.data["techniques"] is None


def test_a_default_cleared_in_a_new_entry_stays_cleared(store):
    case_id = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    fill(app.session.record, session_date=None, nprs_before="4")
    again = LoggingApp(store)
    assert again.session.record.data["session_date"] is None


def test_a_session_number_typed_by_hand_is_kept(store):
    case_id = store.add("case", case_record(intake_date=D(2025, 1, 6)))["case_id"]
    store.add("session", session_record(case_id, session_date=D(2025, 1, 10)))
    store.add("session", session_record(case_id, session_date=D(2025, 1, 20)))
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    assert app.session.record.data["session_no"] == 3  # the one offered
    fill(app.session.record, session_no="2", session_date=D(2025, 1, 15))
    again = LoggingApp(store)
    assert again.session.record.data["session_no"] == 2
    assert again.session.record.data["session_date"] == D(2025, 1, 15)
    # the offered number is not kept: a draft restored later takes the next one
    answer(again.session.record, "session_no", "3")
    assert "session_no" not in drafts.read(store, "session").answers
