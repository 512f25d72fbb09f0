"""A command that only reads writes nothing, not even on open (``Store(db,
read_only=True)``, :mod:`casekit.store.reading`).

The store keeps a copy of its ``dictionary.local.yaml``, and a writing open
replaces it when the folder's file differs. A reading command once did so too: on
a copy its user cannot write (mode 0444, a read-only folder or medium) it failed,
and on any other it changed the store. The tests run as root in CI, where a file's
mode stops nothing: so they assert that the store is as it was (its bytes, its
audit, its ``casekit_meta``) after each reading command. On SQLite and PostgreSQL
(``BOTH_BACKENDS``).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from pgserver import superuser_sql

from casekit import Store
from casekit.cli import main
from casekit.errors import StoreError
from casekit.report import render
from casekit.report.series import case_series
from casekit.store.database import read_only_uri, resolve_url, sqlite_path
from casekit.store.kept import LocalDictionaryChanged
from casekit.synth import populate
from casekit.ui.explore import analysis

REFERRED = """
forms:
  case:
    fields:
      - code: referred_by
        type: text
        label: Referred by
"""
EDITED = REFERRED.replace("Referred by", "Referred by whom")


@pytest.fixture
def kept(db_url, tmp_path, monkeypatch):
    """A store of 12 synthetic cases that keeps its local dictionary, whose
    folder's ``dictionary.local.yaml`` has been edited since: the URL, and the
    file (``data/`` of the current folder for a PostgreSQL store)."""
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    data = Path(tmp_path / "data")
    data.mkdir(exist_ok=True)
    yaml = data / "dictionary.local.yaml"
    yaml.write_text(REFERRED, encoding="utf-8")
    with Store(db_url, create=True, actor="tests") as store:
        populate(store, 12, seed=3)
    yaml.write_text(EDITED, encoding="utf-8")
    return db_url


@contextlib.contextmanager
def _reader(url: str):
    """A connection to the store that cannot write it (not casekit's own)."""
    path = sqlite_path(resolve_url(url))
    if path is not None:
        uri = read_only_uri(path)
        engine = sa.create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True)
        )
    else:
        engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _state(url: str) -> dict:
    """What a write would change: the file's bytes (SQLite), the audit's rows and
    ``casekit_meta``, read through a connection that cannot write."""
    path = sqlite_path(resolve_url(url))
    with _reader(url) as conn:
        audit = conn.exec_driver_sql("SELECT count(*), max(hash) FROM audit").one()
        meta = conn.exec_driver_sql("SELECT key, value FROM casekit_meta").all()
    state = {"audit": tuple(audit), "meta": sorted(map(tuple, meta))}
    if path is not None:
        state["bytes"] = hashlib.sha256(path.read_bytes()).hexdigest()
        wal = Path(f"{path}-wal")
        state["wal"] = wal.stat().st_size if wal.exists() else 0
    return state


def _reading_commands(url: str, out: Path) -> list[list[str]]:
    with _reader(url) as conn:
        case_id = conn.exec_driver_sql("SELECT min(case_id) FROM cases").scalar()
    return [
        ["patterns"],
        ["patterns", "--by", "site", "--format", "json"],
        ["export", str(out / "export")],
        # (a share export writes: the store records each share it releases)
        ["export", str(out / "redcap"), "--format", "redcap"],
        ["check"],
        ["site", "list"],
        ["agreement"],
        ["due", "--on", "2025-03-14"],
        ["case", case_id],
        # A dry run of an import: it checks, and writes nothing at all.
        ["import", str(_new_case(out)), "--dry-run"],
    ]


def _new_case(out: Path) -> Path:
    """A cases.csv of one new case, its id to be drawn."""
    (out / "new").mkdir(parents=True, exist_ok=True)
    path = out / "new" / "cases.csv"
    path.write_text(
        "site,intake_date,age_band,sex,pain_side,duration,nprs\n"
        "main,2026-01-05,40-49,female,left,acute,6\n",
        encoding="utf-8",
    )
    return path


def test_reading_commands_write_nothing_and_still_warn(kept, tmp_path, capsys):
    before = _state(kept)
    for argv in _reading_commands(kept, tmp_path):
        capsys.readouterr()
        code = main([*argv, "--db", kept])
        err = capsys.readouterr().err
        assert code in (0, 1), (argv, err)  # check: 1 for an error it finds
        assert "casekit: error" not in err, (argv, err)
        # The folder's file differs from the copy kept: said, and used.
        assert "differs from the copy of it kept" in err, argv
        assert "this command only reads" in err, argv
        assert _state(kept) == before, argv


def test_the_report_and_the_notebooks_read_and_write_nothing(
    kept, tmp_path, monkeypatch
):
    before = _state(kept)
    # The report's own open of the store, without rendering its notebook, which
    # reads the store through case_series (as the analysis notebooks do).
    monkeypatch.setattr(render, "render", lambda notebook, target, *_, **__: target)
    with pytest.warns(LocalDictionaryChanged, match="only reads"):
        render.report(kept, tmp_path / "out")
    with pytest.warns(LocalDictionaryChanged, match="only reads"):
        series = case_series(kept)
    assert len(series.frames["case"]) == 12
    with pytest.warns(LocalDictionaryChanged, match="only reads"):
        frames, dictionary = analysis(kept)
    assert dictionary["case"]["referred_by"].label == "Referred by whom"
    assert _state(kept) == before


def test_a_writing_open_keeps_the_folders_file_as_before(kept):
    before = _state(kept)
    with pytest.warns(LocalDictionaryChanged, match="from now on"):
        Store(kept, actor="tests").close()
    after = _state(kept)
    assert ("dictionary.local.yaml", EDITED) in after["meta"]
    assert after["audit"][0] == before["audit"][0] + 1


@pytest.mark.sqlite_only
def test_a_store_its_user_cannot_write_opens_for_every_reading_command(
    kept, tmp_path, capsys
):
    path = Path(kept)
    before = _state(kept)
    path.chmod(0o444)
    for argv in _reading_commands(kept, tmp_path):
        capsys.readouterr()
        assert main([*argv, "--db", kept]) in (0, 1), argv
        assert "casekit: error" not in capsys.readouterr().err, argv
    assert _state(kept) == before


@pytest.mark.sqlite_only
def test_a_store_in_a_read_only_folder_is_read_as_it_lies(kept, monkeypatch):
    # Root writes any folder: the folder is made read-only by os.access's answer.
    path = Path(kept)
    assert "immutable" not in read_only_uri(path)
    monkeypatch.setattr("os.access", lambda *_: False)
    # A folder this reader cannot write proves nothing of the store's owner, who
    # may write the file meanwhile: immutable, a read would miss or half-read it.
    assert "immutable" not in read_only_uri(path)
    path.chmod(0o444)  # nobody writes a file without a write bit
    assert read_only_uri(path).endswith("?mode=ro&immutable=1")
    before = _state(kept)
    with pytest.warns(LocalDictionaryChanged):
        with Store(kept, read_only=True) as store:
            assert len(store.read("case")) == 12
    assert not Path(f"{path}-shm").exists()  # none made: it could not be
    assert _state(kept) == before
    Path(f"{path}-shm").touch()  # one there already is used as ever
    assert "immutable" not in read_only_uri(path)
    Path(f"{path}-shm").unlink()
    Path(f"{path}-wal").touch()  # rows in a -wal would go unread: never immutable
    assert "immutable" not in read_only_uri(path)


def test_a_store_opened_to_read_refuses_a_write(kept):
    before = _state(kept)
    with pytest.warns(LocalDictionaryChanged):
        store = Store(kept, read_only=True)
    with store, pytest.raises(StoreError, match="opened to read only"):
        store.add_site("west")
    assert _state(kept) == before


def test_a_store_a_write_would_bring_up_to_date_is_refused_and_said_how(
    kept, tmp_path, capsys
):
    # A new local field: a writing open adds its column, a reading one cannot.
    yaml = tmp_path / "data" / "dictionary.local.yaml"
    yaml.write_text(
        EDITED + "      - code: work_type\n        type: text\n        label: Work\n",
        encoding="utf-8",
    )
    before = _state(kept)
    assert main(["check", "--db", kept]) != 0
    err = capsys.readouterr().err
    assert "this command only reads" in err and "casekit init" in err
    assert _state(kept) == before
    assert main(["export", str(tmp_path / "x"), "--db", kept]) != 0
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "cases.csv").write_text("site\nmain\n", encoding="utf-8")
    dry = ["import", str(tmp_path / "x" / "cases.csv"), "--dry-run", "--db", kept]
    assert main(dry) == 1
    assert "casekit init" in capsys.readouterr().err
    assert _state(kept) == before
    assert main(["init", "--db", kept]) == 0
    assert main(["check", "--db", kept]) == 0


def test_check_reads_a_store_whose_guards_are_missing_and_says_so(kept, capsys):
    if kept.startswith("postgresql"):
        superuser_sql(kept, "DROP TRIGGER audit_append_only ON audit", guards=False)
        dropped = "audit_append_only"
    else:
        with contextlib.closing(sqlite3.connect(kept)) as raw, raw:
            raw.execute("DROP TRIGGER audit_no_delete")
        dropped = "audit_no_delete"
    before = _state(kept)
    assert main(["check", "--db", kept]) == 1
    out = capsys.readouterr().out
    assert f"the audit's guards are missing ({dropped})" in out
    assert _state(kept) == before
    # A command that writes puts them back, audited, as ever.
    with pytest.warns(LocalDictionaryChanged), Store(kept, actor="tests") as store:
        assert "restore_guards" in store.audit()["action"].tolist()
        assert [p.rule for p in store.verify()[0]] == ["guards_restored"]
