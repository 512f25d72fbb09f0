"""Two shares of a store that differ by a few cases must not give those cases away.

The store remembers each share it released (``share_releases``: when, which kind,
the cases it counted), and a share whose cases differ from an earlier share's by 1
to 7 (cases logged, withdrawn or changed since) is refused before anything is
written (and one whose cases differ by 1 to 7 in any one form: the cases logged
here are intakes alone, the forms' rule is test_release_contents'); the same cases
may be shared again. A shared report of fewer than 8 cases
shows no count at all. The export tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import sqlite3

import pandas as pd
import pytest
from conftest import case_record
from pages import Page

from casekit import Store
from casekit.cli import main
from casekit.errors import ReleaseRefused, ShareRefused
from casekit.io import exporter
from casekit.io.exporter import export_csv
from casekit.labels import NOT_YET
from casekit.privacy import new_case_id
from casekit.report.render import report
from casekit.store import releases
from casekit.store.schema import SCHEMA_VERSION
from casekit.synth import populate


def kinds(store: Store) -> list[str]:
    return [row["kind"] for row in releases.released(store)]


def log(store: Store, n: int) -> None:
    """``n`` new cases, intakes alone: cases logged with sessions or exams would be
    those forms changed by as few too (casekit.store.releases, and its tests in
    test_release_contents)."""
    store.add_many({"case": [case_record() for _ in range(n)]})


def withdraw(store: Store, n: int) -> None:
    for case_id in sorted(store.case_ids(include_deleted=False))[:n]:
        store.delete("case", case_id, reason="withdrew consent")


@pytest.fixture
def grown(store):
    """A store of 30 synthetic cases, its share export released."""
    populate(store, 30, seed=1)
    return store


def test_a_share_export_of_one_case_more_is_refused_until_eight_changed(
    grown, tmp_path
):
    export_csv(grown, tmp_path / "first", share=True)
    assert kinds(grown) == ["export"]
    log(grown, 1)
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(grown, tmp_path / "second", share=True)
    assert (refused.value.changed, refused.value.more) == (1, 7)
    assert refused.value.kind == "share export"
    assert not (tmp_path / "second").exists()  # nothing written
    assert kinds(grown) == ["export"]  # nor recorded
    log(grown, 6)  # 7 changed: still too few
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(grown, tmp_path / "second", share=True)
    assert (refused.value.changed, refused.value.more) == (7, 1)
    log(grown, 1)  # 8 changed
    export_csv(grown, tmp_path / "second", share=True)
    assert kinds(grown) == ["export", "export"]
    shared = pd.read_csv(tmp_path / "second" / "cases.csv")
    assert len(shared) == 38


def test_a_withdrawn_case_is_a_change_too(grown, tmp_path):
    export_csv(grown, tmp_path / "first", share=True)
    withdraw(grown, 1)
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(grown, tmp_path / "second", share=True)
    assert refused.value.changed == 1
    # One withdrawn and one logged: two changed, though the count is the same.
    populate(grown, 1, seed=2)
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(grown, tmp_path / "second", share=True)
    assert refused.value.changed == 2


def test_the_same_cases_may_be_shared_again_and_give_the_same_rows(grown, tmp_path):
    export_csv(grown, tmp_path / "first", share=True)
    export_csv(grown, tmp_path / "again", share=True)
    assert kinds(grown) == ["export", "export"]

    def rows(folder):  # the case ids are fresh each time; the rest is the same
        frame = pd.read_csv(folder / "cases.csv").drop(columns="case_id")
        return sorted(repr(list(row)) for row in frame.to_numpy())

    assert rows(tmp_path / "first") == rows(tmp_path / "again")


def test_a_redcap_share_counts_against_a_csv_share_and_back(grown, tmp_path):
    export_csv(grown, tmp_path / "rc", share=True, fmt="redcap")
    assert kinds(grown) == ["redcap"]
    log(grown, 1)
    with pytest.raises(ReleaseRefused) as refused:
        export_csv(grown, tmp_path / "csv", share=True)
    assert refused.value.kind == "REDCap share export"
    log(grown, 7)
    export_csv(grown, tmp_path / "csv", share=True)
    withdraw(grown, 2)
    with pytest.raises(ReleaseRefused):
        export_csv(grown, tmp_path / "rc2", share=True, fmt="redcap")
    assert kinds(grown) == ["redcap", "export"]
    # A full export is no share: neither checked nor recorded.
    export_csv(grown, tmp_path / "full")
    export_csv(grown, tmp_path / "full", fmt="redcap")
    assert kinds(grown) == ["redcap", "export"]


def test_a_release_is_recorded_only_when_the_share_is_written(
    store, tmp_path, monkeypatch
):
    populate(store, 3, seed=1)
    with pytest.raises(ShareRefused):  # fewer than k cases
        export_csv(store, tmp_path / "few", share=True)
    assert kinds(store) == []
    populate(store, 27, seed=2)

    written = []
    neutralise = exporter.neutralise_frame

    def broken(frame):  # the disk fills up after the first file
        if written:
            raise OSError("disk full")
        written.append(frame)
        return neutralise(frame)

    monkeypatch.setattr(exporter, "neutralise_frame", broken)
    with pytest.raises(OSError):
        export_csv(store, tmp_path / "broken", share=True)
    assert kinds(store) == []
    # no file in place, not even the one written whole: it was not released
    assert written and list((tmp_path / "broken").iterdir()) == []
    monkeypatch.undo()
    export_csv(store, tmp_path / "share", share=True)
    assert kinds(store) == ["export"]


def test_the_command_says_in_one_line_what_changed_and_how_many_more(
    grown, db_url, tmp_path, capsys
):
    out = ["export", "--db", db_url, "--share"]
    assert main([*out[:1], str(tmp_path / "a"), *out[1:]]) == 0
    populate(grown, 2, seed=2)
    capsys.readouterr()
    assert main([*out[:1], str(tmp_path / "b"), *out[1:]]) == 1
    said = capsys.readouterr().err.strip()
    assert "\n" not in said and not (tmp_path / "b").exists()
    today = releases.released(grown)[0]["released_at"][:10]
    assert f"2 cases changed since the share export of {today}" in said
    assert "a share now would give them away, so nothing was written" in said
    assert "share again when 8 or more cases have changed, or none" in said


def test_a_report_is_refused_by_an_export_before_it_renders(
    grown, db_url, tmp_path, capsys
):
    export_csv(grown, tmp_path / "share", share=True)
    populate(grown, 1, seed=2)
    command = ["report", "--db", db_url, "--share", "--out", str(tmp_path / "r")]
    assert main(command) == 1
    assert "1 case changed since the share export" in capsys.readouterr().err
    assert not (tmp_path / "r" / "report-share.html").exists()
    assert kinds(grown) == ["export"]
    # The full report is the practitioner's own: no share, never refused.
    assert main(command[:-3] + ["--out", str(tmp_path / "r")]) == 0


@pytest.mark.sqlite_only
def test_a_shared_report_is_refused_after_one_case_and_allowed_after_eight(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    db = tmp_path / "casekit.db"
    with Store(db, create=True, actor="tester") as store:
        populate(store, 12, seed=1)
    report(db, tmp_path / "first", share=True)
    with Store(db) as store:
        assert kinds(store) == ["report"]
        log(store, 1)
    with pytest.raises(ReleaseRefused) as refused:
        report(db, tmp_path / "second", share=True)
    assert (refused.value.changed, refused.value.kind) == (1, "shared report")
    assert not (tmp_path / "second" / "report-share.html").exists()
    with Store(db) as store:
        log(store, 7)
    page = report(db, tmp_path / "second", share=True)
    assert Page(page.read_text(encoding="utf-8")).counts
    with Store(db) as store:
        assert [r["cases"] for r in releases.released(store)] == [12, 20]


@pytest.mark.sqlite_only
def test_a_shared_report_of_three_cases_shows_no_count_zero_or_year(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CASEKIT_DB", raising=False)
    db = tmp_path / "casekit.db"
    with Store(db, create=True, actor="tester") as store:
        populate(store, 3, seed=1)
        years = {str(d.year) for d in store.read("case")["intake_date"]}
    assert main(["report", "--db", str(db), "--share", "--out", str(tmp_path)]) == 0
    html = (tmp_path / "report-share.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.counts == [] and page.tables == []  # no table, no count
    assert "<img" not in html  # no figure
    text = " ".join(" ".join(page.text).split())
    assert text.count(NOT_YET["few"]) >= 10  # each section says so
    assert not any(year in text for year in years)
    assert "Limitations" in text and "Anonymisation" in text
    with Store(db) as store:  # it counted nothing: no release
        assert kinds(store) == []
    # The full report of the same store shows its counts, as before.
    assert main(["report", "--db", str(db), "--out", str(tmp_path)]) == 0
    assert Page((tmp_path / "report.html").read_text(encoding="utf-8")).counts


@pytest.mark.sqlite_only
def test_an_older_store_gains_the_table_of_releases_when_opened(tmp_path):
    db = tmp_path / "old.db"
    with Store(db, create=True, actor="tester") as store:
        populate(store, 10, seed=1)
    with sqlite3.connect(db) as conn:  # as casekit of schema 4 left it
        conn.execute("DROP TABLE share_releases")
        conn.execute("UPDATE casekit_meta SET value = '4' WHERE key = 'schema_version'")
    with Store(db) as store:
        assert kinds(store) == []
        export_csv(store, tmp_path / "share", share=True)
        assert kinds(store) == ["export"]
        audit = store.audit()
    with sqlite3.connect(db) as conn:
        version = conn.execute(
            "SELECT value FROM casekit_meta WHERE key = 'schema_version'"
        ).fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert "restore_guards" not in set(audit["action"])


def test_the_case_ids_of_100000_cases_are_packed_small_and_come_back_exactly():
    rng, ids = random.Random(1), set()
    while len(ids) < 100_000:
        ids.add(new_case_id(ids, rng))
    digest, packed = releases.pack(ids)
    assert releases.unpack(packed) == ids
    assert releases.pack(reversed(sorted(ids)))[0] == digest
    assert len(packed) < 6 * len(ids)  # under the 7 bytes an id takes as a line
    assert releases.unpack(releases.pack([])[1]) == set()
    # Each with its fingerprint, a part of 8 hex digits in every form: about 35
    # characters a case (2.8 megabytes at 100,000 cases where none has an exam).
    parts = [[f"{rng.getrandbits(32):08x}" for _ in range(4)] for _ in ids]
    entries = {f"{i}:p{'.'.join(p)}" for i, p in zip(sorted(ids), parts, strict=True)}
    digest, packed = releases.pack(entries)
    assert releases.unpack(packed) == entries
    assert len(packed) < 36 * len(entries)
