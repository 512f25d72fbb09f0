"""A merge recognises the cases it merged before under the ids it redrew
(``casekit merge``).

A source case whose id another site's case has in the pool is merged under a
fresh id. Merged again, as the same store's export, its cases are the same cases:
the merge is refused, not written a second time under new ids; and a case merged
earlier (as an export) and withdrawn in the source since is withdrawn in the pool
too, under the id it was given there. On SQLite and PostgreSQL
(``BOTH_BACKENDS``); on PostgreSQL the site merges with its own role, which
cannot see the other site's cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import case_record, session_record

from casekit import Store
from casekit.cli import main
from casekit.io.exporter import export_csv


def _casekit(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _merge(capsys, source, url: str) -> tuple[int, str, str]:
    """``casekit merge SOURCE --site south`` with ``url``."""
    return _casekit(capsys, "merge", str(source), "--site", "south", "--db", url)


@pytest.fixture
def pool(store, backend, capsys):
    """A pool of sites north and south, north with four cases: the store and the
    URL that south merges with (south's own role on PostgreSQL)."""
    for site in ("north", "south"):
        store.add_site(site)
    for nprs in range(4):
        store.add("case", case_record(site="north", nprs=nprs))
    url = store.url
    if backend == "postgresql":
        code, out, err = _casekit(capsys, "grant", "south", "--db", store.url)
        assert code == 0, err
        url = out.strip().splitlines()[-1]
    return store, url


def _clashing(folder: Path, ids: list[str]) -> Path:
    """South's own store: a case under each of ``ids`` (north's ids in the pool),
    each with a session, its values unlike north's cases."""
    db = folder / "south.db"
    with Store(db, create=True, actor="practitioner") as own:
        for case_id in ids:
            own.add("case", case_record(case_id=case_id, nprs=9, age_band="30-39"))
            own.add("session", session_record(case_id))
    return db


def _active(store: Store) -> set[str]:
    return store.case_ids(include_deleted=False)


def test_an_export_of_a_store_merged_with_redrawn_ids_is_refused(
    pool, tmp_path, capsys
):
    store, south = pool
    north = sorted(store.case_ids())
    db = _clashing(tmp_path, north)
    with Store(db) as own:
        own.delete("case", north[3], reason="at the patient's request")
    code, out, err = _merge(capsys, db, south)
    assert code == 0, err
    assert "merged 3 cases" in out and "3 case ids" in out
    before = len(store.case_ids()), len(store.audit())
    assert before[0] == 7
    with Store(db) as own:
        export_csv(own, tmp_path / "south-export")
    code, out, err = _merge(capsys, tmp_path / "south-export", south)
    assert code == 1, out
    assert "3 cases of it are already in site south" in err
    assert "nothing was merged" in err
    assert (len(store.case_ids()), len(store.audit())) == before
    assert main(["check", "--db", store.url]) == 0


def test_a_store_merged_as_its_export_with_redrawn_ids_is_refused(
    pool, tmp_path, capsys
):
    store, south = pool
    north = sorted(store.case_ids())
    db = _clashing(tmp_path, north[:2])
    with Store(db) as own:
        export_csv(own, tmp_path / "south-export")
    folder = str(tmp_path / "south-export")
    code, out, err = _merge(capsys, folder, south)
    assert code == 0 and "2 case ids" in out, err
    code, out, err = _merge(capsys, db, south)
    assert code == 1 and "2 cases of it are already in site south" in err, out
    assert len(store.case_ids()) == 6


def test_a_case_merged_with_a_redrawn_id_and_withdrawn_since_is_withdrawn(
    pool, tmp_path, capsys
):
    store, south = pool
    north = sorted(store.case_ids())
    db = _clashing(tmp_path, north[:1])
    with Store(db) as own:
        export_csv(own, tmp_path / "south-export")
    folder = str(tmp_path / "south-export")
    code, out, err = _merge(capsys, folder, south)
    assert code == 0 and "1 case id" in out, err
    (merged,) = store.case_ids() - set(north)
    with Store(db) as own:  # then: a new case, and the first one withdrawn
        later = own.add("case", case_record(nprs=3))["case_id"]
        own.delete("case", north[0], reason="at the patient's request")
    code, out, err = _merge(capsys, db, south)
    assert code == 0, err
    assert "merged 1 case" in out and "left out" not in out
    assert "withdrawn in the pool: 1 case merged earlier" in out
    assert merged not in _active(store) and merged in store.case_ids()
    assert set(north) <= _active(store)  # north's case of that id is untouched
    assert len(_active(store) - set(north)) == 1  # the new case, whatever its id
    assert later in _active(store)
    assert main(["check", "--db", store.url]) == 0


def test_a_store_refused_so_says_which_withdrawn_cases_to_withdraw_here(
    pool, tmp_path, capsys
):
    # Repro B: the export merged first (both ids redrawn), then one case withdrawn
    # in the store, and the store merged: its other case is in the site already,
    # so it is refused, nothing added; the refusal names the withdrawn one's id
    # here, which the merge did not withdraw.
    store, south = pool
    north = sorted(store.case_ids())
    db = _clashing(tmp_path, north[:2])
    with Store(db) as own:
        export_csv(own, tmp_path / "south-export")
    folder = str(tmp_path / "south-export")
    code, out, err = _merge(capsys, folder, south)
    assert code == 0, err
    given = dict(re.findall(r"(\w{6}) -> (\w{6})", out))
    assert sorted(given) == north[:2]
    with Store(db) as own:
        own.delete("case", north[0], reason="at the patient's request")
    before = len(store.case_ids()), len(store.audit())
    code, out, err = _merge(capsys, db, south)
    assert code == 1, out
    assert "1 case of it is already in site south (merged before" in err
    assert f"is not withdrawn here: {given[north[0]]} (`casekit withdraw" in err
    assert (len(store.case_ids()), len(store.audit())) == before
