"""What a merge carries of a source's withdrawals, and what it refuses to read
(``casekit merge``).

A withdrawn case's data does not travel (a case may be withdrawn at the patient's
request): a case withdrawn in the source, its records, a removed session and their
history stay behind, and the command says how many, as ``casekit export`` does. A
case merged earlier (as an export) and withdrawn in the source since is withdrawn
in the pool too. A share export is no source: it is refused in one line, nothing
written. On SQLite and PostgreSQL (``BOTH_BACKENDS``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import case_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.io.exporter import export_csv

WITHDRAWN_NOTE = "stiff after gardening, lifts grandchildren"
REMOVED_NOTE = "session logged twice by mistake"


@pytest.fixture
def pool(store):
    store.add_site("north")
    return store


def _merge(capsys, source: Path, pool: Store, site: str = "north"):
    code = main(["merge", str(source), "--site", site, "--db", pool.url])
    out, err = capsys.readouterr()
    return code, out, err


def _source(folder: Path) -> tuple[Path, dict[str, str]]:
    """A practitioner's store of four cases with a session each: ``gone`` withdrawn
    (at the patient's request), ``kept`` with a second session removed."""
    db = folder / "own.db"
    ids = {}
    with Store(db, create=True, actor="practitioner") as own:
        for name in ("kept", "other", "third", "gone"):
            note = WITHDRAWN_NOTE if name == "gone" else "L4-5 tender"
            ids[name] = own.add("case", case_record(notes=note))["case_id"]
            own.add("session", session_record(ids[name]))
        second = session_record(
            ids["kept"], session_date=dt.date(2025, 3, 10), notes=REMOVED_NOTE
        )
        own.add("session", second)
        own.delete("session", (ids["kept"], 2), reason="entered twice")
        own.delete("case", ids["gone"], reason="at the patient's request")
    return db, ids


def test_a_withdrawn_case_and_a_removed_session_are_left_out(pool, tmp_path, capsys):
    source, ids = _source(tmp_path)
    code, out, err = _merge(capsys, source, pool)
    assert code == 0, err
    assert "merged 3 cases, 3 sessions" in out
    assert (
        "left out: 1 withdrawn case, 2 sessions (withdrawn or removed in "
        f"{source}: their data does not travel)" in out
    )
    assert "withdrawn in the pool" not in out
    assert pool.case_ids() == {ids["kept"], ids["other"], ids["third"]}
    sessions = pool.read("session", include_deleted=True)
    assert ids["gone"] not in set(sessions["case_id"])
    assert sorted(sessions.loc[sessions["case_id"] == ids["kept"], "session_no"]) == [1]
    # Nor does its history come along: an insert row holds the whole record.
    audit = pool.audit()
    assert ids["gone"] not in set(audit["case_id"].dropna())
    values = " ".join(audit["new_value"].dropna())
    assert "gardening" not in values and "twice by mistake" not in values
    assert "gardening" not in " ".join(audit["old_value"].dropna())
    assert main(["check", "--db", pool.url]) == 0


def test_a_case_merged_earlier_and_withdrawn_since_is_withdrawn_in_the_pool(
    pool, tmp_path, capsys
):
    db = tmp_path / "own.db"
    with Store(db, create=True, actor="practitioner") as own:
        first = own.add("case", case_record())["case_id"]
        own.add("session", session_record(first))
        export_csv(own, tmp_path / "export")
    code, out, err = _merge(capsys, tmp_path / "export", pool)
    assert code == 0 and "merged 1 case" in out, err
    with Store(db) as own:  # then: a new case, and the first one withdrawn
        later = own.add("case", case_record(nprs=3))["case_id"]
        own.delete("case", first, reason="at the patient's request")
    code, out, err = _merge(capsys, db, pool)
    assert code == 0, err
    assert "merged 1 case" in out and "left out" not in out
    assert "withdrawn in the pool: 1 case merged earlier" in out
    assert pool.case_ids(include_deleted=False) == {later}
    assert pool.case_ids() == {first, later}  # kept, marked, as in any store
    audit = pool.audit()
    (row,) = audit.loc[
        (audit["action"] == "delete") & (audit["case_id"] == first)
    ].to_dict("records")
    assert row["reason"] == "withdrawn in the store it was merged from"
    assert main(["check", "--db", pool.url]) == 0


@pytest.mark.parametrize("kept", ["all", "no disclosure.txt", "cases.csv alone"])
def test_a_share_export_is_refused_in_one_line(pool, tmp_path, capsys, kept):
    source, _ = _source(tmp_path)
    with Store(source) as own:
        export_csv(own, tmp_path / "share", share=True, k=1)
    if kept != "all":  # copied without it: its weeks still tell
        (tmp_path / "share" / "disclosure.txt").unlink()
    if kept == "cases.csv alone":  # no weeks: its sites as labels, no intake date
        for name in ("sessions.csv", "followups.csv", "exams.csv"):
            (tmp_path / "share" / name).unlink()
    before = len(pool.audit())
    code, out, err = _merge(capsys, tmp_path / "share", pool)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "is a share export" in err and "nothing was merged" in err
    assert "required" not in err
    assert pool.case_ids() == set() and len(pool.audit()) == before


def test_an_unknown_site_is_granted_only_on_a_network_store(
    pool, tmp_path, capsys, backend
):
    source, _ = _source(tmp_path)
    code, _, err = _merge(capsys, source, pool, site="nroth")
    assert code == 1 and "casekit site add nroth" in err
    assert "did you mean north?" in err
    assert ("casekit grant nroth" in err) == (backend == "postgresql")
    assert pool.case_ids() == set()


def test_a_session_renumbered_by_a_late_visit_then_removed_leaves_its_history_out(
    pool, tmp_path, capsys
):
    # Sessions 1, 2, 3; a late visit takes 2 (2 -> 3, 3 -> 4); then the visit
    # that was 2 (now 3) is removed. Its rows name 2 (insert), 2 -> 3, 3 (delete).
    db = tmp_path / "own.db"
    with Store(db, create=True, actor="practitioner") as own:
        cid = own.add("case", case_record())["case_id"]
        for day, note in ((8, "first visit"), (17, REMOVED_NOTE), (20, "third")):
            date = dt.date(2025, 11, day)
            own.add("session", session_record(cid, session_date=date, notes=note))
        late = session_record(cid, session_date=dt.date(2025, 11, 9), notes="late")
        assert own.add("session", late)["session_no"] == 2
        own.delete("session", (cid, 3), reason="entered twice")
    code, out, err = _merge(capsys, db, pool)
    assert code == 0, err
    assert "merged 1 case, 3 sessions" in out
    assert "1 session" in out.split("left out:")[1]
    sessions = pool.read("session", include_deleted=True)
    assert sorted(sessions["session_no"]) == [1, 2, 4]
    audit = pool.audit()
    values = " ".join(audit["new_value"].dropna()) + " ".join(
        audit["old_value"].dropna()
    )
    assert "twice by mistake" not in values
    said = audit.loc[(audit["form"] == "session") & audit["origin"].notna()]
    inserts = said.loc[said["action"] == "insert"]
    # The live moved session's own history comes along: written as 3, moved to 4.
    assert sorted(inserts["instance"]) == [1, 2, 3]
    (moved,) = said.loc[said["action"] == "renumber"].to_dict("records")
    assert (moved["old_value"], moved["new_value"]) == ("3", "4")
    assert "delete" not in set(said["action"])
    assert pool.verify()[0] == []
    assert main(["check", "--db", pool.url]) == 0


def test_a_pool_merged_on_holds_back_a_removed_sessions_carried_history_too(
    pool, tmp_path, capsys
):
    # A regional pool holds the practitioner's sessions 1, 2, 3 (3 written as 2
    # there, then moved by a late visit: its carried rows say so), and its own
    # insert row of 3. Session 3 is removed in the regional pool, which is then
    # merged on: neither its own rows nor the carried ones go along.
    db = tmp_path / "own.db"
    with Store(db, create=True, actor="practitioner") as own:
        cid = own.add("case", case_record())["case_id"]
        for day, note in ((8, "first visit"), (20, REMOVED_NOTE)):
            date = dt.date(2025, 11, day)
            own.add("session", session_record(cid, session_date=date, notes=note))
        late = session_record(cid, session_date=dt.date(2025, 11, 9), notes="late")
        assert own.add("session", late)["session_no"] == 2
    region = tmp_path / "region.db"
    with Store(region, create=True, actor="coordinator") as middle:
        middle.add_site("north")
        code, out, err = _merge(capsys, db, middle)
        assert code == 0 and "merged 1 case, 3 sessions" in out, err
        middle.delete("session", (cid, 3), reason="entered twice")
    code, out, err = _merge(capsys, region, pool)
    assert code == 0, err
    assert "merged 1 case, 2 sessions" in out
    audit = pool.audit()
    values = " ".join(audit["new_value"].dropna()) + " ".join(
        audit["old_value"].dropna()
    )
    assert "twice by mistake" not in values and "late" in values
    assert main(["check", "--db", pool.url]) == 0
