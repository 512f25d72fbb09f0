"""One door: each record is validated once, by ``Store.check``, whether it comes from
an import, a form's Save (new or edited) or a plain ``Store.add``; what the door
returns is written as it is."""

from __future__ import annotations

import pytest
from conftest import case_record, followup_record, session_record
from test_forms import CORE, answer, fill

import casekit.validate
from casekit.cli import main
from casekit.errors import ValidationFailed
from casekit.io.exporter import export_csv
from casekit.store import Checked, Store
from casekit.synth import cohort, populate
from casekit.ui.logbook import LoggingApp


@pytest.fixture
def calls(monkeypatch) -> list:
    """Every call of ``validate_record``, wherever it comes from."""
    seen: list = []
    real = casekit.validate.validate_record

    def counting(form, raw, **kw):
        seen.append((form.name, raw.get("case_id")))
        return real(form, raw, **kw)

    monkeypatch.setattr(casekit.validate, "validate_record", counting)
    return seen


def test_an_import_validates_each_record_once(tmp_path, calls, capsys):
    with Store(tmp_path / "source.db", create=True) as source:
        written = populate(source, 60, seed=4)
        assert len(calls) == sum(written.values())  # raw records: once, at the door
        export_csv(source, tmp_path / "export")
    expected = cohort(60, seed=4)
    records = sum(len(expected[form]) for form in expected)
    assert records == sum(written.values())
    calls.clear()
    target = str(tmp_path / "copy.db")
    assert main(["init", "--db", target]) == 0  # an import makes no store
    assert main(["import", str(tmp_path / "export"), "--db", target]) == 0
    assert "imported 60 cases" in capsys.readouterr().out
    assert len(calls) == records
    calls.clear()
    assert main(["import", str(tmp_path / "export"), "--db", target]) == 1  # twice
    assert len(calls) == records  # refused, after checking each record once


def test_a_form_save_validates_once_new_and_edited(store, calls):
    app = LoggingApp(store)
    fill(app.case.record, **CORE)
    calls.clear()
    app.case.record.save_button.click()
    assert calls == [("case", None)]
    (case_id,) = store.read("case")["case_id"]

    app.session.chooser.list.value = case_id
    fill(app.session.record, nprs_before="6", nprs_after="3")
    calls.clear()
    app.session.record.save_button.click()
    assert calls == [("session", case_id)]
    assert len(store.read("session")) == 1

    app.session.entry.value = 1  # open session 1 to change it
    answer(app.session.record, "nprs_after", "2")
    calls.clear()
    app.session.record.save_button.click()
    assert calls == [("session", case_id)]
    assert store.read("session")["nprs_after"].tolist() == [2]


def test_raw_writes_pass_the_door_once(store, calls):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.update("session", (case_id, 1), {"nprs_after": 1})
    assert [form for form, _ in calls] == ["case", "session", "session"]


def test_a_checked_record_is_written_as_it_is(store, calls):
    checked = store.check("case", case_record(nprs="7"))
    assert isinstance(checked, Checked) and checked.problems == ()
    assert checked.record["nprs"] == 7
    assert checked.record["site"] == "main"  # a field not given takes its default
    saved = store.add("case", checked)
    assert len(calls) == 1
    assert saved["nprs"] == 7 and saved["case_id"] in store.case_ids()
    assert "case_id" not in checked.record  # the store filled its own copy
    with pytest.raises(TypeError):
        checked.record["nprs"] = 8  # read-only: what was checked is what is written
    assert store.check("case", case_record(site="")).record["site"] is None


def test_a_checked_records_copy_is_its_own(store):
    import collections
    import types

    made = [
        store.check("case", case_record(nprs="7")),  # a view of a dict
        Checked("case", {"nprs": 7}),
        Checked("case", types.MappingProxyType(collections.OrderedDict(nprs=7))),
        Checked("case", collections.ChainMap({"nprs": 7})),
    ]
    for checked in made:
        copy = checked.record_copy()
        assert isinstance(copy, dict) and copy == dict(checked.record)
        copy["nprs"] = 8
        assert checked.record["nprs"] == 7


def test_a_checked_record_with_an_error_is_refused(store):
    checked = store.check("case", case_record(nprs=14), source="intake", row=3)
    (problem,) = checked.errors
    assert (problem.field, problem.source, problem.row) == ("nprs", "intake", 3)
    with pytest.raises(ValidationFailed) as info:
        store.add("case", checked)
    assert info.value.found == (problem,)
    assert info.value.problems["problem"].tolist() == [
        "a new case: `nprs` is 14, expected 0 to 10"
    ]
    assert store.read("case").empty and store.audit().empty


def test_a_checked_record_is_stored_only_as_its_own_form(store):
    case_id = store.add("case", case_record())["case_id"]
    checked = store.check("session", session_record(case_id))
    with pytest.raises(ValueError, match="checked session record"):
        store.add("followup", checked)
    with pytest.raises(ValueError, match="checked session record"):
        store.update("case", case_id, checked)
    assert store.read("followup").empty


def test_a_checked_edit_keeps_the_stored_key(store):
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id))
    edited = store.check("followup", followup_record("K7Q2XM", followup_no=9, nprs=1))
    store.update("followup", (case_id, 1), edited)
    (row,) = store.read("followup").to_dict("records")
    assert (row["case_id"], row["followup_no"], row["nprs"]) == (case_id, 1, 1)
