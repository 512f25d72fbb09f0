"""A removal never leaves a row pointing at nothing (``Store.delete``).

A session that a follow-up reports on is not removed: the refusal names the
follow-ups, and the commands that remove them, or they are pointed at another
session first.
Whatever ``delete`` allows, the store's own export imports again. On SQLite and
PostgreSQL (``BOTH_BACKENDS``).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.errors import ValidationFailed
from casekit.io.exporter import export_csv
from casekit.io.importer import import_files


def _case_with_two_sessions(store: Store) -> str:
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id, after_session=1))
    store.add("followup", followup_record(case_id, after_session=1))
    return case_id


def _imports_again(store: Store, tmp_path) -> None:
    export_csv(store, tmp_path / "export")
    with Store(tmp_path / "again.db", create=True) as again:
        result = import_files(again, [tmp_path / "export"])
        for form in ("case", "session", "followup"):
            assert result.counts.get(form, 0) == len(store.read(form))


def test_a_session_follow_ups_report_on_is_not_removed(store, tmp_path):
    case_id = _case_with_two_sessions(store)
    with pytest.raises(ValidationFailed) as info:
        store.delete("session", (case_id, 1))
    message = str(info.value)
    assert message.startswith(f"session 1 of case {case_id}: ")
    assert "follow-up 1 (`after_session` is 1) and follow-up 2" in message
    assert f"remove them first (casekit remove followup {case_id} 1 --db " in message
    assert f"casekit remove followup {case_id} 2 --db " in message
    assert "or, in the follow-up form, point them at another session" in message
    assert "nothing was removed" in message
    assert store.read("session")["session_no"].tolist() == [1, 2]
    assert "delete" not in set(store.audit()["action"])

    # Re-pointed and deleted, the follow-ups let the session go.
    store.update("followup", (case_id, 1), {"after_session": 2})
    store.delete("followup", (case_id, 2))
    store.delete("session", (case_id, 1))
    assert store.read("session")["session_no"].tolist() == [2]
    _imports_again(store, tmp_path)


@pytest.mark.parametrize("number", ["1", " 1", 1.0, np.int64(1)])
def test_a_session_named_by_a_number_in_another_type_is_refused_too(store, number):
    case_id = _case_with_two_sessions(store)
    with pytest.raises(ValidationFailed, match="cannot be removed"):
        store.delete("session", (case_id, number))
    assert store.read("session")["session_no"].tolist() == [1, 2]


def test_a_session_no_follow_up_reports_on_is_removed(store, tmp_path):
    case_id = _case_with_two_sessions(store)
    store.delete("session", (case_id, 2))
    store.delete("followup", (case_id, 1))  # a follow-up refers to nothing
    assert store.read("session")["session_no"].tolist() == [1]
    _imports_again(store, tmp_path)


def test_a_withdrawn_case_takes_its_sessions_and_follow_ups_with_it(store, tmp_path):
    case_id = _case_with_two_sessions(store)
    kept = store.add("case", case_record())["case_id"]
    store.delete("case", case_id, reason="asked to be left out")
    assert store.read("case")["case_id"].tolist() == [kept]
    assert store.read("session").empty and store.read("followup").empty
    _imports_again(store, tmp_path)
