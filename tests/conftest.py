"""Shared fixtures: a fresh store per test, a store with a field of its own, and a few
valid synthetic records.

The store's tests run on both backends: a module listed in ``BOTH_BACKENDS`` gets
every test that asks for ``db_url`` (or ``store``) twice, once on a SQLite file and
once on a fresh database of a throwaway PostgreSQL server started for the session
(``tests/pgserver.py``); a test marked ``sqlite_only`` (a file's permissions, the
SQLite guard triggers) runs on SQLite alone. Without PostgreSQL's server programs
the PostgreSQL tests fail, saying how to install them: they are never skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import settings

from casekit import Store
from casekit.synth import cohort

# A property's examples are checked, never timed: on a shared, loaded machine one
# slow example is not a failure (performance is measured by benchmarks/run.py).
settings.register_profile("casekit", deadline=None)
settings.load_profile("casekit")

BOTH_BACKENDS = {
    "test_store",
    "test_interop",
    "test_checks",
    "test_audit",
    "test_concurrency",
    "test_cli",
    "test_network",
    "test_columnar",
    "test_bulk",
    "test_removals",
    "test_merge_rules",
    "test_merge_withdrawn",
    "test_merge_identifiers",
    "test_merge_redrawn",
    "test_old_reasons",
    "test_session_order",
    "test_read_only",
    "test_late_visit",
    "test_import_again",
    "test_share_releases",
    "test_release_contents",
    "test_taking_out",
    "test_release_ledger",
    "test_fingerprint_copies",
}

# A practice's own case field, added in data/dictionary.local.yaml: only the store's
# dictionary knows its label and the words of its codes.
LOCAL_FIELD = """
forms:
  case:
    fields:
      - code: work_type
        type: choice
        label: Kind of work
        codes:
          - desk: Desk
          - manual: Manual
"""


def case_record(**changes) -> dict:
    """A valid intake, with ``changes`` applied."""
    record = {
        "intake_date": dt.date(2025, 3, 3),
        "age_band": "40-49",
        "sex": "female",
        "pain_side": "left",
        "pain_regions": ["low_back", "buttock"],
        "duration": "chronic",
        "episode": "recurrent",
        "red_flags_cleared": "yes",
        "nprs": 6,
        "ankle_injury_side": "left",
        "ankle_injury_grade": "mild",
        "si_tight_side": "right",
        "notes": "L4-5 tender, 3x/week walks",
    }
    record.update(changes)
    return record


def session_record(case_id: str, **changes) -> dict:
    record = {
        "case_id": case_id,
        "session_date": dt.date(2025, 3, 3),
        "nprs_before": 6,
        "nprs_after": 3,
        "regions_treated": ["lumbar", "hip_flexors"],
        "techniques": ["soft_tissue"],
    }
    record.update(changes)
    return record


def followup_record(case_id: str, **changes) -> dict:
    record = {
        "case_id": case_id,
        "followup_date": dt.date(2025, 3, 5),
        "after_session": 1,
        "nprs": 4,
        "flare": "yes",
        "flare_side": "left",
        "flare_onset_hours": 30.0,
        "flare_duration_hours": None,
        "status": "in_care",
    }
    record.update(changes)
    return record


def removable_session(store: Store, case_ids) -> tuple[str, int]:
    """The first session of ``case_ids`` (in their order) that no follow-up
    reports on: ``Store.delete`` refuses to remove one that a follow-up names."""
    followups = store.read("followup")
    referred = set(zip(followups["case_id"], followups["after_session"], strict=True))
    sessions = store.read("session")
    for case_id in case_ids:
        numbers = sessions.loc[sessions["case_id"] == case_id, "session_no"]
        for number in sorted(numbers):
            if (case_id, number) not in referred:
                return case_id, int(number)
    raise LookupError("every session of these cases is reported on")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only: a test of the SQLite file itself (not run on PostgreSQL)",
    )


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rpartition(".")[2]
    if module in BOTH_BACKENDS and not metafunc.definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session", autouse=True)
def ledger_of_the_run(tmp_path_factory):
    """A ledger of shares for what runs before a test's own is set: a module's
    fixtures (a store's reports rendered once for a file) share too, and went to
    the user's ledger, where the next run's shares of the same seeds met them."""
    ledger = tmp_path_factory.mktemp("ledger-of-the-run") / "shares.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEKIT_LEDGER", str(ledger))
        yield ledger


@pytest.fixture(autouse=True)
def ledger_of_its_own(tmp_path_factory):
    """Each test its own ledger of shares (``CASEKIT_LEDGER``, which the commands a
    test runs in a subprocess inherit), never the user's: tests share synthetic
    stores of the same seeds, whose shares would refuse each other across the run
    (:mod:`casekit.store.ledger`). Outside ``tmp_path``, which some tests list; set
    apart from the test's own ``monkeypatch``, whose ``undo()`` must not send a
    test's shares to the user's ledger."""
    ledger = tmp_path_factory.mktemp("ledger") / "shares.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEKIT_LEDGER", str(ledger))
        yield ledger


@pytest.fixture
def backend(request):
    """``sqlite``, or ``postgresql`` for the second run of a test of a module in
    ``BOTH_BACKENDS``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (fails, never skips, when
    PostgreSQL is not installed)."""
    from pgserver import NotInstalled, PgServer

    try:
        server = PgServer().start()
    except NotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, tmp_path, monkeypatch):
    """The owner's URL of a fresh database on the test server. A PostgreSQL store
    keeps its settings, local dictionary and deny list in ``data/`` of the current
    folder: here a temporary one, never the checkout's."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    with pg_server.database() as url:
        yield url


@pytest.fixture
def db_url(backend, tmp_path, request):
    """Where a fresh store goes: a SQLite file, or a fresh PostgreSQL database."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "data" / "casekit.db")


@pytest.fixture
def store(db_url, monkeypatch):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    with Store(db_url, create=True, actor="tester") as s:
        yield s


@pytest.fixture
def local_store(tmp_path, monkeypatch):
    """A store whose dictionary.local.yaml adds `work_type` (Kind of work: Desk,
    Manual) to the case form, with 120 synthetic cases, alternately desk and manual
    work."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "dictionary.local.yaml").write_text(LOCAL_FIELD, encoding="utf-8")
    records = cohort(120, seed=4)
    for i, record in enumerate(records["case"]):
        record["work_type"] = ("desk", "manual")[i % 2]
    with Store(data / "casekit.db", create=True, actor="tester") as s:
        s.add_many(records)
        yield s
