"""Taking a record out from the forms (casekit/ui/removal.py): a session logged
twice removed, a case withdrawn at the patient's request, each asked first in the
page, through the same ``Store.delete`` as ``casekit remove`` and ``casekit
withdraw``, so that the audit and the store's rules hold unchanged.

Headless: set ``.value``, call ``.click()``, assert on the store."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record
from test_forms import answer

from casekit import Store
from casekit.store import drafts
from casekit.ui.logbook import LoggingApp

D = dt.date


@pytest.fixture
def case_id(store) -> str:
    """A case with two sessions (the second logged twice by mistake)."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("session", session_record(case_id, session_date=D(2025, 3, 10)))
    return case_id


@pytest.fixture
def closed_case(store) -> str:
    """A discharged case: its follow-up closed it."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id, status="discharged"))
    return case_id


def _deletions(store) -> list[tuple]:
    audit = store.audit()
    rows = audit[audit["action"] == "delete"]
    numbers = [None if pd.isna(n) else int(n) for n in rows["instance"]]
    return list(
        zip(rows["form"], rows["case_id"], numbers, rows["reason"], strict=True)
    )


def _open(app: LoggingApp, form: str, case_id: str, number: int):
    entry = getattr(app, form)
    entry.chooser.list.value = case_id
    entry.entry.value = number
    return entry


def test_a_session_is_removed_through_the_form(store, case_id):
    app = LoggingApp(store)
    entry = _open(app, "session", case_id, 2)
    removal = entry.record.removal
    assert removal.button.layout.display is None
    assert removal.button.description == "Remove this session"
    removal.button.click()
    assert removal.panel.layout.display is None  # the second step, in the page
    assert "never given again" in removal.warning.value
    assert app.assist.focused == ".casekit-remove-warning-session"
    assert store.read("session")["session_no"].tolist() == [1, 2]  # not yet

    removal.confirm_button.click()
    assert store.read("session")["session_no"].tolist() == [1]
    assert _deletions(store) == [("session", case_id, 2, None)]
    assert f"Removed session 2 of case {case_id}" in entry.record.status.value
    assert app.assist.focused == ".casekit-status-session"
    assert removal.panel.layout.display == "none"
    assert removal.button.layout.display == "none"  # a new entry is open
    assert entry.record.editing is None
    # the lists read again: the entry is gone, its number not given again
    assert [label for label, _ in entry.entry.options] == [
        "New session (number 3)",
        "Change session 1 (2025-03-03)",
    ]
    assert "1 session" in dict(map(reversed, entry.chooser.options))[case_id]


def test_cancel_removes_nothing(store, case_id):
    app = LoggingApp(store)
    entry = _open(app, "session", case_id, 2)
    removal = entry.record.removal
    removal.button.click()
    removal.cancel_button.click()
    assert store.read("session")["session_no"].tolist() == [1, 2]
    assert _deletions(store) == []
    assert removal.panel.layout.display == "none"
    assert removal.button.layout.display is None
    assert entry.record.editing == (case_id, 2)
    assert "Nothing was removed" in entry.record.status.value
    assert app.assist.focused == ".casekit-remove-session"


def test_opening_another_entry_closes_the_second_step(store, case_id):
    entry = _open(LoggingApp(store), "session", case_id, 2)
    removal = entry.record.removal
    removal.button.click()
    entry.entry.value = 1  # the second step named session 2: it goes
    assert removal.panel.layout.display == "none" and removal.key is None
    assert not removal.confirm()
    assert store.read("session")["session_no"].tolist() == [1, 2]


def test_a_closed_case_needs_a_reason_said_beside_its_box(store, closed_case):
    app = LoggingApp(store)
    entry = _open(app, "followup", closed_case, 1)
    removal = entry.record.removal
    removal.button.click()
    assert "a reason is needed" in removal.warning.value
    removal.confirm_button.click()
    assert len(store.read("followup")) == 1 and _deletions(store) == []
    assert f"Case {closed_case} is closed" in removal.reasons.message
    assert "then Confirm again. Nothing was removed." in removal.reasons.message
    assert "Nothing was removed: the case is closed" in removal.problem.value
    assert app.assist.focused == ".casekit-reason-remove-followup"
    assert removal.panel.layout.display is None  # still asked, nothing lost

    removal.reasons.text.value = "logged on the wrong case"
    removal.confirm_button.click()
    assert store.read("followup").empty
    assert _deletions(store) == [
        ("followup", closed_case, 1, "logged on the wrong case")
    ]
    assert "The reason is kept in the audit" in entry.record.status.value


def test_an_identifying_reason_is_refused(store, case_id):
    entry = _open(LoggingApp(store), "session", case_id, 2)
    removal = entry.record.removal
    removal.button.click()
    removal.reasons.text.value = "Rang Jane Smith on 07700 900123"
    removal.confirm_button.click()
    assert "a phone number" in removal.reasons.message
    assert "The reason for removing it" in removal.reasons.message
    assert "reason for removing it was refused" in removal.problem.value
    assert store.read("session")["session_no"].tolist() == [1, 2]
    assert _deletions(store) == []


def test_a_session_a_follow_up_reports_on_is_refused_in_plain_words(store, case_id):
    store.add("followup", followup_record(case_id, after_session=1))
    entry = _open(LoggingApp(store), "session", case_id, 1)
    entry.record.removal.button.click()
    entry.record.removal.confirm_button.click()
    said = entry.record.removal.problem.value
    assert "Follow-up 1 (After session number is 1) of the case refers" in said
    assert "`" not in said and "after_session" not in said
    # Each row in the way is removed in its own form: no command is named here.
    assert "casekit remove" not in said and "remove it first or" in said
    assert store.read("session")["session_no"].tolist() == [1, 2]
    assert entry.record.editing == (case_id, 1)  # the form is as it was


def test_the_commands_are_dropped_whole_from_a_path_with_brackets_and_a_quote(
    tmp_path, monkeypatch
):
    """A ``)`` in the store's path ended the command a pattern guessed at: the
    page said "remove it first/s1.db') or ..."."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    folder = tmp_path / "Clinic (old)" / "Jo's (2024)"
    folder.mkdir(parents=True)
    with Store(folder / "s1.db", create=True, actor="tester") as store:
        case_id = store.add("case", case_record())["case_id"]
        store.add("session", session_record(case_id))
        store.add("followup", followup_record(case_id, after_session=1))
        entry = _open(LoggingApp(store), "session", case_id, 1)
        entry.record.removal.button.click()
        entry.record.removal.confirm_button.click()
        said = html.unescape(entry.record.removal.problem.value)
    assert "remove it first or, in the follow-up form, point it at" in said
    assert "s1.db" not in said and "Clinic" not in said and "casekit remove" not in said


def _withdrawing(store, case_id):
    app = LoggingApp(store)
    app.case.chooser.choose(case_id)
    removal = app.case.record.removal
    removal.button.click()
    removal.reasons.text.value = "patient asked to be left out"
    return removal


def test_a_case_already_gone_is_said_not_withdrawn(store, case_id):
    """It said "Nothing was removed" beside a button that withdraws."""
    removal = _withdrawing(store, case_id)
    store.delete("case", case_id, reason="withdrawn in another window")
    removal.confirm_button.click()
    said = html.unescape(removal.problem.value)
    assert f"The case was not withdrawn: case {case_id} is no longer in" in said


def test_another_refusal_of_the_store_is_said_in_plain_words(
    store, case_id, monkeypatch
):
    """Any other refusal was shown raw, backticks and all."""
    from casekit.errors import StoreError

    def refuse(*args, **kwargs):
        raise StoreError("s1.db", "read-only here: open it with `casekit app`")

    removal = _withdrawing(store, case_id)
    monkeypatch.setattr(store, "delete", refuse)
    removal.confirm_button.click()
    said = html.unescape(removal.problem.value)
    assert "The case was not withdrawn: store s1.db: read-only here" in said
    assert "`" not in said and "open it with casekit app" in said


def test_a_case_is_withdrawn_through_the_form(store, case_id):
    kept = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    app.session.chooser.list.value = case_id
    app.case.chooser.choose(case_id)
    removal = app.case.record.removal
    assert removal.button.description == "Withdraw this case"
    removal.button.click()
    assert "with all its sessions" in removal.warning.value
    removal.reasons.text.value = "patient asked to be left out"
    removal.confirm_button.click()
    assert store.read("case")["case_id"].tolist() == [kept]
    assert store.read("session").empty
    assert _deletions(store) == [
        ("case", case_id, None, "patient asked to be left out")
    ]
    assert f"Withdrew case {case_id}" in app.case.record.status.value
    assert app.case.record.editing is None
    for entry in (app.case, app.session, app.followup):
        assert case_id not in dict(map(reversed, entry.chooser.options))
    assert app.session.chooser.value is None  # its session form closed


def test_the_draft_of_the_record_removed_is_discarded(store, case_id):
    app = LoggingApp(store)
    entry = _open(app, "session", case_id, 1)
    answer(entry.record, "notes", "a new session half typed")
    entry.entry.value = 2
    answer(entry.record, "nprs_after", "1")  # a change of session 2, not saved
    assert drafts.find(store, "session", case_id, (case_id, 2)) is not None
    entry.record.removal.button.click()
    entry.record.removal.confirm_button.click()
    assert drafts.find(store, "session", case_id, (case_id, 2)) is None
    # the change of session 1, not saved, is left as it was
    assert drafts.find(store, "session", case_id, (case_id, 1)) is not None
    assert LoggingApp(store).session.record.editing == (case_id, 1)


def test_a_withdrawn_case_takes_its_drafts_with_it(store, case_id):
    other = store.add("case", case_record())["case_id"]
    app = LoggingApp(store)
    app.session.chooser.list.value = other
    answer(app.session.record, "notes", "typed about another patient")
    app.session.chooser.list.value = case_id
    answer(app.session.record, "notes", "typed about this patient")
    assert drafts.find(store, "session", case_id, None) is not None
    app.case.chooser.choose(case_id)
    answer(app.case.record, "nprs", "2")
    app.case.record.removal.button.click()
    app.case.record.removal.confirm_button.click()
    for form in ("case", "followup", "exam"):
        assert drafts.read(store, form) is None, form
    assert drafts.find(store, "session", case_id, None) is None
    assert drafts.read(store, "session").case_id == other  # another case's stays


def test_an_exam_is_removed_once_the_earlier_exams_are_shown(store, case_id):
    exam = {"case_id": case_id, "exam_date": D(2025, 3, 3), "examiner": "a"}
    store.add("exam", exam)
    entry = LoggingApp(store).exam
    entry.chooser.list.value = case_id
    assert entry.record.removal.button.layout.display == "none"  # blind: none open
    entry.reveal.value = True
    entry.entry.value = 1
    assert entry.record.removal.button.description == "Remove this exam"
    entry.record.removal.button.click()
    entry.record.removal.confirm_button.click()
    assert store.read("exam").empty
    assert _deletions(store) == [("exam", case_id, 1, None)]
    assert f"Removed exam 1 of case {case_id}" in entry.record.status.value
