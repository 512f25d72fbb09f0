"""What the forms say and where they send the person, headlessly: every control
named by its label, folding sections as buttons that count their problems and open on
Save, the focus sent to the first problem or the saved message, a message that goes
as soon as its answer is fixed, and times in local time."""

from __future__ import annotations

import datetime as dt
import os
import time

import ipywidgets as w
import pytest
from conftest import case_record
from test_forms import CORE, answer, fill

from casekit.store import queries
from casekit.ui.assist import Assist
from casekit.ui.fold import Fold, slug
from casekit.ui.forms import RecordForm
from casekit.ui.logbook import LoggingApp, logging_app

FORMS = ("case", "session", "followup")


def controls(widget: w.Widget):
    """Every input a person can reach: text, drop-downs, lists, dates, boxes."""
    kinds = (w.Text, w.Textarea, w.Dropdown, w.Select, w.DatePicker, w.Checkbox)
    if isinstance(widget, kinds + (w.ToggleButtons,)):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from controls(child)


def test_every_control_is_named_by_a_label_not_a_placeholder(store):
    app = LoggingApp(store)
    # A tab's form is built when first shown or asked for: these ask for them all.
    fields = [fw for n in FORMS for fw in getattr(app, n).record.fields.values()]
    found = list(controls(app.widget))
    singles = [fw.control for fw in fields if not isinstance(fw.control, w.GridBox)]
    assert all(any(c is control for c in found) for control in singles)
    assert len(found) > len(fields)  # the choosers, the reason, the boxes
    for control in found:
        assert control.description.strip(), control
    for name in FORMS:
        form = getattr(app, name).record
        for fw in form.fields.values():
            if isinstance(fw.control, w.GridBox):  # a group: a caption beside it
                (caption, grid) = fw.row.children[0].children
                assert caption.value == fw.field.label and grid is fw.control
                assert "casekit-group" in grid._dom_classes
            else:
                assert fw.control.description == fw.label
            assert fw.label.startswith(fw.field.label)
            assert fw.label.endswith("(required)") == fw.field.required
    assert (
        "casekit-group"
        in app.case.record.fields["red_flags_cleared"].control._dom_classes
    )


def test_sections_are_buttons_several_open_at_once(store):
    form = RecordForm(store, "case")
    assert list(form.folds) == [
        "Outcome scores",
        "Upstream history",
        "Intake exam",
        "Notes",
    ]
    exam, notes = form.folds["Intake exam"], form.folds["Notes"]
    assert isinstance(exam.header, w.Button)
    assert not exam.is_open and exam.body.layout.display == "none"
    exam.header.click()
    notes.header.click()
    assert exam.is_open and notes.is_open  # opening one folds no other
    assert "casekit-fold-open" in exam.header._dom_classes
    assert "casekit-fold-intake-exam" in exam.header._dom_classes
    exam.header.click()
    assert not exam.is_open and "casekit-fold-open" not in exam.header._dom_classes
    assert slug("Change a saved case") == "change-a-saved-case"
    fold = Fold("Notes", [])
    fold.count(2)
    assert fold.header.description == "Notes (2 problems to fix)"
    assert "casekit-fold-problem" in fold.header._dom_classes
    fold.count(0)
    assert fold.header.description == "Notes"


def test_a_refused_save_opens_the_sections_with_errors_and_sends_the_focus(store):
    app = LoggingApp(store)
    form = app.case.record
    fill(form, **{**CORE, "nprs": "14"}, odi="lots", si_provocation_positive="9")
    assert not any(fold.is_open for fold in form.folds.values())
    form.save_button.click()
    assert "Nothing was saved: 3 problems" in form.status.value
    scores, exam = form.folds["Outcome scores"], form.folds["Intake exam"]
    assert scores.is_open and exam.is_open
    assert not form.folds["Notes"].is_open  # nothing to fix there
    assert scores.header.description == "Outcome scores (1 problem to fix)"
    assert exam.header.description == "Intake exam (1 problem to fix)"
    # the first problem in the form's order: a core field before the sections
    assert form.attention == ".casekit-form-case .casekit-field-nprs"
    assert app.assist.focused == form.attention
    assert "casekit-invalid" in form.fields["nprs"].row._dom_classes


def test_a_fixed_answer_loses_its_message_at_once(store):
    form = RecordForm(store, "case")
    fill(form, **{**CORE, "nprs": "14"}, odi="lots")
    form.save_button.click()
    assert "expected 0 to 10" in form.fields["nprs"].problem.value
    answer(form, "nprs", "15")  # still wrong: the message follows the answer
    assert "is 15, expected 0 to 10" in form.fields["nprs"].problem.value
    answer(form, "nprs", "4")
    assert form.fields["nprs"].problem.value == ""
    assert "casekit-invalid" not in form.fields["nprs"].row._dom_classes
    assert "expected a number" in form.fields["odi"].problem.value  # untouched
    assert form.folds["Outcome scores"].problems == 1
    answer(form, "odi", "")
    assert form.fields["odi"].problem.value == ""
    assert form.folds["Outcome scores"].header.description == "Outcome scores"
    # a field never shown a problem gets none before Save
    answer(form, "si_provocation_positive", "9")
    assert form.fields["si_provocation_positive"].problem.value == ""


def test_after_a_save_the_focus_goes_to_the_saved_message_at_the_top(store):
    app = LoggingApp(store)
    form = app.case.record
    fill(form, **CORE)
    form.save_button.click()
    assert form.attention == ".casekit-status-case"
    assert app.assist.focused == ".casekit-status-case"
    assert "casekit-status" in form.status._dom_classes
    top = form.widget.children
    assert top.index(form.status) < top.index(form.fields["case_id"].row)


def test_a_closed_case_sends_the_focus_to_the_reason(store):
    app = LoggingApp(store)
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", {"case_id": case_id, "session_date": "2025-03-03"})
    store.add(
        "followup",
        {
            "case_id": case_id,
            "followup_date": "2025-03-05",
            "after_session": 1,
            "status": "discharged",
        },
    )
    app.refresh()
    app.case.chooser.list.value = case_id
    answer(app.case.record, "nprs", "8")
    app.case.record.save_button.click()
    assert app.case.record.attention == ".casekit-reason-case"
    assert app.case.record.reason.description == "Reason for the change"


def test_the_helper_remembers_what_it_was_asked_to_focus():
    assist = Assist()
    assert assist.focused == ""
    assist.focus_on(".casekit-status-case")
    assert assist.focused == ".casekit-status-case"
    assert "export default" in assist._esm and ".casekit-app" in assist._css


def test_the_app_lays_out_as_main_side_and_helper(store):
    app = LoggingApp(store)
    main, side, assist = app.widget.children
    assert main is app.tabs and "casekit-main" in main._dom_classes
    assert "casekit-side" in side._dom_classes and assist is app.assist
    assert "casekit-app" in app.widget._dom_classes
    # widths come from the stylesheet, which wraps the side panel under the forms
    assert main.layout.width is None and side.layout.width is None


@pytest.fixture
def far_east(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: never UTC's date
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_last_entries_are_in_local_time(store, far_east):
    case_id = store.add("case", case_record())["case_id"]
    stamp = store.audit()["time"].iloc[-1]
    local = dt.datetime.fromisoformat(stamp).astimezone()
    assert local.utcoffset() == dt.timedelta(hours=14)
    (line,) = queries.recent(store, 1)
    assert line == f"added case {case_id} ({local:%Y-%m-%d %H:%M})"
    assert "UTC" not in line
    assert os.environ["TZ"] == "Pacific/Kiritimati"


def test_a_store_that_cannot_be_opened_says_what_to_do_where_it_is_shown(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    in_lab = logging_app(tmp_path / "nowhere.db").value
    assert "make lab" in in_lab and "run all cells" in in_lab
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")  # the page of casekit serve
    served = logging_app(tmp_path / "nowhere.db").value
    assert "casekit serve" in served and "cells" not in served
