"""What a merge refuses to read (``casekit merge``): a share export is no source,
refused in one line, nothing written; an unknown site is granted only on a network
store. On SQLite and PostgreSQL (``BOTH_BACKENDS``)."""

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


@pytest.mark.parametrize("disclosure", [True, False])
def test_a_share_export_is_refused_in_one_line(pool, tmp_path, capsys, disclosure):
    source, _ = _source(tmp_path)
    with Store(source) as own:
        export_csv(own, tmp_path / "share", share=True, k=1)
    if not disclosure:  # copied without it: its weeks still tell
        (tmp_path / "share" / "disclosure.txt").unlink()
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
