"""The store: typed round trips, audit rows, soft deletes, migration, file safety."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat

import pandas as pd
import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.errors import NotFound, ReasonRequired, StoreError, ValidationFailed
from casekit.privacy import is_case_id


def test_add_assigns_a_random_case_id_and_numbers(store):
    case = store.add("case", case_record())
    assert is_case_id(case["case_id"])
    first = store.add("session", session_record(case["case_id"]))
    second = store.add(
        "session", session_record(case["case_id"], session_date=dt.date(2025, 3, 10))
    )
    assert (first["session_no"], second["session_no"]) == (1, 2)
    assert store.add("followup", followup_record(case["case_id"]))["followup_no"] == 1


def test_read_returns_frames_typed_from_the_dictionary(store):
    case = store.add("case", case_record(odi=None))
    store.add("session", session_record(case["case_id"]))
    cases = store.read("case")
    assert cases["age_band"].dtype == pd.CategoricalDtype(
        ["18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"], ordered=True
    )
    assert str(cases["nprs"].dtype) == "Int64"
    assert str(cases["odi"].dtype) == "Float64" and pd.isna(cases["odi"].iloc[0])
    assert cases["intake_date"].iloc[0] == pd.Timestamp("2025-03-03")
    assert cases["pain_regions"].iloc[0] == ["low_back", "buttock"]
    assert cases["site"].iloc[0] == "main"  # the dictionary's default
    assert pd.isna(cases["leg_pain_below_knee"].iloc[0])  # not given: missing, not "no"
    sessions = store.read("session")
    assert sessions["regions_treated"].iloc[0] == ["lumbar", "hip_flexors"]


def test_every_insert_update_and_delete_has_its_audit_row(store):
    case = store.add("case", case_record())
    cid = case["case_id"]
    store.add("session", session_record(cid))
    store.update("session", (cid, 1), {"nprs_after": 2, "notes": "glute med 4/5"})
    store.delete("session", (cid, 1), reason="entered twice")
    audit = store.audit()
    assert audit["action"].tolist() == [
        "insert",
        "insert",
        "update",
        "update",
        "delete",
    ]
    assert (audit["actor"] == store.actor).all() and (audit["case_id"] == cid).all()
    inserted = json.loads(audit["new_value"].iloc[0])
    assert inserted["nprs"] == 6 and inserted["case_id"] == cid
    update = audit[audit["field"] == "nprs_after"].iloc[0]
    assert (update["old_value"], update["new_value"], update["instance"]) == (
        "3",
        "2",
        1,
    )
    assert audit["reason"].iloc[-1] == "entered twice"
    assert audit["time"].str.endswith("+00:00").all()  # UTC
    assert store.read("session").empty  # soft-deleted ...
    assert len(store.read("session", include_deleted=True)) == 1  # ... but kept


@pytest.mark.sqlite_only  # on PostgreSQL: tests/test_network.py
def test_audit_table_is_append_only(store):
    store.add("case", case_record())
    with sqlite3.connect(store.path) as raw:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE audit SET actor = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM audit")


def test_invalid_record_writes_nothing(store):
    with pytest.raises(ValidationFailed) as info:
        store.add("case", case_record(nprs=14, notes="email jo@example.com"))
    assert set(info.value.problems["field"]) == {"nprs", "notes"}
    assert store.read("case").empty and store.audit().empty


def test_batch_is_all_or_nothing(store):
    good = case_record(case_id="K7Q2XM")
    with pytest.raises(ValidationFailed):
        store.add_many(
            {
                "case": [good],
                "session": [
                    session_record("K7Q2XM"),
                    session_record("K7Q2XM", nprs_before=11),
                ],
            }
        )
    assert store.case_ids() == set() and store.audit().empty


def test_session_of_an_unknown_case_is_refused(store):
    with pytest.raises(NotFound):
        store.add("session", session_record("ZZZZZZ"))


def test_closed_case_needs_a_reason_and_the_audit_keeps_it(store):
    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    store.add("followup", followup_record(cid, status="discharged"))
    with pytest.raises(ReasonRequired):
        store.update("case", cid, {"nprs": 5})
    store.update("case", cid, {"nprs": 5}, reason="typo at intake")
    last = store.audit().iloc[-1]
    assert (last["field"], last["reason"]) == ("nprs", "typo at intake")


def test_withdrawn_case_hides_its_sessions(store):
    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    store.delete("case", cid, reason="consent withdrawn")
    assert store.read("case").empty and store.read("session").empty
    assert cid in store.case_ids()


@pytest.mark.sqlite_only  # on PostgreSQL: tests/test_network.py
def test_store_file_is_owner_only_and_in_wal_mode(store):
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_missing_store_is_not_created_silently(tmp_path):
    with pytest.raises(StoreError, match="casekit init"):
        Store(tmp_path / "nowhere.db")
    assert not (tmp_path / "nowhere.db").exists()


def test_local_field_becomes_a_column_and_nothing_else_changes(tmp_path):
    db = tmp_path / "data" / "casekit.db"
    with Store(db, create=True) as first:
        cid = first.add("case", case_record())["case_id"]
        first.add("session", session_record(cid))
        before = first.frames()
    (tmp_path / "data" / "dictionary.local.yaml").write_text(
        "forms:\n  session:\n    fields:\n"
        "      - {code: home_exercise_days, type: integer, min: 0, max: 7}\n"
    )
    with Store(db) as again:
        after = again.frames()
        assert "home_exercise_days" in after["session"].columns
        assert pd.isna(after["session"]["home_exercise_days"].iloc[0])
        for form, frame in before.items():
            pd.testing.assert_frame_equal(frame, after[form][frame.columns])
        added = again.audit().query("action == 'add_column'")
        assert added["field"].tolist() == ["home_exercise_days"]
        again.add("session", session_record(cid, home_exercise_days=4))
        assert again.read("session")["home_exercise_days"].tolist() == [pd.NA, 4]


def test_a_drawn_case_id_already_in_the_store_is_drawn_again(store, monkeypatch):
    first = store.add("case", case_record())["case_id"]
    draws = iter([first, first, "K7Q2XM"])  # the dice land on a taken id twice
    monkeypatch.setattr(
        "casekit.store.numbering.new_case_id", lambda taken: next(draws)
    )
    assert store.add("case", case_record())["case_id"] == "K7Q2XM"
    assert store.case_ids() == {first, "K7Q2XM"}


def test_get_returns_one_stored_record_typed(store):
    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    record = store.get("session", (cid, 1))
    assert record["nprs_before"] == 6 and record["session_date"] == dt.date(2025, 3, 3)
    assert record["regions_treated"] == ["lumbar", "hip_flexors"]
    assert store.get("case", cid)["case_id"] == cid
    store.delete("session", (cid, 1), reason="entered twice")
    with pytest.raises(NotFound):
        store.get("session", (cid, 1))


@pytest.mark.sqlite_only  # on PostgreSQL: tests/test_network.py
def test_lookups_put_database_errors_in_plain_words(store):
    from casekit.store import queries

    cid = store.add("case", case_record())["case_id"]
    store.engine.dispose()
    with sqlite3.connect(store.path) as raw:
        raw.execute("DROP TABLE followups")
    followup = store.dictionary["followup"]
    for look_up in (
        lambda: store.get("followup", (cid, 1)),
        lambda: queries.entries(store, followup, cid),
        lambda: queries.next_number(store, followup, cid),
        lambda: queries.incomplete(store),
    ):
        with pytest.raises(StoreError, match="no such table: followups"):
            look_up()


def test_a_removed_sessions_number_is_never_given_again(store):
    from casekit.store import queries

    cid = store.add("case", case_record())["case_id"]
    store.add("session", session_record(cid))
    store.add("session", session_record(cid))
    store.delete("session", (cid, 2), reason="entered twice")
    form = store.dictionary["session"]
    assert queries.next_number(store, form, cid) == 3
    assert store.numbers("session", [{"case_id": cid}, {"case_id": cid}]) == [3, 4]
    assert store.numbers("session", [{"case_id": cid, "session_no": 7}]) == [7]
    assert store.add("session", session_record(cid))["session_no"] == 3
