"""What the forms say, and where, from a clinic-day review: a session number that is
already logged is said beside the number (and refused by the store before the
database would refuse it); a date moved past a later session names that session; a
closed case's reason is refused beside its box; a flare's missing side offers the
answers by their labels; the focus stays on the form when a draft is discarded or
a new entry started."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import case_record, followup_record, session_record
from test_forms import answer, fill

from casekit.checks import cross_form_problems
from casekit.dictionary import load_dictionary
from casekit.errors import ValidationFailed
from casekit.problems import RULES, Problem
from casekit.store import across
from casekit.ui.logbook import LoggingApp
from casekit.ui.wording import in_words

D = dt.date


def _case(store, *days: dt.date) -> str:
    """A case with sessions on ``days``, numbered 1, 2, ... in that order."""
    cid = store.add("case", case_record(intake_date=D(2026, 10, 1)))["case_id"]
    for day in days:
        store.add("session", session_record(cid, session_date=day))
    return cid


def _session_form(store, cid):
    app = LoggingApp(store)
    app.refresh()
    entry = app.session
    entry.chooser.choose(cid)
    return entry


def test_a_session_number_already_logged_is_said_beside_the_number(store):
    cid = _case(store, D(2026, 10, 20), D(2026, 10, 25))
    form = _session_form(store, cid).record
    for number in ("1", "2"):
        fill(form, session_no=number, session_date=D(2026, 11, 28), nprs_before="4")
        form.save_button.click()
        said = form.fields["session_no"].problem.value
        assert (
            f"Session {number} is already logged for this case: leave the number "
            f"empty for the next one, or choose session {number} under step 2 to "
            "change it" in said
        )
        assert form.fields["session_no"].has_error  # aria-invalid, by the helper
        assert form.fields["session_date"].problem.value == ""
        assert form.general.value == ""
        assert "shown beside the fields" in form.status.value
        assert form.attention == ".casekit-form-session .casekit-field-session_no"
    assert len(store.read("session")) == 2

    # Emptied, the number is the store's again, and the save goes through.
    answer(form, "session_no", None)
    assert form.fields["session_no"].problem.value == ""
    form.save_button.click()
    assert f"Saved session 3 of case {cid}" in form.status.value


def test_the_store_refuses_a_number_already_given_in_words(store):
    cid = _case(store, D(2026, 10, 20), D(2026, 10, 25))
    with pytest.raises(ValidationFailed) as refused:
        store.add("session", session_record(cid, session_no=2))
    (problem,) = refused.value.found
    assert (problem.rule, problem.field, problem.instance) == (
        "taken_number",
        "session_no",
        2,
    )
    assert problem.problem == (
        f"session 2 of case {cid}: session 2 is already logged for this case: leave "
        "`session_no` empty for the next one, or change the stored session 2 instead"
    )
    store.add("followup", followup_record(cid, followup_date=D(2026, 10, 26)))
    with pytest.raises(ValidationFailed, match="follow-up 1 is already logged"):
        store.add(
            "followup",
            followup_record(cid, followup_no=1, followup_date=D(2026, 10, 27)),
        )
    exam = {"case_id": cid, "exam_date": D(2026, 10, 2), "examiner": "a"}
    store.add("exam", exam)
    with pytest.raises(ValidationFailed, match="exam 1 is already logged"):
        store.add("exam", {**exam, "exam_no": 1})
    # A removed session keeps its number: said so, not as a clash.
    store.delete("session", (cid, 2), reason="logged by mistake")
    with pytest.raises(ValidationFailed) as refused:
        store.add("session", session_record(cid, session_no=2))
    assert [p.rule for p in refused.value.found] == ["removed_number"]
    assert "removedNone" not in refused.value.found[0].problem


def test_a_date_moved_past_a_later_session_names_that_session(store):
    cid = _case(store, D(2026, 10, 20), D(2026, 11, 3), D(2026, 11, 10))
    entry = _session_form(store, cid)
    entry.entry.value = 2
    form = entry.record
    assert form.editing == (cid, 2)
    answer(form, "session_date", D(2026, 11, 13))
    form.save_button.click()
    said = form.fields["session_date"].problem.value
    assert (
        "Session 3 is dated 2026-11-10, before this date: sessions are numbered in "
        "the order of their dates" in said
    )
    assert "Session date is 2026-11-10" not in said
    assert store.get("session", (cid, 2))["session_date"] == D(2026, 11, 3)


def test_a_closed_case_s_reason_is_asked_for_and_refused_beside_its_box(store):
    cid = _case(store, D(2026, 10, 20))
    store.add(
        "followup",
        followup_record(cid, followup_date=D(2026, 10, 26), status="discharged"),
    )
    app = LoggingApp(store)
    app.refresh()
    app.session.chooser.choose(cid)
    app.session.entry.value = 1
    form = app.session.record
    answer(form, "nprs_before", "5")
    form.save_button.click()
    box = form.reasons
    assert f"Case {cid} is closed" in box.message
    assert "casekit-invalid" in form.reason_row._dom_classes
    assert "casekit-row" in form.reason_row._dom_classes  # so the helper marks it
    assert "Nothing was saved" in form.status.value
    assert form.attention == ".casekit-reason-session"

    form.reason.value = "wrong, per Mrs Patel"
    assert box.message == ""  # a reason is there: the missing one's message goes
    form.save_button.click()
    assert "The reason for the change" in box.message
    assert "casekit-invalid" in form.reason_row._dom_classes
    assert form.attention == ".casekit-reason-session"
    assert store.get("session", (cid, 1))["nprs_before"] == 6

    form.reason.value = "pain before care mistyped"
    form.save_button.click()
    assert "Saved the changes to session 1" in form.status.value
    assert box.message == "" and "casekit-invalid" not in form.reason_row._dom_classes


def test_a_flare_without_its_side_offers_the_sides_by_their_labels(store):
    dictionary = store.dictionary
    cid = _case(store, D(2026, 10, 20))
    store.add("followup", followup_record(cid, followup_date=D(2026, 10, 26)))
    frames = store.frames()
    frames["followup"].loc[:, "flare_side"] = None
    (problem,) = [
        p
        for p in cross_form_problems(dictionary, frames)
        if p.rule == "flare_without_side"
    ]
    assert problem.problem.endswith("give left, right, both or other_region")
    said = in_words(problem, dictionary["followup"])
    assert said == (
        "A flare is recorded without Side of the flare; give Left, Right, Both "
        "sides or Another region"
    )


@pytest.mark.parametrize("rule", RULES)
def test_no_rule_shows_a_form_a_code_that_has_a_label(rule):
    """Every rule's words in a form, about a coded answer: its codes by labels."""
    problem = Problem(
        rule=rule,
        form="followup",
        case_id="K7Q2XM",
        instance=1,
        field="flare_side",
        value="other_region",
        other="flare_side",
        other_value="other_region",
        detail="left, right, both or other_region",
    )
    said = in_words(problem, load_dictionary()["followup"])
    assert "other_region" not in said and "`" not in said


def test_discarding_a_draft_or_leaving_an_edit_keeps_the_focus_on_the_form(store):
    cid = _case(store, D(2026, 10, 20))
    entry = _session_form(store, cid)
    form = entry.record
    answer(form, "nprs_before", "2")
    assert form.draft is not None
    form.attention = None
    form.drafts.discard_button.click()
    assert form.attention == ".casekit-status-session"
    assert "discarded" in form.status.value

    entry.entry.value = 1
    form.attention = None
    form.new_button.click()
    assert form.editing is None
    assert form.attention == ".casekit-status-session"
    assert form.status.value != ""


def test_a_number_taken_in_the_same_moment_is_said_in_words_above_the_fields(
    store, monkeypatch
):
    """The number is checked before the write; only another writer's save in the
    same moment gets past that to the database's refusal, which a form says in
    words of its own, under the status line that points at it."""
    cid = _case(store, D(2026, 10, 20))
    form = _session_form(store, cid).record
    fill(form, session_no="1", session_date=D(2026, 11, 28))
    monkeypatch.setattr(across, "taken_number", lambda *_args: None)
    form.save_button.click()
    assert "Another session of this case was saved meanwhile" in form.general.value
    assert "UNIQUE" not in form.general.value and "sessions." not in form.general.value
    assert "shown under this line" in form.status.value
    assert "beside the fields" not in form.status.value
