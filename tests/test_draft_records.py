"""A draft a record: what is typed is never lost by opening another record.

A new entry half typed stays kept while a saved record is changed, another entry
opened or another case chosen (or searched for), and comes back with the new entry;
a restored draft brings back what was cleared as cleared, and a number typed by
hand. Headless, as in tests/test_drafts.py: a new ``LoggingApp`` on the same store
is what a reload or a reopened tab gets."""

from __future__ import annotations

import datetime as dt

from conftest import case_record
from test_forms import fill

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
