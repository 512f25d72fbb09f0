"""'A second examination' in the logging app, driven headlessly: filled blind (no
pain side, no earlier findings shown while it is filled), saved as an exam, counted
beside the forms."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w
import pytest
from conftest import case_record
from test_forms import fill

from casekit.agreement import findings
from casekit.ui.logbook import TAB_TITLES, LoggingApp

DAY = dt.date(2025, 3, 3)


def texts(widget) -> str:
    """Every word a widget tree shows: values, descriptions, options."""
    found = []
    if isinstance(widget, w.HTML | w.Label):
        found.append(str(widget.value))
    for name in ("description", "placeholder"):
        found.append(str(getattr(widget, name, "") or ""))
    if isinstance(widget, w.Select | w.Dropdown | w.RadioButtons | w.ToggleButtons):
        found += [str(label) for label, *_ in widget.options]
        found.append(str(widget.value))
    elif isinstance(widget, w.Text | w.Textarea):
        found.append(str(widget.value))
    for child in getattr(widget, "children", ()):
        found.append(texts(child))
    return "\n".join(found)


@pytest.fixture
def examined(store):
    """A case with left-sided pain and a first exam by `a` that found the SI
    joint tighter on the right and both glutes weaker."""
    case = store.add("case", case_record(intake_date=DAY, pain_side="left"))
    store.add("exam", {"case_id": case["case_id"], "exam_date": DAY, "examiner": "a",
                       "blinded": "yes", "si_tight_side": "right",
                       "glute_weak_side": "both"})  # fmt: skip
    return case["case_id"]


def test_a_second_examination_hides_the_earlier_findings(store, examined):
    app = LoggingApp(store)
    tab = app.exam
    assert app.tabs.titles[3] == TAB_TITLES["exam"] == "A second examination"
    label = dict(map(reversed, tab.chooser.options))[examined]
    assert "pain" not in label and "Left" not in label  # no pain side to lean on
    tab.chooser.list.value = examined
    assert tab.hidden and tab.reveal.value is False
    assert [v for _, v in tab.entry.options] == [0]  # only "New exam (number 2)"
    form = tab.record
    assert form.data["exam_no"] == 2
    assert all(form.data[f] is None for f in findings(store.dictionary["exam"]))
    assert "Change exam" not in texts(tab.widget)
    fill(form, examiner="KB", blinded="yes", si_tight_side="left")
    form.save_button.click()
    exams = store.read("exam")
    assert exams["examiner"].tolist() == ["a", "kb"]
    assert exams["si_tight_side"].tolist() == ["right", "left"]
    assert "1 case with a second examination" in app.overview.examined.value
    # after saving: a new exam again, the earlier ones still hidden
    assert [v for _, v in tab.entry.options] == [0] and form.data["exam_no"] == 3
    # a withdrawn case's exams are not counted
    store.delete("case", examined, reason="withdrew")
    app.refresh()
    assert "0 cases with a second examination" in app.overview.examined.value


def test_the_earlier_exams_show_only_when_asked_for(store, examined):
    app = LoggingApp(store)
    tab = app.exam
    tab.chooser.list.value = examined
    tab.reveal.value = True
    assert [v for _, v in tab.entry.options] == [0, 1]
    tab.entry.value = 1
    assert tab.record.data["si_tight_side"] == "right"
    tab.reveal.value = False  # blind again: the earlier exam is closed
    assert [v for _, v in tab.entry.options] == [0]
    assert tab.record.data["si_tight_side"] is None
    tab.reveal.value = True
    other = store.add("case", case_record(intake_date=DAY))["case_id"]
    tab.refresh()
    tab.chooser.list.value = other  # another case: blind again
    assert tab.reveal.value is False and tab.hidden


def test_other_forms_still_show_the_pain_side(store, examined):
    app = LoggingApp(store)
    assert "Left pain" in dict(map(reversed, app.session.chooser.options))[examined]
    assert not app.session.blind
    assert "0 cases with a second examination" in app.overview.examined.value
