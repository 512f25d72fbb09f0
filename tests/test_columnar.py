"""The columnar read path (ADBC into Arrow, then typed columns) gives the very
frames the row reader (SQLAlchemy, a Python object per cell) gives: every dtype,
every value, categorical orders included."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from conftest import case_record, followup_record, removable_session, session_record
from hypothesis import HealthCheck, given, settings
from stores import SHAPES, shape_records, shown, stores, write_store

from casekit import Store
from casekit.store import columnar
from casekit.synth import CohortParams, populate

pytestmark = pytest.mark.skipif(
    not columnar.available("sqlite"), reason="the ADBC SQLite driver is not installed"
)


@pytest.fixture(autouse=True)
def _driver_of(request):
    # PostgreSQL's driver comes with the postgres extra (and the dev one).
    called = getattr(request.node, "callspec", None)
    on = called.params.get("backend", "sqlite") if called else "sqlite"
    if "pg_url" in request.fixturenames:
        on = "postgresql"
    if not columnar.available(on):
        pytest.skip(f"the ADBC {on} driver is not installed")


def _row_reader(monkeypatch) -> None:
    monkeypatch.setattr(columnar, "available", lambda *database: False)


def _both(store: Store, monkeypatch, **kw) -> tuple[dict, dict]:
    """The store's frames through each path, and proof that each path ran."""
    calls = []
    real = columnar.read_frames

    def counting(*args, **kwargs):
        frames = real(*args, **kwargs)
        calls.append(args)  # only a read that came back: a fallen-back one is not
        return frames

    with monkeypatch.context() as patch:
        patch.setattr(columnar, "read_frames", counting)
        # No falling back to the row reader here: a driver error fails the test.
        patch.setattr(columnar, "read_errors", lambda: ())
        ours = _every_read(store, **kw)
    assert calls, "the columnar path did not read"
    with monkeypatch.context() as patch:
        _row_reader(patch)
        patch.setattr(columnar, "read_frames", None)  # never called
        rows = _every_read(store, **kw)
    return ours, rows


def _every_read(store: Store) -> dict:
    """Every read, in columns where the row reader is not forced."""
    frames = {("frames", name): f for name, f in store.frames(columnar=True).items()}
    for form in ("case", "session", "followup"):
        frames[("read", form)] = store.read(form, columnar=True)
        frames[("deleted", form)] = store.read(
            form, include_deleted=True, columnar=True
        )
    return frames


def assert_same_frames(ours: dict, rows: dict) -> None:
    assert ours.keys() == rows.keys()
    for key in ours:
        pd.testing.assert_frame_equal(
            ours[key], rows[key], check_dtype=True, check_categorical=True, obj=key
        )
        for name in ours[key].select_dtypes("category"):
            assert ours[key][name].cat.ordered, (key, name)


def test_a_synthetic_store_reads_the_same(store, monkeypatch):
    populate(store, 300, seed=7, params=CohortParams(missing=0.3, not_tested=0.3))
    for case_id in sorted(store.case_ids())[:20]:
        store.delete("case", case_id, reason="withdrew consent")
    later = sorted(store.case_ids())[30:]
    store.delete("session", removable_session(store, later), reason="entered twice")
    ours, rows = _both(store, monkeypatch)
    assert_same_frames(ours, rows)
    assert len(ours[("deleted", "case")]) == 300 > len(ours[("read", "case")])
    # multi-selects are lists (or None), and no two rows share one list
    lists = ours[("read", "session")]["regions_treated"].dropna()
    assert all(isinstance(v, list) for v in lists)
    assert len({id(v) for v in lists}) == len(lists)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_store_shape_reads_the_same(tmp_path, monkeypatch, shape):
    records, every = shape_records(shape)
    with Store(write_store(tmp_path / "s.db", records, every=every)) as store:
        assert_same_frames(*_both(store, monkeypatch))


def test_missing_answers_everywhere_read_the_same(store, monkeypatch):
    # Only what a form requires; every other cell of every form empty, so that the
    # driver sees whole columns with no value at all.
    def bare(form: str, record: dict) -> dict:
        spec = store.dictionary[form]
        return {k: v for k, v in record.items() if k in spec.key or spec[k].required}

    for _ in range(3):
        case_id = store.add("case", bare("case", case_record()))["case_id"]
        store.add("session", bare("session", session_record(case_id)))
        store.add("followup", bare("followup", followup_record(case_id)))
    ours, rows = _both(store, monkeypatch)
    assert_same_frames(ours, rows)
    assert ours[("read", "case")]["notes"].isna().all()
    assert ours[("read", "session")]["regions_treated"].isna().all()


def test_a_local_dictionary_field_reads_the_same(local_store, monkeypatch):
    ours, rows = _both(local_store, monkeypatch)
    assert_same_frames(ours, rows)
    kinds = ours[("read", "case")]["work_type"]
    assert list(kinds.cat.categories) == ["desk", "manual"]
    assert set(kinds) == {"desk", "manual"}


@pytest.mark.sqlite_only
def test_cells_another_tool_wrote_read_the_same(store, monkeypatch):
    """Codes the dictionary does not list (missing, as a categorical makes them),
    an empty multi-select cell, a whole number stored in a number field."""
    case_id = store.add("case", case_record())["case_id"]
    store.add("session", session_record(case_id))
    store.add("followup", followup_record(case_id))
    with sqlite3.connect(store.path) as raw:
        raw.execute("UPDATE cases SET sex = 'retired_code', pain_regions = ''")
        raw.execute("UPDATE followups SET flare_onset_hours = 30")
    ours, rows = _both(store, monkeypatch)
    assert_same_frames(ours, rows)
    case = ours[("read", "case")]
    assert case["sex"].isna().all() and case["pain_regions"].isna().all()


@pytest.mark.sqlite_only
def test_a_cell_the_driver_cannot_type_is_read_by_the_row_reader(store, monkeypatch):
    # Text in an integer column: the driver refuses the mixed column, and the row
    # reader then reads it as it always did (and says what is wrong, here).
    for _ in range(2):
        store.add("case", case_record())
    with sqlite3.connect(store.path) as raw:
        raw.execute("UPDATE cases SET nprs = 'six' WHERE rowid = 1")
    with pytest.raises((TypeError, ValueError)) as found:
        store.read("case", columnar=True)
    _row_reader(monkeypatch)
    with pytest.raises(type(found.value)):
        store.read("case")


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=stores(max_cases=15))
def test_any_drawn_store_reads_the_same(tmp_path_factory, monkeypatch, drawn):
    records, withdrawn = drawn
    db = tmp_path_factory.mktemp("drawn") / "s.db"
    with Store(write_store(db, records, withdrawn)) as store:
        try:
            assert_same_frames(*_both(store, monkeypatch))
        except AssertionError as failure:
            raise AssertionError(shown(records, withdrawn)) from failure


def test_without_the_driver_casekit_reads_through_sqlalchemy(store, monkeypatch):
    store.add("case", case_record())
    _row_reader(monkeypatch)
    monkeypatch.setattr(columnar, "read_frames", None)  # would fail if called
    assert len(store.frames(columnar=True)["case"]) == 1


def test_a_store_reads_in_columns_only_when_asked(store, monkeypatch):
    """A process that writes never opens the file with the driver's own SQLite (its
    locks would vanish, and a write with them: see casekit.store.columnar)."""
    store.add("case", case_record())
    monkeypatch.setattr(columnar, "read_frames", None)  # would fail if called
    assert len(store.frames()["case"]) == 1
    assert len(store.read("case")) == 1


def test_a_postgresql_read_is_one_read_only_snapshot(pg_url):
    from casekit.store.columnar import _postgres_uri, _reader

    with Store(pg_url, create=True) as store:
        uri = _postgres_uri(store.engine.url)
    assert "connect_timeout=10" in uri  # libpq alone would wait forever
    with _reader(uri, timeout=5) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('transaction_isolation'), "
            "current_setting('transaction_read_only')"
        )
        assert cursor.fetchone() == ("repeatable read", "on")
