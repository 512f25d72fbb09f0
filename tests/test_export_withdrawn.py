"""A full export leaves withdrawn cases out, and says so: export then import must not
lose a case without a word.

A withdrawn case's data does not travel (it was withdrawn, perhaps at the patient's
request); it stays in the store, marked, and in every backup of it.
"""

from __future__ import annotations

from casekit import Store
from casekit.cli import main
from casekit.store.queries import left_out
from tests.conftest import case_record, session_record


def _store(path, cases: int = 3) -> list[str]:
    with Store(path, create=True, actor="tests") as store:
        ids = [store.add("case", case_record())["case_id"] for _ in range(cases)]
        store.add("session", session_record(ids[0]))
        store.delete("case", ids[0], reason="asked to be left out")
    return ids


def test_left_out_counts_withdrawn_cases_and_their_records(tmp_path):
    _store(tmp_path / "a.db")
    with Store(tmp_path / "a.db", actor="tests") as store:
        counts = left_out(store)
    assert counts["case"] == 1 and counts["session"] == 1


def test_the_export_says_how_many_withdrawn_cases_it_left_out(tmp_path, capsys):
    _store(tmp_path / "a.db")
    capsys.readouterr()
    assert main(["export", str(tmp_path / "out"), "--db", str(tmp_path / "a.db")]) == 0
    said = capsys.readouterr().out
    assert "left out: 1 withdrawn case, 1 session (withdrawn or removed" in said
    assert main(["init", "--db", str(tmp_path / "b.db")]) == 0
    assert main(["import", str(tmp_path / "out"), "--db", str(tmp_path / "b.db")]) == 0
    with Store(tmp_path / "b.db", actor="tests") as copy:
        assert len(copy.case_ids()) == 2  # the withdrawn one did not travel


def test_an_export_with_nothing_withdrawn_says_nothing_of_it(tmp_path, capsys):
    with Store(tmp_path / "a.db", create=True, actor="tests") as store:
        store.add("case", case_record())
    assert main(["export", str(tmp_path / "out"), "--db", str(tmp_path / "a.db")]) == 0
    assert "left out" not in capsys.readouterr().out
