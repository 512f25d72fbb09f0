"""What an import holds when it writes: the checked records, and not the raw
tables, the typed frames the checks read, nor a copy of every record written (at
100,000 cases each of these was hundreds of megabytes held for nothing)."""

from __future__ import annotations

import datetime as dt
import weakref

import pytest
from conftest import case_record, session_record

import casekit.io.importer as importer
import casekit.store.inserting
from casekit.errors import ValidationFailed
from casekit.io.exporter import export_csv
from casekit.store import Store
from casekit.synth import populate


@pytest.fixture
def export(tmp_path):
    with Store(tmp_path / "source.db", create=True) as source:
        populate(source, 30, seed=7)
        export_csv(source, tmp_path / "export")
    return tmp_path / "export"


def test_the_raw_tables_and_frames_are_let_go_before_the_write(
    tmp_path, export, monkeypatch
):
    made: list[weakref.ref] = []
    real_checked = importer._checked

    def watched(store, form, source, table, *rest):
        checked, frame = real_checked(store, form, source, table, *rest)
        made.extend([weakref.ref(table), weakref.ref(frame)])
        return checked, frame

    alive_at_write: list[int] = []
    real_add_many = Store.add_many

    def writing(self, batches, **kw):
        alive_at_write.append(sum(ref() is not None for ref in made))
        return real_add_many(self, batches, **kw)

    monkeypatch.setattr(importer, "_checked", watched)
    monkeypatch.setattr(Store, "add_many", writing)
    with Store(tmp_path / "copy.db", create=True) as store:
        result = importer.import_files(store, [export])
    assert result.written and result.counts["case"] == 30
    assert len(made) == 8  # four forms: a raw table and a frame each
    assert alive_at_write == [0]


def test_an_import_keeps_no_copy_of_what_it_wrote(tmp_path, export, monkeypatch):
    kept: list[int] = []
    real = casekit.store.inserting.write_new

    def counting(*args, **kw):
        written = real(*args, **kw)
        kept.append(len(written))
        return written

    monkeypatch.setattr(casekit.store.inserting, "write_new", counting)
    monkeypatch.setattr("casekit.store.store.write_new", counting)
    with Store(tmp_path / "copy.db", create=True) as store:
        importer.import_files(store, [export])
        assert kept == [0, 0, 0, 0]  # four forms written, no copy kept
        assert len(store.read("case")) == 30


def test_records_written_a_chunk_at_a_time_are_numbered_and_audited_as_one(
    store, monkeypatch
):
    monkeypatch.setattr("casekit.store.inserting.CHUNK", 2)
    case_id = store.add("case", case_record())["case_id"]
    before = len(store.audit())
    added = store.add_many({"session": [session_record(case_id) for _ in range(5)]})
    assert [r["session_no"] for r in added["session"]] == [1, 2, 3, 4, 5]
    stored = store.read("session")
    assert list(stored["session_no"]) == [1, 2, 3, 4, 5]
    trail = store.audit().iloc[before:]
    assert list(trail["instance"]) == [1, 2, 3, 4, 5]
    assert trail["time"].nunique() == 1  # one write, one time
    problems, _ = store.verify()
    assert problems == []


def test_keep_false_writes_everything_and_hands_back_nothing(store):
    case_id = store.add("case", case_record())["case_id"]
    back = store.add_many(
        {"session": [session_record(case_id) for _ in range(3)]}, keep=False
    )
    assert back == {"session": []}
    assert list(store.read("session")["session_no"]) == [1, 2, 3]


def test_a_coded_cell_reads_as_the_dictionarys_own_string(store):
    # Made at run time, as a CSV's cells are: equal to the code, not the same.
    cell = "".join(["fem", "ale"])
    checked = store.check("case", {**case_record(), "sex": cell})
    (code,) = [c for c in store.dictionary["case"]["sex"].code_values if c == cell]
    assert checked.record["sex"] is code


def test_a_checked_record_has_no_dict_of_its_own(store):
    checked = store.check("case", case_record())
    assert not hasattr(checked, "__dict__")


def test_the_rules_across_forms_find_the_same_into_an_empty_store_or_not(tmp_path):
    from test_interop import FOLLOWUPS, SESSIONS, _write

    paths = _write(
        tmp_path / "in",
        # A session before its intake, a follow-up after a session not given.
        sessions=SESSIONS.replace("K7Q2XM,2,2025-01-13", "K7Q2XM,2,2024-12-13"),
        followups=FOLLOWUPS.replace("2025-02-10,2,", "2025-02-10,5,"),
    )
    found = {}
    for stored in (0, 1):  # the empty store's frames are the incoming ones
        with Store(tmp_path / f"{stored}.db", create=True) as store:
            if stored:
                store.add("case", case_record())
            with pytest.raises(ValidationFailed) as refused:
                importer.import_files(store, paths)
            found[stored] = refused.value.found
    assert {p.rule for p in found[0]} >= {"before_intake", "no_such_session"}
    assert found[0] == found[1]
    assert all(type(p.row) is int for p in found[0])


def test_records_of_one_day_share_its_date(store):
    # Made at run time, as a CSV's cells are.
    days = ["".join(["2025-03-0", "3"]) for _ in range(2)]
    first, second = (
        store.check("case", {**case_record(), "intake_date": d}) for d in days
    )
    assert first.record["intake_date"] == dt.date(2025, 3, 3)
    assert first.record["intake_date"] is second.record["intake_date"]


def test_rows_of_one_case_share_its_id(tmp_path):
    path = tmp_path / "sessions.csv"
    path.write_text("case_id,session_no\nK7Q2XM,1\nK7Q2XM,2\nP3W9HD,1\n")
    first, second, third = importer._records(importer.read_csv(path))
    assert first["case_id"] == second["case_id"] == "K7Q2XM"
    assert first["case_id"] is second["case_id"]
    assert third["case_id"] == "P3W9HD"


def test_a_clash_in_a_later_chunk_writes_nothing_of_the_earlier_ones(
    store, monkeypatch
):
    monkeypatch.setattr("casekit.store.inserting.CHUNK", 2)
    case_id = store.add("case", case_record())["case_id"]
    before = len(store.audit())
    # Numbers 1, 2 (the first chunk), 3, then 3 again: the second chunk clashes.
    sessions = [session_record(case_id, session_no=n) for n in (1, 2, 3, 3)]
    with pytest.raises(ValidationFailed) as refused:
        store.add_many({"session": sessions})
    assert [p.rule for p in refused.value.found] == ["clash"]
    assert len(store.read("session")) == 0
    assert len(store.audit()) == before
