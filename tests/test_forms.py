"""The logging forms, driven headlessly through the real widgets: set ``.value`` as a
person's typing or clicking would, press Save with ``.click()``, read the store."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from types import SimpleNamespace

import ipywidgets as w
import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.errors import CasekitError, ValidationFailed
from casekit.store import drafts
from casekit.store import queries as lookups
from casekit.ui import chooser as choosing
from casekit.ui import logbook
from casekit.ui.forms import RecordForm, in_words, summary
from casekit.ui.logbook import CaseChooser, LoggingApp, logging_app
from casekit.ui.widgets import BUILDERS, NOT_ANSWERED

TODAY = dt.date.today()


def answer(form: RecordForm, code: str, value) -> None:
    """Answer one question the way a person does, on the widget itself."""
    fw = form.fields[code]
    control, kind = fw.control, fw.field.type
    if kind == "multi":
        chosen = set(value or ())
        for (option, _label), box in zip(fw.field.codes, control.children, strict=True):
            box.value = option in chosen
    elif kind in ("integer", "number", "text", "key"):
        control.value = "" if value is None else str(value)
    elif kind in ("choice", "yesno"):
        control.value = "" if value is None else value
    else:  # date
        control.value = value


def fill(form: RecordForm, **answers) -> None:
    for code, value in answers.items():
        answer(form, code, value)


CORE = {
    "intake_date": dt.date(2025, 3, 3),
    "age_band": "40-49",
    "sex": "female",
    "pain_side": "left",
    "duration": "chronic",
    "nprs": "6",
}


@pytest.fixture
def app(store) -> LoggingApp:
    return LoggingApp(store)


def stored(store, form: str) -> list[dict]:
    return store.read(form).to_dict("records")


# -- every field type ----------------------------------------------------------------


def test_every_field_type_has_a_builder_and_every_field_a_widget(store):
    assert set(BUILDERS) == {
        "key",
        "text",
        "date",
        "choice",
        "multi",
        "yesno",
        "integer",
        "number",
    }
    for name in ("case", "session", "followup"):
        form = RecordForm(store, name)
        assert list(form.fields) == store.dictionary[name].codes
        types = {fw.field.type: type(fw.control) for fw in form.fields.values()}
        assert types["date"] is w.DatePicker
        if "choice" in types:
            assert types["choice"] is w.Dropdown
        assert types.get("integer", w.Text) is w.Text  # can be empty, unlike IntText
    case = RecordForm(store, "case")
    assert isinstance(case.fields["notes"].control, w.Textarea)  # free text
    # a site is chosen from the store's site list, never typed
    assert isinstance(case.fields["site"].control, w.Dropdown)
    assert [v for _, v in case.fields["site"].control.options] == ["", *store.sites()]
    assert isinstance(case.fields["leg_pain_below_knee"].control, w.ToggleButtons)
    assert isinstance(case.fields["pain_regions"].control, w.GridBox)
    assert case.fields["case_id"].control.disabled  # made by casekit, never typed


def test_labels_help_and_an_explicit_not_answered_come_from_the_dictionary(store):
    form = RecordForm(store, "case")
    nprs = form.fields["nprs"]
    # the input's own description: a real <label> for it in the page
    assert nprs.control.description == "Pain now (NPRS 0-10) (required)"
    assert nprs.label == nprs.control.description
    assert "Numeric Pain Rating Scale" in nprs.help.value
    assert form.fields["odi"].control.description == "Oswestry Disability Index (0-100)"
    sex = form.fields["sex"].control
    assert sex.options[0] == (NOT_ANSWERED, "")
    assert [label for label, _ in sex.options[1:]] == [
        "Female",
        "Male",
        "Other",
        "Not disclosed",
    ]
    assert form.fields["leg_pain_below_knee"].control.options[0][0] == NOT_ANSWERED
    assert "casekit-field-nprs" in nprs.control._dom_classes
    assert "casekit-problem-nprs" in nprs.problem._dom_classes


def test_a_new_case_through_every_field_type_is_stored_exactly(store):
    store.add_site("north")  # a site is a code of the store's list
    form = RecordForm(store, "case")
    fill(
        form,
        site="north",  # a code of the store's list, chosen
        **CORE,  # date, choice, integer
        pain_regions=["buttock", "low_back"],  # multi (any click order)
        leg_pain_below_knee="no",  # yesno
        red_flags_cleared="yes",
        odi="32.5",  # number
        ankle_injury_side="right",
        ankle_injury_grade="moderate",
        hip_flexor_tight_side="left",
        hip_flexor_muscles=["psoas", "tfl"],
        notes="L4-5 tender,\nwalks 3x/week ",  # free text, kept as typed
    )
    form.save_button.click()
    assert "Saved case" in form.status.value
    (row,) = stored(store, "case")
    assert row["case_id"] in form.status.value
    assert row["site"] == "north"
    assert row["intake_date"] == pd.Timestamp("2025-03-03")
    assert (row["age_band"], row["sex"], row["pain_side"]) == (
        "40-49",
        "female",
        "left",
    )
    assert row["pain_regions"] == ["low_back", "buttock"]  # dictionary order
    assert (row["leg_pain_below_knee"], row["red_flags_cleared"]) == ("no", "yes")
    assert row["nprs"] == 6 and row["odi"] == 32.5
    assert (row["ankle_injury_side"], row["ankle_injury_grade"]) == (
        "right",
        "moderate",
    )
    assert row["hip_flexor_muscles"] == ["psoas", "tfl"]
    assert row["notes"] == "L4-5 tender,\nwalks 3x/week "
    # not answered stays missing: never "no", "none" or 0
    assert pd.isna(row["episode"]) and pd.isna(row["si_provocation_positive"])
    assert row["abdominal_surgery"] is None
    # and the form is ready for the next case, with its defaults
    assert form.data["age_band"] is None and form.data["site"] == "main"
    assert form.data["intake_date"] == TODAY


def test_data_reads_raw_answers_and_its_setter_fills_the_widgets(store):
    form = RecordForm(store, "followup")
    record = {
        "case_id": "K7Q2XM",
        "followup_no": 2,
        "followup_date": "2025-03-05",
        "after_session": "1",
        "nprs": 4,
        "flare": "yes",
        "flare_side": "left",
        "flare_onset_hours": 30,
        "flare_duration_hours": None,
        "groc": -2,
        "status": "in_care",
        "notes": None,
    }
    form.data = record
    assert form.fields["followup_date"].control.value == dt.date(2025, 3, 5)
    assert form.fields["flare"].control.value == "yes"
    assert form.fields["flare_onset_hours"].control.value == "30"
    assert form.fields["flare_duration_hours"].control.value == ""
    data = form.data
    assert data["after_session"] == 1 and data["groc"] == -2
    assert data["flare_onset_hours"] == 30.0 and data["flare_duration_hours"] is None
    form.data = form.data
    assert form.data == data
    with pytest.raises(ValidationFailed) as failed:
        form.data = {**record, "nprs": "seven", "flare": "maybe"}
    assert set(failed.value.problems["field"]) == {"nprs", "flare"}
    assert form.data == data  # nothing half-filled


# -- refusing invalid input --------------------------------------------------------


def test_invalid_input_shows_the_message_beside_the_field_and_writes_nothing(store):
    form = RecordForm(store, "case")
    fill(form, **{**CORE, "nprs": "14", "age_band": None}, odi="lots")
    form.save_button.click()
    assert "is 14, expected 0 to 10" in form.fields["nprs"].problem.value
    assert "Pain now (NPRS 0-10)" in form.fields["nprs"].problem.value
    assert "`" not in form.fields["nprs"].problem.value  # plain words, no codes
    assert "expected a number" in form.fields["odi"].problem.value
    assert "Age band is required" in form.fields["age_band"].problem.value
    assert form.fields["sex"].problem.value == ""
    assert "Nothing was saved: 3 problems" in form.status.value
    assert store.read("case").empty and store.audit().empty

    fill(form, nprs="7", odi="", age_band="50-59")
    form.save_button.click()
    assert form.fields["nprs"].problem.value == ""
    assert [r["nprs"] for r in stored(store, "case")] == [7]


def test_an_identifier_in_the_notes_is_refused_and_named(store):
    form = RecordForm(store, "case")
    fill(form, **CORE, notes="seen with Mrs Jones, call 07700 900123")
    form.save_button.click()
    message = form.fields["notes"].problem.value
    assert "phone number" in message and "07700 900123" in message
    assert "Mrs Jones" in message
    assert "Nothing was saved" in form.status.value
    assert store.read("case").empty


def test_a_name_on_the_practitioners_deny_list_is_refused(store):
    (store.path.parent / "deny-list.txt").write_text("Oksana\n")
    from casekit import Store

    with Store(store.path) as fresh:
        form = RecordForm(fresh, "session")
        case_id = fresh.add("case", case_record())["case_id"]
        form.new(case_id)
        fill(form, notes="oksana says better")
        form.save_button.click()
        assert "oksana" in form.fields["notes"].problem.value.lower()
        assert fresh.read("session").empty


def test_a_warning_is_shown_but_does_not_block(store):
    form = RecordForm(store, "case")
    fill(form, **CORE, red_flags_cleared="no")
    problems = form.check()
    assert problems["severity"].tolist() == ["warning"]
    assert "Warning: Red flags are not cleared" in (
        form.fields["red_flags_cleared"].problem.value
    )
    form.save_button.click()
    assert len(store.read("case")) == 1
    assert "Note: Red flags are not cleared" in form.status.value


def test_a_problem_is_shown_in_labels_not_codes_and_without_the_record(store):
    checked = store.check(
        "case", case_record(ankle_injury_side="none", ankle_injury_grade="severe")
    )
    (hidden,) = checked.problems
    assert hidden.problem == (
        "a new case: `ankle_injury_grade` is given although `ankle_injury_side` is "
        "'none'; it is only asked when ankle_injury_side is left or right or both or "
        "unsure"
    )
    assert in_words(hidden, store.dictionary["case"]) == (
        "Worst ankle injury is given although Old ankle injury, side is 'None'; it "
        "is only asked when Old ankle injury, side is Left or Right or Both or Unsure"
    )


def test_a_number_another_writer_took_is_said_beside_the_number(app, store):
    case_id = store.add("case", case_record())["case_id"]
    app.refresh()
    app.session.chooser.list.value = case_id
    form = app.session.record
    assert form.data["session_no"] == 1
    store.add("session", session_record(case_id))  # someone else took number 1
    form.save_button.click()
    assert "Nothing was saved: 1 problem" in form.status.value
    assert form.general.value == ""  # not the database's words, in general
    assert (
        "Session 1 is already logged for this case: leave the number empty for the "
        "next one" in form.fields["session_no"].problem.value
    )
    assert len(store.read("session")) == 1


# -- show-if ---------------------------------------------------------------------


def test_show_if_hides_and_reveals_and_hidden_fields_are_not_saved(store):
    form = RecordForm(store, "case")
    grade = form.fields["ankle_injury_grade"]
    muscles = form.fields["hip_flexor_muscles"]
    assert not grade.visible and not muscles.visible  # nothing answered yet
    answer(form, "ankle_injury_side", "left")
    assert grade.visible and form.fields["ankle_injury_years_ago"].visible
    answer(form, "ankle_injury_grade", "severe")
    answer(form, "hip_flexor_tight_side", "both")
    answer(form, "hip_flexor_muscles", ["iliacus"])
    assert muscles.visible
    answer(form, "ankle_injury_side", "none")
    assert not grade.visible
    assert grade.control.value == "severe"  # kept, in case it was a slip ...
    assert form.data["ankle_injury_grade"] is None  # ... but not part of the record
    answer(form, "hip_flexor_tight_side", "not_tested")
    fill(form, **CORE)
    form.save_button.click()
    (row,) = stored(store, "case")
    assert row["ankle_injury_side"] == "none" and pd.isna(row["ankle_injury_grade"])
    assert row["hip_flexor_muscles"] is None


def test_editing_away_a_flare_clears_its_hidden_answers(app, store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id))
    app.refresh()
    app.followup.chooser.list.value = case_id
    app.followup.entry.value = 1  # change follow-up 1
    form = app.followup.record
    assert form.editing == (case_id, 1)
    assert form.fields["flare_side"].visible
    answer(form, "flare", "no")
    assert not form.fields["flare_onset_hours"].visible
    form.save_button.click()
    (row,) = stored(store, "followup")
    assert row["flare"] == "no"
    assert pd.isna(row["flare_side"]) and pd.isna(row["flare_onset_hours"])


# -- choosing a case and the defaults -------------------------------------------------


def test_the_case_chooser_lists_cases_and_searches_them(store):
    first = store.add("case", case_record(intake_date="2025-01-10"))["case_id"]
    second = store.add(
        "case", case_record(intake_date="2025-03-03", pain_side="right")
    )["case_id"]
    store.add("session", session_record(second))
    store.add("session", session_record(second))
    chooser = CaseChooser(store, "session")
    labels = [label for label, _ in chooser.options]
    assert [case for _, case in chooser.options] == [second, first]  # newest first
    assert labels[0] == f"{second} · intake 2025-03 · Right pain · 2 sessions"
    assert labels[1] == f"{first} · intake 2025-01 · Left pain · 0 sessions"
    assert chooser.value is None  # nothing chosen until a person chooses
    chooser.search.value = "2025-01"
    assert [case for _, case in chooser.options] == [first]
    chooser.search.value = second.lower()
    assert [case for _, case in chooser.options] == [second]
    chooser.search.value = "nothing like it"
    assert chooser.options == []
    chooser.search.value = ""
    chosen = []
    chooser.on_choose(chosen.append)
    chooser.list.value = first
    assert chooser.value == first and chosen == [first]
    # the chosen case stays listed, first, while another is searched: a search
    # never drops the choice (nor hides the entry half typed for it)
    chooser.search.value = "right"
    assert chooser.value == first and chosen == [first]
    assert [case for _, case in chooser.options] == [first, second]


def test_the_case_chooser_lists_the_newest_and_finds_the_others_in_the_store(
    store, monkeypatch
):
    # A store of 100,000 cases is never listed whole: the newest LISTED, and a
    # search asks the store (here LISTED is 3 of 6 cases).
    monkeypatch.setattr(choosing, "LISTED", 3)
    ids = [
        store.add("case", case_record(intake_date=dt.date(2025, month, 1)))["case_id"]
        for month in range(1, 7)
    ]
    store.add("case", case_record(intake_date=dt.date(2025, 1, 9), pain_side="right"))
    chooser = CaseChooser(store, "session")
    assert [case for _, case in chooser.options] == ids[:2:-1]  # June, May, April
    assert "The 3 newest are listed" in chooser.more.value
    chooser.search.value = "2025-02"  # an older one, found in the store
    assert [case for _, case in chooser.options] == [ids[1]]
    assert chooser.more.value == ""
    chooser.search.value = "2025-01 left"  # every word, in its words
    assert [case for _, case in chooser.options] == [ids[0]]
    chooser.search.value = "2025-0"
    assert len(chooser.options) == 3 and "3 newest found" in chooser.more.value
    # Choosing an old case (a draft, the card button) lists it first, search cleared.
    chosen = []
    chooser.on_choose(chosen.append)
    chooser.choose(ids[0])
    assert chooser.search.value == "" and chosen == [ids[0]]
    assert [case for _, case in chooser.options] == [ids[0], *ids[:2:-1]]
    chooser.refresh()  # after a save: still listed, still chosen
    assert chooser.value == ids[0] and chooser.options[0][1] == ids[0]
    with pytest.raises(CasekitError):
        chooser.choose("NOSUCH")
    blind = CaseChooser(store, "exam", blind=True)  # the side neither shown nor found
    blind.search.value = "right"
    assert blind.options == []


def test_a_tab_s_form_is_built_when_first_shown(store):
    case_id = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    panes = app.tabs.children
    # the page opens on the new case: only its form is built and sent
    assert panes[0].children == (app.case.widget,)
    assert all(pane.children == () for pane in panes[1:])
    app.tabs.selected_index = 2  # Follow-up shown: its form is built there
    assert panes[2].children == (app.followup.widget,)
    assert [c for _, c in app.followup.chooser.options] == [case_id]
    assert panes[1].children == () and panes[4].children == ()
    app.followup.chooser.list.value = case_id
    app.followup.body.children[0].click()  # "Show this case's card"
    assert app.tabs.selected_index == 4
    assert panes[4].children == (app.card.widget,)
    assert f"Case {case_id}" in app.card.view.value
    # asked for (as tests and notebooks do), a form is built in its tab too
    session = app.session
    assert panes[1].children == (session.widget,)


def test_choosing_a_case_gives_a_session_its_defaults(app, store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    app.refresh()
    assert app.session.body.layout.display == "none"  # hidden before a choice
    app.session.chooser.list.value = case_id
    assert app.session.body.layout.display is None
    data = app.session.record.data
    assert data["case_id"] == case_id
    assert data["session_no"] == 2
    assert data["session_date"] == TODAY
    assert app.session.entry.options[0] == ("New session (number 2)", 0)
    assert app.session.entry.options[1][1] == 1


def test_a_followup_refers_to_the_latest_session_by_default(app, store):
    case_id = store.add("case", case_record())["case_id"]
    for _ in range(3):
        store.add("session", session_record(case_id))
    app.refresh()
    app.followup.chooser.list.value = case_id
    data = app.followup.record.data
    assert (data["followup_no"], data["after_session"]) == (1, 3)
    assert data["followup_date"] == TODAY


def test_a_case_a_session_and_a_followup_logged_through_the_app(app, store):
    form = app.case.record
    fill(form, **CORE)
    form.save_button.click()
    (case_id,) = store.read("case")["case_id"]
    assert f"Saved case {case_id}: " in form.status.value
    assert [c for _, c in app.session.chooser.options] == [case_id]  # refreshed

    app.session.chooser.list.value = case_id
    session = app.session.record
    fill(
        session,
        nprs_before="6",
        nprs_after="3",
        regions_treated=["lumbar"],
        techniques=["soft_tissue", "advice"],
        si_tight_side="right",
    )
    session.save_button.click()
    assert f"Saved session 1 of case {case_id}" in session.status.value
    assert session.data["session_no"] == 2  # ready for the next one

    app.followup.chooser.list.value = case_id
    followup = app.followup.record
    fill(
        followup,
        nprs="2",
        flare="yes",
        flare_side="left",
        flare_onset_hours="36",
        flare_peak_nprs="5",
        groc="3",
        status="in_care",
    )
    followup.save_button.click()
    assert f"Saved follow-up 1 of case {case_id}" in followup.status.value

    (s,) = stored(store, "session")
    assert (s["nprs_before"], s["nprs_after"], s["session_date"]) == (
        6,
        3,
        pd.Timestamp(TODAY),
    )
    assert s["techniques"] == ["soft_tissue", "advice"]
    (f,) = stored(store, "followup")
    assert (f["after_session"], f["flare_side"], f["flare_onset_hours"]) == (
        1,
        "left",
        36.0,
    )
    assert pd.isna(f["flare_duration_hours"])  # empty = still going on
    recent = app.overview.recent.value
    assert recent.index(f"added follow-up 1 of case {case_id}") < recent.index(
        f"added case {case_id}"
    )


# -- editing ---------------------------------------------------------------------


def test_a_saved_case_can_be_opened_and_changed(app, store):
    case_id = store.add("case", case_record())["case_id"]
    app.refresh()
    app.case.chooser.list.value = case_id
    form = app.case.record
    assert form.editing == (case_id,)
    assert form.fields["case_id"].control.value == case_id
    assert "Changing case" in form.heading.value
    answer(form, "nprs", "8")
    form.save_button.click()
    assert f"Saved the changes to case {case_id}" in form.status.value
    assert stored(store, "case")[0]["nprs"] == 8
    audit = store.audit()
    change = audit[audit["action"] == "update"]
    assert change[["field", "old_value", "new_value"]].values.tolist() == [
        ["nprs", "6", "8"]
    ]
    assert form.editing is None and app.case.chooser.value is None  # back to new


def test_an_edit_after_a_case_is_closed_asks_for_a_reason_and_audits_it(app, store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id, status="discharged"))
    app.refresh()
    app.session.chooser.list.value = case_id
    app.session.entry.value = 1
    form = app.session.record
    assert form.reason_row.layout.display == "none"
    answer(form, "nprs_after", "2")
    form.save_button.click()
    assert form.reason_row.layout.display is None  # the reason box appears
    assert "is closed" in form.status.value and "Nothing was saved" in form.status.value
    assert stored(store, "session")[0]["nprs_after"] == 3
    assert (store.audit()["action"] == "update").sum() == 0

    form.reason.value = "typo in pain after care"
    form.save_button.click()
    assert "Saved the changes to session 1" in form.status.value
    assert stored(store, "session")[0]["nprs_after"] == 2
    audit = store.audit()
    (row,) = audit[audit["action"] == "update"].to_dict("records")
    assert (row["field"], row["old_value"], row["new_value"]) == (
        "nprs_after",
        "3",
        "2",
    )
    assert row["reason"] == "typo in pain after care"
    assert row["case_id"] == case_id and row["instance"] == 1
    assert form.reason_row.layout.display == "none" and form.reason.value == ""


def test_starting_a_new_entry_leaves_the_edit(app, store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    app.refresh()
    app.session.chooser.list.value = case_id
    app.session.entry.value = 1
    form = app.session.record
    assert form.new_button.layout.display is None
    assert form.fields["session_no"].control.disabled  # a stored entry keeps it
    form.new_button.click()
    assert not form.fields["session_no"].control.disabled
    assert form.editing is None and app.session.entry.value == 0
    assert form.data["session_no"] == 2


# -- beside the forms --------------------------------------------------------------


def test_the_overview_shows_recent_entries_and_what_is_incomplete(app, store):
    assert "nothing logged yet" in app.overview.recent.value
    assert "none due today" in app.overview.due.value
    waiting = store.add("case", case_record())["case_id"]
    store.add("session", session_record(waiting))
    flared = store.add("case", case_record())["case_id"]
    store.add("session", session_record(flared))
    store.add("followup", followup_record(flared))
    # A save refuses a flare without its side; a store written by an older casekit
    # may hold one, and the overview still counts it.
    with sqlite3.connect(store.path) as raw:
        raw.execute(
            "UPDATE followups SET flare_side = NULL WHERE case_id = ?", [flared]
        )
    assert lookups.incomplete(store) == {
        "flare_without_side": [f"follow-up 1 of case {flared}"],
    }
    app.refresh()
    # the session of 2025-03-03 without a check-in: its check-in is due
    assert f"case {waiting}: check-in after session 1" in app.overview.due.value
    assert f"case {flared}: check-in" not in app.overview.due.value
    assert f"follow-up 1 of case {flared}" in app.overview.incomplete.value
    lines = lookups.recent(store, 3)
    assert lines[0].startswith(f"added follow-up 1 of case {flared}")
    assert len(lines) == 3


def test_a_long_list_of_calls_due_is_cut_short_beside_the_forms(store, monkeypatch):
    # 30,000 calls due at 100,000 cases: the longest due few, and how many more.
    monkeypatch.setattr(logbook, "DUE_SHOWN", 2)
    for _ in range(3):
        case_id = store.add("case", case_record())["case_id"]
        store.add("session", session_record(case_id))
    calls = lookups.calls_due(store)
    app = LoggingApp(store)
    shown = app.overview.due.value
    assert len(calls) >= 3 and shown.count("<li>") == 3
    assert f"and {len(calls) - 2} more: `casekit due` lists them all" in shown
    assert f"case {calls['case_id'].iloc[0]}:" in shown


def test_a_served_page_counts_the_calls_due_beside_it(store, monkeypatch):
    # Served by Voila, the forms appear first and the calls due a moment later; a
    # save's refresh meanwhile wins over the count it overtook.
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    app = LoggingApp(store, later=True)
    app.overview.counting.join(timeout=60)
    assert f"case {case_id}: check-in after session 1" in app.overview.due.value
    go = threading.Event()
    count = lookups.calls_due
    monkeypatch.setattr(lookups, "calls_due", lambda s: go.wait(60) and count(s))
    slow = LoggingApp(store, later=True).overview
    slow._turn += 1  # as if a save had refreshed it while it counted
    slow.due.value = "after the save"
    go.set()
    slow.counting.join(timeout=60)
    monkeypatch.undo()
    assert slow.due.value == "after the save"
    assert slow.counting is not None and not slow.later  # counted beside it once
    slow.refresh()
    assert f"case {case_id}: check-in" in slow.due.value  # then as it is saved


def test_summary_is_one_line_of_labels():
    from casekit import load_dictionary

    form = load_dictionary()["session"]
    line = summary(
        form,
        {
            "case_id": "K7Q2XM",
            "session_no": 1,
            "session_date": dt.date(2025, 3, 3),
            "nprs_before": 6,
            "regions_treated": ["lumbar", "hip_flexors"],
        },
    )
    assert line == (
        "Session date 2025-03-03; Pain on arrival (NPRS 0-10) 6; "
        "Regions treated Lumbar, Hip flexors"
    )


def test_a_store_that_cannot_be_opened_gives_a_message_not_a_traceback(tmp_path):
    shown = logging_app(tmp_path / "nowhere.db")
    assert isinstance(shown, w.HTML)
    assert "cannot be opened" in shown.value and "make lab" in shown.value


def test_forms_built_ahead_are_kept_only_while_nothing_they_show_changed(
    store, monkeypatch
):
    # A served page's kernel builds the forms before the page is asked for, maybe
    # long before: they are shown only if nothing they show has changed since.
    db = str(store.path)
    ahead = logging_app(db)
    assert logging_app(db, ahead=ahead) is ahead
    case_id = store.add("case", case_record())["case_id"]  # a save elsewhere
    fresh = logging_app(db, ahead=ahead)
    assert fresh is not ahead
    assert ahead.widget.comm is None and ahead.case.record.save_button.comm is None
    assert [c for _, c in fresh.session.chooser.options] == [case_id]
    assert logging_app(db, ahead=fresh) is fresh
    # a draft kept by another page (drafts are not audited)
    drafts.keep(store, "session", session_record(case_id), case_id=case_id)
    restored = logging_app(db, ahead=fresh)
    assert restored is not fresh and restored.restored == ["session"]
    assert logging_app(db, ahead=restored) is restored
    # the store's settings changed (the calls due follow them)
    (store.home / "casekit.toml").write_text("[schedule]\ncheckin_days = 3\n")
    settled = logging_app(db, ahead=restored)
    assert settled is not restored
    # another day: a new entry's date is today's
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    monkeypatch.setattr(
        logbook, "dt", SimpleNamespace(date=SimpleNamespace(today=lambda: tomorrow))
    )
    assert logging_app(db, ahead=settled) is not settled


def test_forms_built_ahead_are_not_kept_for_another_store_or_a_restored_file(
    store, tmp_path
):
    db = str(store.path)
    ahead = logging_app(db)
    other = tmp_path / "other" / "casekit.db"
    other.parent.mkdir()
    Store(other, create=True).close()
    elsewhere = logging_app(str(other), ahead=ahead)
    assert elsewhere is not ahead and elsewhere.store.path == other
    # a copy put over the store's file (a restore): another file, built again
    again = logging_app(db)
    copy = tmp_path / "copy.db"
    copy.write_bytes(store.path.read_bytes())
    copy.replace(store.path)
    assert logging_app(db, ahead=again) is not again
